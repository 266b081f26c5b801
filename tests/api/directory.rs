//! The names of villages and officers are kept between requests (`pingan::directory`) only while
//! every change to them is heard: a page reads them once, then from what is kept; a change made
//! on the server shows at its very next request, one made by another server or outside any
//! server once PostgreSQL announces it; a server whose listener was cut forgets what it kept. On
//! SQLite nothing is kept: every page reads its names.

use std::sync::atomic::Ordering;
use std::time::Duration;

use pingan_tests::{TestApp, TestDb, uuid_of};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const PAGE: &str = "{ people(first: 20) { nodes { name village { id name } responsibleOfficer { id displayName } \
                    talks { officer { id displayName } } } } }";

/// The page as `token` sees it, and the statements it cost.
async fn page(app: &TestApp, token: &str) -> (Value, u64) {
    let before = app.state.statements.load(Ordering::SeqCst);
    let body = app.gql(Some(token), PAGE, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    (body, app.state.statements.load(Ordering::SeqCst) - before)
}

fn rows(body: &Value) -> &Vec<Value> {
    body["data"]["people"]["nodes"].as_array().expect("nodes")
}

/// Every village name and officer name on the page, in order.
fn names(body: &Value) -> Vec<String> {
    let mut names = Vec::new();
    for row in rows(body) {
        names.push(row["village"]["name"].to_string());
        names.push(row["responsibleOfficer"]["displayName"].to_string());
        for talk in row["talks"].as_array().expect("talks") {
            names.push(talk["officer"]["displayName"].to_string());
        }
    }
    names
}

/// The first village and the first responsible officer on the page.
fn first_village_and_officer(body: &Value) -> (Value, Value) {
    let village = rows(body).iter().find_map(|p| p["village"]["id"].as_str()).expect("a village on the page");
    let officer =
        rows(body).iter().find_map(|p| p["responsibleOfficer"]["id"].as_str()).expect("an officer on the page");
    (json!(village), json!(officer))
}

/// Whether `app`'s page shows `name` within `within`: a change made elsewhere reaches a server
/// when PostgreSQL delivers its announcement, milliseconds after the commit.
async fn shows_within(app: &TestApp, token: &str, name: &str, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (body, _) = page(app, token).await;
        if names(&body).iter().any(|n| n.contains(name)) {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Renames the user `officer` in the database itself, as the command line or an administrator's
/// SQL would.
async fn rename_officer_in_the_database(app: &TestApp, officer: &Value, name: &str) {
    let renamed = entity::app_user::Entity::update_many()
        .col_expr(entity::app_user::Column::DisplayName, Expr::value(name))
        .filter(entity::app_user::Column::Id.eq(uuid_of(officer)))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(renamed.rows_affected, 1);
}

#[tokio::test]
async fn a_page_reads_its_names_once_then_from_what_is_kept() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let (first, read) = page(&app, &token).await;
    let (second, kept) = page(&app, &token).await;
    assert_eq!(names(&first), names(&second), "the same names either way");
    assert!(names(&first).iter().all(|n| n != "null"), "every row names its village and officers: {first}");
    if TestDb::backend() == "postgres" {
        assert_eq!(kept, read - 1, "the second page reads no names");
        // Another role of the town keeps its own.
        let coord = app.login("coord").await;
        let (_, coord_first) = page(&app, &coord).await;
        let (_, coord_second) = page(&app, &coord).await;
        assert_eq!(coord_second, coord_first - 1);
    } else {
        assert_eq!(kept, read, "SQLite keeps no names");
    }
}

#[tokio::test]
async fn a_renamed_village_shows_at_once_on_its_server_and_soon_on_another() {
    let app = TestApp::spawn().await;
    let other = app.second().await;
    let (police, admin) = (app.login("police").await, app.login("admin").await);
    let (body, _) = page(&app, &police).await;
    page(&other, &police).await;
    let (village, _) = first_village_and_officer(&body);
    let rename = async |name: &str| {
        let out = app
            .gql(
                Some(&admin),
                "mutation($id: ID!, $name: String!) { renameVillage(input: { villageId: $id, name: $name }) { village { name } } }",
                json!({ "id": village, "name": name }),
            )
            .await;
        assert_eq!(out["data"]["renameVillage"]["village"]["name"], name, "{out}");
    };
    // Unannounced (the trigger off), only the renaming server's own forgetting shows the name.
    let postgres = TestDb::backend() == "postgres";
    if postgres {
        app.state.db.execute_unprepared("ALTER TABLE village DISABLE TRIGGER village_directory").await.unwrap();
    }
    rename("新名村").await;
    if postgres {
        app.state.db.execute_unprepared("ALTER TABLE village ENABLE TRIGGER village_directory").await.unwrap();
    }
    let (body, _) = page(&app, &police).await;
    assert!(names(&body).iter().any(|n| n.contains("新名村")), "the renaming server's next page: {body}");
    // Announced, the other server shows it as soon as it hears.
    rename("再名村").await;
    assert!(
        shows_within(&other, &police, "再名村", Duration::from_secs(2)).await,
        "the other server kept the old name"
    );
}

#[tokio::test]
async fn a_name_changed_outside_any_server_shows_once_announced() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let (body, _) = page(&app, &token).await;
    page(&app, &token).await;
    let (_, officer) = first_village_and_officer(&body);
    rename_officer_in_the_database(&app, &officer, "改名警官").await;
    assert!(shows_within(&app, &token, "改名警官", Duration::from_secs(2)).await, "the server kept the old name");
}

/// A server whose listening connection was cut and came back may have missed announcements:
/// it forgets what it kept.
#[tokio::test]
async fn a_server_whose_listener_was_cut_forgets_the_names_it_kept() {
    if TestDb::backend() != "postgres" {
        eprintln!("skipped: only a server on PostgreSQL listens; set PINGAN_TEST_POSTGRES_URL to run this test");
        return;
    }
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let (body, _) = page(&app, &token).await;
    page(&app, &token).await;
    let (_, officer) = first_village_and_officer(&body);
    // The listening connection drops; then a name changes without a word to anyone (as if the
    // announcement had been sent while it was down).
    let listening = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()";
    let backend = app.state.db.get_database_backend();
    let dropped = app.state.db.query_all_raw(sea_orm::Statement::from_string(backend, listening));
    assert_eq!(dropped.await.unwrap().len(), 1, "the server listens on one connection");
    app.state.db.execute_unprepared("ALTER TABLE app_user DISABLE TRIGGER app_user_directory").await.unwrap();
    rename_officer_in_the_database(&app, &officer, "无声改名").await;
    app.state.db.execute_unprepared("ALTER TABLE app_user ENABLE TRIGGER app_user_directory").await.unwrap();
    assert!(shows_within(&app, &token, "无声改名", Duration::from_secs(2)).await, "a stale name was served");
}
