//! The town's weekly update of an open risk item (每周调整更新). Append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_weekly_update")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub risk_item_id: Uuid,
    pub updated_on: Date,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, risk_item_id, updated_on, summary, recorded_by_user_id, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::risk_item::Entity",
        from = "Column::RiskItemId",
        to = "super::risk_item::Column::Id"
    )]
    RiskItem,
}

impl Related<super::risk_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskItem.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
