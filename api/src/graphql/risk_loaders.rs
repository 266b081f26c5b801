//! DataLoaders for the detail of risk items (daily checks, feedback, events), so a page of items
//! loads each relation in one scoped query instead of one per row.
//!
//! Child rows are loaded only for items the viewer may read *and* on which it holds the `detail`
//! group: both conditions are part of every child query, so a resolver that forgot its group
//! check would still get nothing. The loaders are made by the query that loads the items
//! ([`RiskLoaders::new`]) and shared by every item it returns; villages, org units and officers
//! come from the request's [`Loaders`].

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{risk_check, risk_event, risk_feedback, risk_item};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::loaders::Loaders;
use crate::AppState;
use crate::access::resource::RiskItems;
use crate::auth::Viewer;

/// The loaders of the risk items one query returns.
pub struct RiskLoaders {
    pub records: DataLoader<RiskRecordLoader, HashMapCache>,
}

impl RiskLoaders {
    /// Loaders with their own cache, for the items of one query (a page, one item, a payload).
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Arc<Self> {
        let records = RiskRecordLoader { state, viewer };
        Arc::new(Self { records: DataLoader::with_cache(records, tokio::spawn, HashMapCache::default()) })
    }
}

/// What a page of risk items asks for, from the query's selection.
pub struct RiskWants {
    pub village: bool,
    /// Territorial, sector and assignee units.
    pub units: bool,
    pub checks: bool,
    pub check_users: bool,
    pub feedback: bool,
    pub feedback_units: bool,
    pub feedback_users: bool,
    pub events: bool,
    pub event_units: bool,
    pub event_users: bool,
}

/// Loads the relations of a whole page in one batch each, before the rows resolve (without it
/// the batches would depend on timing: a DataLoader dispatches 1 ms after its first key).
pub async fn prefetch_risks(
    loaders: &Loaders,
    risk_loaders: &RiskLoaders,
    rows: &[risk_item::Model],
    wants: &RiskWants,
) -> Result<(), Arc<DbErr>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let records = &risk_loaders.records;
    if wants.village {
        loaders.villages.load_many(rows.iter().map(|r| r.village_id)).await?;
    }
    let mut units: Vec<Uuid> = Vec::new();
    let mut users: Vec<Uuid> = Vec::new();
    if wants.units {
        units.extend(rows.iter().flat_map(|r| [r.territorial_unit_id, r.sector_unit_id, r.assignee_unit_id]).flatten());
    }
    if wants.checks {
        let checks = records.load_many(ids.iter().map(|id| ChecksOf(*id))).await?;
        if wants.check_users {
            users.extend(checks.values().flatten().map(|c| c.user_id));
        }
    }
    if wants.feedback {
        let feedback = records.load_many(ids.iter().map(|id| FeedbackOf(*id))).await?;
        if wants.feedback_units {
            units.extend(feedback.values().flatten().map(|f| f.unit_id));
        }
        if wants.feedback_users {
            users.extend(feedback.values().flatten().map(|f| f.user_id));
        }
    }
    if wants.events {
        let events = records.load_many(ids.iter().map(|id| RiskEventsOf(*id))).await?;
        if wants.event_units {
            units.extend(events.values().flatten().filter_map(|e| e.actor_unit_id));
        }
        if wants.event_users {
            users.extend(events.values().flatten().filter_map(|e| e.actor_user_id));
        }
    }
    if !units.is_empty() {
        loaders.org_units.load_many(units).await?;
    }
    if !users.is_empty() {
        loaders.officers.load_many(users).await?;
    }
    Ok(())
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// The daily checks of a risk item, newest first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChecksOf(pub Uuid);
/// The feedback on a risk item, oldest first (a thread).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedbackOf(pub Uuid);
/// The history of a risk item, oldest first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RiskEventsOf(pub Uuid);

/// The detail of risk items, a page at a time.
pub struct RiskRecordLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl RiskRecordLoader {
    /// Ids of items among `keys` that the viewer may read and whose `detail` it holds.
    fn with_detail(&self, keys: impl Iterator<Item = Uuid>) -> Option<SelectStatement> {
        let readable = self.state.access.rows::<RiskItems>(&self.viewer, "read")?;
        let groups = self.state.access.groups::<RiskItems>(&self.viewer);
        if !groups.held_anywhere("detail") {
            return None;
        }
        let cond = Condition::all()
            .add(readable)
            .add(groups.condition(&self.viewer, "detail"))
            .add(risk_item::Column::Id.is_in(keys));
        Some(Query::select().column(risk_item::Column::Id).from(risk_item::Entity).cond_where(cond).to_owned())
    }
}

/// Groups child rows by their item, with an empty list for every key that has none (so the
/// cache answers "none" too, instead of loading again).
fn by_item<T, K: Eq + std::hash::Hash + Copy>(keys: &[K], rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// One loader per child table of risk items: rows of the items among the keys whose detail the
/// viewer reads, in the given order, grouped by item.
macro_rules! risk_children {
    ($key:ident, $module:ident, $order:ident, $direction:ident) => {
        impl Loader<$key> for RiskRecordLoader {
            type Value = Vec<$module::Model>;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let Some(items) = self.with_detail(keys.iter().map(|k| k.0)) else {
                    return Ok(HashMap::new());
                };
                let rows = $module::Entity::find()
                    .filter($module::Column::RiskItemId.in_subquery(items))
                    .$direction($module::Column::$order)
                    .$direction($module::Column::Id)
                    .all(&self.state.db)
                    .await?;
                Ok(by_item(keys, rows, |r| $key(r.risk_item_id)))
            }
        }
    };
}
risk_children!(ChecksOf, risk_check, CheckedOn, order_by_desc);
risk_children!(FeedbackOf, risk_feedback, CreatedAt, order_by_asc);
risk_children!(RiskEventsOf, risk_event, CreatedAt, order_by_asc);
