//! `orgUnits`, `villages` and `labels`: each viewer sees its own town only.

use pingan_tests::{TestApp, error_code};
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> =
        list.as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn org_units_and_villages_are_those_of_the_viewers_town() {
    let app = TestApp::spawn().await;
    let query = "{ orgUnits { id name kind village { name } } villages { id name } }";

    let qinghe = app.gql(Some(&app.login("dongzhuang").await), query, json!({})).await;
    let mut expected_units =
        vec!["清河镇扫黑办", "清河镇纪委", "清河派出所", "清河司法所", "东庄村", "西庄村", "南湾社区"];
    expected_units.sort();
    assert_eq!(names(&qinghe["data"]["orgUnits"]), expected_units, "{qinghe}");
    let mut expected_villages = vec!["东庄村", "西庄村", "南湾社区"];
    expected_villages.sort();
    assert_eq!(names(&qinghe["data"]["villages"]), expected_villages);
    for unit in qinghe["data"]["orgUnits"].as_array().unwrap() {
        let is_village = unit["kind"] == "VILLAGE";
        assert_eq!(unit["village"].is_object(), is_village, "{unit}");
        if is_village {
            assert_eq!(unit["village"]["name"], unit["name"]);
        }
    }

    let liulin = app.gql(Some(&app.login("liulin_police").await), query, json!({})).await;
    let mut expected = vec!["柳林镇扫黑办", "柳林派出所", "柳林村", "河口村"];
    expected.sort();
    assert_eq!(names(&liulin["data"]["orgUnits"]), expected, "{liulin}");
    assert!(!liulin.to_string().contains("清河"), "nothing crosses towns: {liulin}");
}

#[tokio::test]
async fn every_enum_in_the_schema_has_a_label_for_every_value() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let schema = app.gql(Some(&token), "{ __schema { types { name kind enumValues { name } } } }", json!({})).await;
    let enums: Vec<&Value> = schema["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "ENUM" && !t["name"].as_str().unwrap().starts_with("__"))
        .collect();
    assert!(enums.iter().any(|e| e["name"] == "Role"), "{schema}");
    for e in enums {
        let name = e["name"].as_str().unwrap();
        let labels = app
            .gql(Some(&token), "query($e: String!) { labels(enum: $e) { value label } }", json!({ "e": name }))
            .await;
        let labelled: Vec<&str> = labels["data"]["labels"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {labels}"))
            .iter()
            .map(|l| l["value"].as_str().unwrap())
            .collect();
        for value in e["enumValues"].as_array().unwrap() {
            assert!(labelled.contains(&value["name"].as_str().unwrap()), "{name}.{} has no label", value["name"]);
        }
    }
}

#[tokio::test]
async fn labels_are_chinese_by_default_and_an_unknown_enum_names_the_field() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let body = app.gql(Some(&token), "{ labels(enum: \"AttentionLevel\") { value label } }", json!({})).await;
    assert_eq!(body["data"]["labels"][2], json!({ "value": "SPECIAL", "label": "特别关注" }), "{body}");
    let english =
        app.gql(Some(&token), "{ labels(enum: \"AttentionLevel\", locale: \"en\") { label } }", json!({})).await;
    assert_eq!(english["data"]["labels"][0]["label"], "General");
    let anonymous = app.gql(None, "{ labels(enum: \"AttentionLevel\") { value } }", json!({})).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"), "{anonymous}");
    let unknown = app.gql(Some(&token), "{ labels(enum: \"NoSuchEnum\") { value } }", json!({})).await;
    assert_eq!(error_code(&unknown), Some("BAD_USER_INPUT"));
    assert_eq!(unknown["errors"][0]["extensions"]["field"], "enum");
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
    // GraphiQL is off outside demo/dev mode.
    let graphiql = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(graphiql.status(), 404);
}

#[tokio::test]
async fn demo_loading_is_idempotent_and_refused_next_to_other_data() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    pingan::demo::load(db).await.expect("loading twice changes nothing");

    use sea_orm::{ActiveModelTrait, Set};
    entity::town::ActiveModel { id: Set(uuid::Uuid::now_v7()), name: Set("别的镇".into()) }.insert(db).await.unwrap();
    let err = pingan::demo::load(db).await.expect_err("refused");
    assert!(err.to_string().contains("refusing --demo"), "{err}");
}
