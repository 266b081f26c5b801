//! Reading one record by id, the same way for every resource.

use async_graphql::Context;
use sea_orm::{EntityTrait, PrimaryKeyTrait, QueryFilter};
use uuid::Uuid;

use super::ContextExt;
use crate::access::{GroupSet, Resource};
use crate::audit;
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
