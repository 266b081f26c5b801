//! Once a lead turns umbrella, nothing of its handling reaches a unit that holds only its shell
//! or nothing, and what was handled while it was umbrella stays the discipline commission's, also
//! after it is unmarked.

use pingan_tests::TestApp;
use serde_json::{Value, json};

const DEADLINE: &str = "2099-03-01T10:00:00+08:00";

/// An ordinary lead of the coordination office, taken to VERIFYING by the police station.
async fn lead_verified_by_police(app: &TestApp, coord: &str) -> String {
    let register = json!({ "source": "PUBLIC_REPORT", "category": "VICE", "summary": "某歌厅涉黄", "receivedAt": "2026-11-20T09:00:00+08:00" });
    let lead = app.mutate(coord, "registerLead", register, "lead { id status }").await;
    let id = lead["lead"]["id"].as_str().unwrap().to_owned();
    assert_eq!(lead["lead"]["status"], "TRANSFERRED", "{lead}");
    app.mutate_typed(coord, "startLeadReview", "LeadStepInput", json!({ "leadId": id }), "lead { id }").await;
    app.mutate(coord, "decideLead", json!({ "leadId": id, "decision": "LOCAL_HANDLING" }), "lead { id }").await;
    let police_unit = app.unit_id("清河派出所").await;
    let assign = json!({
        "leadId": id,
        "assigneeUnitId": pingan_tests::global_id("OrgUnit", police_unit),
        "responsibleLeader": "王所长",
        "responsiblePerson": "李警官",
        "measures": "走访核实",
        "deadline": DEADLINE,
    });
    let lead = app.mutate(coord, "assignLead", assign, "lead { status }").await;
    assert_eq!(lead["lead"]["status"], "VERIFYING", "{lead}");
    id
}

/// Every task `token` can list that targets nothing it can see but was raised on `lead`, found
/// by the lead's deadline-derived rule kind.
async fn verification_tasks(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            "{ tasks(first: 100) { nodes { id kind status dueAt assigneeUnit { name } events { kind body } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["tasks"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["kind"] == "LEAD_VERIFICATION" && t["dueAt"].as_str().is_some_and(|d| d.starts_with("2099-03-01"))
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_lead_marked_umbrella_takes_its_verification_task_from_the_police_and_its_conclusion_never_reaches_them() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let jiwei = app.login("jiwei").await;
    let lead = lead_verified_by_police(&app, &coord).await;
    let before = verification_tasks(&app, &police).await;
    assert_eq!(before.len(), 1, "the police hold the verification task: {before:?}");
    assert_eq!(before[0]["status"], "OPEN");

    app.mutate(&coord, "markLeadUmbrella", json!({ "leadId": lead, "reason": "涉及公职人员" }), "lead { id }").await;

    // The discipline commission now owns the duty; the police's task is withdrawn, not done.
    let theirs = verification_tasks(&app, &jiwei).await;
    let open: Vec<&Value> = theirs.iter().filter(|t| t["status"] == "OPEN").collect();
    assert_eq!(open.len(), 1, "{theirs:?}");
    assert_eq!(open[0]["assigneeUnit"]["name"], "清河镇纪委");
    let after = verification_tasks(&app, &police).await;
    assert!(!after.is_empty() && after.iter().all(|t| t["status"] == "CANCELLED"), "{after:?}");

    let conclude = json!({ "leadId": lead, "outcome": "SUBSTANTIATED", "text": "查实" });
    app.mutate(&jiwei, "concludeLead", conclude, "lead { status }").await;
    let after_conclusion = verification_tasks(&app, &police).await;
    assert_eq!(after_conclusion, after, "the commission's conclusion changes nothing the police can see");
}

const LEAD: &str = "query($id: ID!) { lead(id: $id) { status assigneeUnit { name } responsibleLeader deadline
    gangPartSerials events { kind note fromStatus toStatus } } }";

#[tokio::test]
async fn after_unmarking_the_coordinator_sees_nothing_handled_while_the_lead_was_umbrella() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let jiwei = app.login("jiwei").await;
    let lead = lead_verified_by_police(&app, &coord).await;
    app.mutate(&coord, "markLeadUmbrella", json!({ "leadId": lead, "reason": "涉及公职人员" }), "lead { id }").await;
    let police_unit = pingan_tests::global_id("OrgUnit", app.unit_id("清河派出所").await);
    let hand_over = json!({ "leadId": lead, "summary": "涉黑部分移交公安", "assigneeUnitId": police_unit });
    let handed = app.mutate(&jiwei, "handOverGangPart", hand_over, "lead { gangPartSerials }").await;
    let serial = handed["lead"]["gangPartSerials"][0].as_str().expect("a gang part serial").to_owned();

    let unmark = json!({ "leadId": lead, "reason": "经核查不涉及公职人员", "category": "VICE" });
    app.mutate(&jiwei, "unmarkLeadUmbrella", unmark, "lead { id }").await;

    let body = app.gql(Some(&coord), LEAD, json!({ "id": lead })).await;
    // `deadline` is now the coordination office's own review deadline, not the commission's.
    let seen = &body["data"]["lead"];
    assert!(body["errors"].is_null(), "{body}");
    assert!(!seen.to_string().contains(&serial), "the handed-over serial reached the coordinator: {seen}");
    let kinds: Vec<&str> = seen["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(!kinds.contains(&"GANG_PART_HANDED_OVER"), "{kinds:?}");
    let marked = kinds.iter().position(|k| *k == "MARKED_UMBRELLA").expect("the marking shows");
    assert_eq!(kinds.get(marked + 1), Some(&"UNMARKED_UMBRELLA"), "nothing between marking and unmarking: {kinds:?}");
    // The lead is back in the coordination office's review, with none of the commission's handling.
    assert_eq!(seen["status"], "TRANSFERRED", "{seen}");
    assert!(seen["assigneeUnit"].is_null() && seen["responsibleLeader"].is_null(), "{seen}");
    assert!(seen["events"][marked + 1]["fromStatus"].is_null(), "{seen}");
}

#[tokio::test]
async fn an_umbrella_lead_the_commission_concluded_cannot_be_unmarked() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let jiwei = app.login("jiwei").await;
    let lead = lead_verified_by_police(&app, &coord).await;
    app.mutate(&coord, "markLeadUmbrella", json!({ "leadId": lead, "reason": "涉及公职人员" }), "lead { id }").await;
    let conclude = json!({ "leadId": lead, "outcome": "UNFOUNDED", "text": "查否" });
    app.mutate(&jiwei, "concludeLead", conclude, "lead { status }").await;
    let body = app
        .gql(
            Some(&jiwei),
            "mutation($i: UnmarkLeadUmbrellaInput!) { unmarkLeadUmbrella(input: $i) { lead { id } } }",
            json!({ "i": { "leadId": lead, "reason": "误标", "category": "VICE" } }),
        )
        .await;
    assert_eq!(pingan_tests::error_code(&body), Some("CONFLICT"), "{body}");
}
