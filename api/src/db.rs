//! Connecting to the database and running migrations.

use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a SQLite writer waits for its turn (and for another process's write lock) before its
/// request fails as unavailable.
const SQLITE_WRITE_WAIT: Duration = Duration::from_secs(30);

/// How long a statement waits for a pooled connection (or a new one) by default.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a pooled connection may sit idle before it is checked again before use.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(5);

/// [`connect_with`] the default acquire timeout.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, ACQUIRE_TIMEOUT).await
}

/// Opens a connection pool. SQLite files are created on first use (`?mode=rwc`), and SQLite gets
/// foreign keys enforced and WAL journaling so readers do not block the writer. A statement that
/// gets no connection within `acquire` fails (the database is down or overloaded): the request
/// is answered `UNAVAILABLE` in seconds instead of hanging.
pub async fn connect_with(url: &str, acquire: Duration) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).acquire_timeout(acquire).connect_timeout(acquire);
    // A pooled connection is checked with a round trip only when it sat idle long enough to
    // have been dropped (a restarted database, a proxy's idle cut). Checking on every checkout
    // doubled the round trips of every statement: under load a connection is back in use within
    // milliseconds. A connection that died younger fails its statement, which is answered
    // `UNAVAILABLE` with `Retry-After`, and the pool replaces it.
    options.test_before_acquire_if_idle_for(IDLE_BEFORE_CHECK);
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's rule; a small pool avoids lock convoys. A writer of
        // another process (`pingan import` on the same file) is waited for, not failed.
        options.max_connections(8).min_connections(1);
        options.map_sqlx_sqlite_opts(|sqlite| sqlite.busy_timeout(SQLITE_WRITE_WAIT));
    } else {
        options.max_connections(20).min_connections(1);
        // PostgreSQL's JIT compiles a plan whose estimated cost is high, such as the monthly
        // report's per-record duty checks, and the compiling took longer than the query (0.6 s
        // of a report at 100 000 persons). Short ledger queries never gain from it.
        // A page read at random costs little more than one read in order on the solid-state
        // storage a town's server has (PostgreSQL's advice for it is 1.1). At the default, 4, the
        // planner read the dashboard's kept lead months by scanning the whole table, every
        // month of every year, rather than the year's keys from their index (0.8 ms against
        // 0.2 ms at a million persons).
        options.map_sqlx_postgres_opts(|pg| pg.options([("jit", "off"), ("random_page_cost", "1.1")]));
    }
    // The URL's `sslmode` is enforced as given (rustls): `require` and `verify-full` fail here,
    // at start, against a server without TLS or with a certificate that does not verify.
    let db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", crate::config::redact_url(url)))?;
    if url.starts_with("sqlite:") {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Ok(db)
}

/// The turn of one writer on SQLite, held until its transaction ends (drop it after commit).
pub struct WriteTurn(#[allow(dead_code)] Option<SemaphorePermit<'static>>);

/// Begins a write transaction: every transaction that may write starts here.
///
/// SQLite has one writer at a time, and a transaction that reads before it writes cannot take
/// the write lock once another writer has committed since its read ("database is locked", which
/// no busy timeout cures). So on SQLite writers queue, first come first served, for a turn
/// before they take a connection from the pool (a queued writer holds none), and each begins
/// `IMMEDIATE`, taking the write lock up front. PostgreSQL writers run side by side.
pub async fn write(db: &DatabaseConnection) -> Result<(DatabaseTransaction, WriteTurn), DbErr> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok((db.begin().await?, WriteTurn(None)));
    }
    // One queue for the process: its SQLite files are written by it alone (tests open several,
    // and their writes are short).
    static TURNS: Semaphore = Semaphore::const_new(1);
    let turn = tokio::time::timeout(SQLITE_WRITE_WAIT, TURNS.acquire())
        .await
        .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
        .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    Ok((db.begin_with_options(options).await?, WriteTurn(Some(turn))))
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
