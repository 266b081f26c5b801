//! The duties of the person ledger (issue: 列管 workflows), with dates on each boundary.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDate, Utc};
use entity::enums::{AttentionLevel, LevelChangeKind, LevelChangeStatus};
use entity::{person, person_incident, person_level_change, person_talk};
use pingan_tests::{TestApp, error_code};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use uuid::Uuid;

static SEQ: AtomicU32 = AtomicU32::new(100);

fn today() -> NaiveDate {
    pingan::domain::lead_flow::today()
}

fn days_ago(n: i64) -> NaiveDate {
    today() - Duration::days(n)
}

/// A valid national ID number, unique within this test binary.
fn fresh_id_number() -> String {
    let seq = SEQ.fetch_add(1, Ordering::SeqCst);
    let body = format!("110105198506{:02}{:03}", seq % 28 + 1, seq % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

fn uuid_of(id: &str) -> Uuid {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(id).unwrap()).unwrap();
    Uuid::parse_str(raw.split_once(':').unwrap().1).unwrap()
}

struct Fixture {
    app: TestApp,
    police: String,
    coord: String,
}

impl Fixture {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let police = app.login("police").await;
        let coord = app.login("coord").await;
        Self { app, police, coord }
    }

    /// A person listed at `level`, held since `held_days` ago, with no incidents.
    async fn person(&self, level: &str, held_days: i64) -> (String, Uuid) {
        let villages = self.app.gql(Some(&self.police), "{ villages { id } }", json!({})).await;
        let input = json!({ "name": "流程测试", "idNumber": fresh_id_number(), "villageId": villages["data"]["villages"][0]["id"],
                            "attentionLevel": level, "categories": ["PROVOCATION"] });
        let body = self
            .app
            .gql(
                Some(&self.police),
                "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id } } }",
                json!({ "i": input }),
            )
            .await;
        let id = body["data"]["createPerson"]["person"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
        let uuid = uuid_of(&id);
        person::Entity::update_many()
            .col_expr(person::Column::LevelSince, Expr::value(days_ago(held_days)))
            .filter(person::Column::Id.eq(uuid))
            .exec(&self.app.state.db)
            .await
            .unwrap();
        (id, uuid)
    }

    async fn incident(&self, person: Uuid, days: i64) {
        let recorder = entity::app_user::Entity::find().one(&self.app.state.db).await.unwrap().unwrap();
        person_incident::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person),
            occurred_on: Set(days_ago(days)),
            kind: Set("警情".into()),
            summary: Set("测试事件".into()),
            recorded_by_user_id: Set(recorder.id),
            created_at: Set(Utc::now()),
        }
        .insert(&self.app.state.db)
        .await
        .unwrap();
    }

    async fn talk(&self, person: Uuid, days: i64) {
        let officer = entity::app_user::Entity::find().one(&self.app.state.db).await.unwrap().unwrap();
        person_talk::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person),
            talked_on: Set(days_ago(days)),
            officer_id: Set(officer.id),
            kind: Set(entity::enums::TalkKind::Education),
            summary: Set("谈话".into()),
            recorded_by_user_id: Set(officer.id),
            created_at: Set(Utc::now()),
        }
        .insert(&self.app.state.db)
        .await
        .unwrap();
    }

    async fn request_step_down(&self, id: &str) -> Value {
        self.app
            .gql(
                Some(&self.police),
                "mutation($id: ID!) { requestStepDown(input: { personId: $id, reason: \"表现良好\" }) { person { levelHistory { id kind status toLevel } } } }",
                json!({ "id": id }),
            )
            .await
    }

    async fn decide(&self, token: &str, change: &str, decision: &str, number: Option<&str>) -> Value {
        self.app
            .gql(
                Some(token),
                "mutation($i: DecideStepDownInput!) { decideStepDown(input: $i) { person { attentionLevel status } } }",
                json!({ "i": { "levelChangeId": change, "decision": decision, "comment": "同意",
                               "approvingBody": "区扫黑办", "documentNumber": number } }),
            )
            .await
    }

    async fn level_of(&self, uuid: Uuid) -> person::Model {
        person::Entity::find_by_id(uuid).one(&self.app.state.db).await.unwrap().unwrap()
    }
}

fn pending_change(body: &Value) -> String {
    let history =
        body["data"]["requestStepDown"]["person"]["levelHistory"].as_array().unwrap_or_else(|| panic!("{body}"));
    let pending = history.iter().find(|c| c["status"] == "PENDING").unwrap_or_else(|| panic!("{body}"));
    pending["id"].as_str().unwrap().to_owned()
}

fn message(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_step_down_needs_183_days_at_the_level() {
    let f = Fixture::new().await;
    let (young, young_id) = f.person("KEY", 182).await;
    let refused = f.request_step_down(&young).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(message(&refused).contains("Held KEY only since"), "{refused}");
    let changes = person_level_change::Entity::find()
        .filter(person_level_change::Column::PersonId.eq(young_id))
        .count(&f.app.state.db)
        .await
        .unwrap();
    assert_eq!(changes, 1, "only the initial listing: nothing written");

    let (held, _) = f.person("KEY", 183).await;
    let asked = f.request_step_down(&held).await;
    assert!(asked["errors"].is_null(), "{asked}");
    let history = &asked["data"]["requestStepDown"]["person"]["levelHistory"];
    assert_eq!(history[0]["status"], "PENDING");
    assert_eq!(history[0]["toLevel"], "GENERAL");
    let again = f.request_step_down(&held).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "one pending request at a time: {again}");
}

#[tokio::test]
async fn an_incident_182_days_ago_blocks_a_step_down_and_183_days_ago_does_not() {
    let f = Fixture::new().await;
    let (recent, recent_id) = f.person("SPECIAL", 400).await;
    f.incident(recent_id, 182).await;
    let refused = f.request_step_down(&recent).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(message(&refused).contains(&format!("incident on {}", days_ago(182))), "{refused}");

    let (older, older_id) = f.person("SPECIAL", 400).await;
    f.incident(older_id, 183).await;
    let asked = f.request_step_down(&older).await;
    assert!(asked["errors"].is_null(), "{asked}");
}

#[tokio::test]
async fn the_coordinator_approves_with_body_and_document_and_the_level_drops() {
    let f = Fixture::new().await;
    let (id, uuid) = f.person("KEY", 200).await;
    let change = pending_change(&f.request_step_down(&id).await);

    let by_police = f.decide(&f.police, &change, "APPROVE", Some("区扫黑办〔2026〕1号")).await;
    assert_eq!(error_code(&by_police), Some("FORBIDDEN"), "{by_police}");
    let no_number = f.decide(&f.coord, &change, "APPROVE", None).await;
    assert_eq!(error_code(&no_number), Some("BAD_USER_INPUT"), "{no_number}");
    assert_eq!(no_number["errors"][0]["extensions"]["field"], "input.documentNumber");
    assert_eq!(f.level_of(uuid).await.attention_level, AttentionLevel::Key, "nothing written");

    let approved = f.decide(&f.coord, &change, "APPROVE", Some("区扫黑办〔2026〕1号")).await;
    assert_eq!(approved["data"]["decideStepDown"]["person"]["attentionLevel"], "GENERAL", "{approved}");
    let stored = person_level_change::Entity::find_by_id(uuid_of(&change)).one(&f.app.state.db).await.unwrap().unwrap();
    assert_eq!(stored.status, LevelChangeStatus::Approved);
    assert_eq!(stored.approving_body.as_deref(), Some("区扫黑办"));
    assert_eq!(stored.document_number.as_deref(), Some("区扫黑办〔2026〕1号"));

    let twice = f.decide(&f.coord, &change, "REJECT", None).await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");
    assert!(message(&twice).contains("already been decided"));
}

#[tokio::test]
async fn delisting_closes_the_dossier_and_further_writes_conflict() {
    let f = Fixture::new().await;
    let (id, uuid) = f.person("GENERAL", 365).await;
    let change = pending_change(&f.request_step_down(&id).await);
    let approved = f.decide(&f.coord, &change, "APPROVE", Some("撤管〔2026〕7号")).await;
    assert_eq!(approved["data"]["decideStepDown"]["person"]["status"], "DELISTED", "{approved}");
    assert_eq!(f.level_of(uuid).await.status, entity::enums::RecordStatus::Delisted);

    let talk = f
        .app
        .gql(
            Some(&f.police),
            "mutation($id: ID!, $d: Date!) { recordTalk(input: { personId: $id, talkedOn: $d, kind: EDUCATION, summary: \"x\" }) { person { id } } }",
            json!({ "id": id, "d": today().to_string() }),
        )
        .await;
    assert_eq!(error_code(&talk), Some("CONFLICT"), "{talk}");
    let still =
        f.app.gql(Some(&f.police), "query($id: ID!) { person(id: $id) { name status } }", json!({ "id": id })).await;
    assert_eq!(still["data"]["person"]["status"], "DELISTED", "the dossier is kept: {still}");
}

#[tokio::test]
async fn a_request_cannot_be_decided_by_the_unit_that_made_it() {
    let f = Fixture::new().await;
    let (_, uuid) = f.person("KEY", 300).await;
    let coord_unit = entity::org_unit::Entity::find()
        .filter(entity::org_unit::Column::Name.eq("清河镇扫黑办"))
        .one(&f.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let change = Uuid::now_v7();
    let now = Utc::now();
    person_level_change::ActiveModel {
        id: Set(change),
        person_id: Set(uuid),
        kind: Set(LevelChangeKind::StepDown),
        status: Set(LevelChangeStatus::Pending),
        from_level: Set(Some(AttentionLevel::Key)),
        to_level: Set(Some(AttentionLevel::General)),
        reason: Set("x".into()),
        requested_by_user_id: Set(None),
        requested_by_unit_id: Set(Some(coord_unit.id)),
        decided_by_user_id: Set(None),
        decided_by_unit_id: Set(None),
        decision_comment: Set(None),
        approving_body: Set(None),
        document_number: Set(None),
        decided_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&f.app.state.db)
    .await
    .unwrap();
    let id = URL_SAFE_NO_PAD.encode(format!("LevelChange:{change}"));
    let body = f.decide(&f.coord, &id, "APPROVE", Some("1号")).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert!(message(&body).contains("unit that made it"), "{body}");
}

#[tokio::test]
async fn of_two_decisions_at_once_exactly_one_wins() {
    let f = Fixture::new().await;
    let (id, _) = f.person("SPECIAL", 300).await;
    let change = pending_change(&f.request_step_down(&id).await);
    let coord2 = f.app.login("coord").await;
    let (a, b) =
        tokio::join!(f.decide(&f.coord, &change, "APPROVE", Some("1号")), f.decide(&coord2, &change, "REJECT", None));
    let wins = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
    let conflicts = [&a, &b].iter().filter(|r| error_code(r) == Some("CONFLICT")).count();
    assert_eq!((wins, conflicts), (1, 1), "{a}\n{b}");
}

#[tokio::test]
async fn a_second_incident_89_days_after_the_first_makes_a_person_special() {
    let f = Fixture::new().await;
    let record = "mutation($id: ID!, $d: Date!) { recordIncident(input: { personId: $id, occurredOn: $d, kind: \"警情\", summary: \"再次滋事\" }) {
                    person { attentionLevel levelHistory { kind status fromLevel toLevel reason requestedByUnitId } } } }";
    let (general, _) = f.person("GENERAL", 30).await;
    f.app.gql(Some(&f.police), record, json!({ "id": general, "d": days_ago(89).to_string() })).await;
    let second = f.app.gql(Some(&f.police), record, json!({ "id": general, "d": today().to_string() })).await;
    let p = &second["data"]["recordIncident"]["person"];
    assert_eq!(p["attentionLevel"], "SPECIAL", "{second}");
    let auto = &p["levelHistory"][0];
    assert_eq!(auto["kind"], "AUTO_ESCALATION");
    assert_eq!(auto["fromLevel"], "GENERAL");
    assert!(auto["requestedByUnitId"].is_null(), "made by the system: {auto}");
    assert!(auto["reason"].as_str().unwrap().contains(&days_ago(89).to_string()));

    let (key, _) = f.person("KEY", 30).await;
    f.app.gql(Some(&f.police), record, json!({ "id": key, "d": days_ago(90).to_string() })).await;
    let apart = f.app.gql(Some(&f.police), record, json!({ "id": key, "d": today().to_string() })).await;
    assert_eq!(apart["data"]["recordIncident"]["person"]["attentionLevel"], "KEY", "90 days apart: {apart}");
}

#[tokio::test]
async fn raising_is_immediate_and_must_go_up() {
    let f = Fixture::new().await;
    let (id, uuid) = f.person("GENERAL", 10).await;
    let raise = "mutation($id: ID!, $l: AttentionLevel!) { raiseAttention(input: { personId: $id, level: $l, reason: \"多次滋事\" }) { person { attentionLevel levelHistory { kind toLevel } } } }";
    let same = f.app.gql(Some(&f.police), raise, json!({ "id": id, "l": "GENERAL" })).await;
    assert_eq!(error_code(&same), Some("BAD_USER_INPUT"));
    assert_eq!(same["errors"][0]["extensions"]["field"], "input.level");
    let up = f.app.gql(Some(&f.police), raise, json!({ "id": id, "l": "SPECIAL" })).await;
    assert_eq!(up["data"]["raiseAttention"]["person"]["attentionLevel"], "SPECIAL", "{up}");
    assert_eq!(up["data"]["raiseAttention"]["person"]["levelHistory"][0]["kind"], "RAISE");
    assert_eq!(f.level_of(uuid).await.level_since, today());
    let by_coord = f.app.gql(Some(&f.coord), raise, json!({ "id": id, "l": "SPECIAL" })).await;
    assert_eq!(error_code(&by_coord), Some("FORBIDDEN"));
}

#[tokio::test]
async fn assessments_are_for_key_and_special_persons_and_measures_climb_the_ladder() {
    let f = Fixture::new().await;
    let assess = "mutation($id: ID!, $d: Date!) { recordAssessment(input: { personId: $id, assessedOn: $d, thoughtClear: true, employmentClear: true,
                   familyClear: false, familyNote: \"家庭矛盾\", socialClear: true, whereaboutsClear: true, employmentStable: true, mindStable: false }) {
                   person { assessments { assessedOn familyClear familyNote mindStable } } } }";
    let (general, _) = f.person("GENERAL", 10).await;
    let refused = f.app.gql(Some(&f.police), assess, json!({ "id": general, "d": today().to_string() })).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    let (key, _) = f.person("KEY", 10).await;
    let future =
        f.app.gql(Some(&f.police), assess, json!({ "id": key, "d": (today() + Duration::days(1)).to_string() })).await;
    assert_eq!(future["errors"][0]["extensions"]["field"], "input.assessedOn");
    let done = f.app.gql(Some(&f.police), assess, json!({ "id": key, "d": today().to_string() })).await;
    assert_eq!(done["data"]["recordAssessment"]["person"]["assessments"][0]["familyNote"], "家庭矛盾", "{done}");
    let sifa = f.app.login("sifa").await;
    let not_theirs = f.app.gql(Some(&sifa), assess, json!({ "id": key, "d": today().to_string() })).await;
    assert_eq!(error_code(&not_theirs), Some("NOT_FOUND"), "the judicial office sees tagged persons only");

    let measure = "mutation($id: ID!, $k: MeasureKind!) { recordMeasure(input: { personId: $id, kind: $k, takenOn: \"2026-01-05\", note: \"训诫\" }) { person { measures { kind takenOn } } } }";
    let m = f.app.gql(Some(&f.police), measure, json!({ "id": key, "k": "ADMONITION_TALK" })).await;
    assert_eq!(m["data"]["recordMeasure"]["person"]["measures"][0]["kind"], "ADMONITION_TALK", "{m}");
}

#[tokio::test]
async fn talk_status_follows_the_level_interval_and_drives_the_overdue_filter_and_order() {
    let f = Fixture::new().await;
    let (late, late_id) = f.person("SPECIAL", 100).await;
    f.talk(late_id, 31).await;
    let (fine, fine_id) = f.person("SPECIAL", 100).await;
    f.talk(fine_id, 29).await;
    let status = "query($id: ID!) { person(id: $id) { talkStatus { lastTalkAt nextDueAt overdue } } }";
    let late_status = f.app.gql(Some(&f.police), status, json!({ "id": late })).await;
    assert_eq!(
        late_status["data"]["person"]["talkStatus"],
        json!({ "lastTalkAt": days_ago(31).to_string(), "nextDueAt": days_ago(1).to_string(), "overdue": true })
    );
    let fine_status = f.app.gql(Some(&f.police), status, json!({ "id": fine })).await;
    assert_eq!(fine_status["data"]["person"]["talkStatus"]["overdue"], false);

    let list = "query($o: Boolean) { people(first: 100, filter: { talkOverdue: $o }, orderBy: { field: NEXT_DUE }) { nodes { id talkStatus { nextDueAt overdue } } } }";
    let overdue = f.app.gql(Some(&f.police), list, json!({ "o": true })).await;
    let nodes = overdue["data"]["people"]["nodes"].as_array().unwrap_or_else(|| panic!("{overdue}"));
    assert!(nodes.iter().any(|p| p["id"] == late.as_str()));
    assert!(!nodes.iter().any(|p| p["id"] == fine.as_str()));
    assert!(nodes.iter().all(|p| p["talkStatus"]["overdue"] == true), "SQL and the status agree: {overdue}");
    let due: Vec<&str> = nodes.iter().map(|p| p["talkStatus"]["nextDueAt"].as_str().unwrap()).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted, "ordered by next due date");
    let on_time = f.app.gql(Some(&f.police), list, json!({ "o": false })).await;
    let on_time = on_time["data"]["people"]["nodes"].as_array().unwrap();
    assert!(on_time.iter().any(|p| p["id"] == fine.as_str()));
    assert!(on_time.iter().all(|p| p["talkStatus"]["overdue"] == false));

    let village = f.app.login("dongzhuang").await;
    let forbidden = f.app.gql(Some(&village), list, json!({ "o": true })).await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"));
}

#[tokio::test]
async fn the_judicial_office_filters_released_prisoners_within_five_years() {
    let f = Fixture::new().await;
    let sifa = f.app.login("sifa").await;
    let villages = f.app.gql(Some(&sifa), "{ villages { id } }", json!({})).await;
    let create = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id } } }";
    let mut ids = Vec::new();
    for release in [days_ago(365), days_ago(6 * 365)] {
        let input = json!({ "name": "刑释", "idNumber": fresh_id_number(), "villageId": villages["data"]["villages"][0]["id"],
                            "attentionLevel": "GENERAL", "categories": ["PRIOR_VIOLENCE"],
                            "judicialTags": [{ "tag": "RELEASED_PRISONER", "releaseDate": release.to_string() }] });
        let body = f.app.gql(Some(&sifa), create, json!({ "i": input })).await;
        ids.push(body["data"]["createPerson"]["person"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned());
    }
    let body = f
        .app
        .gql(Some(&sifa), "{ people(first: 100, filter: { releasedWithinFiveYears: true }) { nodes { id judicialTags { tag releaseDate } } } }", json!({}))
        .await;
    let nodes = body["data"]["people"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert!(nodes.iter().any(|p| p["id"] == ids[0].as_str()), "{body}");
    assert!(!nodes.iter().any(|p| p["id"] == ids[1].as_str()), "{body}");
}
