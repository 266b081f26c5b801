//! A page's children are read by the groups held on its rows (`Store::children_of_held`, which
//! does not look the parents up again); for every demo user and every child table of persons,
//! venues, risk items and leads they are exactly what the scoped child statement
//! (`Store::children`) gives for the same parents.

use entity::{app_user, org_unit};
use pingan::access::Resource;
use pingan::access::page::PageArgs;
use pingan::access::resource::{Leads, Persons, RiskItems, Venues};
use pingan::access::store::{Child, Held, Listed, Sort, Store};
use pingan::access::stores::{lead, person, risk, venue};
use pingan::auth::Viewer;
use pingan_tests::TestApp;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Some viewers read rows without the group of their children (a village reads persons without
/// `record`, the discipline commission umbrella subjects without it): those children are in the
/// database and must not come, and the count of them shows the comparison saw the difference.
#[tokio::test]
async fn a_pages_children_by_held_groups_are_the_children_by_scope() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let mut withheld = 0;
    let mut compared = 0;
    for user in app_user::Entity::find().all(db).await.unwrap() {
        let unit = org_unit::Entity::find_by_id(user.org_unit_id).one(db).await.unwrap().unwrap();
        let viewer = Viewer::of(user.clone(), unit, String::new(), uuid::Uuid::nil());
        let store = Store::new(&app.state.access, &viewer);
        let who = user.username.as_str();

        let persons = page::<Persons>(&store, db, who).await;
        let held: Vec<&Held<Persons>> = persons.iter().collect();
        withheld += same::<person::Talks>(&store, db, &held, who).await;
        withheld += same::<person::Incidents>(&store, db, &held, who).await;
        withheld += same::<person::Assessments>(&store, db, &held, who).await;
        withheld += same::<person::Measures>(&store, db, &held, who).await;
        withheld += same::<person::LevelHistory>(&store, db, &held, who).await;
        withheld += same::<person::Categories>(&store, db, &held, who).await;
        withheld += same::<person::Tags>(&store, db, &held, who).await;
        withheld += same::<person::BoardPublications>(&store, db, &held, who).await;

        let venues = page::<Venues>(&store, db, who).await;
        let held: Vec<&Held<Venues>> = venues.iter().collect();
        withheld += same::<venue::Inspections>(&store, db, &held, who).await;
        withheld += same::<venue::Incidents>(&store, db, &held, who).await;
        withheld += same::<venue::Penalties>(&store, db, &held, who).await;
        withheld += same::<venue::LevelHistory>(&store, db, &held, who).await;

        let items = page::<RiskItems>(&store, db, who).await;
        let held: Vec<&Held<RiskItems>> = items.iter().collect();
        withheld += same::<risk::Checks>(&store, db, &held, who).await;
        withheld += same::<risk::Feedback>(&store, db, &held, who).await;
        withheld += same::<risk::Events>(&store, db, &held, who).await;
        withheld += same::<risk::PlanRevisions>(&store, db, &held, who).await;
        withheld += same::<risk::Drills>(&store, db, &held, who).await;
        withheld += same::<risk::WeeklyUpdates>(&store, db, &held, who).await;

        let leads = page::<Leads>(&store, db, who).await;
        let held: Vec<&Held<Leads>> = leads.iter().collect();
        withheld += same::<lead::LeadEvents>(&store, db, &held, who).await;
        withheld += same::<lead::LeadSubjects>(&store, db, &held, who).await;
        withheld += same::<lead::GangParts>(&store, db, &held, who).await;
        withheld += same::<lead::LeadPriorities>(&store, db, &held, who).await;

        compared += persons.len() + venues.len() + items.len() + leads.len();
    }
    assert!(compared > 100, "the demo users read rows with children ({compared})");
    assert!(withheld > 0, "some viewer reads rows with children it holds no group of");
}

/// The first page of 100 rows of `R` the viewer reads, with their groups: all of them in the
/// demo world. Only a viewer without a line to read `R` is refused.
async fn page<R: Listed>(store: &Store<'_>, db: &DatabaseConnection, who: &str) -> Vec<Held<R>>
where
    R::Filter: Default,
    R::Order: Default,
{
    let args = PageArgs::new(Some(100), None, None, None).unwrap();
    match store.list::<R>(db, R::Filter::default(), Sort::default(), &args).await {
        Ok(page) => {
            assert!(!page.has_next, "{who}: the demo world's rows of a list fit on one page");
            page.rows.into_iter().map(|(_, held)| held).collect()
        }
        Err(e) => {
            let reads = store.access.rows::<R>(store.viewer, "read").is_some();
            assert!(!reads, "{who}: a list it reads is refused: {e:?}");
            Vec::new()
        }
    }
}

/// Asserts both reads of `C` agree for the page's rows, and returns how many children of those
/// rows the database holds that neither gives.
async fn same<C>(store: &Store<'_>, db: &DatabaseConnection, held: &[&Held<C::Parent>], who: &str) -> usize
where
    C: Child,
    <C::Entity as EntityTrait>::Model: PartialEq + std::fmt::Debug,
{
    let ids: Vec<uuid::Uuid> = held.iter().map(|(row, _)| C::Parent::row_id(row)).collect();
    let by_held = store.children_of_held::<C>(db, held).await.unwrap();
    let by_scope = store.children::<C>(db, &ids).await.unwrap();
    assert_eq!(by_held, by_scope, "{who}: {} by held groups and by scope differ", std::any::type_name::<C>());
    let stored = C::Entity::find().filter(C::parent_column().is_in(ids)).all(db).await.unwrap().len();
    stored - by_held.values().map(Vec::len).sum::<usize>()
}
