//! A measure on the disciplinary ladder (教育惩戒) taken against a person. Append-only.

use crate::enums::MeasureKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_measure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: MeasureKind,
    pub taken_on: Date,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, person_id, kind, taken_on, note, recorded_by_user_id, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::person::Entity", from = "Column::PersonId", to = "super::person::Column::Id")]
    Person,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::RecordedByUserId",
        to = "super::app_user::Column::Id"
    )]
    RecordedByUser,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
