//! The task store: what a client may filter tasks by, a task list's keyset page (by due date),
//! a task's thread, and the writes of a task's life (version-locked).
//!
//! Tasks have no field groups: a task the viewer reads it reads whole, so its order and its
//! thread are held wherever the task is read ([`ROW_ITSELF`]).

use std::collections::HashMap;

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use entity::enums::{TaskKind, TaskStatus};
use entity::{task, task_event};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    Order, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::access::Groups;
use crate::access::page::{KeyKind, PageArgs};
use crate::access::resource::Tasks;
use crate::access::store::{Child, Listed, Listing, ROW_ITSELF, Sort, SortKey, Store, Versioned, locked_update};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::ids::{self, Kind};

/// 任务筛选 — conditions on tasks.
#[derive(InputObject, Default, Clone)]
pub struct TaskFilter {
    /// 任务状态 — tasks in this status.
    pub status: Option<Vec<TaskStatus>>,
    /// 任务类型 — tasks of this kind.
    pub kind: Option<TaskKind>,
    /// 承办单位 — tasks assigned to this unit.
    pub assignee_unit_id: Option<ID>,
    /// 逾期 — tasks past due (true) or not (false).
    pub overdue: Option<bool>,
    /// 挂牌督办 — tasks under listed supervision (true) or not (false).
    pub listed: Option<bool>,
    /// 指派给我 — tasks assigned to the viewer in person (true), or not (false).
    pub assigned_to_me: Option<bool>,
    /// 增量同步：此时刻之后变更的任务 — tasks changed after this instant (`updatedAt`), for a
    /// client that syncs only what changed.
    pub changed_since: Option<DateTime<Utc>>,
}

/// The SQL condition of a `TaskFilter` (the lists and the export share it). Tasks have no field
/// groups, so nothing is guarded but `changedSince`, which goes through the one rule for it
/// ([`Groups::changed_since`]).
pub fn filter_condition(viewer: &Viewer, groups: &Groups<Tasks>, filter: TaskFilter) -> Result<Condition, ApiError> {
    let mut cond = Condition::all();
    if let Some(mine) = filter.assigned_to_me {
        let me = Condition::all().add(task::Column::AssigneeUserId.eq(viewer.user_id));
        // Spelled out rather than NOT(…): a task without an assignee user has NULL there.
        let not_me = Condition::any()
            .add(task::Column::AssigneeUserId.is_null())
            .add(task::Column::AssigneeUserId.ne(viewer.user_id));
        cond = cond.add(if mine { me } else { not_me });
    }
    if let Some(at) = filter.changed_since {
        cond = cond.add(groups.changed_since(viewer, at)?);
    }
    if let Some(statuses) = filter.status {
        cond = cond.add(task::Column::Status.is_in(statuses));
    }
    if let Some(kind) = filter.kind {
        cond = cond.add(task::Column::Kind.eq(kind));
    }
    if let Some(unit) = filter.assignee_unit_id {
        cond =
            cond.add(task::Column::AssigneeUnitId.eq(ids::decode_as(&unit, Kind::OrgUnit).unwrap_or_else(Uuid::nil)));
    }
    if let Some(listed) = filter.listed {
        cond = cond.add(task::Column::Listed.eq(listed));
    }
    if let Some(overdue) = filter.overdue {
        let o = Condition::all()
            .add(task::Column::DueAt.lt(Utc::now()))
            .add(task::Column::Status.is_not_in([TaskStatus::Accepted, TaskStatus::Cancelled]));
        cond = cond.add(if overdue { o } else { o.not() });
    }
    Ok(cond)
}

/// Which tasks a list shows: a client's filter, and whether only the viewer's open ones.
#[derive(Clone, Default)]
pub struct TaskList {
    pub filter: TaskFilter,
    /// The open tasks of the viewer's unit (or the viewer): `myTasks`.
    pub mine: bool,
}

impl TaskList {
    fn condition(self, viewer: &Viewer, groups: &Groups<Tasks>) -> Result<Condition, ApiError> {
        let mut cond = filter_condition(viewer, groups, self.filter)?;
        if self.mine {
            cond = cond
                .add(
                    Condition::any()
                        .add(task::Column::AssigneeUnitId.eq(viewer.unit_id))
                        .add(task::Column::AssigneeUserId.eq(viewer.user_id)),
                )
                .add(task::Column::Status.is_not_in([TaskStatus::Accepted, TaskStatus::Cancelled]));
        }
        Ok(cond)
    }
}

/// The one order of task lists: by due date (overdue tasks come first on their own: a task is
/// overdue exactly when its due date has passed), then id.
#[derive(Debug, Clone, Copy, Default)]
pub struct DueFirst;

/// Tasks have no field groups: a task the viewer reads it reads whole.
impl Listed for Tasks {
    type Filter = TaskList;
    type Order = DueFirst;

    fn filter(store: &Store<'_>, groups: &Groups<Self>, list: TaskList) -> Result<Condition, ApiError> {
        list.condition(store.viewer, groups)
    }

    fn sort_key(_order: DueFirst, _backend: DbBackend) -> SortKey {
        SortKey { expr: Expr::col((task::Entity, task::Column::DueAt)), kind: KeyKind::Instant, group: ROW_ITSELF }
    }
}

/// A page of the tasks the viewer reads, due first.
pub async fn list(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    list: TaskList,
    page: &PageArgs,
) -> Result<Listing<Tasks>, ApiError> {
    store.list::<Tasks>(db, list, Sort { field: DueFirst, ascending: true }, page).await
}

/// How many tasks the list shows in all.
pub async fn count(store: &Store<'_>, db: &impl ConnectionTrait, list: TaskList) -> Result<u64, ApiError> {
    store.count::<Tasks>(db, list).await
}

/// A task's thread, oldest step first: whoever reads the task reads it.
pub struct TaskEvents;

impl Child for TaskEvents {
    type Parent = Tasks;
    type Entity = task_event::Entity;
    const GROUP: &'static str = ROW_ITSELF;

    fn parent_column() -> task_event::Column {
        task_event::Column::TaskId
    }
    fn parent_of(child: &task_event::Model) -> Uuid {
        child.task_id
    }
    fn order() -> Vec<(task_event::Column, Order)> {
        vec![(task_event::Column::CreatedAt, Order::Asc), (task_event::Column::Id, Order::Asc)]
    }
}

/// The threads of `tasks`; tasks the viewer does not read have none.
pub async fn events(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    tasks: &[Uuid],
) -> Result<HashMap<Uuid, Vec<task_event::Model>>, ApiError> {
    store.children::<TaskEvents>(db, tasks).await
}

impl Versioned for Tasks {
    fn id_column() -> task::Column {
        task::Column::Id
    }
    fn version_column() -> task::Column {
        task::Column::Version
    }
    fn updated_at_column() -> task::Column {
        task::Column::UpdatedAt
    }
    const NOUN: (&'static str, &'static str) = ("task", "任务");
}

/// Inserts a new task; `false` (and the caller rolls back) when the viewer's `create` grant
/// does not hold the new row (it may depend on the target: the discipline commission creates
/// tasks on umbrella leads only).
pub async fn create(store: &Store<'_>, txn: &impl ConnectionTrait, task: task::Model) -> Result<bool, ApiError> {
    let id = task.id;
    if store.access.rows::<Tasks>(store.viewer, "create").is_none() {
        return Err(ApiError::Forbidden);
    }
    task.into_active_model().reset_all().insert(txn).await?;
    store.granted::<Tasks>(txn, id, "create").await
}

/// The columns a step sets on a task (see [`update`]).
pub type Edit = task::ActiveModel;

/// Writes `change` to the task only if its version is still `expected` (the client's
/// `expectedVersion`), else `CONFLICT`: the one version lock every record's steps share.
pub async fn update(
    txn: &impl ConnectionTrait,
    current: &task::Model,
    expected: i32,
    change: impl FnOnce(&mut Edit),
) -> Result<(), ApiError> {
    let mut active = task::ActiveModel { id: ActiveValue::Unchanged(current.id), ..Default::default() };
    change(&mut active);
    locked_update::<Tasks>(txn, current.id, expected, active).await
}

/// Whether `user` is an active user of `unit` in the viewer's town: the only users a task of
/// that unit may be assigned to in person.
pub async fn unit_member(db: &impl ConnectionTrait, viewer: &Viewer, unit: Uuid, user: Uuid) -> Result<bool, ApiError> {
    use entity::app_user;
    let found = app_user::Entity::find()
        .filter(app_user::Column::TownId.eq(viewer.town_id))
        .filter(app_user::Column::OrgUnitId.eq(unit))
        .filter(app_user::Column::Id.eq(user))
        .filter(app_user::Column::Active.eq(true))
        .count(db)
        .await?;
    Ok(found == 1)
}
