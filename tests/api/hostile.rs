//! Hostile documents from a caller with no account: each is answered with a code, never with a
//! crash or work that grows faster than the text.

use pingan_tests::{TestApp, error_code};
use serde_json::{Value, json};

/// A literal nested `depth` lists deep, the shape that overflowed the parser's stack.
fn deep_literal(depth: usize) -> String {
    format!("{{ __typename(a: {}1{}) }}", "[".repeat(depth), "]".repeat(depth))
}

/// `count` fragments each spreading the next one twice: 2^count selections once expanded.
fn fan_out(count: usize) -> String {
    let mut text = String::from("query { ...F0 }");
    for i in 0..count {
        text.push_str(&format!(" fragment F{i} on Query {{ ...F{} ...F{} }}", i + 1, i + 1));
    }
    text.push_str(&format!(" fragment F{count} on Query {{ __typename }}"));
    text
}

async fn post(app: &TestApp, query: &str) -> (u16, Value) {
    let response = app.client.post(app.url("/graphql")).json(&json!({ "query": query })).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn still_serving(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.expect("the server still answers");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_literal_nested_1500_deep_is_refused_before_it_is_parsed() {
    let app = TestApp::spawn().await;
    let (status, body) = post(&app, &deep_literal(1500)).await;
    assert_eq!((status, error_code(&body)), (400, Some("BAD_USER_INPUT")), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "query");
    still_serving(&app).await;
}

#[tokio::test]
async fn fragments_that_fan_out_exponentially_are_refused_before_validation() {
    let app = TestApp::spawn().await;
    for count in [24, 25] {
        let (status, body) = post(&app, &fan_out(count)).await;
        assert_eq!((status, error_code(&body)), (400, Some("BAD_USER_INPUT")), "{count} fragments: {body}");
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn a_query_text_over_the_size_limit_is_refused() {
    let app = TestApp::spawn().await;
    let long = format!("{{ __typename {} }}", "# padding\n".repeat(7000));
    let (status, body) = post(&app, &long).await;
    assert_eq!((status, error_code(&body)), (400, Some("BAD_USER_INPUT")), "{body}");
}

#[tokio::test]
async fn ordinary_documents_pass_admission() {
    let app = TestApp::spawn().await;
    // Brackets inside strings and comments do not count, and a modest fragment tree is fine.
    let (status, body) = post(&app, &format!("# {}\n{}", "[".repeat(500), fan_out(6))).await;
    assert_eq!((status, &body["data"]["__typename"]), (200, &json!("Query")), "{body}");
    let token = app.login("police").await;
    let page = app
        .gql(
            Some(&token),
            "{ people(first: 100) { nodes { name talks { summary officer { displayName } } } } }",
            json!({}),
        )
        .await;
    assert!(page["errors"].is_null(), "{page}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_they_are_read() {
    let app = TestApp::spawn_with(|config| config.limits.max_body_bytes = 1024 * 1024).await;
    // 20 MB of variables: refused at the door with 413, however it is sent.
    let padding = "x".repeat(20 * 1024 * 1024);
    let body = serde_json::to_vec(&json!({ "query": "{ __typename }", "variables": { "pad": padding } })).unwrap();
    let sized = app.client.post(app.url("/graphql")).header("content-type", "application/json").body(body.clone());
    assert_eq!(sized.send().await.unwrap().status().as_u16(), 413);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let streamed = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = app.client.post(app.url("/graphql")).header("content-type", "application/json").body(streamed);
    let status = response.send().await.map(|r| r.status().as_u16());
    assert!(matches!(status, Ok(400 | 413) | Err(_)), "a streamed body past the limit: {status:?}");
    // A body under the limit is read and answered.
    let (status, body) = post(&app, "{ __typename }").await;
    assert_eq!((status, &body["data"]["__typename"]), (200, &json!("Query")), "{body}");
    still_serving(&app).await;
}

#[tokio::test]
async fn a_nul_character_anywhere_in_the_input_is_bad_input_never_internal() {
    let app = TestApp::spawn().await;
    let login = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": login, "variables": { "u": "pol\u{0}ice", "p": "x" } }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "variables.u");
    // Escaped in a literal of the query text.
    let (_, body) = post(&app, r#"mutation { login(username: "pol\u0000ice", password: "x") { accessToken } }"#).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    // Deep in an input object, from a signed-in user.
    let police = app.login("police").await;
    let query = "query($f: PersonFilter) { people(filter: $f) { totalCount } }";
    let body = app.gql(Some(&police), query, json!({ "f": { "namePrefix": "张\u{0}" } })).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "variables.f.namePrefix");
    // In an export's filter.
    let (status, _) =
        pingan_tests::sheets::download(&app, Some(&police), "/export/persons.csv?namePrefix=%E5%BC%A0%00").await;
    assert_eq!(status, 400);
    still_serving(&app).await;
}

#[tokio::test]
async fn dates_outside_the_years_of_the_towns_work_are_bad_input() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let query = "query($f: PersonFilter) { people(filter: $f) { totalCount } }";
    for date in ["0000-01-01", "-0001-01-01", "-99999-01-01", "+12345-01-01", "99999-01-01", "1899-12-31", "2200-01-01"]
    {
        let body = app.gql(Some(&police), query, json!({ "f": { "listedFrom": date } })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{date}: {body}");
        let literal = format!("{{ people(filter: {{ listedTo: \"{date}\" }}) {{ totalCount }} }}");
        let body = app.gql(Some(&police), &literal, json!({})).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{date}: {body}");
    }
    let body = app.gql(Some(&police), query, json!({ "f": { "listedFrom": "1900-01-01" } })).await;
    assert!(body["data"]["people"]["totalCount"].as_i64().is_some(), "{body}");
}

#[tokio::test]
async fn only_json_is_taken_as_an_operation() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ __typename }" }).to_string();
    for content_type in
        [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data")]
    {
        let mut request = app.client.post(app.url("/graphql")).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{content_type:?}: {answer}");
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// A small deterministic generator (xorshift): the battery is the same on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Hostile bodies for `POST /graphql`, generated: nesting of every bracket kind and of
/// selections, fragment fan-outs of two and three, alias, directive, variable and batch floods,
/// long literals, and random bytes.
fn battery() -> Vec<(String, Vec<u8>)> {
    let json = |query: String| serde_json::to_vec(&json!({ "query": query })).unwrap();
    let mut bodies = Vec::new();
    for depth in [65, 1_500, 20_000] {
        for (open, close) in [("[", "]"), ("{a:", "}"), ("(", ")")] {
            let query = format!("{{ __typename(a: {}1{}) }}", open.repeat(depth), close.repeat(depth));
            bodies.push((format!("literal {open} x{depth}"), json(query)));
        }
        let query = format!("{{ {}__typename{} }}", "me { unit { ".repeat(depth / 2), " } }".repeat(depth / 2));
        bodies.push((format!("selections x{depth}"), json(query)));
    }
    for (count, ways) in [(16, 2), (24, 2), (30, 2), (12, 3), (20, 3)] {
        let mut text = String::from("query { ...F0 }");
        for i in 0..count {
            let spreads = format!("...F{} ", i + 1).repeat(ways);
            text.push_str(&format!(" fragment F{i} on Query {{ {spreads}}}"));
        }
        text.push_str(&format!(" fragment F{count} on Query {{ __typename }}"));
        bodies.push((format!("fan-out {count}x{ways}"), json(text)));
    }
    let aliases: String = (0..3_000).map(|i| format!("a{i}: __typename ")).collect();
    bodies.push(("3000 aliases".into(), json(format!("{{ {aliases} }}"))));
    let directives = "@skip(if: false) ".repeat(3_500);
    bodies.push(("3500 directives".into(), json(format!("{{ __typename {directives} }}"))));
    let variables: String = (0..3_000).map(|i| format!("$v{i}: Int ")).collect();
    bodies.push(("3000 variables".into(), json(format!("query({variables}) {{ __typename }}"))));
    bodies.push(("60 KB string".into(), json(format!("{{ __typename(a: \"{}\") }}", "x".repeat(60_000)))));
    let batch: Vec<Value> = (0..2_000).map(|_| json!({ "query": "{ __typename }" })).collect();
    bodies.push(("batch of 2000".into(), serde_json::to_vec(&batch).unwrap()));
    bodies.push(("5 MB body".into(), json(format!("{{ __typename }} # {}", "x".repeat(5 << 20)))));
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    for i in 0..40 {
        let length = 1 + noise.below(4_096);
        let bytes: Vec<u8> = match i % 3 {
            0 => (0..length).map(|_| noise.next() as u8).collect(),
            // Bracket soup: the parser's worst friends, in random order.
            1 => (0..length).map(|_| b"{}[]()\"\\#:$@!.,\n"[noise.below(16)]).collect(),
            _ => {
                let soup: String = (0..length)
                    .map(|_| ["{", "}", "[", "]", "(", ")", "...", "a", ":", "\""][noise.below(10)])
                    .collect();
                json(soup)
            }
        };
        bodies.push((format!("noise {i}"), bytes));
    }
    bodies
}

/// The process's peak resident memory (the server runs in the test process), in MB.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
}

#[tokio::test]
async fn a_generated_battery_of_hostile_bodies_gets_codes_or_closed_connections_never_a_crash() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().unwrap();
    for (name, body) in battery() {
        let response =
            client.post(app.url("/graphql")).header("content-type", "application/json").body(body).send().await;
        let response = match response {
            Ok(response) => response,
            // A connection the server closed on a body it would not read is an answer too.
            Err(e) if !e.is_timeout() => continue,
            Err(e) => panic!("{name}: no answer: {e}"),
        };
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or_else(|e| panic!("{name}: {status} without JSON: {e}"));
        assert!(status < 500, "{name}: {status} {answer}");
        if answer.get("data").and_then(|d| d.get("__typename")).is_none() {
            let code = error_code(&answer);
            assert!(matches!(code, Some("BAD_USER_INPUT")), "{name}: {status} {answer}");
        }
    }
    still_serving(&app).await;
    // The whole battery, alongside whatever else this process runs, stays far below what one
    // fan-out document took before it was refused up front (9.4 GB).
    if let Some(peak) = peak_rss_mb() {
        assert!(peak < 2_048, "peak RSS {peak} MB");
    }
}

#[tokio::test]
async fn an_unpaired_surrogate_is_bad_input_wherever_it_is_sent() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let query = "query($f: PersonFilter) { people(filter: $f) { totalCount } }";
    // In a variable (JSON cannot carry it as text: the body itself is refused).
    let body = format!(r#"{{"query": "{query}", "variables": {{"f": {{"namePrefix": "\ud800"}}}}}}"#);
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&police)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{answer}");
    // In a literal of the query text.
    let literal = r#"{ people(filter: { namePrefix: "\ud800" }) { totalCount } }"#;
    let answer = app.gql(Some(&police), literal, json!({})).await;
    assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{answer}");
}
