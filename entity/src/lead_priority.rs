//! What a lead owes for its priority (issue 15), beside the lead: whether it is major (part of
//! its `handling`), when its report as a major lead is due, and when the discipline commission
//! must have taken it up as an umbrella lead (cleared by the commission's first step). One row
//! per lead that has any of these; a lead without a row is neither major nor owed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_priority")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub lead_id: Uuid,
    pub town_id: Uuid,
    pub major: bool,
    pub major_due_at: Option<DateTimeUtc>,
    pub umbrella_due_at: Option<DateTimeUtc>,
}

crate::positional!(lead_id, town_id, major, major_due_at, umbrella_due_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::lead::Entity", from = "Column::LeadId", to = "super::lead::Column::Id")]
    Lead,
}

impl Related<super::lead::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
