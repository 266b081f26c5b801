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
