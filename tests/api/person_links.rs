//! The judicial office listing a person the town already holds in a dossier it cannot read
//! (issue 12, finding 3): it gets its own record, exactly as for a new person, and the police
//! station decides whether the two are linked.

use entity::{person, task};
use pingan_tests::{TestApp, error_code, uuid_of};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// Everything `createPerson` can answer about a person.
const CREATE: &str = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { person {
  id version name gender birthDate idNumber phone address attentionLevel status listedAt notes
  village { name } responsibleOfficer { displayName } categories judicialTags { tag releaseDate }
  talks { summary } incidents { summary } assessments { id } measures { id } levelHistory { kind reason }
  talkStatus { overdue }
  viewerCan { readBasic readIdentity readRecord readNotes update recordTalk recordIncident recordAssessment }
} } }";

const PERSON: &str = "query($id: ID!) { person(id: $id) { id name phone address categories judicialTags { tag }
  talks { summary } } }";

const DECIDE: &str = "mutation($input: DecidePersonLinkInput!) { decidePersonLink(input: $input) { person { id judicialTags { tag } } } }";

const LINK_TASKS: &str =
    "{ tasks(first: 100, filter: { kind: PERSON_LINK }) { nodes { id version title description status
  raisedByRule target { ... on Person { id } } creatingUnit { name } assigneeUnit { name } events { kind body } } } }";

/// What the police hold on the dossier, and none of it is the judicial office's to see.
const DOSSIER_NAME: &str = "派出所在管对象";
const DOSSIER_PHONE: &str = "13912345678";
const DOSSIER_ADDRESS: &str = "东庄村三组十八号";
const DOSSIER_TALK: &str = "派出所训诫谈话：交代其与涉黑团伙往来情况";

async fn village_id(app: &TestApp, token: &str, name: &str) -> String {
    let body = app.gql(Some(token), "{ villages { id name } }", json!({})).await;
    body["data"]["villages"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A police-only key person (no judicial tag) with phone, address, categories, notes and a talk;
/// returns its id.
async fn police_dossier(app: &TestApp, police: &str, id_number: &str) -> String {
    let village = village_id(app, police, "东庄村").await;
    let input = json!({ "name": DOSSIER_NAME, "idNumber": id_number, "villageId": village, "attentionLevel": "KEY",
                        "categories": ["PRIOR_GANG_CRIME", "LOCAL_TYRANT"], "phone": DOSSIER_PHONE,
                        "address": DOSSIER_ADDRESS, "notes": "侦查备注" });
    let body = app.gql(Some(police), CREATE, json!({ "input": input })).await;
    let id = body["data"]["createPerson"]["person"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let today = pingan::domain::lead_flow::today().to_string();
    app.mutate_typed(
        police,
        "recordTalk",
        "RecordTalkInput",
        json!({ "personId": id, "talkedOn": today, "kind": "ADMONITION", "summary": DOSSIER_TALK }),
        "person { id }",
    )
    .await;
    id
}

/// What the judicial office types for a released prisoner.
fn judicial_input(village: &str, id_number: &str) -> Value {
    json!({ "name": "刑释人员甲", "idNumber": id_number, "villageId": village, "attentionLevel": "GENERAL",
            "categories": ["PRIOR_VIOLENCE"], "judicialTags": [{ "tag": "RELEASED_PRISONER", "releaseDate": "2024-05-01" }] })
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), CREATE, json!({ "input": input })).await
}

fn created(body: &Value) -> &Value {
    let person = &body["data"]["createPerson"]["person"];
    assert!(person.is_object(), "{body}");
    person
}

async fn tasks_seen(app: &TestApp, token: &str) -> Value {
    app.gql(
        Some(token),
        "{ tasks(first: 100) { totalCount nodes { id status } } myTasks(first: 100) { totalCount } }",
        json!({}),
    )
    .await
}

async fn link_tasks(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.gql(Some(token), LINK_TASKS, json!({})).await;
    body["data"]["tasks"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}")).clone()
}

async fn decide(app: &TestApp, token: &str, person: &str, confirm: bool) -> Value {
    app.gql(Some(token), DECIDE, json!({ "input": { "personId": person, "confirm": confirm, "note": "已核实" } })).await
}

async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(Some(token), PERSON, json!({ "id": id })).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["person"].clone()
}

#[tokio::test]
async fn the_judicial_office_listing_a_police_only_person_gets_only_what_it_typed_as_for_a_new_person() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let sifa = app.login("sifa").await;
    let known_number = pingan_tests::id_for("19880412", "051");
    let dossier = police_dossier(&app, &police, &known_number).await;
    let village = village_id(&app, &sifa, "东庄村").await;
    let tasks_before = tasks_seen(&app, &sifa).await;
    assert!(read(&app, &sifa, &dossier).await.is_null(), "the dossier is not the judicial office's to read");

    let fresh = create(&app, &sifa, judicial_input(&village, &pingan_tests::id_for("19880412", "073"))).await;
    let known = create(&app, &sifa, judicial_input(&village, &known_number)).await;

    let text = known.to_string();
    for secret in
        [DOSSIER_NAME, DOSSIER_PHONE, DOSSIER_ADDRESS, DOSSIER_TALK, "PRIOR_GANG_CRIME", "LOCAL_TYRANT", "KEY"]
    {
        assert!(!text.contains(secret), "the dossier's {secret} reached the judicial office: {known}");
    }
    let record = created(&known);
    assert_ne!(record["id"], json!(dossier), "the judicial office gets its own record, not the dossier");
    assert_eq!(record["name"], "刑释人员甲");
    assert_eq!(record["idNumber"], json!(known_number));
    assert_eq!(record["categories"], json!(["PRIOR_VIOLENCE"]));
    assert_eq!(record["talks"], json!([]));
    let shape = |v: &Value| {
        let mut p = created(v).clone();
        p["id"] = json!("…");
        p["idNumber"] = json!("…");
        p
    };
    assert_eq!(shape(&fresh), shape(&known), "an ID number the town holds answers like a new one");

    assert!(read(&app, &sifa, &dossier).await.is_null(), "the dossier stays out of the judicial scope");
    let police_view = read(&app, &police, &dossier).await;
    assert_eq!(police_view["phone"], DOSSIER_PHONE);
    assert_eq!(police_view["judicialTags"], json!([]), "no tag is written on the dossier before the police agree");
    assert_eq!(tasks_seen(&app, &sifa).await, tasks_before, "no task appears for the judicial office");
}

#[tokio::test]
async fn the_police_confirming_a_link_bring_the_dossier_and_the_judicial_talks_together() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let sifa = app.login("sifa").await;
    let number = pingan_tests::id_for("19790923", "115");
    let dossier = police_dossier(&app, &police, &number).await;
    let village = village_id(&app, &sifa, "东庄村").await;
    let mut input = judicial_input(&village, &number);
    input["linkReason"] = json!("该人员于2024年刑满释放，户籍在东庄村，由本所安置帮教。");
    let record = created(&create(&app, &sifa, input).await)["id"].as_str().unwrap().to_owned();
    app.mutate_typed(
        &sifa,
        "recordTalk",
        "RecordTalkInput",
        json!({ "personId": record, "talkedOn": pingan::domain::lead_flow::today().to_string(),
                "kind": "EDUCATION", "summary": "司法所安置帮教谈话" }),
        "person { id }",
    )
    .await;

    let tasks = link_tasks(&app, &police).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task["title"], "司法所人员关联申请");
    assert_eq!(task["description"], "该人员于2024年刑满释放，户籍在东庄村，由本所安置帮教。");
    assert_eq!(task["status"], "OPEN");
    assert_eq!(task["target"]["id"], json!(record));
    assert_eq!(task["creatingUnit"]["name"], "清河派出所", "the police station raises it for itself");
    assert_eq!(task["assigneeUnit"]["name"], "清河派出所");
    assert!(link_tasks(&app, &sifa).await.is_empty());

    let decided = decide(&app, &police, &record, true).await;
    assert!(decided["errors"].is_null(), "{decided}");
    assert_eq!(decided["data"]["decidePersonLink"]["person"]["id"], json!(dossier), "{decided}");

    let seen = read(&app, &sifa, &dossier).await;
    assert_eq!(seen["name"], DOSSIER_NAME, "the judicial office now reads the dossier: {seen}");
    assert_eq!(seen["judicialTags"], json!([{ "tag": "RELEASED_PRISONER" }]));
    let talks: Vec<&str> = seen["talks"].as_array().unwrap().iter().map(|t| t["summary"].as_str().unwrap()).collect();
    assert!(talks.contains(&"司法所安置帮教谈话") && talks.contains(&DOSSIER_TALK), "{seen}");
    assert!(read(&app, &sifa, &record).await.is_null(), "the provisional record is gone");
    assert!(person::Entity::find_by_id(uuid_of(&json!(record))).one(&app.state.db).await.unwrap().is_none());
    let real = person::Entity::find().filter(person::Column::IdNumber.eq(&number)).all(&app.state.db).await.unwrap();
    assert_eq!(real.len(), 1, "one dossier for the ID number");

    let task = &link_tasks(&app, &police).await[0];
    assert_eq!(task["status"], "ACCEPTED");
    assert_eq!(task["events"].as_array().unwrap().last().unwrap()["kind"], "SYSTEM_CLOSED", "{task}");
    assert_eq!(error_code(&decide(&app, &police, &record, true).await), Some("NOT_FOUND"));

    // The judicial office listing the ID number again now meets the dossier it reads.
    let again = create(&app, &sifa, judicial_input(&village, &number)).await;
    assert_eq!(created(&again)["id"], json!(dossier), "{again}");
}

#[tokio::test]
async fn the_police_declining_a_link_leave_the_judicial_office_with_only_its_own_record() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let sifa = app.login("sifa").await;
    let number = pingan_tests::id_for("19830117", "209");
    let dossier = police_dossier(&app, &police, &number).await;
    let village = village_id(&app, &sifa, "东庄村").await;
    let record =
        created(&create(&app, &sifa, judicial_input(&village, &number)).await)["id"].as_str().unwrap().to_owned();
    let task = &link_tasks(&app, &police).await[0];
    assert!(task["description"].as_str().is_some_and(|d| !d.is_empty()), "a default reason: {task}");

    let decided = decide(&app, &police, &record, false).await;
    assert_eq!(decided["data"]["decidePersonLink"]["person"]["id"], json!(record), "{decided}");
    assert!(read(&app, &sifa, &dossier).await.is_null(), "the dossier stays hidden");
    assert_eq!(read(&app, &police, &dossier).await["judicialTags"], json!([]));
    let own = read(&app, &sifa, &record).await;
    assert_eq!(own["name"], "刑释人员甲", "{own}");
    let people = app
        .gql(Some(&sifa), "{ people(first: 100) { pageInfo { hasNextPage } nodes { id name phone } } }", json!({}))
        .await;
    assert_eq!(people["data"]["people"]["pageInfo"]["hasNextPage"], false, "{people}");
    let text = people.to_string();
    assert!(text.contains(&record) && !text.contains(&dossier) && !text.contains(DOSSIER_PHONE), "{people}");
    let row = person::Entity::find_by_id(uuid_of(&json!(record))).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.link_of_person_id, Some(uuid_of(&json!(dossier))), "a declined link is never offered again");

    let task = &link_tasks(&app, &police).await[0];
    assert_eq!(task["status"], "ACCEPTED");
    assert_eq!(error_code(&decide(&app, &police, &record, true).await), Some("CONFLICT"), "decided once");

    // Listing the ID number again gives the judicial office its own record back, and no new request.
    let again = create(&app, &sifa, judicial_input(&village, &number)).await;
    assert_eq!(created(&again)["id"], json!(record), "{again}");
    assert_eq!(link_tasks(&app, &police).await.len(), 1);
}

#[tokio::test]
async fn only_the_police_decide_links_and_their_own_duplicates_are_still_a_conflict() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let sifa = app.login("sifa").await;
    let number = pingan_tests::id_for("19910630", "337");
    let dossier = police_dossier(&app, &police, &number).await;
    let village = village_id(&app, &sifa, "东庄村").await;
    let record =
        created(&create(&app, &sifa, judicial_input(&village, &number)).await)["id"].as_str().unwrap().to_owned();

    for user in ["coord", "sifa", "jiwei", "dongzhuang", "admin"] {
        let token = app.login(user).await;
        let body = decide(&app, &token, &record, true).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}");
    }
    let on_dossier = decide(&app, &police, &dossier, true).await;
    assert_eq!(error_code(&on_dossier), Some("BAD_USER_INPUT"), "{on_dossier}");
    assert_eq!(on_dossier["errors"][0]["extensions"]["field"], "input.personId");

    // Only the decision closes the request: the generic task steps do not.
    let task = link_tasks(&app, &police).await[0].clone();
    let cancel = "mutation($input: TaskStepInput!) { cancelTask(input: $input) { task { status } } }";
    let input = json!({ "taskId": task["id"], "expectedVersion": task["version"] });
    let cancelled = app.gql(Some(&police), cancel, json!({ "input": input })).await;
    assert_eq!(error_code(&cancelled), Some("CONFLICT"), "{cancelled}");

    let mut duplicate = judicial_input(&village, &number);
    duplicate.as_object_mut().unwrap().remove("judicialTags");
    let body = create(&app, &police, duplicate).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "one dossier per ID number for the police: {body}");
    let open: Vec<task::Model> = task::Entity::find()
        .filter(task::Column::TargetId.eq(uuid_of(&json!(record))))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(open.iter().any(|t| t.status == entity::enums::TaskStatus::Open));
}

#[tokio::test]
async fn every_link_request_and_decision_is_audited_against_the_dossier() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let sifa = app.login("sifa").await;
    let jiwei = app.login("jiwei").await;
    let village = village_id(&app, &sifa, "东庄村").await;
    let (first, second) = (pingan_tests::id_for("19750205", "411"), pingan_tests::id_for("19750205", "433"));
    let confirmed = police_dossier(&app, &police, &first).await;
    let declined = police_dossier(&app, &police, &second).await;
    for number in [&first, &second] {
        create(&app, &sifa, judicial_input(&village, number)).await;
    }
    let tasks = link_tasks(&app, &police).await;
    for task in &tasks {
        let record = task["target"]["id"].as_str().unwrap().to_owned();
        let dossier_of = person::Entity::find_by_id(uuid_of(&json!(record))).one(&app.state.db).await.unwrap().unwrap();
        let confirm = dossier_of.id_number == first;
        assert!(decide(&app, &police, &record, confirm).await["errors"].is_null());
    }
    let log = "query($id: ID!) { auditLog(filter: { objectId: $id }) { nodes { username action objectId } } }";
    for (dossier, decision) in [(&confirmed, "confirm_person_link"), (&declined, "reject_person_link")] {
        let body = app.gql(Some(&jiwei), log, json!({ "id": dossier })).await;
        let entries = body["data"]["auditLog"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
        let has = |user: &str, action: &str| entries.iter().any(|e| e["username"] == user && e["action"] == action);
        assert!(has("sifa", "request_person_link"), "{body}");
        assert!(has("police", decision), "{body}");
    }
}
