//! Kept counts of a town's tasks by due hour and the columns their read scope depends on, moved
//! by triggers on `task`, `lead` and `meeting` (migrations `m20261205_000024_task_due_tallies`,
//! `m20261206_000028_task_due_hours`).
//! Derived from case records: only the access layer reads it, under the viewer's task scope.

use sea_orm::entity::prelude::*;

use crate::enums::TaskStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_due_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub town_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: TaskStatus,
    /// The hour the tasks are due: their due instant truncated to the hour in UTC.
    #[sea_orm(primary_key, auto_increment = false)]
    pub due_hour: DateTimeUtc,
    #[sea_orm(primary_key, auto_increment = false)]
    pub assignee_unit_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub creating_unit_id: Uuid,
    /// Whether the tasks' target is an umbrella lead or a meeting on umbrella leads.
    #[sea_orm(primary_key, auto_increment = false)]
    pub umbrella: bool,
    pub n: i64,
}

crate::positional!(town_id, status, due_hour, assignee_unit_id, creating_unit_id, umbrella, n);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
