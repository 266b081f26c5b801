//! Indexes led by the record for its duties: "a talk of this person since that day" (the task
//! rules and the monthly report ask it per record, as a correlated subquery) and a person's talks
//! in date order (the talks of a page) are one index range each at any table size. They replace
//! the single-column indexes on the record, whose every use they also serve.

use crate::common::{drop_index, index_on};
use sea_orm_migration::prelude::*;

/// (table, the record column, the day column).
const DUTIES: &[(&str, &str, &str)] =
    &[("person_talk", "person_id", "talked_on"), ("venue_inspection", "venue_id", "inspected_on")];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, record, day) in DUTIES {
            manager.create_index(index_on(table, &[record, day])).await?;
            manager.drop_index(drop_index(table, &[record])).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, record, day) in DUTIES.iter().rev() {
            manager.create_index(index_on(table, &[record])).await?;
            manager.drop_index(drop_index(table, &[record, day])).await?;
        }
        Ok(())
    }
}
