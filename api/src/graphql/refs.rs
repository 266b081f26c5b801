//! Checks of references given in an input (a village, an officer, a unit): each must be one the
//! viewer may name in its town. A reference that is hidden and one that does not exist are the
//! same bad input, so no check is an existence oracle.

use async_graphql::{Context, ID};
use entity::enums::Role;
use entity::{org_unit, village};
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::ContextExt;
use super::ids::{self, Kind};
use crate::access::resource::{OrgUnits, Villages};
use crate::auth::Viewer;
use crate::domain::validate;
use crate::error::ApiError;

/// A village of the viewer's town.
pub async fn village_in_town(ctx: &Context<'_>, viewer: &Viewer, field: &str, id: &ID) -> Result<Uuid, ApiError> {
    let state = ctx.state();
    let not_ours = || ApiError::bad_input(field, "No such village in your town.", "本镇没有这个村（社区）。");
    let village = ids::decode_as(id, Kind::Village).ok_or_else(not_ours)?;
    state
        .access
        .select::<Villages>(viewer)?
        .filter(village::Column::Id.eq(village))
        .one(&state.db)
        .await?
        .map(|v| v.id)
        .ok_or_else(not_ours)
}

/// An org unit of the viewer's town.
pub async fn unit_in_town(
    ctx: &Context<'_>,
    viewer: &Viewer,
    field: &str,
    id: &ID,
) -> Result<org_unit::Model, ApiError> {
    let bad = || ApiError::bad_input(field, "No such unit in your town.", "本镇没有这个单位。");
    let unit = ids::decode_as(id, Kind::OrgUnit).ok_or_else(bad)?;
    let state = ctx.state();
    state.access.select::<OrgUnits>(viewer)?.filter(org_unit::Column::Id.eq(unit)).one(&state.db).await?.ok_or_else(bad)
}

/// An active user of the viewer's town (talk officers, inspectors).
pub async fn officer_in_town(ctx: &Context<'_>, viewer: &Viewer, field: &str, id: &ID) -> Result<Uuid, ApiError> {
    let not_ours = || ApiError::bad_input(field, "No such officer in your town.", "本镇没有这名工作人员。");
    let user = ids::decode_as(id, Kind::User).ok_or_else(not_ours)?;
    let state = ctx.state();
    state.access.town_user(&state.db, viewer, user, None).await?.ok_or_else(not_ours)
}

/// An active police user of the viewer's town (responsible officers).
pub async fn police_officer(ctx: &Context<'_>, viewer: &Viewer, field: &str, id: &ID) -> Result<Uuid, ApiError> {
    let not_police = || ApiError::bad_input(field, "No such police officer in your town.", "本镇没有这名民警。");
    let user = ids::decode_as(id, Kind::User).ok_or_else(not_police)?;
    let state = ctx.state();
    state.access.town_user(&state.db, viewer, user, Some(Role::Police)).await?.ok_or_else(not_police)
}

/// An optional phone number; blank is none.
pub fn optional_phone(field: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    validate::phone(field, value)?;
    Ok(Some(value.to_owned()))
}
