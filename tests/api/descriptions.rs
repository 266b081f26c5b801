//! Client teams read the schema in GraphiQL and in `schema.graphql`: every type, field, argument,
//! input field and enum value carries a description with its Chinese term (the word the town's
//! documents use) and at least one English line. GraphQL's own types — the `__` introspection
//! types and the built-in scalars — are the language's, not ours, and are skipped.

use pingan_tests::TestApp;
use serde_json::{Value, json};

const INTROSPECTION: &str = "{ __schema { types { name description
  fields(includeDeprecated: true) { name description args { name description } }
  inputFields { name description }
  enumValues(includeDeprecated: true) { name description } } } }";

/// GraphQL's own scalars: their descriptions come with the language.
const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// A Chinese term: at least one CJK ideograph.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'))
}

/// An English line: at least one word of three or more Latin letters.
fn has_english(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic()).any(|word| word.len() >= 3)
}

fn described(description: &Value) -> bool {
    description.as_str().is_some_and(|d| has_chinese(d) && has_english(d))
}

/// Every schema element we own, by its path (`Type`, `Type.field`, `Type.field(arg)`,
/// `Enum.VALUE`), with whether it is described.
fn elements(types: &[Value]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for t in types {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        out.push((name.to_owned(), described(&t["description"])));
        let list = |key: &str| t[key].as_array().cloned().unwrap_or_default();
        for field in list("fields") {
            let field_name = field["name"].as_str().unwrap();
            out.push((format!("{name}.{field_name}"), described(&field["description"])));
            for arg in field["args"].as_array().into_iter().flatten() {
                let arg_name = arg["name"].as_str().unwrap();
                out.push((format!("{name}.{field_name}({arg_name})"), described(&arg["description"])));
            }
        }
        for key in ["inputFields", "enumValues"] {
            for item in list(key) {
                out.push((format!("{name}.{}", item["name"].as_str().unwrap()), described(&item["description"])));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_schema_element_is_described_in_chinese_and_english() {
    let app = TestApp::spawn().await;
    let token = app.login("coord").await;
    let body = app.gql(Some(&token), INTROSPECTION, json!({})).await;
    let types = body["data"]["__schema"]["types"].as_array().unwrap_or_else(|| panic!("introspection failed: {body}"));
    let elements = elements(types);
    assert!(elements.len() > 500, "the walk saw the whole schema ({} elements)", elements.len());
    let missing: Vec<&str> = elements.iter().filter(|(_, ok)| !ok).map(|(path, _)| path.as_str()).collect();
    let percent = 100.0 * (elements.len() - missing.len()) as f64 / elements.len() as f64;
    assert!(
        missing.is_empty(),
        "{percent:.1} % of {} schema elements described; {} lack a Chinese term plus an English line:\n{}",
        elements.len(),
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn a_description_needs_both_a_chinese_term_and_an_english_word() {
    assert!(described(&json!("重点人员 — a key person the town keeps watch over.")));
    assert!(!described(&json!("属事.")));
    assert!(!described(&json!("A key person.")));
    assert!(!described(&json!("")));
    assert!(!described(&Value::Null));
}
