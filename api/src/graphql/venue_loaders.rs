//! DataLoaders for the record of key venues (inspections, incidents, level history, the latest
//! inspection), so a page of venues loads each relation in one scoped query instead of one per
//! row. The viewer's actions need no query: venue scopes are decided on the row.
//!
//! Child rows come from [`Store::children`]: only under venues the viewer may read *and* on
//! which it holds the `record` group, so a resolver that forgot its group check would still get
//! nothing; a page's rows by the groups held on them ([`Store::children_of_held`]). The loaders
//! are made by the query that loads the venues ([`RecordLoaders::new`]) and shared by every venue
//! it returns; villages and officers come from the request's [`Loaders`].
//!
//! [`RecordLoader`] serves any [`Child`] of any resource: risk items use it too.

use super::loaders::{Batch, prime, prime_children, prime_names};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use sea_orm::{DbErr, EntityTrait};
use uuid::Uuid;

use super::loaders::Loaders;
use crate::AppState;
use crate::access::resource::Venues;
use crate::access::store::{Child, Listing, Store};
use crate::access::stores::venue::{self as store, Incidents, Inspections, LevelHistory, Penalties};
use crate::auth::Viewer;
use crate::db::Checkout;

/// The loaders of the records one query returns (venues, risk items).
pub struct RecordLoaders {
    pub records: Batch<RecordLoader>,
}

/// The loaders of the venues one query returns.
pub type VenueLoaders = RecordLoaders;

impl RecordLoaders {
    /// Loaders with their own cache, for the records of one query (a page, one record, a payload).
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Arc<Self> {
        let records = RecordLoader { state, viewer };
        Arc::new(Self { records: Batch::new(records) })
    }

    /// The children `C` of every row of a page, by the groups held on the rows, kept
    /// ([`prime_children`]).
    pub async fn prime_page<C: Child>(
        &self,
        reads: &Checkout<'_>,
        page: &Listing<C::Parent>,
    ) -> LoadResult<Of<C>, Vec<<C::Entity as EntityTrait>::Model>>
    where
        <C::Entity as EntityTrait>::Model: Sync,
    {
        let loader = self.records.loader();
        prime_children::<C, _, _>(&self.records, loader.store(), reads, page, Of::new, |rows| rows).await
    }
}

/// What a page of venues asks for, from the query's selection.
pub struct VenueWants {
    pub village: bool,
    pub inspections: bool,
    pub inspectors: bool,
    pub incidents: bool,
    pub penalties: bool,
    pub level_history: bool,
    pub last_inspection: bool,
}

/// Loads the relations of a whole page in one batch each, before the rows resolve (without it
/// the batches would depend on timing: a DataLoader dispatches 1 ms after its first key).
pub async fn prefetch_venues(
    loaders: &Loaders,
    venue_loaders: &VenueLoaders,
    reads: &Checkout<'_>,
    page: &Listing<Venues>,
    wants: &VenueWants,
) -> Result<(), Arc<DbErr>> {
    let rows = page.models();
    let mut inspectors = Vec::new();
    if wants.inspections {
        let inspections = venue_loaders.prime_page::<Inspections>(reads, page).await?;
        if wants.inspectors {
            inspectors.extend(inspections.values().flatten().map(|i| i.inspector_id));
        }
    }
    prime_names(loaders, reads, rows.iter().filter(|_| wants.village).map(|v| v.village_id), inspectors).await?;
    if wants.incidents {
        venue_loaders.prime_page::<Incidents>(reads, page).await?;
    }
    if wants.penalties {
        venue_loaders.prime_page::<Penalties>(reads, page).await?;
    }
    if wants.level_history {
        venue_loaders.prime_page::<LevelHistory>(reads, page).await?;
    }
    if wants.last_inspection {
        prime(&venue_loaders.records, rows.iter().map(|v| LastInspectionOf(v.id))).await?;
    }
    Ok(())
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// The children `C` of one parent, in the child's order.
pub struct Of<C>(pub Uuid, PhantomData<fn() -> C>);

impl<C> Of<C> {
    pub fn new(parent: Uuid) -> Self {
        Self(parent, PhantomData)
    }
}
impl<C> Clone for Of<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C> Copy for Of<C> {}
impl<C> PartialEq for Of<C> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<C> Eq for Of<C> {}
impl<C> Hash for Of<C> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

/// The inspections of a venue, newest first.
pub type InspectionsOf = Of<Inspections>;
/// The incidents of a venue, newest first.
pub type VenueIncidentsOf = Of<Incidents>;
/// The penalties of a venue, newest first.
pub type VenuePenaltiesOf = Of<Penalties>;
/// The level changes of a venue, newest first.
pub type VenueHistoryOf = Of<LevelHistory>;
/// The date of a venue's latest inspection.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LastInspectionOf(pub Uuid);

/// The children of records, a page at a time, through the viewer's store.
pub struct RecordLoader {
    pub(super) state: Arc<AppState>,
    viewer: Viewer,
}

impl RecordLoader {
    pub(super) fn store(&self) -> Store<'_> {
        Store::new(&self.state.access, &self.viewer)
    }
}

pub(super) use super::loaders::store_error as load_error;

/// Every child table: the rows under the keys' parents the viewer reads with the child's group,
/// grouped by parent (an empty list for a key without any, so the cache answers "none" too).
impl<C: Child> Loader<Of<C>> for RecordLoader
where
    <C::Entity as EntityTrait>::Model: Sync,
{
    type Value = Vec<<C::Entity as EntityTrait>::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Of<C>]) -> LoadResult<Of<C>, Self::Value> {
        let parents: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let children = self.store().children::<C>(&self.state.db, &parents).await.map_err(load_error)?;
        Ok(children.into_iter().map(|(parent, rows)| (Of::new(parent), rows)).collect())
    }
}

impl Loader<LastInspectionOf> for RecordLoader {
    type Value = Option<NaiveDate>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[LastInspectionOf]) -> LoadResult<LastInspectionOf, Self::Value> {
        let venues: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let latest = store::last_inspections(&self.store(), &self.state.db, &venues).await.map_err(load_error)?;
        // Every key gets an answer, "never inspected" included, so the cache holds it.
        let mut answers: HashMap<LastInspectionOf, Option<NaiveDate>> = keys.iter().map(|k| (*k, None)).collect();
        answers.extend(latest.into_iter().map(|(venue, last)| (LastInspectionOf(venue), last)));
        Ok(answers)
    }
}
