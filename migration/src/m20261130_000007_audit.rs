//! The audit log. Viewer fields are plain copies so a reader needs no access to users; object
//! fields are a type and an id only.

use crate::common::{enum_string, foreign_key, index};
use crate::m20261130_000001_organisation::{AppUser, Town};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid(AuditLog::TownId))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .col(uuid_null(AuditLog::UserId))
                    .col(string_len(AuditLog::Username, 100))
                    .col(string_len(AuditLog::UnitName, 200))
                    .col(string_len(AuditLog::Action, 100))
                    .col(string_len(AuditLog::ObjectType, 100))
                    .col(uuid_null(AuditLog::ObjectId))
                    .col(string_len(AuditLog::FieldGroups, 200))
                    .col(string_len(AuditLog::RequestId, 100))
                    .col(enum_string(AuditLog::Outcome))
                    .col(enum_string(AuditLog::Category))
                    .foreign_key(&mut foreign_key(AuditLog::Table, AuditLog::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(AuditLog::Table, AuditLog::UserId, AppUser::Table))
                    .take(),
            )
            .await?;

        // Town-scoped reads use (town_id, created_at), the order they list in.
        for statement in [
            index(AuditLog::Table, [AuditLog::TownId, AuditLog::CreatedAt]),
            index(AuditLog::Table, [AuditLog::ObjectId]),
            index(AuditLog::Table, [AuditLog::UserId]),
            index(AuditLog::Table, [AuditLog::Category]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).take()).await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TownId,
    CreatedAt,
    UserId,
    Username,
    UnitName,
    Action,
    ObjectType,
    ObjectId,
    FieldGroups,
    RequestId,
    Outcome,
    Category,
}
