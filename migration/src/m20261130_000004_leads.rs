//! Leads (线索), their subjects and events, and the per-town, per-year serial counter.

use crate::common::{enum_string, enum_string_null, foreign_key, index, unique_index, version};
use crate::m20261130_000001_organisation::{AppUser, OrgUnit, Town};
use crate::m20261130_000002_persons::Person;
use crate::m20261130_000003_venues::Venue;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Lead::Table)
                    .col(pk_uuid(Lead::Id))
                    .col(uuid(Lead::TownId))
                    .col(string_len(Lead::Serial, 40))
                    .col(integer(Lead::SerialYear))
                    .col(integer(Lead::SerialNumber))
                    .col(timestamp_with_time_zone(Lead::ReceivedAt))
                    .col(enum_string(Lead::Source))
                    .col(uuid(Lead::ReceivingUnitId))
                    .col(string_len_null(Lead::ReporterName, 200))
                    .col(string_len_null(Lead::ReporterContact, 200))
                    .col(enum_string(Lead::Category))
                    .col(boolean(Lead::InvolvesOfficial))
                    .col(boolean(Lead::Umbrella))
                    .col(text(Lead::Summary))
                    .col(text_null(Lead::Content))
                    .col(uuid_null(Lead::VenueId))
                    .col(enum_string(Lead::Status))
                    .col(uuid_null(Lead::AssigneeUnitId))
                    .col(string_len_null(Lead::ResponsibleLeader, 200))
                    .col(string_len_null(Lead::ResponsiblePerson, 200))
                    .col(text_null(Lead::Measures))
                    .col(timestamp_with_time_zone_null(Lead::Deadline))
                    .col(timestamp_with_time_zone_null(Lead::TransferDueAt))
                    .col(timestamp_with_time_zone_null(Lead::ReviewDueAt))
                    .col(enum_string_null(Lead::CountyAnswer))
                    .col(text_null(Lead::Conclusion))
                    .col(timestamp_with_time_zone_null(Lead::ConcludedAt))
                    .col(uuid_null(Lead::HandedOverFromLeadId))
                    .col(version(Lead::Version))
                    .col(timestamp_with_time_zone(Lead::CreatedAt))
                    .col(timestamp_with_time_zone(Lead::UpdatedAt))
                    .foreign_key(&mut foreign_key(Lead::Table, Lead::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(Lead::Table, Lead::ReceivingUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(Lead::Table, Lead::AssigneeUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(Lead::Table, Lead::VenueId, Venue::Table))
                    .foreign_key(&mut foreign_key(Lead::Table, Lead::HandedOverFromLeadId, Lead::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LeadSubject::Table)
                    .col(pk_uuid(LeadSubject::Id))
                    .col(uuid(LeadSubject::LeadId))
                    .col(uuid_null(LeadSubject::PersonId))
                    .col(string_len_null(LeadSubject::Name, 200))
                    .foreign_key(&mut foreign_key(LeadSubject::Table, LeadSubject::LeadId, Lead::Table))
                    .foreign_key(&mut foreign_key(LeadSubject::Table, LeadSubject::PersonId, Person::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LeadEvent::Table)
                    .col(pk_uuid(LeadEvent::Id))
                    .col(uuid(LeadEvent::LeadId))
                    .col(enum_string(LeadEvent::Kind))
                    .col(uuid_null(LeadEvent::ActorUserId))
                    .col(uuid_null(LeadEvent::ActorUnitId))
                    .col(enum_string_null(LeadEvent::FromStatus))
                    .col(enum_string_null(LeadEvent::ToStatus))
                    .col(text_null(LeadEvent::Note))
                    .col(timestamp_with_time_zone(LeadEvent::CreatedAt))
                    .foreign_key(&mut foreign_key(LeadEvent::Table, LeadEvent::LeadId, Lead::Table))
                    .foreign_key(&mut foreign_key(LeadEvent::Table, LeadEvent::ActorUserId, AppUser::Table))
                    .foreign_key(&mut foreign_key(LeadEvent::Table, LeadEvent::ActorUnitId, OrgUnit::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LeadSerialCounter::Table)
                    .col(uuid(LeadSerialCounter::TownId))
                    .col(integer(LeadSerialCounter::Year))
                    .col(integer(LeadSerialCounter::LastNumber))
                    .primary_key(Index::create().col(LeadSerialCounter::TownId).col(LeadSerialCounter::Year))
                    .foreign_key(&mut foreign_key(LeadSerialCounter::Table, LeadSerialCounter::TownId, Town::Table))
                    .take(),
            )
            .await?;

        // Town-scoped queries use the serial and list-order indexes, whose first column is
        // `town_id`.
        for statement in [
            unique_index(Lead::Table, [Lead::TownId, Lead::SerialYear, Lead::SerialNumber]),
            index(Lead::Table, [Lead::TownId, Lead::ReceivedAt, Lead::Id]),
            index(Lead::Table, [Lead::TownId, Lead::Umbrella]),
            index(Lead::Table, [Lead::ReceivingUnitId]),
            index(Lead::Table, [Lead::AssigneeUnitId]),
            index(Lead::Table, [Lead::Status]),
            index(Lead::Table, [Lead::Deadline]),
            index(Lead::Table, [Lead::VenueId]),
            index(LeadSubject::Table, [LeadSubject::LeadId]),
            index(LeadSubject::Table, [LeadSubject::PersonId]),
            index(LeadEvent::Table, [LeadEvent::LeadId]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite empties a table before dropping it, checking each deleted row against
        // ON DELETE RESTRICT: a lead handed over from another lead would stop the drop.
        manager
            .exec_stmt(Query::update().table(Lead::Table).value(Lead::HandedOverFromLeadId, Expr::null()).take())
            .await?;
        for table in [
            LeadSerialCounter::Table.into_iden(),
            LeadEvent::Table.into_iden(),
            LeadSubject::Table.into_iden(),
            Lead::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Lead {
    Table,
    Id,
    TownId,
    Serial,
    SerialYear,
    SerialNumber,
    ReceivedAt,
    Source,
    ReceivingUnitId,
    ReporterName,
    ReporterContact,
    Category,
    InvolvesOfficial,
    Umbrella,
    Summary,
    Content,
    VenueId,
    Status,
    AssigneeUnitId,
    ResponsibleLeader,
    ResponsiblePerson,
    Measures,
    Deadline,
    TransferDueAt,
    ReviewDueAt,
    CountyAnswer,
    Conclusion,
    ConcludedAt,
    HandedOverFromLeadId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LeadSubject {
    Table,
    Id,
    LeadId,
    PersonId,
    Name,
}

#[derive(DeriveIden)]
enum LeadEvent {
    Table,
    Id,
    LeadId,
    Kind,
    ActorUserId,
    ActorUnitId,
    FromStatus,
    ToStatus,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LeadSerialCounter {
    Table,
    TownId,
    Year,
    LastNumber,
}
