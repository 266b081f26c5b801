//! Risk items (风险隐患): per-role visibility (access.md "Risk items", row by row), the lifecycle
//! REPORTED → ASSESSED → RESOLVING → RESOLVED, three-level escalation, T+2, the monthly stats
//! against the targets, and what a refused write leaves behind (nothing).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::enums::{AuditOutcome, EscalationLevel, RiskCategory, RiskLevel, RiskStatus};
use entity::{app_user, audit_log, org_unit, risk_check, risk_event, risk_feedback, risk_item, town, village};
use pingan_tests::{TestApp, error_code};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const ITEM: &str = "id version title category level status escalationLevel reportedAt feedbackDueAt overdue nextSteps
  village { name } territorialUnit { name } sectorUnit { name } assigneeUnit { name }
  description location grid responsiblePerson plan assessedAt resolutionNote resolvedAt parties
  checks { checkedOn note checkedBy { displayName } } feedback { body unit { name } author { displayName } }
  events { kind fromValue toValue note actor { displayName } actorUnit { name } }
  viewerCan { readBasic readDetail readParties update recordCheck escalate recordFeedback assess resolve }";

fn list_query() -> String {
    format!(
        "query($f: RiskFilter, $o: RiskOrder, $first: Int, $after: String) {{
           riskItems(filter: $f, orderBy: $o, first: $first, after: $after) {{
             totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {ITEM} }} }} }}"
    )
}

async fn list(app: &TestApp, token: &str, filter: Value) -> Value {
    app.gql(Some(token), &list_query(), json!({ "f": filter, "first": 100 })).await
}

fn nodes(body: &Value) -> &Vec<Value> {
    body["data"]["riskItems"]["nodes"].as_array().unwrap_or_else(|| panic!("no risk items: {body}"))
}

async fn one(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app
        .gql(Some(token), &format!("query($id: ID!) {{ riskItem(id: $id) {{ {ITEM} }} }}"), json!({ "id": id }))
        .await;
    body["data"]["riskItem"].clone()
}

/// Runs one risk mutation; returns the whole body.
async fn write(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let input_type = format!("{}Input", capitalise(mutation));
    let query = format!("mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ riskItem {{ {ITEM} }} }} }}");
    app.gql(Some(token), &query, json!({ "i": input })).await
}

/// The payload's item of a write that must succeed.
async fn ok(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let body = write(app, token, mutation, input).await;
    let item = body["data"][mutation]["riskItem"].clone();
    assert!(item.is_object(), "{mutation}: {body}");
    item
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

fn allowed(body: &Value) -> Vec<String> {
    body["errors"][0]["extensions"]["allowed"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn global(kind: &str, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn uuid_of(global_id: &Value) -> Uuid {
    let raw = URL_SAFE_NO_PAD.decode(global_id.as_str().expect("an id")).expect("base64");
    let text = String::from_utf8(raw).expect("utf-8");
    Uuid::parse_str(text.split_once(':').expect("Type:uuid").1).expect("uuid")
}

async fn town_id(app: &TestApp, name: &str) -> Uuid {
    town::Entity::find().filter(town::Column::Name.eq(name)).one(&app.state.db).await.unwrap().unwrap().id
}

async fn unit(app: &TestApp, name: &str) -> Uuid {
    org_unit::Entity::find().filter(org_unit::Column::Name.eq(name)).one(&app.state.db).await.unwrap().unwrap().id
}

async fn unit_gid(app: &TestApp, name: &str) -> String {
    global("OrgUnit", unit(app, name).await)
}

async fn village_gid(app: &TestApp, name: &str) -> String {
    let v = village::Entity::find().filter(village::Column::Name.eq(name)).one(&app.state.db).await.unwrap().unwrap();
    global("Village", v.id)
}

fn report_input(title: &str, category: &str) -> Value {
    json!({ "title": title, "category": category, "description": "两户因宅基地纠纷争吵", "location": "东庄村一组",
            "grid": "第1网格", "parties": "当事人甲（13900000000）" })
}

/// A new item reported by 东庄村 in its own village; returns its global id.
async fn reported(app: &TestApp, dongzhuang: &str, category: &str) -> String {
    let item = ok(app, dongzhuang, "reportRisk", report_input("测试隐患", category)).await;
    item["id"].as_str().unwrap().to_owned()
}

/// Assesses an item (coordinator) with the given sector unit as assignee.
async fn assessed(app: &TestApp, coord: &str, id: &str, level: &str, sector: &str) -> Value {
    let input = json!({ "riskItemId": id, "level": level, "sectorUnitId": unit_gid(app, sector).await,
                        "responsiblePerson": "包案干部 刘某", "plan": "一事一策：上门化解" });
    ok(app, coord, "assessRisk", input).await
}

/// Gives an item its emergency plan (coordinator): a HIGH item leaves assessment only with one.
async fn planned(app: &TestApp, coord: &str, id: &str) {
    let input = json!({ "riskItemId": id, "triggerCriteria": "矛盾激化", "releaseCriteria": "调解成功",
                        "command": "镇综治办", "duties": "司法所调解", "measures": "上门化解", "supplies": "无",
                        "leadOfficial": "镇党委副书记", "leadUnitId": unit_gid(app, "清河司法所").await });
    ok(app, coord, "saveRiskPlan", input).await;
}

/// Counts of every table a risk write touches, to prove a refused write wrote nothing.
async fn footprint(app: &TestApp) -> [u64; 6] {
    let db = &app.state.db;
    let versions: i64 = risk_item::Entity::find().all(db).await.unwrap().iter().map(|r| i64::from(r.version)).sum();
    [
        risk_item::Entity::find().count(db).await.unwrap(),
        risk_event::Entity::find().count(db).await.unwrap(),
        risk_check::Entity::find().count(db).await.unwrap(),
        risk_feedback::Entity::find().count(db).await.unwrap(),
        audit_log::Entity::find().filter(audit_log::Column::Outcome.eq(AuditOutcome::Allowed)).count(db).await.unwrap(),
        versions as u64,
    ]
}

// Visibility.

/// What access.md grants `user` on a risk item: None when the row is hidden, else the groups.
fn expected(
    user: &str,
    r: &risk_item::Model,
    units: &BTreeMap<Uuid, String>,
    towns: &BTreeMap<Uuid, String>,
) -> Option<BTreeSet<&'static str>> {
    let named = |id: Option<Uuid>, name: &str| id.and_then(|u| units.get(&u)).map(String::as_str) == Some(name);
    let village_unit = |name: &str| named(r.territorial_unit_id, name);
    let qinghe = towns.get(&r.town_id).map(String::as_str) == Some("清河镇");
    let all = || Some(BTreeSet::from(["basic", "detail", "parties"]));
    let social = r.category == RiskCategory::SocialConflict;
    match user {
        "coord" if qinghe => all(),
        "liulin_coord" if !qinghe => all(),
        "sifa" if qinghe => {
            let own = "清河司法所";
            (social
                || named(r.territorial_unit_id, own)
                || named(r.sector_unit_id, own)
                || named(r.assignee_unit_id, own))
            .then(|| BTreeSet::from(["basic", "detail", "parties"]))
        }
        "police" if qinghe => (!social || named(r.assignee_unit_id, "清河派出所")).then(all).flatten(),
        "liulin_police" if !qinghe => (!social || named(r.assignee_unit_id, "柳林派出所")).then(all).flatten(),
        "jiwei" if qinghe => named(r.assignee_unit_id, "清河镇纪委").then(|| BTreeSet::from(["basic", "detail"])),
        "dongzhuang" | "xizhuang" | "nanwan" if qinghe => {
            let own = match user {
                "dongzhuang" => "东庄村",
                "xizhuang" => "西庄村",
                _ => "南湾社区",
            };
            // Every item's territorial unit starts as its village's unit; the demo never moves it.
            village_unit(own).then(all).flatten()
        }
        _ => None,
    }
}

fn observed(node: &Value) -> BTreeSet<&'static str> {
    let mut groups = BTreeSet::new();
    if node["title"].is_string() && node["status"].is_string() {
        groups.insert("basic");
    }
    if node["description"].is_string() && node["events"].is_array() {
        groups.insert("detail");
    }
    if node["viewerCan"]["readParties"] == true {
        groups.insert("parties");
    } else {
        assert!(node["parties"].is_null(), "{node}");
    }
    groups
}

#[tokio::test]
async fn every_role_sees_exactly_the_rows_and_groups_access_md_grants() {
    let app = TestApp::spawn().await;
    // An item assigned to the discipline commission, so its row of the table is exercised too.
    let coord = app.login("coord").await;
    let dongzhuang = app.login("dongzhuang").await;
    let id = reported(&app, &dongzhuang, "PUBLIC_SAFETY_HAZARD").await;
    assessed(&app, &coord, &id, "LOW", "清河镇纪委").await;

    let db = &app.state.db;
    let rows = risk_item::Entity::find().all(db).await.unwrap();
    let units: BTreeMap<Uuid, String> =
        org_unit::Entity::find().all(db).await.unwrap().into_iter().map(|u| (u.id, u.name)).collect();
    let towns: BTreeMap<Uuid, String> =
        town::Entity::find().all(db).await.unwrap().into_iter().map(|t| (t.id, t.name)).collect();
    let mut table = Vec::new();
    for user in
        ["coord", "jiwei", "police", "sifa", "dongzhuang", "xizhuang", "nanwan", "liulin_coord", "liulin_police"]
    {
        let body = list(&app, &app.login(user).await, json!(null)).await;
        let seen: BTreeMap<String, BTreeSet<&str>> =
            nodes(&body).iter().map(|n| (n["id"].as_str().unwrap().to_owned(), observed(n))).collect();
        let mut count = 0;
        for r in &rows {
            let want = expected(user, r, &units, &towns);
            assert_eq!(seen.get(&global("RiskItem", r.id)).cloned(), want, "{user} on {} ({:?})", r.title, r.category);
            count += usize::from(want.is_some());
        }
        assert_eq!(seen.len(), count, "{user} sees no other rows");
        assert_eq!(body["data"]["riskItems"]["totalCount"], json!(count), "{user}: totalCount");
        assert!(count > 0, "{user} sees some rows: the table row is exercised");
        table.push(format!("{user}: {count} rows"));
    }
    println!("risk visibility observed: {}", table.join(", "));
    let admin = list(&app, &app.login("admin").await, json!(null)).await;
    assert_eq!(error_code(&admin), Some("FORBIDDEN"), "{admin}");
    let liulin = list(&app, &app.login("liulin_coord").await, json!(null)).await;
    assert!(!liulin.to_string().contains("清河") && !liulin.to_string().contains("东庄村"), "{liulin}");
}

#[tokio::test]
async fn discipline_reads_basic_and_detail_of_its_own_items_but_never_the_parties() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let id = reported(&app, &app.login("dongzhuang").await, "PUBLIC_SAFETY_HAZARD").await;
    assessed(&app, &coord, &id, "MEDIUM", "清河镇纪委").await;
    let item = one(&app, &app.login("jiwei").await, &id).await;
    assert_eq!(item["title"], "测试隐患", "{item}");
    assert_eq!(item["description"], "两户因宅基地纠纷争吵");
    assert!(item["parties"].is_null(), "{item}");
    assert_eq!(item["viewerCan"]["readParties"], false);
    assert_eq!(item["viewerCan"]["recordFeedback"], true);
    assert_eq!(item["viewerCan"]["resolve"], false);
}

#[tokio::test]
async fn an_out_of_scope_risk_item_looks_exactly_like_a_missing_one_and_the_attempt_is_audited() {
    let app = TestApp::spawn().await;
    let id = reported(&app, &app.login("dongzhuang").await, "SOCIAL_CONFLICT").await;
    let random = global("RiskItem", Uuid::now_v7());
    let xizhuang = app.login("xizhuang").await;
    let query = "query($id: ID!) { riskItem(id: $id) { id title } node(id: $id) { id } }";
    let hidden = app.gql(Some(&xizhuang), query, json!({ "id": id })).await;
    let missing = app.gql(Some(&xizhuang), query, json!({ "id": random })).await;
    assert_eq!(hidden, missing);
    assert_eq!(hidden, json!({ "data": { "riskItem": null, "node": null } }));
    for (mutation, input) in [
        ("updateRisk", json!({ "expectedVersion": 1, "title": "改" })),
        ("recordRiskCheck", json!({ "checkedOn": pingan::domain::lead_flow::today().to_string(), "note": "查" })),
        ("escalateRisk", json!({ "reason": "提级" })),
    ] {
        let mut on_hidden = input.clone();
        on_hidden["riskItemId"] = json!(id);
        let mut on_missing = input;
        on_missing["riskItemId"] = json!(random);
        let a = write(&app, &xizhuang, mutation, on_hidden).await;
        let b = write(&app, &xizhuang, mutation, on_missing).await;
        assert_eq!(error_code(&a), Some("NOT_FOUND"), "{mutation}: {a}");
        assert_eq!(a["errors"][0]["message"], b["errors"][0]["message"]);
        assert_eq!(a["errors"][0]["extensions"], b["errors"][0]["extensions"]);
    }
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectType.eq("RiskItem"))
        .filter(audit_log::Column::Outcome.eq(AuditOutcome::Denied))
        .filter(audit_log::Column::Username.eq("xizhuang"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(denied.iter().any(|e| e.object_id == Some(uuid_of(&json!(id)))), "{denied:?}");
    assert!(
        denied.iter().all(|e| e.object_id == Some(uuid_of(&json!(id)))),
        "the random id is no real row: {denied:?}"
    );
}

// Reporting.

#[tokio::test]
async fn a_village_reports_in_its_own_village_before_the_village_meeting() {
    let app = TestApp::spawn().await;
    let dongzhuang = app.login("dongzhuang").await;
    let item = ok(&app, &dongzhuang, "reportRisk", report_input("邻里纠纷", "SOCIAL_CONFLICT")).await;
    assert_eq!(item["status"], "REPORTED");
    assert_eq!(item["escalationLevel"], "VILLAGE");
    assert_eq!(item["village"]["name"], "东庄村");
    assert_eq!(item["territorialUnit"]["name"], "东庄村");
    assert!(item["level"].is_null() && item["assigneeUnit"].is_null() && item["feedbackDueAt"].is_null());
    assert_eq!(item["parties"], "当事人甲（13900000000）");
    assert_eq!(item["events"][0]["kind"], "REPORTED");
    assert_eq!(item["events"][0]["actorUnit"]["name"], "东庄村");
    assert_eq!(item["nextSteps"], json!(["updateRisk", "assessRisk", "recordRiskCheck", "escalateRisk"]));
    let entry = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("report_risk"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("an audit entry");
    assert_eq!((entry.object_type.as_str(), entry.object_id), ("RiskItem", Some(uuid_of(&item["id"]))));

    let mut elsewhere = report_input("别村的事", "SOCIAL_CONFLICT");
    elsewhere["villageId"] = json!(village_gid(&app, "西庄村").await);
    let body = write(&app, &dongzhuang, "reportRisk", elsewhere).await;
    assert_eq!((error_code(&body), field(&body)), (Some("BAD_USER_INPUT"), Some("input.villageId")), "{body}");
}

#[tokio::test]
async fn offices_report_in_any_village_and_an_item_outside_their_own_scope_comes_back_null() {
    let app = TestApp::spawn().await;
    let mut input = report_input("派出所发现的纠纷", "SOCIAL_CONFLICT");
    let body = write(&app, &app.login("police").await, "reportRisk", input.clone()).await;
    assert_eq!((error_code(&body), field(&body)), (Some("BAD_USER_INPUT"), Some("input.villageId")), "{body}");
    input["villageId"] = json!(village_gid(&app, "西庄村").await);
    let body = write(&app, &app.login("police").await, "reportRisk", input).await;
    assert!(body["errors"].is_null(), "{body}");
    // The police read every category but disputes: the reporter gets null, as for any hidden row.
    assert!(body["data"]["reportRisk"]["riskItem"].is_null(), "{body}");
    let seen = list(&app, &app.login("xizhuang").await, json!({ "category": "SOCIAL_CONFLICT" })).await;
    let item = nodes(&seen).iter().find(|n| n["title"] == "派出所发现的纠纷").expect("西庄村 sees it");
    assert_eq!(item["territorialUnit"]["name"], "西庄村");
    for user in ["jiwei", "admin"] {
        let body = write(&app, &app.login(user).await, "reportRisk", report_input("x", "CYBER_CRIME")).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}");
    }
}

// The lifecycle.

#[tokio::test]
async fn an_item_runs_reported_assessed_resolving_resolved_and_wrong_steps_name_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let sifa = app.login("sifa").await;
    let dongzhuang = app.login("dongzhuang").await;
    let id = reported(&app, &dongzhuang, "SOCIAL_CONFLICT").await;

    // Not before the assessment.
    let body = write(&app, &coord, "resolveRisk", json!({ "riskItemId": id, "resolutionNote": "已化解" })).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(allowed(&body), ["updateRisk", "assessRisk", "recordRiskCheck", "escalateRisk"]);
    // Feedback needs an assignee: nobody holds it yet.
    let body = write(&app, &sifa, "recordRiskFeedback", json!({ "riskItemId": id, "body": "已上门" })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    let item = assessed(&app, &coord, &id, "MEDIUM", "清河司法所").await;
    assert_eq!(item["status"], "ASSESSED");
    assert_eq!(item["level"], "MEDIUM");
    assert_eq!(item["sectorUnit"]["name"], "清河司法所");
    assert_eq!(item["assigneeUnit"]["name"], "清河司法所", "the assignee defaults to the sector unit");
    assert_eq!(item["territorialUnit"]["name"], "东庄村");
    assert_eq!(item["plan"], "一事一策：上门化解");
    assert!(item["feedbackDueAt"].is_null(), "only HIGH owes T+2");

    let again = json!({ "riskItemId": id, "level": "LOW", "sectorUnitId": unit_gid(&app, "清河派出所").await,
                        "responsiblePerson": "某", "plan": "某" });
    let body = write(&app, &coord, "assessRisk", again).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(allowed(&body), ["recordRiskCheck", "recordRiskFeedback", "resolveRisk", "escalateRisk"]);
    let body =
        write(&app, &dongzhuang, "updateRisk", json!({ "riskItemId": id, "expectedVersion": 2, "title": "改" })).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "no update after the assessment: {body}");

    let item = ok(&app, &sifa, "recordRiskFeedback", json!({ "riskItemId": id, "body": "已上门调解" })).await;
    assert_eq!(item["status"], "RESOLVING");
    let item = ok(&app, &sifa, "recordRiskFeedback", json!({ "riskItemId": id, "body": "双方达成初步协议" })).await;
    assert_eq!(item["status"], "RESOLVING");
    assert_eq!(item["feedback"][0]["body"], "已上门调解");
    assert_eq!(item["feedback"][1]["unit"]["name"], "清河司法所");
    assert_eq!(item["feedback"][1]["author"]["displayName"], "司法所 赵所长");

    let body = write(&app, &sifa, "resolveRisk", json!({ "riskItemId": id, "resolutionNote": "签订调解协议" })).await;
    let item = &body["data"]["resolveRisk"]["riskItem"];
    assert_eq!(item["status"], "RESOLVED", "{body}");
    assert_eq!(item["resolutionNote"], "签订调解协议");
    assert!(item["resolvedAt"].is_string());
    assert_eq!(item["nextSteps"], json!([]));
    let kinds: Vec<&str> = item["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["REPORTED", "ASSESSED", "FEEDBACK", "FEEDBACK", "RESOLVED"]);
    let statuses: Vec<(Value, Value)> =
        item["events"].as_array().unwrap().iter().map(|e| (e["fromValue"].clone(), e["toValue"].clone())).collect();
    assert_eq!(statuses[2], (json!("ASSESSED"), json!("RESOLVING")));
    assert_eq!(statuses[3], (json!(null), json!(null)), "later feedback changes no status");
    assert_eq!(statuses[4], (json!("RESOLVING"), json!("RESOLVED")));

    // RESOLVED is final, for every step.
    for (token, mutation, input) in [
        (
            &dongzhuang,
            "recordRiskCheck",
            json!({ "checkedOn": pingan::domain::lead_flow::today().to_string(), "note": "查" }),
        ),
        (&coord, "escalateRisk", json!({ "reason": "再议" })),
        (&sifa, "recordRiskFeedback", json!({ "body": "补充" })),
        (&coord, "resolveRisk", json!({ "resolutionNote": "再销" })),
    ] {
        let mut input = input;
        input["riskItemId"] = json!(id);
        let body = write(&app, token, mutation, input).await;
        assert_eq!(error_code(&body), Some("CONFLICT"), "{mutation}: {body}");
        assert_eq!(allowed(&body), Vec::<String>::new(), "{mutation}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("resolved"), "{body}");
    }
}

#[tokio::test]
async fn the_coordinator_resolves_an_assessed_item_without_feedback_and_the_assignee_police_may_too() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let dongzhuang = app.login("dongzhuang").await;
    let a = reported(&app, &dongzhuang, "CYBER_CRIME").await;
    assessed(&app, &coord, &a, "LOW", "清河派出所").await;
    let item = ok(&app, &police, "resolveRisk", json!({ "riskItemId": a, "resolutionNote": "已处置" })).await;
    assert_eq!(item["status"], "RESOLVED");
    // An item the police read but are not assigned: not theirs to resolve.
    let b = reported(&app, &dongzhuang, "CYBER_CRIME").await;
    assessed(&app, &coord, &b, "LOW", "清河司法所").await;
    let body = write(&app, &police, "resolveRisk", json!({ "riskItemId": b, "resolutionNote": "已处置" })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = write(&app, &police, "recordRiskFeedback", json!({ "riskItemId": b, "body": "协助" })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let item = ok(&app, &coord, "resolveRisk", json!({ "riskItemId": b, "resolutionNote": "销号" })).await;
    assert_eq!(item["status"], "RESOLVED");
    // Assessing is the coordinator's alone.
    let c = reported(&app, &dongzhuang, "CYBER_CRIME").await;
    let input = json!({ "riskItemId": c, "level": "LOW", "sectorUnitId": unit_gid(&app, "清河派出所").await,
                        "responsiblePerson": "某", "plan": "某" });
    for token in [&police, &dongzhuang] {
        let body = write(&app, token, "assessRisk", input.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
}

#[tokio::test]
async fn a_village_updates_its_reported_item_with_the_current_version_only() {
    let app = TestApp::spawn().await;
    let dongzhuang = app.login("dongzhuang").await;
    let id = reported(&app, &dongzhuang, "SOCIAL_CONFLICT").await;
    let input = json!({ "riskItemId": id, "expectedVersion": 1, "title": "邻里纠纷（更新）", "location": "",
                        "category": "VIOLENT_ESCALATION" });
    let item = ok(&app, &dongzhuang, "updateRisk", input.clone()).await;
    assert_eq!((item["title"].as_str(), item["version"].as_i64()), (Some("邻里纠纷（更新）"), Some(2)));
    assert_eq!(item["category"], "VIOLENT_ESCALATION");
    assert!(item["location"].is_null(), "an empty text clears");
    assert_eq!(item["events"][1]["kind"], "UPDATED");
    let stale = write(&app, &dongzhuang, "updateRisk", input).await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    // The coordinator reads the item but updating is the village's.
    let body =
        write(&app, &app.login("coord").await, "updateRisk", json!({ "riskItemId": id, "expectedVersion": 2 })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn a_village_records_daily_checks_on_its_open_items_only() {
    let app = TestApp::spawn().await;
    let dongzhuang = app.login("dongzhuang").await;
    let id = reported(&app, &dongzhuang, "SOCIAL_CONFLICT").await;
    let today = pingan::domain::lead_flow::today();
    for (day, note) in [(today - Duration::days(1), "昨日走访，情绪平稳"), (today, "今日回访，无异常")]
    {
        ok(
            &app,
            &dongzhuang,
            "recordRiskCheck",
            json!({ "riskItemId": id, "checkedOn": day.to_string(), "note": note }),
        )
        .await;
    }
    let item = one(&app, &dongzhuang, &id).await;
    assert_eq!(item["checks"][0]["note"], "今日回访，无异常", "newest first: {item}");
    assert_eq!(item["checks"][1]["checkedOn"], (today - Duration::days(1)).to_string());
    assert_eq!(item["checks"][0]["checkedBy"]["displayName"], "东庄村 刘主任");
    assert_eq!(item["version"], 3);
    let body = write(
        &app,
        &app.login("coord").await,
        "recordRiskCheck",
        json!({ "riskItemId": id, "checkedOn": today.to_string(), "note": "查" }),
    )
    .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

// Escalation.

#[tokio::test]
async fn escalation_goes_village_town_district_and_only_the_coordinator_takes_the_last_rung() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let dongzhuang = app.login("dongzhuang").await;
    let id = reported(&app, &dongzhuang, "PUBLIC_SAFETY_HAZARD").await;
    let reason = |r: &str| json!({ "riskItemId": id, "reason": r });

    let body = write(&app, &app.login("xizhuang").await, "escalateRisk", reason("别村")).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = write(&app, &app.login("police").await, "escalateRisk", reason("派出所")).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "escalating is not granted to the police: {body}");

    let item = ok(&app, &dongzhuang, "escalateRisk", reason("村级调处未果")).await;
    assert_eq!(item["escalationLevel"], "TOWN");
    let last = item["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["fromValue"].as_str(), last["toValue"].as_str()),
        (Some("ESCALATED"), Some("VILLAGE"), Some("TOWN"))
    );
    assert_eq!(last["note"], "村级调处未果");

    // TOWN → DISTRICT is not the village's rung: FORBIDDEN, not a CONFLICT that promises a later state.
    let body = write(&app, &dongzhuang, "escalateRisk", reason("再提级")).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let item = ok(&app, &coord, "escalateRisk", reason("涉及面广")).await;
    assert_eq!(item["escalationLevel"], "DISTRICT");
    assert_eq!(item["nextSteps"], json!(["updateRisk", "assessRisk", "recordRiskCheck"]));
    let body = write(&app, &coord, "escalateRisk", reason("再提")).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(allowed(&body), ["updateRisk", "assessRisk", "recordRiskCheck"]);
    let body = write(&app, &dongzhuang, "escalateRisk", reason("再提")).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // The coordinator takes a fresh item up the first rung too.
    let other = reported(&app, &dongzhuang, "PUBLIC_SAFETY_HAZARD").await;
    let item = ok(&app, &coord, "escalateRisk", json!({ "riskItemId": other, "reason": "扫黑办提请" })).await;
    assert_eq!(item["escalationLevel"], "TOWN");
}

// T+2.

#[tokio::test]
async fn a_high_assessment_owes_feedback_two_days_later_and_is_overdue_once_past() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let id = reported(&app, &app.login("dongzhuang").await, "VIOLENT_ESCALATION").await;
    let item = assessed(&app, &coord, &id, "HIGH", "清河司法所").await;
    let assessed_at: DateTime<Utc> = item["assessedAt"].as_str().unwrap().parse().unwrap();
    let due: DateTime<Utc> = item["feedbackDueAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(due - assessed_at, Duration::days(2));
    assert_eq!(item["overdue"], false);
    let overdue = |flag: bool| json!({ "overdue": flag });
    let ids_of = |body: &Value| nodes(body).iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert!(!ids_of(&list(&app, &coord, overdue(true)).await).contains(&id));

    // Two days and a minute later (the clock moved by rewriting the deadline).
    let mut row: risk_item::ActiveModel =
        risk_item::Entity::find_by_id(uuid_of(&json!(id))).one(&app.state.db).await.unwrap().unwrap().into();
    row.feedback_due_at = Set(Some(Utc::now() - Duration::minutes(1)));
    row.update(&app.state.db).await.unwrap();
    assert_eq!(one(&app, &coord, &id).await["overdue"], true);
    assert!(ids_of(&list(&app, &coord, overdue(true)).await).contains(&id));
    assert!(!ids_of(&list(&app, &coord, overdue(false)).await).contains(&id));
    let both = list(&app, &coord, overdue(true)).await["data"]["riskItems"]["totalCount"].as_i64().unwrap()
        + list(&app, &coord, overdue(false)).await["data"]["riskItems"]["totalCount"].as_i64().unwrap();
    assert_eq!(both, list(&app, &coord, json!(null)).await["data"]["riskItems"]["totalCount"].as_i64().unwrap());

    // The first feedback settles it.
    planned(&app, &coord, &id).await;
    let item =
        ok(&app, &app.login("sifa").await, "recordRiskFeedback", json!({ "riskItemId": id, "body": "已介入" })).await;
    assert_eq!(item["overdue"], false);
    assert!(!ids_of(&list(&app, &coord, overdue(true)).await).contains(&id));
}

#[tokio::test]
async fn feedback_due_ordering_puts_the_nearest_deadline_first_and_items_without_one_last() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let body = app
        .gql(Some(&coord), &list_query(), json!({ "o": { "field": "FEEDBACK_DUE", "direction": "ASC" }, "first": 100 }))
        .await;
    let dues: Vec<Option<DateTime<Utc>>> =
        nodes(&body).iter().map(|n| n["feedbackDueAt"].as_str().map(|s| s.parse().unwrap())).collect();
    let with: Vec<_> = dues.iter().take_while(|d| d.is_some()).flatten().collect();
    assert!(with.len() >= 2, "the demo has HIGH items: {dues:?}");
    assert!(with.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
    assert!(dues[with.len()..].iter().all(Option::is_none), "{dues:?}");
}

// Stats.

/// Plants an item of `town` reported at `at` (UTC), with the given level and status.
#[allow(clippy::too_many_arguments)]
async fn plant(
    app: &TestApp,
    town: &str,
    village_name: &str,
    category: RiskCategory,
    level: Option<RiskLevel>,
    resolved: bool,
    assignee: Option<&str>,
    at: &str,
) {
    let db = &app.state.db;
    let town = town_id(app, town).await;
    let v = village::Entity::find()
        .filter(village::Column::TownId.eq(town))
        .filter(village::Column::Name.eq(village_name))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let reporter = app_user::Entity::find().filter(app_user::Column::TownId.eq(town)).one(db).await.unwrap().unwrap();
    let at: DateTime<Utc> = at.parse().unwrap();
    let assignee = match assignee {
        Some(name) => Some(unit(app, name).await),
        None => None,
    };
    let status = match (level, resolved) {
        (None, _) => RiskStatus::Reported,
        (Some(_), true) => RiskStatus::Resolved,
        (Some(_), false) => RiskStatus::Assessed,
    };
    risk_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town),
        village_id: Set(v.id),
        grid: Set(None),
        title: Set("统计用隐患".into()),
        category: Set(category),
        level: Set(level),
        location: Set(None),
        description: Set("统计".into()),
        parties: Set(None),
        territorial_unit_id: Set(Some(unit(app, village_name).await)),
        sector_unit_id: Set(assignee),
        assignee_unit_id: Set(assignee),
        responsible_person: Set(None),
        plan: Set(None),
        status: Set(status),
        escalation_level: Set(EscalationLevel::Village),
        reported_by_unit_id: Set(reporter.org_unit_id),
        reported_by_user_id: Set(reporter.id),
        assessed_at: Set(level.map(|_| at)),
        feedback_due_at: Set(None),
        resolution_note: Set(resolved.then(|| "已销号".into())),
        resolved_at: Set(resolved.then_some(at)),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await
    .unwrap();
}

const STATS: &str = "query($m: String!) { riskStats(month: $m) { month unassessed levels { level found resolved rate target meetsTarget } } }";

/// One level's stats: (level, found, resolved, rate, meets target).
type LevelRow = (String, i64, i64, Option<f64>, bool);

/// The stats per level, and the unassessed count.
fn stats_of(body: &Value) -> (Vec<LevelRow>, i64) {
    let stats = &body["data"]["riskStats"];
    let levels = stats["levels"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|l| {
            (
                l["level"].as_str().unwrap().to_owned(),
                l["found"].as_i64().unwrap(),
                l["resolved"].as_i64().unwrap(),
                l["rate"].as_f64(),
                l["meetsTarget"].as_bool().unwrap(),
            )
        })
        .collect();
    (levels, stats["unassessed"].as_i64().unwrap())
}

#[tokio::test]
async fn risk_stats_count_found_and_resolved_per_level_of_the_towns_month_against_the_targets() {
    let app = TestApp::spawn().await;
    use RiskCategory::*;
    use RiskLevel::*;
    let (police, sifa) = (Some("清河派出所"), Some("清河司法所"));
    // February 2024 in the town's calendar (UTC+8), far from the demo's dates.
    for (village, category, level, resolved, assignee, at) in [
        ("东庄村", SocialConflict, Some(High), true, sifa, "2024-02-10T02:00:00Z"),
        ("西庄村", PublicSafetyHazard, Some(High), false, police, "2024-02-11T02:00:00Z"),
        ("东庄村", SocialConflict, Some(Medium), true, sifa, "2024-02-12T02:00:00Z"),
        ("西庄村", CyberCrime, Some(Medium), true, police, "2024-02-13T02:00:00Z"),
        ("南湾社区", CyberCrime, Some(Medium), true, police, "2024-02-14T02:00:00Z"),
        ("南湾社区", TrafficSafety, Some(Low), true, police, "2024-02-15T02:00:00Z"),
        ("东庄村", SocialConflict, None, false, None, "2024-02-16T02:00:00Z"),
        // 2024-02-01 00:00 in the town: February.
        ("西庄村", SocialConflict, Some(High), true, sifa, "2024-01-31T16:00:00Z"),
        // 2024-03-01 00:00 in the town: March.
        ("西庄村", SocialConflict, Some(High), false, sifa, "2024-02-29T16:00:00Z"),
        // 2024-01-31 23:59:59 in the town: January.
        ("南湾社区", CyberCrime, Some(Low), false, police, "2024-01-31T15:59:59Z"),
    ] {
        plant(&app, "清河镇", village, category, level, resolved, assignee, at).await;
    }
    plant(&app, "柳林镇", "柳林村", SocialConflict, Some(High), false, None, "2024-02-15T02:00:00Z").await;

    let h = |found, resolved, rate: Option<f64>, meets| ("HIGH".to_owned(), found, resolved, rate, meets);
    let m = |found, resolved, rate: Option<f64>, meets| ("MEDIUM".to_owned(), found, resolved, rate, meets);
    let l = |found, resolved, rate: Option<f64>, meets| ("LOW".to_owned(), found, resolved, rate, meets);
    let month = json!({ "m": "2024-02" });
    let coord = app.gql(Some(&app.login("coord").await), STATS, month.clone()).await;
    assert_eq!(coord["data"]["riskStats"]["month"], "2024-02");
    let third = 2.0 / 3.0;
    assert_eq!(
        stats_of(&coord),
        (vec![h(3, 2, Some(third), false), m(3, 3, Some(1.0), true), l(1, 1, Some(1.0), true)], 1)
    );
    let targets: Vec<f64> = coord["data"]["riskStats"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target"].as_f64().unwrap())
        .collect();
    assert_eq!(targets, [1.0, 0.9, 0.9]);
    // The judicial office lists disputes and its own items only, and counts nothing else.
    let judicial = app.gql(Some(&app.login("sifa").await), STATS, month.clone()).await;
    assert_eq!(stats_of(&judicial), (vec![h(2, 2, Some(1.0), true), m(1, 1, Some(1.0), true), l(0, 0, None, true)], 1));
    let police_stats = app.gql(Some(&app.login("police").await), STATS, month.clone()).await;
    assert_eq!(
        stats_of(&police_stats),
        (vec![h(1, 0, Some(0.0), false), m(2, 2, Some(1.0), true), l(1, 1, Some(1.0), true)], 0)
    );
    let liulin = app.gql(Some(&app.login("liulin_coord").await), STATS, month.clone()).await;
    assert_eq!(stats_of(&liulin), (vec![h(1, 0, Some(0.0), false), m(0, 0, None, true), l(0, 0, None, true)], 0));
    let march = app.gql(Some(&app.login("sifa").await), STATS, json!({ "m": "2024-03" })).await;
    assert_eq!(stats_of(&march).0[0], h(1, 0, Some(0.0), false));

    let admin = app.gql(Some(&app.login("admin").await), STATS, month).await;
    assert_eq!(error_code(&admin), Some("FORBIDDEN"), "{admin}");
    for bad in ["2024-2", "2024-13", "February"] {
        let body = app.gql(Some(&app.login("coord").await), STATS, json!({ "m": bad })).await;
        assert_eq!((error_code(&body), field(&body)), (Some("BAD_USER_INPUT"), Some("month")), "{bad}: {body}");
    }
}

#[tokio::test]
async fn risk_stats_never_count_a_row_the_viewer_cannot_list() {
    let app = TestApp::spawn().await;
    let month = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m").to_string();
    let (start, end) = pingan::domain::risk_flow::month_bounds(&month).unwrap();
    // Two items of this month that only some of the viewers list: a dispute and an online fraud.
    let dongzhuang = app.login("dongzhuang").await;
    reported(&app, &dongzhuang, "SOCIAL_CONFLICT").await;
    reported(&app, &dongzhuang, "CYBER_CRIME").await;
    let mut totals = BTreeMap::new();
    for user in ["coord", "sifa", "police", "dongzhuang", "jiwei"] {
        let token = app.login(user).await;
        let listed = list(&app, &token, json!(null)).await;
        let in_month: Vec<&Value> = nodes(&listed)
            .iter()
            .filter(|n| {
                let at: DateTime<Utc> = n["reportedAt"].as_str().unwrap().parse().unwrap();
                start <= at && at < end
            })
            .collect();
        let (levels, unassessed) = stats_of(&app.gql(Some(&token), STATS, json!({ "m": month })).await);
        for (level, found, resolved, _, _) in &levels {
            let of_level: Vec<&&Value> = in_month.iter().filter(|n| n["level"] == level.as_str()).collect();
            assert_eq!(*found as usize, of_level.len(), "{user} {level}");
            assert_eq!(
                *resolved as usize,
                of_level.iter().filter(|n| n["status"] == "RESOLVED").count(),
                "{user} {level}"
            );
        }
        assert_eq!(unassessed as usize, in_month.iter().filter(|n| n["level"].is_null()).count(), "{user}");
        totals.insert(user, levels.iter().map(|l| l.1).sum::<i64>() + unassessed);
    }
    println!("risk items reported this month, per viewer: {totals:?}");
    assert!(totals["sifa"] < totals["coord"] && totals["police"] < totals["coord"], "{totals:?}");
}

// Validation.

#[tokio::test]
async fn every_risk_write_names_the_bad_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let dongzhuang = app.login("dongzhuang").await;
    let sifa = app.login("sifa").await;
    let open = reported(&app, &dongzhuang, "SOCIAL_CONFLICT").await;
    let handled = reported(&app, &dongzhuang, "SOCIAL_CONFLICT").await;
    assessed(&app, &coord, &handled, "HIGH", "清河司法所").await;
    planned(&app, &coord, &handled).await;
    let liulin_unit = unit_gid(&app, "柳林派出所").await;
    let police_unit = unit_gid(&app, "清河派出所").await;
    let tomorrow = (pingan::domain::lead_flow::today() + Duration::days(2)).to_string();
    let assess = |patch: Value| {
        let mut input = json!({ "riskItemId": open, "level": "LOW", "sectorUnitId": police_unit,
                                "responsiblePerson": "某", "plan": "某" });
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let no_village = report_input("x", "CYBER_CRIME");
    let cases = [
        (
            &dongzhuang,
            "reportRisk",
            json!({ "title": " ", "category": "CYBER_CRIME", "description": "d" }),
            "input.title",
        ),
        (
            &dongzhuang,
            "reportRisk",
            json!({ "title": "长".repeat(201), "category": "CYBER_CRIME", "description": "d" }),
            "input.title",
        ),
        (
            &dongzhuang,
            "reportRisk",
            json!({ "title": "t", "category": "CYBER_CRIME", "description": "" }),
            "input.description",
        ),
        (
            &dongzhuang,
            "reportRisk",
            json!({ "title": "t", "category": "CYBER_CRIME", "description": "d", "parties": "长".repeat(2001) }),
            "input.parties",
        ),
        (&coord, "reportRisk", no_village, "input.villageId"),
        (
            &coord,
            "reportRisk",
            json!({ "title": "t", "category": "CYBER_CRIME", "description": "d", "villageId": "bm90LWFuLWlk" }),
            "input.villageId",
        ),
        (&dongzhuang, "updateRisk", json!({ "riskItemId": open, "expectedVersion": 1, "title": "" }), "input.title"),
        (&coord, "assessRisk", assess(json!({ "sectorUnitId": liulin_unit })), "input.sectorUnitId"),
        (&coord, "assessRisk", assess(json!({ "assigneeUnitId": "bm9wZQ" })), "input.assigneeUnitId"),
        (&coord, "assessRisk", assess(json!({ "territorialUnitId": liulin_unit })), "input.territorialUnitId"),
        (&coord, "assessRisk", assess(json!({ "responsiblePerson": "" })), "input.responsiblePerson"),
        (&coord, "assessRisk", assess(json!({ "plan": "  " })), "input.plan"),
        (
            &dongzhuang,
            "recordRiskCheck",
            json!({ "riskItemId": open, "checkedOn": tomorrow, "note": "查" }),
            "input.checkedOn",
        ),
        (
            &dongzhuang,
            "recordRiskCheck",
            json!({ "riskItemId": open, "checkedOn": "2024-01-01", "note": "" }),
            "input.note",
        ),
        (&sifa, "recordRiskFeedback", json!({ "riskItemId": handled, "body": "" }), "input.body"),
        (&dongzhuang, "escalateRisk", json!({ "riskItemId": open, "reason": " " }), "input.reason"),
        (&sifa, "resolveRisk", json!({ "riskItemId": handled, "resolutionNote": "" }), "input.resolutionNote"),
    ];
    let before = footprint(&app).await;
    for (token, mutation, input, expected_field) in cases {
        let body = write(&app, token, mutation, input).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{mutation} {expected_field}: {body}");
        assert_eq!(field(&body), Some(expected_field), "{mutation}: {body}");
        assert!(body["data"].is_null() || body["data"][mutation].is_null(), "{body}");
    }
    assert_eq!(footprint(&app).await, before, "a refused write leaves nothing behind");
}

// Lists.

#[tokio::test]
async fn filters_narrow_the_list_to_what_the_database_holds() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let town = town_id(&app, "清河镇").await;
    let rows = risk_item::Entity::find().filter(risk_item::Column::TownId.eq(town)).all(&app.state.db).await.unwrap();
    let sifa_unit = unit(&app, "清河司法所").await;
    let dongzhuang =
        village::Entity::find().filter(village::Column::Name.eq("东庄村")).one(&app.state.db).await.unwrap().unwrap();
    let count = |pred: &dyn Fn(&risk_item::Model) -> bool| rows.iter().filter(|r| pred(r)).count();
    let cases: Vec<(Value, usize)> = vec![
        (json!({ "category": "SOCIAL_CONFLICT" }), count(&|r| r.category == RiskCategory::SocialConflict)),
        (json!({ "level": ["HIGH"] }), count(&|r| r.level == Some(RiskLevel::High))),
        (
            json!({ "level": ["MEDIUM", "LOW"] }),
            count(&|r| matches!(r.level, Some(RiskLevel::Medium | RiskLevel::Low))),
        ),
        (json!({ "status": ["RESOLVED"] }), count(&|r| r.status == RiskStatus::Resolved)),
        (json!({ "escalationLevel": "TOWN" }), count(&|r| r.escalation_level == EscalationLevel::Town)),
        (json!({ "villageId": global("Village", dongzhuang.id) }), count(&|r| r.village_id == dongzhuang.id)),
        (
            json!({ "unitId": global("OrgUnit", sifa_unit) }),
            count(&|r| [r.territorial_unit_id, r.sector_unit_id, r.assignee_unit_id].contains(&Some(sifa_unit))),
        ),
        (json!({ "villageId": "garbage" }), 0),
        (
            json!({ "category": "SOCIAL_CONFLICT", "status": ["RESOLVED"] }),
            count(&|r| r.category == RiskCategory::SocialConflict && r.status == RiskStatus::Resolved),
        ),
    ];
    for (filter, want) in cases {
        let body = list(&app, &coord, filter.clone()).await;
        assert_eq!(nodes(&body).len(), want, "{filter}: {body}");
        assert_eq!(body["data"]["riskItems"]["totalCount"], json!(want), "{filter}");
        assert!(want > 0 || filter["villageId"] == "garbage", "{filter} is exercised");
    }
    let admin = list(&app, &app.login("admin").await, json!({ "category": "SOCIAL_CONFLICT" })).await;
    assert_eq!(error_code(&admin), Some("FORBIDDEN"), "{admin}");
}

#[tokio::test]
async fn keyset_pages_cover_every_row_once_in_every_order() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let all: BTreeSet<String> =
        nodes(&list(&app, &coord, json!(null)).await).iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    assert!(all.len() > 10);
    for field in ["REPORTED_AT", "FEEDBACK_DUE"] {
        for direction in ["ASC", "DESC"] {
            let mut seen = Vec::new();
            let mut after: Option<String> = None;
            for _ in 0..all.len() {
                let vars = json!({ "o": { "field": field, "direction": direction }, "first": 4, "after": after });
                let body = app.gql(Some(&coord), &list_query(), vars).await;
                seen.extend(nodes(&body).iter().map(|n| n["id"].as_str().unwrap().to_owned()));
                let info = &body["data"]["riskItems"]["pageInfo"];
                if info["hasNextPage"] != true {
                    break;
                }
                after = info["endCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(seen.len(), all.len(), "{field} {direction}: no row twice");
            assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), all, "{field} {direction}");
        }
    }
    let bad = app.gql(Some(&coord), &list_query(), json!({ "after": "nope" })).await;
    assert_eq!((error_code(&bad), field(&bad)), (Some("BAD_USER_INPUT"), Some("after")));
}

// Cost.

#[tokio::test]
async fn a_nested_page_of_risk_items_costs_the_same_number_of_statements_at_any_size() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let sifa = app.login("sifa").await;
    let dongzhuang = app.login("dongzhuang").await;
    // The newest item has a check, feedback and events, so every relation is asked on a page of 1.
    let id = reported(&app, &dongzhuang, "SOCIAL_CONFLICT").await;
    ok(
        &app,
        &dongzhuang,
        "recordRiskCheck",
        json!({ "riskItemId": id, "checkedOn": pingan::domain::lead_flow::today().to_string(), "note": "查" }),
    )
    .await;
    assessed(&app, &coord, &id, "HIGH", "清河司法所").await;
    planned(&app, &coord, &id).await;
    ok(&app, &sifa, "recordRiskFeedback", json!({ "riskItemId": id, "body": "已介入" })).await;
    let query = format!(
        "query($n: Int) {{ riskItems(first: $n, orderBy: {{ field: REPORTED_AT, direction: DESC }}) {{ totalCount nodes {{ {ITEM} }} }} }}"
    );
    // Once first: the names the page shows are then kept (`pingan::directory`, PostgreSQL).
    app.gql(Some(&coord), &query, json!({ "n": 1 })).await;
    let mut counts = Vec::new();
    for n in [1, 12] {
        let before = app.state.statements.load(Ordering::SeqCst);
        let body = app.gql(Some(&coord), &query, json!({ "n": n })).await;
        assert_eq!(body["data"]["riskItems"]["nodes"].as_array().map(Vec::len), Some(n as usize), "{body}");
        counts.push(app.state.statements.load(Ordering::SeqCst) - before);
    }
    println!("statements for a nested riskItems query: page of 1 = {}, page of 12 = {}", counts[0], counts[1]);
    assert_eq!(counts[0], counts[1], "statement count grows with the page size: {counts:?}");
}
