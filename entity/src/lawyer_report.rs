//! The judicial office's ledger of lawyers' reports of representing gang cases (seed 001
//! "建立律师代理涉黑涉恶涉霸案报告制度"): who reported representing which case before which
//! court, and when. It records the representation reported, nothing else about the lawyer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lawyer_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub lawyer_name: String,
    pub law_firm: String,
    pub case_name: String,
    pub court: String,
    pub reported_on: Date,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub recorded_by_unit_id: Uuid,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    lawyer_name,
    law_firm,
    case_name,
    court,
    reported_on,
    note,
    recorded_by_unit_id,
    recorded_by_user_id,
    created_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::town::Entity", from = "Column::TownId", to = "super::town::Column::Id")]
    Town,
}

impl ActiveModelBehavior for ActiveModel {}
