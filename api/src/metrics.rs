//! `GET /metrics`: what an operator watches, in Prometheus's text format.
//!
//! Each app has its own recorder (the `metrics` crate's, rendered by
//! `metrics-exporter-prometheus`), never the process-wide one: two apps in one process (the
//! tests) count apart. Labels hold only names the code chose (codes, transports, categories) and
//! bounded operation names; never a value of a record. An operation name is text the client
//! chose, so only a GraphQL name of at most 64 characters becomes a label, and only the first
//! [`MAX_OPERATION_NAMES`] of them; every other is counted as `other`, and an operation without a
//! name as `anonymous`.
//!
//! Families (all prefixed `pingan_`):
//! - `operations_total{operation, code, transport}` and
//!   `operation_duration_seconds{operation, code, transport}`: every GraphQL operation of
//!   `POST /graphql`, `POST /graphql/import` and the WebSocket, by its outcome (`OK` or the first
//!   error's code). A subscription is counted once, with its first answer, and not timed.
//! - `login_failures_total{code}`: `UNAUTHENTICATED` (wrong credentials) and `RATE_LIMITED`.
//! - `audit_entries_total{category, outcome}`: audit entries inserted (a mutation that fails
//!   after its entry rolls the entry back with it).
//! - `rule_sweeps_total{result}`, `rule_sweep_duration_seconds`, and
//!   `rule_tasks_raised_total{trigger}` / `rule_tasks_closed_total{trigger}` (`sweep` for the
//!   scheduled sweep, `write` for the sweep a write runs).
//! - `db_connections{state}` (`in_use`, `idle`), `db_connections_max`, `db_statements_total`:
//!   read from the pool when scraped.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use sea_orm::{DatabaseBackend, DatabaseConnection};

/// Most distinct operation names kept as labels; later names count as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// The longest operation name kept as a label.
const MAX_NAME_CHARS: usize = 64;
/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// The codes an outcome may be labelled with: `OK` and api.md's error codes.
const CODES: &[&str] = &[
    "OK",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "UNAVAILABLE",
    "INTERNAL",
];

/// Which transport carried an operation.
#[derive(Debug, Clone, Copy)]
pub enum Transport {
    Http,
    WebSocket,
}

impl Transport {
    fn label(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::WebSocket => "ws",
        }
    }
}

/// Who started a rules sweep.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// The scheduled sweep over everything.
    Sweep,
    /// The sweep a write runs in its own transaction.
    Write,
}

/// What an operation is, told before it runs: its name (as the client chose it) and whether it
/// is a subscription.
#[derive(Debug, Clone, Default)]
pub struct Described {
    pub name: Option<String>,
    pub subscription: bool,
}

impl Described {
    /// The operation a request runs: `operationName` when given, else the document's only
    /// named operation. Call it on an admitted request (its document is parsed once).
    pub fn of(request: &mut async_graphql::Request) -> Self {
        use async_graphql::parser::types::{DocumentOperations, OperationType};
        let chosen = request.operation_name.clone();
        let Ok(document) = request.parsed_query() else { return Self { name: chosen, subscription: false } };
        let (name, operation) = match (&document.operations, chosen) {
            (DocumentOperations::Single(op), chosen) => (chosen, Some(op)),
            (DocumentOperations::Multiple(ops), Some(chosen)) => {
                let op = ops.get(chosen.as_str());
                (Some(chosen), op)
            }
            (DocumentOperations::Multiple(ops), None) => match ops.iter().next() {
                Some((name, op)) if ops.len() == 1 => (Some(name.to_string()), Some(op)),
                _ => (None, None),
            },
        };
        let subscription = operation.is_some_and(|op| op.node.ty == OperationType::Subscription);
        Self { name, subscription }
    }

    /// Only the name the client gave (for a request refused before its document was read).
    pub fn unread(request: &async_graphql::Request) -> Self {
        Self { name: request.operation_name.clone(), subscription: false }
    }
}

/// One app's metrics.
pub struct Metrics {
    enabled: bool,
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    names: Mutex<HashSet<String>>,
}

impl Metrics {
    /// The metrics of an app; when not `enabled`, nothing is recorded and nothing is served.
    pub fn new(enabled: bool) -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .expect("the latency buckets are fixed and not empty")
            .build_recorder();
        let handle = recorder.handle();
        let metrics = Self { enabled, recorder, handle, names: Mutex::default() };
        metrics.record(describe);
        metrics
    }

    /// Whether `/metrics` is served.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn record(&self, f: impl FnOnce()) {
        if self.enabled {
            metrics::with_local_recorder(&self.recorder, f);
        }
    }

    /// One GraphQL operation's outcome; `elapsed` is `None` for a subscription.
    pub fn operation(&self, transport: Transport, described: &Described, code: &str, elapsed: Duration) {
        if !self.enabled {
            return;
        }
        let labels = [
            ("operation", self.operation_label(described.name.as_deref())),
            ("code", CODES.iter().find(|c| **c == code).copied().unwrap_or("INTERNAL").to_owned()),
            ("transport", transport.label().to_owned()),
        ];
        self.record(|| {
            counter!("pingan_operations_total", &labels).increment(1);
            if !described.subscription {
                histogram!("pingan_operation_duration_seconds", &labels).record(elapsed.as_secs_f64());
            }
        });
    }

    /// Each answer of one operation (a batch has several, all labelled with the same
    /// `described` order); the code of an answer is its first error's, or `OK`.
    pub fn answers<'a>(
        &self,
        transport: Transport,
        described: &[Described],
        answers: impl IntoIterator<Item = &'a async_graphql::Response>,
        elapsed: Duration,
    ) {
        for (described, answer) in described.iter().zip(answers) {
            self.operation(transport, described, code_of(answer), elapsed);
        }
    }

    /// A failed login, by the code it was answered with.
    pub fn login_failed(&self, code: &'static str) {
        self.record(|| counter!("pingan_login_failures_total", "code" => code).increment(1));
    }

    /// `count` audit entries inserted.
    pub fn audit_entries(
        &self,
        category: entity::enums::AuditCategory,
        outcome: entity::enums::AuditOutcome,
        count: usize,
    ) {
        use entity::enums::{AuditCategory, AuditOutcome};
        let category = match category {
            AuditCategory::Case => "case",
            AuditCategory::Administration => "administration",
        };
        let outcome = match outcome {
            AuditOutcome::Allowed => "allowed",
            AuditOutcome::Denied => "denied",
        };
        self.record(|| {
            counter!("pingan_audit_entries_total", "category" => category, "outcome" => outcome).increment(count as u64)
        });
    }

    /// A scheduled sweep of the task rules and what it did.
    pub fn sweep(&self, outcome: &Result<crate::rules::Outcome, sea_orm::DbErr>, elapsed: Duration) {
        let result = match outcome {
            Ok(o) if o.skipped => "skipped",
            Ok(_) => "done",
            Err(_) => "failed",
        };
        self.record(|| {
            counter!("pingan_rule_sweeps_total", "result" => result).increment(1);
            histogram!("pingan_rule_sweep_duration_seconds").record(elapsed.as_secs_f64());
        });
        if let Ok(outcome) = outcome {
            self.tasks(Trigger::Sweep, outcome);
        }
    }

    /// Tasks a sweep raised and closed.
    pub fn tasks(&self, trigger: Trigger, outcome: &crate::rules::Outcome) {
        let trigger = match trigger {
            Trigger::Sweep => "sweep",
            Trigger::Write => "write",
        };
        self.record(|| {
            counter!("pingan_rule_tasks_raised_total", "trigger" => trigger).increment(outcome.raised.len() as u64);
            counter!("pingan_rule_tasks_closed_total", "trigger" => trigger).increment(outcome.closed.len() as u64);
        });
    }

    /// Drains the latency samples into their buckets; run it now and then so samples never
    /// pile up between scrapes.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The text a scrape gets: the pool as it is now, then everything counted so far.
    pub fn render(&self, db: &DatabaseConnection, statements: u64) -> String {
        let (in_use, idle, max) = pool(db);
        self.record(|| {
            gauge!("pingan_db_connections", "state" => "in_use").set(in_use);
            gauge!("pingan_db_connections", "state" => "idle").set(idle);
            gauge!("pingan_db_connections_max").set(max);
            counter!("pingan_db_statements_total").absolute(statements);
        });
        self.handle.render()
    }

    /// The label of an operation name (see the module docs).
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else { return "anonymous".to_owned() };
        if !is_graphql_name(name) {
            return "other".to_owned();
        }
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if names.contains(name) {
            return name.to_owned();
        }
        if names.len() >= MAX_OPERATION_NAMES {
            return "other".to_owned();
        }
        names.insert(name.to_owned());
        name.to_owned()
    }
}

/// `[A-Za-z_][A-Za-z0-9_]{0,63}`, and not one of the labels that stand for many names.
fn is_graphql_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && name.len() <= MAX_NAME_CHARS
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(name, "anonymous" | "other")
}

/// The outcome code of an answer: its first error's `extensions.code`, or `OK`.
pub fn code_of(answer: &async_graphql::Response) -> &str {
    answer.errors.first().map_or("OK", code_of_error)
}

/// The `extensions.code` of a mapped error.
pub fn code_of_error(error: &async_graphql::ServerError) -> &str {
    match error.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(async_graphql::Value::String(code)) => code.as_str(),
        _ => "INTERNAL",
    }
}

/// Drains latency samples every few seconds while the server runs (see [`Metrics::upkeep`]).
pub fn spawn_upkeep(state: &std::sync::Arc<crate::AppState>) {
    if !state.metrics.enabled() {
        return;
    }
    let state = std::sync::Arc::downgrade(state);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // Ends with the app.
            let Some(state) = state.upgrade() else { break };
            if *state.stopping.borrow() {
                break;
            }
            state.metrics.upkeep();
        }
    });
}

/// (connections in use, idle ones, most allowed) of the pool.
fn pool(db: &DatabaseConnection) -> (u32, u32, u32) {
    let (size, idle, max) = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        _ => (0, 0, 0),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    (size.saturating_sub(idle), idle, max)
}

fn describe() {
    describe_counter!(
        "pingan_operations_total",
        "GraphQL operations answered, by operation name, outcome code and transport."
    );
    describe_histogram!(
        "pingan_operation_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a request's arrival to its answer, by operation name, outcome code and transport."
    );
    describe_counter!("pingan_login_failures_total", "Failed logins, by the code answered.");
    describe_counter!("pingan_audit_entries_total", "Audit entries written, by category and outcome.");
    describe_counter!("pingan_rule_sweeps_total", "Scheduled sweeps of the task rules, by result.");
    describe_histogram!("pingan_rule_sweep_duration_seconds", metrics::Unit::Seconds, "Time a scheduled sweep took.");
    describe_counter!("pingan_rule_tasks_raised_total", "Tasks raised by the rules, by what started the sweep.");
    describe_counter!(
        "pingan_rule_tasks_closed_total",
        "Tasks the rules closed or cancelled, by what started the sweep."
    );
    describe_gauge!("pingan_db_connections", "Database connections of the pool, by state (in_use, idle).");
    describe_gauge!("pingan_db_connections_max", "Most connections the database pool opens.");
    describe_counter!("pingan_db_statements_total", "SQL statements run since start.");
    // Present from the start, so a rate over them is defined before the first event.
    for code in ["UNAUTHENTICATED", "RATE_LIMITED"] {
        counter!("pingan_login_failures_total", "code" => code).absolute(0);
    }
    for result in ["done", "skipped", "failed"] {
        counter!("pingan_rule_sweeps_total", "result" => result).absolute(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_graphql_names_become_labels() {
        assert!(is_graphql_name("MyTasks"));
        assert!(is_graphql_name("_x9"));
        assert!(is_graphql_name(&"a".repeat(64)));
        assert!(!is_graphql_name(&"a".repeat(65)));
        assert!(!is_graphql_name("9lives"));
        assert!(!is_graphql_name("drop\"} 1\nx{"));
        assert!(!is_graphql_name("张三"));
        assert!(!is_graphql_name(""));
        assert!(!is_graphql_name("other"));
    }

    #[test]
    fn distinct_names_are_capped() {
        let metrics = Metrics::new(true);
        for i in 0..MAX_OPERATION_NAMES {
            assert_eq!(metrics.operation_label(Some(&format!("Op{i}"))), format!("Op{i}"));
        }
        assert_eq!(metrics.operation_label(Some("OneTooMany")), "other");
        assert_eq!(metrics.operation_label(Some("Op0")), "Op0", "a name seen before keeps its label");
        assert_eq!(metrics.operation_label(None), "anonymous");
    }
}
