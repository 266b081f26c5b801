//! The discipline commission reads the umbrella leads of its town (its scope) in the leads'
//! default order, by receipt: an index on exactly that scope and order, so its first page reads
//! its 50 rows instead of sorting every umbrella lead of the town.

use crate::common::index;
use sea_orm_migration::prelude::*;

/// The name `common::index` gives it.
const NAME: &str = "idx_lead_town_id_umbrella_received_at_id";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index(Lead::Table, [Lead::TownId, Lead::Umbrella, Lead::ReceivedAt, Lead::Id])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table(Lead::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Lead {
    Table,
    TownId,
    Umbrella,
    ReceivedAt,
    Id,
}
