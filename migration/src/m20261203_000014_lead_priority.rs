//! Leads handled first (issue 15): umbrella leads the discipline commission must take up within
//! 24 hours, and major leads reported within 2 hours. What a lead owes for its priority is kept
//! beside it in `lead_priority`, one row per lead that has such a duty or is major:
//!
//! - `major`: the lead was registered or marked major (part of the lead's `handling`);
//! - `major_due_at`: when the report of a major lead is due (2 h after it became major);
//! - `umbrella_due_at`: when the discipline commission must have taken up an umbrella lead
//!   (24 h after it became umbrella); cleared by the commission's first step on it.
//!
//! Indexes: the rule sweep reads the leads with a due time per town; the `major` filter is one
//! more per-town condition. On PostgreSQL, the discipline commission's text search over
//! summaries, contents and subjects' names uses `pg_trgm` GIN indexes on the lower-cased text
//! (the search compares `LOWER(column) LIKE …`); SQLite scans, as its `LIKE` always does.

use crate::common::{foreign_key, index};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

/// (index name, table, column) of each trigram index (PostgreSQL only).
const TRIGRAMS: &[(&str, &str, &str)] = &[
    ("trgm_lead_summary", "lead", "summary"),
    ("trgm_lead_content", "lead", "content"),
    ("trgm_lead_subject_name", "lead_subject", "name"),
    ("trgm_person_name", "person", "name"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LeadPriority::Table)
                    .col(uuid(LeadPriority::LeadId).primary_key())
                    .col(uuid(LeadPriority::TownId))
                    .col(boolean(LeadPriority::Major).default(false))
                    .col(timestamp_with_time_zone_null(LeadPriority::MajorDueAt))
                    .col(timestamp_with_time_zone_null(LeadPriority::UmbrellaDueAt))
                    .foreign_key(&mut foreign_key(LeadPriority::Table, LeadPriority::LeadId, Alias::new("lead")))
                    .foreign_key(&mut foreign_key(LeadPriority::Table, LeadPriority::TownId, Alias::new("town")))
                    .take(),
            )
            .await?;
        for columns in [
            [LeadPriority::TownId, LeadPriority::UmbrellaDueAt],
            [LeadPriority::TownId, LeadPriority::MajorDueAt],
            [LeadPriority::TownId, LeadPriority::Major],
        ] {
            manager.create_index(index(LeadPriority::Table, columns)).await?;
        }
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await?;
            for (name, table, column) in TRIGRAMS {
                let sql = format!("CREATE INDEX {name} ON {table} USING gin (lower({column}) gin_trgm_ops)");
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            // The extension stays: other databases' objects or a later migration may use it.
            for (name, _, _) in TRIGRAMS.iter().rev() {
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
            }
        }
        manager.drop_table(Table::drop().table(LeadPriority::Table).to_owned()).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LeadPriority {
    Table,
    LeadId,
    TownId,
    Major,
    MajorDueAt,
    UmbrellaDueAt,
}
