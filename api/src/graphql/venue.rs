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

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{NaiveDate, Utc};
use entity::enums::{
    AttentionLevel, AuditCategory, AuditOutcome, LevelChangeKind, LevelChangeStatus, RecordStatus, VenueType,
};
use entity::{lead, venue, venue_incident, venue_inspection, venue_level_change};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, TransactionTrait,
};
use uuid::Uuid;

use super::ContextExt;
use super::connection::{Connection, KeyKind, Page, after as keyset_after, encode_cursor, page_size};
use super::fetch;
use super::ids::{self, Kind};
use super::level::{LevelChange, StepDownDecision};
use super::loaders::Officer;
use super::org::Village;
use super::person::SortDirection;
use super::refs::{officer_in_town, optional_phone, village_in_town};
use super::scalars::Date;
use super::venue_loaders::{
    InspectionsOf, LastInspectionOf, VenueHistoryOf, VenueIncidentsOf, VenueLoaders, VenueWants, prefetch_venues,
};
use crate::access::GroupSet;
use crate::access::duty;
use crate::access::resource::Venues;
use crate::audit;
use crate::auth::Viewer;
use crate::domain::{levels, validate};
use crate::error::ApiError;
use crate::rules::{self, Trigger};

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
        let rows = self.loaders.records.load_one(InspectionsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(Inspection).collect()))
    }
    /// Incidents at the venue (警情, 处罚, …), newest first.
    async fn incidents(&self) -> async_graphql::Result<Option<Vec<VenueIncident>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(VenueIncidentsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(VenueIncident).collect()))
    }
    /// Changes of attention level, newest first, pending step-down requests included.
    async fn level_history(&self) -> async_graphql::Result<Option<Vec<LevelChange>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(VenueHistoryOf(self.model.id)).await?.unwrap_or_default();
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

#[derive(InputObject, Default)]
pub struct VenueFilter {
    pub village_id: Option<ID>,
    pub attention_level: Option<Vec<AttentionLevel>>,
    pub venue_type: Option<VenueType>,
    pub status: Option<RecordStatus>,
    /// Names starting with this text.
    pub name_prefix: Option<String>,
    /// Listed on or after this date.
    pub listed_from: Option<Date>,
    /// Listed on or before this date.
    pub listed_to: Option<Date>,
    /// Whose inspection is overdue (true) or not (false). Needs the `record` group.
    pub overdue: Option<bool>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum VenueOrderField {
    #[default]
    Name,
    ListedAt,
    /// The date the next inspection is due (needs the `record` group).
    NextDue,
}

#[derive(InputObject, Default)]
pub struct VenueOrder {
    #[graphql(default)]
    pub field: VenueOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

#[derive(Default)]
pub struct VenueQuery;

#[Object]
impl VenueQuery {
    /// Key venues in the viewer's scope, a page at a time.
    #[graphql(complexity = "std::cmp::max(first.unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn venues(
        &self,
        ctx: &Context<'_>,
        filter: Option<VenueFilter>,
        order_by: Option<VenueOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Venue>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let first = page_size(first)?;
        let groups = state.access.groups::<Venues>(viewer);
        let filter_cond = filter_condition(viewer, &groups, filter.unwrap_or_default())?;
        let order = order_by.unwrap_or_default();
        // Rule 4 for ordering: name and listing date are `basic`, the next inspection due date
        // also needs the inspections (`record`). No role holds these on only some of the venues
        // it reads; should one ever, refuse rather than sort by hidden values.
        let sort_group = if order.field == VenueOrderField::NextDue { "record" } else { "basic" };
        if !groups.held_everywhere(sort_group) {
            return Err(ApiError::Forbidden.into());
        }
        let base = state.access.select::<Venues>(viewer)?.filter(filter_cond);
        let key = match order.field {
            VenueOrderField::Name => Expr::col((venue::Entity, venue::Column::Name)),
            VenueOrderField::ListedAt => Expr::col((venue::Entity, venue::Column::ListedAt)),
            VenueOrderField::NextDue => duty::INSPECTIONS.next_due(state.db.get_database_backend()),
        };
        let mut page = base.clone();
        if let Some(cursor) = after {
            let kind = if order.field == VenueOrderField::Name { KeyKind::Text } else { KeyKind::Date };
            let id = Expr::col((venue::Entity, venue::Column::Id));
            page = page.filter(keyset_after(&cursor, kind, key.clone(), id, order.direction == SortDirection::Asc)?);
        }
        let direction = match order.direction {
            SortDirection::Asc => sea_orm::Order::Asc,
            SortDirection::Desc => sea_orm::Order::Desc,
        };
        let page = page.order_by(key, direction.clone()).order_by(venue::Column::Id, direction);
        let rows = page.limit(first + 1).all(&state.db).await.map_err(ApiError::from)?;

        let look = ctx.look_ahead();
        let node = [look.field("nodes"), look.field("edges").field("node")];
        let wants = |field: &str| node.iter().any(|n| n.field(field).exists());
        let wants = VenueWants {
            village: wants("village"),
            inspections: wants("inspections"),
            inspectors: node.iter().any(|n| n.field("inspections").field("inspector").exists()),
            incidents: wants("incidents"),
            level_history: wants("levelHistory"),
            last_inspection: wants("inspectionStatus") || order.field == VenueOrderField::NextDue,
        };
        let venue_loaders = VenueLoaders::new(state.clone(), viewer.clone());
        prefetch_venues(ctx.loaders()?, &venue_loaders, &rows, &wants).await?;
        let total_count = if look.field("totalCount").exists() {
            Some(base.count(&state.db).await.map_err(ApiError::from)? as i64)
        } else {
            None
        };
        let mut page_rows = Vec::with_capacity(rows.len());
        for m in rows {
            let cursor_key = match order.field {
                VenueOrderField::Name => m.name.clone(),
                VenueOrderField::ListedAt => m.listed_at.format("%Y-%m-%d").to_string(),
                VenueOrderField::NextDue => {
                    // Prefetched above: served from the cache, the same rule as the SQL key.
                    let last = venue_loaders.records.load_one(LastInspectionOf(m.id)).await?.flatten();
                    inspection_status(&m, last).next_due_at.0.format("%Y-%m-%d").to_string()
                }
            };
            let groups = groups.on(viewer, &m);
            page_rows.push((encode_cursor(&cursor_key, m.id), Venue::new(m, groups, venue_loaders.clone())));
        }
        Ok(Connection::new(page_rows, first, total_count))
    }

    /// One key venue, or null when there is none in the viewer's scope.
    async fn venue(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Venue>> {
        let Some(id) = ids::decode_as(&id, Kind::Venue) else {
            return Ok(None);
        };
        Ok(find(ctx, id).await?)
    }
}

/// The venue with `id` in the viewer's read scope. A real venue outside it is logged as a
/// denied attempt and answered exactly like a missing one.
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<Venue>, ApiError> {
    let viewer = ctx.viewer()?;
    let loaders = || VenueLoaders::new(ctx.state().clone(), viewer.clone());
    Ok(fetch::one::<Venues>(ctx, id, "Venue").await?.map(|(m, groups)| Venue::new(m, groups, loaders())))
}

/// The SQL condition of a filter (the list and the export share it).
pub(crate) fn filter_condition(
    viewer: &Viewer,
    groups: &crate::access::Groups<Venues>,
    filter: VenueFilter,
) -> Result<Condition, ApiError> {
    // Rule 4: see `Groups::filter`.
    let guard = |group: &str, cond: Condition| groups.filter(viewer, group, cond);
    let mut all = Condition::all();
    if let Some(village) = filter.village_id {
        let village = ids::decode_as(&village, Kind::Village).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(venue::Column::VillageId.eq(village)))?);
    }
    if let Some(levels) = filter.attention_level {
        all = all.add(guard("basic", Condition::all().add(venue::Column::AttentionLevel.is_in(levels)))?);
    }
    if let Some(venue_type) = filter.venue_type {
        all = all.add(guard("basic", Condition::all().add(venue::Column::VenueType.eq(venue_type)))?);
    }
    if let Some(status) = filter.status {
        all = all.add(guard("basic", Condition::all().add(venue::Column::Status.eq(status)))?);
    }
    if let Some(prefix) = filter.name_prefix {
        let prefix = validate::optional_text("filter.namePrefix", &prefix, 200)?;
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let like =
            Expr::col((venue::Entity, venue::Column::Name)).like(LikeExpr::new(format!("{escaped}%")).escape('\\'));
        all = all.add(guard("basic", Condition::all().add(like))?);
    }
    if let Some(from) = filter.listed_from {
        all = all.add(guard("basic", Condition::all().add(venue::Column::ListedAt.gte(from.0)))?);
    }
    if let Some(to) = filter.listed_to {
        all = all.add(guard("basic", Condition::all().add(venue::Column::ListedAt.lte(to.0)))?);
    }
    if let Some(overdue) = filter.overdue {
        let cond = duty::INSPECTIONS.overdue(crate::domain::lead_flow::today());
        all = all.add(guard("record", if overdue { cond } else { cond.not() })?);
    }
    Ok(all)
}

#[derive(InputObject)]
pub struct CreateVenueInput {
    pub name: String,
    pub venue_type: VenueType,
    pub address: String,
    pub village_id: ID,
    pub attention_level: AttentionLevel,
    /// Unique in the town.
    pub licence_number: Option<String>,
    pub manager_name: Option<String>,
    pub manager_phone: Option<String>,
    pub notes: Option<String>,
}

/// Fields left out stay as they are; an empty text clears an optional one.
#[derive(InputObject)]
pub struct UpdateVenueInput {
    pub id: ID,
    /// The `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    pub name: Option<String>,
    pub venue_type: Option<VenueType>,
    pub address: Option<String>,
    pub village_id: Option<ID>,
    pub licence_number: Option<String>,
    pub manager_name: Option<String>,
    pub manager_phone: Option<String>,
    pub notes: Option<String>,
}

#[derive(InputObject)]
pub struct RecordInspectionInput {
    pub venue_id: ID,
    pub inspected_on: Date,
    pub findings: String,
    pub manager_talked: bool,
    /// The inspecting officer; defaults to the viewer.
    pub inspector_id: Option<ID>,
}

#[derive(InputObject)]
pub struct RaiseVenueAttentionInput {
    pub venue_id: ID,
    /// Must be above the current level.
    pub level: AttentionLevel,
    pub reason: String,
}

#[derive(InputObject)]
pub struct RequestVenueStepDownInput {
    pub venue_id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct DecideVenueStepDownInput {
    /// The pending `STEP_DOWN` entry of the venue's `levelHistory`.
    pub level_change_id: ID,
    pub decision: StepDownDecision,
    pub comment: Option<String>,
    /// The body that approved (e.g. the district office); required to approve.
    pub approving_body: Option<String>,
    /// Its document number; required to approve.
    pub document_number: Option<String>,
}

#[derive(SimpleObject)]
pub struct VenuePayload {
    pub venue: Option<Venue>,
}

#[derive(Default)]
pub struct VenueMutation;

#[Object]
impl VenueMutation {
    /// Lists a key venue (police). A licence number the town already holds is a `CONFLICT`
    /// (the police read every venue of the town, so this tells them nothing new).
    async fn create_venue(&self, ctx: &Context<'_>, input: CreateVenueInput) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        if state.access.rows::<Venues>(viewer, "create").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        let new = NewVenue::validate(ctx, viewer, input).await?;
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        let id = new.insert(&txn, viewer).await?;
        audit::record(&txn, ctx, viewer, write_entry("create_venue", id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, id).await? })
    }

    /// Changes a venue's particulars (police). Fails with `CONFLICT` when `expectedVersion` is
    /// stale, the licence number is taken, or the venue is delisted. Levels change through
    /// `raiseVenueAttention` and the step-down requests, never here.
    async fn update_venue(&self, ctx: &Context<'_>, input: UpdateVenueInput) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.id, "update").await?;
        let mut active = <venue::ActiveModel as Default>::default();
        if let Some(name) = &input.name {
            active.name = Set(validate::text("input.name", name, 200)?);
        }
        if let Some(venue_type) = input.venue_type {
            active.venue_type = Set(venue_type);
        }
        if let Some(address) = &input.address {
            active.address = Set(validate::text("input.address", address, 500)?);
        }
        if let Some(village) = &input.village_id {
            active.village_id = Set(village_in_town(ctx, viewer, "input.villageId", village).await?);
        }
        if let Some(licence) = &input.licence_number {
            let licence = optional("input.licenceNumber", Some(licence), 100)?;
            if let Some(licence) = &licence {
                licence_free(ctx, viewer, licence, Some(current.id)).await?;
            }
            active.licence_number = Set(licence);
        }
        if let Some(manager) = &input.manager_name {
            active.manager_name = Set(optional("input.managerName", Some(manager), 200)?);
        }
        if let Some(phone) = &input.manager_phone {
            active.manager_phone = Set(optional_phone("input.managerPhone", Some(phone))?);
        }
        if let Some(notes) = &input.notes {
            active.notes = Set(optional("input.notes", Some(notes), 4000)?);
        }
        active.updated_at = Set(Utc::now());
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        // The version check is the transaction's first statement: a concurrent writer waits
        // for the lock and then finds the version moved on.
        let updated = venue::Entity::update_many()
            .set(active)
            .col_expr(venue::Column::Version, Expr::col(venue::Column::Version).add(1))
            .filter(venue::Column::Id.eq(current.id))
            .filter(venue::Column::Version.eq(input.expected_version))
            .exec(&txn)
            .await
            .map_err(on_unique_licence)?;
        if updated.rows_affected == 0 {
            return Err(stale().into());
        }
        audit::record(&txn, ctx, viewer, write_entry("update_venue", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// Records an inspection (police).
    async fn record_inspection(
        &self,
        ctx: &Context<'_>,
        input: RecordInspectionInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "record_inspection").await?;
        let inspected_on = validate::past_date("input.inspectedOn", input.inspected_on.0)?;
        let findings = validate::text("input.findings", &input.findings, 4000)?;
        let inspector = match &input.inspector_id {
            Some(id) => officer_in_town(ctx, viewer, "input.inspectorId", id).await?,
            None => viewer.user_id,
        };
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        venue_inspection::ActiveModel {
            id: Set(Uuid::now_v7()),
            venue_id: Set(current.id),
            inspected_on: Set(inspected_on),
            inspector_id: Set(inspector),
            findings: Set(findings),
            manager_talked: Set(input.manager_talked),
            recorded_by_user_id: Set(viewer.user_id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        touch(&txn, current.id).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_inspection", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// Raises a venue's attention level at once (police); the new level counts from today.
    async fn raise_venue_attention(
        &self,
        ctx: &Context<'_>,
        input: RaiseVenueAttentionInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "raise_level").await?;
        if !levels::is_higher(input.level, current.attention_level) {
            return Err(ApiError::bad_input(
                "input.level",
                format!("Choose a level above {}.", levels::level_name(current.attention_level)),
                format!("请选择高于{}的级别。", levels::level_name_zh(current.attention_level)),
            )
            .into());
        }
        let reason = validate::text("input.reason", &input.reason, 2000)?;
        let now = Utc::now();
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        let raised = venue::Entity::update_many()
            .set(venue::ActiveModel {
                attention_level: Set(input.level),
                level_since: Set(crate::domain::lead_flow::today()),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(venue::Column::Version, Expr::col(venue::Column::Version).add(1))
            .filter(venue::Column::Id.eq(current.id))
            .filter(venue::Column::Version.eq(current.version))
            .exec(&txn)
            .await
            .map_err(ApiError::from)?;
        if raised.rows_affected == 0 {
            return Err(stale().into());
        }
        let raise = (LevelChangeKind::Raise, LevelChangeStatus::Applied);
        level_change(viewer, current.id, raise, (Some(current.attention_level), Some(input.level)), reason)
            .insert(&txn)
            .await
            .map_err(ApiError::from)?;
        audit::record(&txn, ctx, viewer, write_entry("raise_venue_attention", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// Asks the coordinator to step a venue down one level, or to delist a GENERAL venue
    /// (police). Refused with `CONFLICT` while a request is pending, or unless the venue has
    /// had no incident for 6 months and has held its level for 6 months.
    async fn request_venue_step_down(
        &self,
        ctx: &Context<'_>,
        input: RequestVenueStepDownInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "request_step_down").await?;
        let reason = validate::text("input.reason", &input.reason, 2000)?;
        let pending = venue_level_change::Entity::find()
            .filter(venue_level_change::Column::VenueId.eq(current.id))
            .filter(venue_level_change::Column::Status.eq(LevelChangeStatus::Pending))
            .count(&state.db)
            .await
            .map_err(ApiError::from)?;
        if pending > 0 {
            return Err(ApiError::Conflict {
                message: "A step-down request for this venue is already waiting for a decision.".into(),
                message_zh: "该场所已有待审批的降级申请。".into(),
                allowed: vec![],
            }
            .into());
        }
        // The police request checks incidents only (domain.md "Key venues").
        let today = crate::domain::lead_flow::today();
        let last_incident = last_incident_on(&state.db, current.id).await?;
        if let Some((message, message_zh)) =
            levels::step_down_refusal(current.attention_level, current.level_since, last_incident, today)
        {
            return Err(ApiError::Conflict { message, message_zh, allowed: vec![] }.into());
        }
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        // First statement: two requests at once serialise here and the second finds the
        // version moved on, so there is never more than one pending request.
        let touched = venue::Entity::update_many()
            .col_expr(venue::Column::Version, Expr::col(venue::Column::Version).add(1))
            .col_expr(venue::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(venue::Column::Id.eq(current.id))
            .filter(venue::Column::Version.eq(current.version))
            .exec(&txn)
            .await
            .map_err(ApiError::from)?;
        if touched.rows_affected == 0 {
            return Err(stale().into());
        }
        let request = (LevelChangeKind::StepDown, LevelChangeStatus::Pending);
        let step = (Some(current.attention_level), levels::step_down_target(current.attention_level));
        level_change(viewer, current.id, request, step, reason).insert(&txn).await.map_err(ApiError::from)?;
        audit::record(&txn, ctx, viewer, write_entry("request_venue_step_down", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// Approves or rejects a pending step-down request (coordinator). Approval records the
    /// approving body and its document number, checks again that the venue is clean (no
    /// incident and no ordinary lead naming it for 6 months) and applies the step at once.
    /// A request already decided, or made by the viewer's own unit, is a `CONFLICT`; of two
    /// decisions at once exactly one wins.
    async fn decide_venue_step_down(
        &self,
        ctx: &Context<'_>,
        input: DecideVenueStepDownInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let (request, venue) = step_down_request(ctx, &input.level_change_id).await?;
        check_decidable(viewer, &request)?;
        let approve = input.decision == StepDownDecision::Approve;
        let comment = optional("input.comment", input.comment.as_deref(), 2000)?;
        let (approving_body, document_number) = if approve {
            (
                Some(validate::text("input.approvingBody", input.approving_body.as_deref().unwrap_or(""), 200)?),
                Some(validate::text("input.documentNumber", input.document_number.as_deref().unwrap_or(""), 100)?),
            )
        } else {
            (
                optional("input.approvingBody", input.approving_body.as_deref(), 200)?,
                optional("input.documentNumber", input.document_number.as_deref(), 100)?,
            )
        };
        let today = crate::domain::lead_flow::today();
        if approve {
            check_still_applies(&request, &venue)?;
            if let Some((message, message_zh)) = approval_refusal(ctx, viewer, &venue, today).await? {
                return Err(ApiError::Conflict { message, message_zh, allowed: vec![] }.into());
            }
        }
        let now = Utc::now();
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        // The decision is a conditional update and the transaction's first statement: of two
        // decisions at once, the second waits for the first to commit and then matches no row.
        let decided = venue_level_change::Entity::update_many()
            .set(venue_level_change::ActiveModel {
                status: Set(if approve { LevelChangeStatus::Approved } else { LevelChangeStatus::Rejected }),
                decided_by_user_id: Set(Some(viewer.user_id)),
                decided_by_unit_id: Set(Some(viewer.unit_id)),
                decision_comment: Set(comment),
                approving_body: Set(approving_body),
                document_number: Set(document_number),
                decided_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(venue_level_change::Column::Version, Expr::col(venue_level_change::Column::Version).add(1))
            .filter(venue_level_change::Column::Id.eq(request.id))
            .filter(venue_level_change::Column::Status.eq(LevelChangeStatus::Pending))
            .filter(venue_level_change::Column::Version.eq(request.version))
            .exec(&txn)
            .await
            .map_err(ApiError::from)?;
        if decided.rows_affected == 0 {
            return Err(already_decided().into());
        }
        if approve {
            let mut applied =
                venue::ActiveModel { level_since: Set(today), updated_at: Set(now), ..Default::default() };
            match request.to_level {
                Some(level) => applied.attention_level = Set(level),
                None => applied.status = Set(RecordStatus::Delisted),
            }
            // Applied only to the level the decision was about: a raise in between wins.
            let stepped = venue::Entity::update_many()
                .set(applied)
                .col_expr(venue::Column::Version, Expr::col(venue::Column::Version).add(1))
                .filter(venue::Column::Id.eq(venue.id))
                .filter(venue::Column::Status.eq(RecordStatus::Active))
                .filter(venue::Column::AttentionLevel.eq(venue.attention_level))
                .filter(venue::Column::LevelSince.eq(venue.level_since))
                .exec(&txn)
                .await
                .map_err(ApiError::from)?;
            if stepped.rows_affected == 0 {
                return Err(stale().into());
            }
        } else {
            touch(&txn, venue.id).await?;
        }
        audit::record(&txn, ctx, viewer, write_entry("decide_venue_step_down", venue.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(venue.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, venue.id).await? })
    }
}

/// The current row of a venue the viewer may write with `action`: `NOT_FOUND` outside the read
/// scope (like a random id), `FORBIDDEN` when the action is not granted on it, `CONFLICT` when
/// the venue is delisted.
async fn writable(ctx: &Context<'_>, id: &ID, action: &str) -> Result<venue::Model, ApiError> {
    let id = ids::decode_as(id, Kind::Venue).ok_or(ApiError::NotFound)?;
    if find(ctx, id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let current = granted(ctx, id, action).await?;
    if current.status == RecordStatus::Delisted {
        return Err(ApiError::Conflict {
            message: "This venue is delisted; its record is closed and read-only.".into(),
            message_zh: "该场所已撤管，档案只读。".into(),
            allowed: vec![],
        });
    }
    Ok(current)
}

/// The current row of a venue the viewer reads, when `action` is granted on it; `FORBIDDEN`
/// when it is not.
async fn granted(ctx: &Context<'_>, id: Uuid, action: &str) -> Result<venue::Model, ApiError> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    let allowed = state.access.rows::<Venues>(viewer, action).ok_or(ApiError::Forbidden)?;
    venue::Entity::find()
        .filter(allowed)
        .filter(venue::Column::Id.eq(id))
        .one(&state.db)
        .await?
        .ok_or(ApiError::Forbidden)
}

/// A step-down request and its venue, for a decision: `NOT_FOUND` unless the viewer reads the
/// venue's level history (`record`), exactly as for a random id; `FORBIDDEN` unless it may
/// decide step-downs on the venue.
async fn step_down_request(ctx: &Context<'_>, id: &ID) -> Result<(venue_level_change::Model, venue::Model), ApiError> {
    let state = ctx.state();
    let id = ids::decode_as(id, Kind::LevelChange).ok_or(ApiError::NotFound)?;
    let request = venue_level_change::Entity::find_by_id(id).one(&state.db).await?.ok_or(ApiError::NotFound)?;
    match find(ctx, request.venue_id).await? {
        Some(venue) if venue.groups.has("record") => {}
        Some(_) => {
            if let Some(log) = audit::read_log(ctx) {
                log.denied("Venue", request.venue_id);
            }
            return Err(ApiError::NotFound);
        }
        None => return Err(ApiError::NotFound),
    }
    let venue = granted(ctx, request.venue_id, "decide_step_down").await?;
    Ok((request, venue))
}

/// The state checks of a decision, after the access checks.
fn check_decidable(viewer: &Viewer, request: &venue_level_change::Model) -> Result<(), ApiError> {
    if request.kind != LevelChangeKind::StepDown {
        return Err(ApiError::Conflict {
            message: "This level change is not a step-down request.".into(),
            message_zh: "该记录不是降级申请。".into(),
            allowed: vec![],
        });
    }
    if request.status != LevelChangeStatus::Pending {
        return Err(already_decided());
    }
    if request.requested_by_unit_id == Some(viewer.unit_id) {
        return Err(ApiError::Conflict {
            message: "A unit may not decide its own step-down request.".into(),
            message_zh: "不能审批本单位提出的降级申请。".into(),
            allowed: vec![],
        });
    }
    Ok(())
}

/// `CONFLICT` when the venue's level is no longer the one the request was about (raised or
/// delisted since): such a request can only be rejected.
fn check_still_applies(request: &venue_level_change::Model, venue: &venue::Model) -> Result<(), ApiError> {
    if venue.status == RecordStatus::Delisted || request.from_level != Some(venue.attention_level) {
        return Err(ApiError::Conflict {
            message: "The venue's level changed since the request; it can only be rejected.".into(),
            message_zh: "申请提出后场所级别已变化，该申请只能驳回。".into(),
            allowed: vec!["REJECT".into()],
        });
    }
    Ok(())
}

/// Why the coordinator may not approve a step down now; `None` when the venue qualifies.
/// Incidents and the time at the level are checked as for the request, and their refusal says
/// which; then ordinary (never umbrella) leads naming the venue, whose refusal is generic so it
/// never names, dates or counts a lead.
async fn approval_refusal(
    ctx: &Context<'_>,
    viewer: &Viewer,
    venue: &venue::Model,
    today: NaiveDate,
) -> Result<Option<(String, String)>, ApiError> {
    let db = &ctx.state().db;
    let last_incident = last_incident_on(db, venue.id).await?;
    if let Some(refusal) = levels::step_down_refusal(venue.attention_level, venue.level_since, last_incident, today) {
        return Ok(Some(refusal));
    }
    let last_lead: Option<chrono::DateTime<Utc>> = lead::Entity::find()
        .select_only()
        .column_as(Expr::col(lead::Column::ReceivedAt).max(), "last_received_at")
        .filter(lead::Column::TownId.eq(viewer.town_id))
        .filter(lead::Column::VenueId.eq(venue.id))
        .filter(lead::Column::Umbrella.eq(false))
        .into_tuple::<Option<chrono::DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    let last_lead = last_lead.map(crate::rules::local_day);
    if levels::step_down_refusal(venue.attention_level, venue.level_since, last_lead, today).is_some() {
        return Ok(Some((
            "The venue has not been clean for the last 6 months; a step down needs 6 clean months.".into(),
            "该场所近6个月内未保持平稳，降级须连续6个月平稳无事。".into(),
        )));
    }
    Ok(None)
}

/// The day of the latest incident at a venue.
async fn last_incident_on(db: &impl ConnectionTrait, venue: Uuid) -> Result<Option<NaiveDate>, ApiError> {
    Ok(venue_incident::Entity::find()
        .select_only()
        .column_as(Expr::col(venue_incident::Column::OccurredOn).max(), "last_occurred_on")
        .filter(venue_incident::Column::VenueId.eq(venue))
        .into_tuple::<Option<NaiveDate>>()
        .one(db)
        .await?
        .flatten())
}

/// A new level-change row, requested by the viewer now.
fn level_change(
    viewer: &Viewer,
    venue: Uuid,
    (kind, status): (LevelChangeKind, LevelChangeStatus),
    (from, to): (Option<AttentionLevel>, Option<AttentionLevel>),
    reason: String,
) -> venue_level_change::ActiveModel {
    let now = Utc::now();
    venue_level_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        venue_id: Set(venue),
        kind: Set(kind),
        status: Set(status),
        from_level: Set(from),
        to_level: Set(to),
        reason: Set(reason),
        requested_by_user_id: Set(Some(viewer.user_id)),
        requested_by_unit_id: Set(Some(viewer.unit_id)),
        decided_by_user_id: Set(None),
        decided_by_unit_id: Set(None),
        decision_comment: Set(None),
        approving_body: Set(None),
        document_number: Set(None),
        decided_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// A new version of a venue whose record grew (an inspection, a decision).
async fn touch(txn: &impl ConnectionTrait, venue: Uuid) -> Result<(), ApiError> {
    venue::Entity::update_many()
        .col_expr(venue::Column::Version, Expr::col(venue::Column::Version).add(1))
        .col_expr(venue::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(venue::Column::Id.eq(venue))
        .exec(txn)
        .await?;
    Ok(())
}

/// A validated `createVenue` input (the mutation and the ledger import share it).
pub(crate) struct NewVenue {
    name: String,
    venue_type: VenueType,
    address: String,
    village_id: Uuid,
    attention_level: AttentionLevel,
    licence_number: Option<String>,
    manager_name: Option<String>,
    manager_phone: Option<String>,
    notes: Option<String>,
}

impl NewVenue {
    pub(crate) async fn validate(
        ctx: &Context<'_>,
        viewer: &Viewer,
        input: CreateVenueInput,
    ) -> Result<Self, ApiError> {
        let name = validate::text("input.name", &input.name, 200)?;
        let address = validate::text("input.address", &input.address, 500)?;
        let village_id = village_in_town(ctx, viewer, "input.villageId", &input.village_id).await?;
        let licence_number = optional("input.licenceNumber", input.licence_number.as_deref(), 100)?;
        let manager_name = optional("input.managerName", input.manager_name.as_deref(), 200)?;
        let manager_phone = optional_phone("input.managerPhone", input.manager_phone.as_deref())?;
        let notes = optional("input.notes", input.notes.as_deref(), 4000)?;
        if let Some(licence) = &licence_number {
            licence_free(ctx, viewer, licence, None).await?;
        }
        Ok(Self {
            name,
            venue_type: input.venue_type,
            address,
            village_id,
            attention_level: input.attention_level,
            licence_number,
            manager_name,
            manager_phone,
            notes,
        })
    }

    /// Inserts the venue with its initial level entry; returns its id.
    pub(crate) async fn insert(self, txn: &impl ConnectionTrait, viewer: &Viewer) -> Result<Uuid, ApiError> {
        let now = Utc::now();
        let today = crate::domain::lead_flow::today();
        let id = Uuid::now_v7();
        let inserted = venue::ActiveModel {
            id: Set(id),
            town_id: Set(viewer.town_id),
            village_id: Set(self.village_id),
            name: Set(self.name),
            venue_type: Set(self.venue_type),
            address: Set(self.address),
            licence_number: Set(self.licence_number),
            manager_name: Set(self.manager_name),
            manager_phone: Set(self.manager_phone),
            attention_level: Set(self.attention_level),
            level_since: Set(today),
            listed_at: Set(today),
            status: Set(RecordStatus::Active),
            notes: Set(self.notes),
            created_by_unit_id: Set(viewer.unit_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await;
        if let Err(err) = inserted {
            return Err(on_unique_licence(err));
        }
        let initial = (LevelChangeKind::Initial, LevelChangeStatus::Applied);
        level_change(viewer, id, initial, (None, Some(self.attention_level)), "列管".to_owned()).insert(txn).await?;
        Ok(id)
    }
}

/// `CONFLICT` when another venue of the town holds the licence number (`except`: the venue
/// being updated). The unique index decides races; this gives the common case its message.
async fn licence_free(ctx: &Context<'_>, viewer: &Viewer, licence: &str, except: Option<Uuid>) -> Result<(), ApiError> {
    let mut holders = venue::Entity::find()
        .filter(venue::Column::TownId.eq(viewer.town_id))
        .filter(venue::Column::LicenceNumber.eq(licence));
    if let Some(except) = except {
        holders = holders.filter(venue::Column::Id.ne(except));
    }
    if holders.count(&ctx.state().db).await? > 0 {
        return Err(conflict_licence());
    }
    Ok(())
}

fn on_unique_licence(err: sea_orm::DbErr) -> ApiError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => conflict_licence(),
        _ => ApiError::from(err),
    }
}

fn conflict_licence() -> ApiError {
    ApiError::Conflict {
        message: "A venue with this licence number already exists in the town.".into(),
        message_zh: "本镇已有该许可证号的场所。".into(),
        allowed: vec![],
    }
}

fn stale() -> ApiError {
    ApiError::Conflict {
        message: "The venue was changed since you read it; reload and try again.".into(),
        message_zh: "该场所已被修改，请刷新后重试。".into(),
        allowed: vec![],
    }
}

fn already_decided() -> ApiError {
    ApiError::Conflict {
        message: "This step-down request has already been decided.".into(),
        message_zh: "该降级申请已审批。".into(),
        allowed: vec![],
    }
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

/// An optional text of at most `max` characters; blank is none.
fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, ApiError> {
    match value {
        Some(value) => {
            let value = validate::optional_text(field, value, max)?;
            Ok((!value.is_empty()).then_some(value))
        }
        None => Ok(None),
    }
}
