//! Key venues and their records: inspections, incidents and level changes.

use crate::common::{enum_string, enum_string_null, foreign_key, index, unique_index, version};
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
                    .table(Venue::Table)
                    .col(pk_uuid(Venue::Id))
                    .col(uuid(Venue::TownId))
                    .col(uuid(Venue::VillageId))
                    .col(string_len(Venue::Name, 200))
                    .col(enum_string(Venue::VenueType))
                    .col(string_len(Venue::Address, 500))
                    .col(string_len_null(Venue::LicenceNumber, 100))
                    .col(string_len_null(Venue::ManagerName, 200))
                    .col(string_len_null(Venue::ManagerPhone, 40))
                    .col(enum_string(Venue::AttentionLevel))
                    .col(date(Venue::LevelSince))
                    .col(date(Venue::ListedAt))
                    .col(enum_string(Venue::Status))
                    .col(text_null(Venue::Notes))
                    .col(uuid(Venue::CreatedByUnitId))
                    .col(version(Venue::Version))
                    .col(timestamp_with_time_zone(Venue::CreatedAt))
                    .col(timestamp_with_time_zone(Venue::UpdatedAt))
                    .foreign_key(&mut foreign_key(Venue::Table, Venue::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(Venue::Table, Venue::VillageId, Village::Table))
                    .foreign_key(&mut foreign_key(Venue::Table, Venue::CreatedByUnitId, OrgUnit::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VenueInspection::Table)
                    .col(pk_uuid(VenueInspection::Id))
                    .col(uuid(VenueInspection::VenueId))
                    .col(date(VenueInspection::InspectedOn))
                    .col(uuid(VenueInspection::InspectorId))
                    .col(text(VenueInspection::Findings))
                    .col(boolean(VenueInspection::ManagerTalked))
                    .col(uuid(VenueInspection::RecordedByUserId))
                    .col(timestamp_with_time_zone(VenueInspection::CreatedAt))
                    .foreign_key(&mut foreign_key(VenueInspection::Table, VenueInspection::VenueId, Venue::Table))
                    .foreign_key(&mut foreign_key(VenueInspection::Table, VenueInspection::InspectorId, AppUser::Table))
                    .foreign_key(&mut foreign_key(
                        VenueInspection::Table,
                        VenueInspection::RecordedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VenueIncident::Table)
                    .col(pk_uuid(VenueIncident::Id))
                    .col(uuid(VenueIncident::VenueId))
                    .col(date(VenueIncident::OccurredOn))
                    .col(string_len(VenueIncident::Kind, 100))
                    .col(text(VenueIncident::Summary))
                    .col(uuid(VenueIncident::RecordedByUserId))
                    .col(timestamp_with_time_zone(VenueIncident::CreatedAt))
                    .foreign_key(&mut foreign_key(VenueIncident::Table, VenueIncident::VenueId, Venue::Table))
                    .foreign_key(&mut foreign_key(
                        VenueIncident::Table,
                        VenueIncident::RecordedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VenueLevelChange::Table)
                    .col(pk_uuid(VenueLevelChange::Id))
                    .col(uuid(VenueLevelChange::VenueId))
                    .col(enum_string(VenueLevelChange::Kind))
                    .col(enum_string(VenueLevelChange::Status))
                    .col(enum_string_null(VenueLevelChange::FromLevel))
                    .col(enum_string_null(VenueLevelChange::ToLevel))
                    .col(text(VenueLevelChange::Reason))
                    .col(uuid_null(VenueLevelChange::RequestedByUserId))
                    .col(uuid_null(VenueLevelChange::RequestedByUnitId))
                    .col(uuid_null(VenueLevelChange::DecidedByUserId))
                    .col(uuid_null(VenueLevelChange::DecidedByUnitId))
                    .col(text_null(VenueLevelChange::DecisionComment))
                    .col(string_len_null(VenueLevelChange::ApprovingBody, 200))
                    .col(string_len_null(VenueLevelChange::DocumentNumber, 100))
                    .col(timestamp_with_time_zone_null(VenueLevelChange::DecidedAt))
                    .col(version(VenueLevelChange::Version))
                    .col(timestamp_with_time_zone(VenueLevelChange::CreatedAt))
                    .col(timestamp_with_time_zone(VenueLevelChange::UpdatedAt))
                    .foreign_key(&mut foreign_key(VenueLevelChange::Table, VenueLevelChange::VenueId, Venue::Table))
                    .foreign_key(&mut foreign_key(
                        VenueLevelChange::Table,
                        VenueLevelChange::RequestedByUserId,
                        AppUser::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        VenueLevelChange::Table,
                        VenueLevelChange::RequestedByUnitId,
                        OrgUnit::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        VenueLevelChange::Table,
                        VenueLevelChange::DecidedByUserId,
                        AppUser::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        VenueLevelChange::Table,
                        VenueLevelChange::DecidedByUnitId,
                        OrgUnit::Table,
                    ))
                    .take(),
            )
            .await?;

        // Town-scoped queries use the list-order indexes, whose first column is `town_id`.
        // The licence index allows many NULLs on both backends.
        for statement in [
            unique_index(Venue::Table, [Venue::TownId, Venue::LicenceNumber]),
            index(Venue::Table, [Venue::TownId, Venue::Name, Venue::Id]),
            index(Venue::Table, [Venue::TownId, Venue::ListedAt, Venue::Id]),
            index(Venue::Table, [Venue::VillageId]),
            index(Venue::Table, [Venue::AttentionLevel]),
            index(Venue::Table, [Venue::Status]),
            index(VenueInspection::Table, [VenueInspection::VenueId]),
            index(VenueIncident::Table, [VenueIncident::VenueId]),
            index(VenueLevelChange::Table, [VenueLevelChange::VenueId]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            VenueLevelChange::Table.into_iden(),
            VenueIncident::Table.into_iden(),
            VenueInspection::Table.into_iden(),
            Venue::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

// The column is `venue_type` (`type` is a keyword in Rust and reserved in SQL).
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
pub enum Venue {
    Table,
    Id,
    TownId,
    VillageId,
    Name,
    VenueType,
    Address,
    LicenceNumber,
    ManagerName,
    ManagerPhone,
    AttentionLevel,
    LevelSince,
    ListedAt,
    Status,
    Notes,
    CreatedByUnitId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VenueInspection {
    Table,
    Id,
    VenueId,
    InspectedOn,
    InspectorId,
    Findings,
    ManagerTalked,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VenueIncident {
    Table,
    Id,
    VenueId,
    OccurredOn,
    Kind,
    Summary,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VenueLevelChange {
    Table,
    Id,
    VenueId,
    Kind,
    Status,
    FromLevel,
    ToLevel,
    Reason,
    RequestedByUserId,
    RequestedByUnitId,
    DecidedByUserId,
    DecidedByUnitId,
    DecisionComment,
    ApprovingBody,
    DocumentNumber,
    DecidedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}
