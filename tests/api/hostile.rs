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
