//! Noninterference: what a role can observe does not change when only data it holds no group of
//! changes.
//!
//! For every demo user the suite records a battery of observations built from introspection —
//! every argument-free query field walked to depth 3, every list under each value of each enum
//! and boolean filter field and under each order, with its `totalCount`, and every export — then
//! lets a role that may do so make a change that only some roles may see, records again, and
//! fails on any difference for a user outside those roles. New fields, filters and orders are
//! covered without editing it.
//!
//! The audit log is observed as it stood when the suite began: every request writes to it (that
//! is its purpose), and its readers hold every entry.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use entity::enums::{LeadStatus, RecordStatus};
use entity::{lead, lead_subject, person, person_judicial_tag, village};
use pingan_tests::schema::{Schema, USERS, collect_ids};
use pingan_tests::sheets::download;
use pingan_tests::{TestApp, global_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// Aliased list observations per request (the alias limit is 64).
const CHUNK: usize = 30;
/// Single-id observations per request (each walks a whole record, through one fragment).
const ID_CHUNK: usize = 30;
const EXPORTS: [&str; 5] = ["persons", "venues", "leads", "risk-items", "tasks"];

/// One user's view of the world: observation key -> normalised answer.
type View = BTreeMap<String, String>;

/// Which observation an alias of a request answers (no alias: the whole answer).
type Keys = Vec<(Option<String>, String)>;

struct Suite<'a> {
    app: &'a TestApp,
    schema: Schema,
    tokens: BTreeMap<&'static str, String>,
    /// Audit entries from this instant on are the suite's own.
    since: DateTime<Utc>,
    observations: usize,
}

impl Suite<'_> {
    /// The requests of the battery: each a query and the observations it holds, by alias (no
    /// alias: the whole answer). The same for every user and every round.
    fn battery(&self) -> Vec<(String, Keys)> {
        let schema = &self.schema;
        let month = Utc::now().format("%Y-%m").to_string();
        let mut whole = Vec::new();
        let mut lists = Vec::new();
        for field in schema.query_fields() {
            let name = field["name"].as_str().unwrap();
            let required = Schema::required_args(field);
            let month_only = required.len() == 1 && required[0]["name"] == "month";
            if !required.is_empty() && !month_only {
                // Single-id queries are asked for every id the user saw (see `view`); `labels`
                // is reference data, the same for everyone at all times.
                let single_id = required.len() == 1 && Schema::named(&required[0]["type"]).1 == "ID";
                assert!(single_id || name == "labels", "the suite does not know how to call {name}");
                continue;
            }
            let since = self.since_filter(field);
            let mut args = Vec::new();
            if month_only {
                args.push(format!("month: \"{month}\""));
            }
            if Schema::has_arg(field, "first") {
                args.push("first: 100".to_owned());
            }
            if let Some(since) = &since {
                args.push(format!("filter: {{ {since} }}"));
            }
            let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
            let (kind, inner) = Schema::named(&field["type"]);
            let selection = if kind == "SCALAR" || kind == "ENUM" {
                String::new()
            } else {
                format!("{{ {} }}", schema.selection(inner, 1))
            };
            whole.push((format!("{{ {name}{args} {selection} }}"), vec![(None, format!("{name}{args}"))]));

            // The list under every enum and boolean filter value, and every order.
            if !inner.ends_with("Connection") {
                continue;
            }
            let mut variants = Vec::new();
            if let Some(filter_type) = Schema::arg_type(field, "filter") {
                for input in schema.input_fields(filter_type) {
                    let input_name = input["name"].as_str().unwrap();
                    let (kind, type_name) = Schema::named(&input["type"]);
                    let values: Vec<String> = match kind {
                        "ENUM" => schema.enum_values(type_name).into_iter().map(str::to_owned).collect(),
                        "SCALAR" if type_name == "Boolean" => vec!["true".into(), "false".into()],
                        _ => continue,
                    };
                    for value in values {
                        let value = if Schema::is_list(&input["type"]) { format!("[{value}]") } else { value };
                        let mut parts = vec![format!("{input_name}: {value}")];
                        parts.extend(since.clone());
                        variants.push(format!("filter: {{ {} }}", parts.join(", ")));
                    }
                }
            }
            if let Some(order_type) = Schema::arg_type(field, "orderBy") {
                let inputs = schema.input_fields(order_type);
                let enum_of = |n: &str| {
                    inputs.iter().find(|i| i["name"] == n).map(|i| schema.enum_values(Schema::named(&i["type"]).1))
                };
                for f in enum_of("field").unwrap_or_default() {
                    for d in enum_of("direction").unwrap_or_default() {
                        let filter = since.as_ref().map(|s| format!(", filter: {{ {s} }}")).unwrap_or_default();
                        variants.push(format!("orderBy: {{ field: {f}, direction: {d} }}{filter}"));
                    }
                }
            }
            for variant in variants {
                lists.push((
                    format!("{name}({variant})"),
                    format!("{name}(first: 100, {variant}) {{ totalCount nodes {{ id }} }}"),
                ));
            }
        }
        // Lists go in aliased chunks: one request asks many questions.
        for chunk in lists.chunks(CHUNK) {
            let body: Vec<String> = chunk.iter().enumerate().map(|(i, (_, q))| format!("o{i}: {q}")).collect();
            let keys = chunk.iter().enumerate().map(|(i, (k, _))| (Some(format!("o{i}")), k.clone())).collect();
            whole.push((format!("{{ {} }}", body.join(" ")), keys));
        }
        whole
    }

    /// `from`/`to` filter fields of type DateTime mark a list of events in time (the audit log):
    /// the suite observes it as it stood when the suite began.
    fn since_filter(&self, field: &Value) -> Option<String> {
        let filter_type = Schema::arg_type(field, "filter")?;
        let to = self.schema.input_fields(filter_type).into_iter().find(|i| i["name"] == "to")?;
        (Schema::named(&to["type"]).1 == "DateTime").then(|| format!("to: \"{}\"", self.since.to_rfc3339()))
    }

    /// Everything `user` observes now.
    async fn view(&mut self, user: &str) -> View {
        let token = self.tokens[user].clone();
        let mut view = View::new();
        let mut ids = BTreeSet::new();
        for (query, keys) in self.battery() {
            let body = self.app.gql(Some(&token), &query, json!({})).await;
            collect_ids(&body, &mut ids);
            observe(&mut view, user, &body, keys);
        }
        // Every single-id query for every id the user saw.
        let single: Vec<(String, String, Option<String>)> = self
            .schema
            .query_fields()
            .into_iter()
            .filter_map(|field| {
                let required = Schema::required_args(field);
                (required.len() == 1 && Schema::named(&required[0]["type"]).1 == "ID").then(|| {
                    // The record's walk is written once per request, as a fragment.
                    let (kind, inner) = Schema::named(&field["type"]);
                    let fragment = if kind == "SCALAR" || kind == "ENUM" {
                        None
                    } else {
                        Some(format!("fragment F on {inner} {{ {} }}", self.schema.selection(inner, 1)))
                    };
                    (
                        field["name"].as_str().unwrap().to_owned(),
                        required[0]["name"].as_str().unwrap().to_owned(),
                        fragment,
                    )
                })
            })
            .collect();
        let ids: Vec<String> = ids.into_iter().collect();
        for (name, arg, fragment) in &single {
            let spread = if fragment.is_some() { "{ ...F }" } else { "" };
            for chunk in ids.chunks(ID_CHUNK) {
                let parts: Vec<String> =
                    chunk.iter().enumerate().map(|(i, id)| format!("n{i}: {name}({arg}: \"{id}\") {spread}")).collect();
                let keys =
                    chunk.iter().enumerate().map(|(i, id)| (Some(format!("n{i}")), format!("{name}({id})"))).collect();
                let query = format!("{{ {} }} {}", parts.join(" "), fragment.as_deref().unwrap_or(""));
                let body = self.app.gql(Some(&token), &query, json!({})).await;
                observe(&mut view, user, &body, keys);
            }
        }
        for file in EXPORTS {
            let path = format!("/export/{file}.csv");
            let (status, bytes) = download(self.app, Some(&token), &path).await;
            view.insert(path, format!("{status} {}", String::from_utf8_lossy(&bytes)));
        }
        self.observations += view.len();
        view
    }

    async fn views(&mut self) -> BTreeMap<&'static str, View> {
        let mut views = BTreeMap::new();
        for user in USERS {
            views.insert(user, self.view(user).await);
        }
        views
    }
}

/// Splits an answer into its observations: each alias's data with the errors on its path.
/// Answers may be data or a refusal the user is meant to get; anything else (a complexity
/// error, `INTERNAL`) would make the observation blind, so it fails the suite.
fn observe(view: &mut View, user: &str, body: &Value, keys: Keys) {
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    for error in &errors {
        let code = error["extensions"]["code"].as_str().unwrap_or("");
        assert!(matches!(code, "FORBIDDEN" | "NOT_FOUND"), "{user} asking {keys:?}: {error}");
    }
    for (alias, key) in keys {
        let answer = match &alias {
            None => body.clone(),
            Some(alias) => {
                let own: Vec<&Value> = errors.iter().filter(|e| e["path"][0] == alias.as_str()).collect();
                json!({ "data": body["data"][alias], "errors": own })
            }
        };
        view.insert(key, normalise(answer));
    }
}

/// Request ids differ per request and say nothing of the data.
fn normalise(mut body: Value) -> String {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("requestId");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut body);
    body.to_string()
}

/// The users whose view changed between two rounds, with one differing observation each.
fn changed(
    before: &BTreeMap<&'static str, View>,
    after: &BTreeMap<&'static str, View>,
) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for user in USERS {
        let (b, a) = (&before[user], &after[user]);
        let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        if let Some(key) = keys.into_iter().find(|k| b.get(*k) != a.get(*k)) {
            let show = |v: Option<&String>| v.map(|s| s.chars().take(300).collect::<String>()).unwrap_or_default();
            out.insert(user, format!("{key}\n    before: {}\n    after:  {}", show(b.get(key)), show(a.get(key))));
        }
    }
    out
}

/// The failures of one scenario: a user outside `may_see` who observed the change, or nobody
/// in it who did (the scenario must change something).
fn interference(
    scenario: &str,
    may_see: &[&str],
    before: &BTreeMap<&'static str, View>,
    after: &BTreeMap<&'static str, View>,
) -> Vec<String> {
    let changed = changed(before, after);
    let mut failures: Vec<String> = changed
        .iter()
        .filter(|(user, _)| !may_see.contains(user))
        .map(|(user, diff)| format!("LEAK in \"{scenario}\": {user} observed {diff}"))
        .collect();
    if !may_see.iter().any(|u| changed.contains_key(u)) {
        failures.push(format!("\"{scenario}\" changed nothing that {may_see:?} can see: the scenario tests nothing"));
    }
    failures
}

/// An ordinary lead of the coordination office, VERIFYING by the police station, then marked
/// umbrella by the coordination office: the police once held its handling, and must now see
/// nothing of what the discipline commission does with it.
async fn lead_taken_from_the_police(app: &TestApp, coord: &str) -> String {
    let register = json!({ "source": "PUBLIC_REPORT", "category": "VICE", "summary": "某歌厅涉黄",
                           "receivedAt": "2026-11-20T09:00:00+08:00" });
    let lead = app.mutate(coord, "registerLead", register, "lead { id }").await;
    let id = lead["lead"]["id"].as_str().unwrap().to_owned();
    app.mutate_typed(coord, "startLeadReview", "LeadStepInput", json!({ "leadId": id }), "lead { id }").await;
    app.mutate(coord, "decideLead", json!({ "leadId": id, "decision": "LOCAL_HANDLING" }), "lead { id }").await;
    let police = global_id("OrgUnit", app.unit_id("清河派出所").await);
    let assign = json!({ "leadId": id, "assigneeUnitId": police, "responsibleLeader": "王所长",
                         "responsiblePerson": "李警官", "measures": "走访核实", "deadline": "2099-03-01T10:00:00+08:00" });
    app.mutate(coord, "assignLead", assign, "lead { id }").await;
    app.mutate(coord, "markLeadUmbrella", json!({ "leadId": id, "reason": "涉及公职人员" }), "lead { id }").await;
    id
}

/// A person of 东庄村 with no judicial tag who is no subject of any lead: police and the
/// coordination office read its record, the village only its basic fields.
async fn plain_person(app: &TestApp) -> person::Model {
    let db = &app.state.db;
    let dongzhuang = village::Entity::find().filter(village::Column::Name.eq("东庄村")).one(db).await.unwrap().unwrap();
    let tagged: BTreeSet<_> =
        person_judicial_tag::Entity::find().all(db).await.unwrap().into_iter().map(|t| t.person_id).collect();
    let subjects: BTreeSet<_> =
        lead_subject::Entity::find().all(db).await.unwrap().into_iter().filter_map(|s| s.person_id).collect();
    person::Entity::find()
        .filter(person::Column::VillageId.eq(dongzhuang.id))
        .filter(person::Column::Status.eq(RecordStatus::Active))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| !tagged.contains(&p.id) && !subjects.contains(&p.id))
        .expect("a plain person in 东庄村")
}

#[tokio::test]
async fn no_role_observes_a_change_it_holds_no_group_of() {
    let app = TestApp::spawn().await;
    let mut tokens = BTreeMap::new();
    for user in USERS {
        tokens.insert(user, app.login(user).await);
    }
    let coord = tokens["coord"].clone();
    let taken = lead_taken_from_the_police(&app, &coord).await;
    let person = plain_person(&app).await;
    // Duties already owed are raised before the first observation, so a later sweep raises only
    // what a scenario caused.
    pingan::rules::sweep_all(&app.state.db, &app.state.task_events, Utc::now()).await.unwrap();
    let schema = Schema::load(&app, &coord).await;
    let mut suite = Suite { app: &app, schema, tokens, since: Utc::now(), observations: 0 };
    let mut before = suite.views().await;

    // 1. The deadlines of the umbrella leads pass: their handling is the discipline commission's.
    lead::Entity::update_many()
        .col_expr(lead::Column::Deadline, Expr::value(Utc::now() - Duration::days(1)))
        .filter(lead::Column::Umbrella.eq(true))
        .filter(lead::Column::Status.eq(LeadStatus::Verifying))
        .exec(&app.state.db)
        .await
        .unwrap();
    pingan::rules::sweep_all(&app.state.db, &app.state.task_events, Utc::now()).await.unwrap();
    let after = suite.views().await;
    let mut failures = interference("an umbrella lead's deadline passes", &["jiwei"], &before, &after);
    before = after;

    // 2. The discipline commission concludes the umbrella lead it took from the police: its
    //    coarse status is in the shell the coordination office (its receiving unit) reads.
    let conclude = json!({ "leadId": taken, "outcome": "SUBSTANTIATED", "text": "查实，已移送司法机关" });
    app.mutate(&suite.tokens["jiwei"].clone(), "concludeLead", conclude, "lead { id }").await;
    let after = suite.views().await;
    let scenario = "the discipline commission concludes an umbrella lead";
    failures.extend(interference(scenario, &["jiwei", "coord"], &before, &after));
    before = after;

    // 3. The police change a person's notes (theirs alone) and categories (record: police and the
    //    coordination office); the village reads the person's basic fields only.
    let update = json!({ "id": global_id("Person", person.id), "expectedVersion": person.version,
                         "notes": "侦查备注：近期与外地人员频繁往来", "categories": ["VICE", "LOCAL_TYRANT"] });
    app.mutate(&suite.tokens["police"].clone(), "updatePerson", update, "person { id }").await;
    let after = suite.views().await;
    let scenario = "the police change a person's notes and categories";
    failures.extend(interference(scenario, &["police", "coord"], &before, &after));

    println!(
        "noninterference: {} users, {} observations in 4 rounds ({} per round on average), 3 scenarios",
        USERS.len(),
        suite.observations,
        suite.observations / 4
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
