//! `task_due_tally` keyed by the hour its tasks are due rather than the day (issue 13). The open
//! tasks overdue by unit were the kept open count less the keys due on a later day less the tasks
//! due later on the current UTC day, counted one by one. How many that is depended on the time of
//! day and on the rules: they make a task due at the end of a local day, so a sweep's tasks all
//! fall due in the same hour, and the night before that hour the dashboard counted every one of
//! them (7,500 of a town's at a million persons, 00:10 UTC). Keyed by the hour, the keys from the
//! current hour on are subtracted and the tasks among them already due, earlier in the current
//! hour, are counted one by one and added back: those that fell due in the last minutes, and a
//! sweep's tasks, all due at the last second of a local day, only within that second.
//!
//! | column | the task's |
//! |---|---|
//! | `due_hour` | `due_at` truncated to the hour in UTC (a bucket, not the town's calendar) |
//!
//! with the other columns, the triggers and their names (and so their order, see
//! `m20261205_000024_task_due_tallies`) as before. The covering index of
//! `m20261205_000027_report_covers` is made again on the new key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::common::{drop_index, index_on};
use crate::m20261204_000020_task_tallies::TaskCounts;
use crate::m20261205_000024_task_due_tallies::{TASK_DUE_TALLY, keep_by_day};
use crate::m20261205_000027_report_covers::DUE_DAY_COVER;

/// The hour (UTC) of the instant `col`. On SQLite an instant is the text sqlx writes for a
/// `DateTime<Utc>` (RFC 3339, `+00:00`, no fraction when there is none), so its hour is its first
/// thirteen characters and the hour as an instant is that text with `:00:00+00:00`, which
/// compares as text with a bound instant the way the stores' comparisons rely on.
fn hour(col: &str, backend: DbBackend) -> String {
    match backend {
        DbBackend::Postgres => format!("date_trunc('hour', {col}, 'UTC')"),
        _ => format!("substr({col}, 1, 13) || ':00:00+00:00'"),
    }
}

/// The table of `m20261205_000024_task_due_tallies` with the due day replaced by the due hour.
const TASK_DUE_HOUR_TALLY: TaskCounts = TaskCounts {
    parts: |r, backend| {
        let parts = (TASK_DUE_TALLY.parts)(r, backend).into_iter();
        parts
            .map(|(name, value)| match name {
                "due_on" => ("due_hour", hour(&format!("{r}.due_at"), backend)),
                _ => (name, value),
            })
            .collect()
    },
    ..TASK_DUE_TALLY
};

/// The covering index of the overdue tasks by unit: the key, then the count.
const DUE_HOUR_COVER: (&str, &[&str]) =
    ("task_due_tally", &["town_id", "status", "due_hour", "assignee_unit_id", "creating_unit_id", "umbrella", "n"]);

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        TASK_DUE_TALLY.forget(manager).await?;
        let key = vec![
            uuid(TaskDueTally::TownId),
            string_len(TaskDueTally::Status, 40),
            timestamp_with_time_zone(TaskDueTally::DueHour),
            uuid(TaskDueTally::AssigneeUnitId),
            uuid(TaskDueTally::CreatingUnitId),
            boolean(TaskDueTally::Umbrella),
        ];
        TASK_DUE_HOUR_TALLY.keep(manager, key).await?;
        let (table, columns) = DUE_HOUR_COVER;
        manager.create_index(index_on(table, columns)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (table, columns) = DUE_HOUR_COVER;
        manager.drop_index(drop_index(table, columns)).await?;
        TASK_DUE_HOUR_TALLY.forget(manager).await?;
        keep_by_day(manager).await?;
        let (table, columns) = DUE_DAY_COVER;
        manager.create_index(index_on(table, columns)).await
    }
}

#[derive(DeriveIden)]
enum TaskDueTally {
    TownId,
    Status,
    DueHour,
    AssigneeUnitId,
    CreatingUnitId,
    Umbrella,
}
