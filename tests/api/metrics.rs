//! `GET /metrics`: the families an operator watches, counted right, and nothing of a record in them.

use std::collections::BTreeMap;

use chrono::Utc;
use entity::audit_log;
use futures_util::SinkExt;
use pingan::rules;
use pingan_tests::{TestApp, error_code};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// One scrape: every sample by its name and labels.
struct Scrape {
    text: String,
    samples: BTreeMap<(String, BTreeMap<String, String>), f64>,
}

impl Scrape {
    async fn of(app: &TestApp) -> Self {
        let response = app.client.get(app.url("/metrics")).send().await.expect("scrape");
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
        let text = response.text().await.expect("text");
        let samples = text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(parse).collect();
        Self { text, samples }
    }

    /// The sample `name{labels}`; `None` when absent.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.samples.get(&(name.to_owned(), labels)).copied()
    }

    /// The sum of every sample of `name` (a family over all its labels).
    fn sum(&self, name: &str) -> f64 {
        self.samples.iter().filter(|((n, _), _)| n == name).map(|(_, v)| v).sum()
    }

    /// Every value the label `label` takes in `name`.
    fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.samples.keys().filter(|(n, _)| n == name).filter_map(|(_, l)| l.get(label).cloned()).collect()
    }
}

/// `name{a="x",b="y"} 3` -> ((name, {a: x, b: y}), 3).
fn parse(line: &str) -> ((String, BTreeMap<String, String>), f64) {
    let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample line: {line}"));
    let value: f64 = value.parse().unwrap_or_else(|_| panic!("a value: {line}"));
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}').unwrap_or_else(|| panic!("labels: {line}"))),
        None => (series, ""),
    };
    let labels = labels
        .split("\",")
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once("=\"").unwrap_or_else(|| panic!("a label: {line}"));
            (key.to_owned(), value.trim_end_matches('"').to_owned())
        })
        .collect();
    ((name.to_owned(), labels), value)
}

fn op(operation: &str, code: &str, transport: &str) -> [(&'static str, String); 3] {
    [("operation", operation.to_owned()), ("code", code.to_owned()), ("transport", transport.to_owned())]
}

fn count(scrape: &Scrape, labels: &[(&'static str, String); 3]) -> Option<f64> {
    let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    scrape.get("pingan_operations_total", &labels)
}

fn timed(scrape: &Scrape, labels: &[(&'static str, String); 3]) -> Option<f64> {
    let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    scrape.get("pingan_operation_duration_seconds_count", &labels)
}

/// A query over the WebSocket, answered once.
async fn over_socket(app: &TestApp, token: &str, query: &str) -> Value {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    assert_eq!(crate::subscriptions::next_json(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    socket.send(Message::Text(subscribe.to_string().into())).await.unwrap();
    let next = crate::subscriptions::next_json(&mut socket).await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(crate::subscriptions::next_json(&mut socket).await["type"], "complete");
    next
}

#[tokio::test]
async fn each_family_counts_what_happened_by_name_and_code_without_any_value_of_a_record() {
    let app = TestApp::spawn_with(|config| config.metrics = true).await;
    let audit_before = audit_log::Entity::find().count(&app.state.db).await.unwrap();

    // Logins: two that pass (anonymous operations), one that fails.
    let police = app.login("police").await;
    let jiwei = app.login("jiwei").await;
    let failed = app.login_payload("police", "not the password").await;
    assert_eq!(error_code(&failed), Some("UNAUTHENTICATED"));

    // A named query, twice, and an audited read of a person's identity.
    let list = "query PeopleList { people(first: 1) { nodes { id name } } }";
    let listed = app.gql(Some(&police), list, json!({})).await;
    app.gql(Some(&police), list, json!({})).await;
    let person = &listed["data"]["people"]["nodes"][0];
    let (id, name) = (person["id"].as_str().unwrap().to_owned(), person["name"].as_str().unwrap().to_owned());
    let identity = "query ReadIdentity($id: ID!) { person(id: $id) { idNumber } }";
    let read = app.gql(Some(&police), identity, json!({ "id": id })).await;
    let id_number = read["data"]["person"]["idNumber"].as_str().unwrap_or_else(|| panic!("{read}")).to_owned();

    // Bad input, named, in a resolver.
    let tomorrow = (pingan::domain::lead_flow::today() + chrono::Duration::days(1)).to_string();
    let talk = "mutation FutureTalk($input: RecordTalkInput!) { recordTalk(input: $input) { person { id } } }";
    let input = json!({ "input": { "personId": id, "talkedOn": tomorrow, "kind": "EDUCATION", "summary": "谈话" } });
    assert_eq!(error_code(&app.gql(Some(&police), talk, input).await), Some("BAD_USER_INPUT"));

    // A hostile operation name (refused: no such operation), and a person's name as one.
    for hostile in ["evil\"} 1\npingan_operations_total{operation=\"x", name.as_str()] {
        let body = json!({ "query": "query Fine { me { username } }", "operationName": hostile });
        assert_eq!(error_code(&app.post_json(Some(&police), body).await), Some("BAD_USER_INPUT"));
    }
    let long = format!("query {} {{ me {{ username }} }}", "A".repeat(65));
    assert!(app.gql(Some(&police), &long, json!({})).await["errors"].is_null());

    // The same pipeline over the WebSocket.
    let answer = over_socket(&app, &jiwei, "query SocketMe { me { username } }").await;
    assert_eq!(answer["payload"]["data"]["me"]["username"], "jiwei");

    // A scheduled sweep, far enough ahead that duties are owed.
    let swept = rules::scheduled_sweep(&app.state, Utc::now() + chrono::Duration::days(400)).await.expect("sweep");
    assert!(!swept.raised.is_empty(), "the demo world owes tasks a year ahead");

    let scrape = Scrape::of(&app).await;
    let text = &scrape.text;

    // Operations, by name, code and transport, each timed.
    for (labels, n) in [
        (op("anonymous", "OK", "http"), 2.0),
        (op("anonymous", "UNAUTHENTICATED", "http"), 1.0),
        (op("PeopleList", "OK", "http"), 2.0),
        (op("ReadIdentity", "OK", "http"), 1.0),
        (op("FutureTalk", "BAD_USER_INPUT", "http"), 1.0),
        (op("other", "BAD_USER_INPUT", "http"), 2.0),
        (op("other", "OK", "http"), 1.0),
        (op("SocketMe", "OK", "ws"), 1.0),
    ] {
        assert_eq!(count(&scrape, &labels), Some(n), "{labels:?} in\n{text}");
        assert_eq!(timed(&scrape, &labels), Some(n), "{labels:?} timed in\n{text}");
    }
    let operations = scrape.sum("pingan_operations_total");
    assert_eq!(operations, 11.0, "every operation once, the scrape none:\n{text}");
    assert!(text.contains("pingan_operation_duration_seconds_bucket{"), "latency as a histogram:\n{text}");

    // Logins that failed.
    assert_eq!(scrape.get("pingan_login_failures_total", &[("code", "UNAUTHENTICATED")]), Some(1.0), "{text}");
    assert_eq!(scrape.get("pingan_login_failures_total", &[("code", "RATE_LIMITED")]), Some(0.0), "{text}");

    // The sweep and what it raised and closed.
    assert_eq!(scrape.get("pingan_rule_sweeps_total", &[("result", "done")]), Some(1.0), "{text}");
    assert_eq!(scrape.get("pingan_rule_sweeps_total", &[("result", "failed")]), Some(0.0), "{text}");
    assert_eq!(scrape.get("pingan_rule_sweep_duration_seconds_count", &[]), Some(1.0), "{text}");
    let raised = scrape.get("pingan_rule_tasks_raised_total", &[("trigger", "sweep")]);
    assert_eq!(raised, Some(swept.raised.len() as f64), "{text}");
    assert_eq!(scrape.get("pingan_rule_tasks_closed_total", &[("trigger", "sweep")]), Some(swept.closed.len() as f64));

    // Audit entries: exactly those the database holds now and did not before.
    let audit_after = audit_log::Entity::find().count(&app.state.db).await.unwrap();
    assert!(audit_after > audit_before, "the identity read is audited");
    assert_eq!(scrape.sum("pingan_audit_entries_total"), (audit_after - audit_before) as f64, "{text}");
    assert!(scrape.get("pingan_audit_entries_total", &[("category", "case"), ("outcome", "allowed")]) >= Some(1.0));

    // The pool, as it is.
    let max = scrape.get("pingan_db_connections_max", &[]).expect("max connections");
    assert!(max >= 1.0, "{text}");
    let in_use = scrape.get("pingan_db_connections", &[("state", "in_use")]).expect("in use");
    let idle = scrape.get("pingan_db_connections", &[("state", "idle")]).expect("idle");
    assert!(in_use + idle >= 1.0 && in_use + idle <= max, "{text}");
    assert!(scrape.get("pingan_db_statements_total", &[]).is_some_and(|n| n > 0.0), "{text}");

    // Names the client chose outside the rules never become labels; no value read appears.
    let names = scrape.label_values("pingan_operations_total", "operation");
    assert!(
        names.iter().all(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')),
        "{names:?}"
    );
    for value in [name.as_str(), id_number.as_str(), "evil", &"A".repeat(65), "police", "jiwei"] {
        assert!(!text.contains(value), "{value:?} appears in\n{text}");
    }
}

#[tokio::test]
async fn a_client_cannot_grow_the_label_set_past_its_bound() {
    let app = TestApp::spawn_with(|config| config.metrics = true).await;
    let police = app.login("police").await;
    let names = pingan::metrics::MAX_OPERATION_NAMES + 20;
    let batches: Vec<Value> = (0..names)
        .map(|i| json!({ "query": format!("query Name{i} {{ me {{ username }} }}") }))
        .collect::<Vec<_>>()
        .chunks(10)
        .map(|chunk| Value::Array(chunk.to_vec()))
        .collect();
    for batch in batches {
        let answers = app.post_json(Some(&police), batch).await;
        assert!(answers.as_array().is_some_and(|all| all.iter().all(|a| a["errors"].is_null())), "{answers}");
    }
    let scrape = Scrape::of(&app).await;
    let labels = scrape.label_values("pingan_operations_total", "operation");
    let named = labels.iter().filter(|n| n.starts_with("Name")).count();
    assert_eq!(named, pingan::metrics::MAX_OPERATION_NAMES, "{labels:?}");
    assert_eq!(count(&scrape, &op("other", "OK", "http")), Some(20.0));
}

#[tokio::test]
async fn without_the_flag_there_is_no_metrics_endpoint() {
    let app = TestApp::spawn().await;
    app.login("police").await;
    let response = app.client.get(app.url("/metrics")).send().await.expect("request");
    assert_eq!(response.status(), 404);
}
