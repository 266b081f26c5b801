//! Indexes for the monthly report and the dashboard: each of their GROUP BYs filters on the town
//! (every scoped query does) and groups or ranges on the columns after it, so a composite index
//! led by the town answers it without reading the table. The duty subqueries of the report range
//! on the talk and inspection dates.

use crate::common::{drop_index, index_on};
use sea_orm_migration::prelude::*;

/// (table, columns), in index order.
const INDEXES: &[(&str, &[&str])] = &[
    ("person", &["town_id", "status", "attention_level"]),
    ("venue", &["town_id", "status", "attention_level"]),
    ("lead", &["town_id", "umbrella", "status"]),
    ("lead", &["town_id", "concluded_at"]),
    ("risk_item", &["town_id", "created_at"]),
    // The police's and judicial office's risk scopes filter on the category and the units, and the
    // coordinator's task scope on the target and the units: trailing columns let the index answer
    // the scoped GROUP BY without reading rows.
    (
        "risk_item",
        &["town_id", "level", "status", "category", "territorial_unit_id", "sector_unit_id", "assignee_unit_id"],
    ),
    ("risk_item", &["town_id", "escalation_level", "status", "category", "territorial_unit_id", "sector_unit_id"]),
    ("task", &["town_id", "status", "due_at", "target_type", "target_id", "assignee_unit_id", "creating_unit_id"]),
    ("person_talk", &["talked_on", "person_id"]),
    ("venue_inspection", &["inspected_on", "venue_id"]),
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
