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
    #[allow(clippy::too_many_arguments)]
    async fn risk_items(
        &self,
        ctx: &Context<'_>,
        filter: Option<RiskFilter>,
        order_by: Option<RiskOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
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
        };
        let risk_loaders = RiskLoaders::new(state.clone(), viewer.clone());
        prefetch_risks(ctx.loaders()?, &risk_loaders, &page.rows(), &wants)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("loading risk item relations: {e}")))?;
        Ok(page.connection(|(m, groups)| RiskItem::new(m, groups, risk_loaders.clone())))
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
        let items = state.access.select::<RiskItems>(viewer)?;
        // Rule 4: grouping by level is a filter on `basic`.
        if !groups.held_everywhere("basic") {
            return Err(ApiError::Forbidden.into());
        }
        Ok(month_stats(&state.db, items, &month).await?)
    }
}
