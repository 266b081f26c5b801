//! Connecting to the database and running migrations.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Opens a connection pool. SQLite files are created on first use (`?mode=rwc`), and SQLite gets
/// foreign keys enforced and WAL journaling so readers do not block the writer.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's rule; a small pool avoids lock convoys.
        options.max_connections(8).min_connections(1);
    } else {
        options.max_connections(20).min_connections(1);
        // PostgreSQL's JIT compiles a plan whose estimated cost is high, such as the monthly
        // report's per-record duty checks, and the compiling took longer than the query (0.6 s
        // of a report at 100 000 persons). Short ledger queries never gain from it.
        options.map_sqlx_postgres_opts(|pg| pg.options([("jit", "off")]));
    }
    let db = Database::connect(options).await?;
    if url.starts_with("sqlite:") {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// True when every migration has been applied.
pub async fn migrations_current(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}
