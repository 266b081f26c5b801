//! `people` and `person`: key persons in the viewer's scope.

use crate::access::page::PageArgs;
use crate::graphql::fetch;
use async_graphql::{Context, ID, Object};

use super::{Person, PersonFilter, PersonOrder, find};
use crate::access::resource::Persons;
use crate::access::store::Sort;
use crate::graphql::ContextExt;
use crate::graphql::connection::Page;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{PersonWants, prefetch_people};

#[derive(Default)]
pub struct PersonQuery;

#[Object]
impl PersonQuery {
    /// Key persons in the viewer's scope, a page at a time.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    // A list's arguments are the client's: filter, order and the two ways of paging.
    /// 重点人员台账 — the key persons the viewer may see, a keyset page at a time; by name unless ordered.
    #[allow(clippy::too_many_arguments)]
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the rows that match every condition given.")] filter: Option<PersonFilter>,
        #[graphql(desc = "排序 — the order of the rows; each list has its default.")] order_by: Option<PersonOrder>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Person>> {
        let filter = filter.unwrap_or_default();
        let order = order_by.unwrap_or_default();
        // Rule 4 for ordering: name and listing date are `basic`, the next talk due date also
        // needs the talks (`record`); the store refuses an order whose group the viewer holds
        // nowhere, and never sorts by a hidden value.
        let sort = Sort { field: order.field, ascending: order.direction.ascending() };
        let page = PageArgs::new(first, after, last, before)?;
        let page = fetch::list_shown::<Persons>(ctx, filter, sort, page, super::reads).await?;
        let look = ctx.look_ahead();
        let node = [look.field("nodes"), look.field("edges").field("node")];
        let wants = |field: &str| node.iter().any(|n| n.field(field).exists());
        let wants = PersonWants {
            village: wants("village"),
            officer: wants("responsibleOfficer"),
            talks: wants("talks") || wants("talkStatus"),
            talk_officers: node.iter().any(|n| n.field("talks").field("officer").exists()),
            incidents: wants("incidents"),
            categories: wants("categories"),
            tags: wants("judicialTags"),
            assessments: wants("assessments"),
            measures: wants("measures"),
            board: wants("boardPublications"),
            level_history: wants("levelHistory"),
            actions: wants("viewerCan"),
        };
        prefetch_people(ctx.loaders()?, &page.reads, &page.listing, &wants).await?;
        Ok(page.connection(|(m, groups)| Person::new(m, groups)))
    }

    /// 重点人员 — one key person, or null when there is none in the viewer's scope.
    async fn person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "编号 — the record's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<Person>> {
        let Some(id) = ids::decode_as(&id, Kind::Person) else {
            return Ok(None);
        };
        Ok(find(ctx, id).await?)
    }
}
