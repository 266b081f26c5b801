//! A decision of a meeting, in the order the meeting took them; one assigned to a unit raised a
//! `MEETING_DECISION` task (`task_id`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_decision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub assignee_unit_id: Option<Uuid>,
    pub due_at: Option<DateTimeUtc>,
    pub task_id: Option<Uuid>,
}

crate::positional!(id, meeting_id, position, text, assignee_unit_id, due_at, task_id);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::meeting::Entity", from = "Column::MeetingId", to = "super::meeting::Column::Id")]
    Meeting,
}

impl Related<super::meeting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Meeting.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
