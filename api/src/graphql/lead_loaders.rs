//! DataLoaders for the children of leads (events, subjects, handed-over gang-crime parts, the
//! major flag) and
//! the threads of tasks. Each loads through the access layer's stores: children only under
//! parents the viewer reads (and, for leads, holds the children's field group on); a page's
//! rows by the groups held on them (`loaders::prime_children`).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{lead, lead_event, lead_subject, task_event};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::AppState;
use crate::access::store::{Child, Store};
use crate::access::stores::lead::{GangParts, LeadEvents, LeadPriorities, LeadSubjects, is_major};
use crate::access::stores::task;
use crate::auth::Viewer;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

use super::loaders::store_error as loader_error;

/// The events of a lead.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventsOf(pub Uuid);
/// The subjects of a lead.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubjectsOf(pub Uuid);
/// The serials of the ordinary leads handed over from an umbrella lead.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GangPartsOf(pub Uuid);

/// Whether a lead is major (its priority row).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MajorOf(pub Uuid);

/// Children of leads, for leads in the viewer's read scope only.
pub struct LeadRecordLoader {
    pub(super) state: Arc<AppState>,
    pub(super) viewer: Viewer,
}

impl LeadRecordLoader {
    /// The children `C` of the keys' leads, keyed back by `key`.
    async fn children<C: Child, K: Copy + Eq + std::hash::Hash>(
        &self,
        keys: &[K],
        parent: impl Fn(&K) -> Uuid,
        key: impl Fn(Uuid) -> K,
    ) -> LoadResult<K, Vec<<C::Entity as sea_orm::EntityTrait>::Model>> {
        let ids: Vec<Uuid> = keys.iter().map(parent).collect();
        let store = Store::new(&self.state.access, &self.viewer);
        let rows = store.children::<C>(&self.state.db, &ids).await.map_err(loader_error)?;
        Ok(rows.into_iter().map(|(id, children)| (key(id), children)).collect())
    }
}

impl Loader<EventsOf> for LeadRecordLoader {
    type Value = Vec<lead_event::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[EventsOf]) -> LoadResult<EventsOf, Self::Value> {
        self.children::<LeadEvents, _>(keys, |k| k.0, EventsOf).await
    }
}

impl Loader<SubjectsOf> for LeadRecordLoader {
    type Value = Vec<lead_subject::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[SubjectsOf]) -> LoadResult<SubjectsOf, Self::Value> {
        self.children::<LeadSubjects, _>(keys, |k| k.0, SubjectsOf).await
    }
}

impl Loader<GangPartsOf> for LeadRecordLoader {
    type Value = Vec<String>;
    type Error = Arc<DbErr>;

    /// Only the serials (see [`GangParts`]).
    async fn load(&self, keys: &[GangPartsOf]) -> LoadResult<GangPartsOf, Self::Value> {
        let parts = self.children::<GangParts, _>(keys, |k| k.0, GangPartsOf).await?;
        Ok(parts.into_iter().map(|(k, leads)| (k, serials(leads))).collect())
    }
}

/// The serials of handed-over leads, the answer for [`GangPartsOf`].
pub fn serials(leads: Vec<lead::Model>) -> Vec<String> {
    leads.into_iter().map(|l| l.serial).collect()
}

impl Loader<MajorOf> for LeadRecordLoader {
    type Value = bool;
    type Error = Arc<DbErr>;

    /// Only whether it is major (see [`LeadPriorities`]); a lead with no priority row is not.
    async fn load(&self, keys: &[MajorOf]) -> LoadResult<MajorOf, Self::Value> {
        let rows = self.children::<LeadPriorities, _>(keys, |k| k.0, MajorOf).await?;
        Ok(rows.into_iter().map(|(k, rows)| (k, is_major(&rows))).collect())
    }
}

/// The thread of a task.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskEventsOf(pub Uuid);

/// Task threads, for tasks in the viewer's read scope only.
pub struct TaskEventLoader {
    pub(super) state: Arc<AppState>,
    pub(super) viewer: Viewer,
}

impl Loader<TaskEventsOf> for TaskEventLoader {
    type Value = Vec<task_event::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TaskEventsOf]) -> LoadResult<TaskEventsOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let store = Store::new(&self.state.access, &self.viewer);
        let rows = task::events(&store, &self.state.db, &ids).await.map_err(loader_error)?;
        Ok(rows.into_iter().map(|(id, events)| (TaskEventsOf(id), events)).collect())
    }
}
