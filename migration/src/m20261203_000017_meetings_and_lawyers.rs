//! Meetings (研判会, 联席会议, 三级联席会议) with their attending units, decisions and the risk
//! items they took up; the judicial office's ledger of lawyers' reports of representing gang
//! cases; and the audit log's lookup by action.
//!
//! Every scope and order these records are read by has its index: meetings by town and day
//! held (the list's order), by attending unit (a unit's scope); lawyer reports by town and day
//! reported; audit entries by town, action and id (the `action` filter in the log's order).

use crate::common::{enum_string, foreign_key, index};
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
                    .table(Meeting::Table)
                    .col(pk_uuid(Meeting::Id))
                    .col(uuid(Meeting::TownId))
                    .col(enum_string(Meeting::Kind))
                    .col(date(Meeting::HeldOn))
                    .col(text(Meeting::Summary))
                    .col(boolean(Meeting::Umbrella))
                    .col(uuid(Meeting::RecordedByUnitId))
                    .col(uuid(Meeting::RecordedByUserId))
                    .col(timestamp_with_time_zone(Meeting::CreatedAt))
                    .foreign_key(&mut foreign_key(Meeting::Table, Meeting::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(Meeting::Table, Meeting::RecordedByUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(Meeting::Table, Meeting::RecordedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetingUnit::Table)
                    .col(uuid(MeetingUnit::MeetingId))
                    .col(uuid(MeetingUnit::UnitId))
                    .primary_key(Index::create().col(MeetingUnit::MeetingId).col(MeetingUnit::UnitId))
                    .foreign_key(&mut foreign_key(MeetingUnit::Table, MeetingUnit::MeetingId, Meeting::Table))
                    .foreign_key(&mut foreign_key(MeetingUnit::Table, MeetingUnit::UnitId, OrgUnit::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetingDecision::Table)
                    .col(pk_uuid(MeetingDecision::Id))
                    .col(uuid(MeetingDecision::MeetingId))
                    .col(integer(MeetingDecision::Position))
                    .col(text(MeetingDecision::Text))
                    .col(uuid_null(MeetingDecision::AssigneeUnitId))
                    .col(timestamp_with_time_zone_null(MeetingDecision::DueAt))
                    .col(uuid_null(MeetingDecision::TaskId))
                    .foreign_key(&mut foreign_key(MeetingDecision::Table, MeetingDecision::MeetingId, Meeting::Table))
                    .foreign_key(&mut foreign_key(
                        MeetingDecision::Table,
                        MeetingDecision::AssigneeUnitId,
                        OrgUnit::Table,
                    ))
                    .foreign_key(&mut foreign_key(MeetingDecision::Table, MeetingDecision::TaskId, Task::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetingRiskItem::Table)
                    .col(pk_uuid(MeetingRiskItem::Id))
                    .col(uuid(MeetingRiskItem::MeetingId))
                    .col(uuid(MeetingRiskItem::RiskItemId))
                    .col(enum_string(MeetingRiskItem::EscalatedTo))
                    .col(timestamp_with_time_zone(MeetingRiskItem::CreatedAt))
                    .foreign_key(&mut foreign_key(MeetingRiskItem::Table, MeetingRiskItem::MeetingId, Meeting::Table))
                    .foreign_key(&mut foreign_key(MeetingRiskItem::Table, MeetingRiskItem::RiskItemId, RiskItem::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LawyerReport::Table)
                    .col(pk_uuid(LawyerReport::Id))
                    .col(uuid(LawyerReport::TownId))
                    .col(string_len(LawyerReport::LawyerName, 100))
                    .col(string_len(LawyerReport::LawFirm, 200))
                    .col(string_len(LawyerReport::CaseName, 200))
                    .col(string_len(LawyerReport::Court, 200))
                    .col(date(LawyerReport::ReportedOn))
                    .col(text_null(LawyerReport::Note))
                    .col(uuid(LawyerReport::RecordedByUnitId))
                    .col(uuid(LawyerReport::RecordedByUserId))
                    .col(timestamp_with_time_zone(LawyerReport::CreatedAt))
                    .foreign_key(&mut foreign_key(LawyerReport::Table, LawyerReport::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(LawyerReport::Table, LawyerReport::RecordedByUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(LawyerReport::Table, LawyerReport::RecordedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;
        for statement in [
            index(Meeting::Table, [Meeting::TownId, Meeting::HeldOn, Meeting::Id]),
            index(Meeting::Table, [Meeting::RecordedByUnitId, Meeting::Kind, Meeting::HeldOn]),
            index(MeetingUnit::Table, [MeetingUnit::UnitId]),
            index(MeetingDecision::Table, [MeetingDecision::MeetingId]),
            index(MeetingRiskItem::Table, [MeetingRiskItem::MeetingId]),
            index(MeetingRiskItem::Table, [MeetingRiskItem::RiskItemId]),
            index(LawyerReport::Table, [LawyerReport::TownId, LawyerReport::ReportedOn, LawyerReport::Id]),
            index(AuditLog::Table, [AuditLog::TownId, AuditLog::Action, AuditLog::Id]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let audit = "idx_audit_log_town_id_action_id";
        manager.drop_index(Index::drop().name(audit).table(AuditLog::Table).to_owned()).await?;
        for table in [
            LawyerReport::Table.into_iden(),
            MeetingRiskItem::Table.into_iden(),
            MeetingDecision::Table.into_iden(),
            MeetingUnit::Table.into_iden(),
            Meeting::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
    TownId,
    Kind,
    HeldOn,
    Summary,
    Umbrella,
    RecordedByUnitId,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetingUnit {
    Table,
    MeetingId,
    UnitId,
}

#[derive(DeriveIden)]
enum MeetingDecision {
    Table,
    Id,
    MeetingId,
    Position,
    Text,
    AssigneeUnitId,
    DueAt,
    TaskId,
}

#[derive(DeriveIden)]
enum MeetingRiskItem {
    Table,
    Id,
    MeetingId,
    RiskItemId,
    EscalatedTo,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LawyerReport {
    Table,
    Id,
    TownId,
    LawyerName,
    LawFirm,
    CaseName,
    Court,
    ReportedOn,
    Note,
    RecordedByUnitId,
    RecordedByUserId,
    CreatedAt,
}

/// Tables of earlier migrations these refer to.
#[derive(DeriveIden)]
enum Task {
    Table,
}

#[derive(DeriveIden)]
enum RiskItem {
    Table,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    TownId,
    Action,
    Id,
}
