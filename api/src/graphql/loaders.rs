//! DataLoaders for relations, one set per request and viewer, so a page of records loads each
//! relation in one scoped query instead of one per row.
//!
//! Child rows (talks, incidents, categories, tags) are loaded only for parents inside the
//! viewer's read scope: the parent's scope condition is part of every child query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{ID, SimpleObject};
use entity::enums::PersonCategory;
use entity::{
    app_user, org_unit, person, person_assessment, person_category, person_incident, person_judicial_tag,
    person_level_change, person_measure, person_talk,
};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ids::{self, Kind};
pub use super::lead_loaders::{EventsOf, GangPartsOf, LeadRecordLoader, SubjectsOf, TaskEventLoader, TaskEventsOf};
use super::org::{OrgUnit, Village};
use crate::AppState;
use crate::access::resource::{OrgUnits, Persons, Villages};
use crate::auth::Viewer;

/// The per-request loaders, put into the request data by the HTTP layer.
pub struct Loaders {
    pub villages: DataLoader<VillageLoader, HashMapCache>,
    pub officers: DataLoader<OfficerLoader, HashMapCache>,
    pub person_records: DataLoader<PersonRecordLoader, HashMapCache>,
    pub org_units: DataLoader<OrgUnitLoader, HashMapCache>,
    pub persons: DataLoader<PersonLoader, HashMapCache>,
    pub lead_records: DataLoader<LeadRecordLoader, HashMapCache>,
    pub task_events: DataLoader<TaskEventLoader, HashMapCache>,
}

impl Loaders {
    /// Loaders with a per-request cache, so a list can prefetch its page's relations in one
    /// batch each ([`prefetch_people`]) and every row then reads from the cache.
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Self {
        let villages = VillageLoader { state: state.clone(), viewer: viewer.clone() };
        let officers = OfficerLoader { state: state.clone(), viewer: viewer.clone() };
        let person_records = PersonRecordLoader { state: state.clone(), viewer: viewer.clone() };
        let org_units = OrgUnitLoader { state: state.clone(), viewer: viewer.clone() };
        let persons = PersonLoader { state: state.clone(), viewer: viewer.clone() };
        let lead_records = LeadRecordLoader { state: state.clone(), viewer: viewer.clone() };
        let task_events = TaskEventLoader { state, viewer };
        Self {
            villages: DataLoader::with_cache(villages, tokio::spawn, HashMapCache::default()),
            officers: DataLoader::with_cache(officers, tokio::spawn, HashMapCache::default()),
            person_records: DataLoader::with_cache(person_records, tokio::spawn, HashMapCache::default()),
            org_units: DataLoader::with_cache(org_units, tokio::spawn, HashMapCache::default()),
            persons: DataLoader::with_cache(persons, tokio::spawn, HashMapCache::default()),
            lead_records: DataLoader::with_cache(lead_records, tokio::spawn, HashMapCache::default()),
            task_events: DataLoader::with_cache(task_events, tokio::spawn, HashMapCache::default()),
        }
    }

    /// Forgets cached relations; a mutation calls it before reading its payload.
    pub fn clear(&self) {
        self.villages.clear::<Uuid>();
        self.officers.clear::<Uuid>();
        self.person_records.clear::<TalksOf>();
        self.person_records.clear::<IncidentsOf>();
        self.person_records.clear::<CategoriesOf>();
        self.person_records.clear::<TagsOf>();
        self.person_records.clear::<PersonAction>();
        self.person_records.clear::<AssessmentsOf>();
        self.person_records.clear::<MeasuresOf>();
        self.person_records.clear::<LevelHistoryOf>();
        self.persons.clear::<Uuid>();
        self.lead_records.clear::<EventsOf>();
        self.lead_records.clear::<SubjectsOf>();
        self.lead_records.clear::<GangPartsOf>();
        self.task_events.clear::<TaskEventsOf>();
    }
}

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
    pub level_history: bool,
    pub actions: bool,
}

/// Loads the relations of a whole page in one batch each, before the rows resolve. Without
/// it the batches would depend on timing (a DataLoader dispatches 1 ms after its first key).
pub async fn prefetch_people(loaders: &Loaders, rows: &[person::Model], wants: &PersonWants) -> Result<(), Arc<DbErr>> {
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    if wants.village {
        loaders.villages.load_many(rows.iter().map(|p| p.village_id)).await?;
    }
    let mut officers: Vec<Uuid> =
        if wants.officer { rows.iter().filter_map(|p| p.responsible_officer_id).collect() } else { Vec::new() };
    if wants.talks {
        let talks = loaders.person_records.load_many(ids.iter().map(|id| TalksOf(*id))).await?;
        if wants.talk_officers {
            officers.extend(talks.values().flatten().map(|t| t.officer_id));
        }
    }
    if !officers.is_empty() {
        loaders.officers.load_many(officers).await?;
    }
    if wants.incidents {
        loaders.person_records.load_many(ids.iter().map(|id| IncidentsOf(*id))).await?;
    }
    if wants.categories {
        loaders.person_records.load_many(ids.iter().map(|id| CategoriesOf(*id))).await?;
    }
    if wants.tags {
        loaders.person_records.load_many(ids.iter().map(|id| TagsOf(*id))).await?;
    }
    if wants.assessments {
        loaders.person_records.load_many(ids.iter().map(|id| AssessmentsOf(*id))).await?;
    }
    if wants.measures {
        loaders.person_records.load_many(ids.iter().map(|id| MeasuresOf(*id))).await?;
    }
    if wants.level_history {
        loaders.person_records.load_many(ids.iter().map(|id| LevelHistoryOf(*id))).await?;
    }
    if wants.actions {
        for action in PERSON_ACTIONS {
            loaders.person_records.load_many(ids.iter().map(|id| PersonAction(action, *id))).await?;
        }
    }
    Ok(())
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// Villages by id, within the viewer's village scope.
pub struct VillageLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for VillageLoader {
    type Value = Village;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Village> {
        let Ok(select) = self.state.access.select::<Villages>(&self.viewer) else {
            return Ok(HashMap::new());
        };
        let rows = select.filter(entity::village::Column::Id.is_in(keys.iter().copied())).all(&self.state.db).await?;
        Ok(rows.into_iter().map(|v| (v.id, Village { id: ids::encode(Kind::Village, v.id), name: v.name })).collect())
    }
}

/// An officer as a record names them: id and display name, nothing else of the user.
#[derive(SimpleObject, Clone)]
pub struct Officer {
    pub id: ID,
    pub display_name: String,
}

/// Officers named on records (responsible officer, talk officer), from the viewer's town. The
/// name belongs to the record's own field group, so it is served wherever that field is.
pub struct OfficerLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for OfficerLoader {
    type Value = Officer;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Officer> {
        let rows = app_user::Entity::find()
            .filter(app_user::Column::TownId.eq(self.viewer.town_id))
            .filter(app_user::Column::Id.is_in(keys.iter().copied()))
            .all(&self.state.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|u| (u.id, Officer { id: ids::encode(Kind::User, u.id), display_name: u.display_name }))
            .collect())
    }
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
    state: Arc<AppState>,
    viewer: Viewer,
}

impl PersonRecordLoader {
    /// Ids of persons among `keys` that the viewer may read.
    fn readable(&self, keys: impl Iterator<Item = Uuid>) -> Option<SelectStatement> {
        let rows = self.state.access.rows::<Persons>(&self.viewer, "read")?;
        Some(
            Query::select()
                .column(person::Column::Id)
                .from(person::Entity)
                .cond_where(rows)
                .and_where(person::Column::Id.is_in(keys))
                .to_owned(),
        )
    }
}

/// Groups child rows by their parent, with an empty list for every key that has none (so the
/// cache answers "none" too, instead of loading again).
fn by_parent<T, K: Eq + std::hash::Hash + Copy>(keys: &[K], rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

impl Loader<CategoriesOf> for PersonRecordLoader {
    type Value = Vec<PersonCategory>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[CategoriesOf]) -> LoadResult<CategoriesOf, Self::Value> {
        let Some(readable) = self.readable(keys.iter().map(|k| k.0)) else {
            return Ok(HashMap::new());
        };
        let rows = person_category::Entity::find()
            .filter(person_category::Column::PersonId.in_subquery(readable))
            .order_by_asc(person_category::Column::Category)
            .all(&self.state.db)
            .await?;
        let grouped = by_parent(keys, rows, |c| CategoriesOf(c.person_id));
        Ok(grouped.into_iter().map(|(k, v)| (k, v.into_iter().map(|c| c.category).collect())).collect())
    }
}

impl Loader<TagsOf> for PersonRecordLoader {
    type Value = Vec<person_judicial_tag::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TagsOf]) -> LoadResult<TagsOf, Self::Value> {
        let Some(readable) = self.readable(keys.iter().map(|k| k.0)) else {
            return Ok(HashMap::new());
        };
        let rows = person_judicial_tag::Entity::find()
            .filter(person_judicial_tag::Column::PersonId.in_subquery(readable))
            .order_by_asc(person_judicial_tag::Column::Tag)
            .all(&self.state.db)
            .await?;
        Ok(by_parent(keys, rows, |t| TagsOf(t.person_id)))
    }
}

/// One loader per child table of persons: rows of the readable persons among the keys, newest
/// first, grouped by person.
macro_rules! person_children {
    ($key:ident, $module:ident, $order:ident) => {
        impl Loader<$key> for PersonRecordLoader {
            type Value = Vec<$module::Model>;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let Some(readable) = self.readable(keys.iter().map(|k| k.0)) else {
                    return Ok(HashMap::new());
                };
                let rows = $module::Entity::find()
                    .filter($module::Column::PersonId.in_subquery(readable))
                    .order_by_desc($module::Column::$order)
                    .order_by_desc($module::Column::Id)
                    .all(&self.state.db)
                    .await?;
                Ok(by_parent(keys, rows, |r| $key(r.person_id)))
            }
        }
    };
}
person_children!(TalksOf, person_talk, TalkedOn);
person_children!(IncidentsOf, person_incident, OccurredOn);
person_children!(AssessmentsOf, person_assessment, AssessedOn);
person_children!(MeasuresOf, person_measure, TakenOn);
person_children!(LevelHistoryOf, person_level_change, CreatedAt);

impl Loader<PersonAction> for PersonRecordLoader {
    type Value = bool;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PersonAction]) -> LoadResult<PersonAction, bool> {
        // One query per action asked for on the page.
        let mut answers = HashMap::new();
        let mut actions: Vec<&'static str> = keys.iter().map(|k| k.0).collect();
        actions.sort_unstable();
        actions.dedup();
        for action in actions {
            let ids: Vec<Uuid> = keys.iter().filter(|k| k.0 == action).map(|k| k.1).collect();
            let allowed: Vec<Uuid> = match self.state.access.rows::<Persons>(&self.viewer, action) {
                Some(rows) => {
                    person::Entity::find()
                        .select_only()
                        .column(person::Column::Id)
                        .filter(rows)
                        .filter(person::Column::Id.is_in(ids.iter().copied()))
                        .into_tuple()
                        .all(&self.state.db)
                        .await?
                }
                None => Vec::new(),
            };
            for id in ids {
                answers.insert(PersonAction(action, id), allowed.contains(&id));
            }
        }
        Ok(answers)
    }
}

/// Org units by id, within the viewer's org-unit scope (every role reads its town's units).
pub struct OrgUnitLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for OrgUnitLoader {
    type Value = OrgUnit;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, OrgUnit> {
        let Ok(select) = self.state.access.select::<OrgUnits>(&self.viewer) else {
            return Ok(HashMap::new());
        };
        let rows = select.filter(org_unit::Column::Id.is_in(keys.iter().copied())).all(&self.state.db).await?;
        Ok(rows.into_iter().map(|u| (u.id, OrgUnit::from(u))).collect())
    }
}

/// Persons by id, within the viewer's person scope (subjects of leads resolve under the
/// persons' own rules).
pub struct PersonLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for PersonLoader {
    type Value = person::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, person::Model> {
        let Ok(select) = self.state.access.select::<Persons>(&self.viewer) else {
            return Ok(HashMap::new());
        };
        let rows = select.filter(person::Column::Id.is_in(keys.iter().copied())).all(&self.state.db).await?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}
