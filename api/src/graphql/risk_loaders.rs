//! DataLoaders for the detail of risk items (daily checks, feedback, events), so a page of items
//! loads each relation in one scoped query instead of one per row.
//!
//! Child rows come from [`Store::children`](crate::access::store::Store::children): only under
//! items the viewer may read *and* on which it holds the `detail` group, so a resolver that
//! forgot its group check would still get nothing. The loaders are made by the query that loads
//! the items ([`RecordLoaders::new`]) and shared by every item it returns; villages, org units
//! and officers come from the request's [`Loaders`].

use super::loaders::prime;
use std::sync::Arc;

use entity::risk_item;
use sea_orm::DbErr;
use uuid::Uuid;

use super::loaders::Loaders;
use super::venue_loaders::Of;
pub use super::venue_loaders::RecordLoaders;
use crate::access::stores::risk::{Checks, Events, Feedback};

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
}

/// Loads the relations of a whole page in one batch each, before the rows resolve (without it
/// the batches would depend on timing: a DataLoader dispatches 1 ms after its first key).
pub async fn prefetch_risks(
    loaders: &Loaders,
    risk_loaders: &RiskLoaders,
    rows: &[&risk_item::Model],
    wants: &RiskWants,
) -> Result<(), Arc<DbErr>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let records = &risk_loaders.records;
    if wants.village {
        prime(&loaders.villages, rows.iter().map(|r| r.village_id)).await?;
    }
    let mut units: Vec<Uuid> = Vec::new();
    let mut users: Vec<Uuid> = Vec::new();
    if wants.units {
        units.extend(rows.iter().flat_map(|r| [r.territorial_unit_id, r.sector_unit_id, r.assignee_unit_id]).flatten());
    }
    if wants.checks {
        let checks = prime(records, ids.iter().map(|id| ChecksOf::new(*id))).await?;
        if wants.check_users {
            users.extend(checks.values().flatten().map(|c| c.user_id));
        }
    }
    if wants.feedback {
        let feedback = prime(records, ids.iter().map(|id| FeedbackOf::new(*id))).await?;
        if wants.feedback_units {
            units.extend(feedback.values().flatten().map(|f| f.unit_id));
        }
        if wants.feedback_users {
            users.extend(feedback.values().flatten().map(|f| f.user_id));
        }
    }
    if wants.events {
        let events = prime(records, ids.iter().map(|id| RiskEventsOf::new(*id))).await?;
        if wants.event_units {
            units.extend(events.values().flatten().filter_map(|e| e.actor_unit_id));
        }
        if wants.event_users {
            users.extend(events.values().flatten().filter_map(|e| e.actor_user_id));
        }
    }
    if !units.is_empty() {
        prime(&loaders.org_units, units).await?;
    }
    if !users.is_empty() {
        prime(&loaders.officers, users).await?;
    }
    Ok(())
}

/// The daily checks of a risk item, newest first.
pub type ChecksOf = Of<Checks>;
/// The feedback on a risk item, oldest first (a thread).
pub type FeedbackOf = Of<Feedback>;
/// The history of a risk item, oldest first.
pub type RiskEventsOf = Of<Events>;
