//! Indexes for `changedSince` (a mobile client syncs only what changed): each is led by a column
//! a row scope or a list condition fixes (the town, the viewer's village, its unit as receiver,
//! assignee or creator, the assignee user of "assigned to me") and ranges on `updated_at` after
//! it, so "changed since" within any scope is one index range, not a scan of the scope.

use crate::common::{drop_index, index_on};
use sea_orm_migration::prelude::*;

/// (table, the column the scope fixes); each index is (that column, `updated_at`).
const INDEXES: &[(&str, &str)] = &[
    ("person", "town_id"),
    ("person", "village_id"),
    ("venue", "town_id"),
    ("venue", "village_id"),
    ("lead", "town_id"),
    ("lead", "receiving_unit_id"),
    ("lead", "assignee_unit_id"),
    ("risk_item", "town_id"),
    ("risk_item", "village_id"),
    ("risk_item", "territorial_unit_id"),
    ("risk_item", "sector_unit_id"),
    ("risk_item", "assignee_unit_id"),
    ("task", "town_id"),
    ("task", "assignee_unit_id"),
    ("task", "creating_unit_id"),
    ("task", "assignee_user_id"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in INDEXES {
            manager.create_index(index_on(table, &[column, "updated_at"])).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in INDEXES.iter().rev() {
            manager.drop_index(drop_index(table, &[column, "updated_at"])).await?;
        }
        Ok(())
    }
}
