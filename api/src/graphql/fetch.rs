//! Reading one record by id, a record for an action, and a page of a list, the same way for
//! every resource.

use async_graphql::{Context, OutputType};
use entity::positional::Positional;
use sea_orm::{EntityTrait, PrimaryKeyTrait, QueryFilter};
use uuid::Uuid;

use super::ContextExt;
use super::connection::{Connection, Edge, Page, Shape};
use crate::access::page::PageArgs;
use crate::access::store::{Columns, Held, Listed, Listing, Sort, Store};
use crate::access::{GroupSet, Resource};
use crate::audit;
use crate::db::Checkout;
use crate::error::ApiError;

/// The row with `id` among those the viewer may read, with the field groups it holds there.
/// A real row outside the scope is noted as a denied attempt (access.md rule 6) and answered
/// exactly like a missing one (rule 2).
pub async fn one<R: Resource>(
    ctx: &Context<'_>,
    id: Uuid,
    object_type: &'static str,
) -> Result<Option<(<R::Entity as EntityTrait>::Model, GroupSet<R>)>, ApiError>
where
    <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    let found = match state.access.rows::<R>(viewer, "read") {
        Some(rows) => R::Entity::find_by_id(id).filter(rows).one(&state.db).await?,
        None => None,
    };
    match found {
        Some(row) => {
            let groups = state.access.groups::<R>(viewer).on(viewer, &row);
            Ok(Some((row, groups)))
        }
        None => {
            if let Some(log) = audit::read_log(ctx)
                && state.access.exists_in_town::<R>(&state.db, viewer, id).await?
            {
                log.denied(object_type, id);
            }
            Ok(None)
        }
    }
}

/// The row with `id` for `action` ([`Store::for_action`]): `NOT_FOUND` when the viewer does not
/// read it, a real row then noted as a denied attempt exactly as a read of it would be;
/// `FORBIDDEN` when the action is not granted on it.
pub async fn for_action<R: Resource>(
    ctx: &Context<'_>,
    id: Uuid,
    action: &str,
    object_type: &'static str,
) -> Result<<R::Entity as EntityTrait>::Model, ApiError>
where
    <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let state = ctx.state();
    let store = Store::new(&state.access, ctx.viewer()?);
    match store.for_action::<R>(&state.db, id, action).await {
        Ok((row, _)) => Ok(row),
        Err(ApiError::NotFound) => {
            one::<R>(ctx, id, object_type).await?;
            Err(ApiError::NotFound)
        }
        Err(err) => Err(err),
    }
}

/// One page of a list ([`Store::list`]), with its `totalCount` ([`Store::count`]) only when
/// the query asks for it, and the checkout it was read through: the page's relations are read
/// through it too (the resolver's prefetch), and the connection goes back to the pool when the
/// page becomes its connection ([`ListPage::connection`]).
pub struct ListPage<'c, R: Resource> {
    pub listing: Listing<R>,
    pub reads: Checkout<'c>,
    total_count: Option<i64>,
    shape: Shape,
}

/// The page of `R` a list query asks for.
pub async fn list<'c, R: Listed>(
    ctx: &'c Context<'_>,
    filter: R::Filter,
    sort: Sort<R::Order>,
    page: PageArgs,
) -> Result<ListPage<'c, R>, ApiError>
where
    R::Filter: Clone,
{
    list_reading(ctx, filter, sort, page, Columns::all()).await
}

/// [`list`] reading only the columns the page's answer shows: `reads` names the model's fields
/// each field of the node type shows (`None`: it did not say, and every column is read), and the
/// fields asked for under `nodes` and `edges { node }` decide the columns ([`Columns::reading`]).
pub async fn list_shown<'c, R: Listed>(
    ctx: &'c Context<'_>,
    filter: R::Filter,
    sort: Sort<R::Order>,
    page: PageArgs,
    reads: impl Fn(&str) -> Option<&'static [&'static str]>,
) -> Result<ListPage<'c, R>, ApiError>
where
    R::Filter: Clone,
{
    let look = ctx.look_ahead();
    let nodes = look.field("nodes").selection_fields();
    let nodes = nodes.into_iter().chain(look.field("edges").field("node").selection_fields());
    let mut shown: Vec<&str> = Vec::new();
    for node in nodes {
        for field in node.selection_set() {
            match reads(field.name()) {
                Some(fields) => shown.extend_from_slice(fields),
                None => return list(ctx, filter, sort, page).await,
            }
        }
    }
    let columns = Columns::reading(shown);
    list_reading(ctx, filter, sort, page, columns).await
}

/// The model's field a field of its object type is named after (`listedAt` shows `listed_at`),
/// for [`list_shown`]'s `reads`.
pub fn same_named<M: Positional>(field: &str) -> Option<&'static [&'static str]> {
    let at = M::FIELDS.iter().position(|name| is_snake_case_of(name, field))?;
    Some(std::slice::from_ref(&M::FIELDS[at]))
}

/// Whether `snake` is `camel` in snake case.
fn is_snake_case_of(snake: &str, camel: &str) -> bool {
    let mut snake = snake.bytes();
    camel.bytes().all(|c| {
        if c.is_ascii_uppercase() {
            snake.next() == Some(b'_') && snake.next() == Some(c.to_ascii_lowercase())
        } else if c == b'_' {
            false
        } else {
            snake.next() == Some(c)
        }
    }) && snake.next().is_none()
}

async fn list_reading<'c, R: Listed>(
    ctx: &'c Context<'_>,
    filter: R::Filter,
    sort: Sort<R::Order>,
    page: PageArgs,
    columns: Columns<R>,
) -> Result<ListPage<'c, R>, ApiError>
where
    R::Filter: Clone,
{
    let state = ctx.state();
    let store = Store::new(&state.access, ctx.viewer()?);
    // The page first: a filter or order the viewer may not use is refused before any SQL runs.
    let look = ctx.look_ahead();
    let counted = look.field("totalCount").exists().then(|| filter.clone());
    let shape = Shape {
        edges: look.field("edges").exists(),
        cursors: look.field("edges").field("cursor").exists(),
        nodes: look.field("nodes").exists(),
    };
    let reads = Checkout::of(&state.db, &state.checkouts);
    let listing = store.list_reading::<R>(&reads, filter, sort, &page, columns).await?;
    let total_count = match counted {
        Some(filter) => Some(store.count::<R>(&reads, filter).await? as i64),
        None => None,
    };
    Ok(ListPage { listing, reads, total_count, shape })
}

impl<R: Resource> ListPage<'_, R> {
    /// The page as a connection of `T`, each row made a node by `node`.
    pub fn connection<T>(self, node: impl FnMut(Held<R>) -> T) -> Page<T>
    where
        T: OutputType + async_graphql::resolver_utils::ContainerType + Clone,
        Edge<T>: OutputType + async_graphql::resolver_utils::ContainerType,
    {
        let mut node = node;
        let (has_next, has_previous) = (self.listing.has_next, self.listing.has_previous);
        let rows = self.listing.into_rows().into_iter().map(|(place, held)| (place, node(held))).collect();
        Connection::new(rows, self.shape, has_next, has_previous, self.total_count)
    }
}

#[cfg(test)]
mod tests {
    use super::same_named;
    use entity::person::Model;

    #[test]
    fn a_field_reads_the_model_field_it_is_named_after() {
        assert_eq!(same_named::<Model>("listedAt"), Some(&["listed_at"][..]));
        assert_eq!(same_named::<Model>("id"), Some(&["id"][..]));
        assert_eq!(same_named::<Model>("responsibleOfficerId"), Some(&["responsible_officer_id"][..]));
        for other in ["village", "list", "listedAtX", "listed_at", "ListedAt", ""] {
            assert_eq!(same_named::<Model>(other), None, "{other}");
        }
    }

    /// The benchmark's pages of persons read only what they show (every field of the type shows
    /// what the record shows, whatever it reads: the column-set suite): seven of the twenty
    /// columns, the id and the village (groups are decided by it) among them.
    #[test]
    fn a_page_of_persons_with_their_talks_reads_seven_columns() {
        use crate::access::resource::Persons;
        use crate::access::store::Columns;
        use entity::positional::Positional;
        let shown = ["id", "name", "gender", "attentionLevel", "village", "listedAt", "responsibleOfficer", "talks"];
        let mut columns = Vec::new();
        for field in shown {
            let reads = crate::graphql::person::reads(field).unwrap_or_else(|| panic!("{field}"));
            assert!(reads.iter().all(|column| Model::FIELDS.contains(column)), "{field}: {reads:?}");
            columns.extend_from_slice(reads);
        }
        assert_eq!(Columns::<Persons>::reading(columns).count(), 7);
        assert_eq!(Columns::<Persons>::reading(["name", "no_such_column"]).count(), Model::COLUMNS);
    }
}
