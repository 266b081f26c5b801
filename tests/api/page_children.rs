//! A page's children are read by the groups held on its rows (`Store::children_of_held`, which
//! does not look the parents up again); for every demo user and every child table of persons,
//! venues, risk items, leads and tasks they are exactly what the scoped child statement
//! (`Store::children`) gives for the same parents, and only the page's own rows have any.

use std::collections::{BTreeMap, BTreeSet};

use pingan::access::Resource;
use pingan::access::page::PageArgs;
use pingan::access::resource::{Leads, Persons, RiskItems, Tasks, Venues};
use pingan::access::store::{Child, Listed, Listing, Sort, Store};
use pingan::access::stores::{lead, person, risk, task, venue};
use pingan_tests::TestApp;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Rows per page: small, so every list has several pages and a read that strayed past its
/// page's rows would be seen.
const PAGE: u64 = 5;

/// Per child table: the children both reads gave, and those in the database under the pages'
/// rows that neither gave (rows read without the child's group).
type Tally = BTreeMap<&'static str, (usize, usize)>;

/// Some viewers read rows without the group of their children (a village reads persons without
/// `record`, the discipline commission umbrella subjects without it, the coordinator leads it
/// may not see the events of): those children are in the database and must not come.
#[tokio::test]
async fn a_pages_children_by_held_groups_are_the_children_by_scope() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let mut tally = Tally::new();
    for viewer in pingan_tests::viewers(&app).await {
        let store = Store::new(&app.state.access, &viewer);
        let who = viewer.username.as_str();
        for page in pages::<Persons>(&store, db, who).await {
            same::<person::Talks>(&store, db, &page, who, &mut tally).await;
            same::<person::Incidents>(&store, db, &page, who, &mut tally).await;
            same::<person::Assessments>(&store, db, &page, who, &mut tally).await;
            same::<person::Measures>(&store, db, &page, who, &mut tally).await;
            same::<person::LevelHistory>(&store, db, &page, who, &mut tally).await;
            same::<person::Categories>(&store, db, &page, who, &mut tally).await;
            same::<person::Tags>(&store, db, &page, who, &mut tally).await;
            same::<person::BoardPublications>(&store, db, &page, who, &mut tally).await;
        }
        for page in pages::<Venues>(&store, db, who).await {
            same::<venue::Inspections>(&store, db, &page, who, &mut tally).await;
            same::<venue::Incidents>(&store, db, &page, who, &mut tally).await;
            same::<venue::Penalties>(&store, db, &page, who, &mut tally).await;
            same::<venue::LevelHistory>(&store, db, &page, who, &mut tally).await;
        }
        for page in pages::<RiskItems>(&store, db, who).await {
            same::<risk::Checks>(&store, db, &page, who, &mut tally).await;
            same::<risk::Feedback>(&store, db, &page, who, &mut tally).await;
            same::<risk::Events>(&store, db, &page, who, &mut tally).await;
            same::<risk::PlanRevisions>(&store, db, &page, who, &mut tally).await;
            same::<risk::Drills>(&store, db, &page, who, &mut tally).await;
            same::<risk::WeeklyUpdates>(&store, db, &page, who, &mut tally).await;
        }
        for page in pages::<Leads>(&store, db, who).await {
            same::<lead::LeadEvents>(&store, db, &page, who, &mut tally).await;
            same::<lead::LeadSubjects>(&store, db, &page, who, &mut tally).await;
            same::<lead::GangParts>(&store, db, &page, who, &mut tally).await;
            same::<lead::LeadPriorities>(&store, db, &page, who, &mut tally).await;
        }
        for page in pages::<Tasks>(&store, db, who).await {
            same::<task::TaskEvents>(&store, db, &page, who, &mut tally).await;
        }
    }
    // The demo world has children of these tables, and viewers reading their parents without
    // the group: the comparison above saw both kinds of parent.
    let withheld = [
        "person::Talks",
        "person::Incidents",
        "person::Assessments",
        "person::Measures",
        "person::LevelHistory",
        "person::Categories",
        "person::Tags",
        "venue::Inspections",
        "venue::Incidents",
        "venue::LevelHistory",
        "lead::LeadEvents",
        "lead::LeadSubjects",
    ];
    // These have children too, under groups every reader of their parents holds.
    let given_only = ["risk::Checks", "risk::Feedback", "risk::Events", "task::TaskEvents"];
    for child in withheld.iter().chain(&given_only) {
        let (given, kept_back) = tally.iter().find(|(name, _)| name.ends_with(child)).map(|(_, t)| *t).unwrap();
        let expected_back = withheld.contains(child);
        assert!(given > 0 && (kept_back > 0) == expected_back, "{child}: {given} given, {kept_back} withheld");
    }
}

/// Every page of `PAGE` rows of `R` the viewer reads, walked by its cursors. A viewer without a
/// line to read `R` is refused, and has none.
async fn pages<R: Listed>(store: &Store<'_>, db: &DatabaseConnection, who: &str) -> Vec<Listing<R>>
where
    R::Filter: Default,
    R::Order: Default,
{
    let mut pages = Vec::new();
    let mut args = PageArgs::forward(PAGE, None);
    loop {
        let page = match store.list::<R>(db, R::Filter::default(), Sort::default(), &args).await {
            Ok(page) => page,
            Err(e) => {
                let reads = store.access.rows::<R>(store.viewer, "read").is_some();
                assert!(!reads, "{who}: a list it reads is refused: {e:?}");
                return pages;
            }
        };
        let (more, last) = (page.has_next, page.rows().last().map(|(place, _)| place.cursor()));
        pages.push(page);
        if !more {
            return pages;
        }
        args = PageArgs::forward(PAGE, last);
    }
}

/// Asserts both reads of `C` agree for the page's rows and answer for exactly those rows, and
/// tallies what was given and what the database holds under them that was not.
async fn same<C>(store: &Store<'_>, db: &DatabaseConnection, page: &Listing<C::Parent>, who: &str, tally: &mut Tally)
where
    C: Child,
    <C::Entity as EntityTrait>::Model: PartialEq + std::fmt::Debug,
{
    let name = std::any::type_name::<C>();
    let ids: Vec<Uuid> = page.rows().iter().map(|(_, (row, _))| C::Parent::row_id(row)).collect();
    let by_held = store.children_of_held::<C>(db, page).await.unwrap();
    let by_scope = store.children::<C>(db, &ids).await.unwrap();
    assert_eq!(by_held, by_scope, "{who}: {name} by held groups and by scope differ");
    let parents: BTreeSet<Uuid> = by_held.keys().copied().collect();
    assert_eq!(parents, ids.iter().copied().collect(), "{who}: {name} answers for other rows than the page's");
    let stored = C::Entity::find().filter(C::parent_column().is_in(ids)).all(db).await.unwrap().len();
    let given: usize = by_held.values().map(Vec::len).sum();
    let entry = tally.entry(name).or_default();
    entry.0 += given;
    entry.1 += stored - given;
}
