//! Emergency plans, drills and weekly updates of risk items, and tasks that target a risk item
//! (issue 15, items 7 and 8; seed 004 "一事一案 … 应急处置预案", "明确包案单位和领导",
//! "每周调整更新").
//!
//! The weekly boundary: an item reported in a week first owes the next week's update, raised at
//! Monday 00:00 local and not at Sunday 23:59; an update recorded on the Sunday does not count
//! for the next week.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{TaskKind, TaskStatus};
use entity::{risk_item, risk_weekly_update, task};
use pingan::domain::lead_flow::{self, end_of_day, start_of_day};
use pingan::rules;
use pingan_tests::{TestApp, error_code, global_id, uuid_of};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const ITEM: &str = "query($id: ID!) { riskItem(id: $id) { id version status hasEmergencyPlan
  emergencyPlan { revision triggerCriteria releaseCriteria command duties measures supplies leadOfficial leadUnit { name } drills { heldOn summary } }
  planRevisions { revision leadOfficial } weeklyUpdates { updatedOn summary }
  viewerCan { readDetail readEmergency savePlan recordDrill recordWeeklyUpdate } } }";

async fn unit_gid(app: &TestApp, name: &str) -> String {
    global_id("OrgUnit", app.unit_id(name).await)
}

/// An item 东庄村 reports, assessed at `level` by the coordinator with `sector` as assignee.
async fn assessed(app: &TestApp, level: &str, category: &str, sector: &str) -> String {
    let (dongzhuang, coord) = (app.login("dongzhuang").await, app.login("coord").await);
    let report = json!({ "title": "预案测试隐患", "category": category, "description": "群体性纠纷苗头", "location": "东庄村二组" });
    let item = app.mutate(&dongzhuang, "reportRisk", report, "riskItem { id }").await;
    let id = item["riskItem"]["id"].as_str().unwrap().to_owned();
    let assess = json!({ "riskItemId": id, "level": level, "sectorUnitId": unit_gid(app, sector).await,
                         "responsiblePerson": "包案干部 刘某", "plan": "一事一策" });
    app.mutate(&coord, "assessRisk", assess, "riskItem { id }").await;
    id
}

async fn plan(app: &TestApp, token: &str, item: &str, official: &str) -> Value {
    let input = json!({ "riskItemId": item, "triggerCriteria": "聚集超过10人", "releaseCriteria": "人员散去24小时无反复",
                        "command": "镇党委副书记任总指挥", "duties": "派出所维持秩序，司法所调解", "measures": "现场劝离，依法处置",
                        "supplies": "执法记录仪、应急车辆", "leadOfficial": official,
                        "leadUnitId": unit_gid(app, "清河派出所").await });
    app.gql(
        Some(token),
        "mutation($i: SaveRiskPlanInput!) { saveRiskPlan(input: $i) { riskItem { id } } }",
        json!({ "i": input }),
    )
    .await
}

#[tokio::test]
async fn a_high_item_cannot_leave_assessment_until_it_has_a_plan_with_its_lead_official_and_unit() {
    let app = TestApp::spawn().await;
    let (coord, police) = (app.login("coord").await, app.login("police").await);
    let high = assessed(&app, "HIGH", "PUBLIC_SAFETY_HAZARD", "清河派出所").await;
    let feedback = |id: &str| json!({ "i": { "riskItemId": id, "body": "已到场处置" } });
    const FEEDBACK: &str =
        "mutation($i: RecordRiskFeedbackInput!) { recordRiskFeedback(input: $i) { riskItem { status } } }";
    let refused = app.gql(Some(&police), FEEDBACK, feedback(&high)).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["allowed"], json!(["saveRiskPlan"]), "{refused}");
    const RESOLVE: &str = "mutation($i: ResolveRiskInput!) { resolveRisk(input: $i) { riskItem { status } } }";
    let resolve =
        app.gql(Some(&coord), RESOLVE, json!({ "i": { "riskItemId": high, "resolutionNote": "已化解" } })).await;
    assert_eq!(error_code(&resolve), Some("CONFLICT"), "销号 is leaving assessment too: {resolve}");

    let saved = plan(&app, &coord, &high, "镇党委副书记 王某").await;
    assert!(saved["errors"].is_null(), "{saved}");
    let body = app.gql(Some(&police), FEEDBACK, feedback(&high)).await;
    assert_eq!(body["data"]["recordRiskFeedback"]["riskItem"]["status"], "RESOLVING", "{body}");

    let medium = assessed(&app, "MEDIUM", "PUBLIC_SAFETY_HAZARD", "清河派出所").await;
    let body = app.gql(Some(&police), FEEDBACK, feedback(&medium)).await;
    assert_eq!(
        body["data"]["recordRiskFeedback"]["riskItem"]["status"], "RESOLVING",
        "a MEDIUM item needs no plan: {body}"
    );
}

#[tokio::test]
async fn each_save_is_a_revision_and_the_latest_is_the_plan_in_force() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let item = assessed(&app, "HIGH", "PUBLIC_SAFETY_HAZARD", "清河派出所").await;
    plan(&app, &coord, &item, "镇党委副书记 王某").await;
    plan(&app, &coord, &item, "镇长 李某").await;
    let body = app.gql(Some(&coord), ITEM, json!({ "id": item })).await;
    let seen = &body["data"]["riskItem"];
    assert_eq!(seen["emergencyPlan"]["revision"], 2, "{body}");
    assert_eq!(seen["emergencyPlan"]["leadOfficial"], "镇长 李某");
    assert_eq!(seen["emergencyPlan"]["leadUnit"]["name"], "清河派出所");
    assert_eq!(
        seen["planRevisions"],
        json!([{ "revision": 2, "leadOfficial": "镇长 李某" }, { "revision": 1, "leadOfficial": "镇党委副书记 王某" }])
    );
    let bad = json!({ "i": { "riskItemId": item, "triggerCriteria": "x", "releaseCriteria": "x", "command": "x",
                             "duties": "x", "measures": "x", "supplies": "x", "leadOfficial": "某",
                             "leadUnitId": global_id("OrgUnit", Uuid::now_v7()) } });
    let refused = app
        .gql(Some(&coord), "mutation($i: SaveRiskPlanInput!) { saveRiskPlan(input: $i) { riskItem { id } } }", bad)
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["field"], "input.leadUnitId", "{refused}");
    let body = app.gql(Some(&coord), ITEM, json!({ "id": item })).await;
    assert_eq!(body["data"]["riskItem"]["planRevisions"].as_array().unwrap().len(), 2, "nothing written");
}

#[tokio::test]
async fn the_village_sees_that_a_plan_exists_and_those_who_handle_the_item_see_its_content() {
    let app = TestApp::spawn().await;
    let (coord, police, dongzhuang, sifa) =
        (app.login("coord").await, app.login("police").await, app.login("dongzhuang").await, app.login("sifa").await);
    let item = assessed(&app, "HIGH", "PUBLIC_SAFETY_HAZARD", "清河派出所").await;
    let before = app.gql(Some(&dongzhuang), ITEM, json!({ "id": item })).await;
    assert_eq!(before["data"]["riskItem"]["hasEmergencyPlan"], false, "{before}");
    plan(&app, &coord, &item, "镇党委副书记 王某").await;
    let drill =
        json!({ "i": { "riskItemId": item, "heldOn": lead_flow::today().to_string(), "summary": "夜间演练一次" } });
    let drilled = app
        .gql(Some(&police), "mutation($i: RecordDrillInput!) { recordDrill(input: $i) { riskItem { id } } }", drill)
        .await;
    assert!(drilled["errors"].is_null(), "the assignee police record a drill: {drilled}");

    let village = app.gql(Some(&dongzhuang), ITEM, json!({ "id": item })).await;
    let seen = &village["data"]["riskItem"];
    assert_eq!(seen["hasEmergencyPlan"], true, "{village}");
    assert!(
        seen["emergencyPlan"].is_null() && seen["planRevisions"].is_null() && seen["drills"].is_null(),
        "{village}"
    );
    assert!(seen["version"].is_number(), "the plan keeps its own revisions: the village still reads the version");
    assert_eq!(seen["viewerCan"]["readEmergency"], false);
    assert!(!village.to_string().contains("聚集超过10人") && !village.to_string().contains("夜间演练"));

    let handler = app.gql(Some(&police), ITEM, json!({ "id": item })).await;
    assert_eq!(handler["data"]["riskItem"]["emergencyPlan"]["triggerCriteria"], "聚集超过10人", "{handler}");
    assert_eq!(handler["data"]["riskItem"]["emergencyPlan"]["drills"][0]["summary"], "夜间演练一次");
    // The judicial office does not read a public-safety item it has nothing to do with.
    let other = app.gql(Some(&sifa), ITEM, json!({ "id": item })).await;
    assert!(other["data"]["riskItem"].is_null(), "{other}");
    let refused = plan(&app, &police, &item, "某").await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "only the coordinator saves the plan: {refused}");
    let hidden = plan(&app, &sifa, &item, "某").await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
}

/// The town's local midnight starting `day`, and the last minute before it.
fn midnight(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (start_of_day(day), start_of_day(day) - Duration::minutes(1))
}

async fn weekly_tasks(app: &TestApp, item: Uuid) -> Vec<task::Model> {
    task::Entity::find()
        .filter(task::Column::Kind.eq(TaskKind::WeeklyRiskUpdate))
        .filter(task::Column::TargetId.eq(item))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_weekly_update_task_is_raised_at_monday_midnight_not_sunday_2359_and_the_update_closes_it() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let item = assessed(&app, "LOW", "TRAFFIC_SAFETY", "清河派出所").await;
    let uuid = uuid_of(&json!(item));
    // Reported on a Wednesday three weeks back; that week it owes nothing.
    let this_monday = rules::monday_of(lead_flow::today());
    let monday = this_monday - Duration::weeks(2);
    let mut row: risk_item::ActiveModel =
        risk_item::Entity::find_by_id(uuid).one(&app.state.db).await.unwrap().unwrap().into();
    row.created_at = Set(start_of_day(monday - Duration::days(5)) + Duration::hours(10));
    row.update(&app.state.db).await.unwrap();

    let (at_midnight, before_midnight) = midnight(monday);
    rules::sweep_all(&app.state.db, &app.state.task_events, before_midnight).await.unwrap();
    assert!(weekly_tasks(&app, uuid).await.is_empty(), "Sunday 23:59 is still the week it was reported in");
    rules::sweep_all(&app.state.db, &app.state.task_events, at_midnight).await.unwrap();
    let raised = weekly_tasks(&app, uuid).await;
    assert_eq!(raised.len(), 1, "Monday 00:00 owes the week's update");
    let office = app.unit_id("清河镇扫黑办").await;
    assert_eq!((raised[0].assignee_unit_id, raised[0].creating_unit_id), (office, office));
    assert_eq!(raised[0].due_at, end_of_day(monday + Duration::days(6)), "due at the end of Sunday");

    // This week's update closes it; one dated last Sunday would not have.
    let recorder = app.unit_id("清河镇扫黑办").await;
    let user = entity::app_user::Entity::find()
        .filter(entity::app_user::Column::OrgUnitId.eq(recorder))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    risk_weekly_update::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(uuid),
        updated_on: Set(this_monday - Duration::days(1)),
        summary: Set("上周日更新".into()),
        recorded_by_user_id: Set(user.id),
        created_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    rules::sweep_all(&app.state.db, &app.state.task_events, Utc::now()).await.unwrap();
    let open: Vec<task::Model> =
        weekly_tasks(&app, uuid).await.into_iter().filter(|t| t.status == TaskStatus::Open).collect();
    assert_eq!(open.len(), 1, "last Sunday's update does not count for this week");
    let input = json!({ "i": { "riskItemId": item, "summary": "本周无新情况" } });
    let body = app
        .gql(
            Some(&coord),
            "mutation($i: RecordRiskWeeklyUpdateInput!) { recordRiskWeeklyUpdate(input: $i) { riskItem { weeklyUpdates { updatedOn summary } } } }",
            input,
        )
        .await;
    assert_eq!(
        body["data"]["recordRiskWeeklyUpdate"]["riskItem"]["weeklyUpdates"][0]["summary"], "本周无新情况",
        "{body}"
    );
    let closed = task::Entity::find_by_id(open[0].id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(closed.status, TaskStatus::Accepted, "the update closes the week's task");
}

const CREATE_TASK: &str = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id targetSummary target { ... on RiskItem { id } } } } }";

#[tokio::test]
async fn a_task_may_target_a_risk_item_its_creator_reads_and_a_hidden_one_is_missing() {
    let app = TestApp::spawn().await;
    let (coord, jiwei) = (app.login("coord").await, app.login("jiwei").await);
    let item = assessed(&app, "MEDIUM", "PUBLIC_SAFETY_HAZARD", "清河派出所").await;
    let due = (Utc::now() + Duration::days(3)).to_rfc3339();
    let input = |target: &str| json!({ "i": { "title": "督办隐患整改", "assigneeUnitId": global_id("OrgUnit", Uuid::nil()), "dueAt": due, "targetId": target } });
    let mut ok = input(&item);
    ok["i"]["assigneeUnitId"] = json!(unit_gid(&app, "清河派出所").await);
    let body = app.gql(Some(&coord), CREATE_TASK, ok.clone()).await;
    let created = &body["data"]["createTask"]["task"];
    assert_eq!(created["target"]["id"], item.as_str(), "{body}");
    assert_eq!(created["targetSummary"], "风险隐患 预案测试隐患");

    // The discipline commission reads no item it is not assigned: the id is as good as random.
    let hidden = app.gql(Some(&jiwei), CREATE_TASK, ok.clone()).await;
    let mut random = ok.clone();
    random["i"]["targetId"] = json!(global_id("RiskItem", Uuid::now_v7()));
    let missing = app.gql(Some(&jiwei), CREATE_TASK, random).await;
    assert_eq!(error_code(&hidden), Some("BAD_USER_INPUT"), "{hidden}");
    assert_eq!(hidden["errors"][0]["message"], missing["errors"][0]["message"], "{hidden} vs {missing}");
    assert_eq!(hidden["errors"][0]["extensions"]["field"], "input.targetId");
}
