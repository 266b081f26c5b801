//! Risk items (风险隐患) with their daily checks, feedback and events.

use crate::common::{enum_string, enum_string_null, foreign_key, index, version};
use crate::m20261130_000001_organisation::{AppUser, OrgUnit, Town, Village};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RiskItem::Table)
                    .col(pk_uuid(RiskItem::Id))
                    .col(uuid(RiskItem::TownId))
                    .col(uuid(RiskItem::VillageId))
                    .col(string_len_null(RiskItem::Grid, 200))
                    .col(string_len(RiskItem::Title, 200))
                    .col(enum_string(RiskItem::Category))
                    .col(enum_string_null(RiskItem::Level))
                    .col(string_len_null(RiskItem::Location, 500))
                    .col(text(RiskItem::Description))
                    .col(text_null(RiskItem::Parties))
                    .col(uuid_null(RiskItem::TerritorialUnitId))
                    .col(uuid_null(RiskItem::SectorUnitId))
                    .col(uuid_null(RiskItem::AssigneeUnitId))
                    .col(string_len_null(RiskItem::ResponsiblePerson, 200))
                    .col(text_null(RiskItem::Plan))
                    .col(enum_string(RiskItem::Status))
                    .col(enum_string(RiskItem::EscalationLevel))
                    .col(uuid(RiskItem::ReportedByUnitId))
                    .col(uuid(RiskItem::ReportedByUserId))
                    .col(timestamp_with_time_zone_null(RiskItem::AssessedAt))
                    .col(timestamp_with_time_zone_null(RiskItem::FeedbackDueAt))
                    .col(text_null(RiskItem::ResolutionNote))
                    .col(timestamp_with_time_zone_null(RiskItem::ResolvedAt))
                    .col(version(RiskItem::Version))
                    .col(timestamp_with_time_zone(RiskItem::CreatedAt))
                    .col(timestamp_with_time_zone(RiskItem::UpdatedAt))
                    .foreign_key(&mut foreign_key(RiskItem::Table, RiskItem::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(RiskItem::Table, RiskItem::VillageId, Village::Table))
                    .foreign_key(&mut foreign_key(RiskItem::Table, RiskItem::TerritorialUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(RiskItem::Table, RiskItem::SectorUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(RiskItem::Table, RiskItem::AssigneeUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(RiskItem::Table, RiskItem::ReportedByUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(RiskItem::Table, RiskItem::ReportedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RiskCheck::Table)
                    .col(pk_uuid(RiskCheck::Id))
                    .col(uuid(RiskCheck::RiskItemId))
                    .col(date(RiskCheck::CheckedOn))
                    .col(text(RiskCheck::Note))
                    .col(uuid(RiskCheck::UserId))
                    .col(timestamp_with_time_zone(RiskCheck::CreatedAt))
                    .foreign_key(&mut foreign_key(RiskCheck::Table, RiskCheck::RiskItemId, RiskItem::Table))
                    .foreign_key(&mut foreign_key(RiskCheck::Table, RiskCheck::UserId, AppUser::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RiskFeedback::Table)
                    .col(pk_uuid(RiskFeedback::Id))
                    .col(uuid(RiskFeedback::RiskItemId))
                    .col(uuid(RiskFeedback::UnitId))
                    .col(uuid(RiskFeedback::UserId))
                    .col(text(RiskFeedback::Body))
                    .col(timestamp_with_time_zone(RiskFeedback::CreatedAt))
                    .foreign_key(&mut foreign_key(RiskFeedback::Table, RiskFeedback::RiskItemId, RiskItem::Table))
                    .foreign_key(&mut foreign_key(RiskFeedback::Table, RiskFeedback::UnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(RiskFeedback::Table, RiskFeedback::UserId, AppUser::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RiskEvent::Table)
                    .col(pk_uuid(RiskEvent::Id))
                    .col(uuid(RiskEvent::RiskItemId))
                    .col(enum_string(RiskEvent::Kind))
                    .col(uuid_null(RiskEvent::ActorUserId))
                    .col(uuid_null(RiskEvent::ActorUnitId))
                    .col(string_len_null(RiskEvent::FromValue, 200))
                    .col(string_len_null(RiskEvent::ToValue, 200))
                    .col(text_null(RiskEvent::Note))
                    .col(timestamp_with_time_zone(RiskEvent::CreatedAt))
                    .foreign_key(&mut foreign_key(RiskEvent::Table, RiskEvent::RiskItemId, RiskItem::Table))
                    .foreign_key(&mut foreign_key(RiskEvent::Table, RiskEvent::ActorUserId, AppUser::Table))
                    .foreign_key(&mut foreign_key(RiskEvent::Table, RiskEvent::ActorUnitId, OrgUnit::Table))
                    .take(),
            )
            .await?;

        for statement in [
            index(RiskItem::Table, [RiskItem::TownId]),
            index(RiskItem::Table, [RiskItem::VillageId]),
            index(RiskItem::Table, [RiskItem::Category]),
            index(RiskItem::Table, [RiskItem::Level]),
            index(RiskItem::Table, [RiskItem::Status]),
            index(RiskItem::Table, [RiskItem::EscalationLevel]),
            index(RiskItem::Table, [RiskItem::TerritorialUnitId]),
            index(RiskItem::Table, [RiskItem::SectorUnitId]),
            index(RiskItem::Table, [RiskItem::AssigneeUnitId]),
            index(RiskCheck::Table, [RiskCheck::RiskItemId]),
            index(RiskFeedback::Table, [RiskFeedback::RiskItemId]),
            index(RiskEvent::Table, [RiskEvent::RiskItemId]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RiskEvent::Table.into_iden(),
            RiskFeedback::Table.into_iden(),
            RiskCheck::Table.into_iden(),
            RiskItem::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum RiskItem {
    Table,
    Id,
    TownId,
    VillageId,
    Grid,
    Title,
    Category,
    Level,
    Location,
    Description,
    Parties,
    TerritorialUnitId,
    SectorUnitId,
    AssigneeUnitId,
    ResponsiblePerson,
    Plan,
    Status,
    EscalationLevel,
    ReportedByUnitId,
    ReportedByUserId,
    AssessedAt,
    FeedbackDueAt,
    ResolutionNote,
    ResolvedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RiskCheck {
    Table,
    Id,
    RiskItemId,
    CheckedOn,
    Note,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RiskFeedback {
    Table,
    Id,
    RiskItemId,
    UnitId,
    UserId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RiskEvent {
    Table,
    Id,
    RiskItemId,
    Kind,
    ActorUserId,
    ActorUnitId,
    FromValue,
    ToValue,
    Note,
    CreatedAt,
}
