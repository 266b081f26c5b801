//! What a client may hold of the server: connections, time and sockets. Slow, idle and surplus
//! clients are cut off, and the server keeps serving everyone else.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pingan_tests::{TestApp, error_code};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// True when the server closes `stream` within `within` (reads until end of file or reset).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut sink = [0u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

async fn quick(adjust: impl FnOnce(&mut pingan::config::Config)) -> TestApp {
    TestApp::spawn_with(|config| {
        config.connections.header_timeout = Duration::from_secs(1);
        config.connections.body_timeout = Duration::from_secs(1);
        config.connections.ws_init_timeout = Duration::from_secs(1);
        adjust(config);
    })
    .await
}

async fn healthy(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.expect("the server still answers");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn idle_connections_and_slow_headers_are_closed_after_the_header_timeout() {
    let app = quick(|_| {}).await;
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    let dribble = async {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: pingan\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa" {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(4), dribble).await;
    assert!(closed_within(&mut slow, Duration::from_secs(3)).await, "a client sending headers a byte at a time");
    assert!(closed_within(&mut idle, Duration::from_secs(3)).await, "a connection that never sends anything");
    // A kept-alive connection is closed once it has sat idle that long after its request.
    let mut kept = TcpStream::connect(app.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: pingan\r\n\r\n").await.unwrap();
    assert!(closed_within(&mut kept, Duration::from_secs(4)).await, "an idle kept-alive connection");
    healthy(&app).await;
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_refused_with_408() {
    let app = quick(|_| {}).await;
    let (mut from, mut to) = TcpStream::connect(app.addr).await.unwrap().into_split();
    let head =
        "POST /graphql HTTP/1.1\r\nHost: pingan\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n";
    to.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = async {
        let mut buffer = [0u8; 4096];
        loop {
            match from.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
            if answer.ends_with(b"}") {
                break;
            }
        }
    };
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            // A write may fail once the server has answered and closed.
            let _ = to.write_all(b" ").await;
        }
    };
    tokio::select! {
        () = read => {}
        () = trickle => {}
        () = tokio::time::sleep(Duration::from_secs(5)) => panic!("no answer to a stalled body"),
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("BAD_USER_INPUT"), "{text}");
    healthy(&app).await;
}

#[tokio::test]
async fn past_the_connection_limit_a_connection_is_closed_at_once_and_the_server_keeps_accepting() {
    let app = quick(|config| config.connections.max_connections = 8).await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut surplus = TcpStream::connect(app.addr).await.unwrap();
    assert!(closed_within(&mut surplus, Duration::from_millis(500)).await, "the ninth connection");
    // The idle ones time out and give their places back.
    for stream in &mut held {
        assert!(closed_within(stream, Duration::from_secs(3)).await);
    }
    healthy(&app).await;
}

#[tokio::test]
async fn a_body_is_a_graphql_request_in_json_or_a_400_with_a_code() {
    let app = TestApp::spawn().await;
    for body in ["{not json", "[1, 2", "42", ""] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let answer: Value = response.json().await.expect("a GraphQL error, not text");
        assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{body}: {answer}");
        assert!(answer["errors"][0]["extensions"]["requestId"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_megabyte_is_the_body_limit_except_for_imports_on_their_own_route() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let import = "mutation($i: ImportInput!) { importPersons(input: $i) { created } }";
    let content = "A".repeat(2 * 1024 * 1024);
    let body = json!({ "query": import, "variables": { "i": { "content": content } } });
    let big = app.client.post(app.url("/graphql")).bearer_auth(&police).json(&body).send().await.unwrap();
    assert_eq!(big.status().as_u16(), 413);
    let answer: Value = big.json().await.unwrap();
    assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{answer}");
    // The same body reaches the import at /graphql/import, which judges the file itself.
    let routed = app.client.post(app.url("/graphql/import")).bearer_auth(&police).json(&body).send().await.unwrap();
    let status = routed.status();
    let text = routed.text().await.unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"));
    assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["field"], "input.content", "{answer}");
    // Nothing but an import is taken there.
    let other = json!({ "query": "{ people(first: 1) { totalCount } }" });
    let routed = app.client.post(app.url("/graphql/import")).bearer_auth(&police).json(&other).send().await.unwrap();
    assert_eq!(routed.status().as_u16(), 400);
    let answer: Value = routed.json().await.unwrap();
    assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{answer}");
}

async fn socket(app: &TestApp) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>> {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    tokio_tungstenite::connect_async(request).await.expect("socket").0
}

/// The close code the server ends the socket with.
async fn close_code(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
) -> Option<u16> {
    let wait = async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(5), wait).await.expect("the server closes the socket")
}

async fn init(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
    token: &str,
) -> Value {
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("an answer to init") {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Close(frame))) => return json!({ "closed": frame.map(|f| u16::from(f.code)) }),
            Some(Ok(_)) => {}
            other => panic!("socket ended: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed_with_4408() {
    let app = quick(|_| {}).await;
    let mut ws = socket(&app).await;
    assert_eq!(close_code(&mut ws).await, Some(4408));
}

#[tokio::test]
async fn one_user_holds_at_most_the_configured_number_of_sockets() {
    let app = quick(|config| config.connections.max_sockets_per_user = 2).await;
    let police = app.login("police").await;
    let mut first = socket(&app).await;
    assert_eq!(init(&mut first, &police).await["type"], "connection_ack");
    let mut second = socket(&app).await;
    assert_eq!(init(&mut second, &police).await["type"], "connection_ack");
    let mut third = socket(&app).await;
    assert_eq!(init(&mut third, &police).await, json!({ "closed": 4429 }));
    // Another user is not counted against this one.
    let jiwei = app.login("jiwei").await;
    let mut other = socket(&app).await;
    assert_eq!(init(&mut other, &jiwei).await["type"], "connection_ack");
    // A closed socket gives its place back.
    first.close(None).await.unwrap();
    drop(first);
    let again = async {
        loop {
            let mut next = socket(&app).await;
            if init(&mut next, &police).await["type"] == "connection_ack" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), again).await.expect("a place is given back");
}

#[tokio::test]
async fn stopping_the_server_closes_open_sockets_with_a_going_away_frame() {
    let mut app = TestApp::spawn().await;
    let police = app.login("police").await;
    let mut ws = socket(&app).await;
    assert_eq!(init(&mut ws, &police).await["type"], "connection_ack");
    app.stop();
    assert_eq!(close_code(&mut ws).await, Some(1001));
}

#[tokio::test]
async fn open_sockets_count_against_the_connection_limit() {
    let app = quick(|config| config.connections.max_connections = 4).await;
    let mut sockets = Vec::new();
    for _ in 0..4 {
        sockets.push(socket(&app).await);
    }
    // Four upgraded sockets, not yet initialised, hold the four places.
    let mut surplus = TcpStream::connect(app.addr).await.unwrap();
    assert!(closed_within(&mut surplus, Duration::from_millis(500)).await, "a fifth connection");
    // They are closed for never initialising (4408), and their places come back.
    for ws in &mut sockets {
        assert_eq!(close_code(ws).await, Some(4408));
    }
    drop(sockets);
    let health = async {
        loop {
            if let Ok(response) = app.client.get(app.url("/healthz")).send().await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), health).await.expect("the places are given back");
}
