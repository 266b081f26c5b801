//! Supervision tasks: who sees which (access.md "Supervision tasks"), the task's life, and
//! targets that resolve under their own rules.

use std::collections::BTreeSet;

use entity::enums::TaskTargetType;
use entity::{lead, org_unit, task, town};
use pingan_tests::{TestApp, error_code};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

fn gid(kind: &str, id: Uuid) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

async fn unit_id(app: &TestApp, name: &str) -> Uuid {
    org_unit::Entity::find().filter(org_unit::Column::Name.eq(name)).one(&app.state.db).await.unwrap().unwrap().id
}

#[tokio::test]
async fn every_role_sees_the_tasks_of_its_unit_and_its_duty() {
    let app = TestApp::spawn().await;
    let qinghe =
        town::Entity::find().filter(town::Column::Name.eq("清河镇")).one(&app.state.db).await.unwrap().unwrap();
    let tasks = task::Entity::find().filter(task::Column::TownId.eq(qinghe.id)).all(&app.state.db).await.unwrap();
    let umbrella: BTreeSet<Uuid> = lead::Entity::find()
        .filter(lead::Column::Umbrella.eq(true))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
    let on_umbrella = |t: &task::Model| {
        t.target_type == Some(TaskTargetType::Lead) && t.target_id.is_some_and(|id| umbrella.contains(&id))
    };
    for (user, unit) in [
        ("coord", "清河镇扫黑办"),
        ("jiwei", "清河镇纪委"),
        ("police", "清河派出所"),
        ("sifa", "清河司法所"),
        ("dongzhuang", "东庄村"),
        ("nanwan", "南湾社区"),
    ] {
        let unit = unit_id(&app, unit).await;
        let expected: BTreeSet<String> = tasks
            .iter()
            .filter(|t| {
                t.assignee_unit_id == unit
                    || (t.creating_unit_id == unit && user != "coord")
                    || (user == "coord" && !on_umbrella(t))
                    || (user == "jiwei" && on_umbrella(t))
            })
            .map(|t| gid("Task", t.id))
            .collect();
        let body =
            app.gql(Some(&app.login(user).await), "{ tasks(first: 100) { totalCount nodes { id } } }", json!({})).await;
        let seen: BTreeSet<String> = body["data"]["tasks"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{user}: {body}"))
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(seen, expected, "{user}");
        assert_eq!(body["data"]["tasks"]["totalCount"], expected.len());
    }
    let admin = app.gql(Some(&app.login("admin").await), "{ tasks { nodes { id } } }", json!({})).await;
    assert_eq!(error_code(&admin), Some("FORBIDDEN"), "admin sees no tasks");
    let liulin =
        app.gql(Some(&app.login("liulin_coord").await), "{ tasks(first: 100) { nodes { title } } }", json!({})).await;
    assert_eq!(liulin["data"]["tasks"]["nodes"].as_array().unwrap().len(), 4, "{liulin}");
}

const CREATE: &str = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id status title listed target { id } targetSummary } } }";

fn step(name: &str) -> String {
    format!(
        "mutation($id: ID!, $v: Int!, $b: String) {{ {name}(input: {{ taskId: $id, expectedVersion: $v, body: $b }}) {{ task {{ status version events {{ kind body }} }} }} }}"
    )
}

#[tokio::test]
async fn a_task_runs_from_open_to_accepted_with_a_return_on_the_way() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let police_unit = gid("OrgUnit", unit_id(&app, "清河派出所").await);
    let created = app
        .gql(Some(&coord), CREATE, json!({ "i": { "title": "督办：夜市治安整治", "assigneeUnitId": police_unit, "dueAt": "2099-01-01T00:00:00Z", "listed": true } }))
        .await;
    let task = &created["data"]["createTask"]["task"];
    assert_eq!(task["status"], "OPEN", "{created}");
    assert_eq!(task["listed"], true);
    let id = task["id"].as_str().unwrap();

    let mine = app.gql(Some(&police), "{ myTasks(first: 100) { nodes { id } } }", json!({})).await;
    assert!(mine["data"]["myTasks"]["nodes"].as_array().unwrap().iter().any(|t| t["id"] == id), "{mine}");

    let mut version = 1;
    let early = app.gql(Some(&police), &step("submitTask"), json!({ "id": id, "v": version })).await;
    assert_eq!(error_code(&early), Some("CONFLICT"));
    assert_eq!(early["errors"][0]["extensions"]["allowed"], json!(["startTask", "addTaskFeedback", "cancelTask"]));
    let accept_by_assignee = app.gql(Some(&police), &step("acceptTask"), json!({ "id": id, "v": version })).await;
    assert_eq!(error_code(&accept_by_assignee), Some("FORBIDDEN"), "{accept_by_assignee}");

    for (who, name, body, status) in [
        (&police, "startTask", None, "IN_PROGRESS"),
        (&police, "addTaskFeedback", Some("已组织巡查两次"), "IN_PROGRESS"),
        (&police, "submitTask", None, "SUBMITTED"),
        (&coord, "returnTask", Some("缺少整改照片"), "IN_PROGRESS"),
        (&police, "submitTask", None, "SUBMITTED"),
        (&coord, "acceptTask", None, "ACCEPTED"),
    ] {
        let res = app.gql(Some(who), &step(name), json!({ "id": id, "v": version, "b": body })).await;
        assert_eq!(res["data"][name]["task"]["status"], status, "{name}: {res}");
        version = res["data"][name]["task"]["version"].as_i64().unwrap();
    }
    let done = app
        .gql(
            Some(&coord),
            "query($id: ID!) { node(id: $id) { ... on Task { events { kind body } overdue } } }",
            json!({ "id": id }),
        )
        .await;
    let kinds: Vec<&str> =
        done["data"]["node"]["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["CREATED", "STARTED", "FEEDBACK", "SUBMITTED", "RETURNED", "SUBMITTED", "ACCEPTED"]);
    let mine = app.gql(Some(&police), "{ myTasks(first: 100) { nodes { id } } }", json!({})).await;
    assert!(
        !mine["data"]["myTasks"]["nodes"].as_array().unwrap().iter().any(|t| t["id"] == id),
        "accepted tasks leave the work list"
    );
    let no_reason = app.gql(Some(&coord), &step("cancelTask"), json!({ "id": id, "v": version })).await;
    assert_eq!(error_code(&no_reason), Some("CONFLICT"), "a closed task takes no step");
}

#[tokio::test]
async fn creating_a_task_checks_the_creator_the_target_and_the_due_time() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let village_unit = gid("OrgUnit", unit_id(&app, "东庄村").await);
    let base = json!({ "title": "督办", "assigneeUnitId": village_unit, "dueAt": "2099-01-01T00:00:00Z" });
    let mut past = base.clone();
    past["dueAt"] = json!("2020-01-01T00:00:00Z");
    let body = app.gql(Some(&coord), CREATE, json!({ "i": past })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.dueAt", "{body}");
    let by_village = app.gql(Some(&app.login("dongzhuang").await), CREATE, json!({ "i": base })).await;
    assert_eq!(error_code(&by_village), Some("FORBIDDEN"));

    // A person outside 东庄村: the coordinator names it, the village assignee sees the task but
    // neither the person nor anything about it.
    let police = app.login("police").await;
    let people =
        app.gql(Some(&police), "{ people(first: 100) { nodes { id name village { name } } } }", json!({})).await;
    let outsider = people["data"]["people"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["village"]["name"] != "东庄村")
        .unwrap()
        .clone();
    let mut with_target = base.clone();
    with_target["targetId"] = outsider["id"].clone();
    let created = app.gql(Some(&coord), CREATE, json!({ "i": with_target })).await;
    let summary = created["data"]["createTask"]["task"]["targetSummary"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    assert!(summary.contains(outsider["name"].as_str().unwrap()));
    let id = created["data"]["createTask"]["task"]["id"].clone();
    let dongzhuang = app.login("dongzhuang").await;
    let seen = app
        .gql(
            Some(&dongzhuang),
            "query($id: ID!) { node(id: $id) { ... on Task { title target { id } targetSummary } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(seen["data"]["node"]["title"], "督办", "{seen}");
    assert!(seen["data"]["node"]["target"].is_null() && seen["data"]["node"]["targetSummary"].is_null(), "{seen}");
    assert!(!seen.to_string().contains(outsider["name"].as_str().unwrap()));

    // The discipline commission creates tasks on umbrella leads only.
    let jiwei = app.login("jiwei").await;
    let discipline_unit = gid("OrgUnit", unit_id(&app, "清河镇纪委").await);
    let plain = json!({ "title": "初核", "assigneeUnitId": discipline_unit, "dueAt": "2099-01-01T00:00:00Z" });
    let no_target = app.gql(Some(&jiwei), CREATE, json!({ "i": plain })).await;
    assert_eq!(error_code(&no_target), Some("FORBIDDEN"), "{no_target}");
    let umbrella = app.gql(Some(&jiwei), "{ leads(first: 1) { nodes { id } } }", json!({})).await;
    let mut on_lead = plain.clone();
    on_lead["targetId"] = umbrella["data"]["leads"]["nodes"][0]["id"].clone();
    let ok = app.gql(Some(&jiwei), CREATE, json!({ "i": on_lead })).await;
    assert_eq!(ok["data"]["createTask"]["task"]["status"], "OPEN", "{ok}");
    let coord_view = app
        .gql(
            Some(&coord),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": ok["data"]["createTask"]["task"]["id"] }),
        )
        .await;
    assert_eq!(coord_view["data"]["node"], Value::Null, "the coordinator never sees tasks on umbrella leads");
}

#[tokio::test]
async fn my_tasks_lists_open_work_overdue_first_then_by_due_date() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let body = app
        .gql(
            Some(&police),
            "{ myTasks(first: 100) { nodes { dueAt overdue status assigneeUnit { name } } } }",
            json!({}),
        )
        .await;
    let nodes = body["data"]["myTasks"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert!(!nodes.is_empty());
    assert!(
        nodes.iter().all(|t| t["assigneeUnit"]["name"] == "清河派出所"
            && t["status"] != "ACCEPTED"
            && t["status"] != "CANCELLED")
    );
    let overdue: Vec<bool> = nodes.iter().map(|t| t["overdue"].as_bool().unwrap()).collect();
    let first_on_time = overdue.iter().position(|o| !o).unwrap_or(overdue.len());
    assert!(overdue[first_on_time..].iter().all(|o| !o), "overdue first: {overdue:?}");
    let due: Vec<&str> = nodes.iter().map(|t| t["dueAt"].as_str().unwrap()).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted);
}
