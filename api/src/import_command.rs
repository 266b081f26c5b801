//! `pingan import persons|venues FILE --unit …`: the import mutation run on the command line,
//! so the rows go through exactly the checks, writes and audit of a client's import.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use base64::Engine as _;
use entity::{app_user, org_unit, town};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::access::Access;
use crate::auth::token::TokenKeys;
use crate::auth::{Auth, Viewer};
use crate::config::{Config, ImportArgs, Limits};
use crate::graphql::import::Progress;
use crate::graphql::{Authn, build_schema};
use crate::pipeline::Operation;
use crate::{AppState, db};

/// Runs the import and prints its result; fails when anything was rejected.
pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let content = std::fs::read(&args.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
    let mapping = match &args.mapping {
        Some(path) => Some(std::fs::read_to_string(path)?),
        None => None,
    };
    let db = db::connect(&args.db.url).await?;
    db::migrate(&db).await?;
    let viewer = importer(&db, &args.unit, args.user.as_deref()).await?;
    let statements = Arc::new(AtomicU64::new(0));
    let state = Arc::new(AppState {
        db,
        checkouts: db::Checkouts::new(statements.clone()),
        directory: Default::default(),
        statements,
        auth: Auth::new(
            TokenKeys::ephemeral("pingan", "pingan-api"),
            Duration::from_secs(60),
            Duration::from_secs(60),
            &Limits::default(),
        ),
        access: Access::load().await?,
        config: offline_config(&args.db.url),
        task_events: crate::rules::channel(),
        documents: Default::default(),
        sockets: Default::default(),
        stopping: tokio::sync::watch::Sender::new(false),
        // Nothing serves them: counted nowhere.
        metrics: crate::metrics::Metrics::new(false),
    });
    let schema = build_schema(state.clone(), &state.config.limits, false, false);
    let field = if args.what == "persons" { "importPersons" } else { "importVenues" };
    let query = format!(
        "mutation($input: ImportInput!) {{ result: {field}(input: $input) {{ rows created unchanged dryRun \
         rejected {{ line column reason reasonZh }} }} }}"
    );
    let variables = serde_json::json!({ "input": {
        "content": base64::engine::general_purpose::STANDARD.encode(&content),
        "sheet": args.sheet,
        "mapping": mapping,
        "dryRun": args.dry_run,
    }});
    let progress = Progress(Arc::new(|stage: &str, done: usize, total: usize| {
        let stage = match stage {
            "read" => "reading",
            "check" => "checking",
            _ => "writing",
        };
        if total > 0 {
            eprint!("\r{stage} row {done}/{total}   ");
        } else {
            eprint!("\r{stage} row {done}   ");
        }
        let _ = std::io::stderr().flush();
    }));
    // The same pipeline as a request to the server: its own request id, loaders and read log.
    let operation = Operation::new(Uuid::now_v7().to_string(), Authn::Viewer(viewer));
    let mut request =
        async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables)).data(progress);
    operation.attach(&state, &mut request, None);
    let response = operation.answer(schema.execute(request).await);
    operation.finish(&state).await?;
    eprintln!();
    if let Some(error) = response.errors.first() {
        anyhow::bail!("{}", error.message);
    }
    let result = response.data.into_json()?;
    let result = &result["result"];
    for r in result["rejected"].as_array().into_iter().flatten() {
        let line = r["line"].as_u64().map(|l| format!("row {l}")).unwrap_or_default();
        println!("{line} {}: {} {}", r["column"].as_str().unwrap_or(""), r["reason"], r["reasonZh"]);
    }
    println!(
        "{} rows: {} created, {} unchanged, {} rejected{}",
        result["rows"],
        result["created"],
        result["unchanged"],
        result["rejected"].as_array().map_or(0, Vec::len),
        if args.dry_run { " (dry run: nothing written)" } else { "" }
    );
    anyhow::ensure!(result["rejected"].as_array().is_none_or(Vec::is_empty), "rows were rejected; nothing was written");
    Ok(())
}

/// The user an import is written under: `user`, or the unit's first active user.
async fn importer(db: &sea_orm::DatabaseConnection, unit: &str, user: Option<&str>) -> anyhow::Result<Viewer> {
    let units = org_unit::Entity::find().filter(org_unit::Column::Name.eq(unit)).all(db).await?;
    let [unit] = units.as_slice() else {
        anyhow::bail!("{} units are named {unit}; give the exact name of one", units.len());
    };
    let mut users = app_user::Entity::find()
        .filter(app_user::Column::OrgUnitId.eq(unit.id))
        .filter(app_user::Column::Active.eq(true))
        .order_by_asc(app_user::Column::Username);
    if let Some(user) = user {
        users = users.filter(app_user::Column::Username.eq(user));
    }
    let user = users.one(db).await?.ok_or_else(|| anyhow::anyhow!("the unit {} has no such active user", unit.name))?;
    let town = town::Entity::find_by_id(user.town_id).one(db).await?.ok_or_else(|| anyhow::anyhow!("no town"))?;
    Ok(Viewer::of(user, unit.clone(), town.name, Uuid::nil()))
}

/// A configuration for running the schema without serving it.
fn offline_config(url: &str) -> Config {
    Config {
        database_url: url.to_owned(),
        bind: ([127, 0, 0, 1], 0).into(),
        demo: false,
        migrate: false,
        playground: false,
        introspection: false,
        keys: TokenKeys::ephemeral("pingan", "pingan-api"),
        access_ttl: Duration::from_secs(60),
        refresh_ttl: Duration::from_secs(60),
        limits: Limits { max_batch: 1, login_attempts_per_minute: 1, ..Default::default() },
        connections: Default::default(),
        metrics: false,
        rule_interval: None,
    }
}
