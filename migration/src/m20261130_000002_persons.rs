//! Key persons (一人一档) and their records: categories, judicial tags, talks, incidents,
//! assessments, measures and level changes.

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
                    .table(Person::Table)
                    .col(pk_uuid(Person::Id))
                    .col(uuid(Person::TownId))
                    .col(uuid(Person::VillageId))
                    .col(string_len(Person::Name, 200))
                    .col(enum_string(Person::Gender))
                    .col(date(Person::BirthDate))
                    .col(string_len(Person::IdNumber, 40))
                    .col(string_len_null(Person::Phone, 40))
                    .col(string_len_null(Person::Address, 500))
                    .col(enum_string(Person::AttentionLevel))
                    .col(date(Person::LevelSince))
                    .col(uuid_null(Person::ResponsibleOfficerId))
                    .col(date(Person::ListedAt))
                    .col(enum_string(Person::Status))
                    .col(text_null(Person::Notes))
                    .col(uuid(Person::CreatedByUnitId))
                    .col(version(Person::Version))
                    .col(timestamp_with_time_zone(Person::CreatedAt))
                    .col(timestamp_with_time_zone(Person::UpdatedAt))
                    .foreign_key(&mut foreign_key(Person::Table, Person::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(Person::Table, Person::VillageId, Village::Table))
                    .foreign_key(&mut foreign_key(Person::Table, Person::ResponsibleOfficerId, AppUser::Table))
                    .foreign_key(&mut foreign_key(Person::Table, Person::CreatedByUnitId, OrgUnit::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonCategory::Table)
                    .col(uuid(PersonCategory::PersonId))
                    .col(enum_string(PersonCategory::Category))
                    .primary_key(Index::create().col(PersonCategory::PersonId).col(PersonCategory::Category))
                    .foreign_key(&mut foreign_key(PersonCategory::Table, PersonCategory::PersonId, Person::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonJudicialTag::Table)
                    .col(pk_uuid(PersonJudicialTag::Id))
                    .col(uuid(PersonJudicialTag::PersonId))
                    .col(enum_string(PersonJudicialTag::Tag))
                    .col(date_null(PersonJudicialTag::ReleaseDate))
                    .col(date_null(PersonJudicialTag::CorrectionEndDate))
                    .col(uuid(PersonJudicialTag::AddedByUnitId))
                    .col(timestamp_with_time_zone(PersonJudicialTag::CreatedAt))
                    .foreign_key(&mut foreign_key(PersonJudicialTag::Table, PersonJudicialTag::PersonId, Person::Table))
                    .foreign_key(&mut foreign_key(
                        PersonJudicialTag::Table,
                        PersonJudicialTag::AddedByUnitId,
                        OrgUnit::Table,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonTalk::Table)
                    .col(pk_uuid(PersonTalk::Id))
                    .col(uuid(PersonTalk::PersonId))
                    .col(date(PersonTalk::TalkedOn))
                    .col(uuid(PersonTalk::OfficerId))
                    .col(enum_string(PersonTalk::Kind))
                    .col(text(PersonTalk::Summary))
                    .col(uuid(PersonTalk::RecordedByUserId))
                    .col(timestamp_with_time_zone(PersonTalk::CreatedAt))
                    .foreign_key(&mut foreign_key(PersonTalk::Table, PersonTalk::PersonId, Person::Table))
                    .foreign_key(&mut foreign_key(PersonTalk::Table, PersonTalk::OfficerId, AppUser::Table))
                    .foreign_key(&mut foreign_key(PersonTalk::Table, PersonTalk::RecordedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonIncident::Table)
                    .col(pk_uuid(PersonIncident::Id))
                    .col(uuid(PersonIncident::PersonId))
                    .col(date(PersonIncident::OccurredOn))
                    .col(string_len(PersonIncident::Kind, 100))
                    .col(text(PersonIncident::Summary))
                    .col(uuid(PersonIncident::RecordedByUserId))
                    .col(timestamp_with_time_zone(PersonIncident::CreatedAt))
                    .foreign_key(&mut foreign_key(PersonIncident::Table, PersonIncident::PersonId, Person::Table))
                    .foreign_key(&mut foreign_key(
                        PersonIncident::Table,
                        PersonIncident::RecordedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonAssessment::Table)
                    .col(pk_uuid(PersonAssessment::Id))
                    .col(uuid(PersonAssessment::PersonId))
                    .col(date(PersonAssessment::AssessedOn))
                    .col(boolean(PersonAssessment::ThoughtClear))
                    .col(text(PersonAssessment::ThoughtNote))
                    .col(boolean(PersonAssessment::EmploymentClear))
                    .col(text(PersonAssessment::EmploymentNote))
                    .col(boolean(PersonAssessment::FamilyClear))
                    .col(text(PersonAssessment::FamilyNote))
                    .col(boolean(PersonAssessment::SocialClear))
                    .col(text(PersonAssessment::SocialNote))
                    .col(boolean(PersonAssessment::WhereaboutsClear))
                    .col(text(PersonAssessment::WhereaboutsNote))
                    .col(boolean(PersonAssessment::EmploymentStable))
                    .col(boolean(PersonAssessment::MindStable))
                    .col(uuid(PersonAssessment::RecordedByUserId))
                    .col(timestamp_with_time_zone(PersonAssessment::CreatedAt))
                    .foreign_key(&mut foreign_key(PersonAssessment::Table, PersonAssessment::PersonId, Person::Table))
                    .foreign_key(&mut foreign_key(
                        PersonAssessment::Table,
                        PersonAssessment::RecordedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonMeasure::Table)
                    .col(pk_uuid(PersonMeasure::Id))
                    .col(uuid(PersonMeasure::PersonId))
                    .col(enum_string(PersonMeasure::Kind))
                    .col(date(PersonMeasure::TakenOn))
                    .col(text(PersonMeasure::Note))
                    .col(uuid(PersonMeasure::RecordedByUserId))
                    .col(timestamp_with_time_zone(PersonMeasure::CreatedAt))
                    .foreign_key(&mut foreign_key(PersonMeasure::Table, PersonMeasure::PersonId, Person::Table))
                    .foreign_key(&mut foreign_key(
                        PersonMeasure::Table,
                        PersonMeasure::RecordedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonLevelChange::Table)
                    .col(pk_uuid(PersonLevelChange::Id))
                    .col(uuid(PersonLevelChange::PersonId))
                    .col(enum_string(PersonLevelChange::Kind))
                    .col(enum_string(PersonLevelChange::Status))
                    .col(enum_string_null(PersonLevelChange::FromLevel))
                    .col(enum_string_null(PersonLevelChange::ToLevel))
                    .col(text(PersonLevelChange::Reason))
                    .col(uuid_null(PersonLevelChange::RequestedByUserId))
                    .col(uuid_null(PersonLevelChange::RequestedByUnitId))
                    .col(uuid_null(PersonLevelChange::DecidedByUserId))
                    .col(uuid_null(PersonLevelChange::DecidedByUnitId))
                    .col(text_null(PersonLevelChange::DecisionComment))
                    .col(string_len_null(PersonLevelChange::ApprovingBody, 200))
                    .col(string_len_null(PersonLevelChange::DocumentNumber, 100))
                    .col(timestamp_with_time_zone_null(PersonLevelChange::DecidedAt))
                    .col(version(PersonLevelChange::Version))
                    .col(timestamp_with_time_zone(PersonLevelChange::CreatedAt))
                    .col(timestamp_with_time_zone(PersonLevelChange::UpdatedAt))
                    .foreign_key(&mut foreign_key(PersonLevelChange::Table, PersonLevelChange::PersonId, Person::Table))
                    .foreign_key(&mut foreign_key(
                        PersonLevelChange::Table,
                        PersonLevelChange::RequestedByUserId,
                        AppUser::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        PersonLevelChange::Table,
                        PersonLevelChange::RequestedByUnitId,
                        OrgUnit::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        PersonLevelChange::Table,
                        PersonLevelChange::DecidedByUserId,
                        AppUser::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        PersonLevelChange::Table,
                        PersonLevelChange::DecidedByUnitId,
                        OrgUnit::Table,
                    ))
                    .take(),
            )
            .await?;

        // Town-scoped queries use the unique and list-order indexes, whose first column is
        // `town_id`; a separate `town_id` index would add nothing.
        for statement in [
            unique_index(Person::Table, [Person::TownId, Person::IdNumber]),
            index(Person::Table, [Person::TownId, Person::Name, Person::Id]),
            index(Person::Table, [Person::TownId, Person::ListedAt, Person::Id]),
            index(Person::Table, [Person::VillageId]),
            index(Person::Table, [Person::AttentionLevel]),
            index(Person::Table, [Person::Status]),
            index(Person::Table, [Person::ResponsibleOfficerId]),
            index(PersonCategory::Table, [PersonCategory::Category, PersonCategory::PersonId]),
            unique_index(PersonJudicialTag::Table, [PersonJudicialTag::PersonId, PersonJudicialTag::Tag]),
            index(PersonJudicialTag::Table, [PersonJudicialTag::Tag]),
            index(PersonTalk::Table, [PersonTalk::PersonId]),
            index(PersonIncident::Table, [PersonIncident::PersonId]),
            index(PersonAssessment::Table, [PersonAssessment::PersonId]),
            index(PersonMeasure::Table, [PersonMeasure::PersonId]),
            index(PersonLevelChange::Table, [PersonLevelChange::PersonId]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PersonLevelChange::Table.into_iden(),
            PersonMeasure::Table.into_iden(),
            PersonAssessment::Table.into_iden(),
            PersonIncident::Table.into_iden(),
            PersonTalk::Table.into_iden(),
            PersonJudicialTag::Table.into_iden(),
            PersonCategory::Table.into_iden(),
            Person::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Person {
    Table,
    Id,
    TownId,
    VillageId,
    Name,
    Gender,
    BirthDate,
    IdNumber,
    Phone,
    Address,
    AttentionLevel,
    LevelSince,
    ResponsibleOfficerId,
    ListedAt,
    Status,
    Notes,
    CreatedByUnitId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PersonCategory {
    Table,
    PersonId,
    Category,
}

#[derive(DeriveIden)]
enum PersonJudicialTag {
    Table,
    Id,
    PersonId,
    Tag,
    ReleaseDate,
    CorrectionEndDate,
    AddedByUnitId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonTalk {
    Table,
    Id,
    PersonId,
    TalkedOn,
    OfficerId,
    Kind,
    Summary,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonIncident {
    Table,
    Id,
    PersonId,
    OccurredOn,
    Kind,
    Summary,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonAssessment {
    Table,
    Id,
    PersonId,
    AssessedOn,
    ThoughtClear,
    ThoughtNote,
    EmploymentClear,
    EmploymentNote,
    FamilyClear,
    FamilyNote,
    SocialClear,
    SocialNote,
    WhereaboutsClear,
    WhereaboutsNote,
    EmploymentStable,
    MindStable,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonMeasure {
    Table,
    Id,
    PersonId,
    Kind,
    TakenOn,
    Note,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonLevelChange {
    Table,
    Id,
    PersonId,
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
