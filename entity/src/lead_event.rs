//! A step in a lead's lifecycle, with actor and time. Append-only. A `None` actor is the system.

use crate::enums::{LeadEventKind, LeadStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub lead_id: Uuid,
    pub kind: LeadEventKind,
    pub actor_user_id: Option<Uuid>,
    pub actor_unit_id: Option<Uuid>,
    pub from_status: Option<LeadStatus>,
    pub to_status: Option<LeadStatus>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, lead_id, kind, actor_user_id, actor_unit_id, from_status, to_status, note, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::lead::Entity", from = "Column::LeadId", to = "super::lead::Column::Id")]
    Lead,
    #[sea_orm(belongs_to = "super::app_user::Entity", from = "Column::ActorUserId", to = "super::app_user::Column::Id")]
    ActorUser,
    #[sea_orm(belongs_to = "super::org_unit::Entity", from = "Column::ActorUnitId", to = "super::org_unit::Column::Id")]
    ActorUnit,
}

impl Related<super::lead::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
