//! The task store: what a client may filter tasks by, a task list's keyset page (by due date),
//! a task's thread, and the writes of a task's life (version-locked).
//!
//! Tasks have no field groups: a task the viewer reads it reads whole, so its order and its
//! thread are held wherever the task is read ([`ROW_ITSELF`]).

use std::collections::HashMap;

use async_graphql::{ID, InputObject};
use chrono::Utc;
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
}

/// The SQL condition of a `TaskFilter` (the lists and the export share it).
pub fn filter_condition(filter: TaskFilter) -> Condition {
    let mut cond = Condition::all();
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
    cond
}

/// Which tasks a list shows: a client's filter, and whether only the viewer's open ones.
#[derive(Clone, Default)]
pub struct TaskList {
    pub filter: TaskFilter,
    /// The open tasks of the viewer's unit (or the viewer): `myTasks`.
    pub mine: bool,
}

impl TaskList {
    fn condition(self, viewer: &Viewer) -> Condition {
        let mut cond = filter_condition(self.filter);
        if self.mine {
            cond = cond
                .add(
                    Condition::any()
                        .add(task::Column::AssigneeUnitId.eq(viewer.unit_id))
                        .add(task::Column::AssigneeUserId.eq(viewer.user_id)),
                )
                .add(task::Column::Status.is_not_in([TaskStatus::Accepted, TaskStatus::Cancelled]));
        }
        cond
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

    fn filter(store: &Store<'_>, _groups: &Groups<Self>, list: TaskList) -> Result<Condition, ApiError> {
        Ok(list.condition(store.viewer))
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
    task.into_active_model().reset_all().insert(txn).await?;
    let allowed = store.access.rows::<Tasks>(store.viewer, "create").ok_or(ApiError::Forbidden)?;
    Ok(task::Entity::find().filter(allowed).filter(task::Column::Id.eq(id)).count(txn).await? == 1)
}

/// Writes `change` to the task only if nobody changed it meanwhile (else `CONFLICT`).
pub async fn update(
    txn: &impl ConnectionTrait,
    current: &task::Model,
    change: impl FnOnce(&mut task::ActiveModel),
) -> Result<(), ApiError> {
    let mut active = task::ActiveModel { id: ActiveValue::Unchanged(current.id), ..Default::default() };
    change(&mut active);
    locked_update::<Tasks>(txn, current.id, current.version, active).await
}
