//! Risk items (风险隐患, 大排查大整治): `riskItems`, `riskItem`, `riskStats`, and one mutation per
//! step of the lifecycle (domain.md "Risk items"; the order of steps is `domain::risk_flow`).
//!
//! Every read starts from `Access::select::<RiskItems>` and every field is served only when the
//! viewer holds its group on the row (access.md: `basic`, `detail`, `parties`). No risk group is
//! audited on read (access.md rule 6); denied attempts on real items are. `riskStats` counts
//! from the same scoped query as the list, so it never counts a row the viewer cannot list.
//!
//! A write checks, in this order: the item is in the viewer's read scope (else `NOT_FOUND`, as
//! for a random id), the action is granted on it (else `FORBIDDEN`), then the state (`CONFLICT`,
//! naming the allowed next steps: every viewer of a risk row reads its `basic` group, status and
//! escalation level included, so naming them reveals nothing), then the input
//! (`BAD_USER_INPUT`). Each write is one transaction with its event and audit entry; a daily
//! check is its own record and writes no event (the event kinds have none for it).

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{
    AuditCategory, AuditOutcome, EscalationLevel, RiskCategory, RiskEventKind, RiskLevel, RiskStatus, Role, UnitKind,
};
use entity::{org_unit, risk_check, risk_event, risk_feedback, risk_item};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set, TransactionTrait,
};
use uuid::Uuid;

use super::ContextExt;
use super::connection::{Connection, KeyKind, Page, after as keyset_after, encode_cursor, page_size};
use super::fetch;
use super::ids::{self, Kind};
use super::loaders::Officer;
use super::org::{OrgUnit, Village};
use super::person::SortDirection;
use super::refs::{unit_in_town, village_in_town};
use super::risk_loaders::{ChecksOf, FeedbackOf, RiskEventsOf, RiskLoaders, RiskWants, prefetch_risks};
use super::scalars::Date;
use crate::access::resource::RiskItems;
use crate::access::{GroupSet, Groups};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::risk_flow::{self, EscalationRefusal, Step};
use crate::domain::validate;
use crate::error::ApiError;
use crate::rules::{self, Trigger};

/// An edge of `riskItems`.
pub type RiskItemEdge = super::connection::Edge<RiskItem>;

/// A risk item, as the viewer may see it.
#[derive(Clone)]
pub struct RiskItem {
    model: Arc<risk_item::Model>,
    groups: GroupSet<RiskItems>,
    loaders: Arc<RiskLoaders>,
}

impl RiskItem {
    fn new(model: risk_item::Model, groups: GroupSet<RiskItems>, loaders: Arc<RiskLoaders>) -> Self {
        Self { model: Arc::new(model), groups, loaders }
    }

    fn group<'a, T>(&'a self, group: &str, value: impl FnOnce(&'a risk_item::Model) -> T) -> Option<T> {
        self.groups.has(group).then(|| value(&self.model))
    }

    /// The title, when the viewer holds `basic` (task summaries use it).
    pub fn display_title(&self) -> Option<&str> {
        self.group("basic", |m| m.title.as_str())
    }

    async fn unit(&self, ctx: &Context<'_>, unit: Option<Uuid>) -> async_graphql::Result<Option<OrgUnit>> {
        match unit {
            Some(unit) if self.groups.has("basic") => Ok(ctx.loaders()?.org_units.load_one(unit).await?),
            _ => Ok(None),
        }
    }
}

#[Object]
impl RiskItem {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RiskItem, self.model.id)
    }
    /// Changes with every write; pass it as `expectedVersion` to update. Null unless the viewer
    /// reads every field group: the count of changes would otherwise tell of hidden activity.
    async fn version(&self) -> Option<i32> {
        self.groups.all().then_some(self.model.version)
    }

    // --- basic
    async fn title(&self) -> Option<&str> {
        self.group("basic", |m| m.title.as_str())
    }
    async fn category(&self) -> Option<RiskCategory> {
        self.group("basic", |m| m.category)
    }
    /// Set at assessment.
    async fn level(&self) -> Option<RiskLevel> {
        self.group("basic", |m| m.level).flatten()
    }
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Village>> {
        if !self.groups.has("basic") {
            return Ok(None);
        }
        Ok(ctx.loaders()?.villages.load_one(self.model.village_id).await?)
    }
    async fn status(&self) -> Option<RiskStatus> {
        self.group("basic", |m| m.status)
    }
    /// Which joint meeting (三级联席会议) the item is before.
    async fn escalation_level(&self) -> Option<EscalationLevel> {
        self.group("basic", |m| m.escalation_level)
    }
    /// 属地: the village's unit unless the assessment names another.
    async fn territorial_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        self.unit(ctx, self.model.territorial_unit_id).await
    }
    /// 属事.
    async fn sector_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        self.unit(ctx, self.model.sector_unit_id).await
    }
    /// The unit that must act and give feedback (set at assessment).
    async fn assignee_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        self.unit(ctx, self.model.assignee_unit_id).await
    }
    async fn reported_at(&self) -> Option<DateTime<Utc>> {
        self.group("basic", |m| m.created_at)
    }
    /// T+2: when a HIGH item's first feedback is due.
    async fn feedback_due_at(&self) -> Option<DateTime<Utc>> {
        self.group("basic", |m| m.feedback_due_at).flatten()
    }
    /// Past its T+2 deadline and still without feedback.
    async fn overdue(&self) -> Option<bool> {
        self.group("basic", |m| risk_flow::is_overdue(m.status, m.feedback_due_at, Utc::now()))
    }
    /// The mutations the lifecycle allows next (whoever may take them; see `viewerCan`).
    async fn next_steps(&self) -> Option<Vec<String>> {
        self.group("basic", |m| {
            risk_flow::next_steps(m.status, m.escalation_level).into_iter().map(|s| s.mutation().to_owned()).collect()
        })
    }

    // --- detail
    async fn description(&self) -> Option<&str> {
        self.group("detail", |m| m.description.as_str())
    }
    async fn location(&self) -> Option<&str> {
        self.group("detail", |m| m.location.as_deref()).flatten()
    }
    /// The grid (网格) within the village.
    async fn grid(&self) -> Option<&str> {
        self.group("detail", |m| m.grid.as_deref()).flatten()
    }
    async fn responsible_person(&self) -> Option<&str> {
        self.group("detail", |m| m.responsible_person.as_deref()).flatten()
    }
    /// 一事一策.
    async fn plan(&self) -> Option<&str> {
        self.group("detail", |m| m.plan.as_deref()).flatten()
    }
    async fn assessed_at(&self) -> Option<DateTime<Utc>> {
        self.group("detail", |m| m.assessed_at).flatten()
    }
    /// The village's daily checks (日排查), newest first.
    async fn checks(&self) -> async_graphql::Result<Option<Vec<RiskCheck>>> {
        if !self.groups.has("detail") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(ChecksOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(RiskCheck).collect()))
    }
    /// The assignee unit's feedback, oldest first.
    async fn feedback(&self) -> async_graphql::Result<Option<Vec<RiskFeedback>>> {
        if !self.groups.has("detail") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(FeedbackOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(RiskFeedback).collect()))
    }
    /// Every step so far, oldest first.
    async fn events(&self) -> async_graphql::Result<Option<Vec<RiskEventView>>> {
        if !self.groups.has("detail") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(RiskEventsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(RiskEventView).collect()))
    }
    /// 销号 note.
    async fn resolution_note(&self) -> Option<&str> {
        self.group("detail", |m| m.resolution_note.as_deref()).flatten()
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.group("detail", |m| m.resolved_at).flatten()
    }

    // --- parties
    /// Names and contacts of the parties involved.
    async fn parties(&self) -> Option<&str> {
        self.group("parties", |m| m.parties.as_deref()).flatten()
    }

    /// What the viewer may read and do on this item. The actions say what the policy grants on
    /// the row; `nextSteps` says what the lifecycle allows now.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<RiskViewerCan> {
        let viewer = ctx.viewer()?;
        let access = &ctx.state().access;
        // Every risk atom is decidable on the row, so no query is needed (a page costs none).
        let can = |step: Step| access.can_on_row::<RiskItems>(viewer, step.action(), &self.model);
        Ok(RiskViewerCan {
            read_basic: self.groups.has("basic"),
            read_detail: self.groups.has("detail"),
            read_parties: self.groups.has("parties"),
            update: can(Step::Update),
            record_check: can(Step::RecordCheck),
            escalate: can(Step::Escalate),
            record_feedback: can(Step::RecordFeedback),
            assess: can(Step::Assess),
            resolve: can(Step::Resolve),
        })
    }
}

#[derive(SimpleObject)]
pub struct RiskViewerCan {
    pub read_basic: bool,
    pub read_detail: bool,
    pub read_parties: bool,
    pub update: bool,
    pub record_check: bool,
    pub escalate: bool,
    pub record_feedback: bool,
    pub assess: bool,
    pub resolve: bool,
}

/// A village's daily check (日排查) of an open item.
pub struct RiskCheck(risk_check::Model);

#[Object]
impl RiskCheck {
    async fn checked_on(&self) -> Date {
        Date(self.0.checked_on)
    }
    async fn note(&self) -> &str {
        &self.0.note
    }
    async fn checked_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.user_id).await?)
    }
}

/// Feedback from the assignee unit.
pub struct RiskFeedback(risk_feedback::Model);

#[Object]
impl RiskFeedback {
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(ctx.loaders()?.org_units.load_one(self.0.unit_id).await?)
    }
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.user_id).await?)
    }
}

/// One step in a risk item's history.
pub struct RiskEventView(risk_event::Model);

#[Object(name = "RiskEvent")]
impl RiskEventView {
    async fn kind(&self) -> RiskEventKind {
        self.0.kind
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The status or escalation level before the step, when it changed one.
    async fn from_value(&self) -> Option<&str> {
        self.0.from_value.as_deref()
    }
    async fn to_value(&self) -> Option<&str> {
        self.0.to_value.as_deref()
    }
    /// The reason of an escalation, the resolution note, ….
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Null for the system's own steps.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        match self.0.actor_user_id {
            Some(user) => Ok(ctx.loaders()?.officers.load_one(user).await?),
            None => Ok(None),
        }
    }
    async fn actor_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.0.actor_unit_id {
            Some(unit) => Ok(ctx.loaders()?.org_units.load_one(unit).await?),
            None => Ok(None),
        }
    }
}

#[derive(InputObject, Default)]
pub struct RiskFilter {
    pub category: Option<RiskCategory>,
    pub level: Option<Vec<RiskLevel>>,
    pub status: Option<Vec<RiskStatus>>,
    pub escalation_level: Option<EscalationLevel>,
    pub village_id: Option<ID>,
    /// Items whose territorial, sector or assignee unit is this one.
    pub unit_id: Option<ID>,
    /// Past the T+2 deadline without feedback (true) or not (false).
    pub overdue: Option<bool>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum RiskOrderField {
    /// When the item was reported.
    #[default]
    ReportedAt,
    /// The T+2 feedback deadline; items without one sort last.
    FeedbackDue,
}

#[derive(InputObject, Default)]
pub struct RiskOrder {
    #[graphql(default)]
    pub field: RiskOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

/// Found and resolved items of one level in a month, against the level's target.
#[derive(SimpleObject)]
pub struct RiskLevelStats {
    pub level: RiskLevel,
    /// Items reported in the month and assessed at this level.
    pub found: i64,
    /// Of those, the ones resolved (销号) by now.
    pub resolved: i64,
    /// resolved / found; null when nothing was found.
    pub rate: Option<f64>,
    /// HIGH 1.0, MEDIUM and LOW 0.9.
    pub target: f64,
    /// A month with nothing found meets the target.
    pub meets_target: bool,
}

/// Risk items of a month in the viewer's scope.
#[derive(SimpleObject)]
pub struct RiskStats {
    /// `YYYY-MM`, in the town's calendar.
    pub month: String,
    /// HIGH, MEDIUM, LOW, in that order.
    pub levels: Vec<RiskLevelStats>,
    /// Items reported in the month and not yet assessed (no level).
    pub unassessed: i64,
}

/// Where items without a feedback deadline sort: beyond every real one.
fn sentinel() -> DateTime<Utc> {
    "9999-12-31T23:59:59Z".parse().expect("a valid instant")
}

#[derive(Default)]
pub struct RiskQuery;

#[Object]
impl RiskQuery {
    /// Risk items in the viewer's scope, a page at a time.
    #[graphql(complexity = "std::cmp::max(first.unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn risk_items(
        &self,
        ctx: &Context<'_>,
        filter: Option<RiskFilter>,
        order_by: Option<RiskOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<RiskItem>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let first = page_size(first)?;
        let groups = state.access.groups::<RiskItems>(viewer);
        let filter_cond = filter_condition(viewer, &groups, filter.unwrap_or_default())?;
        let order = order_by.unwrap_or_default();
        // Rule 4 for ordering: both keys are `basic`, which every reader of a risk row holds on
        // every row it reads. Should a role ever hold it on some rows only, refuse rather than
        // sort by hidden values.
        if !groups.held_everywhere("basic") {
            return Err(ApiError::Forbidden.into());
        }
        let base = state.access.select::<RiskItems>(viewer)?.filter(filter_cond);
        let key: Expr = match order.field {
            RiskOrderField::ReportedAt => Expr::col((risk_item::Entity, risk_item::Column::CreatedAt)),
            // `Func`, not a custom `$1` template: SQLite's placeholders are `?`.
            RiskOrderField::FeedbackDue => Func::coalesce([
                Expr::col((risk_item::Entity, risk_item::Column::FeedbackDueAt)),
                Expr::val(sentinel()),
            ])
            .into(),
        };
        let mut page = base.clone();
        if let Some(cursor) = after {
            let id = Expr::col((risk_item::Entity, risk_item::Column::Id));
            let ascending = order.direction == SortDirection::Asc;
            page = page.filter(keyset_after(&cursor, KeyKind::Instant, key.clone(), id, ascending)?);
        }
        let direction = match order.direction {
            SortDirection::Asc => sea_orm::Order::Asc,
            SortDirection::Desc => sea_orm::Order::Desc,
        };
        let rows = page
            .order_by(key, direction.clone())
            .order_by(risk_item::Column::Id, direction)
            .limit(first + 1)
            .all(&state.db)
            .await
            .map_err(ApiError::from)?;

        let look = ctx.look_ahead();
        let node = [look.field("nodes"), look.field("edges").field("node")];
        let wants = |field: &str| node.iter().any(|n| n.field(field).exists());
        let nested = |field: &str, inner: &str| node.iter().any(|n| n.field(field).field(inner).exists());
        let wants = RiskWants {
            village: wants("village"),
            units: wants("territorialUnit") || wants("sectorUnit") || wants("assigneeUnit"),
            checks: wants("checks"),
            check_users: nested("checks", "checkedBy"),
            feedback: wants("feedback"),
            feedback_units: nested("feedback", "unit"),
            feedback_users: nested("feedback", "author"),
            events: wants("events"),
            event_units: nested("events", "actorUnit"),
            event_users: nested("events", "actor"),
        };
        let risk_loaders = RiskLoaders::new(state.clone(), viewer.clone());
        prefetch_risks(ctx.loaders()?, &risk_loaders, &rows, &wants)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("loading risk item relations: {e}")))?;
        let total_count = if look.field("totalCount").exists() {
            Some(base.count(&state.db).await.map_err(ApiError::from)? as i64)
        } else {
            None
        };
        let page_rows = rows
            .into_iter()
            .map(|m| {
                let cursor_key = match order.field {
                    RiskOrderField::ReportedAt => m.created_at,
                    RiskOrderField::FeedbackDue => m.feedback_due_at.unwrap_or_else(sentinel),
                };
                let groups = groups.on(viewer, &m);
                (encode_cursor(&cursor_key.to_rfc3339(), m.id), RiskItem::new(m, groups, risk_loaders.clone()))
            })
            .collect();
        Ok(Connection::new(page_rows, first, total_count))
    }

    /// One risk item, or null when there is none in the viewer's scope.
    async fn risk_item(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<RiskItem>> {
        let Some(id) = ids::decode_as(&id, Kind::RiskItem) else {
            return Ok(None);
        };
        Ok(find(ctx, id).await?)
    }

    /// Items reported in `month` (`YYYY-MM`, the town's calendar) in the viewer's scope, found
    /// and resolved per level against the targets (HIGH 100%, MEDIUM and LOW 90%). Counted in
    /// SQL from the same scoped query as `riskItems`.
    async fn risk_stats(&self, ctx: &Context<'_>, month: String) -> async_graphql::Result<RiskStats> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let groups = state.access.groups::<RiskItems>(viewer);
        let base = state.access.select::<RiskItems>(viewer)?;
        // Rule 4: grouping by level is a filter on `basic`.
        if !groups.held_everywhere("basic") {
            return Err(ApiError::Forbidden.into());
        }
        Ok(month_stats(&state.db, base, &month).await?)
    }
}

/// Items reported in `month` (`YYYY-MM`, the town's calendar) among the rows of `base`, found and
/// resolved per level against the targets; `BAD_USER_INPUT` on `month` when it is malformed. The
/// caller scopes `base` (and checks that the viewer reads `basic` on every row of it, rule 4), so
/// `riskStats` and the monthly report count the same way from their own scoped queries.
pub async fn month_stats(
    db: &impl ConnectionTrait,
    base: Select<risk_item::Entity>,
    month: &str,
) -> Result<RiskStats, ApiError> {
    let (start, end) = risk_flow::month_bounds(month.trim())
        .ok_or_else(|| ApiError::bad_input("month", "Give the month as YYYY-MM.", "月份格式应为 YYYY-MM。"))?;
    let resolved: Expr = Expr::case(risk_item::Column::Status.eq(RiskStatus::Resolved), 1).finally(0).into();
    let counts: Vec<(Option<RiskLevel>, i64, i64)> = base
        .select_only()
        .column(risk_item::Column::Level)
        .column_as(Expr::col((risk_item::Entity, risk_item::Column::Id)).count(), "found")
        .column_as(resolved.sum(), "resolved")
        .filter(risk_item::Column::CreatedAt.gte(start))
        .filter(risk_item::Column::CreatedAt.lt(end))
        .group_by(risk_item::Column::Level)
        .into_tuple()
        .all(db)
        .await?;
    let count_of = |level: Option<RiskLevel>| {
        counts.iter().find(|(l, _, _)| *l == level).map(|(_, found, resolved)| (*found, *resolved)).unwrap_or((0, 0))
    };
    let levels = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low]
        .into_iter()
        .map(|level| {
            let (found, resolved) = count_of(Some(level));
            RiskLevelStats {
                level,
                found,
                resolved,
                rate: risk_flow::rate(found, resolved),
                target: risk_flow::target(level),
                meets_target: risk_flow::meets_target(level, found, resolved),
            }
        })
        .collect();
    Ok(RiskStats { month: month.trim().to_owned(), levels, unassessed: count_of(None).0 })
}

/// The risk item with `id` in the viewer's read scope. A real item outside it is logged as a
/// denied attempt and answered exactly like a missing one.
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<RiskItem>, ApiError> {
    let viewer = ctx.viewer()?;
    let loaders = || RiskLoaders::new(ctx.state().clone(), viewer.clone());
    Ok(fetch::one::<RiskItems>(ctx, id, "RiskItem").await?.map(|(m, groups)| RiskItem::new(m, groups, loaders())))
}

/// The SQL condition of a `RiskFilter` (the list and the export share it).
pub(crate) fn filter_condition(
    viewer: &Viewer,
    groups: &Groups<RiskItems>,
    filter: RiskFilter,
) -> Result<Condition, ApiError> {
    // Rule 4: see `Groups::filter`.
    let guard = |group: &str, cond: Condition| groups.filter(viewer, group, cond);
    let mut all = Condition::all();
    if let Some(category) = filter.category {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::Category.eq(category)))?);
    }
    if let Some(levels) = filter.level {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::Level.is_in(levels)))?);
    }
    if let Some(statuses) = filter.status {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::Status.is_in(statuses)))?);
    }
    if let Some(level) = filter.escalation_level {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::EscalationLevel.eq(level)))?);
    }
    if let Some(village) = filter.village_id {
        let village = ids::decode_as(&village, Kind::Village).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::VillageId.eq(village)))?);
    }
    if let Some(unit) = filter.unit_id {
        let unit = ids::decode_as(&unit, Kind::OrgUnit).unwrap_or_else(Uuid::nil);
        let any = Condition::any()
            .add(risk_item::Column::TerritorialUnitId.eq(unit))
            .add(risk_item::Column::SectorUnitId.eq(unit))
            .add(risk_item::Column::AssigneeUnitId.eq(unit));
        all = all.add(guard("basic", Condition::all().add(any))?);
    }
    if let Some(overdue) = filter.overdue {
        let cond = overdue_condition(Utc::now());
        all = all.add(guard("basic", if overdue { cond } else { cond.not() })?);
    }
    Ok(all)
}

/// Items past their T+2 deadline without feedback (the same rule as `risk_flow::is_overdue`).
/// Every column is tested for NULL explicitly, so the negation holds every other row.
fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(risk_item::Column::Status.eq(RiskStatus::Assessed))
        .add(risk_item::Column::FeedbackDueAt.is_not_null())
        .add(risk_item::Column::FeedbackDueAt.lt(now))
}

#[derive(InputObject)]
pub struct ReportRiskInput {
    pub title: String,
    pub category: RiskCategory,
    /// Required, except for a village, whose reports are always about its own village.
    pub village_id: Option<ID>,
    pub description: String,
    pub location: Option<String>,
    pub grid: Option<String>,
    /// Names and contacts of the parties involved.
    pub parties: Option<String>,
}

/// Fields left out stay as they are; an empty text clears an optional one.
#[derive(InputObject)]
pub struct UpdateRiskInput {
    pub risk_item_id: ID,
    /// The `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    pub title: Option<String>,
    pub category: Option<RiskCategory>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub grid: Option<String>,
    pub parties: Option<String>,
}

#[derive(InputObject)]
pub struct AssessRiskInput {
    pub risk_item_id: ID,
    pub level: RiskLevel,
    /// 属地; defaults to the unit the item has (the village's unit).
    pub territorial_unit_id: Option<ID>,
    /// 属事.
    pub sector_unit_id: ID,
    /// Defaults to the sector unit.
    pub assignee_unit_id: Option<ID>,
    pub responsible_person: String,
    /// 一事一策.
    pub plan: String,
}

#[derive(InputObject)]
pub struct RecordRiskCheckInput {
    pub risk_item_id: ID,
    /// Not in the future.
    pub checked_on: Date,
    pub note: String,
}

#[derive(InputObject)]
pub struct RecordRiskFeedbackInput {
    pub risk_item_id: ID,
    pub body: String,
}

#[derive(InputObject)]
pub struct EscalateRiskInput {
    pub risk_item_id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ResolveRiskInput {
    pub risk_item_id: ID,
    pub resolution_note: String,
}

#[derive(SimpleObject)]
pub struct RiskPayload {
    pub risk_item: Option<RiskItem>,
}

#[derive(Default)]
pub struct RiskMutation;

#[Object]
impl RiskMutation {
    /// Reports a risk item (village, coordinator, police, judicial). It starts REPORTED before
    /// the village meeting, its territorial unit the village's unit. The payload's item is null
    /// when the reporter's own scope does not cover it (police reporting a dispute, say).
    async fn report_risk(&self, ctx: &Context<'_>, input: ReportRiskInput) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        if state.access.rows::<RiskItems>(viewer, "report").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        let title = validate::text("input.title", &input.title, 200)?;
        let village_id = match (&input.village_id, viewer.role) {
            (Some(id), _) => village_in_town(ctx, viewer, "input.villageId", id).await?,
            (None, Role::Village) => viewer.village_id.ok_or(ApiError::Forbidden)?,
            (None, _) => {
                return Err(ApiError::bad_input("input.villageId", "Name the village.", "请选择村（社区）。").into());
            }
        };
        if viewer.role == Role::Village && Some(village_id) != viewer.village_id {
            return Err(ApiError::bad_input(
                "input.villageId",
                "A village reports risks in its own village.",
                "村（社区）只能上报本村（社区）的风险隐患。",
            )
            .into());
        }
        let description = validate::text("input.description", &input.description, 4000)?;
        let location = optional("input.location", input.location.as_deref(), 500)?;
        let grid = optional("input.grid", input.grid.as_deref(), 200)?;
        let parties = optional("input.parties", input.parties.as_deref(), 2000)?;
        let territorial = village_unit(&state.db, viewer, village_id).await?;
        let now = Utc::now();
        let id = Uuid::now_v7();
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        risk_item::ActiveModel {
            id: Set(id),
            town_id: Set(viewer.town_id),
            village_id: Set(village_id),
            grid: Set(grid),
            title: Set(title),
            category: Set(input.category),
            level: Set(None),
            location: Set(location),
            description: Set(description),
            parties: Set(parties),
            territorial_unit_id: Set(territorial),
            sector_unit_id: Set(None),
            assignee_unit_id: Set(None),
            responsible_person: Set(None),
            plan: Set(None),
            status: Set(RiskStatus::Reported),
            escalation_level: Set(EscalationLevel::Village),
            reported_by_unit_id: Set(viewer.unit_id),
            reported_by_user_id: Set(viewer.user_id),
            assessed_at: Set(None),
            feedback_due_at: Set(None),
            resolution_note: Set(None),
            resolved_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        let reported = (None, Some(RiskStatus::Reported.to_value()));
        event(&txn, id, viewer, RiskEventKind::Reported, reported, None).await?;
        audit::record(&txn, ctx, viewer, entry("report_risk", id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        payload(ctx, id).await
    }

    /// Changes a reported item's particulars (the village, its own items), only before the
    /// assessment; a stale `expectedVersion` is a `CONFLICT`.
    async fn update_risk(&self, ctx: &Context<'_>, input: UpdateRiskInput) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.risk_item_id, Step::Update).await?;
        let mut change = blank();
        if let Some(title) = &input.title {
            change.title = Set(validate::text("input.title", title, 200)?);
        }
        if let Some(category) = input.category {
            change.category = Set(category);
        }
        if let Some(description) = &input.description {
            change.description = Set(validate::text("input.description", description, 4000)?);
        }
        if let Some(location) = &input.location {
            change.location = Set(optional("input.location", Some(location), 500)?);
        }
        if let Some(grid) = &input.grid {
            change.grid = Set(optional("input.grid", Some(grid), 200)?);
        }
        if let Some(parties) = &input.parties {
            change.parties = Set(optional("input.parties", Some(parties), 2000)?);
        }
        let expected = risk_item::Model { version: input.expected_version, ..current };
        write_step(ctx, viewer, &expected, change, RiskEventKind::Updated, (None, None), None, "update_risk").await
    }

    /// Assesses a reported item (coordinator): level, units, responsible person and plan. A HIGH
    /// item owes its first feedback within two days (T+2, `feedbackDueAt`).
    async fn assess_risk(&self, ctx: &Context<'_>, input: AssessRiskInput) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.risk_item_id, Step::Assess).await?;
        let territorial = match &input.territorial_unit_id {
            Some(id) => Some(unit_in_town(ctx, viewer, "input.territorialUnitId", id).await?.id),
            None => current.territorial_unit_id,
        };
        let sector = unit_in_town(ctx, viewer, "input.sectorUnitId", &input.sector_unit_id).await?.id;
        let assignee = match &input.assignee_unit_id {
            Some(id) => unit_in_town(ctx, viewer, "input.assigneeUnitId", id).await?.id,
            None => sector,
        };
        let responsible = validate::text("input.responsiblePerson", &input.responsible_person, 200)?;
        let plan = validate::text("input.plan", &input.plan, 4000)?;
        let now = Utc::now();
        let mut change = blank();
        change.level = Set(Some(input.level));
        change.territorial_unit_id = Set(territorial);
        change.sector_unit_id = Set(Some(sector));
        change.assignee_unit_id = Set(Some(assignee));
        change.responsible_person = Set(Some(responsible));
        change.plan = Set(Some(plan));
        change.status = Set(RiskStatus::Assessed);
        change.assessed_at = Set(Some(now));
        // T+2 is kept as data: the feedback deadline a task rule reads.
        change.feedback_due_at = Set(risk_flow::feedback_due(input.level, now));
        let note = Some(format!("定级 {}", input.level.to_value()));
        let step = status_change(&current, RiskStatus::Assessed);
        write_step(ctx, viewer, &current, change, RiskEventKind::Assessed, step, note, "assess_risk").await
    }

    /// Records the village's daily check (日排查) on one of its open items.
    async fn record_risk_check(
        &self,
        ctx: &Context<'_>,
        input: RecordRiskCheckInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = for_step(ctx, &input.risk_item_id, Step::RecordCheck).await?;
        let checked_on = validate::past_date("input.checkedOn", input.checked_on.0)?;
        let note = validate::text("input.note", &input.note, 2000)?;
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        bump(&txn, &current, blank()).await?;
        risk_check::ActiveModel {
            id: Set(Uuid::now_v7()),
            risk_item_id: Set(current.id),
            checked_on: Set(checked_on),
            note: Set(note),
            user_id: Set(viewer.user_id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        audit::record(&txn, ctx, viewer, entry("record_risk_check", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }

    /// Files feedback (the assignee unit). The first feedback moves the item to RESOLVING.
    async fn record_risk_feedback(
        &self,
        ctx: &Context<'_>,
        input: RecordRiskFeedbackInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = for_step(ctx, &input.risk_item_id, Step::RecordFeedback).await?;
        let body = validate::text("input.body", &input.body, 4000)?;
        let mut change = blank();
        let step = if current.status == RiskStatus::Assessed {
            change.status = Set(RiskStatus::Resolving);
            status_change(&current, RiskStatus::Resolving)
        } else {
            (None, None)
        };
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        bump(&txn, &current, change).await?;
        risk_feedback::ActiveModel {
            id: Set(Uuid::now_v7()),
            risk_item_id: Set(current.id),
            unit_id: Set(viewer.unit_id),
            user_id: Set(viewer.user_id),
            body: Set(body),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        event(&txn, current.id, viewer, RiskEventKind::Feedback, step, None).await?;
        audit::record(&txn, ctx, viewer, entry("record_risk_feedback", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::RiskItem(current.id)).await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }

    /// Takes an open item one joint meeting up, with the reason: VILLAGE -> TOWN (the village,
    /// its own items, or the coordinator), TOWN -> DISTRICT (the coordinator only; anyone else
    /// is `FORBIDDEN`).
    async fn escalate_risk(&self, ctx: &Context<'_>, input: EscalateRiskInput) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = for_action(ctx, &input.risk_item_id, Step::Escalate).await?;
        let to = match risk_flow::escalation(viewer.role == Role::Coordinator, current.status, current.escalation_level)
        {
            Ok(to) => to,
            Err(EscalationRefusal::NotYourRung) => return Err(ApiError::Forbidden.into()),
            Err(EscalationRefusal::NotNow) => return Err(not_now(ctx, viewer, &current, Step::Escalate).into()),
        };
        let reason = validate::text("input.reason", &input.reason, 2000)?;
        let mut change = blank();
        change.escalation_level = Set(to);
        let step = (Some(current.escalation_level.to_value()), Some(to.to_value()));
        write_step(ctx, viewer, &current, change, RiskEventKind::Escalated, step, Some(reason), "escalate_risk").await
    }

    /// Resolves an assessed item (销号) with its resolution note: the coordinator, or the police
    /// station or judicial office it is assigned to.
    async fn resolve_risk(&self, ctx: &Context<'_>, input: ResolveRiskInput) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.risk_item_id, Step::Resolve).await?;
        let note = validate::text("input.resolutionNote", &input.resolution_note, 4000)?;
        let mut change = blank();
        change.status = Set(RiskStatus::Resolved);
        change.resolution_note = Set(Some(note.clone()));
        change.resolved_at = Set(Some(Utc::now()));
        let step = status_change(&current, RiskStatus::Resolved);
        write_step(ctx, viewer, &current, change, RiskEventKind::Resolved, step, Some(note), "resolve_risk").await
    }
}

/// The current row of an item the viewer may `step`: `NOT_FOUND` outside the read scope (like a
/// random id), `FORBIDDEN` when the action is not granted on it.
async fn for_action(ctx: &Context<'_>, id: &ID, step: Step) -> Result<risk_item::Model, ApiError> {
    let viewer = ctx.viewer()?;
    let id = ids::decode_as(id, Kind::RiskItem).ok_or(ApiError::NotFound)?;
    let item = find(ctx, id).await?.ok_or(ApiError::NotFound)?;
    if !ctx.state().access.can_on_row::<RiskItems>(viewer, step.action(), &item.model) {
        return Err(ApiError::Forbidden);
    }
    Ok(Arc::unwrap_or_clone(item.model))
}

/// [`for_action`], then the state: a step the lifecycle does not allow now is `CONFLICT`.
async fn for_step(ctx: &Context<'_>, id: &ID, step: Step) -> Result<risk_item::Model, ApiError> {
    let viewer = ctx.viewer()?;
    let current = for_action(ctx, id, step).await?;
    if risk_flow::next_steps(current.status, current.escalation_level).contains(&step) {
        return Ok(current);
    }
    Err(not_now(ctx, viewer, &current, step))
}

/// `CONFLICT` for a step the lifecycle does not allow now, naming the allowed next steps to a
/// viewer who reads the item's state (`basic`: every reader of a risk row does).
fn not_now(ctx: &Context<'_>, viewer: &Viewer, current: &risk_item::Model, step: Step) -> ApiError {
    let reads_state = ctx.state().access.groups::<RiskItems>(viewer).on(viewer, current).has("basic");
    if !reads_state {
        return ApiError::Conflict {
            message: "This step is not possible now.".into(),
            message_zh: "当前不能执行此操作。".into(),
            allowed: vec![],
        };
    }
    let names: Vec<String> = risk_flow::next_steps(current.status, current.escalation_level)
        .into_iter()
        .map(|s| s.mutation().to_owned())
        .collect();
    let list = if names.is_empty() { "none: the item is resolved".to_owned() } else { names.join(", ") };
    ApiError::Conflict {
        message: format!("{} is not possible now; allowed next steps: {list}.", step.mutation()),
        message_zh: format!("当前不能执行{}；可执行的下一步：{list}。", step.mutation()),
        allowed: names,
    }
}

/// A change that sets nothing yet.
fn blank() -> risk_item::ActiveModel {
    <risk_item::ActiveModel as Default>::default()
}

/// The event's (from, to) values for a status change.
fn status_change(current: &risk_item::Model, to: RiskStatus) -> (Option<String>, Option<String>) {
    (Some(current.status.to_value()), Some(to.to_value()))
}

/// Writes a step: the row (only if nobody changed it meanwhile), its event and audit entry.
#[allow(clippy::too_many_arguments)]
async fn write_step(
    ctx: &Context<'_>,
    viewer: &Viewer,
    current: &risk_item::Model,
    change: risk_item::ActiveModel,
    kind: RiskEventKind,
    values: (Option<String>, Option<String>),
    note: Option<String>,
    action: &'static str,
) -> async_graphql::Result<RiskPayload> {
    let state = ctx.state();
    let txn = state.db.begin().await.map_err(ApiError::from)?;
    bump(&txn, current, change).await?;
    event(&txn, current.id, viewer, kind, values, note).await?;
    audit::record(&txn, ctx, viewer, entry(action, current.id)).await?;
    rules::commit(ctx.state(), txn, Trigger::RiskItem(current.id)).await.map_err(ApiError::from)?;
    payload(ctx, current.id).await
}

/// Applies `change` and a new version to the item, only if it is still at `current.version`.
/// The transaction's first statement: a concurrent writer waits for the lock and then finds the
/// version moved on.
async fn bump(
    txn: &impl ConnectionTrait,
    current: &risk_item::Model,
    mut change: risk_item::ActiveModel,
) -> Result<(), ApiError> {
    change.updated_at = Set(Utc::now());
    let updated = risk_item::Entity::update_many()
        .set(change)
        .col_expr(risk_item::Column::Version, Expr::col(risk_item::Column::Version).add(1))
        .filter(risk_item::Column::Id.eq(current.id))
        .filter(risk_item::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict {
            message: "The risk item was changed meanwhile; reload and try again.".into(),
            message_zh: "该风险隐患已被修改，请刷新后重试。".into(),
            allowed: vec![],
        });
    }
    Ok(())
}

async fn event(
    txn: &impl ConnectionTrait,
    item: Uuid,
    by: &Viewer,
    kind: RiskEventKind,
    (from, to): (Option<String>, Option<String>),
    note: Option<String>,
) -> Result<(), ApiError> {
    risk_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(item),
        kind: Set(kind),
        actor_user_id: Set(Some(by.user_id)),
        actor_unit_id: Set(Some(by.unit_id)),
        from_value: Set(from),
        to_value: Set(to),
        note: Set(note),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

async fn payload(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<RiskPayload> {
    Ok(RiskPayload { risk_item: find(ctx, id).await? })
}

fn entry(action: &'static str, id: Uuid) -> audit::Entry<'static> {
    audit::Entry {
        action,
        object_type: "RiskItem",
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

/// The `VILLAGE` unit serving a village of the viewer's town (the default territorial unit).
async fn village_unit(db: &impl ConnectionTrait, viewer: &Viewer, village: Uuid) -> Result<Option<Uuid>, ApiError> {
    Ok(org_unit::Entity::find()
        .filter(org_unit::Column::TownId.eq(viewer.town_id))
        .filter(org_unit::Column::Kind.eq(UnitKind::Village))
        .filter(org_unit::Column::VillageId.eq(village))
        .one(db)
        .await?
        .map(|u| u.id))
}
