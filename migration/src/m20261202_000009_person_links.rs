//! Provisional person records (issue 12, finding 3): the judicial office listing a person the town
//! already holds in a dossier it may not read gets a record of its own, which points at that
//! dossier through `person.link_of_person_id` until the police station decides on the link.
//!
//! The national ID number stays unique per town among dossiers only (`link_of_person_id IS NULL`):
//! a provisional record repeats its dossier's number. A dossier has at most one provisional
//! record: the judicial office reads its own and is given it back when it lists the number again.
//!
//! The column has no foreign key: SQLite cannot drop a column a foreign key uses, and `down`
//! must undo `up` on both backends. A dossier is never deleted, so the pointer cannot dangle.

use crate::common::unique_index;
use crate::m20261130_000002_persons::Person;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::{prelude::*, schema::*};

/// The unique index of migration 000002 (the name `common::unique_index` gives).
const UNIQUE_NUMBER: &str = "uq_person_town_id_id_number";
/// The same columns, unique among dossiers only.
const UNIQUE_DOSSIER_NUMBER: &str = "uq_person_town_id_id_number_dossier";
/// One provisional record per dossier (the name `common::unique_index` gives).
const UNIQUE_LINK: &str = "uq_person_link_of_person_id";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Person::Table).add_column(uuid_null(Link::LinkOfPersonId)).take())
            .await?;
        manager.create_index(unique_index(Person::Table, [Link::LinkOfPersonId])).await?;
        manager.drop_index(Index::drop().name(UNIQUE_NUMBER).table(Person::Table).to_owned()).await?;
        // A partial index: `CREATE UNIQUE INDEX … WHERE link_of_person_id IS NULL`, the same SQL
        // on SQLite and PostgreSQL.
        manager
            .create_index(
                Index::create()
                    .name(UNIQUE_DOSSIER_NUMBER)
                    .table(Person::Table)
                    .col(Person::TownId)
                    .col(Person::IdNumber)
                    .unique()
                    .and_where(Expr::col(Link::LinkOfPersonId).is_null())
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Provisional records repeat their dossier's number, so the old index cannot come back
        // while one exists; they are the judicial office's records, and `down` does not delete
        // them: decide their links first.
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let count = "SELECT COUNT(*) AS n FROM person WHERE link_of_person_id IS NOT NULL";
        let row = db.query_one_raw(Statement::from_string(backend, count)).await?;
        let provisional: i64 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        if provisional > 0 {
            return Err(DbErr::Migration(format!(
                "{provisional} provisional person records wait for a link decision; decide them before reverting"
            )));
        }
        manager.drop_index(Index::drop().name(UNIQUE_DOSSIER_NUMBER).table(Person::Table).to_owned()).await?;
        manager.create_index(unique_index(Person::Table, [Person::TownId, Person::IdNumber])).await?;
        manager.drop_index(Index::drop().name(UNIQUE_LINK).table(Person::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Person::Table).drop_column(Link::LinkOfPersonId).take()).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Link {
    LinkOfPersonId,
}
