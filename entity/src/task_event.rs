//! An entry in a task's thread: a step or a feedback body. Append-only. A `None` actor is the
//! system (e.g. `SYSTEM_CLOSED` when a rule's duty is done).

use crate::enums::TaskEventKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task_id: Uuid,
    pub kind: TaskEventKind,
    pub actor_user_id: Option<Uuid>,
    pub actor_unit_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub body: Option<String>,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, task_id, kind, actor_user_id, actor_unit_id, body, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::task::Entity", from = "Column::TaskId", to = "super::task::Column::Id")]
    Task,
    #[sea_orm(belongs_to = "super::app_user::Entity", from = "Column::ActorUserId", to = "super::app_user::Column::Id")]
    ActorUser,
    #[sea_orm(belongs_to = "super::org_unit::Entity", from = "Column::ActorUnitId", to = "super::org_unit::Column::Id")]
    ActorUnit,
}

impl Related<super::task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Task.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
