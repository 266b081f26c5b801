//! The one request pipeline: what every GraphQL operation carries, whatever brought it.
//!
//! `POST /graphql`, the WebSocket (`/graphql/ws`) and the offline import command all run
//! operations through [`attach`] and [`finish`], so each operation is authenticated on its own,
//! gets its own request id, loaders and read log, and has its confidential reads audited before
//! its answer leaves (access.md rule 6). A transport never builds this data by hand.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::Request;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::AppState;
use crate::audit::ReadLog;
use crate::config::Limits;
use crate::error::{ApiError, RequestId};
use crate::graphql::loaders::Loaders;
use crate::graphql::{Authn, ClientAddr};

/// One operation's context: who asks (as the database says now), under which request id.
pub struct Operation {
    pub request_id: String,
    pub authn: Authn,
    pub read_log: Arc<ReadLog>,
}

impl Operation {
    /// A new operation for a viewer (or anonymous caller) authenticated for it.
    pub fn new(request_id: String, authn: Authn) -> Self {
        Self { request_id, authn, read_log: Arc::new(ReadLog::default()) }
    }

    /// Puts the per-operation data into a request: request id, client address, and for a viewer
    /// its own loaders (never shared between operations) and the read log.
    pub fn attach(&self, state: &Arc<AppState>, request: &mut Request, client: Option<IpAddr>) {
        request.data.insert(RequestId(self.request_id.clone()));
        request.data.insert(ClientAddr(client));
        request.data.insert(crate::graphql::flat::Shapes::default());
        if let Authn::Viewer(viewer) = &self.authn {
            request.data.insert(Arc::new(Loaders::new(state.clone(), viewer.clone())));
            request.data.insert(self.read_log.clone());
        }
        request.data.insert(self.authn.clone());
    }

    /// The answer as the client gets it: every error mapped to the codes of api.md, once.
    pub fn answer(&self, response: async_graphql::Response) -> async_graphql::Response {
        crate::error::map_errors(response, &self.request_id)
    }

    /// [`Operation::answer`] for each answer of a batch.
    pub fn answer_batch(&self, response: async_graphql::BatchResponse) -> async_graphql::BatchResponse {
        use async_graphql::BatchResponse;
        match response {
            BatchResponse::Single(one) => BatchResponse::Single(self.answer(one)),
            BatchResponse::Batch(all) => BatchResponse::Batch(all.into_iter().map(|one| self.answer(one)).collect()),
        }
    }

    /// Writes the read audit of what was resolved so far. Call it before any part of the answer
    /// leaves: no entry, no answer.
    pub async fn finish(&self, state: &AppState) -> Result<(), ApiError> {
        match &self.authn {
            Authn::Viewer(viewer) => self.read_log.flush(&state.db, &state.metrics, viewer, &self.request_id).await,
            _ => Ok(()),
        }
    }
}

/// Admits a request's document before any parsing or validation work that could grow with it:
/// the text's length and bracket nesting in one linear pass (the parser recurses once per level,
/// so a deep literal would overflow its stack), then, on the parsed document, the field
/// selections once fragments are expanded, counted with a memo so fragments spreading each other
/// twice cost linear time here instead of exponential time in validation. The parsed document
/// is kept in the request, so it is parsed once.
pub fn admit(request: &mut Request, limits: &Limits, documents: &Documents) -> Result<Admission, ApiError> {
    if let Some(path) = nul_in(&request.variables) {
        return Err(no_nul(format!("variables.{path}")));
    }
    // A text admitted before is admitted again: every check below depends on the text alone.
    if let Some((document, validated)) = documents.get(request) {
        request.set_parsed_query(document);
        return Ok(Admission::of(request, validated));
    }
    let query = request.query.as_str();
    if query.len() > limits.max_query_bytes {
        return Err(ApiError::bad_input(
            "query",
            format!("The query is longer than {} bytes.", limits.max_query_bytes),
            format!("查询文本超过 {} 字节。", limits.max_query_bytes),
        ));
    }
    if nesting(query) > limits.max_nesting {
        return Err(ApiError::bad_input(
            "query",
            format!("The query nests deeper than {} levels.", limits.max_nesting),
            format!("查询嵌套超过 {} 层。", limits.max_nesting),
        ));
    }
    // No text of pingan holds the NUL character, and PostgreSQL cannot store it: refused here,
    // in the query's literals (raw or escaped) and in every variable, before anything reads it.
    if query.contains('\0') || query.to_ascii_lowercase().contains("\\u0000") {
        return Err(no_nul("query".to_owned()));
    }
    // A document that does not parse is left to the schema, which answers with its own error.
    let Ok(document) = request.parsed_query() else { return Ok(Admission::default()) };
    let aliases = crate::graphql::limits::count_aliases(document);
    if aliases > limits.max_aliases {
        return Err(ApiError::bad_input(
            "query",
            format!("The query uses {aliases} aliases; at most {} are allowed.", limits.max_aliases),
            format!("查询使用了 {aliases} 个别名，最多允许 {} 个。", limits.max_aliases),
        ));
    }
    if expanded_selections(document) > limits.max_selections {
        return Err(ApiError::bad_input(
            "query",
            format!("The query selects more than {} fields once its fragments are expanded.", limits.max_selections),
            format!("查询展开片段后选择的字段超过 {} 个。", limits.max_selections),
        ));
    }
    let document = document.clone();
    documents.put(&request.query, document);
    Ok(Admission::of(request, false))
}

/// What [`admit`] knows of a request it let through: which run it is (its text, operation and
/// variables), and whether exactly that run was validated in full before, without an error.
#[derive(Default)]
pub struct Admission {
    run: Option<Run>,
    validated: bool,
}

/// A document's text, and the operation and variables it ran with.
struct Run {
    query: String,
    operation: Option<String>,
    variables: async_graphql::Variables,
}

impl Admission {
    /// The most memory a run's variables may take (see [`small`]) for the run to be kept.
    const VARIABLES_BYTES: usize = 4096;

    fn of(request: &Request, validated: bool) -> Self {
        // A run is kept only with small variables, so what the cache holds stays bounded
        // (`Documents`: at most 256 texts × 16 runs × 4 kB of variables).
        if validated || !small(&request.variables, Self::VARIABLES_BYTES) {
            return Self { run: None, validated };
        }
        let run = Run {
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables: request.variables.clone(),
        };
        Self { run: Some(run), validated }
    }

    /// Whether this run passed async-graphql's full validation before. Validation depends on the
    /// schema, the document, the operation and the variables alone, so the run passes it again:
    /// it may run on the schema that validates in `ValidationMode::Fast` (see
    /// `graphql::Schemas`), which still applies the depth and complexity limits, and its answer
    /// is the same.
    pub fn validated(&self) -> bool {
        self.validated
    }

    /// Notes, from the answer of a run on the schema that validates in full, that the run
    /// passed: an answer without any error.
    pub fn answered(&self, documents: &Documents, answer: &async_graphql::Response) {
        if let Some(run) = &self.run
            && answer.errors.is_empty()
        {
            documents.validated(run);
        }
    }
}

/// The root fields `POST /graphql/import` takes: a document there may do nothing else, since
/// only an import needs a body larger than every other request's.
const IMPORTS: &[&str] = &["importPersons", "importVenues", "__typename"];

/// Refuses a document whose operations are anything but import mutations (see [`IMPORTS`]).
/// Call it after [`admit`], which parsed the document.
pub fn imports_only(request: &mut Request) -> Result<(), ApiError> {
    use async_graphql::parser::types::OperationType;
    let refused = || {
        ApiError::bad_input(
            "query",
            "Only importPersons and importVenues are taken at /graphql/import; send everything else to /graphql.",
            "/graphql/import 只接受 importPersons 和 importVenues，其他请求请发送到 /graphql。",
        )
    };
    let document = request.parsed_query().map_err(|_| refused())?;
    let only_imports = document.operations.iter().all(|(_, op)| {
        op.node.ty == OperationType::Mutation
            && op.node.selection_set.node.items.iter().all(|item| match &item.node {
                Selection::Field(field) => IMPORTS.contains(&field.node.name.node.as_str()),
                _ => false,
            })
    });
    if only_imports { Ok(()) } else { Err(refused()) }
}

/// Admitted documents by their text. Clients send the same few queries over and over, and
/// parsing is the largest fixed cost of a small request; a hit skips it and the admission checks
/// (which depend on the text alone). With each document, the runs of it (operation and
/// variables) that passed full validation, the next largest fixed cost. Bounded in entries, in
/// the length of a text kept and in the runs kept per text; when full it starts over.
#[derive(Default)]
pub struct Documents(std::sync::Mutex<HashMap<String, Admitted>>);

struct Admitted {
    document: ExecutableDocument,
    validated: Vec<(Option<String>, async_graphql::Variables)>,
}

impl Admitted {
    /// Whether this run of the document (operation and variables) was validated.
    fn knows(&self, operation: &Option<String>, variables: &async_graphql::Variables) -> bool {
        self.validated
            .iter()
            .any(|(kept_operation, kept_variables)| kept_operation == operation && kept_variables == variables)
    }
}

impl Documents {
    const ENTRIES: usize = 256;
    const TEXT_BYTES: usize = 16 * 1024;
    const RUNS: usize = 16;

    /// The document of the request's text, and whether the request's run of it was validated.
    fn get(&self, request: &Request) -> Option<(ExecutableDocument, bool)> {
        let cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let admitted = cache.get(&request.query)?;
        Some((admitted.document.clone(), admitted.knows(&request.operation_name, &request.variables)))
    }

    fn put(&self, query: &str, document: ExecutableDocument) {
        if query.len() > Self::TEXT_BYTES {
            return;
        }
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= Self::ENTRIES {
            cache.clear();
        }
        cache.insert(query.to_owned(), Admitted { document, validated: Vec::new() });
    }

    fn validated(&self, run: &Run) {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(admitted) = cache.get_mut(&run.query) else { return };
        if admitted.knows(&run.operation, &run.variables) {
            return;
        }
        if admitted.validated.len() >= Self::RUNS {
            admitted.validated.clear();
        }
        admitted.validated.push((run.operation.clone(), run.variables.clone()));
    }
}

/// Whether `variables` take at most `budget` bytes of memory, counting for every value the
/// size of a value plus its text's or bytes' length, and for every name the size of a name plus
/// its length (an empty text costs its place in memory, not nothing); stops at the budget.
fn small(variables: &async_graphql::Variables, budget: usize) -> bool {
    use async_graphql::Value;
    fn spend(left: &mut usize, cost: usize) -> bool {
        left.checked_sub(cost).map(|rest| *left = rest).is_some()
    }
    fn name(text: &str) -> usize {
        std::mem::size_of::<async_graphql::Name>() + text.len()
    }
    fn value(item: &Value, left: &mut usize) -> bool {
        let cost = std::mem::size_of::<Value>()
            + match item {
                Value::String(text) => text.len(),
                Value::Binary(bytes) => bytes.len(),
                _ => 0,
            };
        spend(left, cost)
            && match item {
                Value::List(items) => items.iter().all(|item| value(item, left)),
                Value::Object(map) => map.iter().all(|(key, item)| spend(left, name(key)) && value(item, left)),
                _ => true,
            }
    }
    let mut left = budget;
    variables.iter().all(|(key, item)| spend(&mut left, name(key)) && value(item, &mut left))
}

fn no_nul(field: String) -> ApiError {
    ApiError::bad_input(field, "Text may not contain the NUL character.", "文本不能包含空字符（NUL）。")
}

/// The path of the first variable value holding a NUL character (in a string or a key).
fn nul_in(variables: &async_graphql::Variables) -> Option<String> {
    fn walk(value: &async_graphql::Value, path: String) -> Option<String> {
        use async_graphql::Value;
        match value {
            Value::String(text) if text.contains('\0') => Some(path),
            Value::List(items) => items.iter().enumerate().find_map(|(i, v)| walk(v, format!("{path}.{i}"))),
            Value::Object(map) => map.iter().find_map(|(key, v)| {
                if key.contains('\0') { Some(path.clone()) } else { walk(v, format!("{path}.{key}")) }
            }),
            _ => None,
        }
    }
    variables.iter().find_map(|(name, value)| walk(value, name.to_string()))
}

/// The deepest nesting of `{`, `[` and `(` outside strings and comments.
fn nesting(query: &str) -> usize {
    let bytes = query.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Field selections of every operation with fragments expanded, saturating.
fn expanded_selections(document: &ExecutableDocument) -> usize {
    let mut memo: HashMap<&str, usize> = HashMap::new();
    let mut visiting: HashSet<&str> = HashSet::new();
    document
        .operations
        .iter()
        .map(|(_, op)| selections(&op.node.selection_set.node, document, &mut memo, &mut visiting))
        .fold(0, usize::saturating_add)
}

fn selections<'d>(
    set: &'d SelectionSet,
    document: &'d ExecutableDocument,
    memo: &mut HashMap<&'d str, usize>,
    visiting: &mut HashSet<&'d str>,
) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                1usize.saturating_add(selections(&field.node.selection_set.node, document, memo, visiting))
            }
            Selection::InlineFragment(inline) => selections(&inline.node.selection_set.node, document, memo, visiting),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(known) = memo.get(name) {
                    return *known;
                }
                // A cycle is refused by validation; here it only must not loop.
                let Some(fragment) = document.fragments.get(name) else { return 0 };
                if !visiting.insert(name) {
                    return 0;
                }
                let count = selections(&fragment.node.selection_set.node, document, memo, visiting);
                visiting.remove(name);
                memo.insert(name, count);
                count
            }
        })
        .fold(0, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admitted_text_is_parsed_once_and_a_refused_one_is_refused_every_time() {
        let limits = Limits { max_aliases: 1, ..Limits::default() };
        let documents = Documents::default();
        for _ in 0..2 {
            let mut request = Request::new("{ me { id } }");
            admit(&mut request, &limits, &documents).expect("admitted");
            assert!(request.parsed_query().is_ok());
        }
        assert_eq!(documents.0.lock().unwrap().len(), 1);
        for _ in 0..2 {
            let mut request = Request::new("{ a: me { id } b: me { id } }");
            assert!(admit(&mut request, &limits, &documents).is_err());
        }
        assert_eq!(documents.0.lock().unwrap().len(), 1);
        // Variables are checked on every request, also with a text admitted before.
        let variables = async_graphql::Variables::from_json(serde_json::json!({ "x": "a\u{0}b" }));
        let mut request = Request::new("{ me { id } }").variables(variables);
        assert!(admit(&mut request, &limits, &documents).is_err());
    }

    #[test]
    fn a_run_counts_as_validated_once_an_answer_to_exactly_it_had_no_error() {
        let (limits, documents) = (Limits::default(), Documents::default());
        let admitted = |n: i32, operation: Option<&str>| {
            let variables = async_graphql::Variables::from_json(serde_json::json!({ "n": n }));
            let mut request = Request::new("query Q($n: Int) { me { id } }").variables(variables);
            if let Some(operation) = operation {
                request = request.operation_name(operation);
            }
            admit(&mut request, &limits, &documents).expect("admitted")
        };
        let failed = async_graphql::Response::from_errors(vec![async_graphql::ServerError::new("no", None)]);
        let passed = async_graphql::Response::new(async_graphql::Value::Null);
        assert!(!admitted(1, None).validated());
        admitted(1, None).answered(&documents, &failed);
        assert!(!admitted(1, None).validated());
        admitted(1, None).answered(&documents, &passed);
        assert!(admitted(1, None).validated());
        assert!(!admitted(2, None).validated());
        assert!(!admitted(1, Some("Q")).validated());
        // Kept runs are bounded: past the bound they start over.
        for n in 2..=Documents::RUNS as i32 {
            admitted(n, None).answered(&documents, &passed);
        }
        assert!(admitted(1, None).validated() && admitted(16, None).validated());
        admitted(17, None).answered(&documents, &passed);
        assert!(!admitted(1, None).validated() && admitted(17, None).validated());
        // A run with large variables is not kept: it is validated in full every time.
        let large = |text: &str| {
            let variables = async_graphql::Variables::from_json(serde_json::json!({ "n": 1, "s": text }));
            let mut request = Request::new("query Q($n: Int) { me { id } }").variables(variables);
            admit(&mut request, &limits, &documents).expect("admitted")
        };
        let text = "x".repeat(Admission::VARIABLES_BYTES);
        large(&text).answered(&documents, &passed);
        assert!(!large(&text).validated());
        large("x").answered(&documents, &passed);
        assert!(large("x").validated());
    }

    #[test]
    fn variables_are_small_within_their_budget_counted_to_the_last_byte() {
        let variables = |json| async_graphql::Variables::from_json(json);
        let value = std::mem::size_of::<async_graphql::Value>();
        let name = std::mem::size_of::<async_graphql::Name>();
        let nested = variables(serde_json::json!({ "ab": [{ "cd": "efgh" }, 1] }));
        // "ab", the list, the object, "cd", "efgh" and 1.
        let cost = (name + 2) + value + value + (name + 2) + (value + 4) + value;
        assert!(small(&nested, cost));
        assert!(!small(&nested, cost - 1));
        assert!(small(&variables(serde_json::json!({})), 0));
        // Empty texts cost their place in memory: a list of a thousand is not small.
        let empty = variables(serde_json::json!({ "v": vec![""; 1000] }));
        assert!(!small(&empty, Admission::VARIABLES_BYTES));
    }

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        assert_eq!(nesting("{ a(x: [[1]]) { b } }"), 4);
        assert_eq!(nesting(r#"{ a(x: "[[[[{{") }"#), 2);
        assert_eq!(nesting("# {{{{{{\n{ a }"), 1);
        assert_eq!(nesting(r#"{ a(x: """ [[[ \""" {{{ """) }"#), 2);
    }

    #[test]
    fn fragments_spreading_each_other_twice_are_counted_without_expanding_them() {
        let mut text = String::from("query { ...F0 } fragment F24 on Query { __typename }");
        for i in 0..24 {
            text.push_str(&format!(" fragment F{i} on Query {{ ...F{} ...F{} }}", i + 1, i + 1));
        }
        let document = async_graphql::parser::parse_query(&text).expect("parses");
        assert_eq!(expanded_selections(&document), 1 << 24);
    }
}
