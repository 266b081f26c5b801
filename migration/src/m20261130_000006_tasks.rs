//! Supervision tasks (督办任务) and their threads.

use crate::common::{enum_string, enum_string_null, foreign_key, index, unique_index, version};
use crate::m20261130_000001_organisation::{AppUser, OrgUnit, Town};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `target_id` has no foreign key: it points at a person, venue, lead or risk item
        // according to `target_type`.
        manager
            .create_table(
                Table::create()
                    .table(Task::Table)
                    .col(pk_uuid(Task::Id))
                    .col(uuid(Task::TownId))
                    .col(string_len(Task::Title, 200))
                    .col(text_null(Task::Description))
                    .col(enum_string(Task::Kind))
                    .col(enum_string_null(Task::TargetType))
                    .col(uuid_null(Task::TargetId))
                    .col(uuid(Task::AssigneeUnitId))
                    .col(uuid_null(Task::AssigneeUserId))
                    .col(uuid(Task::CreatingUnitId))
                    .col(uuid_null(Task::CreatedByUserId))
                    .col(timestamp_with_time_zone(Task::DueAt))
                    .col(boolean(Task::Listed))
                    .col(enum_string(Task::Status))
                    .col(string_len_null(Task::RuleKey, 200))
                    .col(version(Task::Version))
                    .col(timestamp_with_time_zone(Task::CreatedAt))
                    .col(timestamp_with_time_zone(Task::UpdatedAt))
                    .foreign_key(&mut foreign_key(Task::Table, Task::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(Task::Table, Task::AssigneeUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(Task::Table, Task::AssigneeUserId, AppUser::Table))
                    .foreign_key(&mut foreign_key(Task::Table, Task::CreatingUnitId, OrgUnit::Table))
                    .foreign_key(&mut foreign_key(Task::Table, Task::CreatedByUserId, AppUser::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TaskEvent::Table)
                    .col(pk_uuid(TaskEvent::Id))
                    .col(uuid(TaskEvent::TaskId))
                    .col(enum_string(TaskEvent::Kind))
                    .col(uuid_null(TaskEvent::ActorUserId))
                    .col(uuid_null(TaskEvent::ActorUnitId))
                    .col(text_null(TaskEvent::Body))
                    .col(timestamp_with_time_zone(TaskEvent::CreatedAt))
                    .foreign_key(&mut foreign_key(TaskEvent::Table, TaskEvent::TaskId, Task::Table))
                    .foreign_key(&mut foreign_key(TaskEvent::Table, TaskEvent::ActorUserId, AppUser::Table))
                    .foreign_key(&mut foreign_key(TaskEvent::Table, TaskEvent::ActorUnitId, OrgUnit::Table))
                    .take(),
            )
            .await?;

        // `rule_key` is set only while a rule-raised task is open, and both backends allow many
        // NULLs in a unique index: so this is "one open task per rule and target".
        // Lookups by assignee unit alone use the (assignee_unit_id, status, due_at) index.
        for statement in [
            unique_index(Task::Table, [Task::RuleKey]),
            index(Task::Table, [Task::TownId]),
            index(Task::Table, [Task::AssigneeUnitId, Task::Status, Task::DueAt]),
            index(Task::Table, [Task::CreatingUnitId]),
            index(Task::Table, [Task::TargetType, Task::TargetId]),
            index(Task::Table, [Task::Status]),
            index(Task::Table, [Task::DueAt]),
            index(TaskEvent::Table, [TaskEvent::TaskId]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [TaskEvent::Table.into_iden(), Task::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Task {
    Table,
    Id,
    TownId,
    Title,
    Description,
    Kind,
    TargetType,
    TargetId,
    AssigneeUnitId,
    AssigneeUserId,
    CreatingUnitId,
    CreatedByUserId,
    DueAt,
    Listed,
    Status,
    RuleKey,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TaskEvent {
    Table,
    Id,
    TaskId,
    Kind,
    ActorUserId,
    ActorUnitId,
    Body,
    CreatedAt,
}
