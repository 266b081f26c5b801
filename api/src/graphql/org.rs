//! Users, org units, villages and towns: `me`, `orgUnits`, `villages`, `deactivateUser`.
//!
//! Everyone reads their own user and the names and kinds of their town's units and villages
//! (access.md "Users and org units"); only admin manages users.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use entity::enums::{AuditCategory, AuditOutcome, Role, UnitKind};
use entity::{app_user, org_unit};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::ContextExt;
use super::ids::{self, Kind};
use crate::access::resource::{OrgUnits, Users, Villages};
use crate::audit;
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::replicas::{self, Forget};

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
}

impl User {
    /// Any user the viewer may read, with unit and town.
    pub async fn load(ctx: &Context<'_>, user: app_user::Model) -> Result<Self, ApiError> {
        let db = &ctx.state().db;
        let unit = org_unit::Entity::find_by_id(user.org_unit_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user {} has no unit", user.id)))?;
        let town = entity::town::Entity::find_by_id(user.town_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user {} has no town", user.id)))?;
        Ok(Self {
            id: ids::encode(Kind::User, user.id),
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            unit: OrgUnit::from(unit),
            town: Town { id: ids::encode(Kind::Town, town.id), name: town.name },
            active: user.active,
        })
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

/// 停用用户 — the user to deactivate.
#[derive(InputObject)]
pub struct DeactivateUserInput {
    /// 用户 — the user's global ID.
    pub user_id: ID,
}

/// 停用结果 — the user deactivated and their state.
#[derive(SimpleObject)]
pub struct DeactivateUserPayload {
    /// 用户 — the deactivated user's global ID.
    pub user_id: ID,
    /// 启用 — whether the user is active (false after deactivation).
    pub active: bool,
}

#[derive(Default)]
pub struct OrgMutation;

#[Object]
impl OrgMutation {
    /// 停用用户 — deactivates a user of the admin's town; their live tokens stop working on the next request.
    /// The town's last active admin stays: `CONFLICT`, as nobody could then manage its users.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: DeactivateUserInput,
    ) -> async_graphql::Result<DeactivateUserPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let cond = state.access.rows::<Users>(viewer, "deactivate").ok_or(ApiError::Forbidden)?;
        let target = ids::decode_as(&input.user_id, Kind::User).ok_or(ApiError::NotFound)?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        // PostgreSQL: the town's active admins are locked first, so two admins deactivating each
        // other queue here and the second sees the first's change. SQLite has one writer at a
        // time (and no row locks); the update below takes it before the count is read.
        if txn.get_database_backend() == DbBackend::Postgres {
            active_admins(viewer.town_id).lock_exclusive().all(&txn).await.map_err(ApiError::from)?;
        }
        let updated = app_user::Entity::update_many()
            .col_expr(app_user::Column::Active, Expr::value(false))
            .col_expr(app_user::Column::Version, Expr::col(app_user::Column::Version).add(1))
            .col_expr(app_user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(app_user::Column::Id.eq(target))
            .filter(cond)
            .exec(&txn)
            .await
            .map_err(ApiError::from)?;
        if updated.rows_affected == 0 {
            return Err(ApiError::NotFound.into());
        }
        let target_user = app_user::Entity::find_by_id(target).one(&txn).await.map_err(ApiError::from)?;
        if let Some(user) = target_user.filter(|u| u.role == Role::Admin)
            && active_admins(user.town_id).count(&txn).await.map_err(ApiError::from)? == 0
        {
            return Err(ApiError::Conflict {
                message: "This is the town's last active administrator; it cannot be deactivated.".into(),
                message_zh: "该用户是本镇唯一在用的管理员，不能停用。".into(),
                allowed: vec![],
            }
            .into());
        }
        audit::record(
            &txn,
            ctx,
            viewer,
            audit::Entry {
                action: "deactivate_user",
                object_type: "User",
                object_id: Some(target),
                field_groups: &[],
                outcome: AuditOutcome::Allowed,
                category: AuditCategory::Administration,
            },
        )
        .await?;
        replicas::announce_forget(&txn, Forget::User(target)).await.map_err(ApiError::from)?;
        txn.commit().await.map_err(ApiError::from)?;
        state.auth.viewers.forget_user(target);
        Ok(DeactivateUserPayload { user_id: input.user_id, active: false })
    }
}

/// The active admins of a town.
fn active_admins(town: Uuid) -> sea_orm::Select<app_user::Entity> {
    app_user::Entity::find()
        .filter(app_user::Column::TownId.eq(town))
        .filter(app_user::Column::Role.eq(Role::Admin))
        .filter(app_user::Column::Active.eq(true))
}

impl crate::AppState {
    /// The villages the viewer may read, by id.
    async fn villages_in_scope(&self, viewer: &Viewer) -> Result<HashMap<Uuid, Village>, ApiError> {
        let rows = self.access.select::<Villages>(viewer)?.all(&self.db).await?;
        Ok(rows.into_iter().map(|v| (v.id, Village { id: ids::encode(Kind::Village, v.id), name: v.name })).collect())
    }
}
