//! A step in a risk item's history (report, update, assessment, feedback, escalation with its
//! reason, resolution). Append-only. A `None` actor is the system.

use crate::enums::RiskEventKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub risk_item_id: Uuid,
    pub kind: RiskEventKind,
    pub actor_user_id: Option<Uuid>,
    pub actor_unit_id: Option<Uuid>,
    /// The value before the step (a status or escalation level name), when it changed one.
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, risk_item_id, kind, actor_user_id, actor_unit_id, from_value, to_value, note, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::risk_item::Entity",
        from = "Column::RiskItemId",
        to = "super::risk_item::Column::Id"
    )]
    RiskItem,
    #[sea_orm(belongs_to = "super::app_user::Entity", from = "Column::ActorUserId", to = "super::app_user::Column::Id")]
    ActorUser,
    #[sea_orm(belongs_to = "super::org_unit::Entity", from = "Column::ActorUnitId", to = "super::org_unit::Column::Id")]
    ActorUnit,
}

impl Related<super::risk_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskItem.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
