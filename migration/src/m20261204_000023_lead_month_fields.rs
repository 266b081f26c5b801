//! The kept monthly lead counts keyed also by category and by whether the lead was handed on
//! (issue 13): the monthly report's leads found, transferred and assisted per field of struggle
//! were a GROUP BY over the month's leads, which grow with the town (3.8 ms at a million persons,
//! 0.6 ms at 100 000). `lead_month_tally` (`m20261204_000021_lead_month_tallies`) is rebuilt with
//! `category` and `handed_on` (its status is past REGISTERED) among its keys, and an umbrella
//! lead counts also under `G` in the month it was registered (a town report counts an umbrella
//! lead whose receipt its reader lacks in that month), so the report's figures are sums over a
//! month's keys as the dashboard's are; the rows already there are counted again.

use sea_orm_migration::prelude::*;

use crate::common::index;
use crate::m20261204_000021_lead_month_tallies::{self as first, Shape, TABLE, TRIGGER};

const SHAPE: Shape = Shape {
    table: TABLE,
    trigger: TRIGGER,
    key: "town_id, umbrella, receiving_unit_id, assignee_unit_id, category, handed_on, event, month",
    lead_columns: "town_id, umbrella, receiving_unit_id, assignee_unit_id, category, received_at, concluded_at, status, \
                   created_at",
    fields: |r| format!("{r}.category AS category, ({r}.status <> 'REGISTERED') AS handed_on, "),
    registered: true,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on every backend: the table is dropped and created again under its
    /// name, and on SQLite a pooled connection with the schema from before the drop would take the
    /// new table's creation for done and read the old table's key.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        first::SHAPE.drop(manager).await?;
        SHAPE.keep(manager).await?;
        // The dashboard reads twelve months of one event and the report one month: with category
        // among the keys a month holds hundreds of keys at a million persons, and the key's order
        // puts the month last.
        let by_month = ["town_id", "event", "month"].map(Alias::new);
        manager.create_index(index(Alias::new("lead_month_tally"), by_month)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        SHAPE.drop(manager).await?;
        first::SHAPE.keep(manager).await
    }
}
