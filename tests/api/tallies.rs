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
        let umbrella = if l.umbrella { "Y" } else { "N" };
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
    assert!(after_seed.keys().any(|k| k.1 == "lead" && k.2 == "Y"), "an umbrella lead");
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
