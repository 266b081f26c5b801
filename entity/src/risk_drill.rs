//! A drill of a risk item's emergency plan (定期组织演练). Append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_drill")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub risk_item_id: Uuid,
    pub held_on: Date,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, risk_item_id, held_on, summary, recorded_by_user_id, created_at);

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
