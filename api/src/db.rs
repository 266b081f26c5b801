//! Connecting to the database and running migrations.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Values;
use sea_orm::sqlx::{self, Connection as _, PgConnection, Postgres};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, ExecResult, QueryResult, RuntimeErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard, Semaphore, SemaphorePermit};

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

/// One connection for a run of reads that follow each other: a page and its relations.
///
/// Every statement run on the pool takes a connection and gives it back, and the pool checks a
/// connection it is given back with a round trip to the database (sqlx pings it on release,
/// whatever the options say). A page of persons with their talks and names was three statements,
/// so six round trips. A checkout takes one connection at its first statement and runs every
/// statement on it; when it is dropped, at the end of the resolver that read the page, the
/// connection is kept for the next checkout, not given back to the pool, so it costs no check: a
/// page of persons with their talks is two round trips.
///
/// The checkouts' connections are taken out of the pool for good (`PoolConnection::detach`) and
/// kept by [`Checkouts`]: at most their share, fewer than half the pool's size, are held or kept
/// at once (a checkout that finds the share taken reads through the pool, statement by
/// statement), so the database sees at most the pool's size plus that share. A kept connection is
/// checked with a round trip before use only when it sat idle long enough to have been dropped, as
/// the pool checks its own ([`IDLE_BEFORE_CHECK`]); it is closed when it sat idle for
/// [`KEPT_IDLE`] or was taken [`KEPT_LIFETIME`] ago. A connection whose statement was abandoned
/// midway (the request was cancelled) keeps its place in the share until its answer has come and
/// been read, as the pool waits for it before reusing a connection, and is kept then (closed when
/// the answer takes longer than [`DRAIN_WAIT`]). One that failed as an outage does
/// ([`crate::error::is_outage`]) is dropped; the checkout's later statements run on the pool.
/// SQLite's statements always run on the pool: its connections are in the process and checking
/// them costs no round trip.
pub struct Checkout<'a> {
    db: &'a DatabaseConnection,
    checkouts: &'a Checkouts,
    pinned: Mutex<Pinned>,
}

/// How long the checkouts keep a connection after they took it from the pool (the pool's own
/// default lifetime): a database's per-connection memory does not grow without bound.
const KEPT_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How long a kept connection may sit unused before it is closed (the pool's default).
const KEPT_IDLE: Duration = Duration::from_secs(10 * 60);

/// How long the answer of an abandoned statement is waited for before its connection is closed.
const DRAIN_WAIT: Duration = Duration::from_secs(30);

/// A pool's checkouts: the connections they hold and keep, the statements they ran on them, and
/// the counter of the pool's statements (`AppState::statements`), which counts theirs too.
pub struct Checkouts {
    held: Arc<AtomicU32>,
    on_held: AtomicU64,
    statements: Arc<AtomicU64>,
    kept: Arc<std::sync::Mutex<Vec<Kept>>>,
}

/// A connection of the checkouts, out of the pool.
struct Kept {
    conn: PgConnection,
    opened: Instant,
    used: Instant,
}

impl Kept {
    /// Whether the connection is to be closed rather than kept.
    fn stale(&self) -> bool {
        self.opened.elapsed() >= KEPT_LIFETIME || self.used.elapsed() >= KEPT_IDLE
    }

    /// Closes the connection politely, in a task of its own.
    fn close(self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), self.conn.close()).await;
            });
        }
    }
}

impl Checkouts {
    /// The checkouts of a pool whose statements `statements` counts.
    pub fn new(statements: Arc<AtomicU64>) -> Self {
        Checkouts { held: Arc::default(), on_held: AtomicU64::new(0), statements, kept: Arc::default() }
    }

    /// How many connections checkouts hold now.
    pub fn held(&self) -> u32 {
        self.held.load(Ordering::Acquire)
    }

    /// How many connections the checkouts keep for the next ones, now.
    pub fn kept(&self) -> usize {
        crate::lock(&self.kept).len()
    }

    /// How many statements checkouts ran on the connections they held, since start.
    pub fn statements_on_held(&self) -> u64 {
        self.on_held.load(Ordering::Relaxed)
    }

    /// The most connections checkouts may hold of a pool of `max`: less than half, the
    /// replicas' listener keeping one.
    pub fn most(max: u32) -> u32 {
        max.saturating_sub(1) / 2
    }

    /// A kept connection, checked when it sat idle (dropped when it fails the check or does not
    /// answer it in time), or else one taken out of the pool.
    async fn take(&self, pool: &sqlx::PgPool) -> Result<Kept, DbErr> {
        loop {
            let last = crate::lock(&self.kept).pop();
            let Some(mut kept) = last else {
                let conn = pool.acquire().await.map_err(acquire_error)?.detach();
                let now = Instant::now();
                return Ok(Kept { conn, opened: now, used: now });
            };
            if kept.stale() {
                kept.close();
                continue;
            }
            if kept.used.elapsed() >= IDLE_BEFORE_CHECK
                && !matches!(tokio::time::timeout(ACQUIRE_TIMEOUT, kept.conn.ping()).await, Ok(Ok(())))
            {
                continue;
            }
            return Ok(kept);
        }
    }
}

/// Keeps a connection in the checkouts' `list` for the next checkout, and closes those kept too
/// long.
fn keep(list: &std::sync::Mutex<Vec<Kept>>, mut kept: Kept) {
    kept.used = Instant::now();
    let mut list = crate::lock(list);
    list.push(kept);
    let stale: Vec<Kept> = list.extract_if(.., |kept| kept.stale()).collect();
    drop(list);
    for kept in stale {
        kept.close();
    }
}

enum Pinned {
    /// No statement yet.
    Not,
    /// The connection, and its place among those checkouts hold.
    Held { held: Held, place: Share },
    /// Through the pool: SQLite, or the checkouts' share already held.
    Pool,
}

/// A checkout's connection.
struct Held {
    kept: Kept,
    /// Set while a statement runs: a checkout dropped meanwhile leaves its connection midway
    /// through the statement's answer, and closes it.
    running: bool,
}

/// A checkout's place among the connections the pool's checkouts hold (fewer than half the
/// pool); given up when dropped, also when the checkout is dropped while it waits for its
/// connection.
struct Share(Arc<AtomicU32>);

impl Share {
    /// A place, when fewer than `most` are taken.
    fn take(held: &Arc<AtomicU32>, most: u32) -> Option<Self> {
        held.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < most).then_some(n + 1)).ok()?;
        Some(Share(held.clone()))
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<'a> Checkout<'a> {
    /// A checkout of `db`, one of `checkouts`; no connection is taken before the first statement.
    pub fn of(db: &'a DatabaseConnection, checkouts: &'a Checkouts) -> Self {
        Checkout { db, checkouts, pinned: Mutex::new(Pinned::Not) }
    }

    /// The checked-out connection, taken now if this is the first statement; `None` to run the
    /// statement on the pool.
    async fn pinned(&self) -> Result<Option<MappedMutexGuard<'_, Held>>, DbErr> {
        let mut pinned = self.pinned.lock().await;
        if let Pinned::Not = *pinned {
            *pinned = Pinned::Pool;
            if self.db.get_database_backend() == DatabaseBackend::Postgres {
                let pool = self.db.get_postgres_connection_pool();
                let most = Checkouts::most(pool.options().get_max_connections());
                if let Some(place) = Share::take(&self.checkouts.held, most) {
                    let kept = self.checkouts.take(pool).await?;
                    *pinned = Pinned::Held { held: Held { kept, running: false }, place };
                }
            }
        }
        Ok(MutexGuard::try_map(pinned, |pinned| match pinned {
            Pinned::Held { held, .. } => Some(held),
            _ => None,
        })
        .ok())
    }
}

impl Drop for Checkout<'_> {
    /// The connection is kept for the next checkout; one a statement was abandoned on first has
    /// its answer read, in a task of its own that keeps its place meanwhile.
    fn drop(&mut self) {
        let Pinned::Held { held, place } = std::mem::replace(self.pinned.get_mut(), Pinned::Pool) else { return };
        if !held.running {
            return keep(&self.checkouts.kept, held.kept);
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let list = self.checkouts.kept.clone();
        runtime.spawn(async move {
            let mut kept = held.kept;
            // The check waits for the abandoned answer and reads it, as the pool's check does.
            match tokio::time::timeout(DRAIN_WAIT, kept.conn.ping()).await {
                Ok(Ok(())) => keep(&list, kept),
                Ok(Err(_)) => {}
                Err(_) => kept.close(),
            }
            drop(place);
        });
    }
}

impl Checkout<'_> {
    /// A statement run on the held connection: counted and traced as the pool's metric callback
    /// does the others (`App::build`), and its outcome named as sea-orm names it. The connection
    /// is given up when the statement failed as an outage does (it may be dead; the pool checks
    /// it and replaces it).
    async fn finished<T>(
        &self,
        stmt: &Statement,
        started: Instant,
        result: Result<T, sqlx::Error>,
    ) -> Result<T, DbErr> {
        self.checkouts.statements.fetch_add(1, Ordering::Relaxed);
        self.checkouts.on_held.fetch_add(1, Ordering::Relaxed);
        trace_statement(started.elapsed(), result.is_err(), stmt);
        let err = match result {
            Ok(value) => return Ok(value),
            Err(err) => query_error(err),
        };
        if crate::error::is_outage(&err) {
            *self.pinned.lock().await = Pinned::Pool;
        }
        Err(err)
    }
}

/// Traces a statement (target `pingan::sql`), for the pool's metric callback and a checkout's.
pub fn trace_statement(elapsed: Duration, failed: bool, stmt: &Statement) {
    tracing::trace!(target: "pingan::sql", ?elapsed, failed, sql = %stmt.sql);
}

/// A statement as sea-orm binds it for sqlx.
fn bound(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt.values.clone().unwrap_or(Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

/// A failed statement, as sea-orm names it.
fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))
}

/// A pool's refusal, as sea-orm names it.
fn acquire_error(err: sqlx::Error) -> DbErr {
    match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        err => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err))),
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Checkout<'_> {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Writes are not a checkout's: they run in their transaction ([`write`]).
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let Some(mut held) = self.pinned().await? else { return self.db.query_one_raw(stmt).await };
        let started = Instant::now();
        held.running = true;
        let row = bound(&stmt).fetch_optional(&mut held.kept.conn).await;
        held.running = false;
        drop(held);
        Ok(self.finished(&stmt, started, row).await?.map(Into::into))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let Some(mut held) = self.pinned().await? else { return self.db.query_all_raw(stmt).await };
        let started = Instant::now();
        held.running = true;
        let rows = bound(&stmt).fetch_all(&mut held.kept.conn).await;
        held.running = false;
        drop(held);
        Ok(self.finished(&stmt, started, rows).await?.into_iter().map(Into::into).collect())
    }
}
