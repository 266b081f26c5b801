//! Key persons through the access spine: rows, field groups, filters, writes (access.md "Persons").

use entity::{audit_log, lead, lead_subject, person, person_talk};
use pingan_tests::{TestApp, error_code, uuid_of};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};
use std::collections::HashSet;

const PEOPLE: &str = "query($f: PersonFilter, $first: Int, $after: String) {
  people(filter: $f, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name idNumber phone categories notes village { name }
            viewerCan { readBasic readIdentity readRecord readNotes update recordTalk } }
  }
}";

async fn people(app: &TestApp, token: &str, filter: Value) -> Value {
    app.gql(Some(token), PEOPLE, json!({ "f": filter, "first": 100 })).await
}

fn nodes(body: &Value) -> &Vec<Value> {
    body["data"]["people"]["nodes"].as_array().unwrap_or_else(|| panic!("no people: {body}"))
}

async fn qinghe_town(app: &TestApp) -> uuid::Uuid {
    entity::town::Entity::find()
        .filter(entity::town::Column::Name.eq("清河镇"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn qinghe_person_count(app: &TestApp) -> usize {
    let town = qinghe_town(app).await;
    person::Entity::find().filter(person::Column::TownId.eq(town)).count(&app.state.db).await.unwrap() as usize
}

#[tokio::test]
async fn police_sees_every_person_of_the_town_with_every_group() {
    let app = TestApp::spawn().await;
    let body = people(&app, &app.login("police").await, json!(null)).await;
    let list = nodes(&body);
    assert_eq!(list.len(), qinghe_person_count(&app).await);
    assert_eq!(body["data"]["people"]["totalCount"], list.len());
    assert!(list.iter().all(|p| p["idNumber"].is_string() && p["categories"].is_array()), "{body}");
    assert!(list.iter().any(|p| p["notes"].is_string()), "demo persons carry notes");
    assert!(list.iter().all(|p| p["viewerCan"]["readNotes"] == true && p["viewerCan"]["update"] == true));
}

#[tokio::test]
async fn coordinator_reads_identity_and_record_but_never_notes() {
    let app = TestApp::spawn().await;
    let body = people(&app, &app.login("coord").await, json!(null)).await;
    let list = nodes(&body);
    assert_eq!(list.len(), qinghe_person_count(&app).await);
    assert!(list.iter().all(|p| p["idNumber"].is_string() && p["notes"].is_null()), "{body}");
    assert!(list.iter().all(|p| p["viewerCan"]["readNotes"] == false && p["viewerCan"]["update"] == false));
}

#[tokio::test]
async fn judicial_office_sees_only_persons_with_a_judicial_tag() {
    let app = TestApp::spawn().await;
    let token = app.login("sifa").await;
    let body = people(&app, &token, json!(null)).await;
    let list = nodes(&body);
    let tagged: HashSet<uuid::Uuid> = entity::person_judicial_tag::Entity::find()
        .select_only()
        .column(entity::person_judicial_tag::Column::PersonId)
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert!(!tagged.is_empty());
    // Liulin has no judicial tags in the demo, so every tagged person is in Qinghe.
    assert_eq!(list.len(), tagged.len(), "{body}");
    assert!(list.iter().all(|p| p["idNumber"].is_string() && p["notes"].is_null()));
    assert!(list.iter().all(|p| p["viewerCan"]["recordTalk"] == true && p["viewerCan"]["update"] == false));
}

#[tokio::test]
async fn a_village_sees_its_own_residents_with_basic_fields_only() {
    let app = TestApp::spawn().await;
    let body = people(&app, &app.login("dongzhuang").await, json!(null)).await;
    let list = nodes(&body);
    assert!(!list.is_empty());
    for p in list {
        assert_eq!(p["village"]["name"], "东庄村", "{p}");
        assert!(p["name"].is_string());
        for hidden in ["idNumber", "phone", "categories", "notes"] {
            assert!(p[hidden].is_null(), "{hidden} leaked: {p}");
        }
        assert_eq!(
            p["viewerCan"],
            json!({ "readBasic": true, "readIdentity": false, "readRecord": false, "readNotes": false, "update": false, "recordTalk": false })
        );
    }
}

#[tokio::test]
async fn discipline_sees_only_subjects_of_umbrella_leads() {
    let app = TestApp::spawn().await;
    let town = qinghe_town(&app).await;
    let umbrella_leads: Vec<uuid::Uuid> = lead::Entity::find()
        .select_only()
        .column(lead::Column::Id)
        .filter(lead::Column::TownId.eq(town))
        .filter(lead::Column::Umbrella.eq(true))
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap();
    let subjects: HashSet<uuid::Uuid> = lead_subject::Entity::find()
        .filter(lead_subject::Column::LeadId.is_in(umbrella_leads))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| s.person_id)
        .collect();
    let body = people(&app, &app.login("jiwei").await, json!(null)).await;
    let list = nodes(&body);
    assert_eq!(list.len(), subjects.len(), "{body}");
    assert!(list.iter().all(|p| p["idNumber"].is_string() && p["categories"].is_null() && p["notes"].is_null()));
}

#[tokio::test]
async fn admin_reads_no_persons_and_another_town_sees_none_of_ours() {
    let app = TestApp::spawn().await;
    let admin = people(&app, &app.login("admin").await, json!(null)).await;
    assert_eq!(error_code(&admin), Some("FORBIDDEN"), "{admin}");
    let liulin = people(&app, &app.login("liulin_police").await, json!(null)).await;
    assert!(!nodes(&liulin).is_empty());
    assert!(
        nodes(&liulin).iter().all(|p| p["village"]["name"] == "柳林村" || p["village"]["name"] == "河口村"),
        "{liulin}"
    );
}

#[tokio::test]
async fn filtering_on_a_group_the_viewer_lacks_is_forbidden_before_any_query() {
    let app = TestApp::spawn().await;
    let village = app.login("dongzhuang").await;
    let body = people(&app, &village, json!({ "category": "VICE" })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let police = people(&app, &app.login("police").await, json!({ "category": "VICE" })).await;
    let vice = nodes(&police);
    assert!(vice.iter().all(|p| p["categories"].as_array().unwrap().contains(&json!("VICE"))), "{police}");
    let by_level = people(&app, &village, json!({ "attentionLevel": ["SPECIAL"], "namePrefix": "" })).await;
    assert!(by_level["errors"].is_null(), "{by_level}");
}

#[tokio::test]
async fn keyset_pages_cover_every_row_once() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app.gql(Some(&token), PEOPLE, json!({ "first": 7, "after": after })).await;
        let page = &body["data"]["people"];
        seen.extend(page["nodes"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let all = people(&app, &token, json!(null)).await;
    let expected: Vec<String> = nodes(&all).iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(seen, expected);
    let too_many = app.gql(Some(&token), PEOPLE, json!({ "first": 101 })).await;
    assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"));
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "first");
}

const PERSON: &str = "query($id: ID!) { person(id: $id) { id name } node(id: $id) { id } }";

#[tokio::test]
async fn an_out_of_scope_person_looks_exactly_like_a_missing_one_and_the_attempt_is_audited() {
    let app = TestApp::spawn().await;
    let police = people(&app, &app.login("police").await, json!(null)).await;
    let village = app.login("dongzhuang").await;
    let outsider =
        nodes(&police).iter().find(|p| p["village"]["name"] != "东庄村").unwrap()["id"].as_str().unwrap().to_owned();
    let random = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Person:{}", uuid::Uuid::now_v7()))
    };
    let hidden = app.gql(Some(&village), PERSON, json!({ "id": outsider })).await;
    let missing = app.gql(Some(&village), PERSON, json!({ "id": random })).await;
    assert_eq!(hidden, missing);
    assert_eq!(hidden, json!({ "data": { "person": null, "node": null } }));
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Username.eq("dongzhuang"))
        .filter(audit_log::Column::Outcome.eq(entity::enums::AuditOutcome::Denied))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(denied, 1, "one denied attempt on a real person, none for the random id");
}

#[tokio::test]
async fn reading_identity_is_audited_without_values_and_discipline_can_find_who_read() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let list = app.gql(Some(&police), "{ people(first: 1) { nodes { id name } } }", json!({})).await;
    let id = list["data"]["people"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let before = audit_log::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(before, 0, "names alone are not audited");
    let read =
        app.gql(Some(&police), "query($id: ID!) { person(id: $id) { idNumber notes } }", json!({ "id": id })).await;
    let id_number = read["data"]["person"]["idNumber"].as_str().unwrap().to_owned();

    let log = app
        .gql(
            Some(&app.login("jiwei").await),
            "query($id: ID!) { auditLog(filter: { objectId: $id }) { nodes { username unitName action fieldGroups outcome objectId } } }",
            json!({ "id": id }),
        )
        .await;
    let entries = log["data"]["auditLog"]["nodes"].as_array().unwrap_or_else(|| panic!("{log}"));
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["username"], "police");
    assert_eq!(entries[0]["fieldGroups"], json!(["identity", "notes"]));
    assert!(!log.to_string().contains(&id_number), "the audit log holds no values");

    let by_police = app.gql(Some(&police), "{ auditLog { nodes { id } } }", json!({})).await;
    assert_eq!(error_code(&by_police), Some("FORBIDDEN"));
}

const CREATE: &str = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id name gender birthDate idNumber judicialTags { tag } } } }";

async fn village_id(app: &TestApp, token: &str, name: &str) -> String {
    let body = app.gql(Some(token), "{ villages { id name } }", json!({})).await;
    body["data"]["villages"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A valid national ID number for a man born 1990-03-07 (check digit computed).
fn id_number(seq: &str) -> String {
    pingan_tests::id_for("19900307", &format!("0{seq}1"))
}

#[tokio::test]
async fn police_creates_a_person_with_defaults_from_the_id_number() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let village = village_id(&app, &police, "西庄村").await;
    let input = json!({ "name": "测试人", "idNumber": id_number("1"), "villageId": village, "attentionLevel": "KEY", "categories": ["VICE"] });
    let body = app.gql(Some(&police), CREATE, json!({ "input": input })).await;
    let person = &body["data"]["createPerson"]["person"];
    assert_eq!(person["gender"], "MALE", "{body}");
    assert_eq!(person["birthDate"], "1990-03-07");
    let again = app.gql(Some(&police), CREATE, json!({ "input": input })).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "one dossier per ID number: {again}");
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let village = village_id(&app, &police, "西庄村").await;
    let before = person::Entity::find().count(&app.state.db).await.unwrap();
    let good = json!({ "name": "测试人", "idNumber": id_number("2"), "villageId": village, "attentionLevel": "KEY", "categories": ["VICE"] });
    let cases = [
        ("idNumber", json!("110105199003070211"), "input.idNumber"),
        ("phone", json!("call me"), "input.phone"),
        ("gender", json!("FEMALE"), "input.gender"),
        ("categories", json!([]), "input.categories"),
        ("name", json!("名".repeat(51)), "input.name"),
        ("villageId", json!("bm90LWEtdmlsbGFnZQ"), "input.villageId"),
    ];
    for (key, value, field) in cases {
        let mut input = good.clone();
        input[key] = value;
        let body = app.gql(Some(&police), CREATE, json!({ "input": input })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{key}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(person::Entity::find().count(&app.state.db).await.unwrap(), before);
}

#[tokio::test]
async fn the_judicial_office_adding_a_person_it_cannot_read_answers_as_for_a_new_one_and_leaves_the_dossier_alone() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let sifa = app.login("sifa").await;
    let village = village_id(&app, &police, "东庄村").await;
    let base = json!({ "name": "刑释人员", "villageId": village, "attentionLevel": "GENERAL", "categories": ["PRIOR_VIOLENCE"],
                       "judicialTags": [{ "tag": "RELEASED_PRISONER", "releaseDate": "2024-05-01" }] });
    let mut existing = base.clone();
    existing["idNumber"] = json!(id_number("3"));
    existing.as_object_mut().unwrap().remove("judicialTags");
    app.gql(Some(&police), CREATE, json!({ "input": existing })).await;
    let mut fresh = base.clone();
    fresh["idNumber"] = json!(id_number("4"));
    let mut known = base.clone();
    known["idNumber"] = json!(id_number("3"));

    let new_answer = app.gql(Some(&sifa), CREATE, json!({ "input": fresh })).await;
    let known_answer = app.gql(Some(&sifa), CREATE, json!({ "input": known })).await;
    let shape = |v: &Value| {
        let mut p = v["data"]["createPerson"]["person"].clone();
        p["id"] = json!("…");
        p["idNumber"] = json!("…");
        p
    };
    assert_eq!(shape(&new_answer), shape(&known_answer), "{new_answer} vs {known_answer}");
    assert_eq!(known_answer["data"]["createPerson"]["person"]["judicialTags"], json!([{ "tag": "RELEASED_PRISONER" }]));
    let town = qinghe_town(&app).await;
    let dossiers = person::Entity::find()
        .filter(person::Column::TownId.eq(town))
        .filter(person::Column::IdNumber.eq(id_number("3")))
        .filter(person::Column::LinkOfPersonId.is_null())
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(dossiers.len(), 1, "one dossier per ID number; the judicial office's record waits for a link");
    assert_ne!(uuid_of(&known_answer["data"]["createPerson"]["person"]["id"]), dossiers[0].id);
    let tags = entity::person_judicial_tag::Entity::find()
        .filter(entity::person_judicial_tag::Column::PersonId.eq(dossiers[0].id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(tags, 0, "no tag on the dossier until the police station confirms the link");
}

#[tokio::test]
async fn updates_need_the_current_version_and_talks_follow_the_rules() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let list = app
        .gql(
            Some(&police),
            "{ people(first: 1, filter: { status: ACTIVE }) { nodes { id version village { name } } } }",
            json!({}),
        )
        .await;
    let p = &list["data"]["people"]["nodes"][0];
    let (id, version) = (p["id"].as_str().unwrap(), p["version"].as_i64().unwrap());
    let update = "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { version address } } }";
    let ok = app
        .gql(
            Some(&police),
            update,
            json!({ "input": { "id": id, "expectedVersion": version, "address": "新地址1号" } }),
        )
        .await;
    assert_eq!(ok["data"]["updatePerson"]["person"]["version"], version + 1, "{ok}");
    let stale = app
        .gql(Some(&police), update, json!({ "input": { "id": id, "expectedVersion": version, "address": "旧" } }))
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");

    let talk =
        "mutation($input: RecordTalkInput!) { recordTalk(input: $input) { person { talks { talkedOn summary } } } }";
    let tomorrow = (pingan::domain::lead_flow::today() + chrono::Duration::days(1)).to_string();
    let future = app
        .gql(
            Some(&police),
            talk,
            json!({ "input": { "personId": id, "talkedOn": tomorrow, "kind": "EDUCATION", "summary": "谈话" } }),
        )
        .await;
    assert_eq!(error_code(&future), Some("BAD_USER_INPUT"));
    assert_eq!(future["errors"][0]["extensions"]["field"], "input.talkedOn");
    let talks_before = person_talk::Entity::find().count(&app.state.db).await.unwrap();
    let today = pingan::domain::lead_flow::today().to_string();
    let done = app
        .gql(
            Some(&police),
            talk,
            json!({ "input": { "personId": id, "talkedOn": today, "kind": "EDUCATION", "summary": "按期谈话" } }),
        )
        .await;
    assert_eq!(done["data"]["recordTalk"]["person"]["talks"][0]["summary"], "按期谈话", "{done}");
    assert_eq!(person_talk::Entity::find().count(&app.state.db).await.unwrap(), talks_before + 1);

    // A village may read its resident but not record a talk; another village's resident is
    // simply not there.
    let resident_village = p["village"]["name"].as_str().unwrap();
    let (own, other) = match resident_village {
        "东庄村" => ("dongzhuang", "xizhuang"),
        "西庄村" => ("xizhuang", "dongzhuang"),
        _ => ("nanwan", "dongzhuang"),
    };
    let input = json!({ "input": { "personId": id, "talkedOn": today, "kind": "EDUCATION", "summary": "x" } });
    let by_own = app.gql(Some(&app.login(own).await), talk, input.clone()).await;
    assert_eq!(error_code(&by_own), Some("FORBIDDEN"), "{by_own}");
    let by_other = app.gql(Some(&app.login(other).await), talk, input).await;
    assert_eq!(error_code(&by_other), Some("NOT_FOUND"), "{by_other}");
}

#[tokio::test]
async fn a_nested_page_costs_the_same_number_of_statements_at_any_size() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    // Enough persons for a page of 50.
    let village = village_id(&app, &token, "南湾社区").await;
    for i in 0..25 {
        let input = json!({ "name": format!("批量{i}"), "idNumber": pingan_tests::id_for("19850101", &format!("{:03}", 100 + i)),
                            "villageId": village, "attentionLevel": "GENERAL", "categories": ["VICE"] });
        let body = app.gql(Some(&token), CREATE, json!({ "input": input })).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let query =
        "query($n: Int) { people(first: $n) { nodes { name idNumber village { name } responsibleOfficer { displayName }
                   talks { summary officer { displayName } } incidents { summary } categories judicialTags { tag }
                   viewerCan { update } } } }";
    // Once first: the names the page shows are then kept (`pingan::directory`, PostgreSQL).
    app.gql(Some(&token), query, json!({ "n": 1 })).await;
    let mut counts = Vec::new();
    for n in [1, 50] {
        let before = app.state.statements.load(std::sync::atomic::Ordering::SeqCst);
        let body = app.gql(Some(&token), query, json!({ "n": n })).await;
        assert_eq!(body["data"]["people"]["nodes"].as_array().unwrap().len(), n as usize, "{body}");
        counts.push(app.state.statements.load(std::sync::atomic::Ordering::SeqCst) - before);
    }
    println!("statements for a nested people query: page of 1 = {}, page of 50 = {}", counts[0], counts[1]);
    assert_eq!(counts[0], counts[1], "statement count grows with the page size: {counts:?}");
}

#[tokio::test]
async fn admin_reads_only_administration_entries_of_the_audit_log() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    app.gql(Some(&police), "{ people(first: 5) { nodes { idNumber } } }", json!({})).await;
    let admin = app.login("admin").await;
    let xizhuang = app.gql(Some(&app.login("xizhuang").await), "{ me { id } }", json!({})).await;
    let deactivate = "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { active } }";
    app.gql(Some(&admin), deactivate, json!({ "id": xizhuang["data"]["me"]["id"] })).await;

    let query = "{ auditLog { totalCount nodes { action category objectType } } }";
    let by_admin = app.gql(Some(&admin), query, json!({})).await;
    let entries = by_admin["data"]["auditLog"]["nodes"].as_array().unwrap_or_else(|| panic!("{by_admin}"));
    assert_eq!(entries.len(), 1, "{by_admin}");
    assert_eq!(entries[0]["category"], "ADMINISTRATION");
    assert_eq!(entries[0]["action"], "deactivate_user");

    let by_discipline = app.gql(Some(&app.login("jiwei").await), query, json!({})).await;
    assert_eq!(
        by_discipline["data"]["auditLog"]["totalCount"], 6,
        "5 person reads and the deactivation: {by_discipline}"
    );
}

#[tokio::test]
async fn the_version_shows_only_to_viewers_who_read_every_group() {
    let app = TestApp::spawn().await;
    let query = "{ people(first: 100) { nodes { name version } } }";
    let police = app.gql(Some(&app.login("police").await), query, json!({})).await;
    assert!(nodes(&police).iter().all(|p| p["version"].is_i64()), "{police}");
    // A talk bumps the version: a village that saw it change would learn of a record it may not read.
    let village = app.gql(Some(&app.login("dongzhuang").await), query, json!({})).await;
    assert!(nodes(&village).iter().all(|p| p["version"].is_null()), "{village}");
}

#[tokio::test]
async fn a_page_reads_its_villages_and_officers_in_one_statement_and_only_from_the_viewers_town() {
    let app = TestApp::spawn().await;
    // The coordinator reads the police station's persons; their officer is a policeman.
    let token = app.login("coord").await;
    let statements = async |query: &str| {
        let before = app.state.statements.load(std::sync::atomic::Ordering::SeqCst);
        let body = app.gql(Some(&token), query, json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
        (body, app.state.statements.load(std::sync::atomic::Ordering::SeqCst) - before)
    };
    let (_, bare) = statements("{ people(first: 50) { nodes { name } } }").await;
    let named = "{ people(first: 50) { nodes { name village { name } responsibleOfficer { id displayName } } } }";
    let (body, with_names) = statements(named).await;
    assert_eq!(with_names, bare + 1, "villages and officers cost one statement together");
    let rows = nodes(&body);
    assert!(rows.iter().all(|p| p["village"]["name"].is_string()), "{body}");
    let officer = rows
        .iter()
        .find_map(|p| p["responsibleOfficer"]["id"].as_str())
        .unwrap_or_else(|| panic!("no responsible officer on the page: {body}"))
        .to_owned();
    assert!(
        rows.iter().all(|p| p["responsibleOfficer"].is_null() || p["responsibleOfficer"]["displayName"].is_string())
    );

    // An officer who is no longer of the viewer's town is not named, by the page's one statement
    // as by the officer loader; the village still is.
    let other_town: uuid::Uuid = entity::town::Entity::find()
        .filter(entity::town::Column::Name.ne("清河镇"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a second town")
        .id;
    let moved = entity::app_user::Entity::update_many()
        .col_expr(entity::app_user::Column::TownId, sea_orm::sea_query::Expr::value(other_town))
        .filter(entity::app_user::Column::Id.eq(uuid_of(&json!(officer))))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(moved.rows_affected, 1);
    // The change was made outside the server: a server that keeps names (`pingan::directory`)
    // hears of it when PostgreSQL delivers the announcement, milliseconds after the commit.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    let body = loop {
        let (body, _) = statements(named).await;
        let named_still = nodes(&body).iter().any(|p| p["responsibleOfficer"]["id"].as_str() == Some(officer.as_str()));
        if !named_still || tokio::time::Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let rows = nodes(&body);
    assert!(rows.iter().all(|p| p["responsibleOfficer"]["id"].as_str() != Some(officer.as_str())), "{body}");
    assert!(rows.iter().any(|p| p["responsibleOfficer"].is_null()), "{body}");
    assert!(rows.iter().all(|p| p["village"]["name"].is_string()), "{body}");
}
