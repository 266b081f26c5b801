//! `importPersons` / `importVenues`: ledgers in, all rows or none, export → import round trips.

use base64::Engine as _;
use pingan_tests::sheets::{download, xlsx_rows};
use pingan_tests::{TestApp, error_code};
use rust_xlsxwriter::{Formula, Workbook};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const IMPORT: &str = "mutation($i: ImportInput!, $persons: Boolean!) {
  p: importPersons(input: $i) @include(if: $persons) { rows created unchanged rejected { line column reason } }
  v: importVenues(input: $i) @skip(if: $persons) { rows created unchanged rejected { line column reason } } }";

async fn import(app: &TestApp, token: &str, persons: bool, file: &[u8], extra: Value) -> Value {
    let mut input = json!({ "content": base64::engine::general_purpose::STANDARD.encode(file) });
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.import_gql(Some(token), IMPORT, json!({ "i": input, "persons": persons })).await
}

/// Removes every record (not the towns, units and users): a fresh ledger.
async fn wipe(app: &TestApp) {
    for table in [
        "task_event",
        "task",
        "risk_check",
        "risk_event",
        "risk_feedback",
        "risk_item",
        "lead_event",
        "lead_subject",
        "lead",
        "person_assessment",
        "person_category",
        "person_incident",
        "person_judicial_tag",
        "person_level_change",
        "person_measure",
        "person_talk",
        "person",
        "venue_incident",
        "venue_inspection",
        "venue_level_change",
        "venue",
    ] {
        app.state.db.execute_unprepared(&format!("DELETE FROM {table}")).await.unwrap();
    }
}

/// An export's rows without the columns an import sets itself (listing date, status), sorted.
fn comparable(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let header = rows[0].clone();
    let keep: Vec<usize> = (0..header.len()).filter(|i| !["列管日期", "状态"].contains(&header[*i].as_str())).collect();
    let mut out: Vec<Vec<String>> = rows.iter().map(|r| keep.iter().map(|i| r[*i].clone()).collect()).collect();
    out[1..].sort();
    out
}

#[tokio::test]
async fn export_then_import_on_a_fresh_database_gives_the_same_records() {
    let source = TestApp::spawn().await;
    let police = source.login("police").await;
    let (_, persons) = download(&source, Some(&police), "/export/persons.xlsx?status=ACTIVE").await;
    let (_, venues) = download(&source, Some(&police), "/export/venues.xlsx?status=ACTIVE").await;

    let fresh = TestApp::spawn().await;
    wipe(&fresh).await;
    let token = fresh.login("police").await;
    let body = import(&fresh, &token, true, &persons, json!({})).await;
    let expected = xlsx_rows(&persons).len() as i64 - 1;
    assert_eq!(body["data"]["p"]["created"], expected, "{body}");
    let body = import(&fresh, &token, false, &venues, json!({})).await;
    assert_eq!(body["data"]["v"]["created"], xlsx_rows(&venues).len() as i64 - 1, "{body}");

    let (_, again) = download(&fresh, Some(&token), "/export/persons.xlsx").await;
    assert_eq!(comparable(xlsx_rows(&again)), comparable(xlsx_rows(&persons)));
    let (_, again) = download(&fresh, Some(&token), "/export/venues.xlsx").await;
    assert_eq!(comparable(xlsx_rows(&again)), comparable(xlsx_rows(&venues)));

    // Importing the same file again changes nothing.
    let before = entity::person::Entity::find().count(&fresh.state.db).await.unwrap();
    let body = import(&fresh, &token, true, &persons, json!({})).await;
    assert_eq!(body["data"]["p"]["created"], 0);
    assert_eq!(body["data"]["p"]["unchanged"], expected);
    assert_eq!(entity::person::Entity::find().count(&fresh.state.db).await.unwrap(), before);
    // Each imported person has its creation audited and its initial level recorded.
    let audited = entity::audit_log::Entity::find().all(&fresh.state.db).await.unwrap();
    assert_eq!(audited.iter().filter(|a| a.action == "create_person").count() as u64, before);
}

/// A workbook with one sheet of rows.
fn book(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

const HEADER: [&str; 6] = ["姓名", "身份证号", "村（社区）", "关注等级", "人员类别", "出生日期"];

#[tokio::test]
async fn rows_are_checked_and_none_is_written_when_one_fails() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let before = entity::person::Entity::find().count(&app.state.db).await.unwrap();
    let file = book(&[
        HEADER.to_vec(),
        vec!["甲一", "110101199003070011", "东庄村", "重点关注", "黄赌毒", "1990年3月7日"],
        vec!["甲二", "110101199003070012", "东庄村", "KEY", "VICE", "1990/3/7"],
        vec!["甲三", "110101199003070038", "月亮村", "一般关注", "黄赌毒", ""],
        vec!["甲四", "110101199003070054", "西庄村", "很高", "黄赌毒", "19900307"],
    ]);
    let body = import(&app, &token, true, &file, json!({})).await;
    let rejected = body["data"]["p"]["rejected"].as_array().unwrap_or_else(|| panic!("{body}"));
    let at: Vec<(i64, &str)> =
        rejected.iter().map(|r| (r["line"].as_i64().unwrap(), r["column"].as_str().unwrap())).collect();
    assert!(at.contains(&(3, "身份证号")), "a wrong check digit: {at:?}");
    assert!(at.contains(&(4, "村（社区）")), "an unknown village: {at:?}");
    assert!(at.contains(&(5, "关注等级")), "an unknown level: {at:?}");
    assert!(!at.iter().any(|(line, _)| *line == 2), "row 2 is good: {at:?}");
    assert_eq!(body["data"]["p"]["created"], 0);
    assert_eq!(entity::person::Entity::find().count(&app.state.db).await.unwrap(), before);

    // The good row alone goes in; a dry run first writes nothing.
    let good =
        book(&[HEADER.to_vec(), vec!["甲一", "110101199003070011", "东庄村", "重点关注", "黄赌毒", "1990-03-07"]]);
    let body = import(&app, &token, true, &good, json!({ "dryRun": true })).await;
    assert_eq!(body["data"]["p"]["created"], 0, "{body}");
    assert_eq!(entity::person::Entity::find().count(&app.state.db).await.unwrap(), before);
    let body = import(&app, &token, true, &good, json!({})).await;
    assert_eq!(body["data"]["p"]["created"], 1, "{body}");

    // Roles without the import action are refused.
    for user in ["admin", "dongzhuang", "sifa"] {
        let token = app.login(user).await;
        let body = import(&app, &token, true, &good, json!({})).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user}: {body}");
    }
}

#[tokio::test]
async fn bad_files_are_refused_naming_the_row_and_column() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let refused = |body: &Value, field: &str, needle: &str| {
        assert_eq!(error_code(body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{needle} in {message}");
    };
    let body = import(&app, &token, true, b"name,id\nA,1\n", json!({})).await;
    refused(&body, "input.content", "not an XLSX");

    let good = book(&[HEADER.to_vec()]);
    let body = import(&app, &token, true, &good, json!({ "sheet": "台账" })).await;
    refused(&body, "input.sheet", "no sheet 台账");

    let missing = book(&[vec!["姓名", "村（社区）", "关注等级", "人员类别"]]);
    let body = import(&app, &token, true, &missing, json!({})).await;
    refused(&body, "input.content", "身份证号");

    let mut formula = Workbook::new();
    let sheet = formula.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "乙").unwrap();
    sheet.write_formula(1, 1, Formula::new("=1+1")).unwrap();
    let body = import(&app, &token, true, &formula.save_to_buffer().unwrap(), json!({})).await;
    refused(&body, "input.content", "row 2, column 身份证号");

    let long = "长".repeat(5000);
    let body = import(&app, &token, true, &book(&[HEADER.to_vec(), vec!["乙", &long]]), json!({})).await;
    refused(&body, "input.content", "row 2, column 身份证号");

    let mut many = vec![HEADER.to_vec()];
    many.extend(std::iter::repeat_n(vec!["乙"], 20_001));
    let body = import(&app, &token, true, &book(&many), json!({})).await;
    refused(&body, "input.content", "more than 20000 rows");

    // A mapping reads another layout.
    let other = book(&[
        vec!["人员姓名", "公民身份号码", "所在村", "等级", "类别"],
        vec!["丙", "110101199003070011", "东庄村", "一般关注", "黄赌毒"],
    ]);
    let mapping = json!({ "columns": { "人员姓名": "姓名", "公民身份号码": "身份证号", "所在村": "村（社区）",
        "等级": "关注等级", "类别": "人员类别" } })
    .to_string();
    let body = import(&app, &token, true, &other, json!({ "mapping": mapping, "dryRun": true })).await;
    assert_eq!(body["data"]["p"]["rows"], 1, "{body}");
    assert_eq!(body["data"]["p"]["rejected"], json!([]), "{body}");
}
