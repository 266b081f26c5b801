//! Administration (access.md "Users and org units"): the admin role manages the users, org
//! units and villages of its own town, and nothing else.
//!
//! Everything here asks the policy (`user`, `org_unit`, `village` with actions `create`,
//! `set_role`, `move`, …): a role without the line gets `FORBIDDEN` before anything is read, and
//! a user, unit or village of another town is `NOT_FOUND` exactly like a missing one. Every step
//! is one transaction with its audit entry (category `ADMINISTRATION`, which the admin reads in
//! `auditLog`). A change to a user applies to the user's very next request, on every replica,
//! and makes their open sockets check their session at once (`AppState::forget_user`).
//!
//! Nobody hands over a password: a new user, or one whose password is reset, gets a one-time
//! setup code (`auth::setup`), shown once in the payload.
//!
//! Units and villages are not deleted: a unit is named by the records it received, worked or
//! was assigned, and by its users' audit entries, so it stays (renamed if need be).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use entity::enums::{AuditCategory, AuditOutcome, Role, UnitKind};
use entity::{app_user, org_unit, village};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::ContextExt;
use super::connection::Page;
use super::fetch;
use super::ids::{self, Kind};
use super::org::{OrgUnit, User, Village};
use crate::access::page::PageArgs;
use crate::access::resource::{OrgUnits, Users, Villages};
use crate::access::store::Sort;
use crate::access::stores::user::{ByUsername, UserFilter};
use crate::audit;
use crate::auth::{Viewer, setup};
use crate::domain::organisation::{self as org_rules, check_role_suits};
use crate::error::ApiError;
use crate::replicas::{self, Forget};
use crate::town as structure;

/// An edge of `users`.
pub type UserEdge = super::connection::Edge<User>;

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// 用户列表 — the users the viewer may read, by username: an administrator reads its town's users,
    /// everyone else only themselves.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the rows that match every condition given.")] filter: Option<UserFilter>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<User>> {
        let sort = Sort { field: ByUsername, ascending: true };
        let page =
            fetch::list::<Users>(ctx, filter.unwrap_or_default(), sort, PageArgs::new(first, after, last, before)?)
                .await?;
        let users = User::build(ctx, page.listing.models().into_iter().cloned().collect()).await?;
        let mut users = users.into_iter();
        Ok(page.connection(|_| users.next().expect("one user per row")))
    }

    /// 用户 — the user with this id, or null when the viewer may not read it (also when there is none).
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "用户 — the user's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<User>> {
        let Some(id) = ids::decode_as(&id, Kind::User) else { return Ok(None) };
        match fetch::one::<Users>(ctx, id, "User").await? {
            Some((user, _)) => Ok(Some(User::one(ctx, user).await?)),
            None => Ok(None),
        }
    }
}

/// 新建用户 — a new user of the admin's town.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// 用户名 — what the user types to log in: 2 to 32 letters, digits, `_`, `.` or `-`; unique.
    pub username: String,
    /// 姓名 — the name shown to others.
    pub display_name: String,
    /// 角色 — must suit the unit's kind (an administrator sits in the coordination office).
    pub role: Role,
    /// 单位 — the user's org unit.
    pub unit_id: ID,
}

/// 新建用户结果 — the new user and its one-time setup code.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// 用户 — the new user.
    pub user: User,
    /// 设置码 — the one-time code the user redeems with `redeemSetupCode` to choose a password (valid 7
    /// days). Shown once: only its digest is kept.
    pub setup_code: String,
}

/// 调整角色 — a user and the role to give them.
#[derive(InputObject)]
pub struct SetUserRoleInput {
    /// 用户 — the user's global ID.
    pub user_id: ID,
    /// 角色 — must suit the user's unit (to change both, use `moveUser` with a role).
    pub role: Role,
}

/// 调动单位 — a user, the unit to move them to and the role there.
#[derive(InputObject)]
pub struct MoveUserInput {
    /// 用户 — the user's global ID.
    pub user_id: ID,
    /// 单位 — a unit of the same town.
    pub unit_id: ID,
    /// 角色 — the role in the new unit, when it changes with it.
    pub role: Option<Role>,
}

/// 重置密码 — the user whose password is reset.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// 用户 — the user's global ID.
    pub user_id: ID,
}

/// 停用用户 — the user to deactivate.
#[derive(InputObject)]
pub struct DeactivateUserInput {
    /// 用户 — the user's global ID.
    pub user_id: ID,
}

/// 重新启用 — the user to reactivate.
#[derive(InputObject)]
pub struct ReactivateUserInput {
    /// 用户 — the user's global ID.
    pub user_id: ID,
}

/// 用户结果 — the user after the step.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// 用户 — the user after the step.
    pub user: User,
}

/// 重置密码结果 — the user and their new one-time setup code.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    /// 用户 — the user after the reset.
    pub user: User,
    /// 设置码 — the new one-time setup code (valid 7 days); the old password and code no longer work.
    pub setup_code: String,
}

/// 停用结果 — the user deactivated and their state.
#[derive(SimpleObject)]
pub struct DeactivateUserPayload {
    /// 用户 — the deactivated user's global ID.
    pub user_id: ID,
    /// 启用 — whether the user is active (false after deactivation).
    pub active: bool,
}

/// 新建单位 — an office of the town.
#[derive(InputObject)]
pub struct CreateOrgUnitInput {
    /// 名称 — unique among the town's units.
    pub name: String,
    /// 类型 — any kind but `VILLAGE` (a village's committee comes with `createVillage`).
    pub kind: UnitKind,
}

/// 单位更名 — a unit and its new name.
#[derive(InputObject)]
pub struct RenameOrgUnitInput {
    /// 单位 — the unit's global ID.
    pub unit_id: ID,
    /// 名称 — the new name, unique in the town.
    pub name: String,
}

/// 单位结果 — the unit after the step.
#[derive(SimpleObject)]
pub struct OrgUnitPayload {
    /// 单位 — the unit after the step.
    pub org_unit: OrgUnit,
}

/// 新建村（社区） — a village of the town.
#[derive(InputObject)]
pub struct CreateVillageInput {
    /// 名称 — unique among the town's villages and units (its committee unit bears the same name).
    pub name: String,
}

/// 村（社区）更名 — a village and its new name.
#[derive(InputObject)]
pub struct RenameVillageInput {
    /// 村（社区） — the village's global ID.
    pub village_id: ID,
    /// 名称 — the new name, unique in the town.
    pub name: String,
}

/// 村（社区）结果 — the village and its committee unit.
#[derive(SimpleObject)]
pub struct VillagePayload {
    /// 村（社区） — the village after the step.
    pub village: Village,
    /// 村两委 — the village's committee unit (村两委 / 社区), of kind `VILLAGE`.
    pub org_unit: Option<OrgUnit>,
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// 新建用户 — creates a user of the admin's town with no password: the payload's one-time setup code
    /// is handed to the user, who chooses a password with `redeemSetupCode`.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        state.access.rows::<Users>(viewer, "create").ok_or(ApiError::Forbidden)?;
        let username = org_rules::username("input.username", &input.username)?;
        let display_name = org_rules::name("input.displayName", &input.display_name)?;
        let unit = unit_in_town(ctx, &input.unit_id, "input.unitId").await?;
        check_role_suits("input.role", input.role, unit.kind)?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        // Usernames are unique across towns (the login prompt names no town): the answer says
        // "taken", nothing of whose it is.
        let taken = app_user::Entity::find().filter(app_user::Column::Username.eq(username.as_str()));
        if taken.count(&txn).await.map_err(ApiError::from)? > 0 {
            return Err(org_rules::taken("input.username").into());
        }
        let now = Utc::now();
        let user = structure::NewUser {
            town_id: viewer.town_id,
            unit_id: unit.id,
            username: &username,
            display_name: &display_name,
            role: input.role,
            password_hash: app_user::NO_PASSWORD,
        };
        let id = structure::insert_user(&txn, user).await.map_err(|e| unique_or(e, "input.username"))?;
        let setup_code = setup::issue(&txn, id, now).await?;
        administered(&txn, ctx, viewer, "create_user", "User", id).await?;
        txn.commit().await.map_err(ApiError::from)?;
        state.forget_user(id);
        Ok(CreateUserPayload { user: reload_user(ctx, id).await?, setup_code })
    }

    /// 调整角色 — gives a user of the admin's town another role, which must suit their unit. It applies to
    /// their next request, and their open sockets close. The town's last active administrator
    /// keeps the role: `CONFLICT`.
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: SetUserRoleInput,
    ) -> async_graphql::Result<UserPayload> {
        let role = input.role;
        let id = on_user(ctx, &input.user_id, "set_role", "set_user_role", async |txn, user| {
            let unit = org_unit::Entity::find_by_id(user.org_unit_id).one(txn).await?.ok_or(ApiError::NotFound)?;
            check_role_suits("input.role", role, unit.kind)?;
            change_user(txn, user.id, app_user::ActiveModel { role: Set(role), ..Default::default() }).await
        })
        .await?;
        Ok(UserPayload { user: reload_user(ctx, id).await? })
    }

    /// 调动单位 — moves a user to another unit of the admin's town, with a new role when it changes with the
    /// unit; the role must suit the unit's kind. It applies to their next request, and their open
    /// sockets close.
    async fn move_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: MoveUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let id = on_user(ctx, &input.user_id, "move", "move_user", async |txn, user| {
            let unit = unit_in_town(ctx, &input.unit_id, "input.unitId").await?;
            let role = match input.role {
                Some(role) => {
                    check_role_suits("input.role", role, unit.kind)?;
                    role
                }
                None => {
                    check_role_suits("input.unitId", user.role, unit.kind)?;
                    user.role
                }
            };
            let change = app_user::ActiveModel { org_unit_id: Set(unit.id), role: Set(role), ..Default::default() };
            change_user(txn, user.id, change).await
        })
        .await?;
        Ok(UserPayload { user: reload_user(ctx, id).await? })
    }

    /// 重置密码 — gives a user a new one-time setup code: their password and any earlier code stop working,
    /// every session of theirs ends and their open sockets close.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: ResetPasswordInput,
    ) -> async_graphql::Result<ResetPasswordPayload> {
        let mut code = None;
        let id = on_user(ctx, &input.user_id, "reset_password", "reset_password", async |txn, user| {
            code = Some(setup::issue(txn, user.id, Utc::now()).await?);
            Ok(())
        })
        .await?;
        let setup_code = code.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no setup code issued")))?;
        Ok(ResetPasswordPayload { user: reload_user(ctx, id).await?, setup_code })
    }

    /// 停用用户 — deactivates a user of the admin's town; their live tokens stop working on the next request
    /// and their open sockets close. The town's last active admin stays: `CONFLICT`, as nobody
    /// could then manage its users.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: DeactivateUserInput,
    ) -> async_graphql::Result<DeactivateUserPayload> {
        on_user(ctx, &input.user_id, "deactivate", "deactivate_user", async |txn, user| {
            change_user(txn, user.id, app_user::ActiveModel { active: Set(false), ..Default::default() }).await
        })
        .await?;
        Ok(DeactivateUserPayload { user_id: input.user_id, active: false })
    }

    /// 重新启用 — reactivates a deactivated user of the admin's town (with the password they had).
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: ReactivateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let id = on_user(ctx, &input.user_id, "reactivate", "reactivate_user", async |txn, user| {
            change_user(txn, user.id, app_user::ActiveModel { active: Set(true), ..Default::default() }).await
        })
        .await?;
        Ok(UserPayload { user: reload_user(ctx, id).await? })
    }

    /// 新建单位 — creates an office of the admin's town (扫黑办, 纪委, 派出所, 司法所); a village committee
    /// comes with its village (`createVillage`).
    async fn create_org_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: CreateOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        state.access.rows::<OrgUnits>(viewer, "create").ok_or(ApiError::Forbidden)?;
        let name = org_rules::name("input.name", &input.name)?;
        if input.kind == UnitKind::Village {
            return Err(ApiError::bad_input(
                "input.kind",
                "A village committee is created with its village (createVillage).",
                "村（社区）单位随村（社区）一并创建（createVillage）。",
            )
            .into());
        }
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        if unit_named(&txn, viewer.town_id, &name, None).await? {
            return Err(org_rules::taken("input.name").into());
        }
        let unit = structure::insert_office(&txn, viewer.town_id, &name, input.kind)
            .await
            .map_err(|e| unique_or(e, "input.name"))?;
        administered(&txn, ctx, viewer, "create_org_unit", "OrgUnit", unit.id).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(OrgUnitPayload { org_unit: OrgUnit::from(unit) })
    }

    /// 单位更名 — renames a unit of the admin's town; the name stays unique in the town.
    async fn rename_org_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RenameOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let rows = state.access.rows::<OrgUnits>(viewer, "rename").ok_or(ApiError::Forbidden)?;
        let id = ids::decode_as(&input.unit_id, Kind::OrgUnit).ok_or(ApiError::NotFound)?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let unit = org_unit::Entity::find_by_id(id).filter(rows).one(&txn).await.map_err(ApiError::from)?;
        let unit = unit.ok_or(ApiError::NotFound)?;
        let name = org_rules::name("input.name", &input.name)?;
        let unit = rename_unit(&txn, unit, &name, "input.name").await?;
        administered(&txn, ctx, viewer, "rename_org_unit", "OrgUnit", unit.id).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(OrgUnitPayload { org_unit: OrgUnit::from(unit) })
    }

    /// 新建村（社区） — creates a village of the admin's town and, as every village has, its committee unit (of
    /// kind `VILLAGE`, bearing the village's name).
    async fn create_village(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: CreateVillageInput,
    ) -> async_graphql::Result<VillagePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        state.access.rows::<Villages>(viewer, "create").ok_or(ApiError::Forbidden)?;
        let name = org_rules::name("input.name", &input.name)?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        if village_named(&txn, viewer.town_id, &name, None).await? {
            return Err(org_rules::taken("input.name").into());
        }
        if unit_named(&txn, viewer.town_id, &name, None).await? {
            return Err(org_rules::taken("input.name").into());
        }
        let (village, unit) =
            structure::insert_village(&txn, viewer.town_id, &name).await.map_err(|e| unique_or(e, "input.name"))?;
        let id = village.id;
        administered(&txn, ctx, viewer, "create_village", "Village", id).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(VillagePayload {
            village: Village { id: ids::encode(Kind::Village, id), name },
            org_unit: Some(unit.into()),
        })
    }

    /// 村（社区）更名 — renames a village of the admin's town, and its committee unit where that bears the
    /// village's name; both names stay unique in the town.
    async fn rename_village(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RenameVillageInput,
    ) -> async_graphql::Result<VillagePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let rows = state.access.rows::<Villages>(viewer, "rename").ok_or(ApiError::Forbidden)?;
        let id = ids::decode_as(&input.village_id, Kind::Village).ok_or(ApiError::NotFound)?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let found = village::Entity::find_by_id(id).filter(rows).one(&txn).await.map_err(ApiError::from)?;
        let found = found.ok_or(ApiError::NotFound)?;
        let name = org_rules::name("input.name", &input.name)?;
        if village_named(&txn, viewer.town_id, &name, Some(id)).await? {
            return Err(org_rules::taken("input.name").into());
        }
        village::Entity::update_many()
            .col_expr(village::Column::Name, Expr::value(name.as_str()))
            .filter(village::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(|e| unique_or(e, "input.name"))?;
        let committee = org_unit::Entity::find()
            .filter(org_unit::Column::VillageId.eq(id))
            .filter(org_unit::Column::Name.eq(found.name.as_str()))
            .one(&txn)
            .await
            .map_err(ApiError::from)?;
        let unit = match committee {
            Some(unit) => Some(rename_unit(&txn, unit, &name, "input.name").await?),
            None => None,
        };
        administered(&txn, ctx, viewer, "rename_village", "Village", id).await?;
        txn.commit().await.map_err(ApiError::from)?;
        // The other replicas hear the change from the database (`crate::directory`).
        state.directory.forget();
        Ok(VillagePayload {
            village: Village { id: ids::encode(Kind::Village, id), name },
            org_unit: unit.map(OrgUnit::from),
        })
    }
}

/// One administration step on a user, in one transaction: `FORBIDDEN` unless the policy grants
/// `action` on users; `NOT_FOUND` for a user outside the viewer's town and a missing one alike;
/// then `step` changes the user. A change that leaves the town without an active administrator
/// is undone (`CONFLICT`). The step is audited as `audited_as`, announced to the other replicas,
/// and once committed the user is forgotten here (viewers and sockets). Returns the user's id.
async fn on_user(
    ctx: &Context<'_>,
    user_id: &ID,
    action: &str,
    audited_as: &'static str,
    step: impl AsyncFnOnce(&DatabaseTransaction, &app_user::Model) -> Result<(), ApiError>,
) -> async_graphql::Result<Uuid> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    let rows = state.access.rows::<Users>(viewer, action).ok_or(ApiError::Forbidden)?;
    let id = ids::decode_as(user_id, Kind::User).ok_or(ApiError::NotFound)?;
    let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
    // PostgreSQL: the town's active admins are locked first, so two admins demoting or
    // deactivating each other queue here and the second sees the first's change. SQLite has one
    // writer at a time (and no row locks).
    if txn.get_database_backend() == DbBackend::Postgres {
        active_admins(viewer.town_id).lock_exclusive().all(&txn).await.map_err(ApiError::from)?;
    }
    let user = app_user::Entity::find_by_id(id).filter(rows).one(&txn).await.map_err(ApiError::from)?;
    let user = user.ok_or(ApiError::NotFound)?;
    step(&txn, &user).await?;
    if user.role == Role::Admin
        && user.active
        && active_admins(user.town_id).count(&txn).await.map_err(ApiError::from)? == 0
    {
        return Err(ApiError::Conflict {
            message: "This is the town's last active administrator; the town would have none.".into(),
            message_zh: "该用户是本镇唯一在用的管理员，此操作会使本镇没有管理员。".into(),
            allowed: vec![],
        }
        .into());
    }
    administered(&txn, ctx, viewer, audited_as, "User", id).await?;
    replicas::announce_forget(&txn, Forget::User(id)).await.map_err(ApiError::from)?;
    txn.commit().await.map_err(ApiError::from)?;
    state.forget_user(id);
    Ok(id)
}

/// Writes a change to a user, bumping its version.
async fn change_user(txn: &DatabaseTransaction, id: Uuid, change: app_user::ActiveModel) -> Result<(), ApiError> {
    app_user::Entity::update_many()
        .set(change)
        .col_expr(app_user::Column::Version, Expr::col(app_user::Column::Version).add(1))
        .col_expr(app_user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(app_user::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The active admins of a town.
fn active_admins(town: Uuid) -> sea_orm::Select<app_user::Entity> {
    app_user::Entity::find()
        .filter(app_user::Column::TownId.eq(town))
        .filter(app_user::Column::Role.eq(Role::Admin))
        .filter(app_user::Column::Active.eq(true))
}

/// The audit entry of an administration step.
async fn administered(
    txn: &DatabaseTransaction,
    ctx: &Context<'_>,
    viewer: &Viewer,
    action: &str,
    object_type: &str,
    id: Uuid,
) -> Result<(), ApiError> {
    let entry = audit::Entry {
        action,
        object_type,
        object_id: Some(id),
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Administration,
    };
    audit::record(txn, ctx, viewer, entry).await
}

/// The user as stored now, for a payload.
async fn reload_user(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<User> {
    let user = app_user::Entity::find_by_id(id).one(&ctx.state().db).await.map_err(ApiError::from)?;
    User::one(ctx, user.ok_or(ApiError::NotFound)?).await
}

/// A unit of the viewer's town named in an input (`field`): `BAD_USER_INPUT` when there is none.
async fn unit_in_town(ctx: &Context<'_>, id: &ID, field: &str) -> Result<org_unit::Model, ApiError> {
    let state = ctx.state();
    let bad = || ApiError::bad_input(field, "No such unit in your town.", "本镇没有这个单位。");
    let id = ids::decode_as(id, Kind::OrgUnit).ok_or_else(bad)?;
    let select = state.access.select::<OrgUnits>(ctx.viewer()?)?;
    select.filter(org_unit::Column::Id.eq(id)).one(&state.db).await?.ok_or_else(bad)
}

/// Renames a unit; a name another unit of the town has is `BAD_USER_INPUT` on `field`.
async fn rename_unit(
    txn: &DatabaseTransaction,
    unit: org_unit::Model,
    name: &str,
    field: &str,
) -> Result<org_unit::Model, ApiError> {
    if unit_named(txn, unit.town_id, name, Some(unit.id)).await? {
        return Err(org_rules::taken(field).into());
    }
    let mut change: org_unit::ActiveModel = unit.into();
    change.name = Set(name.to_owned());
    change.update(txn).await.map_err(|e| unique_or(e, field))
}

/// Whether a unit of `town` other than `except` is named `name`.
async fn unit_named(txn: &DatabaseTransaction, town: Uuid, name: &str, except: Option<Uuid>) -> Result<bool, ApiError> {
    let mut query =
        org_unit::Entity::find().filter(org_unit::Column::TownId.eq(town)).filter(org_unit::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(org_unit::Column::Id.ne(id));
    }
    Ok(query.count(txn).await? > 0)
}

/// Whether a village of `town` other than `except` is named `name`.
async fn village_named(
    txn: &DatabaseTransaction,
    town: Uuid,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, ApiError> {
    let mut query =
        village::Entity::find().filter(village::Column::TownId.eq(town)).filter(village::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(village::Column::Id.ne(id));
    }
    Ok(query.count(txn).await? > 0)
}

/// A unique index refusing a write (two admins taking one name at once, past the checks above)
/// is `BAD_USER_INPUT` "taken" on `field`; any other database error is itself.
fn unique_or(err: sea_orm::DbErr, field: &str) -> ApiError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => org_rules::taken(field).into(),
        _ => ApiError::from(err),
    }
}
