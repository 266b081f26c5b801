//! The monthly report (月报), the dashboard and the report's spreadsheet: figures hand-counted from
//! the demo world (api/src/demo/records.rs) and equal to what the same viewer can list, never a
//! row the viewer cannot list, who may ask for which unit, and the XLSX itself.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use entity::audit_log;
use pingan_tests::{TestApp, error_code};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const REPORT: &str = "query($u: ID, $m: String!) { monthlyReport(unitId: $u, month: $m) {
  month reportingName unit { name }
  leads { found transferred assisted }
  leadRows { category label figures { found transferred assisted } }
  persons { level count } venues { level count }
  talks { due done rate } inspections { due done rate }
  risks { month unassessed levels { level found resolved rate target meetsTarget } }
  overdueTasks } }";

const DASHBOARD: &str = "{ dashboard {
  persons { level status count } venues { level status count }
  leads { umbrella coarseStatus count }
  riskItems { level status count } riskEscalation { escalationLevel count }
  tasks { status count } overdueTasksByUnit { unit { name } count }
  leadMonths { month found resolved } } }";

async fn report_body(app: &TestApp, token: &str, unit: Option<&str>, month: &str) -> Value {
    app.gql(Some(token), REPORT, json!({ "u": unit, "m": month })).await
}

async fn report(app: &TestApp, token: &str, unit: Option<&str>, month: &str) -> Value {
    let body = report_body(app, token, unit, month).await;
    let report = body["data"]["monthlyReport"].clone();
    assert!(report.is_object(), "no report: {body}");
    report
}

async fn dashboard(app: &TestApp, token: &str) -> Value {
    let body = app.gql(Some(token), DASHBOARD, json!({})).await;
    let dashboard = body["data"]["dashboard"].clone();
    assert!(dashboard.is_object(), "no dashboard: {body}");
    dashboard
}

fn zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

/// The town's month (`YYYY-MM`) an instant falls in.
fn month_of(at: DateTime<Utc>) -> String {
    at.with_timezone(&zone()).format("%Y-%m").to_string()
}

/// A month's instants `[start, end)` in the town's calendar.
fn bounds(month: &str) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
    let at = |d: NaiveDate| zone().from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap()).unwrap().to_utc();
    (at(first), at(next))
}

fn in_month(at: &Value, month: &str) -> bool {
    let (start, end) = bounds(month);
    at.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).is_some_and(|t| t >= start && t < end)
}

fn this_month() -> String {
    month_of(Utc::now())
}

async fn unit_id(app: &TestApp, token: &str, name: &str) -> String {
    let body = app.gql(Some(token), "{ orgUnits { id name } }", json!({})).await;
    let units = body["data"]["orgUnits"].as_array().unwrap_or_else(|| panic!("no units: {body}"));
    units.iter().find(|u| u["name"] == name).unwrap_or_else(|| panic!("no unit {name}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `totalCount` of a list the viewer may read, with a filter.
async fn total(app: &TestApp, token: &str, list: &str, filter_type: &str, filter: Value) -> i64 {
    let query = format!("query($f: {filter_type}) {{ {list}(filter: $f, first: 1) {{ totalCount }} }}");
    let body = app.gql(Some(token), &query, json!({ "f": filter })).await;
    body["data"][list]["totalCount"].as_i64().unwrap_or_else(|| panic!("{list}: {body}"))
}

/// Every node of a list (at most 100) with the given fields.
async fn nodes(app: &TestApp, token: &str, list: &str, filter_type: &str, filter: Value, fields: &str) -> Vec<Value> {
    let query = format!("query($f: {filter_type}) {{ {list}(filter: $f, first: 100) {{ nodes {{ {fields} }} }} }}");
    let body = app.gql(Some(token), &query, json!({ "f": filter })).await;
    body["data"][list]["nodes"].as_array().unwrap_or_else(|| panic!("{list}: {body}")).clone()
}

/// (GENERAL, KEY, SPECIAL) of a `[{ level count }]` list.
fn levels(counts: &Value) -> (i64, i64, i64) {
    let of = |level: &str| {
        counts.as_array().unwrap().iter().find(|c| c["level"] == level).map_or(0, |c| c["count"].as_i64().unwrap())
    };
    (of("GENERAL"), of("KEY"), of("SPECIAL"))
}

fn row<'a>(report: &'a Value, category: &str) -> &'a Value {
    report["leadRows"].as_array().unwrap().iter().find(|r| r["category"] == category).unwrap()
}

/// The lead filter for leads received in `month` (`receivedTo` is inclusive).
fn received_in(month: &str, extra: Value) -> Value {
    let (start, end) = bounds(month);
    let mut filter =
        json!({ "receivedFrom": start.to_rfc3339(), "receivedTo": (end - Duration::seconds(1)).to_rfc3339() });
    for (k, v) in extra.as_object().unwrap() {
        filter[k] = v.clone();
    }
    filter
}

#[tokio::test]
async fn a_village_counts_its_own_umbrella_lead_and_the_coordinator_sees_only_its_shell() {
    let app = TestApp::spawn().await;
    let village = app.login("dongzhuang").await;
    let coord = app.login("coord").await;
    // 东庄村 received one lead, an umbrella one (records.rs: two days ago, involves an official).
    let own = nodes(&app, &village, "leads", "LeadFilter", json!({}), "isUmbrella receivedAt").await;
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["isUmbrella"], true);
    let at: DateTime<Utc> = own[0]["receivedAt"].as_str().unwrap().parse().unwrap();
    let month = month_of(at);

    let mine = report(&app, &village, None, &month).await;
    assert_eq!(mine["reportingName"], "东庄村");
    // Found, and handed to the discipline commission at once (双移交); a village reads no handling.
    assert_eq!(mine["leads"], json!({ "found": 1, "transferred": 1, "assisted": null }));
    assert_eq!(row(&mine, "PROTECTIVE_UMBRELLA")["figures"]["found"], 1);
    assert_eq!(row(&mine, "PROTECTIVE_UMBRELLA")["label"], "保护伞");
    assert_eq!(row(&mine, "LOCAL_TYRANT")["figures"]["found"], 0, "an umbrella lead shows in no other field");
    // Residents of 东庄村: 4 GENERAL, 5 KEY, 2 SPECIAL; venues 1 of each.
    assert_eq!(levels(&mine["persons"]), (4, 5, 2));
    assert_eq!(levels(&mine["venues"]), (1, 1, 1));
    assert_eq!(total(&app, &village, "people", "PersonFilter", json!({ "status": "ACTIVE" })).await, 11);
    assert_eq!(mine["talks"], Value::Null, "a village reads no talks");

    // The coordinator reads only the umbrella lead's shell: no receiving unit, so no count.
    let dongzhuang = unit_id(&app, &coord, "东庄村").await;
    let theirs = report(&app, &coord, Some(&dongzhuang), &month).await;
    assert_eq!(theirs["leads"]["found"], 0);
    let listed =
        total(&app, &coord, "leads", "LeadFilter", received_in(&month, json!({ "receivingUnitId": dongzhuang }))).await;
    assert_eq!(listed, 0);
    assert_eq!(levels(&theirs["persons"]), (4, 5, 2));
}

#[tokio::test]
async fn the_police_report_equals_what_the_police_can_list() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let month = this_month();
    let unit = unit_id(&app, &police, "清河派出所").await;
    // A lead received now: whatever day of the month the test runs on, the month has one.
    let received = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    let lead = json!({ "source": "POLICE", "category": "VICE", "summary": "本月接报", "receivedAt": received });
    app.mutate(&police, "registerLead", lead, "lead { id }").await;
    let mine = report(&app, &police, None, &month).await;
    assert_eq!(mine["unit"]["name"], "清河派出所");

    // The town's ledgers: persons 13 / 11 / 6, venues 6 / 4 / 2 (records.rs).
    assert_eq!(levels(&mine["persons"]), (13, 11, 6));
    assert_eq!(levels(&mine["venues"]), (6, 4, 2));

    let found =
        total(&app, &police, "leads", "LeadFilter", received_in(&month, json!({ "receivingUnitId": unit }))).await;
    assert_eq!(mine["leads"]["found"], found);
    // The lead received now is still REGISTERED: found, not transferred.
    assert!(mine["leads"]["transferred"].as_i64().unwrap() < found, "{mine}");
    let concluded = nodes(
        &app,
        &police,
        "leads",
        "LeadFilter",
        json!({ "assigneeUnitId": unit, "status": ["SUBSTANTIATED", "UNFOUNDED"] }),
        "concludedAt",
    )
    .await;
    let assisted = concluded.iter().filter(|l| in_month(&l["concludedAt"], &month)).count() as i64;
    assert_eq!(mine["leads"]["assisted"], assisted);

    let overdue = total(&app, &police, "tasks", "TaskFilter", json!({ "assigneeUnitId": unit, "overdue": true })).await;
    assert!(overdue > 0, "the demo has overdue police tasks");
    assert_eq!(mine["overdueTasks"], overdue);

    // Every person whose talk is overdue today was due by the month's end.
    let talk_overdue = total(&app, &police, "people", "PersonFilter", json!({ "talkOverdue": true })).await;
    let talks = &mine["talks"];
    assert!(talks["due"].as_i64().unwrap() >= talk_overdue, "{talks} vs {talk_overdue}");
    assert!(talks["done"].as_i64().unwrap() <= talks["due"].as_i64().unwrap());

    // Risk items of the police unit reported this month, by level.
    let items = nodes(&app, &police, "riskItems", "RiskFilter", json!({ "unitId": unit }), "level reportedAt").await;
    for stats in mine["risks"]["levels"].as_array().unwrap() {
        let listed =
            items.iter().filter(|i| i["level"] == stats["level"] && in_month(&i["reportedAt"], &month)).count();
        assert_eq!(stats["found"], listed as i64, "{stats}");
    }
}

#[tokio::test]
async fn the_judicial_and_discipline_reports_count_their_own_scopes() {
    let app = TestApp::spawn().await;
    let sifa = app.login("sifa").await;
    let month = this_month();
    let mine = report(&app, &sifa, None, &month).await;
    // Persons with a judicial tag (records.rs `tags`): 马国强 KEY, 刘春生 SPECIAL, 宋宝山 GENERAL,
    // 曹金龙 SPECIAL, 韦立军 SPECIAL. The judicial office reads no venues.
    assert_eq!(levels(&mine["persons"]), (1, 1, 3));
    assert_eq!(mine["venues"], Value::Null);
    assert_eq!(mine["inspections"], Value::Null);
    let tagged = total(&app, &sifa, "people", "PersonFilter", json!({ "status": "ACTIVE" })).await;
    assert_eq!(tagged, 5);

    // The discipline commission: its umbrella lead received 20 days ago counts in full.
    let jiwei = app.login("jiwei").await;
    let own = nodes(&app, &jiwei, "leads", "LeadFilter", json!({}), "receivedAt receivingUnit { name }").await;
    let received: Vec<&Value> = own.iter().filter(|l| l["receivingUnit"]["name"] == "清河镇纪委").collect();
    assert_eq!(received.len(), 1, "{own:?}");
    let month = month_of(received[0]["receivedAt"].as_str().unwrap().parse().unwrap());
    let theirs = report(&app, &jiwei, None, &month).await;
    assert_eq!(theirs["leads"]["found"], 1);
    assert_eq!(row(&theirs, "PROTECTIVE_UMBRELLA")["figures"]["found"], 1);
    assert_eq!(theirs["venues"], Value::Null);
}

#[tokio::test]
async fn the_coordinators_town_report_and_dashboard_equal_its_lists() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let month = this_month();
    let town = report(&app, &coord, None, &month).await;
    assert_eq!(town["unit"], Value::Null);
    assert_eq!(town["reportingName"], "清河镇");
    assert_eq!(levels(&town["persons"]), (13, 11, 6));
    // The leads received this month that it lists with their receipt, and the umbrella shells it
    // lists without one, each counted in the month it was registered (issue 15).
    let found = total(&app, &coord, "leads", "LeadFilter", received_in(&month, json!({}))).await;
    let coord_unit = app.unit_id("清河镇扫黑办").await;
    let (start, end) = bounds(&month);
    let town_id = entity::org_unit::Entity::find_by_id(coord_unit).one(&app.state.db).await.unwrap().unwrap().town_id;
    let shells = entity::lead::Entity::find()
        .filter(entity::lead::Column::TownId.eq(town_id))
        .filter(entity::lead::Column::Umbrella.eq(true))
        .filter(entity::lead::Column::ReceivingUnitId.ne(coord_unit))
        .filter(entity::lead::Column::CreatedAt.gte(start))
        .filter(entity::lead::Column::CreatedAt.lt(end))
        .all(&app.state.db)
        .await
        .unwrap()
        .len() as i64;
    assert_eq!(town["leads"]["found"], found + shells);
    let overdue = total(&app, &coord, "tasks", "TaskFilter", json!({ "overdue": true })).await;
    assert_eq!(town["overdueTasks"], overdue);

    let board = dashboard(&app, &coord).await;
    let sum = |list: &Value| list.as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum(&board["persons"]), 30);
    assert_eq!(sum(&board["venues"]), 12);
    assert_eq!(sum(&board["leads"]), total(&app, &coord, "leads", "LeadFilter", json!({})).await);
    let umbrella = total(&app, &coord, "leads", "LeadFilter", json!({ "isUmbrella": true })).await;
    let umbrella_counted: i64 = board["leads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["umbrella"] == true)
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(umbrella_counted, umbrella);
    assert_eq!(umbrella, 3, "three umbrella leads in the demo");
    assert_eq!(sum(&board["riskItems"]), total(&app, &coord, "riskItems", "RiskFilter", json!({})).await);
    assert_eq!(sum(&board["tasks"]), total(&app, &coord, "tasks", "TaskFilter", json!({})).await);
    assert_eq!(sum(&board["overdueTasksByUnit"]), overdue);
    let months = board["leadMonths"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[11]["month"], month);
    assert_eq!(months[11]["found"], found);
    // Every month equals the coordinator's list: received (receipt read) and concluded (handling read).
    let listed = nodes(&app, &coord, "leads", "LeadFilter", json!({}), "receivedAt concludedAt").await;
    for m in months {
        let month = m["month"].as_str().unwrap();
        let found = listed.iter().filter(|l| in_month(&l["receivedAt"], month)).count() as i64;
        let resolved = listed.iter().filter(|l| in_month(&l["concludedAt"], month)).count() as i64;
        assert_eq!((m["found"].as_i64().unwrap(), m["resolved"].as_i64().unwrap()), (found, resolved), "{month}");
    }
    assert!(months.iter().any(|m| m["resolved"].as_i64().unwrap() > 0), "the demo has concluded leads this year");
    let first = NaiveDate::parse_from_str(&format!("{}-01", months[0]["month"].as_str().unwrap()), "%Y-%m-%d").unwrap();
    let now = Utc::now().with_timezone(&zone()).date_naive();
    assert_eq!((now.year() - first.year()) * 12 + now.month() as i32 - first.month() as i32, 11);
}

/// The report and dashboard of each viewer, to compare before and after rows it cannot see.
async fn snapshot(app: &TestApp, tokens: &[&str], month: &str) -> Vec<(Value, Value)> {
    let mut all = Vec::new();
    for token in tokens {
        all.push((report(app, token, None, month).await, dashboard(app, token).await));
    }
    all
}

#[tokio::test]
async fn rows_a_viewer_cannot_list_never_move_its_report_or_dashboard() {
    let app = TestApp::spawn().await;
    let (police, xizhuang, liulin_police, jiwei, dongzhuang, coord) = (
        app.login("police").await,
        app.login("xizhuang").await,
        app.login("liulin_police").await,
        app.login("jiwei").await,
        app.login("dongzhuang").await,
        app.login("coord").await,
    );
    let month = this_month();
    let before = snapshot(&app, &[&police, &xizhuang], &month).await;
    let coord_before = report(&app, &coord, None, &month).await;

    let register = "mutation($i: RegisterLeadInput!) { registerLead(input: $i) { lead { id } } }";
    let lead = |source: &str, category: &str| json!({ "i": { "source": source, "category": category, "summary": "测试线索", "receivedAt": Utc::now().to_rfc3339() } });
    // Another town's lead and person.
    let body = app.gql(Some(&liulin_police), register, lead("POLICE", "VICE")).await;
    assert!(body["data"]["registerLead"]["lead"]["id"].is_string(), "{body}");
    // An umbrella lead of the discipline commission: hidden from police and villages, a bare shell
    // for the coordinator.
    let body = app.gql(Some(&jiwei), register, lead("DISCIPLINE", "PROTECTIVE_UMBRELLA")).await;
    assert!(body["data"]["registerLead"]["lead"]["id"].is_string(), "{body}");
    // A dispute in another village: hidden from the police (SOCIAL_CONFLICT) and from 西庄村.
    let body = app
        .gql(
            Some(&dongzhuang),
            "mutation($i: ReportRiskInput!) { reportRisk(input: $i) { riskItem { id } } }",
            json!({ "i": { "title": "测试纠纷", "category": "SOCIAL_CONFLICT", "description": "邻里纠纷" } }),
        )
        .await;
    assert!(body["data"]["reportRisk"]["riskItem"]["id"].is_string(), "{body}");
    // A lead of 东庄村: hidden from 西庄村 and the police.
    let body = app.gql(Some(&dongzhuang), register, lead("VILLAGE", "VICE")).await;
    assert!(body["data"]["registerLead"]["lead"]["id"].is_string(), "{body}");

    let after = snapshot(&app, &[&police, &xizhuang], &month).await;
    assert_eq!(before, after);
    // The coordinator lists the umbrella shell, but not when or by whom it was received: its
    // report counts the shell as its list shows it (issue 15), in the umbrella row only.
    let coord_after = report(&app, &coord, None, &month).await;
    assert_eq!(
        coord_before["leads"]["found"].as_i64().unwrap() + 2,
        coord_after["leads"]["found"].as_i64().unwrap(),
        "东庄村's ordinary lead and the umbrella shell are new to the coordinator's report"
    );
    let umbrella = |r: &Value| row(r, "PROTECTIVE_UMBRELLA")["figures"]["found"].as_i64().unwrap();
    assert_eq!(umbrella(&coord_before) + 1, umbrella(&coord_after));

    // And a row the police can list does move its figures.
    let body = app.gql(Some(&police), register, lead("POLICE", "VICE")).await;
    assert!(body["data"]["registerLead"]["lead"]["id"].is_string(), "{body}");
    let moved = report(&app, &police, None, &month).await;
    assert_eq!(moved["leads"]["found"].as_i64().unwrap(), before[0].0["leads"]["found"].as_i64().unwrap() + 1);
    assert_ne!(dashboard(&app, &police).await, before[0].1);
}

#[tokio::test]
async fn only_the_coordinator_may_ask_for_another_unit_or_the_town() {
    let app = TestApp::spawn().await;
    let (coord, police, village, admin, liulin) = (
        app.login("coord").await,
        app.login("police").await,
        app.login("xizhuang").await,
        app.login("admin").await,
        app.login("liulin_coord").await,
    );
    let month = this_month();
    let dongzhuang = unit_id(&app, &coord, "东庄村").await;
    let police_unit = unit_id(&app, &coord, "清河派出所").await;
    let me = app.gql(Some(&police), "{ me { town { id } } }", json!({})).await;
    let town = me["data"]["me"]["town"]["id"].as_str().unwrap().to_owned();

    for (token, unit) in [(&police, &dongzhuang), (&police, &town), (&village, &police_unit)] {
        let body = report_body(&app, token, Some(unit), &month).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    // Their own unit, by id, is theirs.
    assert_eq!(report(&app, &police, Some(&police_unit), &month).await["unit"]["name"], "清河派出所");
    // The coordinator may name any unit of its town, and the town.
    assert_eq!(report(&app, &coord, Some(&dongzhuang), &month).await["reportingName"], "东庄村");
    assert_eq!(report(&app, &coord, Some(&town), &month).await["unit"], Value::Null);
    // Another town's unit is no unit here, like a random id.
    for unit in [dongzhuang.as_str(), "bm90LWFuLWlk"] {
        let body = report_body(&app, &liulin, Some(unit), &month).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "unitId");
    }
    // Admin reads no case data: no report, no dashboard.
    assert_eq!(error_code(&report_body(&app, &admin, None, &month).await), Some("FORBIDDEN"));
    let body = app.gql(Some(&admin), DASHBOARD, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn a_malformed_month_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    for month in ["2026-13", "2026/01", "", "26-01", "2026-1"] {
        let body = report_body(&app, &coord, None, month).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{month}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "month");
    }
}

#[tokio::test]
async fn the_monthly_report_exports_as_a_real_xlsx_and_is_refused_to_admin() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let admin = app.login("admin").await;
    let month = this_month();
    let police_unit = unit_id(&app, &coord, "清河派出所").await;
    let expected = report(&app, &coord, Some(&police_unit), &month).await;

    let url = app.url(&format!("/export/monthly-report.xlsx?unitId={police_unit}&month={month}"));
    let response = app.client.get(&url).bearer_auth(&coord).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let bytes = response.bytes().await.unwrap().to_vec();
    assert_eq!(&bytes[..4], b"PK\x03\x04", "an XLSX is a zip");
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("the file parses as XLSX");
    let sheet = workbook.worksheet_range("月报").expect("one sheet named 月报");
    let text = |r: u32, c: u32| match sheet.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({r}, {c}): {other:?}"),
    };
    assert_eq!(text(0, 0), "扫黑除恶专项斗争开展情况月报表");
    assert_eq!(text(1, 0), "填报单位：清河派出所");
    assert_eq!(text(2, 0), "斗争领域");
    assert_eq!(text(2, 1), "排查涉黑涉恶线索数量");
    assert_eq!(text(2, 2), "移送涉黑涉恶线索数量");
    assert_eq!(text(2, 3), "配合查的案件数量");
    let rows = expected["leadRows"].as_array().unwrap().len() as u32;
    assert_eq!(text(3 + rows, 0), "合计");
    assert_eq!(sheet.get_value((3 + rows, 1)), Some(&Data::Float(expected["leads"]["found"].as_f64().unwrap())));
    let umbrella = (0..rows).find(|r| text(3 + r, 0) == "保护伞").expect("the umbrella row");
    assert!(matches!(sheet.get_value((3 + umbrella, 1)), Some(Data::Float(_))));

    let exports = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("export_monthly_report"))
        .filter(audit_log::Column::Username.eq("coord"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(exports.len(), 1, "one audit entry per export");
    let groups: Vec<&str> = exports[0].field_groups.split(',').collect();
    assert!(groups.contains(&"lead.shell") && groups.contains(&"person.basic"), "names its groups: {groups:?}");

    let refused = app.client.get(&url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let bad = app.url(&format!("/export/monthly-report.xlsx?unitId={police_unit}&month=2026-13"));
    let body: Value = app.client.get(&bad).bearer_auth(&coord).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["field"], "month", "{body}");
}

#[tokio::test]
async fn a_talk_done_for_a_person_due_this_month_counts_as_done_and_not_again_as_due() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let month = this_month();
    let overdue = nodes(&app, &police, "people", "PersonFilter", json!({ "talkOverdue": true }), "id").await;
    let person = overdue.first().expect("the demo has a person whose talk is overdue")["id"].clone();
    let before = report(&app, &police, None, &month).await["talks"].clone();

    let today = Utc::now().with_timezone(&zone()).date_naive().to_string();
    let talk = app
        .gql(
            Some(&police),
            "mutation($id: ID!, $d: Date!) { recordTalk(input: { personId: $id, talkedOn: $d, kind: EDUCATION, summary: \"谈话\" }) { person { id } } }",
            json!({ "id": person, "d": today }),
        )
        .await;
    assert!(talk["data"]["recordTalk"]["person"]["id"].is_string(), "{talk}");

    let after = report(&app, &police, None, &month).await["talks"].clone();
    assert_eq!(after["due"], before["due"], "the talk was due before the month; it stays due");
    assert_eq!(after["done"].as_i64().unwrap(), before["done"].as_i64().unwrap() + 1);
}
