//! Risk items (风险隐患, 大排查大整治): `riskItems`, `riskItem`, `riskStats`, and one mutation per
//! step of the lifecycle (domain.md "Risk items"; the order of steps is `domain::risk_flow`).
//!
//! Every read goes through the risk store (`access::stores::risk`) and every field is served only when the
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

mod mutation;
mod plan;
mod query;

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{EscalationLevel, RiskCategory, RiskEventKind, RiskLevel, RiskStatus};
use entity::{risk_check, risk_event, risk_feedback, risk_item};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

pub use self::mutation::{
    AssessRiskInput, EscalateRiskInput, RecordRiskCheckInput, RecordRiskFeedbackInput, ReportRiskInput,
    ResolveRiskInput, RiskMutation, RiskPayload, UpdateRiskInput,
};
pub use self::plan::{RecordDrillInput, RecordRiskWeeklyUpdateInput, RiskPlanMutation, SaveRiskPlanInput};
use self::plan::{RiskPlan, RiskWeeklyUpdate};
pub use self::query::RiskQuery;
use super::ContextExt;
use super::fetch;
use super::ids::{self, Kind};
use super::loaders::Officer;
use super::org::{OrgUnit, Village};
use super::risk_loaders::{
    ChecksOf, FeedbackOf, HasPlanOf, PlanRevisionsOf, RiskEventsOf, RiskLoaders, WeeklyUpdatesOf,
};
use super::scalars::Date;
use crate::access::GroupSet;
use crate::access::resource::RiskItems;
use crate::access::stores::risk::{self as store, Items};
pub use crate::access::stores::risk::{RiskFilter, RiskOrder, RiskOrderField, filter_condition};
use crate::domain::risk_flow::{self, Step};
use crate::error::ApiError;

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

/// 风险隐患 — a dispute or public-safety hazard found in the big screening (大排查大整治).
#[Object]
impl RiskItem {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RiskItem, self.model.id)
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

    // --- basic
    /// 标题 — the item in a line.
    async fn title(&self) -> Option<&str> {
        self.group("basic", |m| m.title.as_str())
    }
    /// 风险类别 — the kind of risk.
    async fn category(&self) -> Option<RiskCategory> {
        self.group("basic", |m| m.category)
    }
    /// 风险等级 — set at assessment.
    async fn level(&self) -> Option<RiskLevel> {
        self.group("basic", |m| m.level).flatten()
    }
    /// 村（社区） — the village the item is in.
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Village>> {
        if !self.groups.has("basic") {
            return Ok(None);
        }
        Ok(ctx.loaders()?.villages.load_one(self.model.village_id).await?)
    }
    /// 风险状态 — where the item is in its lifecycle.
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
    /// 属事单位 — the sector unit: the department whose line of work the item falls in.
    async fn sector_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        self.unit(ctx, self.model.sector_unit_id).await
    }
    /// 承办单位 — the unit that must act and give feedback (set at assessment).
    async fn assignee_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        self.unit(ctx, self.model.assignee_unit_id).await
    }
    /// 上报时间 — when the item was reported.
    async fn reported_at(&self) -> Option<DateTime<Utc>> {
        self.group("basic", |m| m.created_at)
    }
    /// 反馈期限 — T+2: when a HIGH item's first feedback is due.
    async fn feedback_due_at(&self) -> Option<DateTime<Utc>> {
        self.group("basic", |m| m.feedback_due_at).flatten()
    }
    /// 逾期 — past its T+2 deadline and still without feedback.
    async fn overdue(&self) -> Option<bool> {
        self.group("basic", |m| risk_flow::is_overdue(m.status, m.feedback_due_at, Utc::now()))
    }
    /// 下一步 — the mutations the lifecycle allows next (whoever may take them; see `viewerCan`).
    async fn next_steps(&self) -> Option<Vec<String>> {
        self.group("basic", |m| {
            risk_flow::next_steps(m.status, m.escalation_level).into_iter().map(|s| s.mutation().to_owned()).collect()
        })
    }

    // --- detail
    /// 情况描述 — what the matter is about.
    async fn description(&self) -> Option<&str> {
        self.group("detail", |m| m.description.as_str())
    }
    /// 地点 — where it is.
    async fn location(&self) -> Option<&str> {
        self.group("detail", |m| m.location.as_deref()).flatten()
    }
    /// The grid (网格) within the village.
    async fn grid(&self) -> Option<&str> {
        self.group("detail", |m| m.grid.as_deref()).flatten()
    }
    /// 责任人 — the person responsible for resolving it.
    async fn responsible_person(&self) -> Option<&str> {
        self.group("detail", |m| m.responsible_person.as_deref()).flatten()
    }
    /// 一事一策 — the plan for this one matter.
    async fn plan(&self) -> Option<&str> {
        self.group("detail", |m| m.plan.as_deref()).flatten()
    }
    /// 研判时间 — when the item was assessed.
    async fn assessed_at(&self) -> Option<DateTime<Utc>> {
        self.group("detail", |m| m.assessed_at).flatten()
    }
    /// The village's daily checks (日排查), newest first.
    async fn checks(&self) -> async_graphql::Result<Option<Vec<RiskCheck>>> {
        if !self.groups.has("detail") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(ChecksOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(RiskCheck).collect()))
    }
    /// 反馈 — the assignee unit's feedback, oldest first.
    async fn feedback(&self) -> async_graphql::Result<Option<Vec<RiskFeedback>>> {
        if !self.groups.has("detail") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(FeedbackOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(RiskFeedback).collect()))
    }
    /// 处置过程 — every step so far, oldest first.
    async fn events(&self) -> async_graphql::Result<Option<Vec<RiskEventView>>> {
        if !self.groups.has("detail") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(RiskEventsOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(RiskEventView).collect()))
    }
    /// 销号 note.
    async fn resolution_note(&self) -> Option<&str> {
        self.group("detail", |m| m.resolution_note.as_deref()).flatten()
    }
    /// 销号时间 — when the item was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.group("detail", |m| m.resolved_at).flatten()
    }

    /// 已制定应急预案 — whether the item has an emergency plan (a HIGH item needs one before it leaves
    /// assessment). Read with `detail`: the item's village sees that a plan exists, not its content.
    async fn has_emergency_plan(&self) -> async_graphql::Result<Option<bool>> {
        if !self.groups.has("detail") {
            return Ok(None);
        }
        // A viewer of the plan learns it from the revisions it loads anyway: no query of its own.
        if self.groups.has("emergency") {
            let rows = self.loaders.records.load_one(PlanRevisionsOf::new(self.model.id)).await?;
            return Ok(Some(rows.is_some_and(|r| !r.is_empty())));
        }
        Ok(Some(self.loaders.records.load_one(HasPlanOf(self.model.id)).await?.unwrap_or(false)))
    }

    // --- emergency
    /// 应急处置预案 — the plan in force: its latest revision (null when none was saved, or the viewer
    /// does not read the `emergency` group).
    async fn emergency_plan(&self) -> async_graphql::Result<Option<RiskPlan>> {
        if !self.groups.has("emergency") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(PlanRevisionsOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(rows.into_iter().next().map(|r| RiskPlan(r, self.loaders.clone())))
    }
    /// 预案修订记录 — every saved revision of the plan, newest first.
    async fn plan_revisions(&self) -> async_graphql::Result<Option<Vec<RiskPlan>>> {
        if !self.groups.has("emergency") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(PlanRevisionsOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(|r| RiskPlan(r, self.loaders.clone())).collect()))
    }
    /// 每周调整 — the town's weekly updates of the item, newest first.
    async fn weekly_updates(&self) -> async_graphql::Result<Option<Vec<RiskWeeklyUpdate>>> {
        if !self.groups.has("emergency") {
            return Ok(None);
        }
        let rows = self.loaders.records.load_one(WeeklyUpdatesOf::new(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(RiskWeeklyUpdate).collect()))
    }

    // --- parties
    /// 当事人 — names and contacts of the parties involved.
    async fn parties(&self) -> Option<&str> {
        self.group("parties", |m| m.parties.as_deref()).flatten()
    }

    /// 风险权限 — what the viewer may read and do on this item. The actions say what the policy grants on
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
            read_emergency: self.groups.has("emergency"),
            save_plan: access.can_on_row::<RiskItems>(viewer, "save_plan", &self.model),
            record_drill: access.can_on_row::<RiskItems>(viewer, "record_drill", &self.model),
            record_weekly_update: access.can_on_row::<RiskItems>(viewer, "record_weekly_update", &self.model),
            update: can(Step::Update),
            record_check: can(Step::RecordCheck),
            escalate: can(Step::Escalate),
            record_feedback: can(Step::RecordFeedback),
            assess: can(Step::Assess),
            resolve: can(Step::Resolve),
        })
    }
}

/// 风险权限 — what the viewer may read and do on a risk item.
#[derive(SimpleObject)]
pub struct RiskViewerCan {
    /// 可读基本信息 — the viewer reads the basic fields.
    pub read_basic: bool,
    /// 可读详情 — the viewer reads the description, location, plan, feedback and history.
    pub read_detail: bool,
    /// 可读当事人 — the viewer reads the parties' names and contacts.
    pub read_parties: bool,
    /// 可读应急预案 — the viewer reads the emergency plan, its drills and weekly updates.
    pub read_emergency: bool,
    /// 可保存预案 — the viewer may save the emergency plan.
    pub save_plan: bool,
    /// 可记录演练 — the viewer may record a drill.
    pub record_drill: bool,
    /// 可周调整 — the viewer may record the weekly update.
    pub record_weekly_update: bool,
    /// 可修改 — the viewer may change the item's particulars.
    pub update: bool,
    /// 可记录排查 — the viewer may record a daily check.
    pub record_check: bool,
    /// 可升级 — the viewer may take the item to a higher joint meeting.
    pub escalate: bool,
    /// 可反馈 — the viewer may file feedback.
    pub record_feedback: bool,
    /// 可研判 — the viewer may assess the item.
    pub assess: bool,
    /// 可销号 — the viewer may resolve the item.
    pub resolve: bool,
}

/// A village's daily check (日排查) of an open item.
pub struct RiskCheck(risk_check::Model);

/// 日排查记录 — a village's daily check on a risk item.
#[Object]
impl RiskCheck {
    /// 排查日期 — the date of the check.
    async fn checked_on(&self) -> Date {
        Date(self.0.checked_on)
    }
    /// 排查情况 — what the check found.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// 排查人 — who checked.
    async fn checked_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.user_id).await?)
    }
}

/// Feedback from the assignee unit.
pub struct RiskFeedback(risk_feedback::Model);

/// 风险反馈 — a feedback entry of the assignee unit.
#[Object]
impl RiskFeedback {
    /// 时间 — when the feedback was filed.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// 反馈内容 — what the assignee unit did and found.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// 反馈单位 — the unit that filed it.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(ctx.loaders()?.org_units.load_one(self.0.unit_id).await?)
    }
    /// 反馈人 — who filed it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.user_id).await?)
    }
}

/// One step in a risk item's history.
pub struct RiskEventView(risk_event::Model);

/// 风险事件 — one step in a risk item's history.
#[Object(name = "RiskEvent")]
impl RiskEventView {
    /// 事件类型 — the kind of step.
    async fn kind(&self) -> RiskEventKind {
        self.0.kind
    }
    /// 时间 — when the step was taken.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// 原值 — the status or escalation level before the step, when it changed one.
    async fn from_value(&self) -> Option<&str> {
        self.0.from_value.as_deref()
    }
    /// 新值 — the status or escalation level after the step, when it changed one.
    async fn to_value(&self) -> Option<&str> {
        self.0.to_value.as_deref()
    }
    /// 备注 — the reason of an escalation, the resolution note, ….
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// 操作人 — null for the system's own steps.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        crate::graphql::loaders::officer(ctx, self.0.actor_user_id).await
    }
    /// 操作单位 — the unit the actor acted for; null for the system's own steps.
    async fn actor_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        crate::graphql::loaders::org_unit(ctx, self.0.actor_unit_id).await
    }
}

/// 分级化解统计 — found and resolved items of one level in a month, against the level's target.
#[derive(SimpleObject, serde::Serialize, serde::Deserialize)]
pub struct RiskLevelStats {
    /// 风险等级 — the level.
    pub level: RiskLevel,
    /// 发现数 — items reported in the month and assessed at this level.
    pub found: i64,
    /// Of those, the ones resolved (销号) by now.
    pub resolved: i64,
    /// 化解率 — resolved / found; null when nothing was found.
    pub rate: Option<f64>,
    /// 目标 — HIGH 1.0, MEDIUM and LOW 0.9.
    pub target: f64,
    /// 达标 — a month with nothing found meets the target.
    pub meets_target: bool,
}

/// 月度风险统计 — risk items of a month in the viewer's scope.
#[derive(SimpleObject, serde::Serialize, serde::Deserialize)]
pub struct RiskStats {
    /// 月份 — `YYYY-MM`, in the town's calendar.
    pub month: String,
    /// 分级统计 — HIGH, MEDIUM, LOW, in that order.
    pub levels: Vec<RiskLevelStats>,
    /// 未研判 — items reported in the month and not yet assessed (no level).
    pub unassessed: i64,
}

/// Items reported in `month` (`YYYY-MM`, the town's calendar) among `items`, found and resolved
/// per level against the targets; `BAD_USER_INPUT` on `month` when it is malformed. The caller
/// scopes `items` (and checks that the viewer reads `basic` on every row of it, rule 4), so
/// `riskStats` and the monthly report count the same way from their own scoped queries.
pub async fn month_stats(db: &impl ConnectionTrait, items: Items, month: &str) -> Result<RiskStats, ApiError> {
    let bounds = risk_flow::month_bounds(month.trim())
        .ok_or_else(|| ApiError::bad_input("month", "Give the month as YYYY-MM.", "月份格式应为 YYYY-MM。"))?;
    let counts = store::month_counts(db, items, bounds).await?;
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
/// A risk item the viewer reads (a relation read in a batch), as the object type.
pub(crate) fn from_held(
    ctx: &Context<'_>,
    (model, groups): crate::access::store::Held<RiskItems>,
) -> Result<RiskItem, ApiError> {
    Ok(RiskItem::new(model, groups, ctx.loaders()?.risk_records.clone()))
}

pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<RiskItem>, ApiError> {
    let viewer = ctx.viewer()?;
    let loaders = || RiskLoaders::new(ctx.state().clone(), viewer.clone());
    Ok(fetch::one::<RiskItems>(ctx, id, "RiskItem").await?.map(|(m, groups)| RiskItem::new(m, groups, loaders())))
}
