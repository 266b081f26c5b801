//! Test support: a fresh database per test and the real app on port 0.
//!
//! `TestApp::spawn()` gives each test its own database — a temporary SQLite file, or, when
//! `PINGAN_TEST_POSTGRES_URL` is set, a uniquely named PostgreSQL database created on that
//! server — migrated and loaded with the demo world, and the same `App` the binary runs,
//! listening on a free port. Dropping the `TestApp` stops the server and deletes the database,
//! also when the test panics.

pub mod fault;
pub mod schema;
pub mod sheets;

use std::net::SocketAddr;
use std::time::Duration;

use pingan::config::{Config, Connections, Limits};
use pingan::{App, AppState};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::oneshot;

/// The HS256 secret the test servers sign with (tests forge tokens with it).
pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";
pub const ISSUER: &str = "pingan";
pub const AUDIENCE: &str = "pingan-api";
pub use pingan::demo::PASSWORD;

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another app's database (see [`TestApp::second`]): that app deletes it.
    Borrowed,
}

impl TestDb {
    /// A new empty database on the backend the environment selects.
    pub async fn create() -> Self {
        match std::env::var("PINGAN_TEST_POSTGRES_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Self::postgres(admin_url).await,
            _ => Self::sqlite(),
        }
    }

    /// A new database, migrated, holding a seeded world of `persons` persons (seed 5) on top of the
    /// demo world, with a connection to it.
    pub async fn seeded(persons: usize) -> (Self, sea_orm::DatabaseConnection) {
        let db = Self::create().await;
        let conn = pingan::db::connect(&db.url).await.expect("connect");
        pingan::db::migrate(&conn).await.expect("migrate");
        pingan::demo::seed(&conn, persons, 5, &|_| {}).await.expect("seed");
        (db, conn)
    }

    /// Reverts the migrations applied to `conn` back to and including the one named `name`
    /// (as its module is named), however many came after it.
    pub async fn down_through(conn: &sea_orm::DatabaseConnection, name: &str) {
        use migration::{Migrator, MigratorTrait};
        let all = Migrator::migrations();
        let at = all.iter().position(|m| m.name() == name).unwrap_or_else(|| panic!("no migration {name}"));
        Migrator::down(conn, Some((all.len() - at) as u32)).await.expect("down");
    }

    /// Which backend this run tests.
    pub fn backend() -> &'static str {
        match std::env::var("PINGAN_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => "postgres",
            _ => "sqlite",
        }
    }

    fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("pingan-test-{}.db", uuid::Uuid::now_v7().simple()));
        Self { url: format!("sqlite://{}?mode=rwc", path.display()), cleanup: Cleanup::SqliteFile(path) }
    }

    async fn postgres(admin_url: String) -> Self {
        use sea_orm::ConnectionTrait;
        let name = format!("pingan_t_{}", uuid::Uuid::now_v7().simple());
        let admin = sea_orm::Database::connect(&admin_url).await.expect("connect to PINGAN_TEST_POSTGRES_URL");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await.ok();
        let url = replace_db_name(&admin_url, &name);
        Self { url, cleanup: Cleanup::Postgres { admin_url, name } }
    }
}

/// `postgres://u@h:5432/postgres?x` -> `postgres://u@h:5432/NAME?x`
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Borrowed => {}
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside any runtime guarantee: use a thread with its own runtime.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    rt.block_on(async {
                        use sea_orm::ConnectionTrait;
                        if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                            let _ =
                                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// The configuration tests run with: a known HS256 key, default limits.
pub fn test_config(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        bind: "127.0.0.1:0".parse().expect("loopback address"),
        demo: false,
        migrate: true,
        playground: false,
        // The canary and noninterference suites walk the schema by introspection.
        introspection: true,
        keys: pingan::auth::token::TokenKeys::hs256(TEST_SECRET.as_bytes(), ISSUER, AUDIENCE),
        access_ttl: Duration::from_secs(900),
        refresh_ttl: Duration::from_secs(3600),
        limits: Limits::default(),
        connections: Connections::default(),
        metrics: false,
        rule_interval: None,
    }
}

/// A running app with its own database and the demo world.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    // Declared last: dropped after the server has been told to stop.
    pub db: TestDb,
}

impl TestApp {
    /// Starts the app on a fresh database holding the demo world.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app with an adjusted configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::create().await;
        let mut config = test_config(&db.url);
        adjust(&mut config);
        {
            let conn = pingan::db::connect(&db.url).await.expect("connect");
            pingan::db::migrate(&conn).await.expect("migrate");
            pingan::demo::load(&conn).await.expect("load demo world");
            conn.close().await.ok();
        }
        Self::start(db, config).await
    }

    /// Starts the app on a database already prepared (e.g. by `pingan::demo::seed`).
    pub async fn start(db: TestDb, config: Config) -> Self {
        let app = App::build(config).await.expect("build app");
        let addr = app.local_addr().expect("bound");
        let state = app.state();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = app
                .run_until(async {
                    let _ = rx.await;
                })
                .await;
        });
        Self { addr, client: reqwest::Client::new(), state, shutdown: Some(tx), db }
    }

    /// A second server on this app's database, as a second replica runs; the database stays this
    /// app's to delete.
    pub async fn second(&self) -> Self {
        let db = TestDb { url: self.db.url.clone(), cleanup: Cleanup::Borrowed };
        Self::start(db, test_config(&self.db.url)).await
    }

    /// Stops the server as SIGTERM would: no new connections, requests in flight finish, sockets
    /// close.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs one GraphQL operation; returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_json(token, json!({ "query": query, "variables": variables })).await
    }

    /// POSTs an import document to `/graphql/import` (the route with the larger body limit).
    pub async fn import_gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_json_to("/graphql/import", token, json!({ "query": query, "variables": variables })).await
    }

    /// POSTs any JSON body to `/graphql`.
    pub async fn post_json(&self, token: Option<&str>, body: Value) -> Value {
        self.post_json_to("/graphql", token, body).await
    }

    /// POSTs any JSON body to `path`.
    pub async fn post_json_to(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        response.json().await.expect("json body")
    }

    /// Logs in; returns the whole `login` payload.
    pub async fn login_payload(&self, username: &str, password: &str) -> Value {
        self.gql(
            None,
            "mutation($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { accessToken refreshToken expiresAt user { username role } } }",
            json!({ "u": username, "p": password }),
        )
        .await
    }

    /// Runs `mutation(input: $i) { selection }` that must succeed; returns its payload.
    /// The input type is `{Mutation}Input`; see [`TestApp::mutate_typed`] for shared ones.
    pub async fn mutate(&self, token: &str, mutation: &str, input: Value, selection: &str) -> Value {
        let mut chars = mutation.chars();
        let input_type: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        self.mutate_typed(token, mutation, &format!("{input_type}Input"), input, selection).await
    }

    /// [`TestApp::mutate`] with an input type of another name (`LeadStepInput`, …).
    pub async fn mutate_typed(
        &self,
        token: &str,
        mutation: &str,
        input_type: &str,
        input: Value,
        selection: &str,
    ) -> Value {
        let query = format!("mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ {selection} }} }}");
        let body = self.gql(Some(token), &query, json!({ "i": input })).await;
        assert!(body["errors"].is_null(), "{mutation}: {body}");
        body["data"][mutation].clone()
    }

    /// The id of the org unit named `name`.
    pub async fn unit_id(&self, name: &str) -> uuid::Uuid {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let unit = entity::org_unit::Entity::find().filter(entity::org_unit::Column::Name.eq(name));
        unit.one(&self.state.db).await.expect("query").unwrap_or_else(|| panic!("no unit {name}")).id
    }

    /// Logs in as a demo user; returns the access token.
    pub async fn login(&self, username: &str) -> String {
        let body = self.login_payload(username, PASSWORD).await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login as {username} failed: {body}"))
            .to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Every user of the app's database as the viewer the access layer sees (no session, no town
/// name), for the suites that call the stores directly.
pub async fn viewers(app: &TestApp) -> Vec<pingan::auth::Viewer> {
    use sea_orm::EntityTrait;
    let db = &app.state.db;
    let mut viewers = Vec::new();
    for user in entity::app_user::Entity::find().all(db).await.unwrap() {
        let unit = entity::org_unit::Entity::find_by_id(user.org_unit_id).one(db).await.unwrap().unwrap();
        viewers.push(pingan::auth::Viewer::of(user, unit, String::new(), uuid::Uuid::nil()));
    }
    viewers
}

/// A valid national ID number (身份证号) of someone born on `birth` (YYYYMMDD) with the
/// three-digit sequence `seq3`, its check digit computed.
pub fn id_for(birth: &str, seq3: &str) -> String {
    let body = format!("110105{birth}{seq3}");
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// The global id of a record (`Kind:uuid`, as the API encodes it).
pub fn global_id(kind: &str, id: uuid::Uuid) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// The uuid inside a global id.
pub fn uuid_of(global: &Value) -> uuid::Uuid {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global.as_str().expect("an id")).expect("base64");
    let text = String::from_utf8(raw).expect("utf-8");
    uuid::Uuid::parse_str(text.split_once(':').expect("Kind:uuid").1).expect("uuid")
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_keeping_query() {
        assert_eq!(
            super::replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_db_name("postgres://u:p@h/db?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
    }
}
