//! Reports a unit submits (issue 15): the weekly progress report (周通报, seed 001, due each
//! Friday) and the signed monthly report (月报, seed 002 "经主要领导签字、单位盖章"). A submitted
//! report is a frozen snapshot: its figures are stored as the submitting unit's own scope counted
//! them, so later edits to the records never change it.
//!
//! One report per unit, kind and period (`2026-W49`, `2026-12`); `unit_kind` is kept on the row
//! so the read scope ("the discipline commission's reports only to itself") is decided on the row.
//! Indexes: the unique (unit, kind, period) serves the submitting unit's own reads and the
//! sweep's "was it submitted"; (town, kind, period) serves the coordination office's
//! `weeklyReports(week)`.

use crate::common::{enum_string, foreign_key, index, unique_index};
use crate::m20261130_000001_organisation::{AppUser, OrgUnit, Town};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UnitReport::Table)
                    .col(pk_uuid(UnitReport::Id))
                    .col(uuid(UnitReport::TownId))
                    .col(uuid(UnitReport::UnitId))
                    .col(enum_string(UnitReport::UnitKind))
                    .col(enum_string(UnitReport::Kind))
                    .col(string_len(UnitReport::Period, 10))
                    .col(text(UnitReport::Figures))
                    .col(text_null(UnitReport::ProgressNote))
                    .col(string_len(UnitReport::SignedBy, 100))
                    .col(boolean(UnitReport::Sealed))
                    .col(uuid(UnitReport::SubmittedByUserId))
                    .col(timestamp_with_time_zone(UnitReport::SubmittedAt))
                    .col(timestamp_with_time_zone(UnitReport::DueAt))
                    .foreign_key(&mut foreign_key(UnitReport::Table, UnitReport::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(UnitReport::Table, UnitReport::UnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(UnitReport::Table, UnitReport::SubmittedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(UnitReport::Table, [UnitReport::UnitId, UnitReport::Kind, UnitReport::Period]))
            .await?;
        manager
            .create_index(index(UnitReport::Table, [UnitReport::TownId, UnitReport::Kind, UnitReport::Period]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UnitReport::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum UnitReport {
    Table,
    Id,
    TownId,
    UnitId,
    UnitKind,
    Kind,
    Period,
    Figures,
    ProgressNote,
    SignedBy,
    Sealed,
    SubmittedByUserId,
    SubmittedAt,
    DueAt,
}
