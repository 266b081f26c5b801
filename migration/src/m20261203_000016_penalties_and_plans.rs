//! Venue penalties, village-board publications of person penalties, and the emergency plans
//! of high risk items (issue 15, items 6, 7 and 8).
//!
//! - `venue_penalty`: an administrative penalty of a venue (seed 000 "被处罚的…列为特别关注场所");
//!   it counts like an incident in the six-months-clean rule.
//! - `board_publication`: a person's penalty as the village board shows it (seed 000 "在村公开栏
//!   进行公开"), in the person's own `board` field group: the village reads it with the name.
//! - `risk_plan_revision`: every save of a risk item's emergency plan (seed 004 "一事一案 … 应急处置
//!   预案", "明确包案单位和领导"), numbered per item; the newest is the plan in force.
//! - `risk_drill` and `risk_weekly_update`: drills of a plan and the town's weekly update of each
//!   open item (seed 004 "定期组织演练", "每周调整更新").
//! - indexes for the step-down queue (pending level changes) and each new list's order.

use crate::common::{foreign_key, index, unique_index};
use crate::m20261130_000001_organisation::{AppUser, OrgUnit};
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
                    .table(VenuePenalty::Table)
                    .col(pk_uuid(VenuePenalty::Id))
                    .col(uuid(VenuePenalty::VenueId))
                    .col(date(VenuePenalty::PenalisedOn))
                    .col(string_len(VenuePenalty::Authority, 200))
                    .col(text(VenuePenalty::Penalty))
                    .col(string_len_null(VenuePenalty::DecisionNumber, 100))
                    .col(uuid(VenuePenalty::RecordedByUserId))
                    .col(timestamp_with_time_zone(VenuePenalty::CreatedAt))
                    .foreign_key(&mut foreign_key(VenuePenalty::Table, VenuePenalty::VenueId, Venue::Table))
                    .foreign_key(&mut foreign_key(VenuePenalty::Table, VenuePenalty::RecordedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BoardPublication::Table)
                    .col(pk_uuid(BoardPublication::Id))
                    .col(uuid(BoardPublication::PersonId))
                    .col(text(BoardPublication::Penalty))
                    .col(date(BoardPublication::PenalisedOn))
                    .col(uuid(BoardPublication::RecordedByUserId))
                    .col(timestamp_with_time_zone(BoardPublication::CreatedAt))
                    .foreign_key(&mut foreign_key(BoardPublication::Table, BoardPublication::PersonId, Person::Table))
                    .foreign_key(&mut foreign_key(
                        BoardPublication::Table,
                        BoardPublication::RecordedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskPlanRevision::Table)
                    .col(pk_uuid(RiskPlanRevision::Id))
                    .col(uuid(RiskPlanRevision::RiskItemId))
                    .col(integer(RiskPlanRevision::Revision))
                    .col(text(RiskPlanRevision::TriggerCriteria))
                    .col(text(RiskPlanRevision::ReleaseCriteria))
                    .col(text(RiskPlanRevision::Command))
                    .col(text(RiskPlanRevision::Duties))
                    .col(text(RiskPlanRevision::Measures))
                    .col(text(RiskPlanRevision::Supplies))
                    .col(string_len(RiskPlanRevision::LeadOfficial, 200))
                    .col(uuid(RiskPlanRevision::LeadUnitId))
                    .col(uuid(RiskPlanRevision::SavedByUserId))
                    .col(timestamp_with_time_zone(RiskPlanRevision::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        RiskPlanRevision::Table,
                        RiskPlanRevision::RiskItemId,
                        RiskItem::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        RiskPlanRevision::Table,
                        RiskPlanRevision::LeadUnitId,
                        OrgUnit::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        RiskPlanRevision::Table,
                        RiskPlanRevision::SavedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskDrill::Table)
                    .col(pk_uuid(RiskDrill::Id))
                    .col(uuid(RiskDrill::RiskItemId))
                    .col(date(RiskDrill::HeldOn))
                    .col(text(RiskDrill::Summary))
                    .col(uuid(RiskDrill::RecordedByUserId))
                    .col(timestamp_with_time_zone(RiskDrill::CreatedAt))
                    .foreign_key(&mut foreign_key(RiskDrill::Table, RiskDrill::RiskItemId, RiskItem::Table))
                    .foreign_key(&mut foreign_key(RiskDrill::Table, RiskDrill::RecordedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskWeeklyUpdate::Table)
                    .col(pk_uuid(RiskWeeklyUpdate::Id))
                    .col(uuid(RiskWeeklyUpdate::RiskItemId))
                    .col(date(RiskWeeklyUpdate::UpdatedOn))
                    .col(text(RiskWeeklyUpdate::Summary))
                    .col(uuid(RiskWeeklyUpdate::RecordedByUserId))
                    .col(timestamp_with_time_zone(RiskWeeklyUpdate::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        RiskWeeklyUpdate::Table,
                        RiskWeeklyUpdate::RiskItemId,
                        RiskItem::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        RiskWeeklyUpdate::Table,
                        RiskWeeklyUpdate::RecordedByUserId,
                        AppUser::Table,
                    ))
                    .take(),
            )
            .await?;
        for statement in [
            index(VenuePenalty::Table, [VenuePenalty::VenueId, VenuePenalty::PenalisedOn]),
            index(BoardPublication::Table, [BoardPublication::PersonId, BoardPublication::PenalisedOn]),
            unique_index(RiskPlanRevision::Table, [RiskPlanRevision::RiskItemId, RiskPlanRevision::Revision]),
            index(RiskDrill::Table, [RiskDrill::RiskItemId, RiskDrill::HeldOn]),
            index(RiskWeeklyUpdate::Table, [RiskWeeklyUpdate::RiskItemId, RiskWeeklyUpdate::UpdatedOn]),
            // The step-down queue and its review tasks: pending requests by status.
            index(LevelHistory::PersonLevelChange, [LevelHistory::Status, LevelHistory::PersonId]),
            index(LevelHistory::VenueLevelChange, [LevelHistory::Status, LevelHistory::VenueId]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            (LevelHistory::VenueLevelChange.into_iden(), "idx_venue_level_change_status_venue_id"),
            (LevelHistory::PersonLevelChange.into_iden(), "idx_person_level_change_status_person_id"),
        ] {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        for table in [
            RiskWeeklyUpdate::Table.into_iden(),
            RiskDrill::Table.into_iden(),
            RiskPlanRevision::Table.into_iden(),
            BoardPublication::Table.into_iden(),
            VenuePenalty::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum VenuePenalty {
    Table,
    Id,
    VenueId,
    PenalisedOn,
    Authority,
    Penalty,
    DecisionNumber,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BoardPublication {
    Table,
    Id,
    PersonId,
    Penalty,
    PenalisedOn,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RiskPlanRevision {
    Table,
    Id,
    RiskItemId,
    Revision,
    TriggerCriteria,
    ReleaseCriteria,
    Command,
    Duties,
    Measures,
    Supplies,
    LeadOfficial,
    LeadUnitId,
    SavedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RiskDrill {
    Table,
    Id,
    RiskItemId,
    HeldOn,
    Summary,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RiskWeeklyUpdate {
    Table,
    Id,
    RiskItemId,
    UpdatedOn,
    Summary,
    RecordedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LevelHistory {
    PersonLevelChange,
    VenueLevelChange,
    Status,
    PersonId,
    VenueId,
}

#[derive(DeriveIden)]
enum RiskItem {
    Table,
}
