//! DataLoaders for the record of key venues (inspections, incidents, level history, the latest
//! inspection), so a page of venues loads each relation in one scoped query instead of one per
//! row. The viewer's actions need no query: venue scopes are decided on the row.
//!
//! Child rows are loaded only for venues the viewer may read *and* on which it holds the
//! `record` group: both conditions are part of every child query, so a resolver that forgot its
//! group check would still get nothing. The loaders are made by the query that loads the
//! venues ([`VenueLoaders::new`]) and shared by every venue it returns; villages and officers
//! come from the request's [`Loaders`].

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::NaiveDate;
use entity::{venue, venue_incident, venue_inspection, venue_level_change};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::loaders::Loaders;
use crate::AppState;
use crate::access::resource::Venues;
use crate::auth::Viewer;

/// The loaders of the venues one query returns.
pub struct VenueLoaders {
    pub records: DataLoader<VenueRecordLoader, HashMapCache>,
}

impl VenueLoaders {
    /// Loaders with their own cache, for the venues of one query (a page, one venue, a payload).
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Arc<Self> {
        let records = VenueRecordLoader { state, viewer };
        Arc::new(Self { records: DataLoader::with_cache(records, tokio::spawn, HashMapCache::default()) })
    }
}

/// What a page of venues asks for, from the query's selection.
pub struct VenueWants {
    pub village: bool,
    pub inspections: bool,
    pub inspectors: bool,
    pub incidents: bool,
    pub level_history: bool,
    pub last_inspection: bool,
}

/// Loads the relations of a whole page in one batch each, before the rows resolve (without it
/// the batches would depend on timing: a DataLoader dispatches 1 ms after its first key).
pub async fn prefetch_venues(
    loaders: &Loaders,
    venue_loaders: &VenueLoaders,
    rows: &[venue::Model],
    wants: &VenueWants,
) -> Result<(), Arc<DbErr>> {
    let ids: Vec<Uuid> = rows.iter().map(|v| v.id).collect();
    let records = &venue_loaders.records;
    if wants.village {
        loaders.villages.load_many(rows.iter().map(|v| v.village_id)).await?;
    }
    if wants.inspections {
        let inspections = records.load_many(ids.iter().map(|id| InspectionsOf(*id))).await?;
        if wants.inspectors {
            loaders.officers.load_many(inspections.values().flatten().map(|i| i.inspector_id)).await?;
        }
    }
    if wants.incidents {
        records.load_many(ids.iter().map(|id| VenueIncidentsOf(*id))).await?;
    }
    if wants.level_history {
        records.load_many(ids.iter().map(|id| VenueHistoryOf(*id))).await?;
    }
    if wants.last_inspection {
        records.load_many(ids.iter().map(|id| LastInspectionOf(*id))).await?;
    }
    Ok(())
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// The inspections of a venue, newest first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InspectionsOf(pub Uuid);
/// The incidents of a venue, newest first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VenueIncidentsOf(pub Uuid);
/// The level changes of a venue, newest first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VenueHistoryOf(pub Uuid);
/// The date of a venue's latest inspection.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LastInspectionOf(pub Uuid);

/// The record of venues, a page at a time.
pub struct VenueRecordLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl VenueRecordLoader {
    /// Ids of venues among `keys` that the viewer may read and whose `record` it holds.
    fn with_record(&self, keys: impl Iterator<Item = Uuid>) -> Option<SelectStatement> {
        let readable = self.state.access.rows::<Venues>(&self.viewer, "read")?;
        let groups = self.state.access.groups::<Venues>(&self.viewer);
        if !groups.held_anywhere("record") {
            return None;
        }
        let cond = Condition::all()
            .add(readable)
            .add(groups.condition(&self.viewer, "record"))
            .add(venue::Column::Id.is_in(keys));
        Some(Query::select().column(venue::Column::Id).from(venue::Entity).cond_where(cond).to_owned())
    }
}

/// Groups child rows by their venue, with an empty list for every key that has none (so the
/// cache answers "none" too, instead of loading again).
fn by_venue<T, K: Eq + std::hash::Hash + Copy>(keys: &[K], rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// One loader per child table of venues: rows of the venues among the keys whose record the
/// viewer reads, newest first, grouped by venue.
macro_rules! venue_children {
    ($key:ident, $module:ident, $order:ident) => {
        impl Loader<$key> for VenueRecordLoader {
            type Value = Vec<$module::Model>;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let Some(venues) = self.with_record(keys.iter().map(|k| k.0)) else {
                    return Ok(HashMap::new());
                };
                let rows = $module::Entity::find()
                    .filter($module::Column::VenueId.in_subquery(venues))
                    .order_by_desc($module::Column::$order)
                    .order_by_desc($module::Column::Id)
                    .all(&self.state.db)
                    .await?;
                Ok(by_venue(keys, rows, |r| $key(r.venue_id)))
            }
        }
    };
}
venue_children!(InspectionsOf, venue_inspection, InspectedOn);
venue_children!(VenueIncidentsOf, venue_incident, OccurredOn);
venue_children!(VenueHistoryOf, venue_level_change, CreatedAt);

impl Loader<LastInspectionOf> for VenueRecordLoader {
    type Value = Option<NaiveDate>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[LastInspectionOf]) -> LoadResult<LastInspectionOf, Self::Value> {
        let Some(venues) = self.with_record(keys.iter().map(|k| k.0)) else {
            return Ok(HashMap::new());
        };
        let latest: Vec<(Uuid, Option<NaiveDate>)> = venue_inspection::Entity::find()
            .select_only()
            .column(venue_inspection::Column::VenueId)
            .column_as(Expr::col(venue_inspection::Column::InspectedOn).max(), "last_inspected_on")
            .filter(venue_inspection::Column::VenueId.in_subquery(venues))
            .group_by(venue_inspection::Column::VenueId)
            .into_tuple()
            .all(&self.state.db)
            .await?;
        // Every key gets an answer, "never inspected" included, so the cache holds it.
        let mut answers: HashMap<LastInspectionOf, Option<NaiveDate>> = keys.iter().map(|k| (*k, None)).collect();
        answers.extend(latest.into_iter().map(|(venue, last)| (LastInspectionOf(venue), last)));
        Ok(answers)
    }
}
