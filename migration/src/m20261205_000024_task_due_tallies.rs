//! Kept counts of a town's tasks by due day (issue 13): the open tasks that are overdue, per
//! assignee unit (the dashboard's `overdueTasksByUnit`, the monthly report's `overdueTasks`), were
//! the kept open count less a count of every open task not yet due, which grows with the town
//! (3.9 ms at a million persons, 0.55 ms at 100 000). `task_due_tally` holds how many tasks have
//! each key of `task_tally` that a task's read scope depends on, with the UTC day the task is due:
//!
//! | column | the task's |
//! |---|---|
//! | `town_id`, `status`, `assignee_unit_id`, `creating_unit_id` | own columns |
//! | `due_on` | `due_at`'s day in UTC (a bucket, not the town's calendar) |
//! | `umbrella` | whether its target is an umbrella lead or a meeting on umbrella leads |
//!
//! so the tasks due after a moment are the keys due on a later day plus the tasks due later on
//! the same day: a few days' keys and one day's tasks, whatever the town's history. Kept by the
//! same triggers as `task_tally` (`m20261204_000020_task_tallies`, whose note on locks holds here),
//! and counted for the tasks already there.
//!
//! PostgreSQL fires a table's triggers in the order of their names, so every writer must reach
//! `task_tally`'s keys before these: a task's `tally_task` before `tally_tasks_due`, a target's
//! `tally_task_on_lead` before `tally_tasks_due_on_lead` (`_` sorts before `s`). Named
//! `tally_task_due…`, a target's flag change would take these keys first and a task's write those
//! of `task_tally` first, and the two could wait for each other.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261204_000020_task_tallies::TaskCounts;

/// The UTC day of the instant `col`. On SQLite an instant is the text sqlx writes for a
/// `DateTime<Utc>` (RFC 3339 with `+00:00`, which the stores' comparisons of instants as text
/// rely on too), so its day is its first ten characters; `date()` would round the seconds to
/// the millisecond and put 23:59:59.9996 on the next day, where the comparison of the text
/// does not.
fn day(col: &str, backend: DbBackend) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST({col} AT TIME ZONE 'UTC' AS date)"),
        _ => format!("substr({col}, 1, 10)"),
    }
}

pub(crate) const TASK_DUE_TALLY: TaskCounts = TaskCounts {
    table: "task_due_tally",
    triggers: "tally_tasks_due",
    columns: "town_id, status, due_at, assignee_unit_id, creating_unit_id, target_type, target_id",
    parts: |r, backend| {
        vec![
            ("town_id", format!("{r}.town_id")),
            ("status", format!("{r}.status")),
            ("due_on", day(&format!("{r}.due_at"), backend)),
            ("assignee_unit_id", format!("{r}.assignee_unit_id")),
            ("creating_unit_id", format!("{r}.creating_unit_id")),
        ]
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        keep_by_day(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        TASK_DUE_TALLY.forget(manager).await
    }
}

/// Creates `task_due_tally` keyed by due day and starts keeping it (also the `down` of
/// `m20261206_000028_task_due_hours`).
pub(crate) async fn keep_by_day(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let key = vec![
        uuid(TaskDueTally::TownId),
        string_len(TaskDueTally::Status, 40),
        date(TaskDueTally::DueOn),
        uuid(TaskDueTally::AssigneeUnitId),
        uuid(TaskDueTally::CreatingUnitId),
        boolean(TaskDueTally::Umbrella),
    ];
    TASK_DUE_TALLY.keep(manager, key).await
}

#[derive(DeriveIden)]
enum TaskDueTally {
    TownId,
    Status,
    DueOn,
    AssigneeUnitId,
    CreatingUnitId,
    Umbrella,
}
