//! The schema as introspection tells it, for the suites that must cover every type, field and
//! filter without naming them (the canary and noninterference suites): a new field, filter value
//! or order is walked automatically.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::TestApp;

/// Every demo user, in both towns.
pub const USERS: [&str; 10] =
    ["coord", "jiwei", "police", "sifa", "dongzhuang", "xizhuang", "nanwan", "admin", "liulin_coord", "liulin_police"];

const INTROSPECTION: &str = "{ __schema { queryType { name } types { kind name possibleTypes { name }
  fields { name args { name type { ...R } } type { ...R } }
  inputFields { name type { ...R } } enumValues { name } } } }
  fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }";

/// The schema's types by name, and the query root.
pub struct Schema {
    types: BTreeMap<String, Value>,
    query_type: String,
}

impl Schema {
    /// Introspects the running app as `token`'s user.
    pub async fn load(app: &TestApp, token: &str) -> Self {
        let body = app.gql(Some(token), INTROSPECTION, json!({})).await;
        let schema = &body["data"]["__schema"];
        let types = schema["types"]
            .as_array()
            .unwrap_or_else(|| panic!("introspection failed: {body}"))
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        Self { types, query_type: schema["queryType"]["name"].as_str().unwrap().to_owned() }
    }

    /// The named type under NON_NULL / LIST wrappers: (kind, name).
    pub fn named(type_ref: &Value) -> (&str, &str) {
        let mut t = type_ref;
        while t["name"].is_null() {
            t = &t["ofType"];
        }
        (t["kind"].as_str().unwrap(), t["name"].as_str().unwrap())
    }

    /// Whether a type reference is a list (under an optional NON_NULL).
    pub fn is_list(type_ref: &Value) -> bool {
        let t = if type_ref["kind"] == "NON_NULL" { &type_ref["ofType"] } else { type_ref };
        t["kind"] == "LIST"
    }

    pub fn required_args(field: &Value) -> Vec<&Value> {
        field["args"]
            .as_array()
            .map(|a| a.iter().filter(|arg| arg["type"]["kind"] == "NON_NULL").collect())
            .unwrap_or_default()
    }

    pub fn has_arg(field: &Value, name: &str) -> bool {
        field["args"].as_array().is_some_and(|a| a.iter().any(|arg| arg["name"] == name))
    }

    /// The named input type of argument `name` of `field`.
    pub fn arg_type<'a>(field: &'a Value, name: &str) -> Option<&'a str> {
        let arg = field["args"].as_array()?.iter().find(|a| a["name"] == name)?;
        Some(Self::named(&arg["type"]).1)
    }

    /// The fields of an input type.
    pub fn input_fields(&self, type_name: &str) -> Vec<&Value> {
        self.types[type_name]["inputFields"].as_array().map(|f| f.iter().collect()).unwrap_or_default()
    }

    /// The values of an enum type.
    pub fn enum_values(&self, type_name: &str) -> Vec<&str> {
        self.types[type_name]["enumValues"]
            .as_array()
            .map(|v| v.iter().map(|e| e["name"].as_str().unwrap()).collect())
            .unwrap_or_default()
    }

    /// The selection of every field of `type_name`, `depth` levels of records deep (at most 3).
    pub fn selection(&self, type_name: &str, depth: usize) -> String {
        let t = &self.types[type_name];
        match t["kind"].as_str().unwrap() {
            "INTERFACE" | "UNION" => {
                let mut parts = vec!["__typename".to_owned()];
                for possible in t["possibleTypes"].as_array().unwrap() {
                    let name = possible["name"].as_str().unwrap();
                    parts.push(format!("... on {name} {{ {} }}", self.selection(name, depth)));
                }
                parts.join(" ")
            }
            _ => {
                let mut parts = vec!["__typename".to_owned()];
                for field in t["fields"].as_array().unwrap() {
                    if Self::required_args(field).is_empty()
                        && let Some(part) = self.field_selection(field, depth)
                    {
                        parts.push(part);
                    }
                }
                parts.join(" ")
            }
        }
    }

    /// The selection of one field of a type `depth` levels of records deep: the field, with the
    /// selection of every field of its type when it is a record (`None` past three levels).
    pub fn field_selection(&self, field: &Value, depth: usize) -> Option<String> {
        let name = field["name"].as_str().unwrap();
        let args = if Self::has_arg(field, "first") { "(first: 100)" } else { "" };
        let (kind, inner) = Self::named(&field["type"]);
        match kind {
            "SCALAR" | "ENUM" => Some(format!("{name}{args}")),
            _ => {
                // Connection plumbing does not count as a level of records.
                let plumbing = inner.ends_with("Connection") || inner.ends_with("Edge") || inner == "PageInfo";
                let next = if plumbing { depth } else { depth + 1 };
                (next <= 3).then(|| format!("{name}{args} {{ {} }}", self.selection(inner, next)))
            }
        }
    }

    /// The fields of a type.
    pub fn fields(&self, type_name: &str) -> Vec<&Value> {
        self.types[type_name]["fields"].as_array().map(|f| f.iter().collect()).unwrap_or_default()
    }

    /// The object types of an interface.
    pub fn possible_types(&self, interface: &str) -> BTreeSet<String> {
        let possible = self.types[interface]["possibleTypes"].as_array().unwrap();
        possible.iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
    }

    /// The type of the rows of a connection type (its `nodes`).
    pub fn node_type(&self, connection: &str) -> String {
        let nodes = self.fields(connection).into_iter().find(|f| f["name"] == "nodes").unwrap();
        Self::named(&nodes["type"]).1.to_owned()
    }

    /// The fields of the query root.
    pub fn query_fields(&self) -> Vec<&Value> {
        self.types[&self.query_type]["fields"].as_array().unwrap().iter().collect()
    }

    /// The lists of the query root a query may ask for without arguments: each field, its name
    /// and its connection type.
    pub fn lists(&self) -> Vec<(&Value, &str, &str)> {
        self.query_fields()
            .into_iter()
            .filter(|field| Self::required_args(field).is_empty())
            .map(|field| (field, field["name"].as_str().unwrap(), Self::named(&field["type"]).1))
            .filter(|(_, _, connection)| connection.ends_with("Connection"))
            .collect()
    }
}

/// Every string value under the key `id`.
pub fn collect_ids(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "id"
                    && let Some(s) = v.as_str()
                {
                    into.insert(s.to_owned());
                }
                collect_ids(v, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, into)),
        _ => {}
    }
}
