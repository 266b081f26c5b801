//! Leads handled first (issue 15): an umbrella lead raises at once the discipline commission's
//! task to take it up within 24 hours, closed by the commission's first step; a major lead raises
//! at once its handling unit's task to report it within 2 hours; `major` is `handling` and
//! filters like it. The discipline commission searches umbrella leads by text, and anyone finds
//! a lead by serial within their scope.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{TaskEventKind, TaskKind, TaskStatus};
use entity::{lead, lead_priority, task, task_event};
use pingan_tests::{TestApp, error_code, global_id, uuid_of};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::subscriptions::{next_json, subscribe_to};

const UMBRELLA_TITLE: &str = "保护伞线索24小时内受理";
const MAJOR_TITLE: &str = "重大线索2小时内上报";

fn lead_input(source: &str, category: &str, summary: &str) -> Value {
    json!({ "source": source, "category": category, "summary": summary, "receivedAt": "2026-11-20T09:00:00+08:00",
            "content": "详细内容：某干部收受好处", "reporterName": "举报人乙", "reporterContact": "13900000000" })
}

/// `input` with the boolean `flag` (`major`, `involvesOfficial`) set.
fn flagged(mut input: Value, flag: &str) -> Value {
    input[flag] = json!(true);
    input
}

/// Registers a lead as the user of `token`; its global id.
async fn register(app: &TestApp, token: &str, input: Value) -> Value {
    app.mutate(token, "registerLead", input, "lead { id }").await["lead"]["id"].clone()
}

async fn stored(app: &TestApp, gid: &Value) -> lead::Model {
    lead::Entity::find_by_id(uuid_of(gid)).one(&app.state.db).await.unwrap().unwrap()
}

/// The tasks of `kind` on a lead.
async fn tasks_on(app: &TestApp, kind: TaskKind, lead: Uuid) -> Vec<task::Model> {
    let found = task::Entity::find().filter(task::Column::Kind.eq(kind)).filter(task::Column::TargetId.eq(lead));
    found.all(&app.state.db).await.unwrap()
}

async fn reload(app: &TestApp, task: &task::Model) -> task::Model {
    task::Entity::find_by_id(task.id).one(&app.state.db).await.unwrap().unwrap()
}

/// Whether the user of `token` can open the task.
async fn sees_task(app: &TestApp, token: &str, task: Uuid) -> bool {
    let body = app
        .gql(Some(token), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": global_id("Task", task) }))
        .await;
    body["data"]["node"].is_object()
}

/// The task as its assignee reads it: `overdue`, `kind`, `title`.
async fn task_view(app: &TestApp, token: &str, task: Uuid) -> Value {
    let query = "query($id: ID!) { node(id: $id) { ... on Task { title kind overdue } } }";
    let body = app.gql(Some(token), query, json!({ "id": global_id("Task", task) })).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["node"].clone()
}

/// Moves the clock of a task's duty: as if it had been raised `ago` before now (its due time, and
/// the lead's stored due time the rule raised it from, both `ago` earlier than when raised).
async fn as_if_raised(app: &TestApp, task: &task::Model, ago: Duration) {
    let raised_at = task.created_at;
    let shift = (Utc::now() - ago) - raised_at;
    let due = task.due_at + shift;
    task::Entity::update_many()
        .col_expr(task::Column::DueAt, Expr::value(due))
        .filter(task::Column::Id.eq(task.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let column = match task.kind {
        TaskKind::UmbrellaLeadReceived => lead_priority::Column::UmbrellaDueAt,
        _ => lead_priority::Column::MajorDueAt,
    };
    lead_priority::Entity::update_many()
        .col_expr(column, Expr::value(due))
        .filter(lead_priority::Column::LeadId.eq(task.target_id.unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
}

/// A task is overdue once `limit` has passed since it was raised, and not a moment before.
async fn assert_overdue_after(app: &TestApp, token: &str, task: &task::Model, limit: Duration) {
    as_if_raised(app, task, limit - Duration::seconds(10)).await;
    assert_eq!(task_view(app, token, task.id).await["overdue"], false, "10 s before the limit");
    let query = "query($k: TaskKind) { tasks(first: 100, filter: { kind: $k, overdue: true }) { nodes { id } } }";
    let listed = |body: Value| {
        body["data"]["tasks"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == global_id("Task", task.id))
    };
    let kind = json!({ "k": task_view(app, token, task.id).await["kind"] });
    assert!(!listed(app.gql(Some(token), query, kind.clone()).await), "not yet in the overdue list");
    as_if_raised(app, task, limit + Duration::seconds(1)).await;
    assert_eq!(task_view(app, token, task.id).await["overdue"], true, "a second past the limit");
    assert!(listed(app.gql(Some(token), query, kind).await), "in the overdue list");
    // The sweep at that instant neither raises it again nor closes it: the duty is still owed.
    pingan::rules::sweep_all(&app.state.db, &app.state.task_events, Utc::now()).await.unwrap();
    assert_eq!(reload(app, task).await.status, TaskStatus::Open);
    assert_eq!(tasks_on(app, task.kind, task.target_id.unwrap()).await.len(), 1);
}

async fn assert_closed_by_system(app: &TestApp, task: &task::Model) {
    let now = reload(app, task).await;
    assert_eq!(now.status, TaskStatus::Accepted, "{now:?}");
    let events = task_event::Entity::find().filter(task_event::Column::TaskId.eq(task.id)).all(&app.state.db);
    assert!(events.await.unwrap().iter().any(|e| e.kind == TaskEventKind::SystemClosed));
}

fn within(at: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    from <= at && at <= to
}

// --- item 1: umbrella leads first

#[tokio::test]
async fn registering_an_umbrella_lead_raises_the_commissions_task_at_once_and_tells_its_subscribers() {
    let app = TestApp::spawn().await;
    let (jiwei, dongzhuang, coord, police) =
        (app.login("jiwei").await, app.login("dongzhuang").await, app.login("coord").await, app.login("police").await);
    let mut socket =
        subscribe_to(&app, &jiwei, "subscription { taskAssigned { title kind assigneeUnit { name } } }").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let gid = register(&app, &dongzhuang, lead_input("VILLAGE", "PROTECTIVE_UMBRELLA", "村干部为赌场充当保护伞")).await;
    let event = next_json(&mut socket).await;
    let assigned = &event["payload"]["data"]["taskAssigned"];
    assert_eq!(assigned["title"], UMBRELLA_TITLE, "{event}");
    assert_eq!(assigned["kind"], "UMBRELLA_LEAD_RECEIVED");
    assert_eq!(assigned["assigneeUnit"]["name"], "清河镇纪委");

    let lead = stored(&app, &gid).await;
    let raised = tasks_on(&app, TaskKind::UmbrellaLeadReceived, lead.id).await;
    assert_eq!(raised.len(), 1, "raised with the registration");
    let jiwei_unit = app.unit_id("清河镇纪委").await;
    assert_eq!((raised[0].creating_unit_id, raised[0].assignee_unit_id), (jiwei_unit, jiwei_unit));
    assert_eq!(raised[0].due_at, lead.created_at + Duration::hours(24), "due 24 h after it became umbrella");
    // A fixed title: no serial, no word of the lead.
    assert_eq!(raised[0].title, UMBRELLA_TITLE);
    assert!(raised[0].description.is_none());
    assert!(sees_task(&app, &jiwei, raised[0].id).await);
    for token in [&dongzhuang, &coord, &police] {
        assert!(!sees_task(&app, token, raised[0].id).await, "only the commission sees it");
    }
}

#[tokio::test]
async fn the_umbrella_task_is_overdue_a_second_after_24_hours_and_not_before() {
    let app = TestApp::spawn().await;
    let (jiwei, police) = (app.login("jiwei").await, app.login("police").await);
    let gid =
        register(&app, &police, flagged(lead_input("POLICE", "VICE", "某所长收受赌场好处"), "involvesOfficial")).await;
    let raised = tasks_on(&app, TaskKind::UmbrellaLeadReceived, uuid_of(&gid)).await;
    assert_eq!(raised.len(), 1);
    assert_overdue_after(&app, &jiwei, &raised[0], Duration::hours(24)).await;
}

#[tokio::test]
async fn the_commissions_first_step_on_the_lead_closes_its_task() {
    let app = TestApp::spawn().await;
    let (jiwei, police) = (app.login("jiwei").await, app.login("police").await);
    let gid =
        register(&app, &police, flagged(lead_input("POLICE", "VICE", "某所长收受赌场好处"), "involvesOfficial")).await;
    let raised = tasks_on(&app, TaskKind::UmbrellaLeadReceived, uuid_of(&gid)).await;
    assert_eq!(reload(&app, &raised[0]).await.status, TaskStatus::Open);

    let jiwei_unit = global_id("OrgUnit", app.unit_id("清河镇纪委").await);
    let assign = json!({ "leadId": gid, "assigneeUnitId": jiwei_unit, "responsibleLeader": "书记",
                         "responsiblePerson": "纪检干部", "measures": "初核", "deadline": "2099-01-01T00:00:00Z" });
    app.mutate(&jiwei, "assignLead", assign, "lead { id }").await;
    assert_closed_by_system(&app, &raised[0]).await;
    // A later sweep raises nothing new: the lead was taken up.
    pingan::rules::sweep_all(&app.state.db, &app.state.task_events, Utc::now()).await.unwrap();
    assert_eq!(tasks_on(&app, TaskKind::UmbrellaLeadReceived, uuid_of(&gid)).await.len(), 1);
}

#[tokio::test]
async fn marking_a_lead_umbrella_raises_the_commissions_task_and_unmarking_it_is_a_first_step() {
    let app = TestApp::spawn().await;
    let (jiwei, coord) = (app.login("jiwei").await, app.login("coord").await);
    let gid = register(&app, &coord, lead_input("PUBLIC_REPORT", "VICE", "某歌厅涉黄")).await;
    assert!(tasks_on(&app, TaskKind::UmbrellaLeadReceived, uuid_of(&gid)).await.is_empty(), "ordinary: no task");
    let before = Utc::now();
    app.mutate(&coord, "markLeadUmbrella", json!({ "leadId": gid, "reason": "涉及公职人员" }), "lead { id }").await;
    let after = Utc::now();
    let raised = tasks_on(&app, TaskKind::UmbrellaLeadReceived, uuid_of(&gid)).await;
    assert_eq!(raised.len(), 1, "raised with the marking");
    let (from, to) = (before + Duration::hours(24), after + Duration::hours(24));
    assert!(within(raised[0].due_at, from, to), "24 h after the marking: {}", raised[0].due_at);
    assert!(!sees_task(&app, &coord, raised[0].id).await, "the marking unit does not see the commission's task");

    let unmark = json!({ "leadId": gid, "reason": "不涉及公职人员", "category": "VICE" });
    app.mutate(&jiwei, "unmarkLeadUmbrella", unmark, "lead { id }").await;
    assert_closed_by_system(&app, &raised[0]).await;
}

// --- item 2: major leads reported at once

#[tokio::test]
async fn registering_a_major_lead_raises_the_coordination_offices_two_hour_report() {
    let app = TestApp::spawn().await;
    let (coord, police) = (app.login("coord").await, app.login("police").await);
    let mut socket = subscribe_to(&app, &coord, "subscription { taskAssigned { title kind } }").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let gid =
        register(&app, &police, flagged(lead_input("POLICE", "PRIOR_VIOLENCE", "团伙持械寻衅滋事"), "major")).await;
    let event = next_json(&mut socket).await;
    assert_eq!(event["payload"]["data"]["taskAssigned"]["kind"], "MAJOR_LEAD_REPORT", "{event}");
    assert_eq!(event["payload"]["data"]["taskAssigned"]["title"], MAJOR_TITLE);

    let lead = stored(&app, &gid).await;
    let raised = tasks_on(&app, TaskKind::MajorLeadReport, lead.id).await;
    assert_eq!(raised.len(), 1);
    let office = app.unit_id("清河镇扫黑办").await;
    assert_eq!((raised[0].creating_unit_id, raised[0].assignee_unit_id), (office, office));
    assert_eq!(raised[0].due_at, lead.created_at + Duration::hours(2), "due 2 h after registration");
    assert!(tasks_on(&app, TaskKind::UmbrellaLeadReceived, lead.id).await.is_empty(), "an ordinary lead");
    assert!(sees_task(&app, &coord, raised[0].id).await);
    assert!(!sees_task(&app, &police, raised[0].id).await);

    // `major` is handling: the police (who received it) and the office read it.
    let query = "query($id: ID!) { lead(id: $id) { major viewerCan { markMajor } } }";
    for token in [&coord, &police] {
        let body = app.gql(Some(token), query, json!({ "id": gid })).await;
        assert_eq!(body["data"]["lead"]["major"], true, "{body}");
    }
    // The office reports it: the task is its own to start, submit and accept.
    let task = global_id("Task", raised[0].id);
    for (mutation, status) in [("startTask", "IN_PROGRESS"), ("submitTask", "SUBMITTED"), ("acceptTask", "ACCEPTED")] {
        let query = "query($id: ID!) { node(id: $id) { ... on Task { version } } }";
        let version = app.gql(Some(&coord), query, json!({ "id": task })).await["data"]["node"]["version"].clone();
        let input = json!({ "taskId": task, "expectedVersion": version });
        let done = app.mutate_typed(&coord, mutation, "TaskStepInput", input, "task { status }").await;
        assert_eq!(done["task"]["status"], status);
    }
}

#[tokio::test]
async fn a_major_lead_report_is_overdue_a_second_after_2_hours_and_not_before() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let gid =
        register(&app, &coord, flagged(lead_input("PUBLIC_REPORT", "PRIOR_VIOLENCE", "团伙持械寻衅滋事"), "major"))
            .await;
    let raised = tasks_on(&app, TaskKind::MajorLeadReport, uuid_of(&gid)).await;
    assert_eq!(raised.len(), 1);
    assert_overdue_after(&app, &coord, &raised[0], Duration::hours(2)).await;
}

#[tokio::test]
async fn a_major_umbrella_lead_is_reported_by_the_discipline_commission_alone() {
    let app = TestApp::spawn().await;
    let (jiwei, coord, dongzhuang) =
        (app.login("jiwei").await, app.login("coord").await, app.login("dongzhuang").await);
    let gid = register(
        &app,
        &dongzhuang,
        flagged(lead_input("VILLAGE", "PROTECTIVE_UMBRELLA", "村干部为赌场充当保护伞"), "major"),
    )
    .await;
    let raised = tasks_on(&app, TaskKind::MajorLeadReport, uuid_of(&gid)).await;
    assert_eq!(raised.len(), 1);
    let jiwei_unit = app.unit_id("清河镇纪委").await;
    assert_eq!((raised[0].creating_unit_id, raised[0].assignee_unit_id), (jiwei_unit, jiwei_unit));
    assert!(sees_task(&app, &jiwei, raised[0].id).await);
    assert!(!sees_task(&app, &coord, raised[0].id).await);
    assert!(!sees_task(&app, &dongzhuang, raised[0].id).await);
}

#[tokio::test]
async fn whoever_reads_the_submission_marks_a_lead_major_once_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let (dongzhuang, xizhuang, coord, jiwei, admin) = (
        app.login("dongzhuang").await,
        app.login("xizhuang").await,
        app.login("coord").await,
        app.login("jiwei").await,
        app.login("admin").await,
    );
    let gid = register(&app, &dongzhuang, lead_input("VILLAGE", "VICE", "有人聚众赌博")).await;
    let mark = |token: String| {
        let gid = gid.clone();
        let app = &app;
        async move {
            let query = "mutation($i: MarkLeadMajorInput!) { markLeadMajor(input: $i) { lead { id major } } }";
            app.gql(Some(&token), query, json!({ "i": { "leadId": gid, "reason": "涉枪" } })).await
        }
    };
    // Hidden rows are missing; the admin reads no case data.
    for token in [&xizhuang, &jiwei, &admin] {
        let body = mark(token.clone()).await;
        assert!(matches!(error_code(&body), Some("NOT_FOUND") | Some("FORBIDDEN")), "{body}");
    }
    assert_eq!(error_code(&mark(xizhuang.clone()).await), Some("NOT_FOUND"), "another village's lead is missing");
    assert!(tasks_on(&app, TaskKind::MajorLeadReport, uuid_of(&gid)).await.is_empty(), "nothing written");

    // The village reads its lead's submission: it may mark it, but reads no handling.
    let first = mark(dongzhuang.clone()).await;
    assert!(first["errors"].is_null(), "{first}");
    assert!(first["data"]["markLeadMajor"]["lead"]["major"].is_null(), "major is handling: {first}");
    let raised = tasks_on(&app, TaskKind::MajorLeadReport, uuid_of(&gid)).await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].assignee_unit_id, app.unit_id("清河镇扫黑办").await);
    // Marking again answers the same and writes nothing: the village may not learn it was major.
    let again = mark(dongzhuang.clone()).await;
    assert_eq!(again, first);
    assert_eq!(tasks_on(&app, TaskKind::MajorLeadReport, uuid_of(&gid)).await.len(), 1);
    let body = app.gql(Some(&coord), "query($id: ID!) { lead(id: $id) { major } }", json!({ "id": gid })).await;
    assert_eq!(body["data"]["lead"]["major"], true, "{body}");
    // The coordinator may not mark an umbrella lead, whose submission it does not read.
    let umbrella = register(&app, &coord, lead_input("PUBLIC_REPORT", "PROTECTIVE_UMBRELLA", "干部充当保护伞")).await;
    let query = "mutation($i: MarkLeadMajorInput!) { markLeadMajor(input: $i) { lead { id } } }";
    let body = app.gql(Some(&coord), query, json!({ "i": { "leadId": umbrella, "reason": "重大" } })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.gql(Some(&coord), query, json!({ "i": { "leadId": gid, "reason": " " } })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.reason", "{body}");
}

#[tokio::test]
async fn a_major_lead_that_turns_umbrella_takes_its_report_to_the_commission() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let gid =
        register(&app, &coord, flagged(lead_input("PUBLIC_REPORT", "PRIOR_VIOLENCE", "团伙持械寻衅滋事"), "major"))
            .await;
    let before = tasks_on(&app, TaskKind::MajorLeadReport, uuid_of(&gid)).await;
    app.mutate(&coord, "markLeadUmbrella", json!({ "leadId": gid, "reason": "涉及公职人员" }), "lead { id }").await;
    let after = tasks_on(&app, TaskKind::MajorLeadReport, uuid_of(&gid)).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(reload(&app, &before[0]).await.status, TaskStatus::Cancelled);
    let new = after.iter().find(|t| t.id != before[0].id).unwrap();
    let jiwei_unit = app.unit_id("清河镇纪委").await;
    assert_eq!((new.assignee_unit_id, new.due_at), (jiwei_unit, before[0].due_at), "the same 2 h deadline");
}

/// The serials among a `leads` answer.
fn serials(body: &Value) -> Vec<String> {
    let nodes = body["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
    nodes.iter().map(|n| n["serial"].as_str().unwrap().to_owned()).collect()
}

async fn leads(app: &TestApp, token: &str, filter: Value) -> Value {
    let query = "query($f: LeadFilter) { leads(first: 100, filter: $f) { totalCount nodes { serial } } }";
    app.gql(Some(token), query, json!({ "f": filter })).await
}

#[tokio::test]
async fn the_major_filter_is_guarded_by_handling_on_each_row() {
    let app = TestApp::spawn().await;
    let (coord, jiwei, dongzhuang) =
        (app.login("coord").await, app.login("jiwei").await, app.login("dongzhuang").await);
    let ordinary = flagged(lead_input("PUBLIC_REPORT", "PRIOR_VIOLENCE", "团伙持械寻衅滋事"), "major");
    let ordinary = stored(&app, &register(&app, &coord, ordinary).await).await.serial;
    let umbrella = flagged(lead_input("PUBLIC_REPORT", "PROTECTIVE_UMBRELLA", "干部充当保护伞"), "major");
    let umbrella = stored(&app, &register(&app, &coord, umbrella).await).await.serial;

    let major = serials(&leads(&app, &coord, json!({ "major": true })).await);
    assert!(major.contains(&ordinary) && !major.contains(&umbrella), "{major:?}");
    // The umbrella lead's handling is hidden from the office: it matches neither value.
    let not_major = serials(&leads(&app, &coord, json!({ "major": false })).await);
    assert!(!not_major.contains(&ordinary) && !not_major.contains(&umbrella), "{not_major:?}");
    let major = serials(&leads(&app, &jiwei, json!({ "major": true })).await);
    assert!(major.contains(&umbrella) && !major.contains(&ordinary), "{major:?}");
    // A village holds handling on no lead: the filter is refused before any query.
    assert_eq!(error_code(&leads(&app, &dongzhuang, json!({ "major": true })).await), Some("FORBIDDEN"));
}

// --- item 8 (part): text search and serial lookup

#[tokio::test]
async fn the_commission_finds_umbrella_leads_by_summary_content_and_subjects_names() {
    let app = TestApp::spawn().await;
    let (jiwei, police) = (app.login("jiwei").await, app.login("police").await);
    // A person of the ledger, named as the subject of an umbrella lead: the commission reads it.
    let people = app.gql(Some(&police), "{ people(first: 1) { nodes { id name } } }", json!({})).await;
    let person = people["data"]["people"]["nodes"][0].clone();
    let mut input = lead_input("POLICE", "PROTECTIVE_UMBRELLA", "Zeta干部包庇赌场");
    input["content"] = json!("详情：每月收取好处费100%返还");
    input["subjectNames"] = json!(["欧阳某某"]);
    input["subjectPersonIds"] = json!([person["id"]]);
    let serial = stored(&app, &register(&app, &police, input).await).await.serial;
    let other = stored(&app, &register(&app, &police, lead_input("POLICE", "PROTECTIVE_UMBRELLA", "另一线索")).await)
        .await
        .serial;

    let name = person["name"].as_str().unwrap();
    for text in ["干部包庇", "zeta", "ZETA", "收取好处", "欧阳", name, "100%"] {
        let found = serials(&leads(&app, &jiwei, json!({ "text": text })).await);
        assert!(found.contains(&serial), "{text}: {found:?}");
        assert!(!found.contains(&other), "{text}: {found:?}");
    }
    // Wildcards are taken literally: `%` is in the content, `_` nowhere.
    let found = serials(&leads(&app, &jiwei, json!({ "text": "%" })).await);
    assert!(found.contains(&serial) && !found.contains(&other), "{found:?}");
    for text in ["_", "干部_庇"] {
        let found = serials(&leads(&app, &jiwei, json!({ "text": text })).await);
        assert!(!found.contains(&serial) && !found.contains(&other), "{text}: {found:?}");
    }
}

#[tokio::test]
async fn a_text_search_matches_only_where_the_viewer_reads_the_submission() {
    let app = TestApp::spawn().await;
    let (coord, jiwei, police) = (app.login("coord").await, app.login("jiwei").await, app.login("police").await);
    let umbrella =
        stored(&app, &register(&app, &coord, lead_input("PUBLIC_REPORT", "PROTECTIVE_UMBRELLA", "暗号甲乙丙")).await)
            .await
            .serial;
    let ordinary =
        stored(&app, &register(&app, &coord, lead_input("PUBLIC_REPORT", "VICE", "暗号甲乙丁")).await).await.serial;
    // The office reads the umbrella lead's shell, not its submission: a match there is as if
    // the text matched nothing on that row.
    let seen = leads(&app, &coord, json!({ "text": "暗号甲乙" })).await;
    assert_eq!(serials(&seen), vec![ordinary.clone()], "{seen}");
    let only_umbrella = leads(&app, &coord, json!({ "text": "暗号甲乙丙" })).await;
    let nothing = leads(&app, &coord, json!({ "text": "从未出现的文字" })).await;
    assert_eq!(only_umbrella, nothing, "the same answer as a text found nowhere");
    assert_eq!(serials(&leads(&app, &jiwei, json!({ "text": "暗号甲乙" })).await), vec![umbrella]);
    // The police read neither lead (received by the office, assigned to nobody).
    assert!(serials(&leads(&app, &police, json!({ "text": "暗号甲乙" })).await).is_empty());
    // The admin lists no lead at all.
    let admin = app.login("admin").await;
    assert_eq!(error_code(&leads(&app, &admin, json!({ "text": "暗号" })).await), Some("FORBIDDEN"));
}

#[tokio::test]
async fn a_lead_is_found_by_its_serial_and_a_hidden_one_is_missing() {
    let app = TestApp::spawn().await;
    let (dongzhuang, xizhuang, jiwei, coord) = (
        app.login("dongzhuang").await,
        app.login("xizhuang").await,
        app.login("jiwei").await,
        app.login("coord").await,
    );
    let own =
        stored(&app, &register(&app, &dongzhuang, lead_input("VILLAGE", "VICE", "有人聚众赌博")).await).await.serial;
    let umbrella = stored(
        &app,
        &register(&app, &dongzhuang, lead_input("VILLAGE", "PROTECTIVE_UMBRELLA", "干部充当保护伞")).await,
    )
    .await
    .serial;
    assert_eq!(serials(&leads(&app, &dongzhuang, json!({ "serial": own })).await), vec![own.clone()]);
    assert_eq!(serials(&leads(&app, &jiwei, json!({ "serial": umbrella })).await), vec![umbrella.clone()]);
    // The office reads every shell of the town, umbrella ones too.
    assert_eq!(serials(&leads(&app, &coord, json!({ "serial": umbrella })).await), vec![umbrella.clone()]);
    // Another village's lead is missing, exactly like a serial never given.
    let hidden = leads(&app, &xizhuang, json!({ "serial": own })).await;
    let missing = leads(&app, &xizhuang, json!({ "serial": "2099-9999" })).await;
    assert_eq!(hidden, missing);
    assert_eq!(hidden["data"]["leads"]["totalCount"], 0);
    // The commission reads umbrella leads only.
    assert!(serials(&leads(&app, &jiwei, json!({ "serial": own })).await).is_empty());
}
