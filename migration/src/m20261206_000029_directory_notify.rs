//! Every change to the villages or the users is announced on PostgreSQL's `pingan_directory`
//! channel, by a trigger, so every server forgets the names it keeps of them (`directory` in
//! the api crate), whoever made the change: a server, the command line, or an administrator's
//! own SQL. The announcement goes out when the change commits, and never for a rolled-back one.
//! SQLite has no channel; a server on SQLite keeps no names.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The channel, as the api crate listens on it.
pub const CHANNEL: &str = "pingan_directory";
/// The tables whose rows the kept names come from.
const TABLES: [&str; 2] = ["village", "app_user"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE FUNCTION pingan_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
        ))
        .await?;
        for table in TABLES {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_directory AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION pingan_directory_changed()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in TABLES {
            db.execute_unprepared(&format!("DROP TRIGGER {table}_directory ON {table}")).await?;
        }
        db.execute_unprepared("DROP FUNCTION pingan_directory_changed()").await?;
        Ok(())
    }
}
