//! DataLoaders for relations, one set per request and viewer, so a page of records loads each
//! relation in one scoped query instead of one per row.
//!
//! Child rows (talks, incidents, categories, tags) are loaded only for parents inside the
//! viewer's read scope: the parent's scope condition is part of every child query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{ID, SimpleObject};
use entity::{app_user, lead, lead_event, lead_subject, org_unit, task, task_event};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ids::{self, Kind};
use super::org::{OrgUnit, Village};
pub use super::person_loaders::{
    AssessmentsOf, CategoriesOf, IncidentsOf, LevelHistoryOf, MeasuresOf, PERSON_ACTIONS, PersonAction, PersonLoader,
    PersonRecordLoader, PersonWants, TagsOf, TalksOf, prefetch_people,
};
use crate::AppState;
use crate::access::resource::{Leads, OrgUnits, Tasks, Villages};
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

/// Groups child rows by their parent, with an empty list for every key that has none (so the
/// cache answers "none" too, instead of loading again).
fn by_parent<T, K: Eq + std::hash::Hash + Copy>(keys: &[K], rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
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

/// The events of a lead.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventsOf(pub Uuid);
/// The subjects of a lead.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubjectsOf(pub Uuid);
/// The serials of the ordinary leads handed over from an umbrella lead.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GangPartsOf(pub Uuid);

/// Children of leads, for leads in the viewer's read scope only.
pub struct LeadRecordLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl LeadRecordLoader {
    fn readable(&self, keys: impl Iterator<Item = Uuid>) -> Option<SelectStatement> {
        let rows = self.state.access.rows::<Leads>(&self.viewer, "read")?;
        Some(
            Query::select()
                .column(lead::Column::Id)
                .from(lead::Entity)
                .cond_where(rows)
                .and_where(lead::Column::Id.is_in(keys))
                .to_owned(),
        )
    }
}

impl Loader<EventsOf> for LeadRecordLoader {
    type Value = Vec<lead_event::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[EventsOf]) -> LoadResult<EventsOf, Self::Value> {
        let Some(readable) = self.readable(keys.iter().map(|k| k.0)) else {
            return Ok(HashMap::new());
        };
        let rows = lead_event::Entity::find()
            .filter(lead_event::Column::LeadId.in_subquery(readable))
            .order_by_asc(lead_event::Column::CreatedAt)
            .order_by_asc(lead_event::Column::Id)
            .all(&self.state.db)
            .await?;
        Ok(by_parent(keys, rows, |e| EventsOf(e.lead_id)))
    }
}

impl Loader<SubjectsOf> for LeadRecordLoader {
    type Value = Vec<lead_subject::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[SubjectsOf]) -> LoadResult<SubjectsOf, Self::Value> {
        let Some(readable) = self.readable(keys.iter().map(|k| k.0)) else {
            return Ok(HashMap::new());
        };
        let rows = lead_subject::Entity::find()
            .filter(lead_subject::Column::LeadId.in_subquery(readable))
            .order_by_asc(lead_subject::Column::Id)
            .all(&self.state.db)
            .await?;
        Ok(by_parent(keys, rows, |s| SubjectsOf(s.lead_id)))
    }
}

impl Loader<GangPartsOf> for LeadRecordLoader {
    type Value = Vec<String>;
    type Error = Arc<DbErr>;

    /// Only the serials: the discipline commission sees that, and under which number, it handed
    /// a part over; the new lead itself it cannot open (access.md: rows of umbrella leads only).
    async fn load(&self, keys: &[GangPartsOf]) -> LoadResult<GangPartsOf, Self::Value> {
        let Some(readable) = self.readable(keys.iter().map(|k| k.0)) else {
            return Ok(HashMap::new());
        };
        let rows: Vec<(Option<Uuid>, String)> = lead::Entity::find()
            .select_only()
            .column(lead::Column::HandedOverFromLeadId)
            .column(lead::Column::Serial)
            .filter(lead::Column::HandedOverFromLeadId.in_subquery(readable))
            .order_by_asc(lead::Column::Serial)
            .into_tuple()
            .all(&self.state.db)
            .await?;
        let grouped = by_parent(keys, rows, |(parent, _)| GangPartsOf(parent.unwrap_or_default()));
        Ok(grouped.into_iter().map(|(k, v)| (k, v.into_iter().map(|(_, serial)| serial).collect())).collect())
    }
}

/// The thread of a task.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskEventsOf(pub Uuid);

/// Task threads, for tasks in the viewer's read scope only.
pub struct TaskEventLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<TaskEventsOf> for TaskEventLoader {
    type Value = Vec<task_event::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TaskEventsOf]) -> LoadResult<TaskEventsOf, Self::Value> {
        let Some(rows) = self.state.access.rows::<Tasks>(&self.viewer, "read") else {
            return Ok(HashMap::new());
        };
        let readable = Query::select()
            .column(task::Column::Id)
            .from(task::Entity)
            .cond_where(rows)
            .and_where(task::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .to_owned();
        let rows = task_event::Entity::find()
            .filter(task_event::Column::TaskId.in_subquery(readable))
            .order_by_asc(task_event::Column::CreatedAt)
            .order_by_asc(task_event::Column::Id)
            .all(&self.state.db)
            .await?;
        Ok(by_parent(keys, rows, |e| TaskEventsOf(e.task_id)))
    }
}
