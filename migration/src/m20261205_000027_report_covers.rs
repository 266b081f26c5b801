//! The rest of the monthly report and the dashboard read from indexes alone (issue 13). Three of
//! their statements still visited the table for each row they counted, and those rows grow with
//! the town: the month's risk items by level (163 at a million persons, 22 at 100 000), the
//! overdue tasks' kept counts by due day, and the kept duty changes summed up to the month. Each
//! index below leads with what the statement filters on and holds every column the statement
//! or a viewer's scope lines read, so the planner answers it with an index-only scan (the risk
//! items of a month at a million persons: 0.27 -> 0.06 ms, warm, measured with EXPLAIN ANALYZE).

use sea_orm_migration::prelude::*;

use crate::common::{drop_index, index_on};

/// Overdue tasks by unit: `task_due_tally`'s key by due day, then the count (replaced with the
/// table's key by due hour in `m20261206_000028_task_due_hours`, restored by its `down`).
pub(crate) const DUE_DAY_COVER: (&str, &[&str]) =
    ("task_due_tally", &["town_id", "status", "due_on", "assignee_unit_id", "creating_unit_id", "umbrella", "n"]);

/// (table, columns), in index order.
const INDEXES: &[(&str, &[&str])] = &[
    // `riskStats` and the report's risks: the items reported in a month, by level and status;
    // the police's and judicial office's scopes test the category and the three units.
    (
        "risk_item",
        &[
            "town_id",
            "created_at",
            "level",
            "status",
            "category",
            "territorial_unit_id",
            "sector_unit_id",
            "assignee_unit_id",
            "id",
        ],
    ),
    // Overdue tasks by unit: the key, then the count.
    DUE_DAY_COVER,
    // The duty changes up to a month, of the town or one village.
    ("duty_tally", &["town_id", "record", "month", "village_id", "event", "level", "n"]),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in INDEXES {
            manager.create_index(index_on(table, columns)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in INDEXES.iter().rev() {
            manager.drop_index(drop_index(table, columns)).await?;
        }
        Ok(())
    }
}
