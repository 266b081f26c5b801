//! Benchmark (run by hand): 100 000 persons in a SQLite database, exported as XLSX and CSV by
//! the real server; prints the time of each export and the peak memory of the process.
//!
//! `cargo run --release -p pingan --example export_bench`

use std::time::{Duration, Instant};

use chrono::Utc;
use entity::enums::{AttentionLevel, Gender, PersonCategory, RecordStatus, Role};
use entity::{app_user, person, person_category, village};
use pingan::access::stores::seed::Seed;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

const PERSONS: usize = 100_000;

fn peak_memory_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let path = std::env::temp_dir().join(format!("pingan-bench-{}.db", Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = pingan::db::connect(&url).await?;
    pingan::db::migrate(&db).await?;
    pingan::demo::load(&db).await?;
    let police = app_user::Entity::find().filter(app_user::Column::Username.eq("police")).one(&db).await?.unwrap();
    let villages: Vec<village::Model> =
        village::Entity::find().filter(village::Column::TownId.eq(police.town_id)).all(&db).await?;
    let now = Utc::now();
    let loading = Instant::now();
    for chunk in (0..PERSONS).collect::<Vec<_>>().chunks(1000) {
        let mut persons = Vec::new();
        let mut categories = Vec::new();
        for i in chunk {
            let id = Uuid::now_v7();
            persons.push(person::Model {
                id,
                town_id: police.town_id,
                village_id: villages[i % villages.len()].id,
                name: format!("测试人员{i}"),
                gender: Gender::Male,
                birth_date: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
                id_number: format!("B{i:017}"),
                phone: Some("13800000000".into()),
                address: Some("清河镇某路1号".into()),
                attention_level: AttentionLevel::General,
                level_since: now.date_naive(),
                responsible_officer_id: None,
                listed_at: now.date_naive(),
                status: RecordStatus::Active,
                notes: None,
                created_by_unit_id: police.org_unit_id,
                link_of_person_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            });
            categories.push(person_category::Model { person_id: id, category: PersonCategory::Vice });
        }
        Seed::seed_all(persons, &db).await?;
        Seed::seed_all(categories, &db).await?;
    }
    assert_eq!(police.role, Role::Police);
    println!("loaded {PERSONS} persons in {:.1?}; peak memory {} kB", loading.elapsed(), peak_memory_kb());
    db.close().await?;

    let config = pingan::config::Config {
        database_url: url.clone(),
        bind: ([127, 0, 0, 1], 0).into(),
        demo: false,
        migrate: false,
        playground: false,
        introspection: false,
        keys: pingan::auth::token::TokenKeys::ephemeral("pingan", "pingan-api"),
        access_ttl: Duration::from_secs(60),
        refresh_ttl: Duration::from_secs(60),
        limits: pingan::config::Limits { max_batch: 1, login_attempts_per_minute: 1, ..Default::default() },
        connections: Default::default(),
        metrics: false,
        rule_interval: None,
    };
    let state = pingan::App::build(config).await?.state();
    let unit = entity::org_unit::Entity::find_by_id(police.org_unit_id).one(&state.db).await?.unwrap();
    let viewer = pingan::auth::Viewer {
        user_id: police.id,
        session_id: Uuid::nil(),
        username: police.username.clone(),
        display_name: police.display_name.clone(),
        role: police.role,
        active: true,
        unit_id: unit.id,
        unit_name: unit.name,
        unit_kind: unit.kind,
        village_id: None,
        town_id: police.town_id,
        town_name: String::new(),
    };
    for ext in ["xlsx", "csv"] {
        let started = Instant::now();
        let file = format!("persons.{ext}");
        let response = pingan::sheet::export::respond(state.clone(), viewer.clone(), &file, &[], "bench")
            .await
            .expect("an export")
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut body = response.into_body().into_data_stream();
        let mut bytes = 0usize;
        while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
            bytes += chunk?.len();
        }
        println!("{file}: {bytes} bytes in {:.2?}; peak memory so far {} kB", started.elapsed(), peak_memory_kb());
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}
