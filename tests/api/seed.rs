//! `pingan seed`: a synthetic world of any size on top of the demo world, for benchmarks.

use std::collections::BTreeSet;

use entity::enums::LeadStatus;
use pingan_tests::{TestApp, TestDb, test_config};
use sea_orm::{EntityTrait, Iterable, PaginatorTrait};
use serde_json::json;

const PERSONS: usize = 400;

async fn seeded(seed: u64) -> (TestDb, pingan::demo::Counts) {
    let db = TestDb::create().await;
    let conn = pingan::db::connect(&db.url).await.expect("connect");
    pingan::db::migrate(&conn).await.expect("migrate");
    let counts = pingan::demo::seed(&conn, PERSONS, seed, &|_| {}).await.expect("seed");
    conn.close().await.ok();
    (db, counts)
}

async fn ids(url: &str) -> (BTreeSet<(uuid::Uuid, String, String)>, BTreeSet<uuid::Uuid>) {
    let conn = pingan::db::connect(url).await.expect("connect");
    let persons = entity::person::Entity::find().all(&conn).await.expect("persons");
    let leads = entity::lead::Entity::find().all(&conn).await.expect("leads");
    conn.close().await.ok();
    (persons.into_iter().map(|p| (p.id, p.name, p.id_number)).collect(), leads.into_iter().map(|l| l.id).collect())
}

#[tokio::test]
async fn a_seeded_world_has_every_kind_of_record_in_proportion_and_serves_the_demo_logins() {
    let (db, counts) = seeded(7).await;
    assert_eq!(counts.persons, PERSONS);
    assert_eq!(counts.talks, 3 * PERSONS);
    assert_eq!(counts.venues, PERSONS / 10);
    assert_eq!(counts.leads, PERSONS / 20);
    assert_eq!(counts.risk_items, PERSONS / 50);
    assert_eq!(counts.tasks, PERSONS / 50);
    assert_eq!(counts.meetings, PERSONS / 50);
    assert!(counts.decisions >= counts.meetings, "every meeting has a decision");
    assert_eq!(counts.lawyer_reports, PERSONS / 50);

    // Leads in every state (each town's first leads take the states in turn).
    let conn = pingan::db::connect(&db.url).await.expect("connect");
    let leads = entity::lead::Entity::find().all(&conn).await.expect("leads");
    let states: BTreeSet<String> = leads.iter().map(|l| format!("{:?}", l.status)).collect();
    for status in LeadStatus::iter() {
        assert!(states.contains(&format!("{status:?}")), "no lead is {status:?}");
    }
    assert!(leads.iter().any(|l| l.umbrella), "no umbrella lead");
    // Each town's counter for a year stands at its highest serial, so the next registration
    // continues after the seeded ones.
    let counters = entity::lead_serial_counter::Entity::find().all(&conn).await.expect("counters");
    for lead in &leads {
        let counter = counters.iter().find(|c| c.town_id == lead.town_id && c.year == lead.serial_year);
        assert!(
            counter.is_some_and(|c| c.last_number >= lead.serial_number),
            "serial {} past its counter",
            lead.serial
        );
    }
    let persons = entity::person::Entity::find().count(&conn).await.expect("count");
    conn.close().await.ok();

    // The demo logins work on it, and the police read their town's page with its talks.
    let config = test_config(&db.url);
    let app = TestApp::start(db, config).await;
    let police = app.login("police").await;
    let query = "{ people(first: 50, orderBy: {field: NAME}) { totalCount nodes { id name talks { id talkedOn } } } }";
    let body = app.gql(Some(&police), query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let nodes = body["data"]["people"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 50);
    assert!(nodes.iter().any(|n| n["talks"].as_array().is_some_and(|t| t.len() == 3)), "{body}");
    // One town's share: its half of the synthetic persons and its demo persons, not the other's.
    let total = body["data"]["people"]["totalCount"].as_u64().expect("total");
    assert!(total >= PERSONS as u64 / 2 && total < persons - PERSONS as u64 / 2, "{total} of {persons}");
}

#[tokio::test]
async fn the_same_seed_gives_the_same_records_and_a_second_seed_is_refused() {
    let (first, _) = seeded(11).await;
    let (second, _) = seeded(11).await;
    let (other, _) = seeded(12).await;
    let (persons, leads) = ids(&first.url).await;
    let (again, again_leads) = ids(&second.url).await;
    let synthetic = |all: &BTreeSet<(uuid::Uuid, String, String)>| -> BTreeSet<String> {
        all.iter().filter(|p| p.2.starts_with("41059")).map(|p| format!("{}:{}:{}", p.0, p.1, p.2)).collect()
    };
    assert_eq!(synthetic(&persons).len(), PERSONS);
    assert_eq!(synthetic(&persons), synthetic(&again));
    assert_eq!(leads.len(), again_leads.len());
    let (different, _) = ids(&other.url).await;
    assert_ne!(synthetic(&persons), synthetic(&different));

    // A database that holds anything is refused, and nothing is added to it.
    let conn = pingan::db::connect(&first.url).await.expect("connect");
    let err = pingan::demo::seed(&conn, 10, 1, &|_| {}).await.expect_err("a second seed must be refused");
    assert!(err.to_string().contains("refusing to seed"), "{err}");
    assert_eq!(entity::person::Entity::find().count(&conn).await.expect("count") as usize, persons.len());
    conn.close().await.ok();
}
