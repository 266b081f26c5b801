//! The rows of a page resolve field after field (`graphql::flat`), or through the library's own
//! container when their selection holds a fragment. Both ways must give the same answer, for
//! every role: the same values, nulls, merged duplicate keys and errors.

use pingan_tests::TestApp;
use pingan_tests::schema::USERS;
use serde_json::json;

/// A page of persons with a nested list, relations, an audited group, an alias and a key
/// selected twice (whose objects merge); `{F}` marks where the fragment form wraps a selection.
const PLAIN: &str = "{ people(first: 30) { totalCount edges { cursor node { id name } }
  nodes { id name alias: name gender idNumber notes listedAt village { id } village { name }
    responsibleOfficer { id displayName } talks { id talkedOn summary officer { id displayName } } __typename } } }";

const FRAGMENTS: &str = "{ people(first: 30) { totalCount edges { cursor node { ... on Person { id name } } }
  nodes { ... on Person { id name alias: name gender idNumber notes listedAt village { ... on Village { id } }
    village { ... on Village { name } } responsibleOfficer { ... on Officer { id displayName } }
    talks { ... on Talk { id talkedOn summary officer { ... on Officer { id displayName } } } } __typename } } } }";

#[tokio::test]
async fn rows_answer_the_same_as_the_librarys_container_for_every_role() {
    let app = TestApp::spawn().await;
    let mut rows_seen = 0;
    for user in USERS {
        let token = app.login(user).await;
        let plain = app.gql(Some(&token), PLAIN, json!({})).await;
        let fragments = app.gql(Some(&token), FRAGMENTS, json!({})).await;
        assert_eq!(plain, fragments, "{user}");
        rows_seen += plain["data"]["people"]["nodes"].as_array().map_or(0, Vec::len);
        if let Some(nodes) = plain["data"]["people"]["nodes"].as_array() {
            for node in nodes {
                // The two selections of `village` merged into one object.
                if !node["village"].is_null() {
                    assert!(node["village"]["id"].is_string() && node["village"]["name"].is_string(), "{node}");
                }
                assert_eq!(node["alias"], node["name"]);
                assert_eq!(node["__typename"], "Person");
            }
        }
    }
    assert!(rows_seen > 30, "the demo world shows persons to several roles: {rows_seen}");
}
