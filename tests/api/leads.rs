//! Leads: per-role visibility (access.md "Leads", row by row), the lifecycle, the dual transfer
//! of umbrella leads, reporter protection and the audit of confidential reads.

use std::collections::{BTreeMap, BTreeSet};

use entity::{lead, org_unit};
use pingan_tests::{TestApp, error_code};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const LEADS: &str =
    "{ leads(first: 100) { totalCount nodes { id serial isUmbrella coarseStatus receivedAt receivingUnit { name }
    source summary status events { kind } reporterName reporterContact
    viewerCan { readReceipt readSubmission readHandling readReporter } } } }";

/// What access.md grants `user` on a lead: None when the row is hidden, else the groups.
fn expected(user: &str, l: &lead::Model, units: &BTreeMap<uuid::Uuid, String>) -> Option<BTreeSet<&'static str>> {
    let own = |name: &str| units.get(&l.receiving_unit_id).map(String::as_str) == Some(name);
    let assigned = |name: &str| l.assignee_unit_id.and_then(|u| units.get(&u)).map(String::as_str) == Some(name);
    let set = |groups: &[&'static str]| Some(groups.iter().copied().collect::<BTreeSet<_>>());
    let ordinary = !l.umbrella;
    match user {
        "coord" => match (ordinary, own("清河镇扫黑办")) {
            (true, true) => set(&["shell", "receipt", "submission", "handling", "reporter"]),
            (true, false) => set(&["shell", "receipt", "submission", "handling"]),
            (false, true) => set(&["shell", "receipt"]),
            (false, false) => set(&["shell"]),
        },
        "jiwei" if l.umbrella => set(&["shell", "receipt", "submission", "handling", "reporter"]),
        "police" | "sifa" => {
            let unit = if user == "police" { "清河派出所" } else { "清河司法所" };
            match (ordinary, own(unit), assigned(unit)) {
                (true, true, _) => set(&["shell", "receipt", "submission", "handling", "reporter"]),
                (true, false, true) => set(&["shell", "receipt", "submission", "handling"]),
                (false, true, _) => set(&["shell", "receipt"]),
                _ => None,
            }
        }
        "dongzhuang" | "xizhuang" | "nanwan" => {
            let unit = match user {
                "dongzhuang" => "东庄村",
                "xizhuang" => "西庄村",
                _ => "南湾社区",
            };
            match (ordinary, own(unit)) {
                (true, true) => set(&["shell", "receipt", "submission", "reporter"]),
                (false, true) => set(&["shell", "receipt"]),
                _ => None,
            }
        }
        _ => None,
    }
}

fn observed(node: &Value) -> BTreeSet<&'static str> {
    let mut groups = BTreeSet::new();
    if node["serial"].is_string() {
        groups.insert("shell");
    }
    if node["receivedAt"].is_string() {
        groups.insert("receipt");
    }
    if node["summary"].is_string() {
        groups.insert("submission");
    }
    if node["status"].is_string() {
        groups.insert("handling");
    }
    if node["viewerCan"]["readReporter"] == true {
        groups.insert("reporter");
    }
    groups
}

#[tokio::test]
async fn every_role_sees_exactly_the_rows_and_groups_access_md_grants() {
    let app = TestApp::spawn().await;
    let town = entity::town::Entity::find()
        .filter(entity::town::Column::Name.eq("清河镇"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let leads = lead::Entity::find().filter(lead::Column::TownId.eq(town.id)).all(&app.state.db).await.unwrap();
    let units: BTreeMap<uuid::Uuid, String> =
        org_unit::Entity::find().all(&app.state.db).await.unwrap().into_iter().map(|u| (u.id, u.name)).collect();
    let mut table = Vec::new();
    for user in ["coord", "jiwei", "police", "sifa", "dongzhuang", "xizhuang", "nanwan"] {
        let body = app.gql(Some(&app.login(user).await), LEADS, json!({})).await;
        let nodes = body["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{user}: {body}"));
        let seen: BTreeMap<String, BTreeSet<&str>> =
            nodes.iter().map(|n| (n["id"].as_str().unwrap().to_owned(), observed(n))).collect();
        let mut rows = 0;
        for l in &leads {
            let id = {
                use base64::Engine as _;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Lead:{}", l.id))
            };
            let want = expected(user, l, &units);
            assert_eq!(seen.get(&id).cloned(), want, "{user} on {} (umbrella {})", l.serial, l.umbrella);
            if want.is_some() {
                rows += 1;
            }
        }
        assert_eq!(seen.len(), rows, "{user} sees no other rows");
        table.push(format!("{user}: {rows} rows"));
        for n in nodes {
            if n["isUmbrella"] == true && user != "jiwei" {
                assert!(n["summary"].is_null() && n["reporterName"].is_null() && n["events"].is_null(), "{user}: {n}");
            }
        }
    }
    println!("lead visibility observed: {}", table.join(", "));
    let admin = app.gql(Some(&app.login("admin").await), LEADS, json!({})).await;
    assert_eq!(error_code(&admin), Some("FORBIDDEN"));
    let liulin = app.gql(Some(&app.login("liulin_coord").await), LEADS, json!({})).await;
    assert!(!liulin.to_string().contains("清河"), "{liulin}");
}

const REGISTER: &str = "mutation($i: RegisterLeadInput!) { registerLead(input: $i) { lead { id serial status isUmbrella summary receivedAt reporterName events { kind } } } }";

fn register_input(source: &str, category: &str, official: bool) -> Value {
    json!({ "i": { "source": source, "category": category, "summary": "群众反映有人收保护费", "receivedAt": "2026-01-05T09:00:00+08:00",
                   "involvesOfficial": official, "content": "详细内容", "reporterName": "举报人甲", "reporterContact": "13800000000" } })
}

async fn register(app: &TestApp, token: &str, source: &str, category: &str, official: bool) -> Value {
    app.gql(Some(token), REGISTER, register_input(source, category, official)).await
}

fn lead_of(body: &Value, field: &str) -> Value {
    let lead = body["data"][field]["lead"].clone();
    assert!(lead.is_object(), "{body}");
    lead
}

const STEP: &str = "mutation($id: ID!) { transferLead(input: { leadId: $id }) { lead { status } } }";

#[tokio::test]
async fn an_ordinary_lead_runs_its_whole_lifecycle_and_wrong_steps_name_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord = app.login("coord").await;
    let lead = lead_of(&register(&app, &police, "POLICE", "VICE", false).await, "registerLead");
    assert_eq!(lead["status"], "REGISTERED");
    let id = lead["id"].as_str().unwrap();

    let early = app
        .gql(
            Some(&coord),
            "mutation($id: ID!) { startLeadReview(input: { leadId: $id }) { lead { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&early), Some("CONFLICT"), "{early}");
    assert_eq!(early["errors"][0]["extensions"]["allowed"], json!(["transferLead"]));

    let by_coord = app.gql(Some(&coord), STEP, json!({ "id": id })).await;
    assert_eq!(error_code(&by_coord), Some("FORBIDDEN"), "only the receiving unit transfers: {by_coord}");
    let moved = app.gql(Some(&police), STEP, json!({ "id": id })).await;
    assert_eq!(moved["data"]["transferLead"]["lead"]["status"], "TRANSFERRED", "{moved}");
    let steps = [
        (
            "mutation($id: ID!) { startLeadReview(input: { leadId: $id }) { lead { status } } }",
            "startLeadReview",
            "UNDER_REVIEW",
        ),
        (
            "mutation($id: ID!) { decideLead(input: { leadId: $id, decision: LOCAL_HANDLING }) { lead { status } } }",
            "decideLead",
            "LOCAL_HANDLING",
        ),
    ];
    for (q, field, status) in steps {
        let body = app.gql(Some(&coord), q, json!({ "id": id })).await;
        assert_eq!(body["data"][field]["lead"]["status"], status, "{body}");
    }
    let units = app.gql(Some(&coord), "{ orgUnits { id name } }", json!({})).await;
    let police_unit =
        units["data"]["orgUnits"].as_array().unwrap().iter().find(|u| u["name"] == "清河派出所").unwrap()["id"].clone();
    let assign = "mutation($id: ID!, $u: ID!) { assignLead(input: { leadId: $id, assigneeUnitId: $u, responsibleLeader: \"镇长\",
                  responsiblePerson: \"张警官\", measures: \"走访核实\", deadline: \"2099-01-01T00:00:00Z\" }) { lead { status deadline } } }";
    let assigned = app.gql(Some(&coord), assign, json!({ "id": id, "u": police_unit })).await;
    assert_eq!(assigned["data"]["assignLead"]["lead"]["status"], "VERIFYING", "{assigned}");

    let conclude = "mutation($id: ID!, $t: String!) { concludeLead(input: { leadId: $id, outcome: SUBSTANTIATED, text: $t }) { lead { status conclusion events { kind fromStatus toStatus } } } }";
    let empty = app.gql(Some(&police), conclude, json!({ "id": id, "t": " " })).await;
    assert_eq!(empty["errors"][0]["extensions"]["field"], "input.text", "{empty}");
    let done = app.gql(Some(&police), conclude, json!({ "id": id, "t": "查实：已立案" })).await;
    let done = lead_of(&done, "concludeLead");
    assert_eq!(done["status"], "SUBSTANTIATED");
    let kinds: Vec<&str> = done["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["REGISTERED", "TRANSFERRED", "REVIEW_STARTED", "DECIDED", "ASSIGNED", "CONCLUDED"]);
    let again = app.gql(Some(&police), conclude, json!({ "id": id, "t": "x" })).await;
    assert_eq!(error_code(&again), Some("CONFLICT"));
    assert_eq!(again["errors"][0]["extensions"]["allowed"], Value::Null, "nothing follows a conclusion: {again}");
}

#[tokio::test]
async fn the_coordination_offices_own_leads_start_transferred_and_the_county_can_decline_or_take_over() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let lead =
            lead_of(&register(&app, &coord, "PUBLIC_REPORT", "USURY_SOFT_VIOLENCE", false).await, "registerLead");
        assert_eq!(lead["status"], "TRANSFERRED");
        let id = lead["id"].as_str().unwrap().to_owned();
        for q in [
            "mutation($id: ID!) { startLeadReview(input: { leadId: $id }) { lead { status } } }",
            "mutation($id: ID!) { decideLead(input: { leadId: $id, decision: ESCALATED }) { lead { status } } }",
        ] {
            app.gql(Some(&coord), q, json!({ "id": id })).await;
        }
        ids.push(id);
    }
    let answer = "mutation($id: ID!, $a: CountyAnswer!) { recordCountyAnswer(input: { leadId: $id, answer: $a }) { lead { status countyAnswer nextSteps } } }";
    let declined = app.gql(Some(&coord), answer, json!({ "id": ids[0], "a": "DECLINED" })).await;
    assert_eq!(declined["data"]["recordCountyAnswer"]["lead"]["status"], "LOCAL_HANDLING", "{declined}");
    let taken = app.gql(Some(&coord), answer, json!({ "id": ids[1], "a": "TAKEN_OVER" })).await;
    assert_eq!(taken["data"]["recordCountyAnswer"]["lead"]["nextSteps"], json!(["concludeLead"]), "{taken}");
    let conclude = "mutation($id: ID!) { concludeLead(input: { leadId: $id, outcome: UNFOUNDED, text: \"县扫黑办查否\" }) { lead { status } } }";
    let done = app.gql(Some(&coord), conclude, json!({ "id": ids[1] })).await;
    assert_eq!(done["data"]["concludeLead"]["lead"]["status"], "UNFOUNDED", "{done}");
}

#[tokio::test]
async fn a_village_that_registered_an_umbrella_lead_sees_only_its_shell() {
    let app = TestApp::spawn().await;
    let village = app.login("dongzhuang").await;
    let wrong_source = register(&app, &village, "PUBLIC_REPORT", "VICE", false).await;
    assert_eq!(wrong_source["errors"][0]["extensions"]["field"], "input.source");
    let lead = lead_of(&register(&app, &village, "VILLAGE", "LOCAL_TYRANT", true).await, "registerLead");
    assert_eq!(lead["isUmbrella"], true);
    assert!(lead["summary"].is_null() && lead["reporterName"].is_null(), "the village lost its own content: {lead}");
    assert!(lead["receivedAt"].is_string(), "the receiving unit still sees that it received it");
    let id = lead["id"].as_str().unwrap();

    let coord = app.login("coord").await;
    let seen = app
        .gql(
            Some(&coord),
            "query($id: ID!) { lead(id: $id) { serial receivedAt receivingUnit { name } summary } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(seen["data"]["lead"]["receivedAt"], Value::Null, "the whistle-blower's village is hidden: {seen}");
    assert_eq!(seen["data"]["lead"]["receivingUnit"], Value::Null);
    assert_eq!(seen["data"]["lead"]["summary"], Value::Null);
    let jiwei = app.login("jiwei").await;
    let full = app
        .gql(
            Some(&jiwei),
            "query($id: ID!) { lead(id: $id) { summary reporterName receivingUnit { name } status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(full["data"]["lead"]["reporterName"], "举报人甲", "{full}");
    assert_eq!(full["data"]["lead"]["receivingUnit"]["name"], "东庄村");
}

#[tokio::test]
async fn marking_hands_a_lead_to_discipline_and_only_discipline_unmarks() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let lead = lead_of(&register(&app, &police, "POLICE", "VICE", false).await, "registerLead");
    let id = lead["id"].as_str().unwrap();
    let mark = "mutation($id: ID!) { markLeadUmbrella(input: { leadId: $id, reason: \"涉及干部\" }) { lead { isUmbrella summary } } }";
    let marked = app.gql(Some(&police), mark, json!({ "id": id })).await;
    assert_eq!(marked["data"]["markLeadUmbrella"]["lead"]["isUmbrella"], true, "{marked}");
    assert!(marked["data"]["markLeadUmbrella"]["lead"]["summary"].is_null(), "the marker lost the content at once");
    let again = app.gql(Some(&police), mark, json!({ "id": id })).await;
    assert_eq!(error_code(&again), Some("FORBIDDEN"), "{again}");

    let unmark = "mutation($id: ID!) { unmarkLeadUmbrella(input: { leadId: $id, reason: \"核实后非干部\" }) { lead { isUmbrella } } }";
    let by_coord = app.gql(Some(&app.login("coord").await), unmark, json!({ "id": id })).await;
    assert_eq!(error_code(&by_coord), Some("FORBIDDEN"), "{by_coord}");
    let by_jiwei = app.gql(Some(&app.login("jiwei").await), unmark, json!({ "id": id })).await;
    assert!(by_jiwei["errors"].is_null(), "{by_jiwei}");
    assert_eq!(
        by_jiwei["data"]["unmarkLeadUmbrella"]["lead"],
        Value::Null,
        "discipline loses the row once it is ordinary"
    );
    let back =
        app.gql(Some(&police), "query($id: ID!) { lead(id: $id) { isUmbrella summary } }", json!({ "id": id })).await;
    assert_eq!(back["data"]["lead"]["isUmbrella"], false, "{back}");
    assert!(back["data"]["lead"]["summary"].is_string());
}

#[tokio::test]
async fn an_umbrella_lead_is_verified_by_discipline_and_its_gang_part_handed_to_the_police() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let jiwei = app.login("jiwei").await;
    let police = app.login("police").await;
    let lead = lead_of(&register(&app, &coord, "PUBLIC_REPORT", "PROTECTIVE_UMBRELLA", false).await, "registerLead");
    assert_eq!(lead["isUmbrella"], true);
    let id = lead["id"].as_str().unwrap();
    let units = app.gql(Some(&coord), "{ orgUnits { id name } }", json!({})).await;
    let unit = |name: &str| {
        units["data"]["orgUnits"].as_array().unwrap().iter().find(|u| u["name"] == name).unwrap()["id"].clone()
    };

    let by_coord = app
        .gql(
            Some(&coord),
            "mutation($id: ID!) { startLeadReview(input: { leadId: $id }) { lead { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&by_coord), Some("FORBIDDEN"), "no hidden state leaks through a CONFLICT: {by_coord}");
    let assign = "mutation($id: ID!, $u: ID!) { assignLead(input: { leadId: $id, assigneeUnitId: $u, responsibleLeader: \"书记\",
                  responsiblePerson: \"纪委干部\", measures: \"初核\", deadline: \"2099-01-01T00:00:00Z\" }) { lead { status } } }";
    let to_police = app.gql(Some(&jiwei), assign, json!({ "id": id, "u": unit("清河派出所") })).await;
    assert_eq!(to_police["errors"][0]["extensions"]["field"], "input.assigneeUnitId", "{to_police}");
    let verifying = app.gql(Some(&jiwei), assign, json!({ "id": id, "u": unit("清河镇纪委") })).await;
    assert_eq!(verifying["data"]["assignLead"]["lead"]["status"], "VERIFYING", "{verifying}");

    let hand = "mutation($id: ID!, $u: ID!) { handOverGangPart(input: { leadId: $id, summary: \"某团伙收取保护费\", assigneeUnitId: $u, category: MARKET_BULLYING }) {
                 lead { gangPartSerials } } }";
    let handed = app.gql(Some(&jiwei), hand, json!({ "id": id, "u": unit("清河派出所") })).await;
    let serials = handed["data"]["handOverGangPart"]["lead"]["gangPartSerials"]
        .as_array()
        .unwrap_or_else(|| panic!("{handed}"))
        .clone();
    assert_eq!(serials.len(), 1);
    let list = app
        .gql(Some(&police), "{ leads(first: 100) { nodes { serial summary reporterName isUmbrella } } }", json!({}))
        .await;
    let part = list["data"]["leads"]["nodes"].as_array().unwrap().iter().find(|n| n["serial"] == serials[0]).cloned();
    let part = part.unwrap_or_else(|| panic!("the police sees the new lead: {list}"));
    assert_eq!(part["summary"], "某团伙收取保护费");
    assert_eq!(part["isUmbrella"], false);
    assert!(part["reporterName"].is_null(), "never the reporter: {part}");
    assert!(!list.to_string().contains("举报人甲"));
}

#[tokio::test]
async fn twenty_concurrent_registrations_get_twenty_consecutive_serials() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    // All twenty in flight at once, each its own transaction on its own connection.
    let bodies =
        futures_util::future::join_all((0..20).map(|_| register(&app, &police, "POLICE", "VICE", false))).await;
    let mut numbers: Vec<u32> = bodies
        .iter()
        .map(|b| lead_of(b, "registerLead")["serial"].as_str().unwrap().split_once('-').unwrap().1.parse().unwrap())
        .collect();
    numbers.sort();
    let first = numbers[0];
    assert_eq!(numbers, (first..first + 20).collect::<Vec<_>>(), "no number shared or skipped");
}

#[tokio::test]
async fn reads_of_confidential_lead_fields_are_audited_and_the_reporter_never_leaves_its_group() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let lead = lead_of(&register(&app, &police, "POLICE", "VICE", false).await, "registerLead");
    let id = lead["id"].as_str().unwrap();
    app.gql(Some(&police), STEP, json!({ "id": id })).await;
    let jiwei = app.login("jiwei").await;
    let log = app
        .gql(
            Some(&jiwei),
            "query($id: ID!) { auditLog(filter: { objectId: $id }) { nodes { username action fieldGroups } } }",
            json!({ "id": id }),
        )
        .await;
    let entries = log["data"]["auditLog"]["nodes"].as_array().unwrap_or_else(|| panic!("{log}"));
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "read" && e["fieldGroups"] == json!(["handling", "reporter", "submission"])),
        "{log}"
    );
    assert!(entries.iter().any(|e| e["action"] == "transfer_lead"), "{log}");
    assert!(!log.to_string().contains("举报人甲") && !log.to_string().contains("13800000000"), "{log}");
    let events =
        app.gql(Some(&police), "query($id: ID!) { lead(id: $id) { events { note } } }", json!({ "id": id })).await;
    assert!(!events.to_string().contains("举报人甲"), "{events}");
}

#[tokio::test]
async fn every_illegal_step_on_every_demo_lead_is_a_conflict_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let units = app.gql(Some(&coord), "{ orgUnits { id name } }", json!({})).await;
    let police_unit =
        units["data"]["orgUnits"].as_array().unwrap().iter().find(|u| u["name"] == "清河派出所").unwrap()["id"].clone();
    let list = app
        .gql(
            Some(&coord),
            "{ leads(first: 100, filter: { isUmbrella: false }) { nodes { id serial status nextSteps } } }",
            json!({}),
        )
        .await;
    let steps = [
        ("startLeadReview", "mutation($id: ID!) { startLeadReview(input: { leadId: $id }) { lead { id } } }"),
        ("decideLead", "mutation($id: ID!) { decideLead(input: { leadId: $id, decision: LOCAL_HANDLING }) { lead { id } } }"),
        ("recordCountyAnswer", "mutation($id: ID!) { recordCountyAnswer(input: { leadId: $id, answer: DECLINED }) { lead { id } } }"),
        ("assignLead", "mutation($id: ID!, $u: ID!) { assignLead(input: { leadId: $id, assigneeUnitId: $u, responsibleLeader: \"a\",
            responsiblePerson: \"b\", measures: \"c\", deadline: \"2099-01-01T00:00:00Z\" }) { lead { id } } }"),
        ("concludeLead", "mutation($id: ID!) { concludeLead(input: { leadId: $id, outcome: UNFOUNDED, text: \"x\" }) { lead { id } } }"),
    ];
    let mut tried = 0;
    for lead in list["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{list}")) {
        let allowed = lead["nextSteps"].clone();
        for (name, mutation) in steps {
            if allowed.as_array().unwrap().iter().any(|s| s == name) {
                continue;
            }
            let vars = if name == "assignLead" {
                json!({ "id": lead["id"], "u": police_unit })
            } else {
                json!({ "id": lead["id"] })
            };
            let body = app.gql(Some(&coord), mutation, vars).await;
            assert_eq!(
                error_code(&body),
                Some("CONFLICT"),
                "{name} on {} ({}): {body}",
                lead["serial"],
                lead["status"]
            );
            let named = &body["errors"][0]["extensions"]["allowed"];
            let expected = if allowed.as_array().unwrap().is_empty() { Value::Null } else { allowed.clone() };
            assert_eq!(*named, expected, "{name} on {}", lead["serial"]);
            tried += 1;
        }
    }
    assert!(tried >= 40, "every status of the demo world was tried: {tried}");
    let after = app
        .gql(Some(&coord), "{ leads(first: 100, filter: { isUmbrella: false }) { nodes { id status } } }", json!({}))
        .await;
    let before: Vec<_> = list["data"]["leads"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["id"].clone(), l["status"].clone()))
        .collect();
    let now: Vec<_> = after["data"]["leads"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["id"].clone(), l["status"].clone()))
        .collect();
    assert_eq!(before, now, "no refused step changed anything");
}

#[tokio::test]
async fn keyset_pages_of_leads_cover_every_row_once_in_every_order() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let query = "query($o: LeadOrderField!, $d: SortDirection!, $after: String) {
        leads(first: 3, orderBy: { field: $o, direction: $d }, after: $after) { pageInfo { hasNextPage endCursor } nodes { id receivedAt deadline serial } } }";
    let all = app.gql(Some(&coord), "{ leads(first: 100) { totalCount } }", json!({})).await;
    let total = all["data"]["leads"]["totalCount"].as_u64().unwrap() as usize;
    for order in ["RECEIVED_AT", "DEADLINE", "SERIAL"] {
        for direction in ["ASC", "DESC"] {
            let mut seen: Vec<Value> = Vec::new();
            let mut after: Option<String> = None;
            for _ in 0..100 {
                let body = app.gql(Some(&coord), query, json!({ "o": order, "d": direction, "after": after })).await;
                let page = &body["data"]["leads"];
                seen.extend(page["nodes"].as_array().unwrap_or_else(|| panic!("{body}")).iter().cloned());
                if page["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            }
            let ids: BTreeSet<String> = seen.iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
            assert_eq!(ids.len(), seen.len(), "{order} {direction}: a row came twice");
            assert_eq!(seen.len(), total, "{order} {direction}: every row once");
            if order == "SERIAL" {
                let serials: Vec<&str> = seen.iter().map(|n| n["serial"].as_str().unwrap()).collect();
                let mut sorted = serials.clone();
                sorted.sort();
                if direction == "DESC" {
                    sorted.reverse();
                }
                assert_eq!(serials, sorted);
            }
            if order == "RECEIVED_AT" && direction == "ASC" {
                // Rows whose receipt the coordinator may not see (umbrella leads of other units)
                // sort last, as if the time were empty.
                let visible: Vec<bool> = seen.iter().map(|n| n["receivedAt"].is_string()).collect();
                let first_hidden = visible.iter().position(|v| !v).unwrap_or(visible.len());
                assert!(visible[first_hidden..].iter().all(|v| !v), "{visible:?}");
                let times: Vec<&str> = seen[..first_hidden].iter().map(|n| n["receivedAt"].as_str().unwrap()).collect();
                let mut sorted = times.clone();
                sorted.sort();
                assert_eq!(times, sorted);
            }
        }
    }
}

#[tokio::test]
async fn ten_thousand_subject_names_are_bad_input_and_nothing_is_registered() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let count = "{ leads { totalCount } }";
    let before = app.gql(Some(&police), count, json!({})).await["data"]["leads"]["totalCount"].clone();
    let mut input = register_input("POLICE", "VICE", false);
    input["i"]["subjectNames"] = json!((0..10_000).map(|i| format!("对象{i}")).collect::<Vec<_>>());
    let body = app.gql(Some(&police), REGISTER, input).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{}", &body.to_string()[..300.min(body.to_string().len())]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.subjectNames");
    let after = app.gql(Some(&police), count, json!({})).await["data"]["leads"]["totalCount"].clone();
    assert_eq!(before, after);
}
