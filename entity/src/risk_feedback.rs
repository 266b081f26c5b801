//! Feedback from the assignee unit on a risk item; the first one moves it to `RESOLVING`.
//! Append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_feedback")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub risk_item_id: Uuid,
    pub unit_id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, risk_item_id, unit_id, user_id, body, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::risk_item::Entity",
        from = "Column::RiskItemId",
        to = "super::risk_item::Column::Id"
    )]
    RiskItem,
    #[sea_orm(belongs_to = "super::org_unit::Entity", from = "Column::UnitId", to = "super::org_unit::Column::Id")]
    Unit,
    #[sea_orm(belongs_to = "super::app_user::Entity", from = "Column::UserId", to = "super::app_user::Column::Id")]
    User,
}

impl Related<super::risk_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskItem.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
