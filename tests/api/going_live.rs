//! The README's "Going live" walk: an empty database, `pingan town init` with the example town
//! file, the administrator's setup code redeemed for a password, a first login, a first officer
//! added and logged in — and no demo data anywhere.

use std::path::{Path, PathBuf};

use pingan_tests::{TestApp, TestDb, error_code, test_config};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

fn example_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../town.example.toml")
}

const REDEEM: &str = "mutation($i: RedeemSetupCodeInput!) { redeemSetupCode(input: $i) { accessToken user { username role unit { name } town { name } } } }";

async fn redeem(app: &TestApp, code: &str, password: &str) -> Value {
    redeem_as(app, "admin", code, password).await
}

async fn redeem_as(app: &TestApp, username: &str, code: &str, password: &str) -> Value {
    app.gql(None, REDEEM, json!({ "i": { "username": username, "setupCode": code, "newPassword": password } })).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let db = &app.state.db;
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn from_an_empty_database_to_a_first_login_with_no_demo_data() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let created = pingan::cli::town_init(&url, &example_file()).await.expect("town init");
    assert_eq!((created.town.as_str(), created.offices, created.villages), ("清河镇", 4, 3));
    // Run twice, the second refuses and writes nothing.
    let again = pingan::cli::town_init(&url, &example_file()).await.expect_err("a second init");
    assert!(format!("{again:#}").contains("exists already"), "{again:#}");

    let app = TestApp::start(db, test_config(&url)).await;
    // No password until the code is redeemed: nothing logs the administrator in.
    for guess in ["", "!", created.setup_code.as_str()] {
        let body = app.login_payload("admin", guess).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let wrong = redeem(&app, "AAAA-BBBB-CCCC-DDDD", "晴川历历汉阳树2026").await;
    assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"), "{wrong}");
    let weak = redeem(&app, &created.setup_code, "1234567890").await;
    assert_eq!(error_code(&weak), Some("BAD_USER_INPUT"), "{weak}");
    assert_eq!(weak["errors"][0]["extensions"]["field"], "input.newPassword", "{weak}");

    // The code read out over the phone and typed in lower case with spaces is the same code.
    let typed = created.setup_code.to_lowercase().replace('-', " ");
    let redeemed = redeem(&app, &typed, "晴川历历汉阳树2026").await;
    assert!(redeemed["errors"].is_null(), "{redeemed}");
    let user = &redeemed["data"]["redeemSetupCode"]["user"];
    assert_eq!(
        *user,
        json!({ "username": "admin", "role": "ADMIN", "unit": { "name": "清河镇扫黑办" }, "town": { "name": "清河镇" } })
    );
    let once = redeem(&app, &created.setup_code, "另一个足够长的密码2026").await;
    assert_eq!(error_code(&once), Some("UNAUTHENTICATED"), "a code works once: {once}");

    let login = app.login_payload("admin", "晴川历历汉阳树2026").await;
    let token = login["data"]["login"]["accessToken"].as_str().unwrap_or_else(|| panic!("{login}")).to_owned();
    let org = app.gql(Some(&token), "{ orgUnits { id name kind } villages { name } }", json!({})).await;
    assert_eq!(org["data"]["orgUnits"].as_array().map(Vec::len), Some(7), "{org}");
    assert_eq!(org["data"]["villages"].as_array().map(Vec::len), Some(3), "{org}");

    // The administrator adds the first police officer, who sets a password and starts work.
    let station = org["data"]["orgUnits"].as_array().unwrap().iter().find(|u| u["kind"] == "POLICE_STATION").unwrap();
    let officer = json!({ "username": "li.jing", "displayName": "李警官", "role": "POLICE", "unitId": station["id"] });
    let created_officer = app.mutate(&token, "createUser", officer, "setupCode user { username setupPending }").await;
    assert_eq!(created_officer["user"]["setupPending"], true);
    let code = created_officer["setupCode"].as_str().unwrap();
    let first = redeem_as(&app, "li.jing", code, "派出所夜间值班二零二六").await;
    let officer_token = first["data"]["redeemSetupCode"]["accessToken"].as_str().unwrap_or_else(|| panic!("{first}"));
    let work =
        app.gql(Some(officer_token), "{ me { role unit { name } } people(first: 5) { totalCount } }", json!({})).await;
    assert_eq!(work["data"]["me"], json!({ "role": "POLICE", "unit": { "name": "清河派出所" } }), "{work}");
    assert_eq!(work["data"]["people"]["totalCount"], 0, "{work}");

    for table in ["person", "venue", "lead", "risk_item", "task"] {
        assert_eq!(count(&app, table).await, 0, "{table} holds rows");
    }
    assert_eq!((count(&app, "town").await, count(&app, "app_user").await), (1, 2));
}

#[tokio::test]
async fn a_town_whose_administrator_name_is_taken_writes_nothing() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    pingan::cli::town_init(&url, &example_file()).await.expect("town init");
    let other = std::env::temp_dir().join(format!("pingan-town-{}.toml", uuid::Uuid::now_v7().simple()));
    let text = std::fs::read_to_string(example_file()).unwrap().replace("清河", "柳林");
    std::fs::write(&other, text).unwrap();
    let refused = pingan::cli::town_init(&url, &other).await.expect_err("the username admin is taken");
    std::fs::remove_file(&other).ok();
    assert!(format!("{refused:#}").contains("username admin is taken"), "{refused:#}");
    let app = TestApp::start(db, test_config(&url)).await;
    assert_eq!((count(&app, "town").await, count(&app, "org_unit").await, count(&app, "village").await), (1, 7, 3));
}
