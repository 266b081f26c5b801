//! For mobile clients (issue 14, item 5): `updatedAt` and the `changedSince` filter, a task's
//! assignee user and `assignedToMe`, `expectedVersion` on every task step, and `taskUpdated`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use entity::{app_user, lead, person, risk_item, task, venue};
use pingan_tests::schema::USERS;
use pingan_tests::{TestApp, error_code, global_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::subscriptions::{Socket, next_json, subscribe_to};

/// The lists a client syncs.
const LISTS: [&str; 6] = ["people", "venues", "leads", "riskItems", "tasks", "myTasks"];

/// Marks every third row of a table changed at `at`, straight in the database; returns how many.
macro_rules! touch {
    ($db:expr, $m:ident, $at:expr) => {{
        let rows = $m::Entity::find().order_by_asc($m::Column::Id).all($db).await.unwrap();
        let ids: Vec<Uuid> = rows.into_iter().map(|r| r.id).step_by(3).collect();
        let at: DateTime<Utc> = $at;
        let update = $m::Entity::update_many().col_expr($m::Column::UpdatedAt, Expr::value(at));
        update.filter($m::Column::Id.is_in(ids.clone())).exec($db).await.unwrap();
        ids.len()
    }};
}

/// Every row of a list as (id, updatedAt), walking its pages; `Err(code)` when refused.
async fn walk(app: &TestApp, token: &str, list: &str, filter: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let query = format!(
            "query($a: String) {{ {list}(first: 100, after: $a{filter}) {{ nodes {{ id updatedAt }} pageInfo {{ hasNextPage endCursor }} }} }}"
        );
        let body = app.gql(Some(token), &query, json!({ "a": after })).await;
        if let Some(code) = error_code(&body) {
            return Err(code.to_owned());
        }
        let page = &body["data"][list];
        for node in page["nodes"].as_array().unwrap_or_else(|| panic!("{list}: {body}")) {
            rows.push((node["id"].as_str().unwrap().to_owned(), node["updatedAt"].as_str().map(str::to_owned)));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return Ok(rows);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn changed_since_gives_exactly_the_rows_changed_after_the_instant_that_the_viewer_sees_whole() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    // The demo world was written just now; a third of every table changes an hour from now.
    let since = Utc::now() + Duration::minutes(30);
    let later = Utc::now() + Duration::hours(1);
    let touched = [
        touch!(db, person, later),
        touch!(db, venue, later),
        touch!(db, lead, later),
        touch!(db, risk_item, later),
        touch!(db, task, later),
    ];
    assert!(touched.iter().all(|n| *n > 0), "every table has rows: {touched:?}");
    let filter = format!(", filter: {{ changedSince: \"{}\" }}", since.to_rfc3339());
    let mut matched: BTreeMap<&str, usize> = BTreeMap::new();
    for user in USERS {
        let token = app.login(user).await;
        for list in LISTS {
            let all = walk(&app, &token, list, "").await;
            let Ok(all) = all else { continue };
            // Independently of the filter: the rows of the whole list whose updatedAt the viewer
            // reads (it holds every group there) and that lies after the instant.
            let expected: BTreeSet<String> = all
                .iter()
                .filter(|(_, at)| at.as_deref().is_some_and(|at| instant(at) > since))
                .map(|(id, _)| id.clone())
                .collect();
            match walk(&app, &token, list, &filter).await {
                Ok(rows) => {
                    let got: BTreeSet<String> = rows.iter().map(|(id, _)| id.clone()).collect();
                    assert_eq!(got.len(), rows.len(), "{user} {list}: no row twice across pages");
                    assert_eq!(got, expected, "{user} {list}");
                    *matched.entry(list).or_default() += got.len();
                }
                Err(code) => {
                    assert_eq!(code, "FORBIDDEN", "{user} {list}");
                    // Refused only where the viewer holds some group on no row, so it reads the
                    // updatedAt of none.
                    assert!(all.iter().all(|(_, at)| at.is_none()), "{user} {list}: refused but reads updatedAt");
                }
            }
        }
    }
    for list in LISTS {
        assert!(matched.get(list).copied().unwrap_or(0) > 0, "some viewer syncs {list}: {matched:?}");
    }
}

#[tokio::test]
async fn changed_since_never_tells_of_a_change_to_a_group_the_viewer_lacks() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    // An umbrella lead: the coordinator reads its shell only, the discipline commission all of it.
    let umbrella = lead::Entity::find().filter(lead::Column::Umbrella.eq(true)).one(db).await.unwrap().unwrap();
    let since = Utc::now() + Duration::minutes(30);
    let at = Utc::now() + Duration::hours(1);
    let update = lead::Entity::update_many().col_expr(lead::Column::UpdatedAt, Expr::value(at));
    update.filter(lead::Column::Id.eq(umbrella.id)).exec(db).await.unwrap();
    let id = global_id("Lead", umbrella.id);
    let filter = format!(", filter: {{ changedSince: \"{}\" }}", since.to_rfc3339());
    let coord = app.login("coord").await;
    let seen = walk(&app, &coord, "leads", "").await.unwrap();
    let row = seen.iter().find(|(i, _)| *i == id).expect("the coordinator lists umbrella leads");
    assert_eq!(row.1, None, "updatedAt is hidden where a group is");
    let changed = walk(&app, &coord, "leads", &filter).await.unwrap();
    assert!(!changed.iter().any(|(i, _)| *i == id), "no oracle on the hidden change");
    let jiwei = app.login("jiwei").await;
    let changed = walk(&app, &jiwei, "leads", &filter).await.unwrap();
    assert_eq!(changed.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(), [id.as_str()], "the holder syncs it");
}

const CREATE: &str = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id version status } } }";
const FIELDS: &str = "id version status updatedAt assigneeUser { id displayName }";

async fn user_id(app: &TestApp, username: &str) -> String {
    let user = app_user::Entity::find().filter(app_user::Column::Username.eq(username)).one(&app.state.db).await;
    global_id("User", user.unwrap().unwrap().id)
}

pub(crate) async fn new_task(app: &TestApp, coord: &str, unit: &str, extra: Value) -> (String, i64) {
    let mut input = json!({ "title": "督办：夜市治安整治", "assigneeUnitId": global_id("OrgUnit", app.unit_id(unit).await), "dueAt": "2099-01-01T00:00:00Z" });
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let body = app.gql(Some(coord), CREATE, json!({ "i": input })).await;
    let task = &body["data"]["createTask"]["task"];
    (task["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned(), task["version"].as_i64().unwrap())
}

/// Runs a task mutation; the task after it, or the error code.
pub(crate) async fn run(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input_type: &str,
    input: Value,
) -> Result<Value, String> {
    let query = format!("mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ task {{ {FIELDS} }} }} }}");
    let body = app.gql(Some(token), &query, json!({ "i": input })).await;
    match error_code(&body) {
        Some(code) => Err(code.to_owned()),
        None => Ok(body["data"][mutation]["task"].clone()),
    }
}

async fn task_now(app: &TestApp, token: &str, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ node(id: $id) {{ ... on Task {{ {FIELDS} }} }} }}");
    app.gql(Some(token), &query, json!({ "id": id })).await["data"]["node"].clone()
}

#[tokio::test]
async fn every_task_step_takes_expected_version_and_a_stale_one_is_a_conflict_that_writes_nothing() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let (id, mut version) = new_task(&app, &coord, "清河派出所", json!({})).await;
    let me = user_id(&app, "police").await;
    // (who, mutation, input type, extra input, status after)
    let steps: [(&str, &str, &str, Value, &str); 9] = [
        (&police, "assignTaskToUser", "AssignTaskToUserInput", json!({ "userId": me }), "OPEN"),
        (&coord, "setTaskListed", "SetTaskListedInput", json!({ "listed": true }), "OPEN"),
        (&police, "startTask", "TaskStepInput", json!({}), "IN_PROGRESS"),
        (&police, "addTaskFeedback", "TaskStepInput", json!({ "body": "已巡查" }), "IN_PROGRESS"),
        (&police, "submitTask", "TaskStepInput", json!({}), "SUBMITTED"),
        (&coord, "returnTask", "TaskStepInput", json!({ "body": "缺少照片" }), "IN_PROGRESS"),
        (&police, "submitTask", "TaskStepInput", json!({}), "SUBMITTED"),
        (&coord, "acceptTask", "TaskStepInput", json!({}), "ACCEPTED"),
        (&coord, "cancelTask", "TaskStepInput", json!({}), "ACCEPTED"),
    ];
    for (who, mutation, input_type, extra, status) in steps {
        let before = task_now(&app, &coord, &id).await;
        let input = |v: i64| {
            let mut i = json!({ "taskId": id, "expectedVersion": v });
            i.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            i
        };
        let stale = run(&app, who, mutation, input_type, input(version - 1)).await;
        assert_eq!(stale.err().as_deref(), Some("CONFLICT"), "{mutation} with a stale version");
        assert_eq!(task_now(&app, &coord, &id).await, before, "{mutation}: nothing written");
        if mutation == "cancelTask" {
            // A closed task: a conflict whatever the version.
            continue;
        }
        let done =
            run(&app, who, mutation, input_type, input(version)).await.unwrap_or_else(|e| panic!("{mutation}: {e}"));
        assert_eq!(done["status"], status, "{mutation}");
        assert_eq!(done["version"].as_i64().unwrap(), version + 1, "{mutation} bumps the version");
        assert!(instant(done["updatedAt"].as_str().unwrap()) >= instant(before["updatedAt"].as_str().unwrap()));
        version += 1;
    }
}

#[tokio::test]
async fn a_task_is_assigned_in_person_within_its_unit_and_assigned_to_me_finds_it() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let me = user_id(&app, "police").await;
    let outsider = user_id(&app, "dongzhuang").await;
    let bad = app
        .gql(Some(&coord), CREATE, json!({ "i": { "title": "督办", "assigneeUnitId": global_id("OrgUnit", app.unit_id("清河派出所").await), "dueAt": "2099-01-01T00:00:00Z", "assigneeUserId": outsider } }))
        .await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "input.assigneeUserId");
    let (mine, _) = new_task(&app, &coord, "清河派出所", json!({ "assigneeUserId": me })).await;
    let (unit_wide, unit_version) = new_task(&app, &coord, "清河派出所", json!({})).await;
    assert_eq!(task_now(&app, &police, &mine).await["assigneeUser"]["id"], me.as_str());

    let assigned = |flag: bool| format!(", filter: {{ assignedToMe: {flag} }}");
    for list in ["tasks", "myTasks"] {
        let to_me: Vec<String> =
            walk(&app, &police, list, &assigned(true)).await.unwrap().into_iter().map(|r| r.0).collect();
        assert!(to_me.contains(&mine) && !to_me.contains(&unit_wide), "{list}: {to_me:?}");
        let not_me: Vec<String> =
            walk(&app, &police, list, &assigned(false)).await.unwrap().into_iter().map(|r| r.0).collect();
        assert!(!not_me.contains(&mine) && not_me.contains(&unit_wide), "{list}");
    }

    // The assignee unit assigns in person within itself; nobody else may.
    let input = |user: &str| json!({ "taskId": unit_wide, "userId": user, "expectedVersion": unit_version });
    let other_unit = run(&app, &police, "assignTaskToUser", "AssignTaskToUserInput", input(&outsider)).await;
    assert_eq!(other_unit.err().as_deref(), Some("BAD_USER_INPUT"));
    let by_creator = run(&app, &coord, "assignTaskToUser", "AssignTaskToUserInput", input(&me)).await;
    assert_eq!(by_creator.err().as_deref(), Some("FORBIDDEN"));
    let sifa = app.login("sifa").await;
    let hidden = run(&app, &sifa, "assignTaskToUser", "AssignTaskToUserInput", input(&me)).await;
    assert_eq!(hidden.err().as_deref(), Some("NOT_FOUND"));
    let done = run(&app, &police, "assignTaskToUser", "AssignTaskToUserInput", input(&me)).await.unwrap();
    assert_eq!(done["assigneeUser"]["id"], me.as_str());
    let to_me: Vec<String> =
        walk(&app, &police, "myTasks", &assigned(true)).await.unwrap().into_iter().map(|r| r.0).collect();
    assert!(to_me.contains(&unit_wide));
}

pub(crate) async fn updates(app: &TestApp, username: &str) -> Socket {
    let query = "subscription { taskUpdated { change task { id title status } } }";
    subscribe_to(app, &app.login(username).await, query).await
}

/// The next `taskUpdated` event: (change, task title).
pub(crate) async fn next_update(socket: &mut Socket) -> (String, String) {
    let event = next_json(socket).await;
    let update = &event["payload"]["data"]["taskUpdated"];
    let change = update["change"].as_str().unwrap_or_else(|| panic!("{event}")).to_owned();
    (change, update["task"]["title"].as_str().unwrap().to_owned())
}

/// Starts a task as its assignee (version 1, just created).
pub(crate) async fn start(app: &TestApp, token: &str, id: &str) {
    let input = json!({ "taskId": id, "expectedVersion": 1 });
    run(app, token, "startTask", "TaskStepInput", input).await.expect("started");
}

/// Each `taskUpdated` event reads the task's relations as they stand at that event: the second
/// step's event lists both steps, not what the first event read.
#[tokio::test]
async fn each_task_update_reads_the_tasks_events_anew() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let query = "subscription { taskUpdated { change task { id events { kind } } } }";
    let mut at_coord = subscribe_to(&app, &coord, query).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let input = json!({ "i": { "title": "督办：逐次读取", "assigneeUnitId": global_id("OrgUnit", app.unit_id("清河派出所").await), "dueAt": "2099-01-01T00:00:00Z" } });
    let body = app.gql(Some(&coord), CREATE, input).await;
    let id = body["data"]["createTask"]["task"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let kinds = |event: &Value| -> Vec<String> {
        let update = &event["payload"]["data"]["taskUpdated"];
        let events = update["task"]["events"].as_array().unwrap_or_else(|| panic!("{event}"));
        events.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
    };
    start(&app, &police, &id).await;
    let first = next_json(&mut at_coord).await;
    assert_eq!(first["payload"]["data"]["taskUpdated"]["change"], "STARTED", "{first}");
    let cancel = json!({ "taskId": id, "expectedVersion": 2, "body": "另行安排" });
    run(&app, &coord, "cancelTask", "TaskStepInput", cancel).await.expect("cancelled");
    let second = next_json(&mut at_coord).await;
    assert_eq!(second["payload"]["data"]["taskUpdated"]["change"], "CANCELLED", "{second}");
    assert_eq!(kinds(&second).len(), kinds(&first).len() + 1, "{first} then {second}");
    assert!(kinds(&second).iter().any(|k| k == "CANCELLED"), "the step of the event itself: {second}");
}

#[tokio::test]
async fn task_updated_reaches_the_creator_and_assignee_units_and_never_another_unit_or_town() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let mut at_coord = updates(&app, "coord").await;
    let mut at_police = updates(&app, "police").await;
    let mut at_sifa = updates(&app, "sifa").await;
    let mut at_dongzhuang = updates(&app, "dongzhuang").await;
    let mut at_liulin = updates(&app, "liulin_coord").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let input = |title: &str, unit: Uuid| json!({ "i": { "title": title, "assigneeUnitId": global_id("OrgUnit", unit), "dueAt": "2099-01-01T00:00:00Z" } });
    let body = app.gql(Some(&coord), CREATE, input("督办：派出所", app.unit_id("清河派出所").await)).await;
    let id = body["data"]["createTask"]["task"]["id"].as_str().unwrap().to_owned();
    start(&app, &police, &id).await;
    let cancel = json!({ "taskId": id, "expectedVersion": 2, "body": "另行安排" });
    run(&app, &coord, "cancelTask", "TaskStepInput", cancel).await.expect("cancelled");
    for socket in [&mut at_coord, &mut at_police] {
        assert_eq!(next_update(socket).await, ("STARTED".to_owned(), "督办：派出所".to_owned()));
        assert_eq!(next_update(socket).await, ("CANCELLED".to_owned(), "督办：派出所".to_owned()));
    }

    // Each outsider's first event is a step on its own unit's task: the earlier ones never came.
    for (username, unit, socket) in [("sifa", "清河司法所", &mut at_sifa), ("dongzhuang", "东庄村", &mut at_dongzhuang)]
    {
        let title = format!("督办：{unit}");
        let body = app.gql(Some(&coord), CREATE, input(&title, app.unit_id(unit).await)).await;
        let own = body["data"]["createTask"]["task"]["id"].as_str().unwrap().to_owned();
        start(&app, &app.login(username).await, &own).await;
        assert_eq!(next_update(socket).await, ("STARTED".to_owned(), title));
    }
    let liulin = app.login("liulin_coord").await;
    let body = app.gql(Some(&liulin), CREATE, input("督办：柳林", app.unit_id("柳林派出所").await)).await;
    let own = body["data"]["createTask"]["task"]["id"].as_str().unwrap().to_owned();
    start(&app, &app.login("liulin_police").await, &own).await;
    assert_eq!(next_update(&mut at_liulin).await, ("STARTED".to_owned(), "督办：柳林".to_owned()));
}

#[tokio::test]
async fn a_task_a_rule_closes_reaches_task_updated_as_it_closes() {
    let app = TestApp::spawn().await;
    let mut at_dongzhuang = updates(&app, "dongzhuang").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // 东庄村 registers a lead (the rule raises its transfer task) and transfers it: the duty is
    // done, and the task closes with the write. Raising is `taskAssigned`'s, not this stream's.
    let dongzhuang = app.login("dongzhuang").await;
    let lead = json!({ "source": "VILLAGE", "category": "VICE", "summary": "有人收保护费", "receivedAt": "2026-01-05T09:00:00+08:00" });
    let registered = app.mutate(&dongzhuang, "registerLead", lead, "lead { id }").await;
    let transfer = "mutation($id: ID!) { transferLead(input: { leadId: $id }) { lead { status } } }";
    let moved = app.gql(Some(&dongzhuang), transfer, json!({ "id": registered["lead"]["id"] })).await;
    assert!(moved["errors"].is_null(), "{moved}");
    // The lead answered the village's half-month report first: that task closed with the
    // registration.
    assert_eq!(next_update(&mut at_dongzhuang).await, ("ACCEPTED".to_owned(), "村级线索半月报".to_owned()));
    assert_eq!(next_update(&mut at_dongzhuang).await, ("ACCEPTED".to_owned(), "线索当日移交扫黑办".to_owned()));
}
