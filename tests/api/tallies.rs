//! The kept counts (`record_tally`) the dashboard and the monthly report read for a viewer who
//! reads a whole town: after a seeded world's batches and after rows are inserted, moved between
//! keys and deleted, each town's counts equal a count of the rows themselves.

use std::collections::BTreeMap;

use entity::enums::{AttentionLevel, EscalationLevel, RecordStatus, RiskLevel, RiskStatus};
use entity::{lead, person, record_tally, risk_item, venue};
use pingan_tests::TestDb;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

type Key = (uuid::Uuid, String, String, String, String);

/// The kept counts, keys with rows only.
async fn kept(conn: &DatabaseConnection) -> BTreeMap<Key, i64> {
    record_tally::Entity::find()
        .all(conn)
        .await
        .expect("tallies")
        .into_iter()
        .filter(|t| t.n != 0)
        .map(|t| ((t.town_id, t.record, t.a, t.b, t.c), t.n))
        .collect()
}

/// The same counts, counted from the rows.
async fn counted(conn: &DatabaseConnection) -> BTreeMap<Key, i64> {
    let mut out = BTreeMap::new();
    let mut add = |town, record: &str, a: String, b: String, c: String| {
        *out.entry((town, record.to_owned(), a, b, c)).or_insert(0) += 1;
    };
    for p in person::Entity::find().all(conn).await.expect("persons") {
        add(p.town_id, "person", p.attention_level.to_value(), p.status.to_value(), String::new());
    }
    for v in venue::Entity::find().all(conn).await.expect("venues") {
        add(v.town_id, "venue", v.attention_level.to_value(), v.status.to_value(), String::new());
    }
    for l in lead::Entity::find().all(conn).await.expect("leads") {
        let umbrella = if l.umbrella { record_tally::UMBRELLA } else { record_tally::NOT_UMBRELLA };
        add(l.town_id, "lead", umbrella.to_owned(), l.status.to_value(), String::new());
    }
    for r in risk_item::Entity::find().all(conn).await.expect("risk items") {
        let level = r.level.map(|l| l.to_value()).unwrap_or_default();
        add(r.town_id, "risk_item", level, r.status.to_value(), r.escalation_level.to_value());
    }
    out
}

#[tokio::test]
async fn kept_counts_equal_the_rows_after_a_seed_and_after_rows_move_between_keys() {
    let db = TestDb::create().await;
    let conn = pingan::db::connect(&db.url).await.expect("connect");
    pingan::db::migrate(&conn).await.expect("migrate");
    pingan::demo::seed(&conn, 300, 5, &|_| {}).await.expect("seed");
    let after_seed = counted(&conn).await;
    assert!(after_seed.keys().any(|k| k.1 == "risk_item" && k.2.is_empty()), "an unassessed risk item");
    assert!(after_seed.keys().any(|k| k.1 == "lead" && k.2 == record_tally::UMBRELLA), "an umbrella lead");
    assert_eq!(kept(&conn).await, after_seed);

    // Updates that move rows between keys, one that moves none, and one of another column.
    let persons = person::Entity::find().order_by_asc(person::Column::Id).all(&conn).await.expect("persons");
    let mut moved = persons[0].clone().into_active_model();
    moved.attention_level = Set(AttentionLevel::Special);
    moved.status = Set(RecordStatus::Delisted);
    moved.update(&conn).await.expect("move a person");
    let mut same = persons[1].clone().into_active_model();
    same.attention_level = Set(persons[1].attention_level);
    same.update(&conn).await.expect("rewrite a person's key unchanged");
    let mut named = persons[2].clone().into_active_model();
    named.name = Set(format!("{}·", persons[2].name));
    named.update(&conn).await.expect("rename a person");
    person::Entity::update_many()
        .col_expr(person::Column::AttentionLevel, sea_orm::sea_query::Expr::value(AttentionLevel::Key.to_value()))
        .filter(person::Column::Id.is_in(persons.iter().skip(3).take(40).map(|p| p.id)))
        .exec(&conn)
        .await
        .expect("move forty persons");
    let venues = venue::Entity::find().order_by_asc(venue::Column::Id).all(&conn).await.expect("venues");
    let mut delisted = venues[0].clone().into_active_model();
    delisted.status = Set(RecordStatus::Delisted);
    delisted.update(&conn).await.expect("delist a venue");
    let leads = lead::Entity::find().order_by_asc(lead::Column::Id).all(&conn).await.expect("leads");
    for l in leads.iter().take(3) {
        let mut flipped = l.clone().into_active_model();
        flipped.umbrella = Set(!l.umbrella);
        flipped.update(&conn).await.expect("flip a lead's umbrella flag");
    }
    let risks = risk_item::Entity::find().order_by_asc(risk_item::Column::Id).all(&conn).await.expect("risks");
    for (i, r) in risks.iter().take(4).enumerate() {
        let mut changed = r.clone().into_active_model();
        changed.level = Set(if i % 2 == 0 { None } else { Some(RiskLevel::High) });
        changed.status = Set(RiskStatus::Resolved);
        changed.escalation_level = Set(EscalationLevel::District);
        changed.update(&conn).await.expect("move a risk item");
    }

    // A row inserted and one deleted.
    let mut copy = persons[5].clone();
    copy.id = uuid::Uuid::now_v7();
    copy.id_number = format!("{}X", &copy.id_number[..17]);
    copy.link_of_person_id = None;
    let copy = copy.into_active_model().reset_all().insert(&conn).await.expect("insert a person");
    let mut extra = copy.clone();
    extra.id = uuid::Uuid::now_v7();
    extra.name = format!("{}二", copy.name);
    extra.id_number = format!("{}Y", &copy.id_number[..17]);
    let extra = extra.into_active_model().reset_all().insert(&conn).await.expect("insert another");
    person::Entity::delete_by_id(extra.id).exec(&conn).await.expect("delete it");

    let now = counted(&conn).await;
    assert_ne!(now, after_seed, "the changes moved some counts");
    assert_eq!(kept(&conn).await, now);
    conn.close().await.ok();
}

/// A write that deadlocks on the kept counts (PostgreSQL rolls one transaction back) is answered
/// `UNAVAILABLE`, HTTP 503 with `Retry-After`, like any outage the same request may outlive; it
/// writes nothing, and the counts still equal the rows.
#[tokio::test]
async fn a_write_rolled_back_by_a_deadlock_is_unavailable_and_writes_nothing() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    use serde_json::json;
    if TestDb::backend() != "postgres" {
        eprintln!("skipped: a deadlock needs two writers holding row locks; SQLite has one writer at a time");
        return;
    }
    let app = pingan_tests::TestApp::spawn().await;
    let police = app.login("police").await;
    let villages = app.gql(Some(&police), "{ villages { id } }", json!({})).await;
    let id_number = pingan_tests::id_for("19900307", "417");
    let input = json!({ "name": "死锁", "idNumber": id_number, "villageId": villages["data"]["villages"][0]["id"],
                        "attentionLevel": "KEY", "categories": ["VICE"] });

    // Another writer holds every person count of every town, and waits long before it looks for
    // a deadlock itself, so the server's transaction is the one PostgreSQL rolls back.
    let other = pingan::db::connect(&app.db.url).await.expect("connect");
    let txn = other.begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL deadlock_timeout = '30s'").await.unwrap();
    txn.execute_unprepared("UPDATE record_tally SET n = n WHERE record = 'person'").await.unwrap();

    // The server inserts the person, then waits for the count's row ...
    let query = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }";
    let request = app.client.post(app.url("/graphql")).bearer_auth(&police);
    let answer = tokio::spawn(request.json(&json!({ "query": query, "variables": { "input": input } })).send());
    let town = entity::town::Entity::find()
        .filter(entity::town::Column::Name.eq("清河镇"))
        .one(&other)
        .await
        .unwrap()
        .expect("the police's town");
    let waiting =
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO%person%'";
    for _ in 0..100 {
        let row = other.query_one_raw(sea_orm::Statement::from_string(other.get_database_backend(), waiting)).await;
        if row.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // ... while this writer inserts the same national ID in the same town, so it waits for the
    // server's transaction: a cycle.
    let same = format!(
        "INSERT INTO person (id, town_id, village_id, name, gender, birth_date, id_number, attention_level, \
         level_since, responsible_officer_id, listed_at, status, notes, created_by_unit_id, link_of_person_id, \
         version, created_at, updated_at) \
         SELECT gen_random_uuid(), town_id, village_id, name, gender, birth_date, '{id_number}', attention_level, \
         level_since, responsible_officer_id, listed_at, status, notes, created_by_unit_id, NULL, 1, now(), now() \
         FROM person WHERE town_id = '{}' LIMIT 1",
        town.id
    );
    txn.execute_unprepared(&same).await.expect("the other writer goes on once the server's transaction is rolled back");
    let response = answer.await.unwrap().expect("an answer");
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(pingan_tests::error_code(&body), Some("UNAVAILABLE"), "{body}");
    txn.rollback().await.unwrap();

    let written = person::Entity::find().filter(person::Column::IdNumber.eq(id_number)).all(&other).await.unwrap();
    assert!(written.is_empty(), "nothing of the rolled-back write is left");
    assert_eq!(kept(&other).await, counted(&other).await);
}
