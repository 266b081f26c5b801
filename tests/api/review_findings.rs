//! The leaks a review of the landed code found (issue 12, "What was found"), each reproduced as
//! the behaviour access.md and api.md promise. Every test here failed before its fix.

use std::collections::BTreeSet;

use base64::Engine as _;
use chrono::Utc;
use entity::enums::LeadStatus;
use entity::{audit_log, lead, person, task, venue};
use futures_util::future::join_all;
use pingan_tests::sheets::{csv_rows, download};
use pingan_tests::{PASSWORD, TestApp, error_code, global_id, uuid_of};
use rust_xlsxwriter::Workbook;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

// --- Finding 1: the `overdue` filter and hidden handling -------------------------------------

const LEADS: &str = "query($f: LeadFilter) { leads(filter: $f, first: 100) {
  totalCount nodes { id serial isUmbrella overdue viewerCan { readHandling } } } }";

/// The viewer's leads under `filter`, all on one page.
async fn leads(app: &TestApp, token: &str, filter: Value) -> (i64, Vec<Value>) {
    let body = app.gql(Some(token), LEADS, json!({ "f": filter })).await;
    let total = body["data"]["leads"]["totalCount"].as_i64().unwrap_or_else(|| panic!("{filter}: {body}"));
    let nodes = body["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{filter}: {body}")).clone();
    assert_eq!(nodes.len() as i64, total, "one page holds them all: {body}");
    (total, nodes)
}

/// Puts the deadline of every lead under verification in 清河镇 a day in the past: ordinary
/// leads of the police and the judicial office and an umbrella lead become overdue. Returns
/// how many umbrella leads did.
async fn pass_the_verification_deadlines(app: &TestApp) -> usize {
    let town = entity::town::Entity::find()
        .filter(entity::town::Column::Name.eq("清河镇"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("清河镇");
    let verifying = lead::Entity::find()
        .filter(lead::Column::TownId.eq(town.id))
        .filter(lead::Column::Status.eq(LeadStatus::Verifying));
    let umbrella = verifying.clone().filter(lead::Column::Umbrella.eq(true)).count(&app.state.db).await.unwrap();
    lead::Entity::update_many()
        .col_expr(lead::Column::Deadline, Expr::value(Utc::now() - chrono::Duration::days(1)))
        .filter(lead::Column::TownId.eq(town.id))
        .filter(lead::Column::Status.eq(LeadStatus::Verifying))
        .exec(&app.state.db)
        .await
        .unwrap();
    umbrella as usize
}

/// The serials of the unfiltered list a filter `overdue: value` must return (rule 4: the viewer
/// holds `handling` on the row AND the row's `overdue` is `value`).
fn holding_and_overdue(all: &[Value], value: bool) -> BTreeSet<String> {
    all.iter()
        .filter(|l| l["viewerCan"]["readHandling"] == true && l["overdue"] == value)
        .map(|l| l["serial"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_overdue_filter_matches_exactly_the_leads_whose_handling_the_viewer_reads() {
    let app = TestApp::spawn().await;
    assert!(pass_the_verification_deadlines(&app).await > 0, "an umbrella lead is overdue");
    let coord = app.login("coord").await;
    let (_, all) = leads(&app, &coord, json!({})).await;
    assert!(
        all.iter().any(|l| l["viewerCan"]["readHandling"] == false),
        "the demo world shows the coordinator leads whose handling it may not read"
    );
    let mut wrong = Vec::new();
    for user in ["coord", "police", "sifa"] {
        let token = app.login(user).await;
        let (_, all) = leads(&app, &token, json!({})).await;
        for overdue in [false, true] {
            let want = holding_and_overdue(&all, overdue);
            assert!(!want.is_empty(), "{user} has leads with overdue = {overdue}");
            let (_, nodes) = leads(&app, &token, json!({ "overdue": overdue })).await;
            let got: BTreeSet<String> = nodes.iter().map(|l| l["serial"].as_str().unwrap().to_owned()).collect();
            for lead in &nodes {
                // A hidden handling reads as null, so `overdue` must equal the filter's value.
                if lead["viewerCan"]["readHandling"] != true || lead["overdue"] != overdue {
                    wrong.push(format!(
                        "{user} overdue={overdue}: {} matched (umbrella {}, readHandling {}, overdue {})",
                        lead["serial"], lead["isUmbrella"], lead["viewerCan"]["readHandling"], lead["overdue"]
                    ));
                }
            }
            for missing in want.difference(&got) {
                wrong.push(format!("{user} overdue={overdue}: {missing} is missing"));
            }
        }
    }
    assert!(wrong.is_empty(), "the overdue filter is not (handling held AND overdue):\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_overdue_lead_export_holds_the_rows_the_list_counts_and_no_umbrella_lead() {
    let app = TestApp::spawn().await;
    pass_the_verification_deadlines(&app).await;
    let coord = app.login("coord").await;
    let (_, all) = leads(&app, &coord, json!({})).await;
    let umbrella = all.iter().filter(|l| l["isUmbrella"] == true).count();
    assert!(umbrella > 0, "the coordinator sees umbrella leads as shells");
    for overdue in [false, true] {
        let want = holding_and_overdue(&all, overdue).len() as i64;
        let (total, _) = leads(&app, &coord, json!({ "overdue": overdue })).await;
        assert_eq!(
            total, want,
            "overdue: {overdue} counts the leads whose handling the coordinator reads, \
             none of the {umbrella} umbrella leads in its list"
        );
        let path = format!("/export/leads.csv?overdue={overdue}");
        let (status, body) = download(&app, Some(&coord), &path).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(csv_rows(&body).len() as i64 - 1, total, "{path}: data rows vs totalCount");
    }
}

// --- Finding 4: the coordinator imports ------------------------------------------------------

const IMPORT: &str = "mutation($i: ImportInput!, $persons: Boolean!) {
  p: importPersons(input: $i) @include(if: $persons) { rows created }
  v: importVenues(input: $i) @skip(if: $persons) { rows created } }";

/// A workbook with one sheet of rows.
fn book(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// `people` or `venues` totalCount as the police, who read every row of the town.
async fn police_count(app: &TestApp, field: &str) -> i64 {
    let token = app.login("police").await;
    let body = app.gql(Some(&token), &format!("{{ {field}(first: 1) {{ totalCount }} }}"), json!({})).await;
    body["data"][field]["totalCount"].as_i64().unwrap_or_else(|| panic!("{body}"))
}

async fn coordinator_import_is_refused(persons: bool, file: Vec<u8>) {
    let app = TestApp::spawn().await;
    let field = if persons { "people" } else { "venues" };
    let before = police_count(&app, field).await;
    let rows_before = (
        person::Entity::find().count(&app.state.db).await.unwrap(),
        venue::Entity::find().count(&app.state.db).await.unwrap(),
    );
    let coord = app.login("coord").await;
    let input = json!({ "content": base64::engine::general_purpose::STANDARD.encode(&file) });
    let body = app.gql(Some(&coord), IMPORT, json!({ "i": input, "persons": persons })).await;
    assert_eq!(police_count(&app, field).await, before, "the coordinator's import wrote {field}: {body}");
    let rows_after = (
        person::Entity::find().count(&app.state.db).await.unwrap(),
        venue::Entity::find().count(&app.state.db).await.unwrap(),
    );
    assert_eq!(rows_after, rows_before, "(persons, venues) rows: {body}");
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn the_coordinator_may_not_import_persons() {
    let file = book(&[
        &["姓名", "身份证号", "村（社区）", "关注等级", "人员类别", "出生日期"],
        &["甲一", "110101199003070011", "东庄村", "KEY", "VICE", "1990-03-07"],
    ]);
    coordinator_import_is_refused(true, file).await;
}

#[tokio::test]
async fn the_coordinator_may_not_import_venues() {
    let file = book(&[
        &["场所名称", "场所类型", "地址", "村（社区）", "关注等级"],
        &["东庄新开棋牌室", "ENTERTAINMENT", "东庄村中街1号", "东庄村", "GENERAL"],
    ]);
    coordinator_import_is_refused(false, file).await;
}

// --- Finding 8: tasks on umbrella leads ------------------------------------------------------

const CREATE_TASK: &str = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }";

#[tokio::test]
async fn a_coordinators_task_on_an_umbrella_lead_fails_like_one_on_a_missing_lead() {
    let app = TestApp::spawn().await;
    let jiwei = app.login("jiwei").await;
    let umbrella =
        app.gql(Some(&jiwei), "{ leads(filter: { isUmbrella: true }, first: 1) { nodes { id } } }", json!({})).await;
    let umbrella_id = umbrella["data"]["leads"]["nodes"][0]["id"].clone();
    assert!(umbrella_id.is_string(), "the demo world has an umbrella lead: {umbrella}");

    let coord = app.login("coord").await;
    let shell =
        app.gql(Some(&coord), "query($id: ID!) { lead(id: $id) { isUmbrella } }", json!({ "id": umbrella_id })).await;
    assert_eq!(shell["data"]["lead"]["isUmbrella"], true, "the coordinator sees the shell: {shell}");

    let police_unit = global_id("OrgUnit", app.unit_id("清河派出所").await);
    let input = |target: &Value| json!({ "i": { "title": "督办", "assigneeUnitId": police_unit, "dueAt": "2099-01-01T00:00:00Z", "targetId": target } });
    let tasks_before = task::Entity::find().count(&app.state.db).await.unwrap();
    let missing = app.gql(Some(&coord), CREATE_TASK, input(&json!(global_id("Lead", uuid::Uuid::now_v7())))).await;
    assert!(error_code(&missing).is_some(), "a missing target is refused: {missing}");
    let on_umbrella = app.gql(Some(&coord), CREATE_TASK, input(&umbrella_id)).await;
    let on_target = task::Entity::find()
        .filter(task::Column::TargetId.eq(uuid_of(&umbrella_id)))
        .filter(task::Column::CreatedByUserId.is_not_null())
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        task::Entity::find().count(&app.state.db).await.unwrap(),
        tasks_before,
        "nothing is written ({on_target} tasks by a user on the lead): {on_umbrella}"
    );
    assert_eq!(error_code(&on_umbrella), error_code(&missing), "{on_umbrella} vs {missing}");
    for key in ["message", "extensions"] {
        assert_eq!(on_umbrella["errors"][0][key], missing["errors"][0][key], "{key}");
    }
    assert!(on_umbrella["data"].is_null() || on_umbrella["data"]["createTask"].is_null(), "{on_umbrella}");
}

// --- Finding 10a: denied-access entries stay inside the town ----------------------------------

/// The `access` (denied) audit entries about `id`.
async fn denied_entries(app: &TestApp, id: uuid::Uuid) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("access"))
        .filter(audit_log::Column::ObjectId.eq(id))
        .all(&app.state.db)
        .await
        .unwrap()
}

const PERSON: &str = "query($id: ID!) { person(id: $id) { id name } }";

#[tokio::test]
async fn a_denied_read_is_audited_for_a_hidden_row_of_the_own_town_but_not_of_another_town() {
    let app = TestApp::spawn().await;
    // Of the own town: a village asks for a resident of another village.
    let police = app.login("police").await;
    let people = app.gql(Some(&police), "{ people(first: 100) { nodes { id village { name } } } }", json!({})).await;
    let neighbour = people["data"]["people"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{people}"))
        .iter()
        .find(|p| p["village"]["name"] != "东庄村")
        .expect("a person outside 东庄村")["id"]
        .clone();
    let dongzhuang = app.login("dongzhuang").await;
    let body = app.gql(Some(&dongzhuang), PERSON, json!({ "id": neighbour })).await;
    assert!(body["data"]["person"].is_null(), "{body}");
    let entries = denied_entries(&app, uuid_of(&neighbour)).await;
    assert_eq!(entries.len(), 1, "the attempt on a hidden row of the own town is audited: {entries:?}");
    assert_eq!(entries[0].username, "dongzhuang");

    // Of another town: 清河's police asks for a person of 柳林镇.
    let liulin = app.login("liulin_police").await;
    let theirs = app.gql(Some(&liulin), "{ people(first: 1) { nodes { id } } }", json!({})).await;
    let foreign = theirs["data"]["people"]["nodes"][0]["id"].clone();
    assert!(foreign.is_string(), "柳林镇 has persons: {theirs}");
    let body = app.gql(Some(&police), PERSON, json!({ "id": foreign })).await;
    assert!(body["data"]["person"].is_null(), "{body}");
    let missing = app.gql(Some(&police), PERSON, json!({ "id": global_id("Person", uuid::Uuid::now_v7()) })).await;
    assert_eq!(body, missing, "a row of another town answers like a missing one");
    let entries = denied_entries(&app, uuid_of(&foreign)).await;
    assert!(
        entries.is_empty(),
        "no denied entry tells 清河's audit readers that an id of another town exists: {entries:?}"
    );
}

// --- Finding 6: the login rate limit ---------------------------------------------------------

#[tokio::test]
async fn of_25_parallel_wrong_passwords_at_most_the_limit_are_checked() {
    let app = TestApp::spawn().await;
    let attempts = join_all((0..25).map(|_| app.login_payload("police", "not-the-password"))).await;
    let codes: Vec<Option<&str>> = attempts.iter().map(error_code).collect();
    let checked = codes.iter().filter(|c| **c == Some("UNAUTHENTICATED")).count();
    let limited = codes.iter().filter(|c| **c == Some("RATE_LIMITED")).count();
    assert_eq!(checked + limited, 25, "{codes:?}");
    assert!((1..=5).contains(&checked), "{checked} of 25 passwords were checked, the limit is 5: {codes:?}");
}

#[tokio::test]
async fn one_users_failed_logins_do_not_lock_out_other_users_at_the_same_address() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let body = app.login_payload("xizhuang", "not-the-password").await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let locked = app.login_payload("xizhuang", PASSWORD).await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "the user is locked: {locked}");
    let other = app.login_payload("nanwan", PASSWORD).await;
    assert!(other["data"]["login"]["accessToken"].is_string(), "another user from 127.0.0.1 logs in: {other}");
}

// --- Finding 10b: introspection outside demo mode --------------------------------------------

#[tokio::test]
async fn introspection_is_refused_when_the_configuration_turns_it_off() {
    let app = TestApp::spawn_with(|c| c.introspection = false).await;
    let token = app.login("coord").await;
    let body = app.gql(Some(&token), "{ __schema { types { name } } }", json!({})).await;
    // async-graphql answers a disabled introspection with null, not with an error.
    assert!(body["data"]["__schema"].is_null(), "{body}");
    assert!(!body.to_string().contains("\"Lead\""), "no type names: {body}");
    let typed = app.gql(Some(&token), r#"{ __type(name: "Lead") { fields { name } } }"#, json!({})).await;
    assert!(typed["data"]["__type"].is_null(), "{typed}");
    assert!(!typed.to_string().contains("serial"), "no field names: {typed}");
}
