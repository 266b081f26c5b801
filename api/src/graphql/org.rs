//! Users, org units, villages and towns: `me`, `orgUnits`, `villages` (the administration of
//! them is in `admin`).
//!
//! Everyone reads their own user and the names and kinds of their town's units and villages
//! (access.md "Users and org units"); only admin manages users.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::app_user;
use entity::enums::{Role, UnitKind};
use entity::org_unit;
use sea_orm::QueryOrder;
use uuid::Uuid;

use super::ContextExt;
use super::ids::{self, Kind};
use crate::access::resource::{OrgUnits, Villages};
use crate::auth::Viewer;
use crate::error::ApiError;

/// 用户 — a user of pingan.
#[derive(SimpleObject, Clone)]
pub struct User {
    /// 编号 — the user's global ID.
    #[graphql(owned)]
    pub id: ID,
    /// 用户名 — the login name.
    pub username: String,
    /// 姓名 — the name shown for the user.
    pub display_name: String,
    /// 角色 — the user's role, named after the unit's kind.
    pub role: Role,
    /// 所属单位 — the org unit the user belongs to.
    pub unit: OrgUnit,
    /// 所属镇 — the user's town.
    pub town: Town,
    /// 启用 — whether the user may log in.
    pub active: bool,
    /// 待设置密码 — true while the user has a one-time setup code and no password of their own yet.
    pub setup_pending: bool,
}

impl User {
    /// Users the viewer read (every one of them in the viewer's town), their units loaded in one
    /// batch.
    pub async fn build(ctx: &Context<'_>, users: Vec<app_user::Model>) -> async_graphql::Result<Vec<Self>> {
        let viewer = ctx.viewer()?;
        let loaders = ctx.loaders()?;
        let units = super::loaders::prime(&loaders.org_units, users.iter().map(|u| u.org_unit_id)).await?;
        let town = Town { id: ids::encode(Kind::Town, viewer.town_id), name: viewer.town_name.clone() };
        users
            .into_iter()
            .map(|user| -> async_graphql::Result<Self> {
                let unit = units
                    .get(&user.org_unit_id)
                    .cloned()
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user {} has no unit in its town", user.id)))?;
                if user.town_id != viewer.town_id {
                    return Err(ApiError::internal(anyhow::anyhow!("user {} read across towns", user.id)).into());
                }
                Ok(Self {
                    id: ids::encode(Kind::User, user.id),
                    username: user.username,
                    display_name: user.display_name,
                    role: user.role,
                    unit,
                    town: town.clone(),
                    active: user.active,
                    setup_pending: user.setup_code_hash.is_some(),
                })
            })
            .collect()
    }

    /// One user the viewer read.
    pub async fn one(ctx: &Context<'_>, user: app_user::Model) -> async_graphql::Result<Self> {
        let mut built = Self::build(ctx, vec![user]).await?;
        built.pop().ok_or_else(|| ApiError::internal(anyhow::anyhow!("a user was lost")).into())
    }

    /// The viewer's own user, as loaded for this request.
    pub fn of_viewer(viewer: &Viewer) -> Self {
        Self {
            id: ids::encode(Kind::User, viewer.user_id),
            username: viewer.username.clone(),
            display_name: viewer.display_name.clone(),
            role: viewer.role,
            unit: OrgUnit {
                id: ids::encode(Kind::OrgUnit, viewer.unit_id),
                name: viewer.unit_name.clone(),
                kind: viewer.unit_kind,
                village_id: viewer.village_id,
            },
            town: Town { id: ids::encode(Kind::Town, viewer.town_id), name: viewer.town_name.clone() },
            active: viewer.active,
            // A viewer logged in with a password of their own.
            setup_pending: false,
        }
    }
}

/// An office of the town (扫黑办, 纪委, 派出所, 司法所, or a village committee).
#[derive(Clone)]
pub struct OrgUnit {
    id: ID,
    name: String,
    kind: UnitKind,
    village_id: Option<Uuid>,
}

impl From<org_unit::Model> for OrgUnit {
    fn from(m: org_unit::Model) -> Self {
        Self { id: ids::encode(Kind::OrgUnit, m.id), name: m.name, kind: m.kind, village_id: m.village_id }
    }
}

/// 单位 — an office of the town (扫黑办, 纪委, 派出所, 司法所, or a village committee).
#[Object]
impl OrgUnit {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        self.id.clone()
    }
    /// 单位名称 — the unit's name.
    async fn name(&self) -> &str {
        &self.name
    }
    /// 单位类型 — the kind of unit.
    async fn kind(&self) -> UnitKind {
        self.kind
    }
    /// 村（社区） — the village a `VILLAGE` unit serves.
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Village>> {
        let Some(village_id) = self.village_id else {
            return Ok(None);
        };
        Ok(ctx.loaders()?.villages.load_one(village_id).await?)
    }
}

/// A village or residential community (村 / 社区) of the town.
#[derive(SimpleObject, Clone)]
pub struct Village {
    /// 编号 — the village's global ID.
    #[graphql(owned)]
    pub id: ID,
    /// 村名 — the village's name.
    pub name: String,
}

/// A town (镇 / 街道): the unit of isolation.
#[derive(SimpleObject, Clone)]
pub struct Town {
    /// 编号 — the town's global ID.
    pub id: ID,
    /// 镇名 — the town's name.
    pub name: String,
}

#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// 当前用户 — the logged-in user, with role, unit and town as the database says now.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        Ok(User::of_viewer(ctx.viewer()?))
    }

    /// 单位列表 — the org units of the viewer's town, by name.
    async fn org_units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let units =
            state.access.select::<OrgUnits>(viewer)?.order_by_asc(org_unit::Column::Name).all(&state.db).await?;
        Ok(units.into_iter().map(OrgUnit::from).collect())
    }

    /// 村（社区）列表 — the villages of the viewer's town, by name.
    async fn villages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Village>> {
        let viewer = ctx.viewer()?;
        let mut villages: Vec<Village> = ctx.state().villages_in_scope(viewer).await?.into_values().collect();
        villages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(villages)
    }
}

impl crate::AppState {
    /// The villages the viewer may read, by id.
    async fn villages_in_scope(&self, viewer: &Viewer) -> Result<HashMap<Uuid, Village>, ApiError> {
        let rows = self.access.select::<Villages>(viewer)?.all(&self.db).await?;
        Ok(rows.into_iter().map(|v| (v.id, Village { id: ids::encode(Kind::Village, v.id), name: v.name })).collect())
    }
}
