//! A judicial tag on a person, added by the judicial office: released prisoner (with release date)
//! or community correction (with the date correction ends). One tag of each kind per person.

use crate::enums::JudicialTag;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_judicial_tag")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub tag: JudicialTag,
    pub release_date: Option<Date>,
    pub correction_end_date: Option<Date>,
    pub added_by_unit_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, person_id, tag, release_date, correction_end_date, added_by_unit_id, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::person::Entity", from = "Column::PersonId", to = "super::person::Column::Id")]
    Person,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::AddedByUnitId",
        to = "super::org_unit::Column::Id"
    )]
    AddedByUnit,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
