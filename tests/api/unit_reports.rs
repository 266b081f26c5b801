//! Reports units submit (issue 15 items 3 and 4): the weekly progress report (周通报, due Friday
//! by the end of the day in the town) and the signed monthly report (月报). A submitted report is
//! a frozen snapshot of what the submitting unit's own scope counted; the coordination office
//! reads every unit's but the discipline commission's; submitting closes the unit's report task.
//! Also: the town report counts every umbrella lead the coordination office's lists show.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use entity::enums::{TaskEventKind, TaskKind, TaskStatus};
use entity::{lead, task, task_event};
use pingan::domain::report_period::{Week, on_time};
use pingan::rules;
use pingan_tests::{TestApp, error_code, global_id};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// An instant in the town's time (UTC+8).
fn local(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(y, m, d, h, min, s).unwrap().to_utc()
}

fn this_month() -> String {
    Utc::now().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m").to_string()
}

const MONTHLY: &str = "query($u: ID, $m: String!) { monthlyReport(unitId: $u, month: $m) {
  month reportingName leads { found transferred assisted } persons { level count }
  leadRows { category figures { found transferred } }
  signature { signedBy sealed submittedAt dueAt onTime } } }";

const SIGNED: &str = "report { kind period unit { name } progressNote
  signature { signedBy sealed submittedAt dueAt onTime }
  weekly { leadsRegistered checksDone talksHeld risksOpened risksClosed }
  monthly { leads { found } persons { level count } } }";

async fn monthly(app: &TestApp, token: &str, unit: Option<&str>, month: &str) -> Value {
    let body = app.gql(Some(token), MONTHLY, json!({ "u": unit, "m": month })).await;
    assert!(body["data"]["monthlyReport"].is_object(), "{body}");
    body["data"]["monthlyReport"].clone()
}

async fn submit(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let upper = format!("{}{}", mutation[..1].to_uppercase(), &mutation[1..]);
    let query = format!("mutation($i: {upper}Input!) {{ {mutation}(input: $i) {{ {SIGNED} }} }}");
    app.gql(Some(token), &query, json!({ "i": input })).await
}

fn unit_gid(id: Uuid) -> String {
    global_id("OrgUnit", id)
}

fn umbrella_found(report: &Value) -> i64 {
    let rows = report["leadRows"].as_array().unwrap();
    rows.iter().find(|r| r["category"] == "PROTECTIVE_UMBRELLA").unwrap()["figures"]["found"].as_i64().unwrap()
}

fn levels(counts: &Value) -> Vec<i64> {
    counts.as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).collect()
}

async fn umbrella_total(app: &TestApp, token: &str) -> i64 {
    let q = "{ leads(filter: { isUmbrella: true }, first: 1) { totalCount } }";
    let body = app.gql(Some(token), q, json!({})).await;
    body["data"]["leads"]["totalCount"].as_i64().unwrap_or_else(|| panic!("{body}"))
}

/// The report tasks of `kind` assigned to `unit`.
async fn report_tasks(app: &TestApp, kind: TaskKind, unit: Uuid) -> Vec<task::Model> {
    let found = task::Entity::find().filter(task::Column::Kind.eq(kind)).filter(task::Column::AssigneeUnitId.eq(unit));
    found.all(&app.state.db).await.unwrap()
}

async fn sweep(app: &TestApp, at: DateTime<Utc>) {
    rules::sweep_all(&app.state.db, &app.state.task_events, at).await.expect("sweep");
}

#[tokio::test]
async fn the_town_report_counts_every_umbrella_lead_the_coordinator_lists_and_never_more() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police = app.login("police").await;
    let month = this_month();
    let before = monthly(&app, &coord, None, &month).await;
    let listed_before = umbrella_total(&app, &coord).await;

    // The police register an umbrella lead now: it goes to the discipline commission at once, and
    // the coordinator sees its shell only (no receipt time, no receiving unit).
    let lead = json!({ "source": "POLICE", "category": "VICE", "summary": "有公职人员包庇", "involvesOfficial": true,
        "receivedAt": (Utc::now() - Duration::minutes(1)).to_rfc3339() });
    app.mutate(&police, "registerLead", lead, "lead { id }").await;
    assert_eq!(umbrella_total(&app, &coord).await, listed_before + 1);
    let after = monthly(&app, &coord, None, &month).await;
    assert_eq!(umbrella_found(&after), umbrella_found(&before) + 1, "{after}");
    assert_eq!(after["leads"]["found"], before["leads"]["found"].as_i64().unwrap() + 1);

    // Over the months the town's umbrella leads were registered in, the town report counts each
    // once: exactly the shells the coordinator lists.
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    let umbrella = lead::Entity::find().filter(lead::Column::Umbrella.eq(true)).all(&app.state.db).await.unwrap();
    let town = app.unit_id("清河镇扫黑办").await;
    let town_id = entity::org_unit::Entity::find_by_id(town).one(&app.state.db).await.unwrap().unwrap().town_id;
    let mut months: Vec<String> = umbrella
        .iter()
        .filter(|l| l.town_id == town_id)
        .map(|l| l.created_at.with_timezone(&zone).format("%Y-%m").to_string())
        .collect();
    months.sort();
    months.dedup();
    let mut counted = 0;
    for month in &months {
        counted += umbrella_found(&monthly(&app, &coord, None, month).await);
    }
    assert_eq!(counted, umbrella_total(&app, &coord).await, "months {months:?}");
}

#[tokio::test]
async fn a_submitted_monthly_report_is_frozen_signed_and_closes_the_units_task() {
    let app = TestApp::spawn().await;
    let village = app.login("xizhuang").await;
    let coord = app.login("coord").await;
    let month = this_month();
    let unit = app.unit_id("西庄村").await;
    sweep(&app, Utc::now()).await;
    let open: Vec<task::Model> = report_tasks(&app, TaskKind::MonthlyReport, unit)
        .await
        .into_iter()
        .filter(|t| t.status == TaskStatus::Open)
        .collect();
    assert_eq!(open.len(), 1, "the month's report task is open: {open:?}");

    let live = monthly(&app, &village, None, &month).await;
    assert!(live["signature"].is_null());
    let input = json!({ "unitId": unit_gid(unit), "month": month, "signedBy": "村书记", "sealed": true });
    let body = submit(&app, &village, "submitMonthlyReport", input.clone()).await;
    let report = &body["data"]["submitMonthlyReport"]["report"];
    assert_eq!(report["kind"], "MONTHLY", "{body}");
    assert_eq!(report["signature"]["signedBy"], "村书记");
    assert_eq!(report["signature"]["sealed"], true);
    assert_eq!(report["signature"]["onTime"], true);
    assert_eq!(report["monthly"]["leads"]["found"], live["leads"]["found"]);
    assert!(report["weekly"].is_null());

    // The task closed itself with a system event.
    let closed = task::Entity::find_by_id(open[0].id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(closed.status, TaskStatus::Accepted);
    let events = task_event::Entity::find().filter(task_event::Column::TaskId.eq(closed.id)).all(&app.state.db);
    assert!(events.await.unwrap().iter().any(|e| e.kind == TaskEventKind::SystemClosed));

    // A lead received later this month changes the live figures, not the submitted report.
    let lead = json!({ "source": "VILLAGE", "category": "VICE", "summary": "报送后接报",
        "receivedAt": (Utc::now() - Duration::minutes(1)).to_rfc3339() });
    app.mutate(&village, "registerLead", lead, "lead { id }").await;
    let frozen = monthly(&app, &village, None, &month).await;
    assert_eq!(frozen["leads"], live["leads"], "later records do not change a submitted report");
    assert_eq!(frozen["signature"]["signedBy"], "村书记");
    // The coordinator reads the same snapshot, signature and all.
    let theirs = monthly(&app, &coord, Some(&unit_gid(unit)), &month).await;
    assert_eq!(theirs["leads"], live["leads"]);
    assert_eq!(theirs["signature"]["sealed"], true);

    // Submitted once: final.
    let again = submit(&app, &village, "submitMonthlyReport", input).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
}

#[tokio::test]
async fn the_coordinator_reads_a_units_report_as_the_unit_counted_it_never_its_own_recount() {
    let app = TestApp::spawn().await;
    let sifa = app.login("sifa").await;
    let coord = app.login("coord").await;
    let month = this_month();
    let unit = unit_gid(app.unit_id("清河司法所").await);
    // The coordinator counting the judicial office's month itself sees the town's ledger.
    let recount = monthly(&app, &coord, Some(&unit), &month).await;
    assert_eq!(levels(&recount["persons"]), vec![13, 11, 6]);
    let input = json!({ "unitId": unit, "month": month, "signedBy": "赵所长", "sealed": true });
    let body = submit(&app, &sifa, "submitMonthlyReport", input).await;
    assert!(body["errors"].is_null(), "{body}");
    // Submitted, it shows the judicial office's own scope: the five persons with a judicial tag.
    let theirs = monthly(&app, &coord, Some(&unit), &month).await;
    assert_eq!(levels(&theirs["persons"]), vec![1, 1, 3], "{theirs}");
    assert_eq!(theirs["signature"]["signedBy"], "赵所长");
}

#[tokio::test]
async fn units_submit_only_their_own_reports_and_the_discipline_commissions_stay_its_own() {
    let app = TestApp::spawn().await;
    let village = app.login("dongzhuang").await;
    let jiwei = app.login("jiwei").await;
    let coord = app.login("coord").await;
    let admin = app.login("admin").await;
    let month = this_month();
    let police = unit_gid(app.unit_id("清河派出所").await);
    let week = Week::of(Utc::now()).name();

    let input = json!({ "unitId": police, "month": month, "signedBy": "冒名", "sealed": false });
    let body = submit(&app, &village, "submitMonthlyReport", input).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let input = json!({ "unitId": police, "week": week, "progressNote": "x", "signedBy": "冒名" });
    let body = submit(&app, &village, "submitWeeklyReport", input).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Bad input names the field; nothing is written.
    let own = unit_gid(app.unit_id("东庄村").await);
    let input = json!({ "unitId": own, "week": "2026-49", "progressNote": "x", "signedBy": "村书记" });
    let body = submit(&app, &village, "submitWeeklyReport", input).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.week", "{body}");
    let input = json!({ "unitId": own, "week": week, "progressNote": "x", "signedBy": " " });
    let body = submit(&app, &village, "submitWeeklyReport", input).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.signedBy", "{body}");

    // The discipline commission's report: its own, and nobody else's business.
    let jiwei_unit = app.unit_id("清河镇纪委").await;
    let input =
        json!({ "unitId": unit_gid(jiwei_unit), "week": week, "progressNote": "本周核查一件", "signedBy": "纪委书记" });
    let body = submit(&app, &jiwei, "submitWeeklyReport", input).await;
    assert!(body["errors"].is_null(), "{body}");
    let query = "query($w: String!) { weeklyReports(week: $w) { week units { unit { name } submitted report { signature { signedBy } } } } }";
    let listed = app.gql(Some(&coord), query, json!({ "w": week })).await;
    let units = listed["data"]["weeklyReports"]["units"].as_array().unwrap_or_else(|| panic!("{listed}")).clone();
    assert!(units.iter().all(|u| u["unit"]["name"] != "清河镇纪委"), "{units:?}");
    assert!(units.iter().any(|u| u["unit"]["name"] == "东庄村" && u["submitted"] == false));
    assert!(!listed.to_string().contains("纪委书记"));
    let own = app.gql(Some(&jiwei), query, json!({ "w": week })).await;
    let units = own["data"]["weeklyReports"]["units"].as_array().unwrap().clone();
    assert_eq!(units.len(), 1, "{units:?}");
    assert_eq!(units[0]["report"]["signature"]["signedBy"], "纪委书记");
    // The village sees its own unit only.
    let theirs = app.gql(Some(&village), query, json!({ "w": week })).await;
    let units = theirs["data"]["weeklyReports"]["units"].as_array().unwrap().clone();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["unit"]["name"], "东庄村");
    let refused = app.gql(Some(&admin), query, json!({ "w": week })).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
}

#[tokio::test]
async fn the_weekly_report_task_is_raised_on_monday_and_falls_due_at_the_end_of_friday() {
    let app = TestApp::spawn().await;
    let unit = app.unit_id("西庄村").await;
    // The week of Monday 4 January 2027 (2027-W01).
    sweep(&app, local(2027, 1, 4, 0, 5, 0)).await;
    let week = Week::parse("2027-W01").unwrap();
    let raised: Vec<task::Model> = report_tasks(&app, TaskKind::WeeklyReport, unit)
        .await
        .into_iter()
        .filter(|t| t.due_at == week.due_at())
        .collect();
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0].status, TaskStatus::Open);
    assert!(raised[0].title.contains("2027-W01"), "{}", raised[0].title);
    // Friday 23:59 is still in time; Saturday 00:00 is past due.
    assert!(raised[0].due_at >= local(2027, 1, 8, 23, 59, 0));
    assert!(raised[0].due_at < local(2027, 1, 9, 0, 0, 0));
    assert!(on_time(local(2027, 1, 8, 23, 59, 59), raised[0].due_at));
    assert!(!on_time(local(2027, 1, 9, 0, 0, 0), raised[0].due_at));
    // Sweeping again through the week raises nothing more.
    sweep(&app, local(2027, 1, 8, 23, 59, 0)).await;
    sweep(&app, local(2027, 1, 9, 0, 0, 0)).await;
    let again: Vec<task::Model> = report_tasks(&app, TaskKind::WeeklyReport, unit)
        .await
        .into_iter()
        .filter(|t| t.due_at == week.due_at())
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].status, TaskStatus::Open, "still owed, and overdue from Saturday 00:00");
}

#[tokio::test]
async fn a_weekly_report_freezes_the_units_own_week_and_closes_its_task() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let coord = app.login("coord").await;
    let unit = app.unit_id("清河派出所").await;
    sweep(&app, Utc::now()).await;
    let week = Week::of(Utc::now());
    let open: Vec<task::Model> = report_tasks(&app, TaskKind::WeeklyReport, unit)
        .await
        .into_iter()
        .filter(|t| t.due_at == week.due_at() && t.status == TaskStatus::Open)
        .collect();
    assert_eq!(open.len(), 1, "{open:?}");

    // A lead received this week by the police.
    let lead = json!({ "source": "POLICE", "category": "VICE", "summary": "本周接报",
        "receivedAt": (Utc::now() - Duration::minutes(1)).to_rfc3339() });
    app.mutate(&police, "registerLead", lead, "lead { id }").await;
    let (start, end) = week.bounds();
    let filter = json!({ "receivingUnitId": unit_gid(unit), "receivedFrom": start.to_rfc3339(),
        "receivedTo": (end - Duration::seconds(1)).to_rfc3339() });
    let q = "query($f: LeadFilter) { leads(filter: $f, first: 1) { totalCount } }";
    let listed = app.gql(Some(&police), q, json!({ "f": filter })).await["data"]["leads"]["totalCount"].clone();

    let input = json!({ "unitId": unit_gid(unit), "week": week.name(), "progressNote": "本周开展夜查两次", "signedBy": "李所长" });
    let body = submit(&app, &police, "submitWeeklyReport", input).await;
    let report = body["data"]["submitWeeklyReport"]["report"].clone();
    assert_eq!(report["kind"], "WEEKLY", "{body}");
    assert_eq!(report["period"], week.name());
    assert_eq!(report["progressNote"], "本周开展夜查两次");
    assert_eq!(report["weekly"]["leadsRegistered"], listed);
    assert!(report["weekly"]["talksHeld"].is_i64(), "the police read talks: {report}");
    assert_eq!(report["signature"]["onTime"], Utc::now() <= week.due_at());
    let closed = task::Entity::find_by_id(open[0].id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(closed.status, TaskStatus::Accepted);

    // Later records leave it as submitted; the coordinator reads the police's own figures.
    let lead = json!({ "source": "POLICE", "category": "VICE", "summary": "报送后接报",
        "receivedAt": (Utc::now() - Duration::minutes(1)).to_rfc3339() });
    app.mutate(&police, "registerLead", lead, "lead { id }").await;
    let query = "query($w: String!) { weeklyReports(week: $w) { dueAt units { unit { name } submitted overdue
        report { signature { signedBy onTime } weekly { leadsRegistered talksHeld } } } } }";
    let body = app.gql(Some(&coord), query, json!({ "w": week.name() })).await;
    let units = body["data"]["weeklyReports"]["units"].as_array().unwrap_or_else(|| panic!("{body}")).clone();
    let theirs = units.iter().find(|u| u["unit"]["name"] == "清河派出所").unwrap();
    assert_eq!(theirs["submitted"], true);
    assert_eq!(theirs["report"]["weekly"]["leadsRegistered"], listed);
    assert_eq!(theirs["report"]["signature"]["signedBy"], "李所长");
    let village = units.iter().find(|u| u["unit"]["name"] == "西庄村").unwrap();
    assert_eq!(village["submitted"], false);

    // A week long past, submitted now: late.
    let old = Week::of(Utc::now() - Duration::days(14)).name();
    let input = json!({ "unitId": unit_gid(unit), "week": old, "progressNote": "补报", "signedBy": "李所长" });
    let body = submit(&app, &police, "submitWeeklyReport", input).await;
    assert_eq!(body["data"]["submitWeeklyReport"]["report"]["signature"]["onTime"], false, "{body}");

    // The week as a spreadsheet for the coordination office.
    let url = app.url(&format!("/export/weekly-reports.xlsx?week={}", week.name()));
    let response = app.client.get(&url).bearer_auth(&coord).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX");
    let sheet = workbook.worksheet_range("周通报").expect("one sheet named 周通报");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    let police_row = rows.iter().find(|r| r.first().is_some_and(|c| c == "清河派出所")).expect("a row for the police");
    assert_eq!(police_row[3], "李所长");
    assert!(police_row[1] == "按时报送" || police_row[1] == "逾期报送", "{police_row:?}");
    assert!(rows.iter().any(|r| r.first().is_some_and(|c| c == "西庄村") && (r[1] == "未报送" || r[1] == "逾期未报")));
    assert!(rows.iter().all(|r| r.first().is_none_or(|c| c != "清河镇纪委")));
}

#[tokio::test]
async fn the_monthly_export_carries_the_signature_block_once_submitted() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let month = this_month();
    let unit = app.unit_id("清河派出所").await;
    let input = json!({ "unitId": unit_gid(unit), "month": month, "signedBy": "李所长", "sealed": true });
    let body = submit(&app, &police, "submitMonthlyReport", input).await;
    assert!(body["errors"].is_null(), "{body}");
    let url = app.url(&format!("/export/monthly-report.xlsx?month={month}"));
    let response = app.client.get(&url).bearer_auth(&police).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX");
    let sheet = workbook.worksheet_range("月报").expect("the sheet");
    let cells: Vec<String> =
        sheet.rows().flatten().filter_map(|c| if let Data::String(s) = c { Some(s.clone()) } else { None }).collect();
    assert!(cells.contains(&"主要领导签字：李所长".to_owned()), "{cells:?}");
    assert!(cells.contains(&"单位盖章：已盖章".to_owned()));
    assert!(cells.iter().any(|c| c.starts_with("报送日期：")));
}
