//! GraphQL limits: depth, aliases and batch size are refused with a clear error, and the server
//! keeps answering afterwards.

use pingan_tests::{TestApp, error_code};
use serde_json::json;

async fn still_answers(app: &TestApp, token: &str) {
    let body = app.gql(Some(token), "{ me { username } }", json!({})).await;
    assert_eq!(body["data"]["me"]["username"], "coord", "{body}");
}

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let mut selection = "name".to_owned();
    for _ in 0..20 {
        selection = format!("ofType {{ {selection} }}");
    }
    let query = format!("{{ __schema {{ types {{ fields {{ type {{ {selection} }} }} }} }} }}");
    let body = app.gql(Some(&token), &query, json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{body}");
    still_answers(&app, &token).await;
}

#[tokio::test]
async fn a_query_with_1000_aliases_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let fields: Vec<String> = (0..1000).map(|i| format!("a{i}: me {{ username }}")).collect();
    let body = app.gql(Some(&token), &format!("{{ {} }}", fields.join(" ")), json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("1000 aliases"), "{message}");
    assert!(body["data"].is_null(), "{body}");
    still_answers(&app, &token).await;
}

#[tokio::test]
async fn a_few_aliases_are_fine() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let body = app.gql(Some(&token), "{ a: me { username } b: me { username } }", json!({})).await;
    assert_eq!(body["data"]["a"]["username"], "coord", "{body}");
    assert_eq!(body["data"]["b"]["username"], "coord", "{body}");
}

#[tokio::test]
async fn a_batch_over_the_limit_is_refused_and_one_within_runs() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let op = json!({ "query": "{ me { username } }" });
    let too_many = app.post_json(Some(&token), json!(vec![op.clone(); 11])).await;
    assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"), "{too_many}");
    assert!(too_many["errors"][0]["message"].as_str().unwrap().contains("at most 10"), "{too_many}");

    let fine = app.post_json(Some(&token), json!(vec![op; 3])).await;
    let answers = fine.as_array().expect("a batch answers with a list");
    assert_eq!(answers.len(), 3);
    assert!(answers.iter().all(|a| a["data"]["me"]["username"] == "coord"), "{fine}");
    still_answers(&app, &token).await;
}

#[tokio::test]
async fn field_suggestions_are_off_outside_dev_mode() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let body = app.gql(Some(&token), "{ mee { username } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("mee"), "{message}");
    assert!(!message.to_lowercase().contains("did you mean"), "{message}");
}

#[tokio::test]
async fn the_default_limits_admit_a_page_of_100_with_relations_three_levels_deep() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let query = "{ people(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
        id name idNumber phone address notes categories judicialTags { tag releaseDate }
        village { id name } responsibleOfficer { id displayName }
        talks { id talkedOn summary officer { id displayName } } incidents { id summary }
        viewerCan { readNotes update recordTalk } } } } }";
    let body = app.gql(Some(&token), query, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["people"]["edges"].as_array().unwrap().len() > 20);
}

/// A run that passed validation runs on the schema that validates in `Fast` mode the next time
/// (`graphql::Schemas`): the same text with other variables, or another of its operations, is
/// validated in full again and answered exactly as a text never seen before.
#[tokio::test]
async fn a_document_validated_once_is_validated_again_for_other_variables_and_operations() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let text = "query A($n: Int) { people(first: $n, orderBy: { field: NAME }) { nodes { id } } } \
                query B($n: Int) { people(first: $n) { nodes { name } } }";
    // The same document as a text never admitted before (one more space), for what a full
    // validation answers.
    let fresh = |n: u32| format!("{text}{}", " ".repeat(n as usize));
    let run = |query: String, operation: &'static str, n: serde_json::Value| {
        let body = json!({ "query": query, "operationName": operation, "variables": { "n": n } });
        let (app, token) = (&app, &token);
        async move { app.post_json(Some(token), body).await }
    };
    for _ in 0..3 {
        let fine = run(text.to_owned(), "A", json!(2)).await;
        assert!(fine.get("errors").is_none(), "{fine}");
        assert_eq!(fine["data"]["people"]["nodes"].as_array().map(Vec::len), Some(2), "{fine}");
    }
    // The errors of a document of two operations come in the order async-graphql visits them,
    // which is a hash map's: compared as a set.
    let errors = |answer: &serde_json::Value| {
        let mut all: Vec<String> = answer["errors"].as_array().into_iter().flatten().map(|e| e.to_string()).collect();
        all.sort();
        (answer["data"].clone(), all)
    };
    let cases = [("A", json!("two")), ("A", json!(1.5)), ("B", json!("two")), ("A", json!({ "n": 2 }))];
    for (i, (operation, n)) in cases.into_iter().enumerate() {
        let answer = run(text.to_owned(), operation, n.clone()).await;
        let expected = run(fresh(i as u32 + 1), operation, n.clone()).await;
        assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{operation} {n}: {answer}");
        assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("Int")), "{answer}");
        assert_eq!(errors(&answer), errors(&expected), "{operation} {n}");
    }
    // A run validated before (the fast schema) answers as the same run of a text never seen.
    assert_eq!(run(text.to_owned(), "A", json!(2)).await, run(fresh(20), "A", json!(2)).await);
    // The runs that passed still answer the same.
    let again = run(text.to_owned(), "B", json!(1)).await;
    assert_eq!(again, run(fresh(9), "B", json!(1)).await);
    assert!(again.get("errors").is_none(), "{again}");
}
