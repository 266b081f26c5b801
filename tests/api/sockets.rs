//! Queries and mutations over `/graphql/ws` obey the rules of `POST /graphql`: each operation is
//! authenticated on its own, confidential reads are audited the same, and a socket whose session
//! ends or whose user changes is closed.

use std::time::Duration;

use entity::{app_user, audit_log};
use futures_util::{SinkExt, StreamExt};
use pingan_tests::TestApp;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket past `connection_ack`.
async fn open(app: &TestApp, token: &str) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    assert_eq!(next(&mut socket).await.expect("ack")["type"], "connection_ack");
    socket
}

/// The next JSON message, or `None` when the socket was closed; the close code is returned in
/// `{"close": code}`.
async fn next(socket: &mut Socket) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a frame within 10 s");
        match frame {
            Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(frame))) => return Some(json!({ "close": frame.map(|f| u16::from(f.code)) })),
            Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            Some(Err(_)) | None => return None,
        }
    }
}

/// Sends one operation; returns the first answer (a `next`, an `error` or the close).
async fn operate(socket: &mut Socket, id: &str, query: &str) -> Option<Value> {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    if socket.send(Message::Text(message.to_string().into())).await.is_err() {
        return None;
    }
    next(socket).await
}

/// Whether the socket is closed (or answers only with a close) within `within`.
async fn closed_within(socket: &mut Socket, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => return false,
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => return true,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

async fn reads_by(app: &TestApp, username: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Username.eq(username))
        .filter(audit_log::Column::Action.eq("read"))
        .count(&app.state.db)
        .await
        .unwrap()
}

const CONFIDENTIAL: &str = "{ leads(first: 100) { nodes { id summary status reporterName } } }";

#[tokio::test]
async fn a_query_over_the_socket_is_audited_like_the_same_query_over_http() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let over_http = app.gql(Some(&token), CONFIDENTIAL, json!({})).await;
    assert!(over_http["errors"].is_null(), "{over_http}");
    let after_http = reads_by(&app, "coord").await;
    assert!(after_http > 0, "the coordinator's lead list reads audited groups");

    let mut socket = open(&app, &token).await;
    let answer = operate(&mut socket, "1", CONFIDENTIAL).await.expect("an answer");
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(answer["payload"]["data"], over_http["data"]);
    assert_eq!(next(&mut socket).await.expect("complete")["type"], "complete");
    assert_eq!(reads_by(&app, "coord").await, 2 * after_http, "the socket's reads are audited as HTTP's are");
}

#[tokio::test]
async fn after_logout_the_socket_runs_no_more_operations() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let mut socket = open(&app, &token).await;
    let me = operate(&mut socket, "1", "{ me { username } }").await.expect("an answer");
    assert_eq!(me["payload"]["data"]["me"]["username"], "police", "{me}");
    assert_eq!(next(&mut socket).await.expect("complete")["type"], "complete");

    let out = app.gql(Some(&token), "mutation { logout { ok } }", json!({})).await;
    assert_eq!(out["data"]["logout"]["ok"], true, "{out}");
    // Refused at the next message at the latest: the answer is the close, never data.
    match operate(&mut socket, "2", "{ me { username } }").await {
        None => {}
        Some(answer) => assert_eq!(answer["close"], 4401, "{answer}"),
    }
}

#[tokio::test]
async fn a_socket_is_closed_within_a_second_or_two_of_its_user_being_deactivated() {
    let app = TestApp::spawn().await;
    let mut socket = open(&app, &app.login("xizhuang").await).await;
    let xizhuang = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("xizhuang"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let id = pingan_tests::global_id("User", xizhuang.id);
    let out = app
        .gql(
            Some(&app.login("admin").await),
            "mutation($i: DeactivateUserInput!) { deactivateUser(input: $i) { active } }",
            json!({ "i": { "userId": id } }),
        )
        .await;
    assert_eq!(out["data"]["deactivateUser"]["active"], false, "{out}");
    assert!(closed_within(&mut socket, Duration::from_secs(3)).await, "the socket outlived the deactivation");
}

#[tokio::test]
async fn a_mutation_over_the_socket_after_a_role_change_is_not_run() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let mut socket = open(&app, &token).await;
    let coord = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("coord"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut change: app_user::ActiveModel = coord.clone().into();
    change.role = Set(entity::enums::Role::Village);
    change.update(&app.state.db).await.unwrap();
    app.state.auth.viewers.forget_user(coord.id);

    let tasks = || entity::task::Entity::find().count(&app.state.db);
    let before = tasks().await.unwrap();
    let units = app.gql(Some(&app.login("police").await), "{ orgUnits { id name } }", json!({})).await;
    let unit = units["data"]["orgUnits"].as_array().unwrap().iter().find(|u| u["name"] == "东庄村").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let create = format!(
        r#"mutation {{ createTask(input: {{ title: "督办", assigneeUnitId: "{unit}", dueAt: "2099-01-01T00:00:00Z" }}) {{ task {{ id }} }} }}"#
    );
    match operate(&mut socket, "1", &create).await {
        None => {}
        Some(answer) => assert_eq!(answer["close"], 4401, "{answer}"),
    }
    assert_eq!(tasks().await.unwrap(), before, "no task was created by the changed user's old socket");
}
