//! `GET /export/{list}.{xlsx|csv}`: the same rows as the list, the viewer's columns only.

use entity::audit_log;
use pingan_tests::TestApp;
use pingan_tests::sheets::{download, rows};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// (file, list query field, query string, the same filter as GraphQL).
const LISTS: [(&str, &str, &str, &str); 7] = [
    ("persons", "people", "", "{}"),
    ("persons", "people", "?attentionLevel=KEY&attentionLevel=SPECIAL", r#"{"attentionLevel":["KEY","SPECIAL"]}"#),
    ("venues", "venues", "", "{}"),
    ("leads", "leads", "", "{}"),
    ("risk-items", "riskItems", "?overdue=false", r#"{"overdue":false}"#),
    ("tasks", "tasks", "", "{}"),
    ("tasks", "tasks", "?status=OPEN,IN_PROGRESS", r#"{"status":["OPEN","IN_PROGRESS"]}"#),
];

async fn total(app: &TestApp, token: &str, field: &str, filter: &str) -> Option<i64> {
    let filter: Value = serde_json::from_str(filter).unwrap();
    let filter_type = match field {
        "people" => "PersonFilter",
        "venues" => "VenueFilter",
        "leads" => "LeadFilter",
        "riskItems" => "RiskFilter",
        _ => "TaskFilter",
    };
    let query = format!("query($f: {filter_type}) {{ {field}(filter: $f, first: 1) {{ totalCount }} }}");
    let body = app.gql(Some(token), &query, json!({ "f": filter })).await;
    body["data"][field]["totalCount"].as_i64()
}

#[tokio::test]
async fn every_role_exports_exactly_the_rows_its_list_counts() {
    let app = TestApp::spawn().await;
    let mut checked = 0;
    for user in ["coord", "police", "sifa", "jiwei", "dongzhuang"] {
        let token = app.login(user).await;
        for (file, field, query, filter) in LISTS {
            let count = total(&app, &token, field, filter).await;
            for ext in ["csv", "xlsx"] {
                let path = format!("/export/{file}.{ext}{query}");
                let (status, body) = download(&app, Some(&token), &path).await;
                match count {
                    Some(count) => {
                        assert_eq!(status, 200, "{user} {path}: {}", String::from_utf8_lossy(&body));
                        let rows = rows(&path, &body);
                        assert!(!rows[0].is_empty(), "{user} {path}: a header row");
                        assert_eq!(rows.len() as i64 - 1, count, "{user} {path}: rows vs totalCount");
                        checked += 1;
                    }
                    None => assert_eq!(status, 403, "{user} {path}: the list is refused, so is the export"),
                }
            }
        }
    }
    assert!(checked > 40, "most exports were compared ({checked})");
}

fn header(app_rows: &[Vec<String>]) -> Vec<String> {
    app_rows[0].clone()
}

#[tokio::test]
async fn columns_follow_the_field_groups_and_never_hold_the_reporter() {
    let app = TestApp::spawn().await;
    let persons = |user: &'static str| {
        let app = &app;
        async move {
            let token = app.login(user).await;
            let (status, body) = download(app, Some(&token), "/export/persons.xlsx").await;
            assert_eq!(status, 200);
            header(&rows("x.xlsx", &body))
        }
    };
    let police = persons("police").await;
    assert!(police.contains(&"身份证号".to_owned()) && police.contains(&"备注".to_owned()), "{police:?}");
    let coord = persons("coord").await;
    assert!(coord.contains(&"身份证号".to_owned()), "{coord:?}");
    assert!(!coord.contains(&"备注".to_owned()), "notes are the police's: {coord:?}");
    let village = persons("dongzhuang").await;
    assert!(village.contains(&"姓名".to_owned()));
    for hidden in ["身份证号", "出生日期", "人员类别", "备注"] {
        assert!(!village.contains(&hidden.to_owned()), "{hidden} is absent for a village: {village:?}");
    }

    // No role's lead export holds a reporter's name or contact.
    let leads = entity::lead::Entity::find().all(&app.state.db).await.unwrap();
    let reporters: Vec<String> = leads
        .iter()
        .flat_map(|l| [l.reporter_name.clone(), l.reporter_contact.clone()])
        .flatten()
        .filter(|r| r.chars().count() > 1)
        .collect();
    assert!(!reporters.is_empty(), "the demo world has reporters");
    for user in ["coord", "police", "jiwei", "sifa", "dongzhuang"] {
        let token = app.login(user).await;
        for path in ["/export/leads.csv", "/export/leads.xlsx"] {
            let (status, body) = download(&app, Some(&token), path).await;
            if status == 403 {
                continue;
            }
            let text = rows(path, &body).concat().join("|");
            for r in &reporters {
                assert!(!text.contains(r.as_str()), "{user} {path} holds a reporter");
            }
        }
    }
}

#[tokio::test]
async fn refusals_carry_the_graphql_error_codes() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let (status, body) = download(&app, Some(&admin), "/export/persons.csv").await;
    assert_eq!(status, 403);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let (status, body) = download(&app, None, "/export/persons.xlsx").await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let police = app.login("police").await;
    for (query, field) in [
        ("?attentionLevel=NOPE", "attentionLevel"),
        ("?listedFrom=yesterday", "listedFrom"),
        ("?talkOverdue=maybe", "talkOverdue"),
        ("?colour=red", "colour"),
        ("?status=ACTIVE&status=DELISTED", "status"),
    ] {
        let (status, body) = download(&app, Some(&police), &format!("/export/persons.csv{query}")).await;
        assert_eq!(status, 400, "{query}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
    let (status, _) = download(&app, Some(&police), "/export/people.csv").await;
    assert_eq!(status, 404);
    // A village may not filter on a group it does not hold (rule 4), as in the list.
    let village = app.login("dongzhuang").await;
    let (status, _) = download(&app, Some(&village), "/export/persons.csv?talkOverdue=true").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn each_export_is_audited_with_the_groups_it_wrote() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let (status, _) = download(&app, Some(&coord), "/export/persons.csv").await;
    assert_eq!(status, 200);
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("export"))
        .filter(audit_log::Column::ObjectType.eq("Person"))
        .all(&app.state.db)
        .await
        .unwrap();
    let (summary, rows): (Vec<_>, Vec<_>) = entries.iter().partition(|e| e.object_id.is_none());
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].username, "coord");
    assert_eq!(summary[0].field_groups, "basic,identity,record");
    // One entry per exported row, naming it, so "who exported this person" has an answer.
    let listed = total(&app, &coord, "people", "{}").await.expect("the coordinator lists persons");
    assert_eq!(rows.len() as i64, listed);
    assert!(rows.iter().all(|e| e.username == "coord" && e.field_groups == "basic,identity,record"));
    let ids: std::collections::BTreeSet<_> = rows.iter().map(|e| e.object_id).collect();
    assert_eq!(ids.len(), rows.len(), "each row once");
}

#[tokio::test]
async fn the_discipline_commission_can_tell_who_exported_a_given_lead() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let (status, _) = download(&app, Some(&police), "/export/leads.csv").await;
    assert_eq!(status, 200);
    let body = app.gql(Some(&police), "{ leads(first: 100) { nodes { id } } }", json!({})).await;
    let some_lead = pingan_tests::uuid_of(&body["data"]["leads"]["nodes"][0]["id"]);
    let who = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("export"))
        .filter(audit_log::Column::ObjectId.eq(some_lead))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(who.len(), 1, "{who:?}");
    assert_eq!((who[0].username.as_str(), who[0].object_type.as_str()), ("police", "Lead"));
}

/// Text a spreadsheet program would run as a formula, as anyone who may write a record could
/// type it (OWASP "CSV injection": cells starting with `=`, `+`, `-`, `@`, tab or CR).
const FORMULAS: [&str; 4] = ["=HYPERLINK(\"http://x.invalid\",\"点此\")", "+1+1", "-2+3", "@SUM(1,1)"];

#[tokio::test]
async fn formulas_typed_into_records_reach_a_spreadsheet_as_text() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    // Every exported list gets a formula in a text column the coordinator exports.
    let tables =
        [("person", "name"), ("venue", "name"), ("lead", "summary"), ("risk_item", "title"), ("task", "title")];
    for (table, column) in tables {
        for (i, formula) in FORMULAS.iter().enumerate() {
            let formula = formula.replace('\'', "''");
            let rows = format!("SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET {i}");
            // A lead with a formula is made an umbrella lead, which the discipline commission
            // reads in full.
            let umbrella = if table == "lead" { ", umbrella = true" } else { "" };
            let sql = format!("UPDATE {table} SET {column} = '{formula}'{umbrella} WHERE id IN ({rows})");
            app.state.db.execute_unprepared(&sql).await.unwrap();
        }
    }
    // The discipline commission reads every lead's summary; the coordinator every other list.
    let (coord, jiwei) = (app.login("coord").await, app.login("jiwei").await);
    for file in ["persons", "venues", "leads", "risk-items", "tasks"] {
        let token = if file == "leads" { &jiwei } else { &coord };
        let csv = format!("/export/{file}.csv");
        let (status, bytes) = download(&app, Some(token), &csv).await;
        assert_eq!(status, 200, "{csv}");
        let cells: Vec<String> = rows(&csv, &bytes).into_iter().flatten().collect();
        for formula in FORMULAS {
            assert!(cells.iter().any(|c| *c == format!("'{formula}")), "{csv}: {formula} is not neutralised");
        }
        let live: Vec<&String> = cells.iter().filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r'])).collect();
        assert!(live.is_empty(), "{csv}: cells a spreadsheet would run: {live:?}");

        // XLSX cells are typed: a string stays a string, written as it was typed.
        let xlsx = format!("/export/{file}.xlsx");
        let (status, bytes) = download(&app, Some(token), &xlsx).await;
        assert_eq!(status, 200, "{xlsx}");
        let cells: Vec<String> = rows(&xlsx, &bytes).into_iter().flatten().collect();
        for formula in FORMULAS {
            assert!(cells.iter().any(|c| c == formula), "{xlsx}: {formula} was not written as text");
        }
    }
}

/// The cells of `column` (by header) in each data row, with the row's umbrella flag.
fn column_by_umbrella(rows: &[Vec<String>], column: &str) -> Vec<(bool, String)> {
    let at = |name: &str| rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name}: {:?}", rows[0]));
    let (flag, cell) = (at("保护伞线索"), at(column));
    rows[1..].iter().map(|r| (r[flag] == "是", r[cell].clone())).collect()
}

/// Issue 15, item 10: the coordination office reads the submission and handling of every
/// ordinary lead; two umbrella shells among its rows must not take those columns from the whole
/// export. A column is there when the viewer holds its group on some exported row, blank on the
/// rows where it does not.
#[tokio::test]
async fn a_column_is_written_when_its_group_is_held_on_some_row_and_blank_on_the_others() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    for path in ["/export/leads.csv", "/export/leads.xlsx"] {
        let (status, body) = download(&app, Some(&coord), path).await;
        assert_eq!(status, 200);
        let rows = rows(path, &body);
        for column in ["接收时间", "线索来源", "线索摘要", "办理状态", "承办单位"] {
            assert!(rows[0].contains(&column.to_owned()), "{path}: {column} in {:?}", rows[0]);
        }
        let summaries = column_by_umbrella(&rows, "线索摘要");
        assert!(summaries.iter().any(|(umbrella, _)| *umbrella), "{path}: the demo world has umbrella shells");
        for (umbrella, summary) in &summaries {
            assert_eq!(summary.is_empty(), *umbrella, "{path}: blank exactly on umbrella rows ({summary})");
        }
        for (umbrella, status) in column_by_umbrella(&rows, "办理状态") {
            assert_eq!(status.is_empty(), umbrella, "{path}: handling blank exactly on umbrella rows");
        }
    }
    // A group held on no exported row stays out: the reporter for everyone, and the umbrella
    // leads alone give the office nothing but their shells.
    let (_, body) = download(&app, Some(&coord), "/export/leads.csv?isUmbrella=true").await;
    let header = header(&rows("x.csv", &body));
    assert!(header.contains(&"线索编号".to_owned()), "{header:?}");
    for column in ["线索来源", "线索摘要", "办理状态", "承办单位"] {
        assert!(!header.contains(&column.to_owned()), "{column}: {header:?}");
    }
}
