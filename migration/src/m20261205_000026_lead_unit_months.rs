//! Kept monthly lead counts keyed by the lead policy's columns alone (issue 13):
//! `lead_unit_month_tally` holds, for each town, umbrella flag, receiving unit, assignee unit,
//! event (`R` received, `C` concluded) and month, how many leads there are, as
//! `lead_month_tally` does before its report columns. The dashboard's twelve months sum every key
//! of a year, and `lead_month_tally`'s keys by category and hand-on, which the dashboard does not
//! read, grow with the town: 2,611 keys for the year at a million persons against some 470 here
//! (41,169 keys in all against 7,335): the coordinator's months of receipts read 0.64 ms there
//! and 0.14 ms here (pg_stat_statements, mean of 40 dashboards). The report keeps reading
//! `lead_month_tally`.
//!
//! Kept by triggers on `lead` as `lead_month_tally` is (`m20261204_000021_lead_month_tallies`),
//! with the index the dashboard reads from alone: by town, event and month, then every column a
//! viewer's lead lines test, and the count.

use sea_orm_migration::prelude::*;

use crate::common::index;
use crate::m20261204_000021_lead_month_tallies::Shape;

const SHAPE: Shape = Shape {
    table: "lead_unit_month_tally",
    trigger: "tally_lead_unit_month",
    key: "town_id, umbrella, receiving_unit_id, assignee_unit_id, event, month",
    lead_columns: "town_id, umbrella, receiving_unit_id, assignee_unit_id, received_at, concluded_at, status",
    fields: |_| String::new(),
    registered: false,
};

const COVERING: [&str; 7] = ["town_id", "event", "month", "umbrella", "receiving_unit_id", "assignee_unit_id", "n"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        SHAPE.keep(manager).await?;
        manager.create_index(index(Alias::new(SHAPE.table), COVERING.map(Alias::new))).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        SHAPE.drop(manager).await
    }
}
