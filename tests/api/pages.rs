//! Keyset pages: every list, walked a few rows at a time in every order it offers, forward
//! (`first`/`after`) and backward (`last`/`before`), gives each row of its `totalCount` exactly
//! once, in the same order both ways, and says there is more exactly until the last page.
//! Built from introspection, so a new list or order is walked without editing this.

use std::collections::BTreeSet;

use chrono::Utc;
use pingan_tests::TestApp;
use pingan_tests::schema::{Schema, USERS};
use serde_json::{Value, json};

/// Rows per page: small, so every list takes several pages.
const STEP: usize = 3;

#[tokio::test]
async fn every_list_in_every_order_pages_through_each_row_once() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let schema = Schema::load(&app, &coord).await;
    // The audit log grows with every request: it is walked as it stood before the walk.
    let until = Utc::now().to_rfc3339();
    let mut walked = 0;
    for user in USERS {
        let token = app.login(user).await;
        for (field, name, _) in schema.lists() {
            let filter = Schema::arg_type(field, "filter")
                .filter(|t| schema.input_fields(t).iter().any(|i| i["name"] == "to"))
                .map(|_| format!("filter: {{ to: \"{until}\" }}, "))
                .unwrap_or_default();
            let mut orders = vec![String::new()];
            if let Some(order_type) = Schema::arg_type(field, "orderBy") {
                let inputs = schema.input_fields(order_type);
                let values = |n: &str| {
                    inputs.iter().find(|i| i["name"] == n).map(|i| schema.enum_values(Schema::named(&i["type"]).1))
                };
                for f in values("field").unwrap_or_default() {
                    for d in values("direction").unwrap_or_default() {
                        orders.push(format!("orderBy: {{ field: {f}, direction: {d} }}, "));
                    }
                }
            }
            for order in orders {
                let Some(rows) = walk(&app, &token, name, &format!("{filter}{order}")).await else { continue };
                walked += rows;
            }
        }
    }
    assert!(walked > 500, "the walk saw the demo world ({walked} rows)");
}

/// Walks one list to its end; the number of rows, or `None` when the user may not list it.
async fn walk(app: &TestApp, token: &str, name: &str, args: &str) -> Option<usize> {
    let mut after = Value::Null;
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut total = None;
    for page in 0.. {
        let query = format!(
            "query($after: String) {{ {name}({args}first: {STEP}, after: $after) {{ totalCount nodes {{ id }} \
             edges {{ cursor }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
        );
        let body = app.gql(Some(token), &query, json!({ "after": after })).await;
        if body["errors"][0]["extensions"]["code"] == "FORBIDDEN" {
            return None;
        }
        let list = &body["data"][name];
        let nodes = list["nodes"].as_array().unwrap_or_else(|| panic!("{name}({args}): {body}"));
        let count = list["totalCount"].as_u64().unwrap() as usize;
        assert_eq!(*total.get_or_insert(count), count, "{name}({args}): the count changed while walking");
        for node in nodes {
            let id = node["id"].as_str().unwrap().to_owned();
            assert!(seen.insert(id.clone()), "{name}({args}): {id} came twice, on page {page}");
            order.push(id);
        }
        assert_eq!(list["pageInfo"]["hasPreviousPage"], page > 0, "{name}({args}) page {page}");
        assert_eq!(list["pageInfo"]["startCursor"], list["edges"][0]["cursor"], "{name}({args})");
        let more = list["pageInfo"]["hasNextPage"].as_bool().unwrap();
        assert_eq!(
            more,
            seen.len() < count,
            "{name}({args}) page {page}: hasNextPage {more} at {}/{count}",
            seen.len()
        );
        if !more {
            break;
        }
        assert_eq!(nodes.len(), STEP, "{name}({args}): a short page that says there is more");
        assert_eq!(list["pageInfo"]["endCursor"], list["edges"][STEP - 1]["cursor"]);
        after = list["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), total.unwrap_or(0), "{name}({args}): rows seen against totalCount");
    assert_eq!(walk_back(app, token, name, args).await, order, "{name}({args}): backward against forward");
    Some(seen.len())
}

/// Walks one list from its end to its start; the ids in the list's order.
async fn walk_back(app: &TestApp, token: &str, name: &str, args: &str) -> Vec<String> {
    let mut before = Value::Null;
    let mut rows: Vec<String> = Vec::new();
    for page in 0.. {
        let query = format!(
            "query($before: String) {{ {name}({args}last: {STEP}, before: $before) {{ totalCount nodes {{ id }} \
             pageInfo {{ hasNextPage hasPreviousPage startCursor }} }} }}"
        );
        let body = app.gql(Some(token), &query, json!({ "before": before })).await;
        let list = &body["data"][name];
        let nodes = list["nodes"].as_array().unwrap_or_else(|| panic!("{name}({args}) backward: {body}"));
        let count = list["totalCount"].as_u64().unwrap() as usize;
        let mut ids: Vec<String> = nodes.iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
        ids.append(&mut rows);
        rows = ids;
        assert_eq!(list["pageInfo"]["hasNextPage"], page > 0, "{name}({args}) backward page {page}");
        let more = list["pageInfo"]["hasPreviousPage"].as_bool().unwrap();
        assert_eq!(more, rows.len() < count, "{name}({args}) backward page {page}: hasPreviousPage {more}");
        if !more {
            break;
        }
        before = list["pageInfo"]["startCursor"].clone();
    }
    rows
}

/// A connection serves the parts a query selects, however it selects them: through a fragment,
/// an inline fragment, an alias, a directive or a key selected twice the edges carry their
/// cursors, the first and last of which are the page's start and end cursors, and the edges'
/// nodes are the nodes; a query that asks for edges without cursors, or for nodes alone, gets
/// the same rows. Every list a query may ask for without arguments, from introspection.
#[tokio::test]
async fn every_list_serves_the_parts_selected_however_they_are_selected() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let schema = Schema::load(&app, &coord).await;
    let mut checked = 0;
    for user in ["coord", "police"] {
        let token = app.login(user).await;
        for (_, name, connection) in schema.lists() {
            let edge = connection.replace("Connection", "Edge");
            let all = format!(
                "query {{ {name}(first: {STEP}) {{ ...Parts }} }} \
                 fragment Parts on {connection} {{ e: edges {{ ... on {edge} {{ c: cursor }} node {{ id }} }} \
                 n: nodes {{ id }} pageInfo {{ startCursor endCursor }} }}"
            );
            let body = app.gql(Some(&token), &all, json!({})).await;
            if body["errors"][0]["extensions"]["code"] == "FORBIDDEN" {
                continue;
            }
            let list = &body["data"][name];
            let edges = list["e"].as_array().unwrap_or_else(|| panic!("{name}: {body}"));
            let ids = |rows: &Value, node: bool| -> Vec<Value> {
                let rows = rows.as_array().unwrap_or_else(|| panic!("{name}: {rows}"));
                rows.iter().map(|r| if node { r["node"]["id"].clone() } else { r["id"].clone() }).collect()
            };
            assert_eq!(ids(&list["e"], true), ids(&list["n"], false), "{name}: edges' nodes against nodes");
            if let (Some(first), Some(last)) = (edges.first(), edges.last()) {
                let cursors: BTreeSet<&str> = edges.iter().filter_map(|e| e["c"].as_str()).collect();
                assert!(!cursors.contains(""), "{name}: an empty cursor: {body}");
                assert_eq!(cursors.len(), edges.len(), "{name}: a cursor per edge, each its own: {body}");
                assert_eq!(first["c"], list["pageInfo"]["startCursor"], "{name}: the first edge's cursor");
                assert_eq!(last["c"], list["pageInfo"]["endCursor"], "{name}: the last edge's cursor");
                checked += 1;
            }
            let twice = format!(
                "{{ {name}(first: {STEP}) {{ edges {{ node {{ id }} }} edges {{ cursor @include(if: true) }} }} }}"
            );
            let body = app.gql(Some(&token), &twice, json!({})).await;
            let cursors: Vec<Value> =
                body["data"][name]["edges"].as_array().unwrap().iter().map(|e| e["cursor"].clone()).collect();
            let expected: Vec<Value> = edges.iter().map(|e| e["c"].clone()).collect();
            assert_eq!(cursors, expected, "{name}: cursors selected a second time, under a directive");
            let bare = format!("{{ {name}(first: {STEP}) {{ edges {{ node {{ id }} }} }} }}");
            let body = app.gql(Some(&token), &bare, json!({})).await;
            assert_eq!(ids(&body["data"][name]["edges"], true), ids(&list["n"], false), "{name}: edges alone");
            let bare = format!("{{ {name}(first: {STEP}) {{ nodes {{ id }} }} }}");
            let body = app.gql(Some(&token), &bare, json!({})).await;
            assert_eq!(ids(&body["data"][name]["nodes"], false), ids(&list["n"], false), "{name}: nodes alone");
        }
    }
    assert!(checked > 10, "the check saw the demo world's lists ({checked})");
}
