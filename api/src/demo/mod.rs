//! The demo world of `spec/demo.md`: two towns, their units and users, and a ledger of records.
//!
//! Loaded by `serve --demo` and by the tests. Loading is idempotent, and refused on a database
//! that holds anything but the demo world, so demo users can never appear next to real data.
//! All names are invented.

mod records;

pub use records::Counts;

use std::sync::OnceLock;

use entity::enums::{Role, UnitKind};
use entity::{app_user, town};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::password;
use crate::town as structure;

/// Every demo user's password.
pub const PASSWORD: &str = "demo-pass-2026";

/// A demo town: name, villages, offices (name, kind).
struct TownSpec {
    name: &'static str,
    villages: &'static [&'static str],
    offices: &'static [(&'static str, UnitKind)],
}

const TOWNS: &[TownSpec] = &[
    TownSpec {
        name: "清河镇",
        villages: &["东庄村", "西庄村", "南湾社区"],
        offices: &[
            ("清河镇扫黑办", UnitKind::CoordinationOffice),
            ("清河镇纪委", UnitKind::DisciplineCommission),
            ("清河派出所", UnitKind::PoliceStation),
            ("清河司法所", UnitKind::JudicialOffice),
        ],
    },
    TownSpec {
        name: "柳林镇",
        villages: &["柳林村", "河口村"],
        offices: &[("柳林镇扫黑办", UnitKind::CoordinationOffice), ("柳林派出所", UnitKind::PoliceStation)],
    },
];

/// (username, display name, unit name, role)
pub const USERS: &[(&str, &str, &str, Role)] = &[
    ("coord", "扫黑办 王主任", "清河镇扫黑办", Role::Coordinator),
    ("jiwei", "纪委 李书记", "清河镇纪委", Role::Discipline),
    ("police", "派出所 张警官", "清河派出所", Role::Police),
    ("sifa", "司法所 赵所长", "清河司法所", Role::Judicial),
    ("dongzhuang", "东庄村 刘主任", "东庄村", Role::Village),
    ("xizhuang", "西庄村 陈主任", "西庄村", Role::Village),
    ("nanwan", "南湾社区 周主任", "南湾社区", Role::Village),
    ("admin", "系统管理员", "清河镇扫黑办", Role::Admin),
    ("liulin_coord", "柳林扫黑办 吴主任", "柳林镇扫黑办", Role::Coordinator),
    ("liulin_police", "柳林派出所 郑警官", "柳林派出所", Role::Police),
];

/// Why the demo world was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "refusing --demo: the database holds data that is not the demo world ({0}). Use an empty database, \
         e.g. --database-url sqlite://pingan-demo.db?mode=rwc"
    )]
    NotEmpty(String),
    #[error("refusing to seed: the database already holds data ({0}); seed an empty database")]
    Occupied(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Loads the demo world into an empty database; does nothing if it is already there.
pub async fn load(db: &DatabaseConnection) -> Result<(), DemoError> {
    if town::Entity::find().count(db).await? > 0 {
        return check_is_demo(db).await;
    }
    let hash = demo_password_hash().await?;
    let (txn, _turn) = crate::db::write(db).await?;
    for (index, spec) in TOWNS.iter().enumerate() {
        let town_id = insert_town(&txn, spec, &hash).await?;
        records::load(&txn, town_id, index == 0).await?;
    }
    txn.commit().await?;
    tracing::info!("demo world loaded");
    Ok(())
}

/// Loads the demo world into an empty database, then a synthetic world of `persons` persons and
/// their proportional records (`pingan seed`); refuses a database that holds any town.
pub async fn seed(
    db: &DatabaseConnection,
    persons: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Counts, DemoError> {
    if let Some(town) = town::Entity::find().one(db).await? {
        return Err(DemoError::Occupied(format!("town {}", town.name)));
    }
    load(db).await?;
    let mut towns = Vec::new();
    for spec in TOWNS {
        let town = town::Entity::find().filter(town::Column::Name.eq(spec.name)).one(db).await?;
        towns.push(town.ok_or_else(|| anyhow::anyhow!("demo town {} missing", spec.name))?.id);
    }
    records::load_synthetic(db, &towns, persons, seed, progress).await
}

async fn check_is_demo(db: &DatabaseConnection) -> Result<(), DemoError> {
    let town_names: Vec<&str> = TOWNS.iter().map(|t| t.name).collect();
    let user_names: Vec<&str> = USERS.iter().map(|u| u.0).collect();
    if let Some(other) = town::Entity::find().filter(town::Column::Name.is_not_in(town_names)).one(db).await? {
        return Err(DemoError::NotEmpty(format!("town {}", other.name)));
    }
    if let Some(other) =
        app_user::Entity::find().filter(app_user::Column::Username.is_not_in(user_names)).one(db).await?
    {
        return Err(DemoError::NotEmpty(format!("user {}", other.username)));
    }
    if app_user::Entity::find().count(db).await? != USERS.len() as u64 {
        return Err(DemoError::NotEmpty("an incomplete demo world".into()));
    }
    Ok(())
}

/// All demo users share one public password, so one hash serves them all (hashing is slow on
/// purpose, and tests load the demo world many times).
async fn demo_password_hash() -> anyhow::Result<String> {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(hash) = HASH.get() {
        return Ok(hash.clone());
    }
    let hash = tokio::task::spawn_blocking(|| password::hash(PASSWORD)).await??;
    Ok(HASH.get_or_init(|| hash).clone())
}

async fn insert_town(txn: &impl ConnectionTrait, spec: &TownSpec, hash: &str) -> Result<Uuid, DemoError> {
    let town_id = structure::insert_town(txn, spec.name).await?;
    let mut units: Vec<(&str, Uuid)> = Vec::new();
    for (name, kind) in spec.offices {
        units.push((name, structure::insert_office(txn, town_id, name, *kind).await?.id));
    }
    for name in spec.villages {
        units.push((name, structure::insert_village(txn, town_id, name).await?.1.id));
    }
    for (username, display_name, unit_name, role) in USERS {
        let Some((_, unit_id)) = units.iter().find(|(name, _)| name == unit_name) else {
            continue;
        };
        let user =
            structure::NewUser { town_id, unit_id: *unit_id, username, display_name, role: *role, password_hash: hash };
        structure::insert_user(txn, user).await?;
    }
    Ok(town_id)
}
