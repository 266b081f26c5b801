//! `taskAssigned` over a real WebSocket (graphql-transport-ws).

use futures_util::{SinkExt, StreamExt};
use pingan_tests::TestApp;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(crate) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn subscribe(app: &TestApp, token: &str) -> Socket {
    subscribe_to(app, token, "subscription { taskAssigned { title assigneeUnit { name } } }").await
}

/// A socket subscribed to `query` as the user of `token`.
pub(crate) async fn subscribe_to(app: &TestApp, token: &str, query: &str) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    socket.send(Message::Text(sub.to_string().into())).await.unwrap();
    socket
}

pub(crate) async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("open socket")
            .expect("a frame");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

pub(crate) async fn assign(app: &TestApp, token: &str, unit: &str, title: &str) {
    let units = app.gql(Some(token), "{ orgUnits { id name } }", json!({})).await;
    let id = units["data"]["orgUnits"].as_array().unwrap().iter().find(|u| u["name"] == unit).unwrap()["id"].clone();
    let body = app
        .gql(
            Some(token),
            "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }",
            json!({ "i": { "title": title, "assigneeUnitId": id, "dueAt": "2099-01-01T00:00:00Z" } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn a_task_assigned_to_dongzhuang_reaches_dongzhuang_and_not_xizhuang() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let mut dongzhuang = subscribe(&app, &app.login("dongzhuang").await).await;
    let mut xizhuang = subscribe(&app, &app.login("xizhuang").await).await;
    // Give both subscriptions a moment to register before anything is sent.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    assign(&app, &coord, "东庄村", "督办：东庄村矛盾排查").await;
    assign(&app, &coord, "西庄村", "督办：西庄村矛盾排查").await;

    let to_dongzhuang = next_json(&mut dongzhuang).await;
    assert_eq!(to_dongzhuang["type"], "next", "{to_dongzhuang}");
    assert_eq!(to_dongzhuang["payload"]["data"]["taskAssigned"]["title"], "督办：东庄村矛盾排查");
    // Events arrive in order: xizhuang's first one is its own task, so the earlier 东庄村 task
    // was never delivered to it.
    let to_xizhuang = next_json(&mut xizhuang).await;
    assert_eq!(to_xizhuang["payload"]["data"]["taskAssigned"]["title"], "督办：西庄村矛盾排查", "{to_xizhuang}");
}

#[tokio::test]
async fn a_connection_without_a_valid_token_is_refused() {
    let app = TestApp::spawn().await;
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": "Bearer not-a-token" } });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    let answer = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next()).await.expect("an answer");
    match answer {
        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {}
        Some(Ok(other)) => panic!("expected the connection to close, got {other:?}"),
    }
}

#[tokio::test]
async fn a_task_a_rule_raises_reaches_its_unit_as_it_is_raised() {
    let app = TestApp::spawn().await;
    let mut dongzhuang = subscribe(&app, &app.login("dongzhuang").await).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // 东庄村 registers a lead: the rule raises its same-day transfer task with the write.
    let lead = json!({ "source": "VILLAGE", "category": "VICE", "summary": "有人收保护费", "receivedAt": "2026-01-05T09:00:00+08:00" });
    app.mutate(&app.login("dongzhuang").await, "registerLead", lead, "lead { id }").await;
    let event = next_json(&mut dongzhuang).await;
    assert_eq!(event["payload"]["data"]["taskAssigned"]["title"], "线索当日移交扫黑办", "{event}");
    assert_eq!(event["payload"]["data"]["taskAssigned"]["assigneeUnit"]["name"], "东庄村");
}
