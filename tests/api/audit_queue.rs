//! The discipline commission's audit queue: `auditLog` filtered by action and time range, the
//! log exported as XLSX through the ledger exports, and every export's audit entries naming
//! each id it exported.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use entity::audit_log;
use pingan::domain::lead_flow::today;
use pingan_tests::sheets::{download, rows};
use pingan_tests::{TestApp, global_id};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

async fn log(app: &TestApp, token: &str, filter: Value) -> Value {
    let query = "query($f: AuditFilter) { auditLog(filter: $f, first: 100) { totalCount nodes { id at action objectType objectId requestId } } }";
    let body = app.gql(Some(token), query, json!({ "f": filter })).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["auditLog"].clone()
}

async fn meeting(app: &TestApp, coord: &str, summary: &str) {
    let input = json!({ "kind": "JOINT_MEETING", "heldOn": today().to_string(), "unitIds": [], "summary": summary });
    app.mutate(coord, "recordMeeting", input, "meeting { id }").await;
}

#[tokio::test]
async fn the_audit_log_filters_by_action_and_by_a_time_range_that_excludes_its_end() {
    let app = TestApp::spawn().await;
    let (coord, jiwei) = (app.login("coord").await, app.login("jiwei").await);
    meeting(&app, &coord, "一").await;
    meeting(&app, &coord, "二").await;
    let page = log(&app, &jiwei, json!({ "action": ["record_meeting"] })).await;
    assert_eq!(page["totalCount"], 2, "{page}");
    assert!(page["nodes"].as_array().unwrap().iter().all(|e| e["action"] == "record_meeting"));
    let either = log(&app, &jiwei, json!({ "action": ["record_meeting", "no_such_action"] })).await;
    assert_eq!(either["totalCount"], 2, "{either}");
    assert_eq!(log(&app, &jiwei, json!({ "action": ["no_such_action"] })).await["totalCount"], 0);

    // The newer entry's instant as the range's end leaves it out; as its start, keeps it.
    let newest: DateTime<Utc> = page["nodes"][0]["at"].as_str().unwrap().parse().unwrap();
    let oldest: DateTime<Utc> = page["nodes"][1]["at"].as_str().unwrap().parse().unwrap();
    assert!(oldest <= newest);
    let before = log(&app, &jiwei, json!({ "action": ["record_meeting"], "to": newest.to_rfc3339() })).await;
    let from = log(&app, &jiwei, json!({ "action": ["record_meeting"], "from": newest.to_rfc3339() })).await;
    let ids = |p: &Value| p["nodes"].as_array().unwrap().iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert!(!ids(&before).contains(&page["nodes"][0]["id"]), "{before}");
    assert!(ids(&from).contains(&page["nodes"][0]["id"]), "{from}");
    let later = (newest + Duration::seconds(1)).to_rfc3339();
    assert_eq!(log(&app, &jiwei, json!({ "action": ["record_meeting"], "from": later })).await["totalCount"], 0);
}

/// The audit entries of the export whose summary entry is the newest `export` of `object_type`
/// by `username`: the ids of its rows, and its request id.
async fn exported_ids(app: &TestApp, username: &str, object_type: &str) -> (BTreeSet<Uuid>, String) {
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("export"))
        .filter(audit_log::Column::Username.eq(username))
        .filter(audit_log::Column::ObjectType.eq(object_type))
        .all(&app.state.db)
        .await
        .unwrap();
    let summary = entries.iter().filter(|e| e.object_id.is_none()).max_by_key(|e| e.id).expect("a summary entry");
    let ids = entries.iter().filter(|e| e.request_id == summary.request_id).filter_map(|e| e.object_id).collect();
    (ids, summary.request_id.clone())
}

#[tokio::test]
async fn the_discipline_commission_exports_the_audit_log_as_xlsx_and_the_export_names_every_entry_it_wrote() {
    let app = TestApp::spawn().await;
    let (coord, jiwei) = (app.login("coord").await, app.login("jiwei").await);
    meeting(&app, &coord, "一").await;
    meeting(&app, &coord, "二").await;
    let listed = log(&app, &jiwei, json!({ "action": ["record_meeting"] })).await;
    let (status, body) = download(&app, Some(&jiwei), "/export/audit-log.xlsx?action=record_meeting").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let sheet = rows("audit-log.xlsx", &body);
    assert_eq!(sheet[0][..4], ["时间", "用户名", "单位名称", "操作"]);
    assert_eq!(sheet.len(), 3, "a header and the two entries: {sheet:?}");
    assert!(sheet[1..].iter().all(|r| r[1] == "coord" && r[3] == "record_meeting"), "{sheet:?}");
    let meetings: BTreeSet<String> =
        listed["nodes"].as_array().unwrap().iter().map(|e| e["objectId"].as_str().unwrap().to_owned()).collect();
    let cells: BTreeSet<String> = sheet[1..].iter().map(|r| r[5].clone()).collect();
    assert_eq!(cells, meetings, "the object ids as global ids");

    // The export's own entries name each entry it wrote, and the log finds them by request.
    let (ids, request) = exported_ids(&app, "jiwei", "AuditEntry").await;
    let written: BTreeSet<Uuid> =
        listed["nodes"].as_array().unwrap().iter().map(|e| pingan_tests::uuid_of(&e["id"])).collect();
    assert_eq!(ids, written);
    let same = log(&app, &jiwei, json!({ "requestId": request })).await;
    assert_eq!(same["totalCount"], 3, "the summary and one entry per row: {same}");

    // The export of the log does not export its own entries, however big the log.
    let (status, body) = download(&app, Some(&jiwei), "/export/audit-log.csv?action=export").await;
    assert_eq!(status, 200);
    let again = rows("audit-log.csv", &body);
    let (ids, _) = exported_ids(&app, "jiwei", "AuditEntry").await;
    assert_eq!(again.len() - 1, ids.len());
}

#[tokio::test]
async fn only_the_discipline_commission_exports_the_audit_log() {
    let app = TestApp::spawn().await;
    for user in ["admin", "coord", "police", "sifa", "dongzhuang"] {
        let token = app.login(user).await;
        let (status, _) = download(&app, Some(&token), "/export/audit-log.xlsx").await;
        assert_eq!(status, 403, "{user}");
    }
}

#[tokio::test]
async fn every_ledger_export_audits_each_id_it_exported() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let body = app.gql(Some(&police), "{ venues(first: 100) { nodes { id } } }", json!({})).await;
    let listed: BTreeSet<Uuid> =
        body["data"]["venues"]["nodes"].as_array().unwrap().iter().map(|v| pingan_tests::uuid_of(&v["id"])).collect();
    assert!(!listed.is_empty());
    let (status, _) = download(&app, Some(&police), "/export/venues.xlsx").await;
    assert_eq!(status, 200);
    let (ids, _) = exported_ids(&app, "police", "Venue").await;
    assert_eq!(ids, listed);
    let some = listed.iter().next().copied().unwrap();
    let jiwei = app.login("jiwei").await;
    let about = log(&app, &jiwei, json!({ "objectId": global_id("Venue", some), "action": ["export"] })).await;
    assert_eq!(about["totalCount"], 1, "who exported this venue: {about}");
}
