//! `venues` and `venue`.

use crate::access::page::PageArgs;
use async_graphql::{Context, ID, Object};

use super::{Venue, VenueFilter, VenueOrder, find};
use crate::access::resource::Venues;
use crate::access::store::Sort;
use crate::graphql::connection::Page;
use crate::graphql::ids::{self, Kind};
use crate::graphql::venue_loaders::{VenueLoaders, VenueWants, prefetch_venues};
use crate::graphql::{ContextExt, fetch};

#[derive(Default)]
pub struct VenueQuery;

#[Object]
impl VenueQuery {
    /// Key venues in the viewer's scope, a page at a time.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    // A list's arguments are the client's: filter, order and the two ways of paging.
    /// 重点场所台账 — the key venues the viewer may see, a keyset page at a time; by name unless ordered.
    #[allow(clippy::too_many_arguments)]
    async fn venues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the rows that match every condition given.")] filter: Option<VenueFilter>,
        #[graphql(desc = "排序 — the order of the rows; each list has its default.")] order_by: Option<VenueOrder>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Venue>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let order = order_by.unwrap_or_default();
        let sort = Sort { field: order.field, ascending: order.direction.ascending() };
        let page =
            fetch::list::<Venues>(ctx, filter.unwrap_or_default(), sort, PageArgs::new(first, after, last, before)?)
                .await?;

        let look = ctx.look_ahead();
        let node = [look.field("nodes"), look.field("edges").field("node")];
        let wants = |field: &str| node.iter().any(|n| n.field(field).exists());
        let wants = VenueWants {
            village: wants("village"),
            inspections: wants("inspections"),
            inspectors: node.iter().any(|n| n.field("inspections").field("inspector").exists()),
            incidents: wants("incidents"),
            penalties: wants("penalties"),
            level_history: wants("levelHistory"),
            last_inspection: wants("inspectionStatus"),
        };
        let venue_loaders = VenueLoaders::new(state.clone(), viewer.clone());
        prefetch_venues(ctx.loaders()?, &venue_loaders, &page.reads, &page.listing, &wants).await?;
        Ok(page.connection(|(m, groups)| Venue::new(m, groups, venue_loaders.clone())))
    }

    /// 重点场所 — one key venue, or null when there is none in the viewer's scope.
    async fn venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "编号 — the record's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<Venue>> {
        let Some(id) = ids::decode_as(&id, Kind::Venue) else {
            return Ok(None);
        };
        Ok(find(ctx, id).await?)
    }
}
