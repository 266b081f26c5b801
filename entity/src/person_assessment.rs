//! A 五清两稳 assessment of a KEY or SPECIAL person: five areas, each clear or not with a note,
//! and whether employment and state of mind are stable. Append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_assessment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub assessed_on: Date,
    pub thought_clear: bool,
    #[sea_orm(column_type = "Text")]
    pub thought_note: String,
    pub employment_clear: bool,
    #[sea_orm(column_type = "Text")]
    pub employment_note: String,
    pub family_clear: bool,
    #[sea_orm(column_type = "Text")]
    pub family_note: String,
    pub social_clear: bool,
    #[sea_orm(column_type = "Text")]
    pub social_note: String,
    pub whereabouts_clear: bool,
    #[sea_orm(column_type = "Text")]
    pub whereabouts_note: String,
    pub employment_stable: bool,
    pub mind_stable: bool,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(
    id,
    person_id,
    assessed_on,
    thought_clear,
    thought_note,
    employment_clear,
    employment_note,
    family_clear,
    family_note,
    social_clear,
    social_note,
    whereabouts_clear,
    whereabouts_note,
    employment_stable,
    mind_stable,
    recorded_by_user_id,
    created_at
);

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
