//! One save of a risk item's emergency plan (一事一案 应急处置预案) with its lead official and unit
//! (包案领导、包案单位). Append-only: each save is a new revision; the highest is in force.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_plan_revision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub risk_item_id: Uuid,
    /// 1 for the first save of the item's plan, then 2, 3 …
    pub revision: i32,
    #[sea_orm(column_type = "Text")]
    pub trigger_criteria: String,
    #[sea_orm(column_type = "Text")]
    pub release_criteria: String,
    #[sea_orm(column_type = "Text")]
    pub command: String,
    #[sea_orm(column_type = "Text")]
    pub duties: String,
    #[sea_orm(column_type = "Text")]
    pub measures: String,
    #[sea_orm(column_type = "Text")]
    pub supplies: String,
    pub lead_official: String,
    pub lead_unit_id: Uuid,
    pub saved_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(
    id,
    risk_item_id,
    revision,
    trigger_criteria,
    release_criteria,
    command,
    duties,
    measures,
    supplies,
    lead_official,
    lead_unit_id,
    saved_by_user_id,
    created_at
);

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
