//! The task store: what a client may filter tasks by, a task list's keyset page (by due date),
//! a task's thread, and the writes of a task's life (version-locked).
//!
//! Tasks have no field groups: a task the viewer reads it reads whole. [`Store::list`] and
//! [`Store::children`] guard by a field group, so the page and the thread here are read under
//! the task scope alone.

use std::collections::HashMap;

use async_graphql::{ID, InputObject};
use chrono::Utc;
use entity::enums::{TaskKind, TaskStatus};
use entity::{task, task_event};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::access::page::{self, KeyKind, PageArgs, encode_cursor};
use crate::access::resource::Tasks;
use crate::access::store::{Listing, Store, Versioned, by_key, locked_update};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::ids::{self, Kind};

#[derive(InputObject, Default, Clone)]
pub struct TaskFilter {
    pub status: Option<Vec<TaskStatus>>,
    pub kind: Option<TaskKind>,
    pub assignee_unit_id: Option<ID>,
    pub overdue: Option<bool>,
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

/// A page of the tasks the viewer reads, by due date (overdue tasks come first on their own: a
/// task is overdue exactly when its due date has passed), then id.
pub async fn list(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    list: TaskList,
    page: &PageArgs,
) -> Result<Listing<Tasks>, ApiError> {
    let mut select = store.access.select::<Tasks>(store.viewer)?.filter(list.condition(store.viewer));
    if let Some(cursor) = &page.after {
        let key = Expr::col((task::Entity, task::Column::DueAt));
        let id = Expr::col((task::Entity, task::Column::Id));
        select = select.filter(page::after(cursor, KeyKind::Instant, key, id, true)?);
    }
    let mut rows =
        select.order_by_asc(task::Column::DueAt).order_by_asc(task::Column::Id).limit(page.first + 1).all(db).await?;
    let has_next = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    let groups = store.groups::<Tasks>();
    let rows = rows
        .into_iter()
        .map(|m| {
            let held = groups.on(store.viewer, &m);
            (encode_cursor(&m.due_at.to_rfc3339(), m.id), (m, held))
        })
        .collect();
    Ok(Listing { rows, has_next })
}

/// How many tasks the list shows in all.
pub async fn count(store: &Store<'_>, db: &impl ConnectionTrait, list: TaskList) -> Result<u64, ApiError> {
    let select = store.access.select::<Tasks>(store.viewer)?.filter(list.condition(store.viewer));
    Ok(select.count(db).await?)
}

/// The threads of `tasks`, oldest step first; tasks the viewer does not read have none.
pub async fn events(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    tasks: &[Uuid],
) -> Result<HashMap<Uuid, Vec<task_event::Model>>, ApiError> {
    let Some(rows) = store.access.rows::<Tasks>(store.viewer, "read") else { return Ok(HashMap::new()) };
    let readable = Query::select()
        .column(task::Column::Id)
        .from(task::Entity)
        .cond_where(rows)
        .and_where(task::Column::Id.is_in(tasks.iter().copied()))
        .to_owned();
    let events = task_event::Entity::find()
        .filter(task_event::Column::TaskId.in_subquery(readable))
        .order_by_asc(task_event::Column::CreatedAt)
        .order_by_asc(task_event::Column::Id)
        .all(db)
        .await?;
    Ok(by_key(tasks, events, |e| e.task_id))
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
