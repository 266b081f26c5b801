//! Towns, villages, org units, users, sessions and refresh tokens.

use crate::common::{enum_string, foreign_key, index, unique_index, version};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create().table(Town::Table).col(pk_uuid(Town::Id)).col(string_len_uniq(Town::Name, 200)).take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Village::Table)
                    .col(pk_uuid(Village::Id))
                    .col(uuid(Village::TownId))
                    .col(string_len(Village::Name, 200))
                    .foreign_key(&mut foreign_key(Village::Table, Village::TownId, Town::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrgUnit::Table)
                    .col(pk_uuid(OrgUnit::Id))
                    .col(uuid(OrgUnit::TownId))
                    .col(string_len(OrgUnit::Name, 200))
                    .col(enum_string(OrgUnit::Kind))
                    .col(uuid_null(OrgUnit::VillageId))
                    .foreign_key(&mut foreign_key(OrgUnit::Table, OrgUnit::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(OrgUnit::Table, OrgUnit::VillageId, Village::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(pk_uuid(AppUser::Id))
                    .col(uuid(AppUser::TownId))
                    .col(uuid(AppUser::OrgUnitId))
                    .col(string_len_uniq(AppUser::Username, 100))
                    .col(string_len(AppUser::DisplayName, 200))
                    .col(enum_string(AppUser::Role))
                    .col(string_len(AppUser::PasswordHash, 255))
                    .col(boolean(AppUser::Active))
                    .col(version(AppUser::Version))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(timestamp_with_time_zone(AppUser::UpdatedAt))
                    .foreign_key(&mut foreign_key(AppUser::Table, AppUser::TownId, Town::Table))
                    .foreign_key(&mut foreign_key(AppUser::Table, AppUser::OrgUnitId, OrgUnit::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(pk_uuid(Session::Id))
                    .col(uuid(Session::UserId))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Session::RevokedAt))
                    .col(timestamp_with_time_zone(Session::LastSeenAt))
                    .foreign_key(&mut foreign_key(Session::Table, Session::UserId, AppUser::Table))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshToken::Table)
                    .col(pk_uuid(RefreshToken::Id))
                    .col(uuid(RefreshToken::SessionId))
                    .col(string_len_uniq(RefreshToken::TokenHash, 128))
                    .col(timestamp_with_time_zone(RefreshToken::CreatedAt))
                    .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::UsedAt))
                    .foreign_key(&mut foreign_key(RefreshToken::Table, RefreshToken::SessionId, Session::Table))
                    .take(),
            )
            .await?;

        // Town-scoped lookups use the unique indexes, whose first column is `town_id`.
        for statement in [
            unique_index(Village::Table, [Village::TownId, Village::Name]),
            unique_index(OrgUnit::Table, [OrgUnit::TownId, OrgUnit::Name]),
            index(OrgUnit::Table, [OrgUnit::VillageId]),
            index(AppUser::Table, [AppUser::TownId]),
            index(AppUser::Table, [AppUser::OrgUnitId]),
            index(Session::Table, [Session::UserId]),
            index(RefreshToken::Table, [RefreshToken::SessionId]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RefreshToken::Table.into_iden(),
            Session::Table.into_iden(),
            AppUser::Table.into_iden(),
            OrgUnit::Table.into_iden(),
            Village::Table.into_iden(),
            Town::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Town {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
pub enum Village {
    Table,
    Id,
    TownId,
    Name,
}

#[derive(DeriveIden)]
pub enum OrgUnit {
    Table,
    Id,
    TownId,
    Name,
    Kind,
    VillageId,
}

#[derive(DeriveIden)]
pub enum AppUser {
    Table,
    Id,
    TownId,
    OrgUnitId,
    Username,
    DisplayName,
    Role,
    PasswordHash,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum RefreshToken {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
