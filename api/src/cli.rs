//! The subcommands of the `pingan` binary.

use chrono::Utc;
use migration::{Migrator, MigratorTrait};

use crate::access::{Access, matrix};
use crate::config::{Cli, Command, MigrateAction, PolicyAction, SeedArgs, TasksAction, TownAction};
use crate::{App, db, rules};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = (*args).into_config()?;
            App::build(config).await?.run().await
        }
        Command::Migrate { db: args, action } => migrate(&args.url, action).await,
        Command::Town { db: args, action: TownAction::Init { file } } => {
            let created = town_init(&args.url, &file).await?;
            println!("{created}");
            Ok(())
        }
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
        "seeded {} persons ({} talks), {} venues ({} inspections), {} leads ({} events), {} risk items, {} tasks, \
         {} meetings ({} decisions), {} lawyers' reports and the demo world; the task rules raised {} more; {:.1?}",
        counts.persons,
        counts.talks,
        counts.venues,
        counts.inspections,
        counts.leads,
        counts.lead_events,
        counts.risk_items,
        counts.tasks,
        counts.meetings,
        counts.decisions,
        counts.lawyer_reports,
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

/// `town init`: migrates the database and creates the town of `file`.
pub async fn town_init(url: &str, file: &std::path::Path) -> anyhow::Result<crate::town_init::Created> {
    let town = crate::town_init::read(file)?;
    let db = db::connect(url).await?;
    db::migrate(&db).await?;
    let created = crate::town_init::init(&db, &town).await;
    db.close().await.ok();
    created
}
