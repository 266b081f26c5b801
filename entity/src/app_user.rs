//! A user. The table is `app_user` because `user` is reserved in PostgreSQL. Role, unit and town
//! are read from here on every request (access rule 7), never trusted from a token.

use crate::enums::Role;
use sea_orm::entity::prelude::*;

/// The stored password of a user who has none yet: no PHC string, so nothing verifies against it.
pub const NO_PASSWORD: &str = "!";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub org_unit_id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// An argon2id PHC string, or [`NO_PASSWORD`] until a setup code is redeemed.
    pub password_hash: String,
    /// SHA-256 (hex) of a pending one-time setup code.
    pub setup_code_hash: Option<String>,
    pub setup_code_expires_at: Option<DateTimeUtc>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    org_unit_id,
    username,
    display_name,
    role,
    password_hash,
    setup_code_hash,
    setup_code_expires_at,
    active,
    version,
    created_at,
    updated_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::town::Entity", from = "Column::TownId", to = "super::town::Column::Id")]
    Town,
    #[sea_orm(belongs_to = "super::org_unit::Entity", from = "Column::OrgUnitId", to = "super::org_unit::Column::Id")]
    OrgUnit,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl Related<super::org_unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgUnit.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
