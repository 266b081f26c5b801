//! pingan: the shared ledger of a town's organised-crime prevention and public-safety work.
//!
//! The binary is thin (`main.rs`); everything is here so tests start the very same app:
//! [`App::build`] connects, migrates, loads the policy (and the demo world in demo mode) and
//! binds; [`App::run`] serves until shutdown.

pub mod access;
pub mod answer;
pub use access::stores::audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod import_command;
pub mod labels;
pub mod logging;
pub mod metrics;
pub mod pipeline;
pub mod replicas;
pub mod report_export;
pub mod rules;
pub mod scalars;
pub mod sheet;
pub mod town;
pub mod town_init;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::access::Access;
use crate::auth::Auth;
use crate::config::Config;

/// Locks `mutex` whatever happened to an earlier holder: the process's small caches (viewers,
/// names, the checkouts' connections) are changed by single inserts and removals, so a thread
/// that panicked while holding one cannot have left it half-changed.
pub fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What every request shares: the pool, authentication state and the access layer.
pub struct AppState {
    pub db: DatabaseConnection,
    /// SQL statements run since start (tests count them; `/metrics` exports them).
    pub statements: Arc<AtomicU64>,
    /// The pool's checkouts (a page and its relations read through one connection).
    pub checkouts: db::Checkouts,
    /// The names of villages and officers, kept between requests while this replica hears every
    /// change to them.
    pub directory: directory::Directory,
    pub auth: Auth,
    pub access: Access,
    pub config: Config,
    /// Tasks as they are assigned, for `taskAssigned` subscribers.
    pub task_events: tokio::sync::broadcast::Sender<rules::TaskNews>,
    /// Admitted GraphQL documents, parsed once (see `pipeline::admit`).
    pub documents: pipeline::Documents,
    /// Open WebSockets per user (see `ws`).
    pub sockets: Arc<ws::Sockets>,
    /// Set when the server stops: open sockets close, connections finish their request.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// What `/metrics` serves.
    pub metrics: metrics::Metrics,
}

impl AppState {
    /// After a committed change to a user (role, unit, deactivation, sessions ended): this
    /// replica forgets the cached viewer, so the change applies to the user's very next request,
    /// and makes the user's open sockets check their session at once. The other replicas do the
    /// same when they hear the change (`replicas::announce_forget`, in the transaction). The kept
    /// names are forgotten too: the user may be an officer records name.
    pub fn forget_user(&self, user: uuid::Uuid) {
        self.auth.viewers.forget_user(user);
        self.directory.forget();
        self.sockets.recheck(user);
    }
}

/// A built, bound, not yet serving app.
pub struct App {
    listener: TcpListener,
    router: axum::Router,
    state: Arc<AppState>,
    /// The other replicas' announcements (PostgreSQL), heard while the app lives.
    replicas: Option<replicas::Listening>,
}

impl App {
    /// Connects and prepares everything, then binds `config.bind` (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        tracing::info!(?config, "starting pingan");
        let mut db = db::connect_with(&config.database_url, config.connections.db_acquire_timeout).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            db::trace_statement(info.elapsed, info.failed, info.statement);
        });
        if config.migrate {
            db::migrate(&db).await?;
        }
        if config.demo {
            demo::load(&db).await?;
            tracing::warn!(
                "DEMO MODE: demo users exist, all with the password `{}`, and tokens are signed with an \
                 ephemeral key. Never expose this server to real data.",
                demo::PASSWORD
            );
        }
        let access = Access::load().await?;
        let auth = Auth::new(config.keys.clone(), config.access_ttl, config.refresh_ttl, &config.limits);
        let listener = TcpListener::bind(config.bind).await?;
        let task_events = rules::channel();
        let metrics = metrics::Metrics::new(config.metrics);
        let state = Arc::new(AppState {
            db,
            checkouts: db::Checkouts::new(statements.clone()),
            directory: Default::default(),
            statements,
            auth,
            access,
            config,
            task_events,
            documents: Default::default(),
            sockets: Default::default(),
            stopping: tokio::sync::watch::Sender::new(false),
            metrics,
        });
        let replicas = replicas::listen(&state).await?;
        let router = http::router(state.clone());
        Ok(Self { listener, router, state, replicas })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (tests use its database handle).
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Starts the task-rule scheduler when an interval is configured.
    fn start_scheduler(&self) {
        if let Some(every) = self.state.config.rule_interval {
            rules::spawn_scheduler(self.state.clone(), every);
        }
    }

    /// Serves until the process receives Ctrl-C / SIGTERM.
    pub async fn run(self) -> anyhow::Result<()> {
        let addr = self.local_addr()?;
        tracing::info!("listening on http://{addr}/graphql");
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish within the
    /// shutdown grace.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        self.start_scheduler();
        metrics::spawn_upkeep(&self.state);
        // The replicas' listener lives as long as the server.
        let _replicas = self.replicas;
        serve(self.listener, self.router, &self.state, shutdown).await;
        Ok(())
    }
}

/// The accept loop. Each connection holds one of `max_connections` permits while it is open (one
/// more is closed as soon as it is accepted, so descriptors never run out and the server keeps
/// accepting); a connection that sends no complete request head within the header timeout,
/// whether new or idle between requests, is closed. Bodies are bounded by the router.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    state: &AppState,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let limits = &state.config.connections;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let max = within_open_files(limits.max_connections);
    let open = Arc::new(tokio::sync::Semaphore::new(max));
    let stopping = state.stopping.subscribe();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a reset before accept: wait a moment, go on.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::warn!(%peer, max, "connection limit reached: connection closed");
            continue;
        };
        let permit = OpenConnection(Arc::new(permit));
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let held = permit.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            request.extensions_mut().insert(held.clone());
            router.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service).with_upgrades();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let _permit = permit;
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = async { let _ = stopping.wait_for(|stop| *stop).await; } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    tracing::info!("no longer accepting; finishing requests in flight");
    // Connections finish their request in flight; sockets are closed with 1001 (going away).
    state.stopping.send_replace(true);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let drained = async {
        let _ = open.acquire_many(all).await;
        while !state.sockets.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    if tokio::time::timeout(limits.shutdown_grace, drained).await.is_err() {
        tracing::warn!(grace = ?limits.shutdown_grace, "connections still open at the end of the shutdown grace");
    }
}

/// A connection's place among the open ones, in every request it carries: a WebSocket keeps it
/// after the upgrade, so sockets count against `--max-connections` for as long as they are open.
#[derive(Clone)]
pub struct OpenConnection(#[allow(dead_code)] Arc<tokio::sync::OwnedSemaphorePermit>);

/// `wanted` connections, or fewer when the process may not open that many files (each
/// connection is one, and the database pool and files need some).
fn within_open_files(wanted: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse::<usize>().ok()
    });
    match soft {
        Some(soft) if soft < wanted + 64 => {
            let max = soft.saturating_sub(64).max(16);
            tracing::warn!(wanted, soft, max, "the open-file limit caps the connections");
            max
        }
        _ => wanted,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
