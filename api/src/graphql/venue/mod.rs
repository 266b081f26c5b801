//! Key venues (重点场所): `venues`, `venue`, and the writes of the venue ledger.
//!
//! Every read starts from `Access::select::<Venues>` and every field is served only when the
//! viewer holds its group on the row (access.md "Field groups": `basic`, `contact`, `record`).
//! No venue group is audited on read (access.md rule 6); denied attempts on real venues are.
//! Writes check, in this order: the row is in the viewer's read scope (else `NOT_FOUND`, as for
//! a random id), the action is granted on it (else `FORBIDDEN`), then input and state
//! (`BAD_USER_INPUT`, `CONFLICT`); each write is one transaction with its audit entry.
//!
//! Step-downs follow domain.md "Key venues": the police request checks incidents only; the
//! coordinator's approval also counts ordinary leads naming the venue, never umbrella leads, and
//! a refusal caused by a lead says only that the venue is not clean: it never names or counts a
//! lead.

mod mutation;
mod query;

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AttentionLevel, AuditCategory, AuditOutcome, RecordStatus, VenueType};
use entity::{venue, venue_incident, venue_inspection};
use uuid::Uuid;

pub use self::mutation::{
    CreateVenueInput, DecideVenueStepDownInput, RaiseVenueAttentionInput, RecordInspectionInput,
    RequestVenueStepDownInput, UpdateVenueInput, VenueMutation, VenuePayload,
};
pub use self::query::VenueQuery;
use super::ContextExt;
use super::fetch;
use super::ids::{self, Kind};
use super::level::LevelChange;
use super::loaders::Officer;
use super::org::Village;
use super::scalars::Date;
use super::venue_loaders::{InspectionsOf, LastInspectionOf, VenueHistoryOf, VenueIncidentsOf, VenueLoaders};
use crate::access::GroupSet;
use crate::access::resource::Venues;
pub use crate::access::stores::venue::{NewVenue, VenueFilter, VenueOrder, VenueOrderField, filter_condition};
use crate::audit;
use crate::domain::levels;
use crate::error::ApiError;

/// An edge of `venues`.
pub type VenueEdge = super::connection::Edge<Venue>;

/// A key venue, as the viewer may see it.
#[derive(Clone)]
pub struct Venue {
    model: Arc<venue::Model>,
    groups: GroupSet<Venues>,
    loaders: Arc<VenueLoaders>,
}

impl Venue {
    fn new(model: venue::Model, groups: GroupSet<Venues>, loaders: Arc<VenueLoaders>) -> Self {
        Self { model: Arc::new(model), groups, loaders }
    }

    fn group<'a, T>(&'a self, group: &str, value: impl FnOnce(&'a venue::Model) -> T) -> Option<T> {
        self.groups.has(group).then(|| value(&self.model))
    }

    /// The name, when the viewer reads `basic` (task summaries).
    pub fn display_name(&self) -> Option<&str> {
        self.group("basic", |m| m.name.as_str())
    }
}

#[Object]
impl Venue {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Venue, self.model.id)
    }
    /// Changes with every write; pass it as `expectedVersion` to update. Null unless the viewer
    /// reads every field group: the count of changes would otherwise tell of hidden activity.
    async fn version(&self) -> Option<i32> {
        self.groups.all().then_some(self.model.version)
    }
    /// 最后变更时间 — when the record last changed. Null unless the viewer reads every field
    /// group, as `version`: it moves with a change to any group.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.groups.all().then_some(self.model.updated_at)
    }
    async fn name(&self) -> Option<&str> {
        self.group("basic", |m| m.name.as_str())
    }
    /// The kind of venue (农贸市场, 娱乐场所, …).
    async fn venue_type(&self) -> Option<VenueType> {
        self.group("basic", |m| m.venue_type)
    }
    async fn address(&self) -> Option<&str> {
        self.group("basic", |m| m.address.as_str())
    }
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Village>> {
        if !self.groups.has("basic") {
            return Ok(None);
        }
        Ok(ctx.loaders()?.villages.load_one(self.model.village_id).await?)
    }
    async fn attention_level(&self) -> Option<AttentionLevel> {
        self.group("basic", |m| m.attention_level)
    }
    async fn status(&self) -> Option<RecordStatus> {
        self.group("basic", |m| m.status)
    }
    async fn listed_at(&self) -> Option<Date> {
        self.group("basic", |m| Date(m.listed_at))
    }

    /// Business licence number; unique in the town.
    async fn licence_number(&self) -> Option<&str> {
        self.group("contact", |m| m.licence_number.as_deref()).flatten()
    }
    async fn manager_name(&self) -> Option<&str> {
        self.group("contact", |m| m.manager_name.as_deref()).flatten()
    }
    async fn manager_phone(&self) -> Option<&str> {
        self.group("contact", |m| m.manager_phone.as_deref()).flatten()
    }

    /// Inspections, newest first.
    async fn inspections(&self) -> async_graphql::Result<Option<Vec<Inspection>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(InspectionsOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(Inspection).collect()))
    }
    /// Incidents at the venue (警情, 处罚, …), newest first.
    async fn incidents(&self) -> async_graphql::Result<Option<Vec<VenueIncident>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(VenueIncidentsOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(VenueIncident).collect()))
    }
    /// Changes of attention level, newest first, pending step-down requests included.
    async fn level_history(&self) -> async_graphql::Result<Option<Vec<LevelChange>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(VenueHistoryOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(LevelChange::from).collect()))
    }
    async fn notes(&self) -> Option<&str> {
        self.group("record", |m| m.notes.as_deref()).flatten()
    }
    /// Whether inspections are on time for the current level.
    async fn inspection_status(&self) -> async_graphql::Result<Option<InspectionStatus>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let last = self.loaders.records.load_one(LastInspectionOf(self.model.id)).await?.flatten();
        Ok(Some(inspection_status(&self.model, last)))
    }

    /// What the viewer may read and do on this venue.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<VenueViewerCan> {
        // Every venue scope is decidable on the row: no query (see `Access::can_on_row`).
        let viewer = ctx.viewer()?;
        let access = &ctx.state().access;
        let can = |action: &str| access.can_on_row::<Venues>(viewer, action, &self.model);
        Ok(VenueViewerCan {
            read_basic: self.groups.has("basic"),
            read_contact: self.groups.has("contact"),
            read_record: self.groups.has("record"),
            update: can("update"),
            record_inspection: can("record_inspection"),
            raise_level: can("raise_level"),
            request_step_down: can("request_step_down"),
            decide_step_down: can("decide_step_down"),
        })
    }
}

#[derive(SimpleObject)]
pub struct VenueViewerCan {
    pub read_basic: bool,
    pub read_contact: bool,
    pub read_record: bool,
    pub update: bool,
    pub record_inspection: bool,
    pub raise_level: bool,
    pub request_step_down: bool,
    pub decide_step_down: bool,
}

/// An inspection of a venue, and whether its manager was talked to.
pub struct Inspection(venue_inspection::Model);

#[Object]
impl Inspection {
    async fn id(&self) -> ID {
        ids::encode(Kind::Inspection, self.0.id)
    }
    async fn inspected_on(&self) -> Date {
        Date(self.0.inspected_on)
    }
    async fn inspector(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.inspector_id).await?)
    }
    async fn findings(&self) -> &str {
        &self.0.findings
    }
    /// Whether the manager was talked to (场所负责人约谈).
    async fn manager_talked(&self) -> bool {
        self.0.manager_talked
    }
}

/// An incident at a venue (警情, 行政处罚, 投诉 …).
pub struct VenueIncident(venue_incident::Model);

#[Object]
impl VenueIncident {
    async fn id(&self) -> ID {
        ids::encode(Kind::VenueIncident, self.0.id)
    }
    async fn occurred_on(&self) -> Date {
        Date(self.0.occurred_on)
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

/// Whether a venue's inspections are on time (domain.md: SPECIAL twice a month, KEY every two
/// months, GENERAL every quarter).
#[derive(SimpleObject)]
pub struct InspectionStatus {
    pub last_inspected_at: Option<Date>,
    pub next_due_at: Date,
    /// Past due on an active venue; a delisted venue owes no inspections.
    pub overdue: bool,
}

/// Inspection compliance of a venue, given its latest inspection.
fn inspection_status(venue: &venue::Model, last: Option<NaiveDate>) -> InspectionStatus {
    let interval = levels::inspection_interval_days(venue.attention_level);
    let next_due_at = levels::next_due(last, venue.level_since, interval);
    InspectionStatus {
        last_inspected_at: last.map(Date),
        next_due_at: Date(next_due_at),
        overdue: venue.status == RecordStatus::Active && crate::domain::lead_flow::today() > next_due_at,
    }
}

/// The venue with `id` in the viewer's read scope. A real venue outside it is logged as a
/// denied attempt and answered exactly like a missing one.
/// A venue the viewer reads (a relation read in a batch), as the object type.
pub(crate) fn from_held(
    ctx: &Context<'_>,
    (model, groups): crate::access::store::Held<Venues>,
) -> Result<Venue, ApiError> {
    Ok(Venue::new(model, groups, ctx.loaders()?.venue_records.clone()))
}

pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<Venue>, ApiError> {
    let viewer = ctx.viewer()?;
    let loaders = || VenueLoaders::new(ctx.state().clone(), viewer.clone());
    Ok(fetch::one::<Venues>(ctx, id, "Venue").await?.map(|(m, groups)| Venue::new(m, groups, loaders())))
}

pub(crate) fn write_entry(action: &'static str, id: Uuid) -> audit::Entry<'static> {
    audit::Entry {
        action,
        object_type: "Venue",
        object_id: Some(id),
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    }
}
