//! The judicial office's ledger of lawyers' reports of representing gang cases (seed 001
//! "建立律师代理涉黑涉恶涉霸案报告制度"): kept by the judicial office, read by it and the
//! coordination office, listed newest reported first on keyset pages.

use chrono::Duration;
use entity::lawyer_report;
use pingan::domain::lead_flow::today;
use pingan_tests::{TestApp, error_code};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const REPORT: &str = "id lawyerName lawFirm caseName court reportedOn note recordedByUnit { name }";

fn input(lawyer: &str, days_ago: i64) -> Value {
    json!({ "lawyerName": lawyer, "lawFirm": "某某律师事务所", "caseName": "张某某等涉恶案",
            "court": "某区人民法院", "reportedOn": (today() - Duration::days(days_ago)).to_string(), "note": "已备案" })
}

async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($i: RecordLawyerReportInput!) {{ recordLawyerReport(input: $i) {{ lawyerReport {{ {REPORT} }} }} }}"
    );
    app.gql(Some(token), &query, json!({ "i": input })).await
}

async fn recorded(app: &TestApp, token: &str, input: Value) -> Value {
    let body = record(app, token, input).await;
    let report = body["data"]["recordLawyerReport"]["lawyerReport"].clone();
    assert!(report.is_object(), "{body}");
    report
}

async fn in_db(app: &TestApp) -> u64 {
    lawyer_report::Entity::find().count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn the_judicial_office_records_a_lawyers_report_and_the_coordination_office_reads_it() {
    let app = TestApp::spawn().await;
    let sifa = app.login("sifa").await;
    let report = recorded(&app, &sifa, input("王律师", 1)).await;
    assert_eq!(report["lawyerName"], "王律师");
    assert_eq!(report["court"], "某区人民法院");
    assert_eq!(report["reportedOn"], (today() - Duration::days(1)).to_string());
    assert_eq!(report["recordedByUnit"]["name"], "清河司法所");
    let coord = app.login("coord").await;
    let body =
        app.gql(Some(&coord), &format!("{{ lawyerReports {{ totalCount nodes {{ {REPORT} }} }} }}"), json!({})).await;
    assert_eq!(body["data"]["lawyerReports"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["lawyerReports"]["nodes"][0], report);
}

#[tokio::test]
async fn lawyers_reports_are_read_by_the_judicial_and_coordination_offices_only() {
    let app = TestApp::spawn().await;
    let sifa = app.login("sifa").await;
    let id = recorded(&app, &sifa, input("王律师", 0)).await["id"].clone();
    let query = "query($id: ID!) { lawyerReport(id: $id) { id } node(id: $id) { id } lawyerReports { totalCount } }";
    for user in ["sifa", "coord", "jiwei", "police", "dongzhuang", "admin", "liulin_coord", "liulin_police"] {
        let token = app.login(user).await;
        let body = app.gql(Some(&token), query, json!({ "id": id })).await;
        let reads = matches!(user, "sifa" | "coord");
        assert_eq!(body["data"]["lawyerReport"].is_object(), reads, "{user}: {body}");
        assert_eq!(body["data"]["node"].is_object(), reads, "{user}: {body}");
        match user {
            "sifa" | "coord" => assert_eq!(body["data"]["lawyerReports"]["totalCount"], 1, "{user}: {body}"),
            // The other town's coordination office reads its own town's ledger: empty here.
            "liulin_coord" => assert_eq!(body["data"]["lawyerReports"]["totalCount"], 0, "{user}: {body}"),
            _ => assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}"),
        }
    }
}

#[tokio::test]
async fn only_the_judicial_office_records_lawyers_reports() {
    let app = TestApp::spawn().await;
    for user in ["coord", "police", "jiwei", "dongzhuang", "admin"] {
        let token = app.login(user).await;
        let body = record(&app, &token, input("王律师", 0)).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}");
    }
    assert_eq!(in_db(&app).await, 0);
}

#[tokio::test]
async fn bad_lawyer_report_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let sifa = app.login("sifa").await;
    let cases = [
        ("reportedOn", json!((today() + Duration::days(1)).to_string()), "input.reportedOn"),
        ("court", json!(" "), "input.court"),
        ("lawyerName", json!(""), "input.lawyerName"),
        ("caseName", json!("案".repeat(201)), "input.caseName"),
    ];
    for (key, value, field) in cases {
        let mut bad = input("王律师", 0);
        bad[key] = value;
        let body = record(&app, &sifa, bad).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(in_db(&app).await, 0);
}

#[tokio::test]
async fn lawyers_reports_come_newest_reported_first_on_keyset_pages() {
    let app = TestApp::spawn().await;
    let sifa = app.login("sifa").await;
    for (lawyer, days_ago) in [("甲", 10), ("乙", 2), ("丙", 5)] {
        recorded(&app, &sifa, input(lawyer, days_ago)).await;
    }
    let query = "query($after: String) { lawyerReports(first: 2, after: $after) {
        totalCount nodes { lawyerName } pageInfo { hasNextPage endCursor } } }";
    let body = app.gql(Some(&sifa), query, json!({ "after": null })).await;
    let page = &body["data"]["lawyerReports"];
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["nodes"], json!([{ "lawyerName": "乙" }, { "lawyerName": "丙" }]));
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let body = app.gql(Some(&sifa), query, json!({ "after": page["pageInfo"]["endCursor"] })).await;
    let page = &body["data"]["lawyerReports"];
    assert_eq!(page["nodes"], json!([{ "lawyerName": "甲" }]), "{body}");
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    let body = app
        .gql(
            Some(&sifa),
            "query($f: LawyerReportFilter) { lawyerReports(filter: $f) { nodes { lawyerName } } }",
            json!({ "f": { "reportedFrom": (today() - Duration::days(5)).to_string() } }),
        )
        .await;
    assert_eq!(body["data"]["lawyerReports"]["nodes"], json!([{ "lawyerName": "乙" }, { "lawyerName": "丙" }]));
}
