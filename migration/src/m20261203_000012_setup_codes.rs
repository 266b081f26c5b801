//! One-time setup codes: a user created by an administrator (or by `pingan town init`), or whose
//! password was reset, has no password until they redeem the code and choose one. The code is
//! shown once; only its SHA-256 is kept, with the instant it expires.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter().table(AppUser::Table).add_column(string_len_null(AppUser::SetupCodeHash, 64)).take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AppUser::Table)
                    .add_column(timestamp_with_time_zone_null(AppUser::SetupCodeExpiresAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(AppUser::Table).drop_column(AppUser::SetupCodeExpiresAt).take())
            .await?;
        manager.alter_table(Table::alter().table(AppUser::Table).drop_column(AppUser::SetupCodeHash).take()).await
    }
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    SetupCodeHash,
    SetupCodeExpiresAt,
}
