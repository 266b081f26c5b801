//! Failed-login counters per (username, client address) pair, in the database so that every
//! replica on one database counts the same attempts (`api/src/auth/throttle.rs`).

use crate::common::index;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    // The SHA-256 (hex) of the pair: bounded whatever a caller types as a username,
                    // and no typed usernames (often a password) kept in clear.
                    .col(string_len(LoginThrottle::Key, 64).primary_key())
                    .col(integer(LoginThrottle::Failures))
                    .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                    .col(timestamp_with_time_zone(LoginThrottle::UpdatedAt))
                    .take(),
            )
            .await?;
        // Pruning finds the quiet pairs by their last attempt.
        manager.create_index(index(LoginThrottle::Table, [LoginThrottle::UpdatedAt])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LoginThrottle::Table).take()).await
    }
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    LockedUntil,
    UpdatedAt,
}
