//! The audit log: one append-only row per audited read or step, allowed or denied.
//!
//! Viewer fields are plain copies (username, unit name), so a reader needs no access to users.
//! Never store a value read, a title or a name from the object: only its type and id.

use crate::enums::{AuditCategory, AuditOutcome};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub created_at: DateTimeUtc,
    pub user_id: Option<Uuid>,
    pub username: String,
    pub unit_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<Uuid>,
    /// Field groups touched, comma-separated (`submission,reporter`).
    pub field_groups: String,
    pub request_id: String,
    pub outcome: AuditOutcome,
    pub category: AuditCategory,
}

crate::positional!(
    id,
    town_id,
    created_at,
    user_id,
    username,
    unit_name,
    action,
    object_type,
    object_id,
    field_groups,
    request_id,
    outcome,
    category
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::town::Entity", from = "Column::TownId", to = "super::town::Column::Id")]
    Town,
    #[sea_orm(belongs_to = "super::app_user::Entity", from = "Column::UserId", to = "super::app_user::Column::Id")]
    User,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
