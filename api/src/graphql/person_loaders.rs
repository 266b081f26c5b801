//! The DataLoaders of persons: a dossier's record (talks, incidents, categories, tags,
//! assessments, measures, level history), the viewer's actions on it, and persons by id.
//!
//! Every body reads through the person store: children only under persons the viewer reads
//! and holds the child's group on (`record`; `board` for board publications), a page's by the
//! groups its rows were read with; persons only within the viewer's person scope.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::enums::PersonCategory;
use entity::{
    board_publication, person, person_assessment, person_incident, person_judicial_tag, person_level_change,
    person_measure, person_talk,
};
use sea_orm::DbErr;
use uuid::Uuid;

use super::loaders::{Batch, Loaders, prime, prime_children, prime_names};
use crate::AppState;
use crate::access::resource::Persons;
use crate::access::store::{Child, Listing, Store};
use crate::access::stores::person::{
    self as store, Assessments, BoardPublications, Categories, Incidents, LevelHistory, Measures, Tags, Talks,
};
use crate::auth::Viewer;
use crate::db::Checkout;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

pub(super) use super::loaders::store_error as db_err;

/// What a page of persons asks for, from the query's selection.
pub struct PersonWants {
    pub village: bool,
    pub officer: bool,
    pub talks: bool,
    pub talk_officers: bool,
    pub incidents: bool,
    pub categories: bool,
    pub tags: bool,
    pub assessments: bool,
    pub measures: bool,
    pub board: bool,
    pub level_history: bool,
    pub actions: bool,
}

/// Loads the relations of a whole page in one batch each, before the rows resolve. Without
/// it the batches would depend on timing (a DataLoader dispatches 1 ms after its first key).
pub async fn prefetch_people(
    loaders: &Loaders,
    reads: &Checkout<'_>,
    page: &Listing<Persons>,
    wants: &PersonWants,
) -> Result<(), Arc<DbErr>> {
    let records = &loaders.person_records;
    let rows = page.models();
    // The talks first; then the villages and the officers (of the persons and of their talks)
    // in one statement.
    let talks = if wants.talks { TalksOf::prime_page(records, reads, page).await? } else { HashMap::new() };
    let villages = rows.iter().filter(|_| wants.village).map(|p| p.village_id);
    let mut officers: Vec<Uuid> =
        if wants.officer { rows.iter().filter_map(|p| p.responsible_officer_id).collect() } else { Vec::new() };
    if wants.talk_officers {
        officers.extend(talks.values().flat_map(|t| t.iter()).map(|t| t.officer_id));
    }
    prime_names(loaders, reads, villages, officers).await?;
    if wants.incidents {
        IncidentsOf::prime_page(records, reads, page).await?;
    }
    if wants.categories {
        CategoriesOf::prime_page(records, reads, page).await?;
    }
    if wants.tags {
        TagsOf::prime_page(records, reads, page).await?;
    }
    if wants.assessments {
        AssessmentsOf::prime_page(records, reads, page).await?;
    }
    if wants.measures {
        MeasuresOf::prime_page(records, reads, page).await?;
    }
    if wants.board {
        BoardOf::prime_page(records, reads, page).await?;
    }
    if wants.level_history {
        LevelHistoryOf::prime_page(records, reads, page).await?;
    }
    if wants.actions {
        let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
        for action in PERSON_ACTIONS {
            prime(records, ids.iter().map(|id| PersonAction(action, *id))).await?;
        }
    }
    Ok(())
}

/// The talks of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TalksOf(pub Uuid);
/// The incidents of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IncidentsOf(pub Uuid);
/// The categories of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CategoriesOf(pub Uuid);
/// The judicial tags of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagsOf(pub Uuid);
/// The assessments of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssessmentsOf(pub Uuid);
/// The measures of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeasuresOf(pub Uuid);
/// The village-board publications of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BoardOf(pub Uuid);
/// The level history of a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelHistoryOf(pub Uuid);
/// The actions `Person.viewerCan` reports.
pub const PERSON_ACTIONS: [&str; 8] = [
    "update",
    "record_talk",
    "record_incident",
    "record_assessment",
    "record_measure",
    "raise_level",
    "request_step_down",
    "decide_step_down",
];
/// Whether the viewer may perform an action on a person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonAction(pub &'static str, pub Uuid);

/// The record of persons (and the viewer's actions on them), a page at a time.
pub struct PersonRecordLoader {
    pub(super) state: Arc<AppState>,
    pub(super) viewer: Viewer,
}

impl PersonRecordLoader {
    /// The children `C` of the persons among `parents`, through the store.
    async fn children<C: Child>(
        &self,
        parents: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<<C::Entity as sea_orm::EntityTrait>::Model>>, Arc<DbErr>> {
        let store = Store::new(&self.state.access, &self.viewer);
        store.children::<C>(&self.state.db, parents).await.map_err(db_err)
    }
}

/// One loader per child table of persons: the rows under each readable person among the keys,
/// in the store's order, `$map` applied to each person's list; and the same relation of a
/// page's rows read by their held groups ([`Store::children_of_held`]) and kept for the request.
macro_rules! person_children {
    ($key:ident, $child:ident, $value:ty, $map:expr) => {
        impl Loader<$key> for PersonRecordLoader {
            type Value = $value;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let parents: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = self.children::<$child>(&parents).await?;
                Ok(rows.into_iter().map(|(parent, rows)| ($key(parent), $map(rows))).collect())
            }
        }

        impl $key {
            /// The relation of every row of a page, in one statement, kept beside the loader.
            async fn prime_page(
                records: &Batch<PersonRecordLoader>,
                reads: &Checkout<'_>,
                page: &Listing<Persons>,
            ) -> LoadResult<$key, $value> {
                let loader = records.loader();
                let store = Store::new(&loader.state.access, &loader.viewer);
                prime_children::<$child, _, _>(records, store, reads, page, $key, $map).await
            }
        }
    };
}
// Shared, not copied, by every list of a person's talks in the request (see `person::Talk`).
person_children!(TalksOf, Talks, Arc<[person_talk::Model]>, |rows: Vec<_>| rows.into());
person_children!(IncidentsOf, Incidents, Vec<person_incident::Model>, |rows| rows);
person_children!(AssessmentsOf, Assessments, Vec<person_assessment::Model>, |rows| rows);
person_children!(MeasuresOf, Measures, Vec<person_measure::Model>, |rows| rows);
person_children!(BoardOf, BoardPublications, Vec<board_publication::Model>, |rows| rows);
person_children!(LevelHistoryOf, LevelHistory, Vec<person_level_change::Model>, |rows| rows);
person_children!(TagsOf, Tags, Vec<person_judicial_tag::Model>, |rows| rows);
person_children!(CategoriesOf, Categories, Vec<PersonCategory>, |rows: Vec<entity::person_category::Model>| {
    rows.into_iter().map(|c| c.category).collect()
});

impl Loader<PersonAction> for PersonRecordLoader {
    type Value = bool;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PersonAction]) -> LoadResult<PersonAction, bool> {
        // One query per action asked for on the page.
        let store = Store::new(&self.state.access, &self.viewer);
        let mut answers = HashMap::new();
        let mut actions: Vec<&'static str> = keys.iter().map(|k| k.0).collect();
        actions.sort_unstable();
        actions.dedup();
        for action in actions {
            let ids: Vec<Uuid> = keys.iter().filter(|k| k.0 == action).map(|k| k.1).collect();
            let allowed = store::allowed(&store, &self.state.db, action, &ids).await.map_err(db_err)?;
            for id in ids {
                answers.insert(PersonAction(action, id), allowed.contains(&id));
            }
        }
        Ok(answers)
    }
}

/// Persons by id, within the viewer's person scope (subjects of leads resolve under the
/// persons' own rules).
pub struct PersonLoader {
    pub(super) state: Arc<AppState>,
    pub(super) viewer: Viewer,
}

impl Loader<Uuid> for PersonLoader {
    type Value = person::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, person::Model> {
        let store = Store::new(&self.state.access, &self.viewer);
        let rows = store.many::<Persons>(&self.state.db, keys).await.map_err(db_err)?;
        Ok(rows.into_iter().map(|(p, _)| (p.id, p)).collect())
    }
}
