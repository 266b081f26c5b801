//! The fault suite: a proxy between the server and PostgreSQL cuts the database away, between
//! requests and in the middle of a transaction. The server answers `UNAVAILABLE` (HTTP 503 with
//! `Retry-After`) within its acquire timeout on every path, writes nothing half, and recovers by
//! itself when the database is back. (PostgreSQL only: the embedded SQLite file cannot go away.)

use std::time::{Duration, Instant};

use pingan_tests::fault::{FaultProxy, Trigger};
use pingan_tests::{TestApp, TestDb, error_code, test_config};
use serde_json::{Value, json};

/// Longer than any answer may take while the database is away (the acquire timeout is 1 s here;
/// before, requests hung for the pool's 30 s).
const PROMPT: Duration = Duration::from_secs(8);

/// The demo world on a fresh database, served through a proxy the test can cut.
async fn through_proxy() -> Option<(TestApp, FaultProxy)> {
    if TestDb::backend() != "postgres" {
        eprintln!("skipped: the fault suite cuts a PostgreSQL server away; SQLite is a local file");
        return None;
    }
    let db = TestDb::create().await;
    {
        let conn = pingan::db::connect(&db.url).await.expect("connect");
        pingan::db::migrate(&conn).await.expect("migrate");
        pingan::demo::load(&conn).await.expect("load demo world");
        conn.close().await.ok();
    }
    let proxy = FaultProxy::start(FaultProxy::upstream_of(&db.url)).await;
    let mut config = test_config(&proxy.url_through(&db.url));
    config.connections.db_acquire_timeout = Duration::from_secs(1);
    Some((TestApp::start(db, config).await, proxy))
}

async fn post(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> (u16, Option<String>, Value) {
    let mut request = app.client.post(app.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (status, retry, response.json().await.expect("a JSON body"))
}

/// Waits until the database answers through the server again.
async fn recovered(app: &TestApp, token: &str) {
    let started = Instant::now();
    loop {
        let (status, _, body) = post(app, Some(token), "{ people(first: 1) { totalCount } }", json!({})).await;
        if status == 200 && body["data"]["people"]["totalCount"].as_i64().is_some() {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no recovery: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn with_the_database_away_every_path_answers_unavailable_promptly_and_recovers_by_itself() {
    let Some((app, proxy)) = through_proxy().await else { return };
    let police = app.login("police").await;
    proxy.cut();
    let login = "mutation($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { accessToken } }";
    let cases: [(Option<&str>, &str, Value); 3] = [
        (Some(&police), "{ villages { name } }", json!({})),
        (Some(&police), "{ people(first: 5) { nodes { name } } }", json!({})),
        (None, login, json!({ "u": "police", "p": pingan_tests::PASSWORD })),
    ];
    for (token, query, variables) in cases {
        let started = Instant::now();
        let (status, retry, body) = post(&app, token, query, variables).await;
        assert!(started.elapsed() < PROMPT, "{query}: answered after {:?}", started.elapsed());
        assert_eq!((status, error_code(&body)), (503, Some("UNAVAILABLE")), "{query}: {body}");
        assert_eq!(retry.as_deref(), Some("5"), "{query}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("unavailable"), "{body}");
    }
    let started = Instant::now();
    let export = app.client.get(app.url("/export/persons.csv")).bearer_auth(&police).send().await.unwrap();
    assert!(started.elapsed() < PROMPT);
    assert_eq!(export.status().as_u16(), 503);
    assert!(export.headers().get("retry-after").is_some());
    let export: Value = export.json().await.unwrap();
    assert_eq!(error_code(&export), Some("UNAVAILABLE"), "{export}");
    let started = Instant::now();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "readyz took {:?}", started.elapsed());
    assert_eq!(ready.status().as_u16(), 503);
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status().as_u16(), 200);

    proxy.restore();
    recovered(&app, &police).await;
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn a_transaction_cut_midway_writes_nothing() {
    let Some((app, proxy)) = through_proxy().await else { return };
    let police = app.login("police").await;
    let villages = app.gql(Some(&police), "{ villages { id } }", json!({})).await;
    let village = villages["data"]["villages"][0]["id"].clone();
    let create = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }";
    let count = "query($f: PersonFilter) { people(filter: $f) { totalCount } }";
    // Cut before the row reaches the database, and after it was inserted but before the commit.
    for (n, pass_it_on) in [(1, false), (2, true)] {
        let name = format!("断线测试{n}");
        proxy.cut_on(Trigger { pattern: br#"INSERT INTO "person""#.to_vec(), pass_it_on });
        let input = json!({ "name": name, "idNumber": pingan_tests::id_for("19850101", &format!("{n:03}")), "villageId": village,
                            "attentionLevel": "KEY", "categories": ["VICE"] });
        let started = Instant::now();
        let (status, _, body) = post(&app, Some(&police), create, json!({ "input": input })).await;
        assert!(started.elapsed() < PROMPT, "answered after {:?}", started.elapsed());
        assert_eq!((status, error_code(&body)), (503, Some("UNAVAILABLE")), "{body}");
        proxy.restore();
        recovered(&app, &police).await;
        let found = app.gql(Some(&police), count, json!({ "f": { "namePrefix": name } })).await;
        assert_eq!(found["data"]["people"]["totalCount"], 0, "half-written: {found}");
    }
    // And the same write goes through once the database is back.
    let input = json!({ "name": "断线测试3", "idNumber": pingan_tests::id_for("19850101", "003"), "villageId": village,
                        "attentionLevel": "KEY", "categories": ["VICE"] });
    let (status, _, body) = post(&app, Some(&police), create, json!({ "input": input })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
}
