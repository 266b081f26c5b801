//! A talk with a person (训诫 / 教育谈话). Append-only; the latest talk date drives the
//! talk-interval task.

use crate::enums::TalkKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_talk")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub talked_on: Date,
    pub officer_id: Uuid,
    pub kind: TalkKind,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, person_id, talked_on, officer_id, kind, summary, recorded_by_user_id, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::person::Entity", from = "Column::PersonId", to = "super::person::Column::Id")]
    Person,
    #[sea_orm(belongs_to = "super::app_user::Entity", from = "Column::OfficerId", to = "super::app_user::Column::Id")]
    Officer,
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
