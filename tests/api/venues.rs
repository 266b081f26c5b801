//! Key venues through the access spine: rows, field groups, filters, writes and the step-down
//! rules (access.md "Venues", domain.md "Key venues").

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDate, Utc};
use entity::enums::{
    AuditOutcome, LeadCategory, LeadSource, LeadStatus, LevelChangeKind, LevelChangeStatus, RecordStatus,
};
use entity::{app_user, audit_log, lead, town, venue, venue_incident, venue_inspection, venue_level_change};
use pingan_tests::{TestApp, error_code};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI32, Ordering};
use uuid::Uuid;

const VENUES: &str = "query($f: VenueFilter, $o: VenueOrder, $first: Int, $after: String) {
  venues(filter: $f, orderBy: $o, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id version name venueType address attentionLevel status listedAt village { name }
            licenceNumber managerName managerPhone notes
            inspections { id inspectedOn inspector { id displayName } findings managerTalked }
            incidents { occurredOn kind summary }
            levelHistory { id kind status fromLevel toLevel }
            inspectionStatus { lastInspectedAt nextDueAt overdue }
            viewerCan { readBasic readContact readRecord update recordInspection raiseLevel requestStepDown decideStepDown } }
  }
}";

const VENUE: &str = "query($id: ID!) { venue(id: $id) { id name licenceNumber notes } node(id: $id) { id } }";
const CREATE: &str = "mutation($input: CreateVenueInput!) { createVenue(input: $input) {
  venue { id version name venueType attentionLevel status listedAt licenceNumber managerPhone village { name }
          levelHistory { kind status fromLevel toLevel } } } }";
const UPDATE: &str = "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) {
  venue { id version name address managerPhone licenceNumber notes } } }";
const INSPECT: &str = "mutation($input: RecordInspectionInput!) { recordInspection(input: $input) {
  venue { version inspections { inspectedOn findings managerTalked inspector { id displayName } }
          inspectionStatus { lastInspectedAt nextDueAt overdue } } } }";
const RAISE: &str = "mutation($input: RaiseVenueAttentionInput!) { raiseVenueAttention(input: $input) {
  venue { attentionLevel levelHistory { kind status fromLevel toLevel } inspectionStatus { nextDueAt } } } }";
const REQUEST: &str = "mutation($input: RequestVenueStepDownInput!) { requestVenueStepDown(input: $input) {
  venue { attentionLevel levelHistory { id kind status fromLevel toLevel } } } }";
const DECIDE: &str = "mutation($input: DecideVenueStepDownInput!) { decideVenueStepDown(input: $input) {
  venue { attentionLevel status levelHistory { id kind status approvingBody documentNumber decisionComment } } } }";

async fn venues(app: &TestApp, token: &str, filter: Value) -> Value {
    app.gql(Some(token), VENUES, json!({ "f": filter, "first": 100 })).await
}

fn nodes(body: &Value) -> &Vec<Value> {
    body["data"]["venues"]["nodes"].as_array().unwrap_or_else(|| panic!("no venues: {body}"))
}

fn today() -> NaiveDate {
    pingan::domain::lead_flow::today()
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

async fn town_venue_count(app: &TestApp, town: &str) -> usize {
    let town = town_id(app, town).await;
    venue::Entity::find().filter(venue::Column::TownId.eq(town)).count(&app.state.db).await.unwrap() as usize
}

async fn village_id(app: &TestApp, token: &str, name: &str) -> String {
    let body = app.gql(Some(token), "{ villages { id name } }", json!({})).await;
    body["data"]["villages"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Counts of every table a venue write touches, to prove a refused write wrote nothing.
async fn footprint(app: &TestApp) -> [u64; 5] {
    let db = &app.state.db;
    let versions: i64 = venue::Entity::find().all(db).await.unwrap().iter().map(|v| i64::from(v.version)).sum();
    [
        venue::Entity::find().count(db).await.unwrap(),
        venue_inspection::Entity::find().count(db).await.unwrap(),
        venue_level_change::Entity::find().count(db).await.unwrap(),
        audit_log::Entity::find().filter(audit_log::Column::Outcome.eq(AuditOutcome::Allowed)).count(db).await.unwrap(),
        versions as u64,
    ]
}

static SEQ: AtomicI32 = AtomicI32::new(0);

/// A new venue listed by the police in 西庄村 today; returns its global id and uuid.
async fn fresh_venue(app: &TestApp, police: &str, level: &str) -> (String, Uuid) {
    let n = SEQ.fetch_add(1, Ordering::SeqCst);
    let input = json!({ "name": format!("测试场所{n}"), "venueType": "ENTERTAINMENT", "address": "西庄村新街1号",
                        "villageId": village_id(app, police, "西庄村").await, "attentionLevel": level,
                        "licenceNumber": format!("TEST-LIC-{n}"), "managerName": "测试经理", "managerPhone": "13800000000" });
    let body = app.gql(Some(police), CREATE, json!({ "input": input })).await;
    let id = &body["data"]["createVenue"]["venue"]["id"];
    assert!(id.is_string(), "{body}");
    (id.as_str().unwrap().to_owned(), uuid_of(id))
}

/// Makes the venue's current level date back `days` days.
async fn level_held(app: &TestApp, venue: Uuid, days: i64) {
    let mut row: venue::ActiveModel =
        venue::Entity::find_by_id(venue).one(&app.state.db).await.unwrap().unwrap().into();
    row.level_since = Set(today() - Duration::days(days));
    row.update(&app.state.db).await.unwrap();
}

async fn add_incident(app: &TestApp, venue: Uuid, days_ago: i64) {
    let recorder = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("police"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    venue_incident::ActiveModel {
        id: Set(Uuid::now_v7()),
        venue_id: Set(venue),
        occurred_on: Set(today() - Duration::days(days_ago)),
        kind: Set("警情".into()),
        summary: Set("测试警情".into()),
        recorded_by_user_id: Set(recorder.id),
        created_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn add_inspection(app: &TestApp, venue: Uuid, days_ago: i64) {
    let police = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("police"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    venue_inspection::ActiveModel {
        id: Set(Uuid::now_v7()),
        venue_id: Set(venue),
        inspected_on: Set(today() - Duration::days(days_ago)),
        inspector_id: Set(police.id),
        findings: Set("测试检查".into()),
        manager_talked: Set(false),
        recorded_by_user_id: Set(police.id),
        created_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// A lead naming the venue, received `days_ago`; returns its serial.
async fn add_lead(app: &TestApp, venue: Uuid, days_ago: i64, umbrella: bool) -> String {
    let n = 8000 + SEQ.fetch_add(1, Ordering::SeqCst);
    let serial = format!("2026-{n}");
    let town = town_id(app, "清河镇").await;
    let coord = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("coord"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let at = Utc::now() - Duration::days(days_ago);
    lead::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town),
        serial: Set(serial.clone()),
        serial_year: Set(2026),
        serial_number: Set(n),
        received_at: Set(at),
        source: Set(LeadSource::PublicReport),
        receiving_unit_id: Set(coord.org_unit_id),
        reporter_name: Set(None),
        reporter_contact: Set(None),
        category: Set(if umbrella { LeadCategory::ProtectiveUmbrella } else { LeadCategory::MarketBullying }),
        involves_official: Set(umbrella),
        umbrella: Set(umbrella),
        summary: Set("场所被举报".into()),
        content: Set(None),
        venue_id: Set(Some(venue)),
        status: Set(LeadStatus::Transferred),
        assignee_unit_id: Set(None),
        responsible_leader: Set(None),
        responsible_person: Set(None),
        measures: Set(None),
        deadline: Set(None),
        transfer_due_at: Set(None),
        review_due_at: Set(None),
        county_answer: Set(None),
        conclusion: Set(None),
        concluded_at: Set(None),
        handed_over_from_lead_id: Set(None),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    serial
}

/// A venue at `level` held 200 days with a pending step-down request; returns the venue's
/// global id and uuid and the request's id.
async fn pending_request(app: &TestApp, police: &str, level: &str) -> (String, Uuid, String) {
    let (id, uuid) = fresh_venue(app, police, level).await;
    level_held(app, uuid, 200).await;
    let body = app.gql(Some(police), REQUEST, json!({ "input": { "venueId": id, "reason": "六个月无事" } })).await;
    let request = &body["data"]["requestVenueStepDown"]["venue"]["levelHistory"][0];
    assert_eq!(request["status"], "PENDING", "{body}");
    (id, uuid, request["id"].as_str().unwrap().to_owned())
}

fn approve(request: &str) -> Value {
    json!({ "input": { "levelChangeId": request, "decision": "APPROVE", "comment": "同意",
                       "approvingBody": "区扫黑办", "documentNumber": "区扫办〔2026〕12号" } })
}

// ---------------------------------------------------------------------------------------------
// Rows and field groups, by role.

#[tokio::test]
async fn police_sees_every_venue_of_the_town_with_every_group() {
    let app = TestApp::spawn().await;
    let body = venues(&app, &app.login("police").await, json!(null)).await;
    let list = nodes(&body);
    assert_eq!(list.len(), town_venue_count(&app, "清河镇").await);
    assert_eq!(body["data"]["venues"]["totalCount"], list.len());
    for v in list {
        assert!(v["name"].is_string() && v["managerName"].is_string() && v["managerPhone"].is_string(), "{v}");
        assert!(v["inspections"].is_array() && v["levelHistory"].is_array() && v["inspectionStatus"].is_object());
        assert_eq!(
            v["viewerCan"],
            json!({ "readBasic": true, "readContact": true, "readRecord": true, "update": true, "recordInspection": true,
                    "raiseLevel": true, "requestStepDown": true, "decideStepDown": false })
        );
    }
    assert!(list.iter().any(|v| v["notes"].is_string()), "demo venues carry notes");
    assert!(list.iter().any(|v| v["incidents"].as_array().is_some_and(|i| !i.is_empty())));
    let inspected = list.iter().find(|v| v["inspections"].as_array().is_some_and(|i| !i.is_empty())).unwrap();
    assert!(inspected["inspections"][0]["inspector"]["displayName"].is_string(), "{inspected}");
}

#[tokio::test]
async fn coordinator_reads_every_group_and_may_only_decide_step_downs() {
    let app = TestApp::spawn().await;
    let body = venues(&app, &app.login("coord").await, json!(null)).await;
    let list = nodes(&body);
    assert_eq!(list.len(), town_venue_count(&app, "清河镇").await);
    for v in list {
        assert!(v["managerPhone"].is_string() && v["inspections"].is_array(), "{v}");
        assert_eq!(
            v["viewerCan"],
            json!({ "readBasic": true, "readContact": true, "readRecord": true, "update": false, "recordInspection": false,
                    "raiseLevel": false, "requestStepDown": false, "decideStepDown": true })
        );
    }
}

#[tokio::test]
async fn a_village_sees_its_own_venues_with_basic_fields_only() {
    let app = TestApp::spawn().await;
    let body = venues(&app, &app.login("dongzhuang").await, json!(null)).await;
    let list = nodes(&body);
    assert!(!list.is_empty());
    for v in list {
        assert_eq!(v["village"]["name"], "东庄村", "{v}");
        assert!(v["name"].is_string() && v["attentionLevel"].is_string() && v["address"].is_string());
        for hidden in [
            "licenceNumber",
            "managerName",
            "managerPhone",
            "notes",
            "inspections",
            "incidents",
            "levelHistory",
            "inspectionStatus",
        ] {
            assert!(v[hidden].is_null(), "{hidden} leaked: {v}");
        }
        assert_eq!(
            v["viewerCan"],
            json!({ "readBasic": true, "readContact": false, "readRecord": false, "update": false, "recordInspection": false,
                    "raiseLevel": false, "requestStepDown": false, "decideStepDown": false })
        );
    }
}

#[tokio::test]
async fn a_village_filtering_or_ordering_by_the_record_is_forbidden_before_any_query() {
    let app = TestApp::spawn().await;
    let village = app.login("dongzhuang").await;
    let overdue = venues(&app, &village, json!({ "overdue": true })).await;
    assert_eq!(error_code(&overdue), Some("FORBIDDEN"), "{overdue}");
    let not_overdue = venues(&app, &village, json!({ "overdue": false })).await;
    assert_eq!(error_code(&not_overdue), Some("FORBIDDEN"), "{not_overdue}");
    let by_due = app.gql(Some(&village), VENUES, json!({ "o": { "field": "NEXT_DUE" } })).await;
    assert_eq!(error_code(&by_due), Some("FORBIDDEN"), "{by_due}");
    let basic =
        venues(&app, &village, json!({ "attentionLevel": ["SPECIAL", "KEY"], "venueType": "BATH_MASSAGE" })).await;
    assert!(basic["errors"].is_null(), "{basic}");
    assert!(nodes(&basic).iter().all(|v| v["venueType"] == "BATH_MASSAGE"), "{basic}");
}

#[tokio::test]
async fn judicial_discipline_and_admin_read_no_venues() {
    let app = TestApp::spawn().await;
    let police = venues(&app, &app.login("police").await, json!(null)).await;
    let id = nodes(&police)[0]["id"].clone();
    for user in ["sifa", "jiwei", "admin"] {
        let token = app.login(user).await;
        let list = venues(&app, &token, json!(null)).await;
        assert_eq!(error_code(&list), Some("FORBIDDEN"), "{user}: {list}");
        let one = app.gql(Some(&token), VENUE, json!({ "id": id })).await;
        assert_eq!(one, json!({ "data": { "venue": null, "node": null } }), "{user}");
    }
}

#[tokio::test]
async fn liulin_users_see_none_of_qinghes_venues_and_qinghe_sees_none_of_liulins() {
    let app = TestApp::spawn().await;
    let qinghe = venues(&app, &app.login("police").await, json!(null)).await;
    for user in ["liulin_police", "liulin_coord"] {
        let token = app.login(user).await;
        let liulin = venues(&app, &token, json!(null)).await;
        assert_eq!(nodes(&liulin).len(), town_venue_count(&app, "柳林镇").await, "{liulin}");
        assert!(
            nodes(&liulin).iter().all(|v| v["village"]["name"] == "柳林村" || v["village"]["name"] == "河口村"),
            "{liulin}"
        );
        for v in nodes(&qinghe) {
            let one = app.gql(Some(&token), VENUE, json!({ "id": v["id"] })).await;
            assert_eq!(one, json!({ "data": { "venue": null, "node": null } }), "{user}");
        }
    }
    let qinghe_ids: Vec<&Value> = nodes(&qinghe).iter().map(|v| &v["id"]).collect();
    let liulin = venues(&app, &app.login("liulin_police").await, json!(null)).await;
    assert!(nodes(&liulin).iter().all(|v| !qinghe_ids.contains(&&v["id"])));
}

#[tokio::test]
async fn an_out_of_scope_venue_looks_exactly_like_a_missing_one_and_the_attempt_is_audited() {
    let app = TestApp::spawn().await;
    let police = venues(&app, &app.login("police").await, json!(null)).await;
    let village = app.login("dongzhuang").await;
    let outsider = nodes(&police).iter().find(|v| v["village"]["name"] != "东庄村").unwrap()["id"].clone();
    let random = json!(global("Venue", Uuid::now_v7()));
    let hidden = app.gql(Some(&village), VENUE, json!({ "id": outsider })).await;
    let missing = app.gql(Some(&village), VENUE, json!({ "id": random })).await;
    assert_eq!(hidden, missing);
    assert_eq!(hidden, json!({ "data": { "venue": null, "node": null } }));

    // Writes answer the same way: NOT_FOUND with the same text.
    let inspect = |id: &Value| json!({ "input": { "venueId": id, "inspectedOn": today(), "findings": "x", "managerTalked": false } });
    let write_hidden = app.gql(Some(&village), INSPECT, inspect(&outsider)).await;
    let write_missing = app.gql(Some(&village), INSPECT, inspect(&random)).await;
    assert_eq!(error_code(&write_hidden), Some("NOT_FOUND"), "{write_hidden}");
    assert_eq!(write_hidden["errors"][0]["message"], write_missing["errors"][0]["message"]);
    assert_eq!(write_hidden["errors"][0]["extensions"], write_missing["errors"][0]["extensions"]);

    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Username.eq("dongzhuang"))
        .filter(audit_log::Column::Outcome.eq(AuditOutcome::Denied))
        .filter(audit_log::Column::ObjectType.eq("Venue"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(denied.len(), 2, "one denied read and one denied write on the real venue, none for the random id");
    assert!(denied.iter().all(|e| e.object_id == Some(uuid_of(&outsider))));
}

#[tokio::test]
async fn writes_outside_the_scope_are_not_found_and_without_the_action_forbidden() {
    let app = TestApp::spawn().await;
    let police = venues(&app, &app.login("police").await, json!(null)).await;
    let own = nodes(&police).iter().find(|v| v["village"]["name"] == "东庄村").unwrap()["id"].clone();
    let input = json!({ "input": { "venueId": own, "inspectedOn": today(), "findings": "x", "managerTalked": true } });
    for (user, code) in [
        ("dongzhuang", "FORBIDDEN"),
        ("coord", "FORBIDDEN"),
        ("xizhuang", "NOT_FOUND"),
        ("sifa", "NOT_FOUND"),
        ("liulin_police", "NOT_FOUND"),
    ] {
        let body = app.gql(Some(&app.login(user).await), INSPECT, input.clone()).await;
        assert_eq!(error_code(&body), Some(code), "{user}: {body}");
    }
    let create = json!({ "input": { "name": "村建场所", "venueType": "OTHER", "address": "东庄村",
                                    "villageId": village_id(&app, &app.login("police").await, "东庄村").await,
                                    "attentionLevel": "GENERAL" } });
    for user in ["coord", "dongzhuang", "sifa", "admin"] {
        let body = app.gql(Some(&app.login(user).await), CREATE, create.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}");
    }
}

#[tokio::test]
async fn keyset_pages_cover_every_row_once_in_every_order() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    for order in [
        json!({ "field": "NAME" }),
        json!({ "field": "LISTED_AT", "direction": "DESC" }),
        json!({ "field": "NEXT_DUE" }),
    ] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let body = app.gql(Some(&token), VENUES, json!({ "o": order, "first": 5, "after": after })).await;
            let page = &body["data"]["venues"];
            let list = page["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
            seen.extend(list.iter().map(|v| v["id"].as_str().unwrap().to_owned()));
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        let all = app.gql(Some(&token), VENUES, json!({ "o": order, "first": 100 })).await;
        let expected: Vec<String> = nodes(&all).iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(seen, expected, "{order}");
        assert_eq!(expected.len(), town_venue_count(&app, "清河镇").await);
    }
    let too_many = app.gql(Some(&token), VENUES, json!({ "first": 101 })).await;
    assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"));
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "first");
}

#[tokio::test]
async fn basic_filters_narrow_the_list() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let dongzhuang = village_id(&app, &token, "东庄村").await;
    let by_village = venues(&app, &token, json!({ "villageId": dongzhuang })).await;
    assert!(!nodes(&by_village).is_empty() && nodes(&by_village).iter().all(|v| v["village"]["name"] == "东庄村"));
    let special = venues(&app, &token, json!({ "attentionLevel": ["SPECIAL"], "status": "ACTIVE" })).await;
    assert!(!nodes(&special).is_empty() && nodes(&special).iter().all(|v| v["attentionLevel"] == "SPECIAL"));
    let named = venues(&app, &token, json!({ "namePrefix": "金海" })).await;
    assert_eq!(nodes(&named).len(), 1, "{named}");
    assert_eq!(nodes(&venues(&app, &token, json!({ "namePrefix": "%" })).await).len(), 0, "LIKE wildcards are escaped");
    let from = today() - Duration::days(450);
    let to = today() - Duration::days(350);
    let listed = venues(&app, &token, json!({ "listedFrom": from, "listedTo": to })).await;
    assert!(!nodes(&listed).is_empty());
    for v in nodes(&listed) {
        let at: NaiveDate = v["listedAt"].as_str().unwrap().parse().unwrap();
        assert!(from <= at && at <= to, "{v}");
    }
    assert_eq!(listed["data"]["venues"]["totalCount"], nodes(&listed).len());
}

// ---------------------------------------------------------------------------------------------
// Inspection duties.

#[tokio::test]
async fn inspection_status_is_overdue_by_the_interval_of_the_level() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    // (level, days since the last inspection, overdue): SPECIAL every 15 days, KEY 60, GENERAL 90.
    let cases = [
        ("SPECIAL", 15, false),
        ("SPECIAL", 16, true),
        ("KEY", 60, false),
        ("KEY", 61, true),
        ("GENERAL", 90, false),
        ("GENERAL", 91, true),
    ];
    let mut ids = Vec::new();
    for (level, days, overdue) in cases {
        let (id, uuid) = fresh_venue(&app, &police, level).await;
        level_held(&app, uuid, 400).await;
        add_inspection(&app, uuid, days + 30).await;
        add_inspection(&app, uuid, days).await;
        let body = app
            .gql(
                Some(&police),
                "query($id: ID!) { venue(id: $id) { inspectionStatus { lastInspectedAt nextDueAt overdue } } }",
                json!({ "id": id }),
            )
            .await;
        let status = &body["data"]["venue"]["inspectionStatus"];
        assert_eq!(status["lastInspectedAt"], json!(today() - Duration::days(days)), "{level} {days}: {body}");
        assert_eq!(status["overdue"], overdue, "{level} {days}: {body}");
        ids.push((id, overdue));
    }
    // Without any inspection the level's own start counts; a fresh raise restarts the clock.
    let (id, uuid) = fresh_venue(&app, &police, "KEY").await;
    level_held(&app, uuid, 61).await;
    let status = "query($id: ID!) { venue(id: $id) { inspectionStatus { lastInspectedAt nextDueAt overdue } } }";
    let body = app.gql(Some(&police), status, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["venue"]["inspectionStatus"],
        json!({ "lastInspectedAt": null, "nextDueAt": today() - Duration::days(1), "overdue": true })
    );
    let raised = app
        .gql(Some(&police), RAISE, json!({ "input": { "venueId": id, "level": "SPECIAL", "reason": "受到处罚" } }))
        .await;
    assert_eq!(
        raised["data"]["raiseVenueAttention"]["venue"]["inspectionStatus"]["nextDueAt"],
        json!(today() + Duration::days(15)),
        "{raised}"
    );

    // The overdue filter agrees with the status, row by row.
    let overdue = venues(&app, &police, json!({ "overdue": true })).await;
    let on_time = venues(&app, &police, json!({ "overdue": false })).await;
    assert!(nodes(&overdue).iter().all(|v| v["inspectionStatus"]["overdue"] == true), "{overdue}");
    assert!(nodes(&on_time).iter().all(|v| v["inspectionStatus"]["overdue"] == false), "{on_time}");
    assert_eq!(nodes(&overdue).len() + nodes(&on_time).len(), town_venue_count(&app, "清河镇").await);
    for (id, is_overdue) in ids {
        let list = if is_overdue { &overdue } else { &on_time };
        assert!(nodes(list).iter().any(|v| v["id"] == id.as_str()), "{id} should be overdue={is_overdue}");
    }
}

#[tokio::test]
async fn next_due_ordering_follows_the_inspection_status_and_needs_no_more_than_the_record() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    for direction in ["ASC", "DESC"] {
        let body = app
            .gql(Some(&police), VENUES, json!({ "o": { "field": "NEXT_DUE", "direction": direction }, "first": 100 }))
            .await;
        let due: Vec<String> =
            nodes(&body).iter().map(|v| v["inspectionStatus"]["nextDueAt"].as_str().unwrap().to_owned()).collect();
        let mut sorted = due.clone();
        sorted.sort();
        if direction == "DESC" {
            sorted.reverse();
        }
        assert_eq!(due, sorted, "{direction}: {body}");
        assert!(due.first() != due.last(), "the demo venues fall due on different days");
    }
    let coord = app.gql(Some(&app.login("coord").await), VENUES, json!({ "o": { "field": "NEXT_DUE" } })).await;
    assert!(coord["errors"].is_null(), "{coord}");
}

#[tokio::test]
async fn recording_an_inspection_shows_newest_first_with_its_inspector() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (id, uuid) = fresh_venue(&app, &police, "KEY").await;
    level_held(&app, uuid, 100).await;
    add_inspection(&app, uuid, 40).await;
    let me = app.gql(Some(&police), "{ me { id displayName } }", json!({})).await;
    let body = app
        .gql(
            Some(&police),
            INSPECT,
            json!({ "input": { "venueId": id, "inspectedOn": today() - Duration::days(2), "findings": "消防通道堵塞，已责令整改。", "managerTalked": true } }),
        )
        .await;
    let venue = &body["data"]["recordInspection"]["venue"];
    assert_eq!(venue["inspections"].as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(venue["inspections"][0]["findings"], "消防通道堵塞，已责令整改。");
    assert_eq!(venue["inspections"][0]["managerTalked"], true);
    assert_eq!(venue["inspections"][0]["inspector"], me["data"]["me"]);
    assert_eq!(venue["inspectionStatus"]["lastInspectedAt"], json!(today() - Duration::days(2)));
    assert_eq!(venue["inspectionStatus"]["nextDueAt"], json!(today() + Duration::days(58)));
    let entry = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("record_inspection"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((entry.object_type.as_str(), entry.object_id), ("Venue", Some(uuid)));
}

// ---------------------------------------------------------------------------------------------
// Writes: validation, versions, licence numbers.

#[tokio::test]
async fn police_creates_a_venue_listed_today_and_a_taken_licence_number_conflicts() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let input = json!({ "name": " 新开KTV ", "venueType": "ENTERTAINMENT", "address": "南湾社区商业街3号",
                        "villageId": village_id(&app, &police, "南湾社区").await, "attentionLevel": "KEY",
                        "licenceNumber": "娱经字（2026）第001号", "managerPhone": "" });
    let body = app.gql(Some(&police), CREATE, json!({ "input": input })).await;
    let venue = &body["data"]["createVenue"]["venue"];
    assert_eq!(venue["name"], "新开KTV", "{body}");
    assert_eq!((venue["version"].clone(), venue["status"].clone()), (json!(1), json!("ACTIVE")));
    assert_eq!(venue["listedAt"], json!(today()));
    assert_eq!(venue["managerPhone"], Value::Null, "a blank phone is none");
    assert_eq!(venue["village"]["name"], "南湾社区");
    assert_eq!(
        venue["levelHistory"],
        json!([{ "kind": "INITIAL", "status": "APPLIED", "fromLevel": null, "toLevel": "KEY" }])
    );
    let entry = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("create_venue"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((entry.object_type.as_str(), entry.object_id), ("Venue", Some(uuid_of(&venue["id"]))));

    let before = footprint(&app).await;
    let mut again = input.clone();
    again["name"] = json!("另一家");
    let duplicate = app.gql(Some(&police), CREATE, json!({ "input": again })).await;
    assert_eq!(error_code(&duplicate), Some("CONFLICT"), "{duplicate}");
    // The licence number is unique per town, not across towns.
    let liulin = app.login("liulin_police").await;
    let mut elsewhere = input.clone();
    elsewhere["villageId"] = json!(village_id(&app, &liulin, "柳林村").await);
    let other_town = app.gql(Some(&liulin), CREATE, json!({ "input": elsewhere })).await;
    assert!(other_town["errors"].is_null(), "{other_town}");
    let after = footprint(&app).await;
    assert_eq!(after[0], before[0] + 1, "only Liulin's venue was added");
}

#[tokio::test]
async fn every_venue_write_names_the_bad_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord = app.login("coord").await;
    let (id, _) = fresh_venue(&app, &police, "KEY").await;
    let (_, _, request) = pending_request(&app, &police, "SPECIAL").await;
    let version = venue::Entity::find_by_id(uuid_of(&json!(id))).one(&app.state.db).await.unwrap().unwrap().version;
    let village = village_id(&app, &police, "东庄村").await;
    let create = json!({ "name": "合法名称", "venueType": "LODGING", "address": "东庄村1号", "villageId": village,
                         "attentionLevel": "GENERAL" });
    let with = |base: &Value, key: &str, value: Value| {
        let mut input = base.clone();
        input[key] = value;
        json!({ "input": input })
    };
    let update = json!({ "id": id, "expectedVersion": version });
    let inspect = json!({ "venueId": id, "inspectedOn": today(), "findings": "正常", "managerTalked": false });
    let raise = json!({ "venueId": id, "level": "SPECIAL", "reason": "处罚" });
    let decide = approve(&request)["input"].clone();
    let tomorrow = json!(today() + Duration::days(1));
    let (police, coord) = (police.as_str(), coord.as_str());
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (police, CREATE, with(&create, "name", json!("  ")), "input.name"),
        (police, CREATE, with(&create, "name", json!("名".repeat(201))), "input.name"),
        (police, CREATE, with(&create, "address", json!("")), "input.address"),
        (police, CREATE, with(&create, "villageId", json!(global("Village", Uuid::now_v7()))), "input.villageId"),
        (police, CREATE, with(&create, "managerPhone", json!("call me")), "input.managerPhone"),
        (police, CREATE, with(&create, "licenceNumber", json!("L".repeat(101))), "input.licenceNumber"),
        (police, UPDATE, with(&update, "name", json!("")), "input.name"),
        (police, UPDATE, with(&update, "managerPhone", json!("12ab")), "input.managerPhone"),
        (police, UPDATE, with(&update, "villageId", json!("bm90LWEtdmlsbGFnZQ")), "input.villageId"),
        (police, INSPECT, with(&inspect, "inspectedOn", tomorrow), "input.inspectedOn"),
        (police, INSPECT, with(&inspect, "findings", json!(" ")), "input.findings"),
        (police, INSPECT, with(&inspect, "inspectorId", json!(global("User", Uuid::now_v7()))), "input.inspectorId"),
        (police, RAISE, with(&raise, "level", json!("KEY")), "input.level"),
        (police, RAISE, with(&raise, "level", json!("GENERAL")), "input.level"),
        (police, RAISE, with(&raise, "reason", json!("")), "input.reason"),
        (police, REQUEST, json!({ "input": { "venueId": id, "reason": "" } }), "input.reason"),
        (coord, DECIDE, with(&decide, "comment", json!("意".repeat(2001))), "input.comment"),
        (coord, DECIDE, with(&decide, "approvingBody", Value::Null), "input.approvingBody"),
        (coord, DECIDE, with(&decide, "documentNumber", json!(" ")), "input.documentNumber"),
    ];
    let before = footprint(&app).await;
    for (token, mutation, variables, field) in cases {
        let body = app.gql(Some(token), mutation, variables.clone()).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{field}: {variables} -> {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(footprint(&app).await, before, "a refused write changes nothing");
}

#[tokio::test]
async fn updates_need_the_current_version_and_keep_licence_numbers_unique() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (id, _) = fresh_venue(&app, &police, "GENERAL").await;
    let (_, other) = fresh_venue(&app, &police, "GENERAL").await;
    let taken = venue::Entity::find_by_id(other).one(&app.state.db).await.unwrap().unwrap().licence_number;
    let ok = app
        .gql(Some(&police), UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "address": "新址8号", "managerPhone": "0371-6688-1234", "notes": "复查" } }))
        .await;
    let venue = &ok["data"]["updateVenue"]["venue"];
    assert_eq!((venue["version"].clone(), venue["address"].clone()), (json!(2), json!("新址8号")), "{ok}");
    assert_eq!(venue["notes"], "复查");
    let stale =
        app.gql(Some(&police), UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "address": "旧" } })).await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let duplicate = app
        .gql(Some(&police), UPDATE, json!({ "input": { "id": id, "expectedVersion": 2, "licenceNumber": taken } }))
        .await;
    assert_eq!(error_code(&duplicate), Some("CONFLICT"), "{duplicate}");
    let cleared = app
        .gql(Some(&police), UPDATE, json!({ "input": { "id": id, "expectedVersion": 2, "licenceNumber": "" } }))
        .await;
    assert_eq!(cleared["data"]["updateVenue"]["venue"]["licenceNumber"], Value::Null, "{cleared}");
    assert_eq!(cleared["data"]["updateVenue"]["venue"]["address"], "新址8号", "fields left out stay");
}

// ---------------------------------------------------------------------------------------------
// Raising and stepping down.

#[tokio::test]
async fn a_raise_applies_at_once_and_restarts_the_level_clock() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (id, uuid) = fresh_venue(&app, &police, "GENERAL").await;
    level_held(&app, uuid, 300).await;
    let body = app
        .gql(Some(&police), RAISE, json!({ "input": { "venueId": id, "level": "SPECIAL", "reason": "受到行政处罚" } }))
        .await;
    let venue = &body["data"]["raiseVenueAttention"]["venue"];
    assert_eq!(venue["attentionLevel"], "SPECIAL", "{body}");
    assert_eq!(
        venue["levelHistory"][0],
        json!({ "kind": "RAISE", "status": "APPLIED", "fromLevel": "GENERAL", "toLevel": "SPECIAL" })
    );
    let row = venue::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.level_since, today());
    let coord = app
        .gql(
            Some(&app.login("coord").await),
            RAISE,
            json!({ "input": { "venueId": id, "level": "SPECIAL", "reason": "x" } }),
        )
        .await;
    assert_eq!(error_code(&coord), Some("FORBIDDEN"), "{coord}");
}

#[tokio::test]
async fn a_step_down_request_is_refused_for_an_incident_182_days_ago_but_not_183() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (id, uuid) = fresh_venue(&app, &police, "KEY").await;
    level_held(&app, uuid, 400).await;
    add_incident(&app, uuid, 182).await;
    let input = json!({ "input": { "venueId": id, "reason": "整改到位" } });
    let before = footprint(&app).await;
    let refused = app.gql(Some(&police), REQUEST, input.clone()).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("within 6 months"), "{refused}");
    assert_eq!(footprint(&app).await, before);

    let (id, uuid) = fresh_venue(&app, &police, "KEY").await;
    level_held(&app, uuid, 400).await;
    add_incident(&app, uuid, 183).await;
    let body = app.gql(Some(&police), REQUEST, json!({ "input": { "venueId": id, "reason": "整改到位" } })).await;
    let request = &body["data"]["requestVenueStepDown"]["venue"]["levelHistory"][0];
    assert_eq!(
        (request["kind"].clone(), request["status"].clone(), request["fromLevel"].clone(), request["toLevel"].clone()),
        (json!("STEP_DOWN"), json!("PENDING"), json!("KEY"), json!("GENERAL")),
        "{body}"
    );
    assert_eq!(
        body["data"]["requestVenueStepDown"]["venue"]["attentionLevel"], "KEY",
        "nothing applies before approval"
    );
}

#[tokio::test]
async fn a_step_down_request_needs_the_level_held_183_days() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (id, uuid) = fresh_venue(&app, &police, "SPECIAL").await;
    level_held(&app, uuid, 182).await;
    let input = json!({ "input": { "venueId": id, "reason": "平稳" } });
    let refused = app.gql(Some(&police), REQUEST, input.clone()).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("Held SPECIAL only since"), "{refused}");
    level_held(&app, uuid, 183).await;
    let body = app.gql(Some(&police), REQUEST, input.clone()).await;
    assert_eq!(body["data"]["requestVenueStepDown"]["venue"]["levelHistory"][0]["toLevel"], "KEY", "{body}");
    let again = app.gql(Some(&police), REQUEST, input).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "one pending request at a time: {again}");
}

#[tokio::test]
async fn the_coordinator_approves_a_step_down_and_a_general_venue_is_delisted() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord = app.login("coord").await;
    let (_, uuid, request) = pending_request(&app, &police, "KEY").await;
    let body = app.gql(Some(&coord), DECIDE, approve(&request)).await;
    let venue = &body["data"]["decideVenueStepDown"]["venue"];
    assert_eq!(
        (venue["attentionLevel"].clone(), venue["status"].clone()),
        (json!("GENERAL"), json!("ACTIVE")),
        "{body}"
    );
    assert_eq!(venue["levelHistory"][0]["status"], "APPROVED");
    assert_eq!(venue["levelHistory"][0]["documentNumber"], "区扫办〔2026〕12号");
    assert_eq!(venue::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap().level_since, today());

    let (id, uuid, request) = pending_request(&app, &police, "GENERAL").await;
    let body = app.gql(Some(&coord), DECIDE, approve(&request)).await;
    assert_eq!(body["data"]["decideVenueStepDown"]["venue"]["status"], "DELISTED", "{body}");
    let row = venue::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.status, RecordStatus::Delisted);
    // A delisted venue is closed: read-only, and it owes no inspections.
    let update = app
        .gql(Some(&police), UPDATE, json!({ "input": { "id": id, "expectedVersion": row.version, "notes": "x" } }))
        .await;
    assert_eq!(error_code(&update), Some("CONFLICT"), "{update}");
    let status = app
        .gql(Some(&police), "query($id: ID!) { venue(id: $id) { inspectionStatus { overdue } } }", json!({ "id": id }))
        .await;
    assert_eq!(status["data"]["venue"]["inspectionStatus"]["overdue"], false);
}

#[tokio::test]
async fn a_rejection_records_the_comment_and_changes_no_level() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (_, _, request) = pending_request(&app, &police, "SPECIAL").await;
    let reject =
        json!({ "input": { "levelChangeId": request, "decision": "REJECT", "comment": "群众仍有反映，暂不降级" } });
    let body = app.gql(Some(&app.login("coord").await), DECIDE, reject).await;
    let venue = &body["data"]["decideVenueStepDown"]["venue"];
    assert_eq!(venue["attentionLevel"], "SPECIAL", "{body}");
    assert_eq!(venue["levelHistory"][0]["status"], "REJECTED");
    assert_eq!(venue["levelHistory"][0]["decisionComment"], "群众仍有反映，暂不降级");
}

#[tokio::test]
async fn a_request_overtaken_by_a_raise_can_only_be_rejected() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord = app.login("coord").await;
    let (id, _, request) = pending_request(&app, &police, "KEY").await;
    let raised = app
        .gql(Some(&police), RAISE, json!({ "input": { "venueId": id, "level": "SPECIAL", "reason": "再次被处罚" } }))
        .await;
    assert!(raised["errors"].is_null(), "{raised}");
    let approved = app.gql(Some(&coord), DECIDE, approve(&request)).await;
    assert_eq!(error_code(&approved), Some("CONFLICT"), "{approved}");
    assert_eq!(approved["errors"][0]["extensions"]["allowed"], json!(["REJECT"]));
    let reject = json!({ "input": { "levelChangeId": request, "decision": "REJECT", "comment": "已升级，申请作废" } });
    let rejected = app.gql(Some(&coord), DECIDE, reject).await;
    let venue = &rejected["data"]["decideVenueStepDown"]["venue"];
    assert_eq!(
        (venue["attentionLevel"].clone(), venue["levelHistory"][1]["status"].clone()),
        (json!("SPECIAL"), json!("REJECTED")),
        "{rejected}"
    );
}

#[tokio::test]
async fn an_ordinary_lead_naming_the_venue_blocks_approval_without_being_named_but_an_umbrella_lead_does_not() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord = app.login("coord").await;

    // An umbrella lead yesterday never counts.
    let (_, uuid, request) = pending_request(&app, &police, "KEY").await;
    add_lead(&app, uuid, 1, true).await;
    let body = app.gql(Some(&coord), DECIDE, approve(&request)).await;
    assert_eq!(body["data"]["decideVenueStepDown"]["venue"]["attentionLevel"], "GENERAL", "{body}");

    // An ordinary lead 182 days ago blocks the decision (though not the police request); the
    // refusal says the venue is not clean and nothing about the lead.
    let (_, uuid, request) = pending_request(&app, &police, "KEY").await;
    let serial = add_lead(&app, uuid, 182, false).await;
    let before = footprint(&app).await;
    let refused = app.gql(Some(&coord), DECIDE, approve(&request)).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    let text = refused.to_string();
    let received = (Utc::now() - Duration::days(182)).date_naive().to_string();
    for secret in [serial.as_str(), "lead", "Lead", "线索", "举报", received.as_str()] {
        assert!(!text.contains(secret), "the refusal reveals {secret}: {text}");
    }
    assert!(text.contains("clean"), "{text}");
    assert_eq!(footprint(&app).await, before);

    // 183 days ago it no longer counts.
    let mut lead_row: lead::ActiveModel =
        lead::Entity::find().filter(lead::Column::Serial.eq(&serial)).one(&app.state.db).await.unwrap().unwrap().into();
    lead_row.received_at = Set(Utc::now() - Duration::days(183));
    lead_row.update(&app.state.db).await.unwrap();
    let body = app.gql(Some(&coord), DECIDE, approve(&request)).await;
    assert_eq!(body["data"]["decideVenueStepDown"]["venue"]["attentionLevel"], "GENERAL", "{body}");
}

#[tokio::test]
async fn an_incident_after_the_request_blocks_approval_and_says_so() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (_, uuid, request) = pending_request(&app, &police, "KEY").await;
    add_incident(&app, uuid, 3).await;
    let refused = app.gql(Some(&app.login("coord").await), DECIDE, approve(&request)).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("incident"), "{refused}");
}

#[tokio::test]
async fn a_unit_may_not_decide_its_own_request_nor_one_already_decided() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord_token = app.login("coord").await;
    let (_, uuid) = fresh_venue(&app, &police, "KEY").await;
    level_held(&app, uuid, 200).await;
    let coord = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("coord"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let own = Uuid::now_v7();
    venue_level_change::ActiveModel {
        id: Set(own),
        venue_id: Set(uuid),
        kind: Set(LevelChangeKind::StepDown),
        status: Set(LevelChangeStatus::Pending),
        from_level: Set(Some(entity::enums::AttentionLevel::Key)),
        to_level: Set(Some(entity::enums::AttentionLevel::General)),
        reason: Set("扫黑办自行申请".into()),
        requested_by_user_id: Set(Some(coord.id)),
        requested_by_unit_id: Set(Some(coord.org_unit_id)),
        version: Set(1),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let body = app.gql(Some(&coord_token), DECIDE, approve(&global("LevelChange", own))).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("own"), "{body}");

    let (_, _, request) = pending_request(&app, &police, "SPECIAL").await;
    let first = app.gql(Some(&coord_token), DECIDE, approve(&request)).await;
    assert!(first["errors"].is_null(), "{first}");
    let again = app.gql(Some(&coord_token), DECIDE, approve(&request)).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    // The police may not decide, and another town's coordinator does not even find it.
    let by_police = app.gql(Some(&police), DECIDE, approve(&request)).await;
    assert_eq!(error_code(&by_police), Some("FORBIDDEN"), "{by_police}");
    let by_liulin = app.gql(Some(&app.login("liulin_coord").await), DECIDE, approve(&request)).await;
    assert_eq!(error_code(&by_liulin), Some("NOT_FOUND"), "{by_liulin}");
    let by_village = app.gql(Some(&app.login("xizhuang").await), DECIDE, approve(&request)).await;
    assert_eq!(error_code(&by_village), Some("NOT_FOUND"), "a village reads no level history: {by_village}");
}

#[tokio::test]
async fn of_two_concurrent_decisions_on_one_request_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord = app.login("coord").await;
    for round in 0..3 {
        let (_, uuid, request) = pending_request(&app, &police, "SPECIAL").await;
        let reject = json!({ "input": { "levelChangeId": request, "decision": "REJECT", "comment": "驳回" } });
        let (a, b) =
            tokio::join!(app.gql(Some(&coord), DECIDE, approve(&request)), app.gql(Some(&coord), DECIDE, reject));
        let codes = [error_code(&a), error_code(&b)];
        assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "round {round}: {a} / {b}");
        assert_eq!(codes.iter().filter(|c| **c == Some("CONFLICT")).count(), 1, "round {round}: {a} / {b}");
        let decided = venue_level_change::Entity::find()
            .filter(venue_level_change::Column::VenueId.eq(uuid))
            .filter(
                venue_level_change::Column::Status.is_in([LevelChangeStatus::Approved, LevelChangeStatus::Rejected]),
            )
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(decided, 1);
        let level = venue::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap().attention_level;
        let approved = a["errors"].is_null();
        let expected =
            if approved { entity::enums::AttentionLevel::Key } else { entity::enums::AttentionLevel::Special };
        assert_eq!(level, expected, "the winner's decision applies, once");
        let entries = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("decide_venue_step_down"))
            .filter(audit_log::Column::ObjectId.eq(uuid))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(entries, 1, "only the winner is audited as a write");
    }
}

// ---------------------------------------------------------------------------------------------
// Cost.

#[tokio::test]
async fn a_nested_page_of_venues_costs_the_same_number_of_statements_at_any_size() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let query = "query($n: Int) { venues(first: $n) { totalCount nodes { name licenceNumber notes village { name }
                   inspections { findings inspector { displayName } } incidents { summary }
                   levelHistory { kind } inspectionStatus { nextDueAt overdue } viewerCan { update decideStepDown } } } }";
    // Once first: the names the page shows are then kept (`pingan::directory`, PostgreSQL).
    app.gql(Some(&token), query, json!({ "n": 1 })).await;
    let mut counts = Vec::new();
    for n in [1, 12] {
        let before = app.state.statements.load(Ordering::SeqCst);
        let body = app.gql(Some(&token), query, json!({ "n": n })).await;
        assert_eq!(body["data"]["venues"]["nodes"].as_array().map(Vec::len), Some(n as usize), "{body}");
        counts.push(app.state.statements.load(Ordering::SeqCst) - before);
    }
    println!("statements for a nested venues query: page of 1 = {}, page of 12 = {}", counts[0], counts[1]);
    assert_eq!(counts[0], counts[1], "statement count grows with the page size: {counts:?}");
}
