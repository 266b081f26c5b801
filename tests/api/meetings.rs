//! Meetings (研判会, 联席会议, 三级联席会议): recorded by the coordination office (the discipline
//! commission for its meetings on umbrella leads), read by it and the units that attended; a
//! decision given to a unit raises a task; an escalation may name the meeting that took the
//! item up; the monthly analysis meeting is a rule-raised task from the 1st (town time).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use entity::enums::{TaskKind, TaskStatus};
use entity::{meeting, task};
use pingan::domain::lead_flow::{end_of_day, today};
use pingan::rules;
use pingan_tests::{TestApp, error_code, global_id, uuid_of};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const MEETING: &str = "id kind heldOn summary onUmbrellaLeads recordedByUnit { name } units { name }
    decisions { number text assigneeUnit { name } dueAt task { id kind title description status target { __typename } } }
    riskItems { id title escalationLevel }";

async fn unit(app: &TestApp, name: &str) -> String {
    global_id("OrgUnit", app.unit_id(name).await)
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

/// Records a meeting that must succeed; returns it.
async fn recorded(app: &TestApp, token: &str, input: Value) -> Value {
    app.mutate(token, "recordMeeting", input, &format!("meeting {{ {MEETING} }}")).await["meeting"].clone()
}

async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    let query = "mutation($i: RecordMeetingInput!) { recordMeeting(input: $i) { meeting { id } } }";
    app.gql(Some(token), query, json!({ "i": input })).await
}

async fn seen(app: &TestApp, token: &str, id: &Value) -> (Value, Value) {
    let query = "query($id: ID!) { meeting(id: $id) { id } node(id: $id) { id } meetings(first: 100) { totalCount nodes { id } } }";
    let body = app.gql(Some(token), query, json!({ "id": id })).await;
    (body["data"]["meeting"].clone(), body.clone())
}

async fn meetings_in_db(app: &TestApp) -> u64 {
    meeting::Entity::find().count(&app.state.db).await.unwrap()
}

async fn tasks_in_db(app: &TestApp) -> u64 {
    task::Entity::find().count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn a_joint_meeting_recorded_by_the_coordination_office_gives_its_decisions_to_units_as_tasks() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let input = json!({
        "kind": "JOINT_MEETING", "heldOn": day(today()), "unitIds": [unit(&app, "清河派出所").await],
        "summary": "通报本月线索办理情况",
        "decisions": [
            { "text": "司法所牵头排查刑释人员", "assigneeUnitId": unit(&app, "清河司法所").await, "dueAt": in_days(7) },
            { "text": "下月继续通报" },
        ],
    });
    let meeting = recorded(&app, &coord, input).await;
    assert_eq!(meeting["kind"], "JOINT_MEETING");
    assert_eq!(meeting["onUmbrellaLeads"], false);
    assert_eq!(meeting["recordedByUnit"]["name"], "清河镇扫黑办");
    let mut units: Vec<&str> =
        meeting["units"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    units.sort();
    assert_eq!(units, ["清河派出所", "清河镇扫黑办"], "the recording unit attends by itself");
    let decisions = meeting["decisions"].as_array().unwrap();
    assert_eq!(decisions[0]["number"], 1);
    assert_eq!(decisions[0]["assigneeUnit"]["name"], "清河司法所");
    let task = &decisions[0]["task"];
    assert_eq!(task["kind"], "MEETING_DECISION");
    assert_eq!(task["status"], "OPEN");
    assert_eq!(task["title"], "联席会议决定事项", "a fixed title, never the content");
    assert_eq!(task["target"]["__typename"], "Meeting");
    assert!(decisions[1]["task"].is_null() && decisions[1]["assigneeUnit"].is_null());

    // The judicial office did not attend: it has the task, with the decision, but not the meeting.
    let sifa = app.login("sifa").await;
    let body = app
        .gql(
            Some(&sifa),
            "{ myTasks(filter: { kind: MEETING_DECISION }) { nodes { id description target { __typename } targetSummary } } }",
            json!({}),
        )
        .await;
    let mine = &body["data"]["myTasks"]["nodes"];
    assert_eq!(mine.as_array().unwrap().len(), 1, "{body}");
    assert_eq!(mine[0]["id"], task["id"]);
    assert_eq!(mine[0]["description"], "司法所牵头排查刑释人员");
    assert!(mine[0]["target"].is_null() && mine[0]["targetSummary"].is_null(), "{body}");
    let (hidden, _) = seen(&app, &sifa, &meeting["id"]).await;
    assert!(hidden.is_null());

    let entry = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("record_meeting"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("an audit entry");
    assert_eq!((entry.object_type.as_str(), entry.object_id), ("Meeting", Some(uuid_of(&meeting["id"]))));
}

#[tokio::test]
async fn a_meeting_is_read_by_the_coordination_office_and_the_units_that_attended_only() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let units = json!([unit(&app, "清河派出所").await, unit(&app, "东庄村").await]);
    let input =
        json!({ "kind": "MONTHLY_ANALYSIS", "heldOn": day(today()), "unitIds": units, "summary": "研判本月形势" });
    let id = recorded(&app, &coord, input).await["id"].clone();
    for user in ["coord", "police", "dongzhuang", "sifa", "jiwei", "xizhuang", "nanwan", "admin", "liulin_coord"] {
        let token = app.login(user).await;
        let (one, body) = seen(&app, &token, &id).await;
        let reads = matches!(user, "coord" | "police" | "dongzhuang");
        assert_eq!(one.is_object(), reads, "{user}: {body}");
        assert_eq!(body["data"]["node"].is_object(), reads, "{user}: {body}");
        match user {
            // No read grant at all: the list is refused.
            "admin" => assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}"),
            _ => assert_eq!(body["data"]["meetings"]["totalCount"], if reads { 1 } else { 0 }, "{user}: {body}"),
        }
    }
}

#[tokio::test]
async fn a_meeting_of_the_discipline_commission_on_umbrella_leads_is_read_by_it_alone() {
    let app = TestApp::spawn().await;
    let jiwei = app.login("jiwei").await;
    let input = json!({
        "kind": "JOINT_MEETING", "heldOn": day(today()),
        "unitIds": [unit(&app, "清河镇扫黑办").await, unit(&app, "清河派出所").await],
        "summary": "保护伞线索会商",
        "decisions": [{ "text": "派出所协查涉黑部分", "assigneeUnitId": unit(&app, "清河派出所").await, "dueAt": in_days(5) }],
    });
    let meeting = recorded(&app, &jiwei, input).await;
    assert_eq!(meeting["onUmbrellaLeads"], true);
    let task_id = meeting["decisions"][0]["task"]["id"].clone();
    for user in ["coord", "police", "sifa", "dongzhuang"] {
        let token = app.login(user).await;
        let (one, body) = seen(&app, &token, &meeting["id"]).await;
        assert!(one.is_null(), "{user} attended or not, the meeting is the commission's: {body}");
        assert_eq!(body["data"]["meetings"]["totalCount"], 0, "{user}: {body}");
    }
    // The police station has the task it was given, not the meeting behind it.
    let police = app.login("police").await;
    let query = "query($id: ID!) { node(id: $id) { ... on Task { kind target { __typename } } } }";
    let body = app.gql(Some(&police), query, json!({ "id": task_id })).await;
    assert_eq!(body["data"]["node"]["kind"], "MEETING_DECISION", "{body}");
    assert!(body["data"]["node"]["target"].is_null(), "{body}");
    // The coordinator, who reads every other task of the town, does not read this one.
    let coord = app.login("coord").await;
    let body = app.gql(Some(&coord), query, json!({ "id": task_id })).await;
    assert!(body["data"]["node"].is_null(), "{body}");
    let body = app.gql(Some(&coord), "{ tasks(filter: { kind: MEETING_DECISION }) { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["tasks"]["totalCount"], 0, "{body}");
}

#[tokio::test]
async fn only_the_coordination_office_and_the_discipline_commission_record_meetings() {
    let app = TestApp::spawn().await;
    let input = json!({ "kind": "JOINT_MEETING", "heldOn": day(today()), "unitIds": [], "summary": "会" });
    for user in ["police", "sifa", "dongzhuang", "admin"] {
        let token = app.login(user).await;
        let body = record(&app, &token, input.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}");
    }
    assert_eq!(meetings_in_db(&app).await, 0);
}

#[tokio::test]
async fn bad_meeting_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let tasks = tasks_in_db(&app).await;
    let police = unit(&app, "清河派出所").await;
    let elsewhere = unit(&app, "柳林派出所").await;
    let tomorrow = day(today() + Duration::days(1));
    let base =
        || json!({ "kind": "JOINT_MEETING", "heldOn": day(today()), "unitIds": [police.clone()], "summary": "会" });
    let cases = [
        ("heldOn", json!(tomorrow), "input.heldOn"),
        ("summary", json!("  "), "input.summary"),
        ("unitIds", json!([police.clone(), elsewhere.clone()]), "input.unitIds[1]"),
        ("decisions", json!([{ "text": "办", "assigneeUnitId": police.clone() }]), "input.decisions[0].dueAt"),
        (
            "decisions",
            json!([{ "text": "办" }, { "text": "办", "assigneeUnitId": police.clone(), "dueAt": in_days(-1) }]),
            "input.decisions[1].dueAt",
        ),
        ("decisions", json!([{ "text": "办", "dueAt": in_days(3) }]), "input.decisions[0].assigneeUnitId"),
        (
            "decisions",
            json!([{ "text": "办", "assigneeUnitId": elsewhere, "dueAt": in_days(3) }]),
            "input.decisions[0].assigneeUnitId",
        ),
        ("decisions", json!([{ "text": "" }]), "input.decisions[0].text"),
    ];
    for (key, value, field) in cases {
        let mut input = base();
        input[key] = value;
        let body = record(&app, &coord, input).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!((meetings_in_db(&app).await, tasks_in_db(&app).await), (0, tasks));
}

async fn report_risk(app: &TestApp, token: &str) -> String {
    let input = json!({ "title": "宅基地纠纷", "category": "SOCIAL_CONFLICT", "description": "两户因宅基地纠纷争吵",
                        "location": "东庄村一组", "grid": "第1网格", "parties": "当事人甲" });
    let item = app.mutate(token, "reportRisk", input, "riskItem { id }").await;
    item["riskItem"]["id"].as_str().unwrap().to_owned()
}

async fn escalate(app: &TestApp, token: &str, input: Value) -> Value {
    let query = "mutation($i: EscalateRiskInput!) { escalateRisk(input: $i) { riskItem { escalationLevel } } }";
    app.gql(Some(token), query, json!({ "i": input })).await
}

#[tokio::test]
async fn an_escalation_to_town_names_the_three_level_meeting_that_took_the_item_up() {
    let app = TestApp::spawn().await;
    let (coord, dongzhuang, jiwei) =
        (app.login("coord").await, app.login("dongzhuang").await, app.login("jiwei").await);
    let item = report_risk(&app, &dongzhuang).await;
    let input = json!({ "kind": "THREE_LEVEL_JOINT_MEETING", "heldOn": day(today()),
                        "unitIds": [unit(&app, "东庄村").await], "summary": "研究东庄村纠纷" });
    let meeting = recorded(&app, &coord, input).await["id"].clone();
    let umbrella = json!({ "kind": "JOINT_MEETING", "heldOn": day(today()), "unitIds": [], "summary": "会商" });
    let hidden = recorded(&app, &jiwei, umbrella).await["id"].clone();

    // A meeting the escalating user does not read is a bad input, and nothing moves.
    let body =
        escalate(&app, &coord, json!({ "riskItemId": item, "reason": "村级难以化解", "meetingId": hidden })).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.meetingId");
    let body =
        escalate(&app, &dongzhuang, json!({ "riskItemId": item, "reason": "村级难以化解", "meetingId": meeting }))
            .await;
    assert_eq!(body["data"]["escalateRisk"]["riskItem"]["escalationLevel"], "TOWN", "{body}");

    for token in [&coord, &dongzhuang] {
        let query = format!("query($id: ID!) {{ meeting(id: $id) {{ {MEETING} }} }}");
        let body = app.gql(Some(token), &query, json!({ "id": meeting })).await;
        let items = &body["data"]["meeting"]["riskItems"];
        assert_eq!(items.as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(items[0]["id"], json!(item));
        assert_eq!(items[0]["escalationLevel"], "TOWN");
    }
    // The umbrella meeting took nothing up.
    let query = "query($id: ID!) { meeting(id: $id) { riskItems { id } } }";
    let body = app.gql(Some(&jiwei), query, json!({ "id": hidden })).await;
    assert_eq!(body["data"]["meeting"]["riskItems"], json!([]), "{body}");
}

/// An instant in the town's time (UTC+8).
fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    zone.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

async fn analysis_tasks(app: &TestApp, due: DateTime<Utc>) -> Vec<task::Model> {
    let office = app.unit_id("清河镇扫黑办").await;
    task::Entity::find()
        .filter(task::Column::Kind.eq(TaskKind::MonthlyAnalysisMeeting))
        .filter(task::Column::AssigneeUnitId.eq(office))
        .filter(task::Column::DueAt.eq(due))
        .all(&app.state.db)
        .await
        .unwrap()
}

fn last_of(y: i32, m: u32) -> NaiveDate {
    let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
    next.unwrap() - Duration::days(1)
}

#[tokio::test]
async fn the_monthly_analysis_meeting_task_is_raised_on_the_first_in_town_time() {
    let app = TestApp::spawn().await;
    let sweep = |at: DateTime<Utc>| rules::sweep_all(&app.state.db, &app.state.task_events, at);
    let march = end_of_day(last_of(2027, 3));
    // 23:59 on the last day of February, town time: February's meeting is owed, March's not.
    sweep(local(2027, 2, 28, 23, 59)).await.unwrap();
    let february = analysis_tasks(&app, end_of_day(last_of(2027, 2))).await;
    assert_eq!(february.len(), 1);
    assert_eq!(february[0].title, "2027年2月扫黑除恶形势研判会");
    assert_eq!(february[0].creating_unit_id, app.unit_id("清河镇扫黑办").await);
    assert!(analysis_tasks(&app, march).await.is_empty());
    // 00:00 on 1 March, town time, is still 28 February in UTC: March's is raised.
    let first = local(2027, 3, 1, 0, 0);
    assert_eq!(first.format("%m-%d").to_string(), "02-28");
    sweep(first).await.unwrap();
    let raised = analysis_tasks(&app, march).await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].title, "2027年3月扫黑除恶形势研判会");
    // Never twice, and February's stays open (and overdue) until its meeting is recorded.
    sweep(local(2027, 3, 2, 9, 0)).await.unwrap();
    assert_eq!(analysis_tasks(&app, march).await.len(), 1);
    let february = analysis_tasks(&app, end_of_day(last_of(2027, 2))).await;
    assert_eq!(february[0].status, TaskStatus::Open);
    // The other town's office has its own.
    let liulin = app.unit_id("柳林镇扫黑办").await;
    let theirs = task::Entity::find()
        .filter(task::Column::Kind.eq(TaskKind::MonthlyAnalysisMeeting))
        .filter(task::Column::AssigneeUnitId.eq(liulin))
        .filter(task::Column::DueAt.eq(march));
    assert_eq!(theirs.count(&app.state.db).await.unwrap(), 1);
}

#[tokio::test]
async fn recording_the_months_analysis_meeting_closes_its_task() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    rules::sweep_all(&app.state.db, &app.state.task_events, Utc::now()).await.unwrap();
    let today = today();
    let due = end_of_day(last_of(chrono::Datelike::year(&today), chrono::Datelike::month(&today)));
    let status = || async { analysis_tasks(&app, due).await.first().map(|t| t.status) };
    assert_eq!(status().await, Some(TaskStatus::Open));
    // Another kind of meeting, or an analysis meeting held last month, is not this month's.
    let joint = json!({ "kind": "JOINT_MEETING", "heldOn": day(today), "unitIds": [], "summary": "联席" });
    recorded(&app, &coord, joint).await;
    let month_start = chrono::Datelike::with_day(&today, 1).unwrap();
    let last_month = json!({ "kind": "MONTHLY_ANALYSIS", "heldOn": day(month_start - Duration::days(1)),
                             "unitIds": [], "summary": "上月研判" });
    recorded(&app, &coord, last_month).await;
    assert_eq!(status().await, Some(TaskStatus::Open));
    let analysis = json!({ "kind": "MONTHLY_ANALYSIS", "heldOn": day(today), "unitIds": [], "summary": "研判" });
    recorded(&app, &coord, analysis).await;
    let closed = analysis_tasks(&app, due).await;
    assert_eq!(closed[0].status, TaskStatus::Accepted, "closed with the write that did the duty");
    assert_eq!(closed[0].rule_key, None);
}
