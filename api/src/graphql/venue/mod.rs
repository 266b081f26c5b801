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
use entity::{venue, venue_incident, venue_inspection, venue_penalty};
use uuid::Uuid;

pub use self::mutation::{
    CreateVenueInput, DecideVenueStepDownInput, RaiseVenueAttentionInput, RecordInspectionInput,
    RecordVenueIncidentInput, RecordVenuePenaltyInput, RequestVenueStepDownInput, UpdateVenueInput, VenueMutation,
    VenuePayload,
};
pub use self::query::VenueQuery;
use super::ContextExt;
use super::fetch;
use super::ids::{self, Kind};
use super::level::LevelChange;
use super::loaders::Officer;
use super::org::Village;
use super::scalars::Date;
use super::venue_loaders::{
    InspectionsOf, LastInspectionOf, VenueHistoryOf, VenueIncidentsOf, VenueLoaders, VenuePenaltiesOf,
};
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

/// 重点场所 — a key venue on the town's ledger, read field group by field group.
#[Object]
impl Venue {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Venue, self.model.id)
    }
    /// 版本号 — changes with every write; pass it as `expectedVersion` to update. Null unless the viewer
    /// reads every field group: the count of changes would otherwise tell of hidden activity.
    async fn version(&self) -> Option<i32> {
        self.groups.all().then_some(self.model.version)
    }
    /// 最后变更时间 — when the record last changed. Null unless the viewer reads every field
    /// group, as `version`: it moves with a change to any group.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.groups.all().then_some(self.model.updated_at)
    }
    /// 场所名称 — the venue's name.
    async fn name(&self) -> Option<&str> {
        self.group("basic", |m| m.name.as_str())
    }
    /// The kind of venue (农贸市场, 娱乐场所, …).
    async fn venue_type(&self) -> Option<VenueType> {
        self.group("basic", |m| m.venue_type)
    }
    /// 场所地址 — the venue's address.
    async fn address(&self) -> Option<&str> {
        self.group("basic", |m| m.address.as_str())
    }
    /// 村（社区） — the village the venue is in.
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Village>> {
        if !self.groups.has("basic") {
            return Ok(None);
        }
        Ok(ctx.loaders()?.villages.load_one(self.model.village_id).await?)
    }
    /// 关注等级 — the attention level; it sets how often talks or inspections are due.
    async fn attention_level(&self) -> Option<AttentionLevel> {
        self.group("basic", |m| m.attention_level)
    }
    /// 在管状态 — on the ledger or delisted (撤管).
    async fn status(&self) -> Option<RecordStatus> {
        self.group("basic", |m| m.status)
    }
    /// 列管日期 — the date the record was put on the ledger.
    async fn listed_at(&self) -> Option<Date> {
        self.group("basic", |m| Date(m.listed_at))
    }

    /// 营业执照号 — business licence number; unique in the town.
    async fn licence_number(&self) -> Option<&str> {
        self.group("contact", |m| m.licence_number.as_deref()).flatten()
    }
    /// 负责人 — the manager's name.
    async fn manager_name(&self) -> Option<&str> {
        self.group("contact", |m| m.manager_name.as_deref()).flatten()
    }
    /// 负责人电话 — the manager's phone number.
    async fn manager_phone(&self) -> Option<&str> {
        self.group("contact", |m| m.manager_phone.as_deref()).flatten()
    }

    /// 检查记录 — inspections, newest first.
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
    /// 行政处罚 — administrative penalties of the venue, newest first; a penalty makes the venue
    /// SPECIAL at once.
    async fn penalties(&self) -> async_graphql::Result<Option<Vec<VenuePenalty>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(VenuePenaltiesOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(VenuePenalty).collect()))
    }
    /// 等级变更记录 — changes of attention level, newest first, pending step-down requests included.
    async fn level_history(&self) -> async_graphql::Result<Option<Vec<LevelChange>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(VenueHistoryOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(LevelChange::from).collect()))
    }
    /// 备注 — investigative notes.
    async fn notes(&self) -> Option<&str> {
        self.group("record", |m| m.notes.as_deref()).flatten()
    }
    /// 检查状态 — whether inspections are on time for the current level.
    async fn inspection_status(&self) -> async_graphql::Result<Option<InspectionStatus>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let last = self.loaders.records.load_one(LastInspectionOf(self.model.id)).await?.flatten();
        Ok(Some(inspection_status(&self.model, last)))
    }

    /// 场所权限 — what the viewer may read and do on this venue.
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
            record_incident: can("record_incident"),
            record_penalty: can("record_penalty"),
            raise_level: can("raise_level"),
            request_step_down: can("request_step_down"),
            decide_step_down: can("decide_step_down"),
        })
    }
}

/// 场所权限 — what the viewer may read and do on a venue.
#[derive(SimpleObject)]
pub struct VenueViewerCan {
    /// 可读基本信息 — the viewer reads the basic fields.
    pub read_basic: bool,
    /// 可读联系信息 — the viewer reads the manager's name and phone.
    pub read_contact: bool,
    /// 可读管控记录 — the viewer reads the record group (talks, incidents, level history, duties).
    pub read_record: bool,
    /// 可修改 — the viewer may change the particulars.
    pub update: bool,
    /// 可记录检查 — the viewer may record an inspection.
    pub record_inspection: bool,
    /// 可记录警情 — the viewer may record an incident at the venue.
    pub record_incident: bool,
    /// 可记录处罚 — the viewer may record a penalty of the venue.
    pub record_penalty: bool,
    /// 可升级 — the viewer may raise the attention level.
    pub raise_level: bool,
    /// 可申请降级 — the viewer may request a step-down.
    pub request_step_down: bool,
    /// 可审批降级 — the viewer may approve or reject a step-down request.
    pub decide_step_down: bool,
}

/// An inspection of a venue, and whether its manager was talked to.
pub struct Inspection(venue_inspection::Model);

/// 场所检查 — an inspection of a key venue.
#[Object]
impl Inspection {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::Inspection, self.0.id)
    }
    /// 检查日期 — the date of the inspection.
    async fn inspected_on(&self) -> Date {
        Date(self.0.inspected_on)
    }
    /// 检查民警 — the inspecting officer.
    async fn inspector(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.inspector_id).await?)
    }
    /// 检查情况 — what the inspection found.
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

/// 场所警情 — an incident at a venue.
#[Object]
impl VenueIncident {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::VenueIncident, self.0.id)
    }
    /// 发生日期 — the date of the incident.
    async fn occurred_on(&self) -> Date {
        Date(self.0.occurred_on)
    }
    /// 类型 — the kind of incident, as recorded.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// 摘要 — what happened.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

/// An administrative penalty of a venue.
pub struct VenuePenalty(venue_penalty::Model);

/// 场所处罚 — an administrative penalty of a key venue.
#[Object]
impl VenuePenalty {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::VenuePenalty, self.0.id)
    }
    /// 处罚日期 — the date of the penalty decision.
    async fn penalised_on(&self) -> Date {
        Date(self.0.penalised_on)
    }
    /// 处罚机关 — the body that imposed it.
    async fn authority(&self) -> &str {
        &self.0.authority
    }
    /// 处罚内容 — the penalty imposed.
    async fn penalty(&self) -> &str {
        &self.0.penalty
    }
    /// 处罚决定书文号 — the number of the penalty decision, if recorded.
    async fn decision_number(&self) -> Option<&str> {
        self.0.decision_number.as_deref()
    }
}

/// 检查状态 — whether a venue's inspections are on time (domain.md: SPECIAL twice a month, KEY every two
/// months, GENERAL every quarter).
#[derive(SimpleObject)]
pub struct InspectionStatus {
    /// 最近检查 — the date of the last inspection; null when there has been none.
    pub last_inspected_at: Option<Date>,
    /// 下次检查 — when the next inspection is due.
    pub next_due_at: Date,
    /// 逾期 — past due on an active venue; a delisted venue owes no inspections.
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
