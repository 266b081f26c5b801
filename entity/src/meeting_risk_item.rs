//! A risk item a meeting took up: written by an escalation to TOWN or DISTRICT that names the
//! meeting (三级联席会议). The item is read under its own rules, the meeting under its own.

use crate::enums::EscalationLevel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_risk_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub risk_item_id: Uuid,
    /// The level the escalation took the item to.
    pub escalated_to: EscalationLevel,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, meeting_id, risk_item_id, escalated_to, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::meeting::Entity", from = "Column::MeetingId", to = "super::meeting::Column::Id")]
    Meeting,
    #[sea_orm(
        belongs_to = "super::risk_item::Entity",
        from = "Column::RiskItemId",
        to = "super::risk_item::Column::Id"
    )]
    RiskItem,
}

impl Related<super::meeting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Meeting.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
