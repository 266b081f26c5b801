//! Emergency plans of risk items (seed 004 "一事一案 … 实战化应急处置预案", "明确包案单位和领导",
//! "定期组织演练，及时修订预案", "每周调整更新"): `saveRiskPlan` (each save a revision),
//! `recordDrill` and `recordRiskWeeklyUpdate`, and the objects the item shows them as.
//!
//! They are the item's `emergency` group: whoever handles the item reads them; the item's
//! village, which holds `detail` but not `emergency`, reads only that a plan exists
//! (`RiskItem.hasEmergencyPlan`). A HIGH item cannot leave assessment (first feedback, 销号)
//! until it has a plan with its lead official and unit (see `mutation::needs_plan`).
//!
//! Each write checks, in this order: the item is in the viewer's read scope (else `NOT_FOUND`),
//! the action is granted on it (else `FORBIDDEN`), then the state (a resolved item is closed:
//! `CONFLICT`), then the input (`BAD_USER_INPUT`); each is one transaction with its audit entry.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::enums::RiskStatus;
use entity::{risk_drill, risk_item, risk_plan_revision, risk_weekly_update};

use super::RiskPayload;
use super::mutation::{entry, payload};
use std::sync::Arc;

use crate::access::resource::RiskItems;
use crate::access::stores::risk::{self as store, NewPlan};
use crate::audit;
use crate::domain::{lead_flow, validate};
use crate::error::ApiError;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::Officer;
use crate::graphql::org::OrgUnit;
use crate::graphql::refs::unit_in_town;
use crate::graphql::risk_loaders::{DrillsOf, RiskLoaders};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, fetch};
use crate::rules::{self, Trigger};

/// 保存应急预案 — the whole plan of a risk item, saved as its next revision.
#[derive(InputObject)]
pub struct SaveRiskPlanInput {
    /// 风险隐患 — the item's global ID.
    pub risk_item_id: ID,
    /// 启动标准 — when the plan is set in motion.
    pub trigger_criteria: String,
    /// 解除标准 — when it is stood down.
    pub release_criteria: String,
    /// 组织指挥 — who commands, and how.
    pub command: String,
    /// 职责分工 — who does what.
    pub duties: String,
    /// 应急措施 — the measures to take.
    pub measures: String,
    /// 物资保障 — the supplies kept ready.
    pub supplies: String,
    /// 包案领导 — the official answerable for the item.
    pub lead_official: String,
    /// 包案单位 — the unit answerable for the item (a unit of the town).
    pub lead_unit_id: ID,
}

/// 记录演练 — a drill of a risk item's emergency plan.
#[derive(InputObject)]
pub struct RecordDrillInput {
    /// 风险隐患 — the item's global ID.
    pub risk_item_id: ID,
    /// 演练日期 — the day the drill was held; not in the future.
    pub held_on: Date,
    /// 演练情况 — who took part, what was practised, what needs revising.
    pub summary: String,
}

/// 风险周调整 — the town's weekly update of an open risk item.
#[derive(InputObject)]
pub struct RecordRiskWeeklyUpdateInput {
    /// 风险隐患 — the item's global ID.
    pub risk_item_id: ID,
    /// 本周情况 — the item's state this week and what changed.
    pub summary: String,
}

#[derive(Default)]
pub struct RiskPlanMutation;

#[Object]
impl RiskPlanMutation {
    /// 保存应急预案 — saves a risk item's emergency plan with its lead official and unit, as its next
    /// revision (coordinator; earlier revisions are kept). A HIGH item needs one before its
    /// first feedback or 销号.
    async fn save_risk_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: SaveRiskPlanInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = open_item(ctx, &input.risk_item_id, "save_plan").await?;
        let text = |field: &str, value: &str| validate::text(field, value, 4000);
        let plan = NewPlan {
            trigger_criteria: text("input.triggerCriteria", &input.trigger_criteria)?,
            release_criteria: text("input.releaseCriteria", &input.release_criteria)?,
            command: text("input.command", &input.command)?,
            duties: text("input.duties", &input.duties)?,
            measures: text("input.measures", &input.measures)?,
            supplies: text("input.supplies", &input.supplies)?,
            lead_official: validate::text("input.leadOfficial", &input.lead_official, 200)?,
            lead_unit_id: unit_in_town(ctx, viewer, "input.leadUnitId", &input.lead_unit_id).await?.id,
        };
        let state = ctx.state();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::save_plan(&txn, viewer, current.id, plan).await?;
        audit::record(&txn, ctx, viewer, entry("save_risk_plan", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }

    /// 记录演练 — records a drill of a risk item's emergency plan (the coordinator, or the unit the item
    /// is assigned to).
    async fn record_drill(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordDrillInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = open_item(ctx, &input.risk_item_id, "record_drill").await?;
        let held_on = validate::past_date("input.heldOn", input.held_on.0, lead_flow::today())?;
        let summary = validate::text("input.summary", &input.summary, 4000)?;
        let state = ctx.state();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::record_drill(&txn, viewer, current.id, held_on, summary).await?;
        audit::record(&txn, ctx, viewer, entry("record_drill", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }

    /// 风险周调整 — records this week's update of an open risk item (coordinator; seed 004 "街道负责对
    /// 涉稳风险隐患每周调整更新"). It closes the item's `WEEKLY_RISK_UPDATE` task.
    async fn record_risk_weekly_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordRiskWeeklyUpdateInput,
    ) -> async_graphql::Result<RiskPayload> {
        let viewer = ctx.viewer()?;
        let current = open_item(ctx, &input.risk_item_id, "record_weekly_update").await?;
        let summary = validate::text("input.summary", &input.summary, 4000)?;
        let state = ctx.state();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::record_weekly_update(&txn, viewer, current.id, lead_flow::today(), summary).await?;
        audit::record(&txn, ctx, viewer, entry("record_risk_weekly_update", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::RiskItem(current.id)).await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }
}

/// The current row of an item the viewer may `action` (`NOT_FOUND`, then `FORBIDDEN`), then
/// `CONFLICT` when it is resolved: a closed item's plan is history.
async fn open_item(ctx: &Context<'_>, id: &ID, action: &str) -> Result<risk_item::Model, ApiError> {
    let id = ids::decode_as(id, Kind::RiskItem).ok_or(ApiError::NotFound)?;
    let current = fetch::for_action::<RiskItems>(ctx, id, action, "RiskItem").await?;
    if current.status == RiskStatus::Resolved {
        return Err(ApiError::Conflict {
            message: "This risk item is resolved; its record is closed.".into(),
            message_zh: "该风险隐患已销号，记录已关闭。".into(),
            allowed: vec![],
        });
    }
    Ok(current)
}

/// A revision of a risk item's emergency plan.
pub struct RiskPlan(pub(super) risk_plan_revision::Model, pub(super) Arc<RiskLoaders>);

/// 应急处置预案 — one saved revision of a risk item's emergency plan (一事一案).
#[Object]
impl RiskPlan {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::PlanRevision, self.0.id)
    }
    /// 修订版本 — 1 for the first save, then 2, 3 …
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// 启动标准 — when the plan is set in motion.
    async fn trigger_criteria(&self) -> &str {
        &self.0.trigger_criteria
    }
    /// 解除标准 — when it is stood down.
    async fn release_criteria(&self) -> &str {
        &self.0.release_criteria
    }
    /// 组织指挥 — who commands, and how.
    async fn command(&self) -> &str {
        &self.0.command
    }
    /// 职责分工 — who does what.
    async fn duties(&self) -> &str {
        &self.0.duties
    }
    /// 应急措施 — the measures to take.
    async fn measures(&self) -> &str {
        &self.0.measures
    }
    /// 物资保障 — the supplies kept ready.
    async fn supplies(&self) -> &str {
        &self.0.supplies
    }
    /// 包案领导 — the official answerable for the item.
    async fn lead_official(&self) -> &str {
        &self.0.lead_official
    }
    /// 包案单位 — the unit answerable for the item.
    async fn lead_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(ctx.loaders()?.org_units.load_one(self.0.lead_unit_id).await?)
    }
    /// 保存人 — who saved this revision.
    async fn saved_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.saved_by_user_id).await?)
    }
    /// 保存时间 — when this revision was saved.
    async fn saved_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// 预案演练 — the drills of the item's plan, newest first.
    async fn drills(&self) -> async_graphql::Result<Vec<RiskDrill>> {
        // Built only for a viewer who reads the item's `emergency` group; the loader reads
        // drills only under such items all the same.
        let rows = self.1.records.load_one(DrillsOf::new(self.0.risk_item_id)).await?.unwrap_or_default();
        Ok(rows.into_iter().map(RiskDrill).collect())
    }
}

/// A drill of a plan.
pub struct RiskDrill(pub(super) risk_drill::Model);

/// 预案演练 — a drill of a risk item's emergency plan.
#[Object]
impl RiskDrill {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::Drill, self.0.id)
    }
    /// 演练日期 — the day the drill was held.
    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }
    /// 演练情况 — who took part, what was practised, what needs revising.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

/// A weekly update of an item.
pub struct RiskWeeklyUpdate(pub(super) risk_weekly_update::Model);

/// 风险周调整 — the town's weekly update of a risk item (每周调整更新).
#[Object]
impl RiskWeeklyUpdate {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::WeeklyUpdate, self.0.id)
    }
    /// 更新日期 — the local day of the update.
    async fn updated_on(&self) -> Date {
        Date(self.0.updated_on)
    }
    /// 本周情况 — the item's state that week and what changed.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}
