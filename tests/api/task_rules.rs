//! Tasks raised by rules, with the clock in the test's hand (`rules::sweep_all` takes the
//! instant): each rule fires on its day and not the day before, never twice, and its task closes
//! itself with a system event when the duty is done.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use clap::Parser;
use entity::enums::{AttentionLevel, RecordStatus, TaskEventKind, TaskKind, TaskStatus};
use entity::{lead, org_unit, person, risk_item, task, task_event, venue};
use pingan::rules;
use pingan_tests::{TestApp, error_code, global_id, uuid_of};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

/// An instant in the town's time (UTC+8).
fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    zone.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn sweep(app: &TestApp, at: DateTime<Utc>) {
    rules::sweep_all(&app.state.db, &app.state.task_events, at).await.expect("sweep");
}

/// The tasks of `kind` on `target`, oldest first.
async fn on_target(app: &TestApp, kind: TaskKind, target: Uuid) -> Vec<task::Model> {
    let found = task::Entity::find().filter(task::Column::Kind.eq(kind)).filter(task::Column::TargetId.eq(target));
    found.order_by_asc(task::Column::CreatedAt).all(&app.state.db).await.unwrap()
}

/// The tasks of `kind` assigned to `unit` and due at `due`.
async fn of_unit(app: &TestApp, kind: TaskKind, unit: Uuid, due: DateTime<Utc>) -> Vec<task::Model> {
    let found = task::Entity::find()
        .filter(task::Column::Kind.eq(kind))
        .filter(task::Column::AssigneeUnitId.eq(unit))
        .filter(task::Column::DueAt.eq(due));
    found.all(&app.state.db).await.unwrap()
}

async fn event_kinds(app: &TestApp, task: Uuid) -> Vec<TaskEventKind> {
    let events = task_event::Entity::find().filter(task_event::Column::TaskId.eq(task));
    events
        .order_by_asc(task_event::Column::CreatedAt)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn reload(app: &TestApp, task: &task::Model) -> task::Model {
    task::Entity::find_by_id(task.id).one(&app.state.db).await.unwrap().unwrap()
}

/// Asserts the task closed itself: ACCEPTED, its rule freed, a system event last.
async fn assert_closed_by_system(app: &TestApp, task: &task::Model) {
    let now = reload(app, task).await;
    assert_eq!(now.status, TaskStatus::Accepted, "{now:?}");
    assert_eq!(now.rule_key, None);
    // Events carry the sweep's instant, which these tests set in the future: look for it anywhere.
    assert!(event_kinds(app, task.id).await.contains(&TaskEventKind::SystemClosed));
}

/// Every record a task of the demo world points at (tests pick records without one).
async fn task_targets(app: &TestApp) -> Vec<Uuid> {
    let all = task::Entity::find().all(&app.state.db).await.unwrap();
    all.into_iter().filter_map(|t| t.target_id).collect()
}

async fn unit(app: &TestApp, name: &str) -> org_unit::Model {
    let found = org_unit::Entity::find().filter(org_unit::Column::Name.eq(name));
    found.one(&app.state.db).await.unwrap().unwrap()
}

/// The ids of the tasks `token` lists in `myTasks` (open tasks of its unit).
async fn my_tasks(app: &TestApp, token: &str) -> Vec<Value> {
    let body =
        app.gql(Some(token), "{ myTasks(first: 100) { nodes { id raisedByRule targetSummary } } }", json!({})).await;
    body["data"]["myTasks"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}")).clone()
}

#[tokio::test]
async fn a_talk_due_raises_one_task_on_its_day_and_the_talk_closes_it() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let police_unit = unit(&app, "清河派出所").await;
    let subject = person::Entity::find()
        .filter(person::Column::TownId.eq(police_unit.town_id))
        .filter(person::Column::Status.eq(RecordStatus::Active))
        .filter(person::Column::ResponsibleOfficerId.is_not_null())
        .filter(person::Column::Id.is_not_in(task_targets(&app).await))
        .one(db)
        .await
        .unwrap()
        .expect("a Qinghe person with an officer and no task");
    // SPECIAL since 10 January 2027 with no talk since: the talk falls due on 9 February.
    person::Entity::update_many()
        .col_expr(person::Column::AttentionLevel, Expr::val(AttentionLevel::Special))
        .col_expr(person::Column::LevelSince, Expr::val(day(2027, 1, 10)))
        .filter(person::Column::Id.eq(subject.id))
        .exec(db)
        .await
        .unwrap();

    sweep(&app, local(2027, 2, 8, 23, 50)).await;
    assert!(on_target(&app, TaskKind::TalkDue, subject.id).await.is_empty(), "not the day before");
    sweep(&app, local(2027, 2, 9, 0, 5)).await;
    let raised = on_target(&app, TaskKind::TalkDue, subject.id).await;
    assert_eq!(raised.len(), 1, "on the day");
    let t = &raised[0];
    assert_eq!((t.status, t.due_at), (TaskStatus::Open, local(2027, 2, 9, 23, 59) + chrono::Duration::seconds(59)));
    assert_eq!(t.assignee_user_id, subject.responsible_officer_id, "the responsible officer");
    assert_eq!(t.assignee_unit_id, police_unit.id);
    assert_eq!(t.creating_unit_id, unit(&app, "清河镇扫黑办").await.id, "raised for the coordination office");
    assert_eq!(t.created_by_user_id, None);
    assert!(!t.title.contains(&subject.name), "the title names nobody: {}", t.title);
    for at in [local(2027, 2, 10, 9, 0), local(2027, 3, 20, 9, 0)] {
        sweep(&app, at).await;
        assert_eq!(on_target(&app, TaskKind::TalkDue, subject.id).await.len(), 1, "never twice");
    }

    let police = app.login("police").await;
    let mine = my_tasks(&app, &police).await;
    let listed = mine.iter().find(|n| n["id"] == global_id("Task", t.id)).expect("in the police's myTasks");
    assert_eq!(listed["raisedByRule"], true);
    assert_eq!(listed["targetSummary"], format!("重点人员 {}", subject.name));

    let talk = json!({ "personId": global_id("Person", subject.id), "talkedOn": pingan::domain::lead_flow::today().to_string(),
                       "kind": "EDUCATION", "summary": "按期谈话" });
    app.mutate(&police, "recordTalk", talk, "person { id }").await;
    assert_closed_by_system(&app, t).await;
}

#[tokio::test]
async fn an_inspection_due_raises_one_task_for_the_police_on_its_day() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let police_unit = unit(&app, "清河派出所").await;
    let place = venue::Entity::find()
        .filter(venue::Column::TownId.eq(police_unit.town_id))
        .filter(venue::Column::Status.eq(RecordStatus::Active))
        .filter(venue::Column::Id.is_not_in(task_targets(&app).await))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    // SPECIAL since 10 January 2027: inspected every 15 days, so due on 25 January.
    venue::Entity::update_many()
        .col_expr(venue::Column::AttentionLevel, Expr::val(AttentionLevel::Special))
        .col_expr(venue::Column::LevelSince, Expr::val(day(2027, 1, 10)))
        .filter(venue::Column::Id.eq(place.id))
        .exec(db)
        .await
        .unwrap();
    sweep(&app, local(2027, 1, 24, 12, 0)).await;
    assert!(on_target(&app, TaskKind::InspectionDue, place.id).await.is_empty(), "not the day before");
    sweep(&app, local(2027, 1, 25, 8, 0)).await;
    sweep(&app, local(2027, 1, 26, 8, 0)).await;
    let raised = on_target(&app, TaskKind::InspectionDue, place.id).await;
    assert_eq!(raised.len(), 1, "on the day, and once");
    assert_eq!((raised[0].assignee_unit_id, raised[0].assignee_user_id), (police_unit.id, None));

    let inspection = json!({ "venueId": global_id("Venue", place.id), "inspectedOn": pingan::domain::lead_flow::today().to_string(),
                             "findings": "无异常", "managerTalked": true });
    app.mutate(&app.login("police").await, "recordInspection", inspection, "venue { id }").await;
    assert_closed_by_system(&app, &raised[0]).await;
}

const REGISTER_LEAD: &str = "lead { id }";

fn lead_input(source: &str, category: &str) -> Value {
    json!({ "source": source, "category": category, "summary": "群众反映有人收保护费", "receivedAt": "2026-01-05T09:00:00+08:00",
            "content": "详细内容", "reporterName": "举报人甲", "reporterContact": "13800000000" })
}

#[tokio::test]
async fn each_lead_deadline_raises_a_task_with_the_step_and_the_next_step_closes_it() {
    let app = TestApp::spawn().await;
    let (dongzhuang, coord, police) =
        (app.login("dongzhuang").await, app.login("coord").await, app.login("police").await);
    let village = unit(&app, "东庄村").await;
    let office = unit(&app, "清河镇扫黑办").await;
    let police_unit = unit(&app, "清河派出所").await;

    let registered = app.mutate(&dongzhuang, "registerLead", lead_input("VILLAGE", "VICE"), REGISTER_LEAD).await;
    let gid = registered["lead"]["id"].clone();
    let id = uuid_of(&gid);
    let stored = lead::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    let transfer = on_target(&app, TaskKind::LeadTransfer, id).await;
    assert_eq!(transfer.len(), 1, "raised with the registration");
    assert_eq!((transfer[0].assignee_unit_id, Some(transfer[0].due_at)), (village.id, stored.transfer_due_at));
    assert_eq!(transfer[0].due_at, rules::end_of_day(rules::local_day(stored.created_at)), "the same day");
    assert!(my_tasks(&app, &dongzhuang).await.iter().any(|n| n["id"] == global_id("Task", transfer[0].id)));

    app.mutate_typed(&dongzhuang, "transferLead", "LeadStepInput", json!({ "leadId": gid }), "lead { id }").await;
    assert_closed_by_system(&app, &transfer[0]).await;
    let review = on_target(&app, TaskKind::LeadReview, id).await;
    let stored = lead::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(review.len(), 1);
    assert_eq!((review[0].assignee_unit_id, Some(review[0].due_at)), (office.id, stored.review_due_at), "24 hours");

    app.mutate_typed(&coord, "startLeadReview", "LeadStepInput", json!({ "leadId": gid }), "lead { id }").await;
    assert_closed_by_system(&app, &review[0]).await;
    let decide = json!({ "leadId": gid, "decision": "LOCAL_HANDLING" });
    app.mutate(&coord, "decideLead", decide, "lead { id }").await;
    let assign = json!({ "leadId": gid, "assigneeUnitId": global_id("OrgUnit", police_unit.id), "responsibleLeader": "镇长",
                         "responsiblePerson": "责任民警", "measures": "走访核实", "deadline": "2099-01-01T00:00:00Z" });
    app.mutate(&coord, "assignLead", assign, "lead { id }").await;
    let verification = on_target(&app, TaskKind::LeadVerification, id).await;
    assert_eq!(verification.len(), 1);
    assert_eq!(verification[0].assignee_unit_id, police_unit.id);
    assert_eq!(
        verification[0].due_at,
        "2099-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap(),
        "the 四定一包 deadline"
    );

    sweep(&app, Utc::now()).await;
    for kind in [TaskKind::LeadTransfer, TaskKind::LeadReview, TaskKind::LeadVerification] {
        assert_eq!(on_target(&app, kind, id).await.len(), 1, "{kind:?} never twice");
    }
    let conclude = json!({ "leadId": gid, "outcome": "SUBSTANTIATED", "text": "查实" });
    app.mutate(&police, "concludeLead", conclude, "lead { id }").await;
    assert_closed_by_system(&app, &verification[0]).await;
}

#[tokio::test]
async fn an_umbrella_lead_skips_the_transfer_and_its_verification_task_is_the_discipline_commissions() {
    let app = TestApp::spawn().await;
    let (coord, jiwei, police) = (app.login("coord").await, app.login("jiwei").await, app.login("police").await);
    let registered =
        app.mutate(&coord, "registerLead", lead_input("PUBLIC_REPORT", "PROTECTIVE_UMBRELLA"), REGISTER_LEAD).await;
    let gid = registered["lead"]["id"].clone();
    let id = uuid_of(&gid);
    assert!(on_target(&app, TaskKind::LeadTransfer, id).await.is_empty());
    assert!(on_target(&app, TaskKind::LeadReview, id).await.is_empty());
    let discipline = unit(&app, "清河镇纪委").await;
    let assign = json!({ "leadId": gid, "assigneeUnitId": global_id("OrgUnit", discipline.id), "responsibleLeader": "书记",
                         "responsiblePerson": "纪检干部", "measures": "核查", "deadline": "2099-01-01T00:00:00Z" });
    app.mutate(&jiwei, "assignLead", assign, "lead { id }").await;
    let verification = on_target(&app, TaskKind::LeadVerification, id).await;
    assert_eq!(verification.len(), 1);
    assert_eq!((verification[0].creating_unit_id, verification[0].assignee_unit_id), (discipline.id, discipline.id));
    let task_gid = global_id("Task", verification[0].id);
    let query = "query($id: ID!) { node(id: $id) { id ... on Task { targetSummary } } }";
    for (token, seen) in [(&jiwei, true), (&police, false), (&coord, false)] {
        let body = app.gql(Some(token), query, json!({ "id": task_gid })).await;
        assert_eq!(body["data"]["node"].is_object(), seen, "{body}");
        if seen {
            // The task's summary never tells more of the lead than the viewer may see of it.
            assert!(!body.to_string().contains("保护费"), "{body}");
        }
    }
}

#[tokio::test]
async fn a_lead_that_turns_umbrella_takes_its_verification_task_to_the_discipline_commission() {
    let app = TestApp::spawn().await;
    let (coord, jiwei, police) = (app.login("coord").await, app.login("jiwei").await, app.login("police").await);
    let registered = app.mutate(&police, "registerLead", lead_input("POLICE", "VICE"), REGISTER_LEAD).await;
    let gid = registered["lead"]["id"].clone();
    let id = uuid_of(&gid);
    let step = |mutation: &'static str, token: &String| {
        let token = token.clone();
        let gid = gid.clone();
        let app = &app;
        async move { app.mutate_typed(&token, mutation, "LeadStepInput", json!({ "leadId": gid }), "lead { id }").await }
    };
    step("transferLead", &police).await;
    step("startLeadReview", &coord).await;
    app.mutate(&coord, "decideLead", json!({ "leadId": gid, "decision": "LOCAL_HANDLING" }), "lead { id }").await;
    let police_unit = unit(&app, "清河派出所").await;
    let assign = json!({ "leadId": gid, "assigneeUnitId": global_id("OrgUnit", police_unit.id), "responsibleLeader": "镇长",
                         "responsiblePerson": "责任民警", "measures": "走访核实", "deadline": "2099-01-01T00:00:00Z" });
    app.mutate(&coord, "assignLead", assign, "lead { id }").await;
    let before = on_target(&app, TaskKind::LeadVerification, id).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].creating_unit_id, unit(&app, "清河镇扫黑办").await.id);

    let mark = json!({ "leadId": gid, "reason": "发现公职人员充当保护伞" });
    app.mutate(&police, "markLeadUmbrella", mark, "lead { id }").await;
    let after = on_target(&app, TaskKind::LeadVerification, id).await;
    assert_eq!(after.len(), 2, "the office's task is replaced: {after:?}");
    let old = reload(&app, &before[0]).await;
    assert_eq!(old.status, TaskStatus::Cancelled);
    let new = after.iter().find(|t| t.id != before[0].id).unwrap();
    // The commission verifies an umbrella lead: the police keep nothing of its handling.
    let jiwei_unit = unit(&app, "清河镇纪委").await.id;
    assert_eq!((new.creating_unit_id, new.assignee_unit_id), (jiwei_unit, jiwei_unit));
    let query = "query($id: ID!) { node(id: $id) { id } }";
    for task in [&old, new] {
        let gid = global_id("Task", task.id);
        let seen = app.gql(Some(&coord), query, json!({ "id": gid })).await;
        assert!(seen["data"]["node"].is_null(), "the coordinator no longer sees a task on an umbrella lead: {seen}");
    }
    let seen = app.gql(Some(&jiwei), query, json!({ "id": global_id("Task", new.id) })).await;
    assert!(seen["data"]["node"].is_object(), "{seen}");
}

#[tokio::test]
async fn a_high_risk_raises_the_t_plus_2_feedback_task_and_the_first_feedback_closes_it() {
    let app = TestApp::spawn().await;
    let (dongzhuang, coord, sifa) = (app.login("dongzhuang").await, app.login("coord").await, app.login("sifa").await);
    let judicial = unit(&app, "清河司法所").await;
    let report =
        json!({ "title": "宅基地纠纷", "category": "SOCIAL_CONFLICT", "description": "两户争吵", "location": "一组" });
    let mut ids = Vec::new();
    for level in ["HIGH", "MEDIUM"] {
        let item = app.mutate(&dongzhuang, "reportRisk", report.clone(), "riskItem { id }").await;
        let gid = item["riskItem"]["id"].clone();
        let assess = json!({ "riskItemId": gid, "level": level, "sectorUnitId": global_id("OrgUnit", judicial.id),
                             "responsiblePerson": "包案干部", "plan": "一事一策" });
        app.mutate(&coord, "assessRisk", assess, "riskItem { id }").await;
        ids.push((gid.clone(), uuid_of(&gid)));
    }
    let (high_gid, high) = ids[0].clone();
    assert!(on_target(&app, TaskKind::RiskFeedback, ids[1].1).await.is_empty(), "MEDIUM items carry no T+2");
    let raised = on_target(&app, TaskKind::RiskFeedback, high).await;
    let stored = risk_item::Entity::find_by_id(high).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(raised.len(), 1);
    assert_eq!((raised[0].assignee_unit_id, Some(raised[0].due_at)), (judicial.id, stored.feedback_due_at));
    let mine = my_tasks(&app, &sifa).await;
    let listed = mine.iter().find(|n| n["id"] == global_id("Task", raised[0].id)).expect("in 司法所's myTasks");
    assert_eq!(listed["targetSummary"], "风险隐患 宅基地纠纷");
    // A HIGH item leaves assessment only with its emergency plan.
    let plan = json!({ "riskItemId": high_gid, "triggerCriteria": "矛盾激化", "releaseCriteria": "调解成功",
                       "command": "镇综治办", "duties": "司法所调解", "measures": "上门化解", "supplies": "无",
                       "leadOfficial": "镇党委副书记", "leadUnitId": global_id("OrgUnit", judicial.id) });
    app.mutate(&coord, "saveRiskPlan", plan, "riskItem { id }").await;
    let feedback = json!({ "riskItemId": high_gid, "body": "已上门调解" });
    app.mutate(&sifa, "recordRiskFeedback", feedback, "riskItem { id }").await;
    assert_closed_by_system(&app, &raised[0]).await;
}

const NIL_REPORT: &str = "mutation($i: TaskStepInput!) { submitNilReport(input: $i) { task { id } } }";

#[tokio::test]
async fn village_lead_reports_are_due_the_15th_and_the_month_end_and_close_by_a_lead_or_a_nil_report() {
    let app = TestApp::spawn().await;
    let villages = [("dongzhuang", "东庄村"), ("xizhuang", "西庄村"), ("nanwan", "南湾社区")];
    let mid_march = rules::end_of_day(day(2027, 3, 15));
    sweep(&app, local(2027, 2, 28, 12, 0)).await;
    for (_, name) in villages {
        let u = unit(&app, name).await;
        assert!(of_unit(&app, TaskKind::VillageLeadReport, u.id, mid_march).await.is_empty(), "not the day before");
        assert_eq!(
            of_unit(&app, TaskKind::VillageLeadReport, u.id, rules::end_of_day(day(2027, 2, 28))).await.len(),
            1
        );
    }
    sweep(&app, local(2027, 3, 1, 0, 5)).await;
    sweep(&app, local(2027, 3, 10, 0, 5)).await;
    let dongzhuang_unit = unit(&app, "东庄村").await;
    for (_, name) in villages {
        let u = unit(&app, name).await;
        assert_eq!(of_unit(&app, TaskKind::VillageLeadReport, u.id, mid_march).await.len(), 1, "{name}: once");
    }
    let task = of_unit(&app, TaskKind::VillageLeadReport, dongzhuang_unit.id, mid_march).await.remove(0);
    assert_eq!(task.title, "2027年3月上半月线索报告");

    let nil = json!({ "taskId": global_id("Task", task.id), "expectedVersion": task.version });
    let xizhuang = app.login("xizhuang").await;
    let other = app.gql(Some(&xizhuang), NIL_REPORT, json!({ "i": nil })).await;
    assert_eq!(error_code(&other), Some("NOT_FOUND"), "another village's task is not there");
    let dongzhuang = app.login("dongzhuang").await;
    let selection = "task { status events { kind body } }";
    let closed = app.mutate_typed(&dongzhuang, "submitNilReport", "TaskStepInput", nil.clone(), selection).await;
    assert_eq!(closed["task"]["status"], "ACCEPTED");
    assert!(closed["task"]["events"].as_array().unwrap().iter().any(|e| e["kind"] == "NIL_REPORT"), "{closed}");
    let again = app.gql(Some(&dongzhuang), NIL_REPORT, json!({ "i": nil })).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    sweep(&app, local(2027, 3, 12, 0, 0)).await;
    assert_eq!(of_unit(&app, TaskKind::VillageLeadReport, dongzhuang_unit.id, mid_march).await.len(), 1, "not again");
    sweep(&app, local(2027, 3, 16, 0, 5)).await;
    let month_end = rules::end_of_day(day(2027, 3, 31));
    assert_eq!(of_unit(&app, TaskKind::VillageLeadReport, dongzhuang_unit.id, month_end).await.len(), 1, "the 16th");

    // Only a lead-report task takes a nil report.
    sweep(&app, local(2027, 4, 1, 0, 5)).await;
    let monthly = of_unit(&app, TaskKind::MonthlyReport, dongzhuang_unit.id, rules::end_of_day(day(2027, 4, 23))).await;
    let wrong = app
        .gql(
            Some(&dongzhuang),
            NIL_REPORT,
            json!({ "i": { "taskId": global_id("Task", monthly[0].id), "expectedVersion": monthly[0].version } }),
        )
        .await;
    assert_eq!(error_code(&wrong), Some("BAD_USER_INPUT"), "{wrong}");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "input.taskId");

    // A lead the village registers in the period closes the period's task, and only that one.
    // The demo world has 东庄村 report in this period already: move its leads and report back.
    let now = Utc::now();
    let (period_start, period_end) = rules::report_period(rules::local_day(now));
    let this_period = rules::end_of_day(period_end);
    lead::Entity::update_many()
        .col_expr(lead::Column::CreatedAt, Expr::val(now - chrono::Duration::days(60)))
        .filter(lead::Column::ReceivingUnitId.eq(dongzhuang_unit.id))
        .filter(lead::Column::CreatedAt.gte(rules::end_of_day(period_start) - chrono::Duration::days(1)))
        .exec(&app.state.db)
        .await
        .unwrap();
    for old in of_unit(&app, TaskKind::VillageLeadReport, dongzhuang_unit.id, this_period).await {
        let events = task_event::Entity::delete_many().filter(task_event::Column::TaskId.eq(old.id));
        events.exec(&app.state.db).await.unwrap();
        task::Entity::delete_by_id(old.id).exec(&app.state.db).await.unwrap();
    }
    sweep(&app, now).await;
    let current = of_unit(&app, TaskKind::VillageLeadReport, dongzhuang_unit.id, this_period).await;
    assert_eq!(current.len(), 1, "this period's report is owed");
    app.mutate(&dongzhuang, "registerLead", lead_input("VILLAGE", "VICE"), REGISTER_LEAD).await;
    assert_closed_by_system(&app, &current[0]).await;
    let march = of_unit(&app, TaskKind::VillageLeadReport, dongzhuang_unit.id, month_end).await;
    assert_eq!(march[0].status, TaskStatus::Open, "another period's report is still owed");
}

#[tokio::test]
async fn monthly_reports_are_raised_on_the_first_due_the_23rd_and_the_towns_the_25th() {
    let app = TestApp::spawn().await;
    let office = unit(&app, "清河镇扫黑办").await;
    let units =
        org_unit::Entity::find().filter(org_unit::Column::TownId.eq(office.town_id)).all(&app.state.db).await.unwrap();
    let march = |u: &org_unit::Model| rules::end_of_day(day(2027, 3, if u.id == office.id { 25 } else { 23 }));
    sweep(&app, local(2027, 2, 28, 23, 0)).await;
    for u in &units {
        assert!(of_unit(&app, TaskKind::MonthlyReport, u.id, march(u)).await.is_empty(), "not the day before");
    }
    // The command line sweeps like the scheduler does.
    let cli = pingan::config::Cli::try_parse_from([
        "pingan",
        "tasks",
        "--database-url",
        &app.db.url,
        "raise",
        "--at",
        "2027-03-01T00:05:00+08:00",
    ])
    .expect("arguments");
    pingan::cli::run(cli).await.expect("pingan tasks raise");
    sweep(&app, local(2027, 3, 2, 9, 0)).await;
    for u in &units {
        let raised = of_unit(&app, TaskKind::MonthlyReport, u.id, march(u)).await;
        assert_eq!(raised.len(), 1, "{}: once", u.name);
        let whose = if u.id == office.id { "全镇" } else { "" };
        assert_eq!(raised[0].title, format!("2027年3月{whose}工作月报"));
        assert_eq!(raised[0].creating_unit_id, office.id);
    }
}

#[tokio::test]
async fn the_server_sweeps_on_its_configured_interval() {
    let app = TestApp::spawn_with(|config| config.rule_interval = Some(std::time::Duration::from_millis(100))).await;
    let office = unit(&app, "清河镇扫黑办").await;
    let today = rules::local_day(Utc::now());
    let due = rules::end_of_day(today.with_day(25).unwrap());
    let mut found = Vec::new();
    for _ in 0..300 {
        found = of_unit(&app, TaskKind::MonthlyReport, office.id, due).await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "the scheduler raised this month's town report");
}
