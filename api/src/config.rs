//! The command line and the one `Config` the server runs with.
//!
//! Every setting comes from a flag or a `PINGAN_*` / `DATABASE_URL` environment variable and is
//! validated once, here, before anything starts. Nothing secret has a default outside demo mode:
//! without a signing key `serve` stops with a message that says how to set one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::auth::token::TokenKeys;

#[derive(Debug, Parser)]
#[command(
    name = "pingan",
    version,
    about = "The shared ledger of a town's organised-crime prevention and public-safety work."
)]
pub struct Cli {
    /// How log lines are written to stderr: `text` for people, `json` (one object per line) for
    /// a log collector.
    #[arg(long = "log-format", env = "PINGAN_LOG_FORMAT", global = true, value_enum, default_value_t)]
    pub log_format: crate::logging::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the GraphQL server.
    Serve(Box<ServeArgs>),
    /// Apply or roll back database migrations.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Set up a real town: its offices, villages and first administrator.
    Town {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(subcommand)]
        action: TownAction,
    },
    /// Import a persons or venues ledger (XLSX) on behalf of a unit; every row or none.
    Import(ImportArgs),
    /// Inspect the access policy in `policy/`.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Load a synthetic world of any size for benchmarks: the demo world's towns, units, users
    /// and records, then N persons and their proportional venues, leads, risk items and tasks.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL) that client teams build against (`schema.graphql`).
    Schema,
    /// Supervision tasks raised by rules.
    Tasks {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(subcommand)]
        action: TasksAction,
    },
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// How many synthetic persons (venues 1 in 10, leads 1 in 20, risk items and tasks 1 in 50,
    /// 3 talks each).
    #[arg(long, default_value_t = 100_000)]
    pub persons: usize,
    /// The random seed: the same seed gives the same synthetic records.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TownAction {
    /// Create a town from a TOML file (see `town.example.toml`) in one transaction and print its
    /// administrator's one-time setup code. Migrates the database first.
    Init {
        /// The town file.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum TasksAction {
    /// Sweep every task rule once: raise the tasks owed and close the ones whose duty is done.
    Raise {
        /// The instant to sweep at (RFC 3339); now when absent.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum PolicyAction {
    /// Print the access matrix generated from the policy (the README's access section).
    Matrix {
        /// Rewrite the generated section of this file (e.g. README.md) instead of printing.
        #[arg(long)]
        write: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last migration (or `--steps N`).
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded default) or `postgres://…`.
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = "sqlite://pingan.db?mode=rwc")]
    pub url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "PINGAN_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the fictional demo world (empty or demo-only databases) and use an ephemeral key.
    #[arg(long)]
    pub demo: bool,
    /// Do not apply pending migrations at start (`/readyz` then reports them).
    #[arg(long)]
    pub no_migrate: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub connections: ConnectionArgs,
    /// Serve GraphiQL at `GET /graphql` (always on in demo mode).
    #[arg(long, env = "PINGAN_PLAYGROUND")]
    pub playground: bool,
    /// Answer schema introspection (`__schema`, `__type`); always on in demo mode. Off by
    /// default: a production server does not hand out its whole schema to every caller.
    #[arg(long, env = "PINGAN_INTROSPECTION")]
    pub introspection: bool,
    /// Serve `GET /metrics` (Prometheus text format, no token: scrapers on the town's network
    /// read it as they are). Off by default: counts of operations, logins and audit entries tell
    /// how the ledger is used, so they are shown only where asked for. Always on in demo mode.
    #[arg(long, env = "PINGAN_METRICS")]
    pub metrics: bool,
    /// Seconds between sweeps of the task rules (talks, inspections, lead deadlines, reports …);
    /// 0 turns the scheduler off (run `pingan tasks raise` from cron instead).
    #[arg(long = "rule-interval", env = "PINGAN_RULE_INTERVAL", default_value_t = 300)]
    pub rule_interval_secs: u64,
}

#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// HS256 signing secret for access tokens (at least 32 bytes).
    #[arg(long = "jwt-secret", env = "PINGAN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Ed25519 private key (PEM) for EdDSA access tokens; needs the public key too.
    #[arg(long = "jwt-private-key-file", env = "PINGAN_JWT_PRIVATE_KEY_FILE")]
    pub jwt_private_key_file: Option<PathBuf>,
    /// Ed25519 public key (PEM) matching the private key.
    #[arg(long = "jwt-public-key-file", env = "PINGAN_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// Access token lifetime in seconds.
    #[arg(long = "access-token-ttl", env = "PINGAN_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_ttl_secs: u64,
    /// Refresh token (and session) lifetime in seconds.
    #[arg(long = "refresh-token-ttl", env = "PINGAN_REFRESH_TOKEN_TTL", default_value_t = 14 * 24 * 3600)]
    pub refresh_ttl_secs: u64,
    /// Token issuer (`iss`).
    #[arg(long = "jwt-issuer", env = "PINGAN_JWT_ISSUER", default_value = "pingan")]
    pub issuer: String,
    /// Token audience (`aud`).
    #[arg(long = "jwt-audience", env = "PINGAN_JWT_AUDIENCE", default_value = "pingan-api")]
    pub audience: String,
}

#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Deepest selection a query may nest.
    #[arg(long = "max-depth", env = "PINGAN_MAX_DEPTH", default_value_t = 16)]
    pub max_depth: usize,
    /// Largest complexity score a query may have (connections count `first` times their items).
    #[arg(long = "max-complexity", env = "PINGAN_MAX_COMPLEXITY", default_value_t = 200_000)]
    pub max_complexity: usize,
    /// Most aliases one document may use.
    #[arg(long = "max-aliases", env = "PINGAN_MAX_ALIASES", default_value_t = 64)]
    pub max_aliases: usize,
    /// Most operations one batched request may carry.
    #[arg(long = "max-batch", env = "PINGAN_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Login attempts allowed per username from one client address before that pair is locked
    /// out (for `--login-lockout` seconds, doubling with each further failure).
    #[arg(long = "login-attempts-per-minute", env = "PINGAN_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 5)]
    pub login_attempts_per_minute: u32,
    /// Longest query text, in bytes.
    #[arg(long = "max-query-bytes", env = "PINGAN_MAX_QUERY_BYTES", default_value_t = 65_536)]
    pub max_query_bytes: usize,
    /// Deepest nesting of brackets (selections, arguments, list and object values) in a query
    /// text, checked in one pass before it is parsed.
    #[arg(long = "max-nesting", env = "PINGAN_MAX_NESTING", default_value_t = 64)]
    pub max_nesting: usize,
    /// Most field selections a document may hold once its fragments are expanded.
    #[arg(long = "max-selections", env = "PINGAN_MAX_SELECTIONS", default_value_t = 50_000)]
    pub max_selections: usize,
    /// Largest request body, in bytes, on every route but `/graphql/import`; a longer body is
    /// refused with 413 before it is read.
    #[arg(long = "max-body-bytes", env = "PINGAN_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest body of `POST /graphql/import`, which takes only the import mutations (a
    /// spreadsheet of 10 MB travels as about 13.4 MB of base64).
    #[arg(long = "max-import-body-bytes", env = "PINGAN_MAX_IMPORT_BODY_BYTES", default_value_t = 14 * 1024 * 1024)]
    pub max_import_body_bytes: usize,
    /// Seconds a (username, address) pair waits after its allowed attempts failed; each further
    /// failure doubles the wait.
    #[arg(long = "login-lockout", env = "PINGAN_LOGIN_LOCKOUT", default_value_t = 60)]
    pub login_lockout_secs: u64,
    /// The longest lockout of a pair, in seconds.
    #[arg(long = "login-lockout-max", env = "PINGAN_LOGIN_LOCKOUT_MAX", default_value_t = 3600)]
    pub login_lockout_max_secs: u64,
    /// Password hashes (argon2, 19 MiB each) run at once; further logins wait their turn.
    #[arg(long = "password-hash-concurrency", env = "PINGAN_PASSWORD_HASH_CONCURRENCY", default_value_t = 4)]
    pub password_hash_concurrency: usize,
    /// Seconds after a refresh token's use in which presenting it again (concurrent refreshes)
    /// gets the same new pair instead of ending the session.
    #[arg(long = "refresh-grace", env = "PINGAN_REFRESH_GRACE", default_value_t = 10)]
    pub refresh_grace_secs: u64,
    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose `X-Forwarded-For` names
    /// the client; from any other peer the header is ignored.
    #[arg(long = "trusted-proxy", env = "PINGAN_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<crate::auth::IpRange>,
    /// Most bytes a spreadsheet to import may unpack to (all its parts together), and most text
    /// its rows may hold; a larger workbook is refused before it is read.
    #[arg(long = "max-import-unpacked-bytes", env = "PINGAN_MAX_IMPORT_UNPACKED_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_import_unpacked_bytes: u64,
    /// Imports read at once, server-wide; another waits up to 30 seconds for one to finish.
    #[arg(long = "max-concurrent-imports", env = "PINGAN_MAX_CONCURRENT_IMPORTS", default_value_t = 2)]
    pub max_concurrent_imports: usize,
}

/// What one client may hold of the server: connections, sockets and time.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Most TCP connections open at once; one more is closed as soon as it is accepted. Kept
    /// under the process's open-file limit.
    #[arg(long = "max-connections", env = "PINGAN_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Most WebSockets one user may hold open at once.
    #[arg(long = "max-sockets-per-user", env = "PINGAN_MAX_SOCKETS_PER_USER", default_value_t = 8)]
    pub max_sockets_per_user: usize,
    /// Seconds a connection may take to send a request's headers; also how long a kept-alive
    /// connection may sit idle between requests.
    #[arg(long = "header-timeout", env = "PINGAN_HEADER_TIMEOUT", default_value_t = 15)]
    pub header_timeout_secs: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long = "body-timeout", env = "PINGAN_BODY_TIMEOUT", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Seconds a WebSocket may take to send `connection_init`.
    #[arg(long = "ws-init-timeout", env = "PINGAN_WS_INIT_TIMEOUT", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,
    /// Seconds a request waits for a database connection before it is answered `UNAVAILABLE`.
    #[arg(long = "db-acquire-timeout", env = "PINGAN_DB_ACQUIRE_TIMEOUT", default_value_t = 3)]
    pub db_acquire_timeout_secs: u64,
    /// Seconds in-flight requests get to finish after SIGTERM before the server exits.
    #[arg(long = "shutdown-grace", env = "PINGAN_SHUTDOWN_GRACE", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

/// [`ConnectionArgs`], validated.
#[derive(Debug, Clone)]
pub struct Connections {
    pub max_connections: usize,
    pub max_sockets_per_user: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub ws_init_timeout: Duration,
    pub db_acquire_timeout: Duration,
    pub shutdown_grace: Duration,
}

impl Default for Connections {
    /// The command line's defaults.
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_sockets_per_user: 8,
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(30),
            ws_init_timeout: Duration::from_secs(10),
            db_acquire_timeout: Duration::from_secs(3),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// What the ledger holds.
    #[arg(value_parser = ["persons", "venues"])]
    pub what: String,
    /// The XLSX file.
    pub file: PathBuf,
    /// The importing unit, by name (e.g. 平安镇派出所); must be one allowed to import.
    #[arg(long)]
    pub unit: String,
    /// The user the records and audit entries are written under (default: the unit's first
    /// active user by username).
    #[arg(long)]
    pub user: Option<String>,
    /// The sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// A JSON mapping of this file's headers to the ledger's: `{"columns": {"人员姓名": "姓名"}}`.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Check every row and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// GraphQL limits, validated.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_batch: usize,
    pub login_attempts_per_minute: u32,
    pub max_query_bytes: usize,
    pub max_nesting: usize,
    pub max_selections: usize,
    pub max_body_bytes: usize,
    pub max_import_body_bytes: usize,
    pub login_lockout_secs: u64,
    pub login_lockout_max_secs: u64,
    pub password_hash_concurrency: usize,
    pub refresh_grace_secs: u64,
    pub trusted_proxy: Vec<crate::auth::IpRange>,
    pub max_import_unpacked_bytes: u64,
    pub max_concurrent_imports: usize,
}

impl Default for Limits {
    /// The command line's defaults.
    fn default() -> Self {
        Self {
            max_depth: 16,
            max_complexity: 200_000,
            max_aliases: 64,
            max_batch: 10,
            login_attempts_per_minute: 5,
            max_query_bytes: 65_536,
            max_nesting: 64,
            max_selections: 50_000,
            max_body_bytes: 1024 * 1024,
            max_import_body_bytes: 14 * 1024 * 1024,
            login_lockout_secs: 60,
            login_lockout_max_secs: 3600,
            password_hash_concurrency: 4,
            refresh_grace_secs: 10,
            trusted_proxy: Vec::new(),
            max_import_unpacked_bytes: 100 * 1024 * 1024,
            max_concurrent_imports: 2,
        }
    }
}

/// Everything the server needs, validated once at start.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub demo: bool,
    pub migrate: bool,
    pub playground: bool,
    /// Whether schema introspection is answered.
    pub introspection: bool,
    /// Whether `GET /metrics` is served (and anything is counted for it).
    pub metrics: bool,
    pub keys: TokenKeys,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub limits: Limits,
    pub connections: Connections,
    /// How often the server sweeps the task rules; `None`: never (tests sweep by hand).
    pub rule_interval: Option<Duration>,
}

impl std::fmt::Debug for Config {
    /// Printed at start; the signing key is redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("demo", &self.demo)
            .field("migrate", &self.migrate)
            .field("playground", &self.playground)
            .field("introspection", &self.introspection)
            .field("metrics", &self.metrics)
            .field("signing", &self.keys.describe())
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("limits", &self.limits)
            .field("connections", &self.connections)
            .field("rule_interval", &self.rule_interval)
            .finish()
    }
}

/// Why the server refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no token signing key is configured. Set PINGAN_JWT_SECRET to a random string of at least 32 bytes \
         (e.g. `export PINGAN_JWT_SECRET=$(openssl rand -base64 48)`), or set PINGAN_JWT_PRIVATE_KEY_FILE and \
         PINGAN_JWT_PUBLIC_KEY_FILE to an Ed25519 key pair in PEM. Only `serve --demo` runs without one."
    )]
    MissingSigningKey,
    #[error("PINGAN_JWT_SECRET must be at least 32 bytes long")]
    WeakSecret,
    #[error("set both PINGAN_JWT_PRIVATE_KEY_FILE and PINGAN_JWT_PUBLIC_KEY_FILE, or neither")]
    HalfKeyPair,
    #[error("set either PINGAN_JWT_SECRET or the EdDSA key files, not both")]
    TwoKeys,
    #[error("cannot read key file {path}: {reason}")]
    KeyFile { path: PathBuf, reason: String },
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
}

impl ServeArgs {
    /// Validates the arguments into a [`Config`].
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let k = &self.keys;
        let keys = match (&k.jwt_secret, &k.jwt_private_key_file, &k.jwt_public_key_file) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => return Err(ConfigError::TwoKeys),
            (Some(secret), None, None) => {
                if secret.len() < 32 {
                    return Err(ConfigError::WeakSecret);
                }
                TokenKeys::hs256(secret.as_bytes(), &k.issuer, &k.audience)
            }
            (None, Some(private), Some(public)) => {
                let read = |path: &PathBuf| {
                    std::fs::read(path).map_err(|e| ConfigError::KeyFile { path: path.clone(), reason: e.to_string() })
                };
                TokenKeys::eddsa(&read(private)?, &read(public)?, &k.issuer, &k.audience)
                    .map_err(|e| ConfigError::KeyFile { path: private.clone(), reason: e.to_string() })?
            }
            (None, Some(_), None) | (None, None, Some(_)) => return Err(ConfigError::HalfKeyPair),
            (None, None, None) if self.demo => TokenKeys::ephemeral(&k.issuer, &k.audience),
            (None, None, None) => return Err(ConfigError::MissingSigningKey),
        };
        for (name, value) in [
            ("max-depth", self.limits.max_depth),
            ("max-complexity", self.limits.max_complexity),
            ("max-aliases", self.limits.max_aliases),
            ("max-batch", self.limits.max_batch),
            ("max-query-bytes", self.limits.max_query_bytes),
            ("max-nesting", self.limits.max_nesting),
            ("max-selections", self.limits.max_selections),
            ("max-body-bytes", self.limits.max_body_bytes),
            ("max-import-body-bytes", self.limits.max_import_body_bytes),
            ("max-connections", self.connections.max_connections),
            ("max-sockets-per-user", self.connections.max_sockets_per_user),
            ("header-timeout", self.connections.header_timeout_secs as usize),
            ("body-timeout", self.connections.body_timeout_secs as usize),
            ("ws-init-timeout", self.connections.ws_init_timeout_secs as usize),
            ("db-acquire-timeout", self.connections.db_acquire_timeout_secs as usize),
            ("password-hash-concurrency", self.limits.password_hash_concurrency),
            ("max-import-unpacked-bytes", self.limits.max_import_unpacked_bytes as usize),
            ("max-concurrent-imports", self.limits.max_concurrent_imports),
            ("access-token-ttl", k.access_ttl_secs as usize),
            ("refresh-token-ttl", k.refresh_ttl_secs as usize),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        Ok(Config {
            database_url: self.db.url,
            bind: self.bind,
            demo: self.demo,
            migrate: !self.no_migrate,
            playground: self.playground || self.demo,
            introspection: self.introspection || self.demo,
            metrics: self.metrics || self.demo,
            keys,
            access_ttl: Duration::from_secs(k.access_ttl_secs),
            refresh_ttl: Duration::from_secs(k.refresh_ttl_secs),
            limits: Limits {
                max_depth: self.limits.max_depth,
                max_complexity: self.limits.max_complexity,
                max_aliases: self.limits.max_aliases,
                max_batch: self.limits.max_batch,
                login_attempts_per_minute: self.limits.login_attempts_per_minute.max(1),
                max_query_bytes: self.limits.max_query_bytes,
                max_nesting: self.limits.max_nesting,
                max_selections: self.limits.max_selections,
                max_body_bytes: self.limits.max_body_bytes,
                max_import_body_bytes: self.limits.max_import_body_bytes,
                login_lockout_secs: self.limits.login_lockout_secs,
                login_lockout_max_secs: self.limits.login_lockout_max_secs,
                password_hash_concurrency: self.limits.password_hash_concurrency,
                refresh_grace_secs: self.limits.refresh_grace_secs,
                trusted_proxy: self.limits.trusted_proxy,
                max_import_unpacked_bytes: self.limits.max_import_unpacked_bytes,
                max_concurrent_imports: self.limits.max_concurrent_imports,
            },
            connections: Connections {
                max_connections: self.connections.max_connections,
                max_sockets_per_user: self.connections.max_sockets_per_user,
                header_timeout: Duration::from_secs(self.connections.header_timeout_secs),
                body_timeout: Duration::from_secs(self.connections.body_timeout_secs),
                ws_init_timeout: Duration::from_secs(self.connections.ws_init_timeout_secs),
                db_acquire_timeout: Duration::from_secs(self.connections.db_acquire_timeout_secs),
                shutdown_grace: Duration::from_secs(self.connections.shutdown_grace_secs),
            },
            rule_interval: (self.rule_interval_secs > 0).then(|| Duration::from_secs(self.rule_interval_secs)),
        })
    }
}

/// Hides a password in a database URL before it is printed.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn database_password_is_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("sqlite://pingan.db?mode=rwc"), "sqlite://pingan.db?mode=rwc");
    }
}
