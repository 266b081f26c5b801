//! pingan: the shared ledger of a town's organised-crime prevention and public-safety work.
//!
//! The binary is thin (`main.rs`); everything is here so tests start the very same app:
//! [`App::build`] connects, migrates, loads the policy (and the demo world in demo mode) and
//! binds; [`App::run`] serves until shutdown.

pub mod access;
pub use access::stores::audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod import_command;
pub mod labels;
pub mod pipeline;
pub mod replicas;
pub mod report_export;
pub mod rules;
pub mod scalars;
pub mod sheet;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::access::Access;
use crate::auth::Auth;
use crate::config::Config;

/// What every request shares: the pool, authentication state and the access layer.
pub struct AppState {
    pub db: DatabaseConnection,
    /// SQL statements run since start (tests count them; a future /metrics exports them).
    pub statements: Arc<AtomicU64>,
    pub auth: Auth,
    pub access: Access,
    pub config: Config,
    /// Tasks as they are assigned, for `taskAssigned` subscribers.
    pub task_events: tokio::sync::broadcast::Sender<rules::TaskAssigned>,
    /// Admitted GraphQL documents, parsed once (see `pipeline::admit`).
    pub documents: pipeline::Documents,
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
        let mut db = db::connect(&config.database_url).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            tracing::trace!(target: "pingan::sql", elapsed = ?info.elapsed, failed = info.failed, sql = %info.statement.sql);
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
        let auth = Auth::new(
            config.keys.clone(),
            config.access_ttl,
            config.refresh_ttl,
            config.limits.login_attempts_per_minute,
        );
        let listener = TcpListener::bind(config.bind).await?;
        let task_events = rules::channel();
        let state =
            Arc::new(AppState { db, statements, auth, access, config, task_events, documents: Default::default() });
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
        self.start_scheduler();
        let _replicas = self.replicas;
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        Ok(())
    }

    /// Serves until `shutdown` resolves (tests).
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        self.start_scheduler();
        let _replicas = self.replicas;
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
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
