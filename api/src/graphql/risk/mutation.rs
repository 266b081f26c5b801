//! One mutation per step of a risk item's lifecycle. A write checks, in this order: the item
//! is in the viewer's read scope (else `NOT_FOUND`), the action is granted on it (else
//! `FORBIDDEN`), then the state (`CONFLICT`), then the input (`BAD_USER_INPUT`); its SQL is in
//! the risk store.

use crate::domain::lead_flow;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use entity::enums::{
    AuditCategory, AuditOutcome, EscalationLevel, RiskCategory, RiskEventKind, RiskLevel, RiskStatus, Role, UnitKind,
};
use entity::{org_unit, risk_item};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{RiskItem, find};
use crate::access::resource::RiskItems;
use crate::access::stores::risk::{self as store, NewRisk, RiskChange};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::risk_flow::{self, EscalationRefusal, Step};
use crate::domain::validate;
use crate::error::ApiError;
use crate::graphql::ids::{self, Kind};
use crate::graphql::refs::{unit_in_town, village_in_town};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, fetch};
use crate::rules::{self, Trigger};

/// 上报风险 — a risk item as reported.
#[derive(InputObject)]
pub struct ReportRiskInput {
    /// 标题 — the item in a line.
    pub title: String,
    /// 风险类别 — the kind of risk.
    pub category: RiskCategory,
    /// 村（社区） — required, except for a village, whose reports are always about its own village.
    pub village_id: Option<ID>,
    /// 情况描述 — what the matter is about.
    pub description: String,
    /// 地点 — where it is.
    pub location: Option<String>,
    /// 网格 — the grid (网格) inside the village, if the town uses grids.
    pub grid: Option<String>,
    /// 当事人 — names and contacts of the parties involved.
    pub parties: Option<String>,
}

/// 修改风险隐患 — fields left out stay as they are; an empty text clears an optional one.
#[derive(InputObject)]
pub struct UpdateRiskInput {
    /// 风险隐患 — the risk item's global ID.
    pub risk_item_id: ID,
    /// 版本号 — the `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// 标题 — the item in a line.
    pub title: Option<String>,
    /// 风险类别 — the kind of risk.
    pub category: Option<RiskCategory>,
    /// 情况描述 — what the matter is about.
    pub description: Option<String>,
    /// 地点 — where it is.
    pub location: Option<String>,
    /// 网格 — the grid (网格) inside the village, if the town uses grids.
    pub grid: Option<String>,
    /// 当事人 — names and contacts of the parties involved.
    pub parties: Option<String>,
}

/// 研判风险 — the coordinator's assessment of a reported risk item.
#[derive(InputObject)]
pub struct AssessRiskInput {
    /// 风险隐患 — the risk item's global ID.
    pub risk_item_id: ID,
    /// 风险等级 — the level the coordinator sets: HIGH, MEDIUM or LOW.
    pub level: RiskLevel,
    /// 属地; defaults to the unit the item has (the village's unit).
    pub territorial_unit_id: Option<ID>,
    /// 属事单位 — the sector unit: the department whose line of work the item falls in.
    pub sector_unit_id: ID,
    /// 承办单位 — defaults to the sector unit.
    pub assignee_unit_id: Option<ID>,
    /// 责任人 — the responsible person.
    pub responsible_person: String,
    /// 一事一策 — the plan for this one matter.
    pub plan: String,
}

/// 日排查 — record a village's daily check on an open risk item.
#[derive(InputObject)]
pub struct RecordRiskCheckInput {
    /// 风险隐患 — the risk item's global ID.
    pub risk_item_id: ID,
    /// 排查日期 — not in the future.
    pub checked_on: Date,
    /// 排查情况 — what the check found.
    pub note: String,
}

/// 风险反馈 — the assignee unit's feedback on a risk item.
#[derive(InputObject)]
pub struct RecordRiskFeedbackInput {
    /// 风险隐患 — the risk item's global ID.
    pub risk_item_id: ID,
    /// 反馈内容 — what the assignee unit did and found.
    pub body: String,
}

/// 风险升级 — take a risk item one joint meeting up.
#[derive(InputObject)]
pub struct EscalateRiskInput {
    /// 风险隐患 — the risk item's global ID.
    pub risk_item_id: ID,
    /// 升级理由 — why the item goes before the higher meeting.
    pub reason: String,
    /// 研究会议 — the meeting (e.g. 三级联席会议) that took the item up, one the viewer reads.
    pub meeting_id: Option<ID>,
}

/// 风险销号 — resolve a risk item with a resolution note.
#[derive(InputObject)]
pub struct ResolveRiskInput {
    /// 风险隐患 — the risk item's global ID.
    pub risk_item_id: ID,
    /// 销号说明 — how the item was resolved.
    pub resolution_note: String,
}

/// 风险隐患 — the risk item after a step.
#[derive(SimpleObject)]
pub struct RiskPayload {
    /// 风险隐患 — the risk item as it stands after the step.
    pub risk_item: Option<RiskItem>,
}

#[derive(Default)]
pub struct RiskMutation;

#[Object]
impl RiskMutation {
    /// 上报风险 — reports a risk item (village, coordinator, police, judicial). It starts REPORTED before
    /// the village meeting, its territorial unit the village's unit. The payload's item is null
    /// when the reporter's own scope does not cover it (police reporting a dispute, say).
    async fn report_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: ReportRiskInput,
    ) -> async_graphql::Result<RiskPayload> {
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
        let territorial_unit_id = village_unit(&state.db, viewer, village_id).await?;
        let new = NewRisk {
            title,
            category: input.category,
            village_id,
            description,
            location,
            grid,
            parties,
            territorial_unit_id,
        };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let id = store::report(&txn, viewer, new).await?;
        audit::record(&txn, ctx, viewer, entry("report_risk", id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        payload(ctx, id).await
    }

    /// 修改风险隐患 — changes a reported item's particulars (the village, its own items), only before the
    /// assessment; a stale `expectedVersion` is a `CONFLICT`.
    async fn update_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: UpdateRiskInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.risk_item_id, Step::Update).await?;
        let mut change = RiskChange::default();
        if let Some(title) = &input.title {
            change.title = Some(validate::text("input.title", title, 200)?);
        }
        change.category = input.category;
        if let Some(description) = &input.description {
            change.description = Some(validate::text("input.description", description, 4000)?);
        }
        if let Some(location) = &input.location {
            change.location = Some(optional("input.location", Some(location), 500)?);
        }
        if let Some(grid) = &input.grid {
            change.grid = Some(optional("input.grid", Some(grid), 200)?);
        }
        if let Some(parties) = &input.parties {
            change.parties = Some(optional("input.parties", Some(parties), 2000)?);
        }
        let expected = risk_item::Model { version: input.expected_version, ..current };
        write_step(ctx, viewer, &expected, change, RiskEventKind::Updated, (None, None), None, "update_risk").await
    }

    /// 研判风险 — assesses a reported item (coordinator): level, units, responsible person and plan. A HIGH
    /// item owes its first feedback within two days (T+2, `feedbackDueAt`).
    async fn assess_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: AssessRiskInput,
    ) -> async_graphql::Result<RiskPayload> {
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
        let change = RiskChange {
            level: Some(Some(input.level)),
            territorial_unit_id: Some(territorial),
            sector_unit_id: Some(Some(sector)),
            assignee_unit_id: Some(Some(assignee)),
            responsible_person: Some(Some(responsible)),
            plan: Some(Some(plan)),
            status: Some(RiskStatus::Assessed),
            assessed_at: Some(Some(now)),
            // T+2 is kept as data: the feedback deadline a task rule reads.
            feedback_due_at: Some(risk_flow::feedback_due(input.level, now)),
            ..Default::default()
        };
        let note = Some(format!("定级 {}", input.level.to_value()));
        let step = status_change(&current, RiskStatus::Assessed);
        write_step(ctx, viewer, &current, change, RiskEventKind::Assessed, step, note, "assess_risk").await
    }

    /// Records the village's daily check (日排查) on one of its open items.
    async fn record_risk_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordRiskCheckInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = for_step(ctx, &input.risk_item_id, Step::RecordCheck).await?;
        let checked_on = validate::past_date("input.checkedOn", input.checked_on.0, lead_flow::today())?;
        let note = validate::text("input.note", &input.note, 2000)?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::change(&txn, current.id, current.version, RiskChange::default()).await?;
        store::record_check(&txn, viewer, current.id, checked_on, note).await?;
        audit::record(&txn, ctx, viewer, entry("record_risk_check", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }

    /// 风险反馈 — files feedback (the assignee unit). The first feedback moves the item to RESOLVING.
    async fn record_risk_feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordRiskFeedbackInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = for_step(ctx, &input.risk_item_id, Step::RecordFeedback).await?;
        needs_plan(ctx, &current).await?;
        let body = validate::text("input.body", &input.body, 4000)?;
        let mut change = RiskChange::default();
        let step = if current.status == RiskStatus::Assessed {
            change.status = Some(RiskStatus::Resolving);
            status_change(&current, RiskStatus::Resolving)
        } else {
            (None, None)
        };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::change(&txn, current.id, current.version, change).await?;
        store::record_feedback(&txn, viewer, current.id, body).await?;
        store::event(&txn, current.id, viewer, RiskEventKind::Feedback, step, None).await?;
        audit::record(&txn, ctx, viewer, entry("record_risk_feedback", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::RiskItem(current.id)).await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }

    /// 风险升级 — takes an open item one joint meeting up, with the reason: VILLAGE -> TOWN (the village,
    /// its own items, or the coordinator), TOWN -> DISTRICT (the coordinator only; anyone else
    /// is `FORBIDDEN`).
    async fn escalate_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: EscalateRiskInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = for_action(ctx, &input.risk_item_id, Step::Escalate).await?;
        let to = match risk_flow::escalation(viewer.role == Role::Coordinator, current.status, current.escalation_level)
        {
            Ok(to) => to,
            Err(EscalationRefusal::NotYourRung) => return Err(ApiError::Forbidden.into()),
            Err(EscalationRefusal::NotNow) => return Err(not_now(ctx, viewer, &current, Step::Escalate).into()),
        };
        let reason = validate::text("input.reason", &input.reason, 2000)?;
        let meeting = match &input.meeting_id {
            Some(id) => Some(crate::graphql::meeting::readable(ctx, "input.meetingId", id).await?),
            None => None,
        };
        let change = RiskChange { escalation_level: Some(to), ..Default::default() };
        let step = (Some(current.escalation_level.to_value()), Some(to.to_value()));
        let taken_up = meeting.map(|m| (m, to));
        let kind = RiskEventKind::Escalated;
        write_step_with(ctx, viewer, &current, change, kind, step, Some(reason), "escalate_risk", taken_up).await
    }

    /// Resolves an assessed item (销号) with its resolution note: the coordinator, or the police
    /// station or judicial office it is assigned to.
    async fn resolve_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: ResolveRiskInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.risk_item_id, Step::Resolve).await?;
        needs_plan(ctx, &current).await?;
        let note = validate::text("input.resolutionNote", &input.resolution_note, 4000)?;
        let change = RiskChange {
            status: Some(RiskStatus::Resolved),
            resolution_note: Some(Some(note.clone())),
            resolved_at: Some(Some(Utc::now())),
            ..Default::default()
        };
        let step = status_change(&current, RiskStatus::Resolved);
        write_step(ctx, viewer, &current, change, RiskEventKind::Resolved, step, Some(note), "resolve_risk").await
    }
}

/// The current row of an item the viewer may `step`: `NOT_FOUND` outside the read scope (like a
/// random id, and a real item there is logged as a denied attempt), `FORBIDDEN` when the action
/// is not granted on it.
async fn for_action(ctx: &Context<'_>, id: &ID, step: Step) -> Result<risk_item::Model, ApiError> {
    let id = ids::decode_as(id, Kind::RiskItem).ok_or(ApiError::NotFound)?;
    fetch::for_action::<RiskItems>(ctx, id, step.action(), "RiskItem").await
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

/// `CONFLICT` when a HIGH item would leave assessment (its first feedback, or 销号) without an
/// emergency plan naming its lead official and unit (seed 004 "一事一案", "明确包案单位和领导").
/// Asked after the permission check; the answer names the missing step only, which every viewer
/// who may take this step reads (`hasEmergencyPlan` is `detail`).
async fn needs_plan(ctx: &Context<'_>, current: &risk_item::Model) -> Result<(), ApiError> {
    let high_in_assessment = current.status == RiskStatus::Assessed && current.level == Some(RiskLevel::High);
    if high_in_assessment && !store::has_plan(&ctx.state().db, current.id).await? {
        return Err(ApiError::Conflict {
            message: "A HIGH risk item needs its emergency plan, with its lead official and unit, before it leaves \
                      assessment."
                .into(),
            message_zh: "高风险隐患须先制定应急处置预案并明确包案领导和单位，方可进入化解。".into(),
            allowed: vec!["saveRiskPlan".into()],
        });
    }
    Ok(())
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
    change: RiskChange,
    kind: RiskEventKind,
    values: (Option<String>, Option<String>),
    note: Option<String>,
    action: &'static str,
) -> async_graphql::Result<RiskPayload> {
    write_step_with(ctx, viewer, current, change, kind, values, note, action, None).await
}

/// [`write_step`], noting in the same transaction the meeting that took the item up (an
/// escalation naming it) and the level it went to.
#[allow(clippy::too_many_arguments)]
async fn write_step_with(
    ctx: &Context<'_>,
    viewer: &Viewer,
    current: &risk_item::Model,
    change: RiskChange,
    kind: RiskEventKind,
    values: (Option<String>, Option<String>),
    note: Option<String>,
    action: &'static str,
    taken_up: Option<(Uuid, EscalationLevel)>,
) -> async_graphql::Result<RiskPayload> {
    let state = ctx.state();
    let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
    store::change(&txn, current.id, current.version, change).await?;
    store::event(&txn, current.id, viewer, kind, values, note).await?;
    if let Some((meeting, to)) = taken_up {
        crate::access::stores::meeting::took_up(&txn, meeting, current.id, to).await?;
    }
    audit::record(&txn, ctx, viewer, entry(action, current.id)).await?;
    rules::commit(ctx.state(), txn, Trigger::RiskItem(current.id)).await.map_err(ApiError::from)?;
    payload(ctx, current.id).await
}

pub(super) async fn payload(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<RiskPayload> {
    Ok(RiskPayload { risk_item: find(ctx, id).await? })
}

pub(super) fn entry(action: &'static str, id: Uuid) -> audit::Entry<'static> {
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
