//! Servers on one PostgreSQL database behave as one.
//!
//! - Tasks: a write announces the tasks it assigned with `pg_notify` in its own transaction, so
//!   the announcement goes out on commit and never for a rolled-back write. Every replica, the
//!   writer included, feeds its local `taskAssigned` channel from the notifications only, so each
//!   subscriber, on whichever server, gets each task once. Payloads are ids; a subscriber re-reads
//!   the task in its own scope.
//! - Viewers: ending a session or deactivating a user is announced the same way and every
//!   replica forgets the cached viewers at once. While the listening connection is down, the
//!   viewer cache is bypassed (invalidations sent meanwhile are lost) until it is back.
//! - Names: every change to the villages or the users is announced by a trigger (see
//!   `crate::directory`), and every replica forgets the names it keeps. While the listening
//!   connection is down, none are kept.
//! - Task rules: each sweep holds a transaction-scoped advisory lock; a replica that does not get
//!   it skips the sweep, as another replica is sweeping.
//!
//! On SQLite (one process) announcements go to the local channel after the commit.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement};
use tokio::sync::broadcast::Sender;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::AppState;
use crate::rules::{TaskAssigned, TaskChange, TaskNews, TaskUpdated};

const TASKS: &str = "pingan_tasks";
const VIEWERS: &str = "pingan_viewers";
const DIRECTORY: &str = migration::DIRECTORY_CHANNEL;
/// The advisory lock key of the task-rule sweep (an arbitrary constant: "pingan" in ASCII).
pub const SWEEP_LOCK: i64 = 0x7069_6e67_616e;
/// Task announcements per notification: a payload must stay under PostgreSQL's 8000 bytes.
const TASKS_PER_NOTIFY: usize = 64;
/// How often a replica whose listener lost its connection checks that it listens again.
const PING_EVERY: Duration = Duration::from_millis(500);

/// Whether other replicas may share this database (PostgreSQL) rather than one process (SQLite).
fn shared(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

async fn notify(db: &impl ConnectionTrait, channel: &str, payload: String) -> Result<(), DbErr> {
    let sql = "SELECT pg_notify($1, $2)";
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [channel.into(), payload.into()])).await?;
    Ok(())
}

/// Commits `txn`, announcing `tasks` (assigned, or stepped on) to the `taskAssigned` and
/// `taskUpdated` subscribers of every replica.
pub async fn commit_announcing<N: Into<TaskNews> + Copy>(
    txn: DatabaseTransaction,
    channel: &Sender<TaskNews>,
    tasks: &[N],
) -> Result<(), DbErr> {
    if !shared(&txn) {
        txn.commit().await?;
        for task in tasks {
            // Nobody listening is fine: the task is in the lists either way.
            let _ = channel.send((*task).into());
        }
        return Ok(());
    }
    for chunk in tasks.chunks(TASKS_PER_NOTIFY) {
        let lines: Vec<String> = chunk.iter().map(|t| line((*t).into())).collect();
        notify(&txn, TASKS, lines.join("\n")).await?;
    }
    txn.commit().await
}

/// One announcement's line: the task, its town, then the assignee unit (assigned) or the
/// change's word (a step).
fn line(news: TaskNews) -> String {
    match news {
        TaskNews::Assigned(t) => format!("{} {} {}", t.task, t.town, t.assignee_unit),
        TaskNews::Updated(t) => format!("{} {} {}", t.task, t.town, t.change.word()),
    }
}

fn parse_tasks(payload: &str) -> impl Iterator<Item = TaskNews> + '_ {
    payload.lines().filter_map(|line| {
        let mut parts = line.split(' ');
        let task = Uuid::parse_str(parts.next()?).ok()?;
        let town = Uuid::parse_str(parts.next()?).ok()?;
        let last = parts.next()?;
        if let Ok(assignee_unit) = Uuid::parse_str(last) {
            return Some(TaskNews::Assigned(TaskAssigned { task, town, assignee_unit }));
        }
        TaskChange::from_word(last).map(|change| TaskNews::Updated(TaskUpdated { task, town, change }))
    })
}

/// What every replica must forget of its cached viewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forget {
    /// A session ended (logout, refresh-token reuse).
    Session(Uuid),
    /// A user changed (role, unit, deactivation, every session ended): its viewers are
    /// forgotten and its open sockets check their session at once.
    User(Uuid),
}

impl Forget {
    fn payload(self) -> String {
        match self {
            Forget::Session(id) => format!("session {id}"),
            Forget::User(id) => format!("user {id}"),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        let (what, id) = payload.split_once(' ')?;
        let id = Uuid::parse_str(id).ok()?;
        match what {
            "session" => Some(Forget::Session(id)),
            "user" => Some(Forget::User(id)),
            _ => None,
        }
    }
}

/// Tells the other replicas, on commit of `db`'s transaction, to forget cached viewers. The
/// writer forgets its own after the commit (`ViewerCache::forget_*`), so that a request running
/// meanwhile cannot cache the state before the write.
pub async fn announce_forget(db: &impl ConnectionTrait, forget: Forget) -> Result<(), DbErr> {
    if shared(db) { notify(db, VIEWERS, forget.payload()).await } else { Ok(()) }
}

/// Takes the task-rule sweep's lock for the rest of `txn`; `false` when another replica holds it.
pub async fn sweep_lock(txn: &DatabaseTransaction) -> Result<bool, DbErr> {
    if !shared(txn) {
        return Ok(true);
    }
    let sql = "SELECT pg_try_advisory_xact_lock($1) AS locked";
    let row = txn.query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [SWEEP_LOCK.into()])).await?;
    row.map_or(Ok(false), |row| row.try_get::<bool>("", "locked"))
}

/// The listening tasks of a replica; dropping it stops them.
pub struct Listening(Vec<JoinHandle<()>>);

impl Drop for Listening {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// On PostgreSQL, listens for the other replicas' announcements; returns once it listens, so the
/// app serves no request before it hears every replica. `None` on SQLite.
pub async fn listen(state: &Arc<AppState>) -> Result<Option<Listening>, DbErr> {
    if !shared(&state.db) {
        return Ok(None);
    }
    let to_db = |e: sea_orm::sqlx::Error| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into()));
    let mut listener = PgListener::connect_with(state.db.get_postgres_connection_pool()).await.map_err(to_db)?;
    listener.listen_all([TASKS, VIEWERS, DIRECTORY]).await.map_err(to_db)?;
    state.directory.trust();
    let receiving = tokio::spawn(receive(listener, state.clone()));
    let pinging = tokio::spawn(ping_while_deaf(state.clone()));
    Ok(Some(Listening(vec![receiving, pinging])))
}

async fn receive(mut listener: PgListener, state: Arc<AppState>) {
    let viewers = &state.auth.viewers;
    loop {
        match listener.try_recv().await {
            Ok(Some(note)) => {
                // Anything heard proves the LISTEN is in place again.
                viewers.resume();
                state.directory.trust();
                match note.channel() {
                    DIRECTORY => state.directory.forget(),
                    TASKS => {
                        for task in parse_tasks(note.payload()) {
                            // Nobody listening is fine: the task is in the lists either way.
                            let _ = state.task_events.send(task);
                        }
                    }
                    _ => match Forget::parse(note.payload()) {
                        Some(Forget::Session(id)) => viewers.forget_session(id),
                        Some(Forget::User(id)) => state.forget_user(id),
                        // A ping (see `ping_while_deaf`).
                        None => {}
                    },
                }
            }
            // The connection was lost and is back (sqlx reconnects and listens again before
            // answering): what was announced meanwhile is lost, so nothing cached is trusted.
            Ok(None) => {
                tracing::warn!("replica notifications: connection lost and re-established");
                viewers.suspend();
                viewers.resume();
                state.directory.forget();
            }
            // The app is shutting down.
            Err(sea_orm::sqlx::Error::PoolClosed) => return,
            Err(err) => {
                tracing::warn!(error = %err, "replica notifications interrupted; viewers and names are read uncached");
                viewers.suspend();
                state.directory.distrust();
                tokio::time::sleep(PING_EVERY).await;
            }
        }
    }
}

/// While the viewer cache is suspended, announces a ping now and then: hearing it tells the
/// listener it listens again (a reconnect after an error is otherwise silent).
async fn ping_while_deaf(state: Arc<AppState>) {
    let mut ticks = tokio::time::interval(PING_EVERY);
    loop {
        ticks.tick().await;
        if state.auth.viewers.suspended() {
            let _ = notify(&state.db, VIEWERS, "ping".to_owned()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let payload = format!("{a} {b} {c}\n{c} {b} {a}");
        let assigned = |n: TaskNews| match n {
            TaskNews::Assigned(t) => Some((t.task, t.town, t.assignee_unit)),
            TaskNews::Updated(_) => None,
        };
        let tasks: Vec<_> = parse_tasks(&payload).map(assigned).collect();
        assert_eq!(tasks, [Some((a, b, c)), Some((c, b, a))]);
        for change in TaskChange::ALL {
            let news = TaskNews::Updated(TaskUpdated { task: a, town: b, change });
            let parsed: Vec<_> = parse_tasks(&line(news))
                .map(|n| match n {
                    TaskNews::Updated(t) => Some((t.task, t.town, t.change)),
                    TaskNews::Assigned(_) => None,
                })
                .collect();
            assert_eq!(parsed, [Some((a, b, change))]);
        }
        assert_eq!(Forget::parse(&Forget::Session(a).payload()), Some(Forget::Session(a)));
        assert_eq!(Forget::parse(&Forget::User(b).payload()), Some(Forget::User(b)));
        assert_eq!(Forget::parse("ping"), None);
    }
}
