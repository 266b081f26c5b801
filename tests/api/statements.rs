//! Queries are bounded: every list, with every relation of its nodes selected (from
//! introspection, one level of records deep), costs about the same number of SQL statements for
//! a page of 10 as for a page of 50, for every demo user. The larger page may meet a kind of
//! relation the smaller one lacks (a task whose target is a lead, not a person), which costs one
//! batch more per kind with its own relations, at most `KINDS` batches in all; a relation read row
//! by row would cost one more statement per row, 40 more.

use std::sync::atomic::Ordering;

use pingan_tests::schema::{Schema, USERS};
use pingan_tests::{TestApp, TestDb, test_config};
use serde_json::json;

const SMALL: usize = 10;
const LARGE: usize = 50;
/// Batches a larger page may add (see above): a task's targets of three more kinds, each with
/// its own relations (a meeting's units and decisions, a risk item's plan with its revisions
/// and drills, …). Measured on the police's tasks: 28 statements for pages of 10 to 25 rows
/// (three kinds of target), 45 for 35 to 100 (six kinds); a relation read row by row would add
/// one statement per row, 36 or more.
const KINDS: u64 = 24;

#[tokio::test]
async fn every_list_with_its_relations_costs_no_statement_per_row() {
    // A world where every list has two pages of 10 or more for someone.
    let db = TestDb::create().await;
    let conn = pingan::db::connect(&db.url).await.expect("connect");
    pingan::db::migrate(&conn).await.expect("migrate");
    pingan::demo::seed(&conn, 3_000, 3, &|_| {}).await.expect("seed");
    add_officers(&conn, 20).await;
    conn.close().await.ok();
    let config = test_config(&db.url);
    let app = TestApp::start(db, config).await;
    let coord = app.login("coord").await;
    let schema = Schema::load(&app, &coord).await;
    let mut compared = Vec::new();
    for user in USERS {
        let token = app.login(user).await;
        for (field, name, connection) in schema.lists() {
            let node = connection.trim_end_matches("Connection");
            let selection = schema.selection(node, 1);
            // The whole list, and the list a mobile client syncs (`changedSince`, where the
            // filter has it): a filter must not cost a statement per row either.
            let mut variants = vec![(String::new(), name.to_owned())];
            if changed_since(&schema, field) {
                let since = "filter: { changedSince: \"1970-01-01T00:00:00Z\" }, ";
                variants.push((since.to_owned(), format!("{name}~changedSince")));
            }
            for (filter, label) in variants {
                let query =
                    format!("query($n: Int) {{ list: {name}({filter}first: $n) {{ nodes {{ {selection} }} }} }}");
                let mut counts = Vec::new();
                for n in [SMALL, LARGE] {
                    let before = app.state.statements.load(Ordering::SeqCst);
                    let body = app.gql(Some(&token), &query, json!({ "n": n })).await;
                    let after = app.state.statements.load(Ordering::SeqCst);
                    let Some(nodes) = body["data"]["list"]["nodes"].as_array() else { break };
                    assert!(body["errors"].is_null(), "{user} {label}: {body}");
                    counts.push((nodes.len(), after - before));
                }
                if let [(small, at_small), (large, at_large)] = counts[..]
                    && large >= 2 * SMALL
                {
                    assert_eq!(small, SMALL);
                    assert!(
                        at_large <= at_small + KINDS,
                        "{user}: {label} costs {at_small} statements for {SMALL} rows, {at_large} for {large}"
                    );
                    compared.push(format!("{user}:{label}"));
                }
            }
        }
    }
    // Every list was compared for some user.
    for (field, name, _) in schema.lists() {
        assert!(
            compared.iter().any(|c| c.ends_with(&format!(":{name}"))),
            "{name} never had {} rows: {compared:?}",
            2 * SMALL
        );
        if changed_since(&schema, field) {
            assert!(
                compared.iter().any(|c| c.ends_with(&format!(":{name}~changedSince"))),
                "{name} filtered by changedSince never had {} rows: {compared:?}",
                2 * SMALL
            );
        }
    }
}

/// Whether the list's filter has `changedSince`.
fn changed_since(schema: &Schema, field: &serde_json::Value) -> bool {
    Schema::arg_type(field, "filter")
        .is_some_and(|filter| schema.input_fields(filter).iter().any(|i| i["name"] == "changedSince"))
}

/// Officers of Qinghe's police station beside the demo users, so the admin's `users` list has
/// two pages of 10 too.
async fn add_officers(db: &sea_orm::DatabaseConnection, count: usize) {
    use entity::{app_user, org_unit};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let station = org_unit::Entity::find().filter(org_unit::Column::Name.eq("清河派出所"));
    let station = station.one(db).await.expect("query").expect("the police station");
    let now = chrono::Utc::now();
    for i in 0..count {
        app_user::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            town_id: Set(station.town_id),
            org_unit_id: Set(station.id),
            username: Set(format!("officer{i:02}")),
            display_name: Set(format!("民警 {i}")),
            role: Set(entity::enums::Role::Police),
            password_hash: Set(app_user::NO_PASSWORD.to_owned()),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert an officer");
    }
}
