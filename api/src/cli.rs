//! The subcommands of the `pingan` binary.

use chrono::Utc;
use entity::enums::{Role, UnitKind};
use entity::{app_user, org_unit, town};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::access::{Access, matrix};
use crate::auth::password;
use crate::config::{Cli, Command, CreateUserArgs, MigrateAction, PolicyAction, SeedArgs, TasksAction};
use crate::{App, db, rules};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = (*args).into_config()?;
            App::build(config).await?.run().await
        }
        Command::Migrate { db: args, action } => migrate(&args.url, action).await,
        Command::CreateUser(args) => create_user(args).await,
        Command::Import(args) => crate::import_command::import(args).await,
        Command::Policy { action: PolicyAction::Matrix { write } } => policy_matrix(write).await,
        Command::Seed(args) => seed(args).await,
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Tasks { db: args, action: TasksAction::Raise { at } } => raise_tasks(&args.url, at).await,
    }
}

/// Loads a synthetic world into an empty database, then sweeps the task rules once so the tasks
/// its overdue duties owe are there, as a running server would have raised them.
async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let db = db::connect(&args.db.url).await?;
    db::migrate(&db).await?;
    let bar = indicatif::ProgressBar::new(args.persons as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} persons, eta {eta}",
        )?
        .progress_chars("=> "),
    );
    // Without a terminal (a log, CI) the bar is hidden: a line per tenth instead.
    let tenths = std::sync::atomic::AtomicUsize::new(0);
    let progress = |done: usize| {
        bar.set_position(done as u64);
        let tenth = done * 10 / args.persons.max(1);
        if bar.is_hidden() && tenth > tenths.swap(tenth, std::sync::atomic::Ordering::Relaxed) {
            eprintln!("seeded {done} of {} persons ({:.0?})", args.persons, started.elapsed());
        }
    };
    let counts = crate::demo::seed(&db, args.persons, args.seed, &progress).await?;
    bar.finish_and_clear();
    let (channel, _) = tokio::sync::broadcast::channel(1);
    let swept = rules::sweep_all(&db, &channel, Utc::now()).await?;
    println!(
        "seeded {} persons ({} talks), {} venues ({} inspections), {} leads ({} events), {} risk items, {} tasks \
         and the demo world; the task rules raised {} more; {:.1?}",
        counts.persons,
        counts.talks,
        counts.venues,
        counts.inspections,
        counts.leads,
        counts.lead_events,
        counts.risk_items,
        counts.tasks,
        swept.raised.len(),
        started.elapsed()
    );
    Ok(())
}

/// One sweep of the task rules, as the server's scheduler runs it.
async fn raise_tasks(url: &str, at: Option<chrono::DateTime<Utc>>) -> anyhow::Result<()> {
    let db = db::connect(url).await?;
    db::migrate(&db).await?;
    let at = at.unwrap_or_else(Utc::now);
    // Nobody subscribes in this process; on PostgreSQL the servers' subscribers hear the tasks.
    let (channel, _) = tokio::sync::broadcast::channel(1);
    let outcome = rules::sweep_all(&db, &channel, at).await?;
    if outcome.skipped {
        println!("task rules at {at}: a server is sweeping now; nothing done");
    } else {
        println!("task rules at {at}: raised {}, closed {}", outcome.raised.len(), outcome.closed.len());
    }
    Ok(())
}

async fn policy_matrix(write: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let access = Access::load().await?;
    let rendered = matrix::render(&access.rules());
    match write {
        None => print!("{rendered}"),
        Some(path) => {
            let readme = std::fs::read_to_string(&path)?;
            let updated = matrix::replace_in(&readme, &rendered).ok_or_else(|| {
                anyhow::anyhow!(
                    "{} has no generated section; add the lines\n{}\n{}",
                    path.display(),
                    matrix::BEGIN,
                    matrix::END
                )
            })?;
            std::fs::write(&path, updated)?;
            println!("updated the access matrix in {}", path.display());
        }
    }
    Ok(())
}

async fn migrate(url: &str, action: MigrateAction) -> anyhow::Result<()> {
    let db = db::connect(url).await?;
    match action {
        MigrateAction::Up => {
            Migrator::up(&db, None).await?;
            println!("all migrations applied");
        }
        MigrateAction::Down { steps } => {
            Migrator::down(&db, Some(steps)).await?;
            println!("rolled back {steps} migration(s)");
        }
        MigrateAction::Status => {
            let pending: Vec<String> =
                Migrator::get_pending_migrations(&db).await?.iter().map(|m| m.name().to_owned()).collect();
            for m in Migrator::migrations() {
                let state = if pending.iter().any(|p| p == m.name()) { "pending" } else { "applied" };
                println!("{state:8} {}", m.name());
            }
        }
    }
    Ok(())
}

/// Creates a town's first administrator (and the town with its coordination office, if new).
async fn create_user(args: CreateUserArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.password.chars().count() >= 12, "the password must be at least 12 characters long");
    anyhow::ensure!(!args.username.trim().is_empty(), "the username must not be empty");
    let db = db::connect(&args.db.url).await?;
    db::migrate(&db).await?;
    if app_user::Entity::find().filter(app_user::Column::Username.eq(&args.username)).one(&db).await?.is_some() {
        anyhow::bail!("a user named {} already exists", args.username);
    }
    let password = args.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&password)).await??;
    let now = Utc::now();
    let (txn, _turn) = crate::db::write(&db).await?;
    let town_id = match town::Entity::find().filter(town::Column::Name.eq(&args.town)).one(&txn).await? {
        Some(t) => t.id,
        None => {
            let id = Uuid::now_v7();
            town::ActiveModel { id: Set(id), name: Set(args.town.clone()) }.insert(&txn).await?;
            id
        }
    };
    let office = org_unit::Entity::find()
        .filter(org_unit::Column::TownId.eq(town_id))
        .filter(org_unit::Column::Kind.eq(UnitKind::CoordinationOffice))
        .one(&txn)
        .await?;
    let unit_id = match office {
        Some(unit) => unit.id,
        None => {
            let id = Uuid::now_v7();
            org_unit::ActiveModel {
                id: Set(id),
                town_id: Set(town_id),
                name: Set(format!("{}扫黑办", args.town)),
                kind: Set(UnitKind::CoordinationOffice),
                village_id: Set(None),
            }
            .insert(&txn)
            .await?;
            id
        }
    };
    app_user::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town_id),
        org_unit_id: Set(unit_id),
        username: Set(args.username.clone()),
        display_name: Set(args.display_name.clone().unwrap_or_else(|| args.username.clone())),
        role: Set(Role::Admin),
        password_hash: Set(hash),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    println!("created administrator {} of {}", args.username, args.town);
    Ok(())
}
