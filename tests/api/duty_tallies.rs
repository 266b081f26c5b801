//! The kept changes of the monthly duty figures (`duty_tally`): for every town, ledger, village
//! and month, the sums of the kept changes equal the talks and inspections due and done counted
//! from the records and their duties by the rule's own words, after a seeded world, after duties
//! are recorded, moved, redated and removed (one at a time and many in one statement), after
//! records change level, status, village and start of level, and after the backfill; and the
//! monthly report of a town and of a village, read from them, gives the same figures.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use entity::enums::{AttentionLevel, RecordStatus};
use entity::{duty_tally, person, person_talk, venue, venue_inspection};
use pingan::domain::levels;
use pingan_tests::TestDb;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

/// (town, ledger, village, year, month) -> (due, done), figures other than (0, 0) only.
type Figures = BTreeMap<(Uuid, &'static str, Uuid, i32, u32), (i64, i64)>;

/// A record under attention as the rule reads it.
struct Record {
    town: Uuid,
    village: Uuid,
    active: bool,
    level: AttentionLevel,
    since: NaiveDate,
    duties: Vec<NaiveDate>,
}

fn last_day(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(next.0, next.1, 1).unwrap() - Duration::days(1)
}

/// The months from `first` to `last`, as (year, month).
fn months(first: NaiveDate, last: NaiveDate) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (first.year(), first.month());
    while (y, m) <= (last.year(), last.month()) {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

async fn records(conn: &DatabaseConnection) -> Vec<(&'static str, Record)> {
    let mut talks: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    for t in person_talk::Entity::find().all(conn).await.expect("talks") {
        talks.entry(t.person_id).or_default().push(t.talked_on);
    }
    let mut inspections: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    for i in venue_inspection::Entity::find().all(conn).await.expect("inspections") {
        inspections.entry(i.venue_id).or_default().push(i.inspected_on);
    }
    let mut out = Vec::new();
    for p in person::Entity::find().all(conn).await.expect("persons") {
        let duties = talks.remove(&p.id).unwrap_or_default();
        let (town, village, active) = (p.town_id, p.village_id, p.status == RecordStatus::Active);
        out.push(("person", Record { town, village, active, level: p.attention_level, since: p.level_since, duties }));
    }
    for v in venue::Entity::find().all(conn).await.expect("venues") {
        let duties = inspections.remove(&v.id).unwrap_or_default();
        let (town, village, active) = (v.town_id, v.village_id, v.status == RecordStatus::Active);
        out.push(("venue", Record { town, village, active, level: v.attention_level, since: v.level_since, duties }));
    }
    out
}

/// The figures counted from the records, by the rule: an ACTIVE record falls due in a month when
/// its level took effect at least its interval before the month's last day and no duty was done
/// after that cut-off and before the month; it is done when it falls due and a duty lies within
/// the month.
async fn counted(conn: &DatabaseConnection, span: &[(i32, u32)]) -> Figures {
    let mut out = Figures::new();
    for (ledger, r) in records(conn).await {
        if !r.active {
            continue;
        }
        let interval = if ledger == "person" {
            levels::talk_interval_days(r.level)
        } else {
            levels::inspection_interval_days(r.level)
        };
        for &(y, m) in span {
            let (first, last) = (NaiveDate::from_ymd_opt(y, m, 1).unwrap(), last_day(y, m));
            let cutoff = last - Duration::days(interval);
            let due = r.since <= cutoff && !r.duties.iter().any(|d| *d > cutoff && *d < first);
            let done = due && r.duties.iter().any(|d| *d >= first && *d <= last);
            if due {
                let figure = out.entry((r.town, ledger, r.village, y, m)).or_insert((0, 0));
                figure.0 += 1;
                figure.1 += i64::from(done);
            }
        }
    }
    out
}

/// The figures from the kept changes: for each month, the sums of the changes up to it.
async fn kept(conn: &DatabaseConnection, span: &[(i32, u32)]) -> Figures {
    let rows = duty_tally::Entity::find().all(conn).await.expect("duty tallies");
    let mut out = Figures::new();
    for row in &rows {
        let ledger = if row.record == "person" { "person" } else { "venue" };
        for &(y, m) in span {
            if row.month <= duty_tally::month_number(y, m) {
                let figure = out.entry((row.town_id, ledger, row.village_id, y, m)).or_insert((0, 0));
                match row.event.as_str() {
                    duty_tally::DUE => figure.0 += row.n,
                    duty_tally::DONE => figure.1 += row.n,
                    other => panic!("unknown event {other}"),
                }
            }
        }
    }
    out.retain(|_, figure| *figure != (0, 0));
    out
}

/// Fails with the figures that differ, if any do.
fn assert_same(kept: &Figures, counted: &Figures, when: &str) {
    let keys: std::collections::BTreeSet<_> = kept.keys().chain(counted.keys()).collect();
    let differ: Vec<String> = keys
        .into_iter()
        .filter(|k| kept.get(k) != counted.get(k))
        .take(12)
        .map(|k| format!("{k:?}: kept {:?}, counted {:?}", kept.get(k), counted.get(k)))
        .collect();
    assert!(differ.is_empty(), "{when}: kept figures differ from the rule's:\n{}", differ.join("\n"));
}

/// Every month from the earliest start of a level to three months from today.
async fn span(conn: &DatabaseConnection) -> Vec<(i32, u32)> {
    let earliest = records(conn).await.iter().map(|(_, r)| r.since).min().expect("records");
    months(earliest - Duration::days(40), chrono::Utc::now().date_naive() + Duration::days(92))
}

#[tokio::test]
async fn kept_duty_changes_equal_the_rule_after_a_seed_after_duties_and_records_change_and_after_a_backfill() {
    use migration::{Migrator, MigratorTrait};
    let (_db, conn) = TestDb::seeded(300).await;
    let span = span(&conn).await;
    let after_seed = counted(&conn, &span).await;
    assert!(after_seed.values().any(|(due, done)| *done > 0 && due > done), "months with duties done and not");
    assert!(after_seed.keys().any(|k| k.1 == "venue"), "venues' inspections");
    assert_same(&kept(&conn, &span).await, &after_seed, "after the seed");

    let today = chrono::Utc::now().date_naive();
    let persons = person::Entity::find()
        .filter(person::Column::Status.eq(RecordStatus::Active))
        .order_by_asc(person::Column::Id)
        .all(&conn)
        .await
        .expect("persons");
    let talks = person_talk::Entity::find().order_by_asc(person_talk::Column::Id).all(&conn).await.expect("talks");
    let talk_on = |person: &person::Model, on: NaiveDate| {
        let mut t = talks[0].clone();
        t.id = Uuid::now_v7();
        t.person_id = person.id;
        t.talked_on = on;
        t.into_active_model().reset_all()
    };
    // Talks on a day of the month, on the first and the last day, before the level's start,
    // twice on one day, and on the cut-off day itself.
    let p0 = &persons[0];
    for on in [
        today - Duration::days(45),
        NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap(),
        last_day(today.year(), today.month()) - Duration::days(62),
        p0.level_since - Duration::days(3),
        p0.level_since,
    ] {
        talk_on(p0, on).insert(&conn).await.expect("a talk");
    }
    let twice = today - Duration::days(100);
    talk_on(&persons[1], twice).insert(&conn).await.expect("a talk");
    let second = talk_on(&persons[1], twice).insert(&conn).await.expect("the same day's second talk");
    // One of those removed (the day keeps its other talk), another redated.
    person_talk::Entity::delete_by_id(second.id).exec(&conn).await.expect("remove a talk");
    let mut redated = talks[3].clone().into_active_model();
    redated.talked_on = Set(talks[3].talked_on - Duration::days(35));
    redated.update(&conn).await.expect("redate a talk");
    person_talk::Entity::delete_by_id(talks[4].id).exec(&conn).await.expect("remove a talk");
    // Many talks moved to another person in one statement, as a merge does.
    let (from, to) = (talks[6].person_id, persons[2].id);
    person_talk::Entity::update_many()
        .col_expr(person_talk::Column::PersonId, Expr::value(to))
        .filter(person_talk::Column::PersonId.eq(from))
        .exec(&conn)
        .await
        .expect("move a person's talks");
    // Many talks redated in one statement.
    person_talk::Entity::update_many()
        .col_expr(person_talk::Column::TalkedOn, Expr::value(today - Duration::days(20)))
        .filter(person_talk::Column::Id.is_in(talks.iter().skip(10).take(12).map(|t| t.id)))
        .exec(&conn)
        .await
        .expect("redate twelve talks");
    // Records changing level (and its start), status and village; one added, one removed.
    let mut raised = persons[3].clone().into_active_model();
    raised.attention_level = Set(AttentionLevel::Special);
    raised.level_since = Set(today - Duration::days(50));
    raised.update(&conn).await.expect("raise a level");
    let mut delisted = persons[4].clone().into_active_model();
    delisted.status = Set(RecordStatus::Delisted);
    delisted.update(&conn).await.expect("delist a person");
    let other_village =
        persons.iter().find(|p| p.village_id != persons[5].village_id && p.town_id == persons[5].town_id);
    let mut moved = persons[5].clone().into_active_model();
    moved.village_id = Set(other_village.expect("another village").village_id);
    moved.update(&conn).await.expect("move a person to another village");
    person::Entity::update_many()
        .col_expr(person::Column::AttentionLevel, Expr::value(AttentionLevel::Key.to_value()))
        .filter(person::Column::Id.is_in(persons.iter().skip(10).take(30).map(|p| p.id)))
        .exec(&conn)
        .await
        .expect("move thirty persons to KEY");
    let mut copy = persons[6].clone();
    copy.id = Uuid::now_v7();
    copy.id_number = format!("{}X", &copy.id_number[..17]);
    copy.link_of_person_id = None;
    let copy = copy.into_active_model().reset_all().insert(&conn).await.expect("add a person");
    talk_on(&copy, today - Duration::days(10)).insert(&conn).await.expect("its talk");
    // A record added with a duty, then both removed, as a merge removes its record.
    let mut gone = copy.clone();
    gone.id = Uuid::now_v7();
    gone.id_number = format!("{}Y", &copy.id_number[..17]);
    let gone = gone.into_active_model().reset_all().insert(&conn).await.expect("add another person");
    talk_on(&gone, today - Duration::days(3)).insert(&conn).await.expect("its talk");
    person_talk::Entity::delete_many()
        .filter(person_talk::Column::PersonId.eq(gone.id))
        .exec(&conn)
        .await
        .expect("remove its talks");
    person::Entity::delete_by_id(gone.id).exec(&conn).await.expect("remove the person");
    // Inspections: one added, many removed in one statement, a venue's level changed.
    let inspections = venue_inspection::Entity::find()
        .order_by_asc(venue_inspection::Column::Id)
        .all(&conn)
        .await
        .expect("inspections");
    let mut added = inspections[0].clone();
    added.id = Uuid::now_v7();
    added.inspected_on = today - Duration::days(8);
    added.into_active_model().reset_all().insert(&conn).await.expect("an inspection");
    venue_inspection::Entity::delete_many()
        .filter(venue_inspection::Column::Id.is_in(inspections.iter().skip(1).take(5).map(|i| i.id)))
        .exec(&conn)
        .await
        .expect("remove five inspections");
    let venue = venue::Entity::find_by_id(inspections[0].venue_id).one(&conn).await.unwrap().unwrap();
    let mut special = venue.clone().into_active_model();
    special.attention_level = Set(AttentionLevel::Special);
    special.update(&conn).await.expect("raise a venue");
    // Levels whose interval ends within the month they start, with duties done on or before the
    // start in that month: a venue SPECIAL (15 days) from the 5th, inspected on the 2nd and the
    // 5th; a person SPECIAL (30 days) from a 31-day month's first day, talked to that day; and
    // one from a 30-day month's first day, whose month is not due.
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let other_venue = venue::Entity::find()
        .filter(venue::Column::Status.eq(RecordStatus::Active))
        .filter(venue::Column::Id.ne(venue.id))
        .one(&conn)
        .await
        .unwrap()
        .expect("another venue");
    let mut early = other_venue.clone().into_active_model();
    early.attention_level = Set(AttentionLevel::Special);
    early.level_since = Set(day(2026, 5, 5));
    early.update(&conn).await.expect("a venue SPECIAL from the 5th");
    for on in [day(2026, 5, 2), day(2026, 5, 5)] {
        let mut inspection = inspections[0].clone();
        inspection.id = Uuid::now_v7();
        inspection.venue_id = other_venue.id;
        inspection.inspected_on = on;
        inspection.into_active_model().reset_all().insert(&conn).await.expect("an inspection");
    }
    for (person, since) in [(&persons[8], day(2026, 1, 1)), (&persons[9], day(2026, 4, 1))] {
        let mut first_day = person.clone().into_active_model();
        first_day.attention_level = Set(AttentionLevel::Special);
        first_day.level_since = Set(since);
        first_day.update(&conn).await.expect("a person SPECIAL from a month's first day");
        talk_on(person, since).insert(&conn).await.expect("a talk on that day");
    }

    let now = counted(&conn, &span).await;
    assert_ne!(now, after_seed, "the changes moved some figures");
    assert_same(&kept(&conn, &span).await, &now, "after the changes");

    // The backfill counts the same world.
    TestDb::down_through(&conn, "m20261204_000022_duty_tallies").await;
    assert!(duty_tally::Entity::find().all(&conn).await.is_err(), "the table is gone");
    Migrator::up(&conn, None).await.expect("up again, counting the rows");
    assert_same(&kept(&conn, &span).await, &now, "after the backfill");
    conn.close().await.ok();
}

/// The monthly report's talk and inspection figures, read from the kept changes for a whole-town
/// reader, equal the rule's count for the town and for each of its villages, month by month.
#[tokio::test]
async fn the_monthly_reports_duty_figures_equal_the_rule() {
    use entity::enums::UnitKind;
    use entity::{app_user, org_unit};
    let (db, conn) = TestDb::seeded(300).await;
    let span = span(&conn).await;
    let counted = counted(&conn, &span).await;
    let coord = app_user::Entity::find().filter(app_user::Column::Username.eq("coord")).one(&conn).await.unwrap();
    let town = coord.expect("the coordinator").town_id;
    let villages = org_unit::Entity::find()
        .filter(org_unit::Column::TownId.eq(town))
        .filter(org_unit::Column::Kind.eq(UnitKind::Village))
        .all(&conn)
        .await
        .expect("villages");
    assert!(villages.len() >= 2, "villages");
    conn.close().await.ok();
    let url = db.url.clone();
    let app = pingan_tests::TestApp::start(db, pingan_tests::test_config(&url)).await;
    let token = app.login("coord").await;
    let today = chrono::Utc::now().date_naive();
    let query = "query($u: ID, $m: String!) { monthlyReport(unitId: $u, month: $m) { talks { due done } inspections { due done } } }";
    let subjects = std::iter::once(None).chain(villages.iter().map(Some));
    for unit in subjects {
        for (y, m) in months(today - Duration::days(400), today + Duration::days(40)) {
            let month = format!("{y}-{m:02}");
            let id = unit.map(|u| pingan_tests::global_id("OrgUnit", u.id));
            let body = app.gql(Some(&token), query, serde_json::json!({ "u": id, "m": month })).await;
            for (field, ledger) in [("talks", "person"), ("inspections", "venue")] {
                let (due, done) = counted
                    .iter()
                    .filter(|(k, _)| k.0 == town && k.1 == ledger && (k.3, k.4) == (y, m))
                    .filter(|(k, _)| unit.is_none_or(|u| Some(k.2) == u.village_id))
                    .fold((0, 0), |(a, b), (_, (due, done))| (a + due, b + done));
                let figure = &body["data"]["monthlyReport"][field];
                let got = (figure["due"].as_i64(), figure["done"].as_i64());
                assert_eq!(got, (Some(due), Some(done)), "{field} {month} {:?}: {body}", unit.map(|u| &u.name));
            }
        }
    }

    // The town's report reads the kept changes, not a count of the records: a change added to the
    // town's earliest key of persons due shows in this month's figure.
    let conn = pingan::db::connect(&url).await.expect("connect");
    use duty_tally::Column as K;
    let earliest = duty_tally::Entity::find()
        .filter(K::TownId.eq(town))
        .filter(K::Record.eq("person"))
        .filter(K::Event.eq(duty_tally::DUE))
        .order_by_asc(K::Month)
        .one(&conn)
        .await
        .unwrap()
        .expect("a key");
    let mut bumped = earliest.clone().into_active_model();
    bumped.n = Set(earliest.n + 7);
    bumped.update(&conn).await.expect("bump a kept change");
    conn.close().await.ok();
    let month = format!("{}-{:02}", today.year(), today.month());
    let body = app.gql(Some(&token), query, serde_json::json!({ "u": null, "m": month })).await;
    let due: i64 = counted
        .iter()
        .filter(|(k, _)| k.0 == town && k.1 == "person" && (k.3, k.4) == (today.year(), today.month()))
        .map(|(_, (due, _))| due)
        .sum();
    assert_eq!(body["data"]["monthlyReport"]["talks"]["due"].as_i64(), Some(due + 7), "{body}");
}
