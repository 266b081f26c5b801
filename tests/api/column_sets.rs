//! A page reads only the columns its answer shows (`Columns`, `fetch::list_shown`), and the
//! columns every row's field groups and grants are decided by (`Resource::DECIDED_BY`).
//!
//! Two suites hold that up. For every demo user and every listed resource, every atom of the
//! policy language decided on each row, the groups held on it and every action of the policy
//! granted on it are the same on rows read with only the deciding columns as on whole rows. For every field of every node type a page shows
//! (from introspection), asked alone on a page through `nodes` and again through
//! `edges { node }`, each row's answer is the answer of the single read of that row, which
//! reads the whole record.

use std::collections::{BTreeMap, BTreeSet};

use pingan::access::Atom;
use pingan::access::page::PageArgs;
use pingan::access::resource::{
    AuditEntries, LawyerReports, Leads, Meetings, Persons, RiskItems, Tasks, Users, Venues,
};
use pingan::access::store::{Columns, Listed, Sort, Store};
use pingan_tests::TestApp;
use pingan_tests::schema::{Schema, USERS};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::{Value, json};

#[tokio::test]
async fn groups_and_grants_on_rows_read_with_the_deciding_columns_are_those_on_whole_rows() {
    let app = TestApp::spawn().await;
    let mut tally = Tally::new();
    for viewer in &pingan_tests::viewers(&app).await {
        let store = Store::new(&app.state.access, viewer);
        let db = &app.state.db;
        same::<Persons>(&store, db, &mut tally).await;
        same::<Venues>(&store, db, &mut tally).await;
        same::<Leads>(&store, db, &mut tally).await;
        same::<RiskItems>(&store, db, &mut tally).await;
        same::<Tasks>(&store, db, &mut tally).await;
        same::<Meetings>(&store, db, &mut tally).await;
        same::<LawyerReports>(&store, db, &mut tally).await;
        same::<AuditEntries>(&store, db, &mut tally).await;
        same::<Users>(&store, db, &mut tally).await;
    }
    // Every resource that reads fewer columns was compared on rows where an atom it decides on
    // a row holds (a village's own villagers) and where it does not.
    for (name, (rows, held)) in &tally {
        assert!(*rows > 0 && *held > 0, "{name}: {rows} rows, {held} atoms held");
    }
    assert!(tally.contains_key("person"), "{tally:?}");
}

/// Per resource that reads fewer columns: rows compared, and atoms decided to hold on them.
type Tally = BTreeMap<&'static str, (usize, usize)>;

/// Compares, page by page in the default order, the rows of `R` read with only the columns
/// every page reads and read whole: every atom of the policy language decided on the row, the
/// groups held on it and every action of the policy granted on it.
async fn same<R: Listed>(store: &Store<'_>, db: &DatabaseConnection, tally: &mut Tally)
where
    R::Filter: Default,
    R::Order: Default,
{
    let who = &store.viewer.username;
    let actions: BTreeSet<String> =
        store.access.rules().into_iter().filter(|rule| rule[2] == R::NAME).map(|rule| rule[3].clone()).collect();
    let mut args = PageArgs::forward(25, None);
    loop {
        let Ok(whole) = store.list::<R>(db, R::Filter::default(), Sort::default(), &args).await else { return };
        let read = Columns::<R>::reading([]);
        let narrow = store.list_reading::<R>(db, R::Filter::default(), Sort::default(), &args, read).await.unwrap();
        assert_eq!(whole.rows().len(), narrow.rows().len(), "{who}: {}", R::NAME);
        for ((place, (row, groups)), (narrow_place, (narrow_row, narrow_groups))) in
            whole.rows().iter().zip(narrow.rows())
        {
            let id = R::row_id(row);
            assert_eq!((place.cursor(), id), (narrow_place.cursor(), R::row_id(narrow_row)), "{who}: {}", R::NAME);
            assert_eq!(groups.names(), narrow_groups.names(), "{who}: groups on {} {id}", R::NAME);
            for action in &actions {
                let on_whole = store.access.can_on_row::<R>(store.viewer, action, row);
                let on_narrow = store.access.can_on_row::<R>(store.viewer, action, narrow_row);
                assert_eq!(on_whole, on_narrow, "{who}: {action} on {} {id}", R::NAME);
            }
            let mut held = 0;
            for atom in Atom::all() {
                let on_whole = R::atom_on_row(atom, store.viewer, row);
                assert_eq!(on_whole, R::atom_on_row(atom, store.viewer, narrow_row), "{who}: {atom:?} on {id}");
                held += usize::from(on_whole == Some(true) && !matches!(atom, Atom::Town | Atom::Row));
            }
            if R::DECIDED_BY.is_some() {
                let entry = tally.entry(R::NAME).or_default();
                entry.0 += 1;
                entry.1 += held;
            }
        }
        if !whole.has_next {
            return;
        }
        args = PageArgs::forward(25, whole.rows().last().map(|(place, _)| place.cursor()));
    }
}

/// The two ways a page shows its rows; `SEL` stands for the selection of one field.
const SHAPES: [&str; 2] = ["nodes { id SEL }", "edges { node { id SEL } }"];

/// Every list of the query root whose rows are records (`Node`s), every field of its node
/// type, every demo user: the page (through `nodes`, and again through `edges { node }`) shows
/// each row as `node(id:)` shows it, which reads the whole record. Every demo person is on the
/// ledger, the blank of `status`: one whose talk is overdue is delisted first (a delisted
/// person's talk is never overdue), so a field reading the status without saying so shows a
/// difference.
#[tokio::test]
async fn every_field_a_page_shows_is_what_the_single_read_shows() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let overdue =
        app.gql(Some(&police), "{ people(first: 100) { nodes { id talkStatus { overdue } } } }", json!({})).await;
    let overdue =
        overdue["data"]["people"]["nodes"].as_array().unwrap().iter().find(|p| p["talkStatus"]["overdue"] == true);
    let delisted = entity::person::ActiveModel {
        id: Set(pingan_tests::uuid_of(&overdue.expect("a person whose talk is overdue")["id"])),
        status: Set(entity::enums::RecordStatus::Delisted),
        ..Default::default()
    };
    delisted.update(&app.state.db).await.unwrap();
    let token = app.login("coord").await;
    let schema = Schema::load(&app, &token).await;
    let records = schema.possible_types("Node");
    let mut tokens = Vec::new();
    for user in USERS {
        tokens.push((user, app.login(user).await));
    }
    let mut compared = BTreeSet::new();
    for (_, list, connection) in schema.lists() {
        let node = schema.node_type(connection);
        if !records.contains(&node) {
            continue;
        }
        for field in schema.fields(&node) {
            let name = field["name"].as_str().unwrap();
            assert!(Schema::required_args(field).is_empty(), "{node}.{name}: a required argument");
            let Some(selection) = schema.field_selection(field, 2) else { continue };
            for ((user, token), shape) in tokens.iter().flat_map(|t| SHAPES.map(|shape| (t, shape))) {
                let shape = shape.replace("SEL", &selection);
                let body = app.gql(Some(token), &format!("{{ {list}(first: 100) {{ {shape} }} }}"), json!({})).await;
                let page = &body["data"][list];
                if page.is_null() {
                    // A viewer refused the list is refused it whatever the page shows.
                    assert!(body["errors"].is_array(), "{user}: {list}: {body}");
                    continue;
                }
                let nodes: Vec<&Value> = match page.get("nodes") {
                    Some(nodes) => nodes.as_array().unwrap().iter().collect(),
                    None => page["edges"].as_array().unwrap().iter().map(|edge| &edge["node"]).collect(),
                };
                for (chunk, rows) in nodes.chunks(10).enumerate() {
                    let singles: Vec<String> = (0..rows.len())
                        .map(|i| format!("r{i}: node(id: {}) {{ ... on {node} {{ id {selection} }} }}", rows[i]["id"]))
                        .collect();
                    let one = app.gql(Some(token), &format!("{{ {} }}", singles.join(" ")), json!({})).await;
                    assert!(one["errors"].is_null(), "{user}: {node}.{name} by node(id:): {one}");
                    for (i, row) in rows.iter().enumerate() {
                        let single = &one["data"][format!("r{i}")];
                        assert_eq!(*row, single, "{user}: {list} {{ {shape} }}, row {}", chunk * 10 + i);
                        if !row[name].is_null() {
                            compared.insert(format!("{node}.{name} {}", &shape[..5]));
                        }
                    }
                }
            }
        }
    }
    // Every field of the persons' page was compared on rows that show it, through both shapes.
    for field in schema.fields("Person") {
        let name = field["name"].as_str().unwrap();
        for shape in SHAPES {
            let key = format!("Person.{name} {}", &shape[..5]);
            assert!(compared.contains(&key), "{key} was not compared on a value");
        }
    }
}
