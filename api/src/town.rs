//! A town's structure — the town, its offices, its villages with their committees, its users —
//! written the one way the demo world, `pingan town init` and the administration all write it.
//! (Towns, units and users are not case records: they sit outside the access layer's stores.)

use chrono::Utc;
use entity::enums::{Role, UnitKind};
use entity::{app_user, org_unit, town, village};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

/// Creates a town; its id.
pub async fn insert_town(txn: &impl ConnectionTrait, name: &str) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    town::ActiveModel { id: Set(id), name: Set(name.to_owned()) }.insert(txn).await?;
    Ok(id)
}

/// Creates an office (any kind but a village committee, which [`insert_village`] creates).
pub async fn insert_office(
    txn: &impl ConnectionTrait,
    town_id: Uuid,
    name: &str,
    kind: UnitKind,
) -> Result<org_unit::Model, DbErr> {
    insert_unit(txn, town_id, name, kind, None).await
}

/// Creates a village and the committee unit that serves it, of the same name.
pub async fn insert_village(
    txn: &impl ConnectionTrait,
    town_id: Uuid,
    name: &str,
) -> Result<(village::Model, org_unit::Model), DbErr> {
    let village_id = Uuid::now_v7();
    let village = village::ActiveModel { id: Set(village_id), town_id: Set(town_id), name: Set(name.to_owned()) };
    let village = village.insert(txn).await?;
    let unit = insert_unit(txn, town_id, name, UnitKind::Village, Some(village_id)).await?;
    Ok((village, unit))
}

async fn insert_unit(
    txn: &impl ConnectionTrait,
    town_id: Uuid,
    name: &str,
    kind: UnitKind,
    village_id: Option<Uuid>,
) -> Result<org_unit::Model, DbErr> {
    org_unit::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town_id),
        name: Set(name.to_owned()),
        kind: Set(kind),
        village_id: Set(village_id),
    }
    .insert(txn)
    .await
}

/// A new user of a unit.
pub struct NewUser<'a> {
    pub town_id: Uuid,
    pub unit_id: Uuid,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    /// An argon2id PHC string, or [`app_user::NO_PASSWORD`] for a user who gets a setup code.
    pub password_hash: &'a str,
}

/// Creates an active user; its id.
pub async fn insert_user(txn: &impl ConnectionTrait, user: NewUser<'_>) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    app_user::ActiveModel {
        id: Set(id),
        town_id: Set(user.town_id),
        org_unit_id: Set(user.unit_id),
        username: Set(user.username.to_owned()),
        display_name: Set(user.display_name.to_owned()),
        role: Set(user.role),
        password_hash: Set(user.password_hash.to_owned()),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        setup_code_hash: Set(None),
        setup_code_expires_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(id)
}
