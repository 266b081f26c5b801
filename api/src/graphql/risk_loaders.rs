//! DataLoaders for the detail of risk items (daily checks, feedback, events), so a page of items
//! loads each relation in one scoped query instead of one per row.
//!
//! Child rows come from [`Store::children`](crate::access::store::Store::children): only under
//! items the viewer may read *and* on which it holds the child's group (`detail`; `emergency`
//! for plans, drills and weekly updates), so a resolver that forgot its group check would still
//! get nothing (a page's rows, by the groups held on them: [`RecordLoaders::prime_page`]). The
//! loaders are made by the query that loads the items ([`RecordLoaders::new`]) and shared by
//! every item it returns; villages, org units and officers come from the request's [`Loaders`].

use super::loaders::{prime, prime_names};
use std::sync::Arc;

use sea_orm::DbErr;
use uuid::Uuid;

use super::loaders::Loaders;
pub use super::venue_loaders::RecordLoaders;
use super::venue_loaders::{Of, RecordLoader, load_error};
use crate::access::resource::RiskItems;
use crate::access::store::Listing;
use crate::access::stores::risk::{self as store, Checks, Drills, Events, Feedback, PlanRevisions, WeeklyUpdates};
use crate::db::Checkout;

/// The loaders of the risk items one query returns.
pub type RiskLoaders = RecordLoaders;

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
    pub plans: bool,
    pub drills: bool,
    pub weekly_updates: bool,
}

/// Loads the relations of a whole page in one batch each, before the rows resolve (without it
/// the batches would depend on timing: a DataLoader dispatches 1 ms after its first key).
pub async fn prefetch_risks(
    loaders: &Loaders,
    risk_loaders: &RiskLoaders,
    reads: &Checkout<'_>,
    page: &Listing<RiskItems>,
    wants: &RiskWants,
) -> Result<(), Arc<DbErr>> {
    let rows = page.models();
    let mut units: Vec<Uuid> = Vec::new();
    let mut users: Vec<Uuid> = Vec::new();
    if wants.units {
        units.extend(rows.iter().flat_map(|r| [r.territorial_unit_id, r.sector_unit_id, r.assignee_unit_id]).flatten());
    }
    if wants.checks {
        let checks = risk_loaders.prime_page::<Checks>(reads, page).await?;
        if wants.check_users {
            users.extend(checks.values().flatten().map(|c| c.user_id));
        }
    }
    if wants.feedback {
        let feedback = risk_loaders.prime_page::<Feedback>(reads, page).await?;
        if wants.feedback_units {
            units.extend(feedback.values().flatten().map(|f| f.unit_id));
        }
        if wants.feedback_users {
            users.extend(feedback.values().flatten().map(|f| f.user_id));
        }
    }
    if wants.events {
        let events = risk_loaders.prime_page::<Events>(reads, page).await?;
        if wants.event_units {
            units.extend(events.values().flatten().filter_map(|e| e.actor_unit_id));
        }
        if wants.event_users {
            users.extend(events.values().flatten().filter_map(|e| e.actor_user_id));
        }
    }
    if wants.plans {
        risk_loaders.prime_page::<PlanRevisions>(reads, page).await?;
    }
    if wants.drills {
        risk_loaders.prime_page::<Drills>(reads, page).await?;
    }
    if wants.weekly_updates {
        risk_loaders.prime_page::<WeeklyUpdates>(reads, page).await?;
    }
    if !units.is_empty() {
        prime(&loaders.org_units, units).await?;
    }
    prime_names(loaders, reads, rows.iter().filter(|_| wants.village).map(|r| r.village_id), users).await?;
    Ok(())
}

/// The daily checks of a risk item, newest first.
pub type ChecksOf = Of<Checks>;
/// The feedback on a risk item, oldest first (a thread).
pub type FeedbackOf = Of<Feedback>;
/// The history of a risk item, oldest first.
pub type RiskEventsOf = Of<Events>;

/// The revisions of a risk item's emergency plan, newest first.
pub type PlanRevisionsOf = Of<PlanRevisions>;
/// The drills of a risk item's plan, newest first.
pub type DrillsOf = Of<Drills>;
/// The weekly updates of a risk item, newest first.
pub type WeeklyUpdatesOf = Of<WeeklyUpdates>;
/// Whether a risk item has an emergency plan (read with `detail`, never its content).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HasPlanOf(pub Uuid);

impl async_graphql::dataloader::Loader<HasPlanOf> for RecordLoader {
    type Value = bool;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[HasPlanOf]) -> Result<std::collections::HashMap<HasPlanOf, bool>, Arc<DbErr>> {
        let items: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let planned = store::planned(&self.store(), &self.state.db, &items).await.map_err(load_error)?;
        Ok(keys.iter().map(|k| (*k, planned.contains(&k.0))).collect())
    }
}
