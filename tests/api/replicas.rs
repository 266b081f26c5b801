//! Two servers on one PostgreSQL database behave as one: tasks reach subscribers on either,
//! logout and deactivation apply on both at the next request (and a change to a user closes
//! their sockets on both), and the rule sweep runs once.
//! Two processes on one SQLite file are not a deployment, so on SQLite these tests skip.

use std::time::Duration;

use chrono::Utc;
use entity::{app_user, session, task};
use pingan::rules;
use pingan_tests::{TestApp, TestDb, error_code, global_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use crate::mobile_sync::{new_task, next_update, run, start, updates};
use crate::subscriptions::{assign, next_json, subscribe};

/// Two servers on one database, or `None` (and why) on SQLite.
async fn two_servers() -> Option<(TestApp, TestApp)> {
    if TestDb::backend() != "postgres" {
        eprintln!("skipped: replicas share a PostgreSQL database; set PINGAN_TEST_POSTGRES_URL to run this test");
        return None;
    }
    let a = TestApp::spawn().await;
    let b = a.second().await;
    Some((a, b))
}

const ME: &str = "{ me { username } }";

/// Whether `app` refuses `token` within `within`. The other server hears of a logout or a
/// deactivation when PostgreSQL delivers the notification, milliseconds after the commit; it may
/// not have read it by the instant the writer's answer comes back. Without the notification, it
/// would serve its cached viewer for 5 s.
async fn refused_within(app: &TestApp, token: &str, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let me = app.gql(Some(token), ME, json!({})).await;
        if error_code(&me) == Some("UNAUTHENTICATED") {
            return true;
        }
        assert!(me["errors"].is_null(), "{me}");
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_task_assigned_through_one_server_reaches_subscribers_on_both_once() {
    let Some((a, b)) = two_servers().await else { return };
    let coord = a.login("coord").await;
    let mut on_a = subscribe(&a, &a.login("dongzhuang").await).await;
    let mut on_b = subscribe(&b, &b.login("dongzhuang").await).await;
    // Give both subscriptions a moment to register before anything is sent.
    tokio::time::sleep(Duration::from_millis(200)).await;

    assign(&a, &coord, "东庄村", "督办：第一件").await;
    assign(&a, &coord, "东庄村", "督办：第二件").await;

    // Each subscriber's second event is the second task: the first came exactly once.
    for socket in [&mut on_a, &mut on_b] {
        for title in ["督办：第一件", "督办：第二件"] {
            let event = next_json(socket).await;
            assert_eq!(event["payload"]["data"]["taskAssigned"]["title"], title, "{event}");
        }
    }
}

#[tokio::test]
async fn a_task_step_through_one_server_reaches_task_updated_subscribers_on_both_once() {
    let Some((a, b)) = two_servers().await else { return };
    let mut on_a = updates(&a, "coord").await;
    let mut on_b = updates(&b, "coord").await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let coord = a.login("coord").await;
    let (id, _) = new_task(&a, &coord, "东庄村", json!({})).await;
    start(&a, &a.login("dongzhuang").await, &id).await;
    let cancel = json!({ "taskId": id, "expectedVersion": 2, "body": "另行安排" });
    run(&a, &coord, "cancelTask", "TaskStepInput", cancel).await.expect("cancelled");

    // Each subscriber's second event is the second step: the first came exactly once.
    for socket in [&mut on_a, &mut on_b] {
        assert_eq!(next_update(socket).await.0, "STARTED");
        assert_eq!(next_update(socket).await.0, "CANCELLED");
    }
}

#[tokio::test]
async fn logout_on_one_server_ends_the_token_on_the_other_at_the_next_request() {
    let Some((a, b)) = two_servers().await else { return };
    let token = a.login("police").await;
    // The other server has seen, and cached, the session.
    let me = b.gql(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "police", "{me}");

    let out = a.gql(Some(&token), "mutation { logout { ok } }", json!({})).await;
    assert_eq!(out["data"]["logout"]["ok"], true, "{out}");
    assert!(refused_within(&b, &token, Duration::from_secs(2)).await, "the other server served the ended session");
}

#[tokio::test]
async fn deactivation_on_one_server_ends_the_users_tokens_on_the_other_at_the_next_request() {
    let Some((a, b)) = two_servers().await else { return };
    let token = a.login("xizhuang").await;
    let me = b.gql(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "xizhuang", "{me}");

    let user = app_user::Entity::find().filter(app_user::Column::Username.eq("xizhuang"));
    let user = user.one(&a.state.db).await.unwrap().unwrap();
    let out = a
        .gql(
            Some(&a.login("admin").await),
            "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { active } }",
            json!({ "id": global_id("User", user.id) }),
        )
        .await;
    assert_eq!(out["data"]["deactivateUser"]["active"], false, "{out}");
    assert!(refused_within(&b, &token, Duration::from_secs(2)).await, "the other server served the inactive user");
}

#[tokio::test]
async fn a_server_that_loses_its_listening_connection_serves_no_cached_viewer() {
    let Some((a, b)) = two_servers().await else { return };
    let token = a.login("police").await;
    let me = b.gql(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "police", "{me}");

    // Both servers' listening connections drop; then the session ends without a word to anyone
    // (as if the announcement had been sent while they were down).
    let listening = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()";
    let dropped =
        a.state.db.query_all_raw(sea_orm::Statement::from_string(a.state.db.get_database_backend(), listening));
    assert_eq!(dropped.await.unwrap().len(), 2, "each server listens on one connection");
    let revoke = session::Entity::update_many().col_expr(session::Column::RevokedAt, Expr::value(Utc::now()));
    revoke.exec(&a.state.db).await.unwrap();

    // Well within the cache's lifetime (5 s), the server reads the session again.
    assert!(refused_within(&b, &token, Duration::from_secs(2)).await, "a stale viewer was served");
    // And once it listens again, announcements reach it again.
    let token = a.login("police").await;
    let me = b.gql(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "police", "{me}");
    a.gql(Some(&token), "mutation { logout { ok } }", json!({})).await;
    assert!(refused_within(&b, &token, Duration::from_secs(2)).await, "the other server served the ended session");
}

#[tokio::test]
async fn sweeps_on_two_servers_at_once_raise_each_task_once() {
    let Some((a, b)) = two_servers().await else { return };
    let tasks = || task::Entity::find().count(&a.state.db);
    let before = tasks().await.unwrap();
    // A year on, every periodic duty and both monthly reports are owed.
    let at = Utc::now() + chrono::Duration::days(365);
    let (on_a, on_b) = tokio::join!(
        rules::sweep_all(&a.state.db, &a.state.task_events, at),
        rules::sweep_all(&b.state.db, &b.state.task_events, at),
    );
    let (on_a, on_b) = (on_a.expect("sweep on a"), on_b.expect("sweep on b"));
    let raised = tasks().await.unwrap() - before;
    assert!(raised > 0, "the sweep had duties to raise");
    assert_eq!((on_a.raised.len() + on_b.raised.len()) as u64, raised, "each task raised is reported once");
    // One sweep did all: the other was skipped, or came after and found everything raised.
    assert!(on_a.raised.is_empty() || on_b.raised.is_empty(), "both sweeps raised tasks: {on_a:?} {on_b:?}");
}

#[tokio::test]
async fn no_server_sweeps_while_another_holds_the_sweep() {
    let Some((a, b)) = two_servers().await else { return };
    let tasks = || task::Entity::find().count(&a.state.db);
    let before = tasks().await.unwrap();
    let at = Utc::now() + chrono::Duration::days(365);
    // Another replica mid-sweep holds the lock in its transaction.
    let other = a.state.db.begin().await.unwrap();
    let lock = format!("SELECT pg_advisory_xact_lock({})", pingan::replicas::SWEEP_LOCK);
    other.execute_unprepared(&lock).await.unwrap();
    for app in [&a, &b] {
        let outcome = rules::sweep_all(&app.state.db, &app.state.task_events, at).await.expect("sweep");
        assert!(outcome.raised.is_empty() && outcome.closed.is_empty(), "{outcome:?}");
    }
    assert_eq!(tasks().await.unwrap(), before, "nothing was raised while another replica swept");
    other.rollback().await.unwrap();
    let outcome = rules::sweep_all(&b.state.db, &b.state.task_events, at).await.expect("sweep");
    assert!(!outcome.raised.is_empty(), "once the lock is free the sweep runs");
}

#[tokio::test]
async fn a_role_change_on_one_server_closes_the_users_socket_on_the_other_at_once() {
    let Some((a, b)) = two_servers().await else { return };
    let mut socket = crate::admin::open_socket(&b, &b.login("coord").await).await;
    let coord = app_user::Entity::find().filter(app_user::Column::Username.eq("coord"));
    let coord = coord.one(&a.state.db).await.unwrap().unwrap();
    let out = a
        .gql(
            Some(&a.login("admin").await),
            "mutation($i: SetUserRoleInput!) { setUserRole(input: $i) { user { role } } }",
            json!({ "i": { "userId": global_id("User", coord.id), "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(out["data"]["setUserRole"]["user"]["role"], "ADMIN", "{out}");
    let closed = crate::admin::closed_within(&mut socket, crate::admin::AT_ONCE).await;
    assert_eq!(closed, Some(4401), "the other server closed the socket when it heard of the change");
}
