//! Venue incidents and penalties, the village board, and the coordination office's step-down
//! queue (issue 15, items 6 and 8; seed 000 "被处罚的…列为特别关注场所", "在村公开栏进行公开").
//!
//! Dates straddle each boundary: an incident or penalty 182 days ago blocks a step down, 183
//! days ago does not; a review task is due at the end of the seventh local day after the request.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{TaskKind, TaskStatus, TaskTargetType};
use entity::{task, venue};
use pingan::domain::lead_flow;
use pingan_tests::{TestApp, error_code, uuid_of};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI32, Ordering};
use uuid::Uuid;

const VENUE: &str = "query($id: ID!) { venue(id: $id) { id attentionLevel
  incidents { occurredOn kind summary } penalties { penalisedOn authority penalty decisionNumber }
  levelHistory { id kind status fromLevel toLevel }
  viewerCan { readRecord recordIncident recordPenalty } } }";
const INCIDENT: &str = "mutation($input: RecordVenueIncidentInput!) { recordVenueIncident(input: $input) {
  venue { incidents { occurredOn kind summary } } } }";
const PENALTY: &str = "mutation($input: RecordVenuePenaltyInput!) { recordVenuePenalty(input: $input) {
  venue { attentionLevel penalties { penalisedOn authority penalty decisionNumber }
          levelHistory { kind status fromLevel toLevel } } } }";
const REQUEST: &str = "mutation($input: RequestVenueStepDownInput!) { requestVenueStepDown(input: $input) {
  venue { levelHistory { id kind status } } } }";

static SEQ: AtomicI32 = AtomicI32::new(0);

fn today() -> NaiveDate {
    lead_flow::today()
}

fn days_ago(days: i64) -> String {
    (today() - Duration::days(days)).format("%Y-%m-%d").to_string()
}

async fn village_id(app: &TestApp, token: &str, name: &str) -> String {
    let body = app.gql(Some(token), "{ villages { id name } }", json!({})).await;
    let villages = body["data"]["villages"].as_array().unwrap();
    villages.iter().find(|v| v["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

/// A venue the police list in 西庄村 at `level`, held there `held` days; its global id and uuid.
async fn venue_at(app: &TestApp, police: &str, level: &str, held: i64) -> (String, Uuid) {
    let n = SEQ.fetch_add(1, Ordering::SeqCst);
    let input = json!({ "name": format!("处罚测试场所{n}"), "venueType": "ENTERTAINMENT", "address": "西庄村新街2号",
                        "villageId": village_id(app, police, "西庄村").await, "attentionLevel": level });
    let venue = app.mutate(police, "createVenue", input, "venue { id }").await;
    let uuid = uuid_of(&venue["venue"]["id"]);
    let mut row: venue::ActiveModel = venue::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap().into();
    row.level_since = Set(today() - Duration::days(held));
    row.update(&app.state.db).await.unwrap();
    (venue["venue"]["id"].as_str().unwrap().to_owned(), uuid)
}

fn penalty(venue: &str, on: &str) -> Value {
    json!({ "input": { "venueId": venue, "penalisedOn": on, "authority": "清河派出所",
                       "penalty": "警告并罚款五百元", "decisionNumber": "清公（治）行罚决字〔2026〕7号" } })
}

async fn request(app: &TestApp, police: &str, venue: &str) -> Value {
    app.gql(Some(police), REQUEST, json!({ "input": { "venueId": venue, "reason": "六个月无事" } })).await
}

/// The tasks of `kind` on `target`.
async fn tasks_on(app: &TestApp, kind: TaskKind, target: Uuid) -> Vec<task::Model> {
    task::Entity::find()
        .filter(task::Column::Kind.eq(kind))
        .filter(task::Column::TargetId.eq(target))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_incident_recorded_182_days_ago_blocks_a_step_down_and_183_days_ago_does_not() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (blocked, _) = venue_at(&app, &police, "KEY", 400).await;
    let input =
        json!({ "input": { "venueId": blocked, "occurredOn": days_ago(182), "kind": "警情", "summary": "酒后斗殴" } });
    let body = app.gql(Some(&police), INCIDENT, input).await;
    assert_eq!(body["data"]["recordVenueIncident"]["venue"]["incidents"][0]["summary"], "酒后斗殴", "{body}");
    let refused = request(&app, &police, &blocked).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("within 6 months"), "{refused}");

    let (clean, _) = venue_at(&app, &police, "KEY", 400).await;
    let input =
        json!({ "input": { "venueId": clean, "occurredOn": days_ago(183), "kind": "警情", "summary": "纠纷" } });
    app.gql(Some(&police), INCIDENT, input).await;
    let body = request(&app, &police, &clean).await;
    assert_eq!(body["data"]["requestVenueStepDown"]["venue"]["levelHistory"][0]["status"], "PENDING", "{body}");
}

#[tokio::test]
async fn a_penalty_makes_a_key_venue_special_at_once_with_an_automatic_escalation() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (id, uuid) = venue_at(&app, &police, "KEY", 400).await;
    let body = app.gql(Some(&police), PENALTY, penalty(&id, &days_ago(3))).await;
    let venue = &body["data"]["recordVenuePenalty"]["venue"];
    assert_eq!(venue["attentionLevel"], "SPECIAL", "{body}");
    assert_eq!(
        venue["levelHistory"][0],
        json!({ "kind": "AUTO_ESCALATION", "status": "APPLIED", "fromLevel": "KEY", "toLevel": "SPECIAL" })
    );
    assert_eq!(venue["penalties"][0]["decisionNumber"], "清公（治）行罚决字〔2026〕7号");
    let row = venue::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.level_since, today(), "the SPECIAL level counts from today");

    // A venue already SPECIAL keeps its level and gains no level entry.
    let (special, _) = venue_at(&app, &police, "SPECIAL", 400).await;
    let body = app.gql(Some(&police), PENALTY, penalty(&special, &days_ago(1))).await;
    let venue = &body["data"]["recordVenuePenalty"]["venue"];
    assert_eq!(venue["attentionLevel"], "SPECIAL", "{body}");
    assert_eq!(venue["levelHistory"].as_array().unwrap().len(), 1, "only the initial entry: {body}");
}

#[tokio::test]
async fn a_penalty_182_days_ago_blocks_a_step_down_and_183_days_ago_does_not() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (blocked, _) = venue_at(&app, &police, "SPECIAL", 400).await;
    app.gql(Some(&police), PENALTY, penalty(&blocked, &days_ago(182))).await;
    let refused = request(&app, &police, &blocked).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    let (clean, _) = venue_at(&app, &police, "SPECIAL", 400).await;
    app.gql(Some(&police), PENALTY, penalty(&clean, &days_ago(183))).await;
    let body = request(&app, &police, &clean).await;
    assert_eq!(body["data"]["requestVenueStepDown"]["venue"]["levelHistory"][0]["status"], "PENDING", "{body}");
}

#[tokio::test]
async fn incidents_and_penalties_belong_to_the_record_group_and_only_the_police_record_them() {
    let app = TestApp::spawn().await;
    let (police, coord, xizhuang, sifa) =
        (app.login("police").await, app.login("coord").await, app.login("xizhuang").await, app.login("sifa").await);
    let (id, _) = venue_at(&app, &police, "GENERAL", 10).await;
    app.gql(Some(&police), PENALTY, penalty(&id, &days_ago(1))).await;
    let seen = app.gql(Some(&coord), VENUE, json!({ "id": id })).await;
    assert_eq!(seen["data"]["venue"]["penalties"][0]["authority"], "清河派出所", "{seen}");
    assert_eq!(seen["data"]["venue"]["viewerCan"]["recordPenalty"], false);
    let village = app.gql(Some(&xizhuang), VENUE, json!({ "id": id })).await;
    let venue = &village["data"]["venue"];
    assert_eq!(venue["attentionLevel"], "SPECIAL", "the village reads the level: {village}");
    assert!(venue["penalties"].is_null() && venue["incidents"].is_null(), "{village}");
    // Permission before state and input: the village reads the venue but may not record; the
    // judicial office does not read it at all.
    let bad = penalty(&id, &(today() + Duration::days(1)).format("%Y-%m-%d").to_string());
    let forbidden = app.gql(Some(&xizhuang), PENALTY, bad.clone()).await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"), "{forbidden}");
    let missing = app.gql(Some(&sifa), PENALTY, bad.clone()).await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");
    let future = app.gql(Some(&police), PENALTY, bad).await;
    assert_eq!(error_code(&future), Some("BAD_USER_INPUT"), "{future}");
    assert_eq!(future["errors"][0]["extensions"]["field"], "input.penalisedOn");
    let after = app.gql(Some(&police), VENUE, json!({ "id": id })).await;
    assert_eq!(after["data"]["venue"]["penalties"].as_array().unwrap().len(), 1, "nothing written: {after}");
}

const PERSON: &str = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }";
const MEASURE: &str = "mutation($input: RecordMeasureInput!) { recordMeasure(input: $input) { person { id } } }";
const BOARD: &str =
    "{ people(filter: { onBoard: true }, first: 100) { nodes { id name idNumber measures { kind } incidents { kind }
  boardPublications { penalty penalisedOn } viewerCan { readBasic readRecord readBoard } } } }";

/// A person the police list in 西庄村; its global id.
async fn resident(app: &TestApp, police: &str, name: &str, seq: &str) -> String {
    let input = json!({ "name": name, "idNumber": pingan_tests::id_for("19880512", seq),
                        "villageId": village_id(app, police, "西庄村").await, "attentionLevel": "KEY",
                        "categories": ["PROVOCATION"] });
    let body = app.gql(Some(police), PERSON, json!({ "input": input })).await;
    body["data"]["createPerson"]["person"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

fn measure(person: &str, kind: &str, board: Option<&str>) -> Value {
    json!({ "input": { "personId": person, "kind": kind, "takenOn": days_ago(2), "note": "内部备注：线人提供", "boardText": board } })
}

#[tokio::test]
async fn a_penalty_published_on_the_board_shows_the_village_the_name_penalty_and_date_only() {
    let app = TestApp::spawn().await;
    let (police, xizhuang, dongzhuang) =
        (app.login("police").await, app.login("xizhuang").await, app.login("dongzhuang").await);
    let published = resident(&app, &police, "公示测试人", "731").await;
    let quiet = resident(&app, &police, "未公示测试人", "732").await;
    let body =
        app.gql(Some(&police), MEASURE, measure(&published, "ADMINISTRATIVE_PENALTY", Some("行政拘留五日"))).await;
    assert!(body["errors"].is_null(), "{body}");
    app.gql(Some(&police), MEASURE, measure(&quiet, "ADMINISTRATIVE_PENALTY", None)).await;

    let board = app.gql(Some(&xizhuang), BOARD, json!({})).await;
    let nodes = board["data"]["people"]["nodes"].as_array().unwrap_or_else(|| panic!("{board}"));
    assert_eq!(nodes.len(), 1, "only the published one: {board}");
    let row = &nodes[0];
    assert_eq!((row["id"].as_str(), &row["name"]), (Some(published.as_str()), &json!("公示测试人")));
    assert_eq!(row["boardPublications"], json!([{ "penalty": "行政拘留五日", "penalisedOn": days_ago(2) }]));
    assert!(row["idNumber"].is_null() && row["measures"].is_null() && row["incidents"].is_null(), "{board}");
    assert_eq!(row["viewerCan"], json!({ "readBasic": true, "readRecord": false, "readBoard": true }));
    assert!(!board.to_string().contains("内部备注"), "the measure's note never reaches the village");

    let other = app.gql(Some(&dongzhuang), BOARD, json!({})).await;
    assert_eq!(other["data"]["people"]["nodes"], json!([]), "another village's board is not this one's: {other}");
    let police_view = app.gql(Some(&police), BOARD, json!({})).await;
    assert!(police_view.to_string().contains("行政拘留五日"), "{police_view}");
}

/// Mutations of one operation run one after another on the request's loaders: the second
/// measure's payload reads the board it has just published, not the first payload's read of it.
#[tokio::test]
async fn a_later_mutation_of_one_operation_reads_the_board_it_published() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let person = resident(&app, &police, "连续处罚测试人", "734").await;
    let both = "mutation($first: RecordMeasureInput!, $second: RecordMeasureInput!) {
        first: recordMeasure(input: $first) { person { boardPublications { penalty } } }
        second: recordMeasure(input: $second) { person { boardPublications { penalty } } } }";
    let first = measure(&person, "ADMINISTRATIVE_PENALTY", None)["input"].clone();
    let second = measure(&person, "ADMINISTRATIVE_PENALTY", Some("罚款五百元"))["input"].clone();
    let body = app.gql(Some(&police), both, json!({ "first": first, "second": second })).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["first"]["person"]["boardPublications"], json!([]), "{body}");
    assert_eq!(body["data"]["second"]["person"]["boardPublications"], json!([{ "penalty": "罚款五百元" }]), "{body}");
}

#[tokio::test]
async fn only_an_administrative_penalty_is_published_and_a_bad_board_text_writes_nothing() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let person = resident(&app, &police, "训诫测试人", "733").await;
    let refused = app.gql(Some(&police), MEASURE, measure(&person, "ADMONITION_TALK", Some("训诫"))).await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "input.boardText");
    let blank = app.gql(Some(&police), MEASURE, measure(&person, "ADMINISTRATIVE_PENALTY", Some("  "))).await;
    assert_eq!(blank["errors"][0]["extensions"]["field"], "input.boardText", "{blank}");
    let seen = app
        .gql(
            Some(&police),
            "query($id: ID!) { person(id: $id) { measures { kind } boardPublications { penalty } } }",
            json!({ "id": person }),
        )
        .await;
    assert_eq!(seen["data"]["person"]["measures"], json!([]), "nothing written: {seen}");
    assert_eq!(seen["data"]["person"]["boardPublications"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// The step-down queue (item 8).

const QUEUE: &str = "{ venues(filter: { stepDownPending: true }, first: 100) { nodes { id } }
  people(filter: { stepDownPending: true }, first: 100) { nodes { id } } }";
const DECIDE: &str =
    "mutation($input: DecideVenueStepDownInput!) { decideVenueStepDown(input: $input) { venue { id } } }";

#[tokio::test]
async fn a_step_down_request_queues_for_the_coordination_office_with_a_task_the_decision_closes() {
    let app = TestApp::spawn().await;
    let (police, coord) = (app.login("police").await, app.login("coord").await);
    let (id, uuid) = venue_at(&app, &police, "KEY", 400).await;
    let before = app.gql(Some(&coord), QUEUE, json!({})).await;
    assert!(!before.to_string().contains(&id), "{before}");
    let body = request(&app, &police, &id).await;
    let request_id = body["data"]["requestVenueStepDown"]["venue"]["levelHistory"][0]["id"].clone();

    let queue = app.gql(Some(&coord), QUEUE, json!({})).await;
    assert!(queue["data"]["venues"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == id.as_str()), "{queue}");
    let tasks = tasks_on(&app, TaskKind::StepDownReview, uuid).await;
    assert_eq!(tasks.len(), 1, "one review task per request");
    let office = app.unit_id("清河镇扫黑办").await;
    let review = &tasks[0];
    assert_eq!((review.assignee_unit_id, review.creating_unit_id), (office, office));
    assert_eq!((review.status, review.target_type), (TaskStatus::Open, Some(TaskTargetType::Venue)));
    let due: DateTime<Utc> = lead_flow::end_of_day(today() + Duration::days(7));
    assert_eq!(review.due_at, due, "due at the end of the seventh local day");
    assert!(review.due_at > lead_flow::start_of_day(today() + Duration::days(7)));
    assert!(review.due_at < lead_flow::start_of_day(today() + Duration::days(8)));

    let decide = json!({ "input": { "levelChangeId": request_id, "decision": "REJECT", "comment": "再观察" } });
    let decided = app.gql(Some(&coord), DECIDE, decide).await;
    assert!(decided["errors"].is_null(), "{decided}");
    let closed = task::Entity::find_by_id(review.id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(closed.status, TaskStatus::Accepted, "the decision closes the review task");
    let after = app.gql(Some(&coord), QUEUE, json!({})).await;
    assert!(!after.to_string().contains(&id), "{after}");
}

#[tokio::test]
async fn a_persons_step_down_request_queues_too_and_the_village_may_not_filter_the_queue() {
    let app = TestApp::spawn().await;
    let (police, coord, xizhuang) = (app.login("police").await, app.login("coord").await, app.login("xizhuang").await);
    let person = resident(&app, &police, "降级测试人", "734").await;
    let uuid = uuid_of(&json!(person));
    let mut row: entity::person::ActiveModel =
        entity::person::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap().into();
    row.level_since = Set(today() - Duration::days(400));
    row.update(&app.state.db).await.unwrap();
    let body = app
        .gql(
            Some(&police),
            "mutation($input: RequestStepDownInput!) { requestStepDown(input: $input) { person { id } } }",
            json!({ "input": { "personId": person, "reason": "表现良好" } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let queue = app.gql(Some(&coord), QUEUE, json!({})).await;
    assert!(queue["data"]["people"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == person.as_str()), "{queue}");
    assert_eq!(tasks_on(&app, TaskKind::StepDownReview, uuid).await.len(), 1);
    let village = app.gql(Some(&xizhuang), QUEUE, json!({})).await;
    assert_eq!(error_code(&village), Some("FORBIDDEN"), "the queue is the record group's: {village}");
}
