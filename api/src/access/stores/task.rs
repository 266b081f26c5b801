//! The task store: what a client may filter tasks by, a task list's keyset page (by due date),
//! a task's thread, and the writes of a task's life (version-locked).
//!
//! Tasks have no field groups: a task the viewer reads it reads whole, so its order and its
//! thread are held wherever the task is read ([`ROW_ITSELF`]).

use std::collections::HashMap;

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use entity::enums::{TaskKind, TaskStatus};
use entity::{task, task_due_tally, task_event, task_tally};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    Iterable, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::access::Groups;
use crate::access::page::{KeyKind, PageArgs};
use crate::access::resource::{TaskDueTallies, TaskTallies, Tasks};
use crate::access::store::{
    Child, Listed, Listing, ROW_ITSELF, Sort, SortKey, Store, Versioned, kept_sum, locked_update,
};
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
        let o = Condition::all().add(task::Column::DueAt.lt(Utc::now())).add(task::Column::Status.is_not_in(CLOSED));
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
                .add(task::Column::Status.is_not_in(CLOSED));
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

    /// A list without a client's filter (`tasks`, `myTasks`) is counted from the kept counts:
    /// `myTasks`' condition is on key columns only.
    async fn kept_count(
        store: &Store<'_>,
        db: &impl ConnectionTrait,
        list: &TaskList,
    ) -> Result<Option<u64>, ApiError> {
        // Every field named, without `..`: a field added to the list or its filter does not
        // compile here until someone decides whether the keys can answer it.
        let TaskList {
            filter:
                TaskFilter {
                    status: None,
                    kind: None,
                    assignee_unit_id: None,
                    overdue: None,
                    listed: None,
                    assigned_to_me: None,
                    changed_since: None,
                },
            mine,
        } = list
        else {
            return Ok(None);
        };
        let mut cond = Condition::all();
        if *mine {
            use task_tally::Column as K;
            let viewer = store.viewer;
            cond = cond
                .add(
                    Condition::any()
                        .add(K::AssigneeUnitId.eq(viewer.unit_id))
                        .add(K::AssigneeUserId.eq(viewer.user_id)),
                )
                .add(K::Status.is_not_in(CLOSED));
        }
        let rows = kept_by_status_and_unit(store, db, cond).await?;
        Ok(Some(rows.iter().map(|(_, _, n)| *n as u64).sum()))
    }
}

/// The statuses of a task that is done with: neither open nor overdue any more.
pub const CLOSED: [TaskStatus; 2] = [TaskStatus::Accepted, TaskStatus::Cancelled];

/// The viewer's tasks meeting `cond` (a condition on the keys) by (status, assignee unit), in
/// that order, read from the counts the database keeps (`task_tally`) under the viewer's task
/// scope ([`TaskTallies`]): a handful of keys, however many tasks.
pub async fn kept_by_status_and_unit(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    cond: Condition,
) -> Result<Vec<(TaskStatus, Uuid, i64)>, ApiError> {
    use task_tally::Column as K;
    Ok(store
        .access
        .select::<TaskTallies>(store.viewer)?
        .filter(cond)
        .filter(K::N.gt(0))
        .select_only()
        .column(K::Status)
        .column(K::AssigneeUnitId)
        .column_as(kept_sum(Expr::col((task_tally::Entity, K::N))), "n")
        .group_by(K::Status)
        .group_by(K::AssigneeUnitId)
        .order_by_asc(K::Status)
        .order_by_asc(K::AssigneeUnitId)
        .into_tuple()
        .all(db)
        .await?)
}

/// The viewer's open tasks (of `unit`, or any) due before `cut`, by assignee unit: the kept count
/// of open tasks less those due at or after `cut`, in one statement (one snapshot). Those due
/// from the start of `cut`'s hour (UTC) on are summed from the kept counts by due hour and
/// subtracted; the tasks among them due before `cut`, earlier in its hour, are counted one by one
/// and added back. The open tasks not yet due are the work still ahead, and a town with more of
/// it (a bigger town, or a rules sweep whose tasks all fall due at the same end of a day) no
/// longer counts it task by task: what is counted is the tasks that fell due in the last minutes,
/// none when `cut` is on the hour (a month's end), and a sweep's tasks, all due at the last
/// second of a local day, only within that second.
pub async fn open_due_before(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    cut: DateTime<Utc>,
    unit: Option<Uuid>,
) -> Result<Vec<(Uuid, i64)>, ApiError> {
    use task_due_tally::Column as D;
    // The open statuses named one by one: each is a range of the (town, status, due ...) indexes,
    // read without the table, where "not closed" would filter every key or task due after `cut`.
    let open_statuses = || TaskStatus::iter().filter(|s| !CLOSED.contains(s));
    let hour = hour_of(cut);
    let mut kept = Condition::all().add(task_tally::Column::Status.is_not_in(CLOSED));
    let mut from_this_hour = Condition::all().add(D::Status.is_in(open_statuses())).add(D::DueHour.gte(hour));
    let mut earlier_this_hour = Condition::all()
        .add(task::Column::Status.is_in(open_statuses()))
        .add(task::Column::DueAt.gte(hour))
        .add(task::Column::DueAt.lt(cut));
    if let Some(unit) = unit {
        kept = kept.add(task_tally::Column::AssigneeUnitId.eq(unit));
        from_this_hour = from_this_hour.add(D::AssigneeUnitId.eq(unit));
        earlier_this_hour = earlier_this_hour.add(task::Column::AssigneeUnitId.eq(unit));
    }
    let (unit_col, n_col) = (Alias::new("unit"), Alias::new("n"));
    let mut all = store
        .access
        .select::<TaskTallies>(store.viewer)?
        .filter(kept)
        .select_only()
        .column_as(task_tally::Column::AssigneeUnitId, "unit")
        .column_as(Expr::col((task_tally::Entity, task_tally::Column::N)), "n")
        .into_query();
    let from_this_hour = store
        .access
        .select::<TaskDueTallies>(store.viewer)?
        .filter(from_this_hour)
        .select_only()
        .column_as(D::AssigneeUnitId, "unit")
        .column_as(Expr::col((task_due_tally::Entity, D::N)).mul(-1), "n")
        .into_query();
    let earlier_this_hour = store
        .access
        .select::<Tasks>(store.viewer)?
        .filter(earlier_this_hour)
        .select_only()
        .column_as(task::Column::AssigneeUnitId, "unit")
        .column_as(Expr::val(1i64), "n")
        .into_query();
    all.union(UnionType::All, from_this_hour);
    all.union(UnionType::All, earlier_this_hour);
    let by_unit = Query::select()
        .column(unit_col.clone())
        .expr_as(kept_sum(Expr::col(n_col.clone())), n_col)
        .from_subquery(all, Alias::new("k"))
        .group_by_col(unit_col)
        .to_owned();
    let mut out = Vec::new();
    for row in db.query_all(&by_unit).await? {
        let (unit, n): (Uuid, i64) = (row.try_get("", "unit")?, row.try_get("", "n")?);
        if n > 0 {
            out.push((unit, n));
        }
    }
    Ok(out)
}

/// The start of the hour (UTC) of `at`: `at` itself when it is on the hour.
fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    let into_hour = chrono::Duration::seconds(at.timestamp().rem_euclid(3600))
        + chrono::Duration::nanoseconds(at.timestamp_subsec_nanos().into());
    at - into_hour
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

#[cfg(test)]
mod tests {
    use super::hour_of;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_hour_of_an_instant_is_itself_on_the_hour_and_the_hours_start_within_it() {
        let on = Utc.with_ymd_and_hms(2026, 12, 6, 1, 0, 0).unwrap();
        assert_eq!(hour_of(on), on);
        assert_eq!(hour_of(on + chrono::Duration::nanoseconds(1)), on);
        assert_eq!(hour_of(Utc.with_ymd_and_hms(2026, 12, 6, 1, 59, 59).unwrap()), on);
        let late = Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::milliseconds(999);
        assert_eq!(hour_of(late), Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap());
        let before_1970 = Utc.with_ymd_and_hms(1969, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(hour_of(before_1970), Utc.with_ymd_and_hms(1969, 12, 31, 23, 0, 0).unwrap());
    }
}
