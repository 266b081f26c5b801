//! A page and its relations are read through one connection (`db::Checkout`): taken at the
//! first statement, kept for the next checkout when the checkout ends (once the answer of a
//! statement abandoned on it has been read), every statement counted as the pool's are; and
//! checkouts hold less than half the pool, so a reader holding one can always get a second
//! connection.

use std::sync::atomic::Ordering;
use std::time::Duration;

use pingan::db::{Checkout, Checkouts};
use pingan_tests::{TestApp, TestDb};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

fn statement(backend: DbBackend) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => "SELECT pg_backend_pid()::bigint AS who",
        _ => "SELECT 1 AS who",
    };
    Statement::from_string(backend, sql)
}

async fn who(reads: &impl ConnectionTrait) -> i64 {
    let row = reads.query_one_raw(statement(reads.get_database_backend())).await.expect("a statement");
    row.expect("a row").try_get("", "who").expect("who")
}

/// The backends of the connections the pool gives out now: every one it can give at once, each
/// asked for its backend, then all given back.
async fn pool_backends(app: &TestApp) -> Vec<i64> {
    let pool = app.state.db.get_postgres_connection_pool();
    let mut taken = Vec::new();
    while let Ok(Ok(conn)) = tokio::time::timeout(Duration::from_millis(300), pool.acquire()).await {
        taken.push(conn);
    }
    let mut backends = Vec::new();
    for conn in &mut taken {
        let backend = sea_orm::sqlx::query_scalar::<_, i64>("SELECT pg_backend_pid()::bigint").fetch_one(&mut **conn);
        backends.push(backend.await.expect("a backend"));
    }
    backends
}

#[tokio::test]
async fn a_checkout_reads_through_one_connection_and_counts_every_statement() {
    let app = TestApp::spawn().await;
    let before = app.state.statements.load(Ordering::SeqCst);
    let reads = Checkout::of(&app.state.db, &app.state.checkouts);
    let first = who(&reads).await;
    let (second, third) = (who(&reads).await, who(&reads).await);
    assert_eq!(app.state.statements.load(Ordering::SeqCst) - before, 3, "every statement is counted");
    if TestDb::backend() != "postgres" {
        // SQLite's statements run on the pool: nothing is held.
        assert_eq!(app.state.checkouts.held(), 0);
        return;
    }
    assert_eq!((first, second), (second, third), "one connection for every statement of a checkout");
    assert_eq!(app.state.checkouts.held(), 1);
    let others = pool_backends(&app).await;
    assert!(!others.is_empty() && !others.contains(&first), "the checkout holds its connection: {first} in {others:?}");
    drop(reads);
    assert_eq!(app.state.checkouts.held(), 0);
    assert_eq!(app.state.checkouts.kept(), 1, "the connection is kept for the next checkout");
    let next = Checkout::of(&app.state.db, &app.state.checkouts);
    assert_eq!(who(&next).await, first, "the next checkout reads on the kept connection");
    assert!(!pool_backends(&app).await.contains(&first), "a kept connection is not the pool's");
    drop(next);
    assert_eq!(app.state.checkouts.kept(), 1);
}

/// A checkout dropped while its statement runs (a cancelled request) leaves its connection
/// midway through an answer: the connection keeps its place until the answer has come and been
/// read, then is kept, and answers the next checkout's statements, not the abandoned one's.
#[tokio::test]
async fn a_connection_left_midway_through_a_statement_is_drained_before_it_is_kept() {
    let app = TestApp::spawn().await;
    if TestDb::backend() != "postgres" {
        return;
    }
    let checkouts = &app.state.checkouts;
    let reads = Checkout::of(&app.state.db, checkouts);
    let first = who(&reads).await;
    let slow = Statement::from_string(DbBackend::Postgres, "SELECT pg_sleep(1)::text AS slept");
    let cut = tokio::time::timeout(Duration::from_millis(100), reads.query_one_raw(slow)).await;
    assert!(cut.is_err(), "the statement was cut short");
    drop(reads);
    assert_eq!((checkouts.held(), checkouts.kept()), (1, 0), "its place is kept while the answer comes");
    let next = Checkout::of(&app.state.db, checkouts);
    let second = who(&next).await;
    assert_ne!(second, first, "the next checkout reads on another connection meanwhile");
    drop(next);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while checkouts.held() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!((checkouts.held(), checkouts.kept()), (0, 2), "drained, then kept");
    let again = Checkout::of(&app.state.db, checkouts);
    assert_eq!(who(&again).await, first, "the drained connection answers its own statements");
    assert_eq!(who(&again).await, first);
}

#[tokio::test]
async fn checkouts_hold_at_most_half_the_pool_and_the_rest_still_serves() {
    let app = TestApp::spawn().await;
    if TestDb::backend() != "postgres" {
        let reads = Checkout::of(&app.state.db, &app.state.checkouts);
        who(&reads).await;
        assert_eq!(app.state.checkouts.held(), 0, "SQLite's checkouts hold nothing");
        return;
    }
    let max = app.state.db.get_postgres_connection_pool().options().get_max_connections();
    let readers: Vec<Checkout<'_>> = (0..max).map(|_| Checkout::of(&app.state.db, &app.state.checkouts)).collect();
    for reads in &readers {
        who(reads).await;
    }
    let most = Checkouts::most(max);
    assert!(most >= 1 && 2 * most < max, "{most} of {max}");
    assert_eq!(app.state.checkouts.held(), most, "checkouts hold less than half the pool");
    // The checkouts past the half read through the pool, as a single statement does; both
    // still answer, within the acquire timeout, though half the pool is held.
    for reads in &readers {
        who(reads).await;
    }
    who(&app.state.db).await;
    drop(readers);
    assert_eq!(app.state.checkouts.held(), 0, "every place is given back");
}

#[tokio::test]
async fn a_checkout_dropped_while_it_waits_for_its_connection_gives_its_place_back() {
    let app = TestApp::spawn().await;
    if TestDb::backend() != "postgres" {
        return;
    }
    // Every connection of the pool taken, so a checkout's first statement waits.
    let pool = app.state.db.get_postgres_connection_pool();
    let mut taken = Vec::new();
    while let Ok(Ok(conn)) = tokio::time::timeout(Duration::from_millis(500), pool.acquire()).await {
        taken.push(conn);
    }
    let reads = Checkout::of(&app.state.db, &app.state.checkouts);
    let waited = tokio::time::timeout(Duration::from_millis(300), who(&reads)).await;
    assert!(waited.is_err(), "no connection was free");
    drop(reads);
    assert_eq!(app.state.checkouts.held(), 0, "the place of a checkout that never got its connection");
    drop(taken);
}

/// The lists read their page and its relations through the page's checkout: a page of persons
/// with its count, villages, officers and talks is four statements on one connection, three once
/// the names are kept (`pingan::directory`, PostgreSQL only).
#[tokio::test]
async fn a_page_of_persons_and_its_relations_are_read_through_one_checkout() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let query = "{ people(first: 5) { totalCount nodes { name village { name } responsibleOfficer { id } \
                 talks { id officer { id } } } } }";
    // Once first: the session is read and kept, and so are the names.
    app.gql(Some(&token), query, serde_json::json!({})).await;
    let (before, on_held) = (app.state.statements.load(Ordering::SeqCst), app.state.checkouts.statements_on_held());
    let body = app.gql(Some(&token), query, serde_json::json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["people"]["nodes"].as_array().map(Vec::len), Some(5), "{body}");
    let statements = app.state.statements.load(Ordering::SeqCst) - before;
    let held = app.state.checkouts.statements_on_held() - on_held;
    if TestDb::backend() == "postgres" {
        assert_eq!((statements, held), (3, 3), "page, count and talks, all on one connection; the names are kept");
    } else {
        assert_eq!((statements, held), (4, 0), "SQLite's run on the pool");
    }
    assert_eq!(app.state.checkouts.held(), 0, "given back when the page is answered");
}
