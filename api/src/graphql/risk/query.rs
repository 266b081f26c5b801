//! `riskItems`, `riskItem` and `riskStats`.

use crate::access::page::PageArgs;
use async_graphql::{Context, ID, Object};

use super::{RiskFilter, RiskItem, RiskOrder, RiskStats, find, month_stats};
use crate::access::resource::RiskItems;
use crate::access::store::Sort;
use crate::error::ApiError;
use crate::graphql::connection::Page;
use crate::graphql::ids::{self, Kind};
use crate::graphql::risk_loaders::{RiskLoaders, RiskWants, prefetch_risks};
use crate::graphql::{ContextExt, fetch};

#[derive(Default)]
pub struct RiskQuery;

#[Object]
impl RiskQuery {
    /// Risk items in the viewer's scope, a page at a time.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    // A list's arguments are the client's: filter, order and the two ways of paging.
    /// 风险隐患台账 — the risk items the viewer may see, a keyset page at a time; newest first unless ordered.
    #[allow(clippy::too_many_arguments)]
    async fn risk_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the rows that match every condition given.")] filter: Option<RiskFilter>,
        #[graphql(desc = "排序 — the order of the rows; each list has its default.")] order_by: Option<RiskOrder>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<RiskItem>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let order = order_by.unwrap_or_default();
        let sort = Sort { field: order.field, ascending: order.direction.ascending() };
        let page =
            fetch::list::<RiskItems>(ctx, filter.unwrap_or_default(), sort, PageArgs::new(first, after, last, before)?)
                .await?;

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
            plans: wants("emergencyPlan") || wants("planRevisions") || wants("hasEmergencyPlan"),
            drills: nested("emergencyPlan", "drills") || nested("planRevisions", "drills"),
            weekly_updates: wants("weeklyUpdates"),
        };
        let risk_loaders = RiskLoaders::new(state.clone(), viewer.clone());
        prefetch_risks(ctx.loaders()?, &risk_loaders, &page.reads, &page.listing, &wants)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("loading risk item relations: {e}")))?;
        Ok(page.connection(|(m, groups)| RiskItem::new(m, groups, risk_loaders.clone())))
    }

    /// 风险隐患 — one risk item, or null when there is none in the viewer's scope.
    async fn risk_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "编号 — the record's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<RiskItem>> {
        let Some(id) = ids::decode_as(&id, Kind::RiskItem) else {
            return Ok(None);
        };
        Ok(find(ctx, id).await?)
    }

    /// 风险化解统计 — items reported in `month` (`YYYY-MM`, the town's calendar) in the viewer's scope, found
    /// and resolved per level against the targets (HIGH 100%, MEDIUM and LOW 90%). Counted in
    /// SQL from the same scoped query as `riskItems`.
    async fn risk_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "月份 — `YYYY-MM`, in the town's calendar.")] month: String,
    ) -> async_graphql::Result<RiskStats> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let groups = state.access.groups::<RiskItems>(viewer);
        let items = state.access.select::<RiskItems>(viewer)?;
        // Rule 4: grouping by level is a filter on `basic`.
        if !groups.held_everywhere("basic") {
            return Err(ApiError::Forbidden.into());
        }
        Ok(month_stats(&state.db, items, &month).await?)
    }
}
