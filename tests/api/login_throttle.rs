//! Login throttling and password-hash concurrency (issue 16, finding 5).
//!
//! Throttling is per (username, client address) pair, counted in the database before the
//! password is checked: concurrent guesses are evaluated at most the limit's number of times, on
//! one server or on two sharing the database, and a locked pair locks neither the user's other
//! addresses nor other users behind the same address.

use futures_util::future::join_all;
use pingan_tests::{PASSWORD, TestApp, error_code, test_config};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { accessToken refreshToken } }";

/// A login sent as if through a proxy that reports `forwarded` as the client.
async fn login_from(app: &TestApp, username: &str, password: &str, forwarded: &str) -> Value {
    let body = json!({ "query": LOGIN, "variables": { "u": username, "p": password } });
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", forwarded)
        .json(&body)
        .send()
        .await
        .expect("request");
    response.json().await.expect("json body")
}

fn codes(bodies: &[Value]) -> (usize, usize) {
    let count = |code: &str| bodies.iter().filter(|b| error_code(b) == Some(code)).count();
    (count("UNAUTHENTICATED"), count("RATE_LIMITED"))
}

#[tokio::test]
async fn concurrent_guesses_on_two_servers_sharing_a_database_are_evaluated_at_most_the_limit() {
    let app = TestApp::spawn().await;
    // A second server on the same database, as a second replica behind a load balancer.
    let replica = pingan::App::build(test_config(&app.db.url)).await.expect("build replica");
    let replica_url = format!("http://{}/graphql", replica.local_addr().expect("bound"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(replica.run_until(async {
        let _ = stopped.await;
    }));
    let guesses = (0..150).map(|i| {
        let body = json!({ "query": LOGIN, "variables": { "u": "police", "p": format!("guess-{i}") } });
        let request = if i % 2 == 0 { app.client.post(app.url("/graphql")) } else { app.client.post(&replica_url) };
        async move { request.json(&body).send().await.expect("request").json::<Value>().await.expect("json") }
    });
    let bodies = join_all(guesses).await;
    let (evaluated, limited) = codes(&bodies);
    assert_eq!(evaluated + limited, 150, "every guess is answered: {bodies:?}");
    assert!(
        (1..=5).contains(&evaluated),
        "{evaluated} guesses were evaluated; the limit is 5 for both servers together"
    );
    let _ = stop.send(());
}

#[tokio::test]
async fn a_locked_pair_locks_neither_the_users_other_addresses_nor_other_users_at_its_address() {
    let app = TestApp::spawn_with(|config| config.limits.trusted_proxy = vec!["127.0.0.1/32".parse().unwrap()]).await;
    for _ in 0..5 {
        let body = login_from(&app, "police", "wrong", "203.0.113.7").await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let locked = login_from(&app, "police", PASSWORD, "203.0.113.7").await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");
    // The real user at their own desk, and a colleague behind the attacker's NAT, log in.
    let elsewhere = login_from(&app, "police", PASSWORD, "198.51.100.20").await;
    assert!(elsewhere["data"]["login"].is_object(), "{elsewhere}");
    let colleague = login_from(&app, "coord", PASSWORD, "203.0.113.7").await;
    assert!(colleague["data"]["login"].is_object(), "{colleague}");
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        // A client that names a new address each time does not get new attempts.
        let body = login_from(&app, "police", "wrong", &format!("192.0.2.{i}")).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let body = login_from(&app, "police", PASSWORD, "192.0.2.99").await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
}

async fn throttle_rows(app: &TestApp) -> Vec<(i64, f64)> {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT failures, EXTRACT(EPOCH FROM (locked_until - updated_at))::float8 AS lock FROM login_throttle"
        }
        _ => "SELECT failures, (julianday(locked_until) - julianday(updated_at)) * 86400.0 AS lock FROM login_throttle",
    };
    let rows = db.query_all_raw(Statement::from_string(backend, sql)).await.expect("throttle rows");
    rows.iter()
        .map(|r| {
            let failures: i32 = r.try_get("", "failures").expect("failures");
            (failures as i64, r.try_get::<Option<f64>>("", "lock").expect("lock").unwrap_or(0.0))
        })
        .collect()
}

#[tokio::test]
async fn the_lockout_doubles_with_each_further_failure_and_a_success_resets_it() {
    let app = TestApp::spawn_with(|config| config.limits.login_lockout_secs = 1).await;
    for _ in 0..5 {
        let body = app.login_payload("police", "wrong").await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let rows = throttle_rows(&app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, 5);
    assert!((rows[0].1 - 1.0).abs() < 0.01, "first lockout is the configured second: {rows:?}");
    assert_eq!(error_code(&app.login_payload("police", PASSWORD).await), Some("RATE_LIMITED"));

    // Once the lockout has passed, one more attempt is evaluated; failing, it doubles the wait.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let body = app.login_payload("police", "wrong").await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert_eq!(error_code(&app.login_payload("police", PASSWORD).await), Some("RATE_LIMITED"));
    let rows = throttle_rows(&app).await;
    assert_eq!(rows[0].0, 6);
    assert!((rows[0].1 - 2.0).abs() < 0.01, "the second lockout is twice the first: {rows:?}");

    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let body = app.login_payload("police", PASSWORD).await;
    assert!(body["data"]["login"].is_object(), "{body}");
    assert!(throttle_rows(&app).await.is_empty(), "a success forgets the pair's failures");
}

#[tokio::test]
async fn concurrent_logins_run_a_bounded_number_of_password_hashes_and_all_get_an_answer() {
    let app = TestApp::spawn_with(|config| config.limits.password_hash_concurrency = 2).await;
    let users = ["coord", "jiwei", "police", "sifa", "dongzhuang", "xizhuang", "nanwan", "admin"];
    let logins = users.iter().cycle().take(users.len() * 5).map(|user| app.login_payload(user, PASSWORD));
    let bodies = join_all(logins).await;
    for body in &bodies {
        assert!(body["data"]["login"].is_object(), "{body}");
    }
    let peak = app.state.auth.hashes.peak();
    assert!((1..=2).contains(&peak), "at most 2 hashes at once, saw {peak}");
}
