//! A supervision task (督办任务). The target is polymorphic (`target_type` + `target_id`), so it
//! has no foreign key; resolve it under the target's own access rules.
//!
//! `rule_key` makes rule-raised tasks idempotent: it is set while such a task is open and cleared
//! when it closes, and it is unique, so "one open task per rule and target" is enforced by the
//! database. Tasks raised by people leave it `None`.

use crate::enums::{TaskKind, TaskStatus, TaskTargetType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    pub kind: TaskKind,
    pub target_type: Option<TaskTargetType>,
    pub target_id: Option<Uuid>,
    pub assignee_unit_id: Uuid,
    pub assignee_user_id: Option<Uuid>,
    pub creating_unit_id: Uuid,
    /// `None` when the task was raised by a rule.
    pub created_by_user_id: Option<Uuid>,
    pub due_at: DateTimeUtc,
    /// Listed supervision (挂牌督办).
    pub listed: bool,
    pub status: TaskStatus,
    #[sea_orm(unique)]
    pub rule_key: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    title,
    description,
    kind,
    target_type,
    target_id,
    assignee_unit_id,
    assignee_user_id,
    creating_unit_id,
    created_by_user_id,
    due_at,
    listed,
    status,
    rule_key,
    version,
    created_at,
    updated_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::town::Entity", from = "Column::TownId", to = "super::town::Column::Id")]
    Town,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::AssigneeUnitId",
        to = "super::org_unit::Column::Id"
    )]
    AssigneeUnit,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::AssigneeUserId",
        to = "super::app_user::Column::Id"
    )]
    AssigneeUser,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::CreatingUnitId",
        to = "super::org_unit::Column::Id"
    )]
    CreatingUnit,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::CreatedByUserId",
        to = "super::app_user::Column::Id"
    )]
    CreatedByUser,
    #[sea_orm(has_many = "super::task_event::Entity")]
    TaskEvent,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl Related<super::task_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TaskEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
