//! A risk item (风险隐患): a dispute or public-safety hazard, from report to 销号.
//! `level`, the assignee, the responsible person and the plan are set at assessment.

use crate::enums::{EscalationLevel, RiskCategory, RiskLevel, RiskStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub grid: Option<String>,
    pub title: String,
    pub category: RiskCategory,
    pub level: Option<RiskLevel>,
    pub location: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Names and contacts of the parties involved (field group `parties`).
    #[sea_orm(column_type = "Text")]
    pub parties: Option<String>,
    /// 属地 unit.
    pub territorial_unit_id: Option<Uuid>,
    /// 属事 unit; the default assignee.
    pub sector_unit_id: Option<Uuid>,
    pub assignee_unit_id: Option<Uuid>,
    pub responsible_person: Option<String>,
    /// 一事一策.
    #[sea_orm(column_type = "Text")]
    pub plan: Option<String>,
    pub status: RiskStatus,
    pub escalation_level: EscalationLevel,
    pub reported_by_unit_id: Uuid,
    pub reported_by_user_id: Uuid,
    pub assessed_at: Option<DateTimeUtc>,
    /// T+2: when a HIGH item's first feedback is due.
    pub feedback_due_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub resolution_note: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    village_id,
    grid,
    title,
    category,
    level,
    location,
    description,
    parties,
    territorial_unit_id,
    sector_unit_id,
    assignee_unit_id,
    responsible_person,
    plan,
    status,
    escalation_level,
    reported_by_unit_id,
    reported_by_user_id,
    assessed_at,
    feedback_due_at,
    resolution_note,
    resolved_at,
    version,
    created_at,
    updated_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::town::Entity", from = "Column::TownId", to = "super::town::Column::Id")]
    Town,
    #[sea_orm(belongs_to = "super::village::Entity", from = "Column::VillageId", to = "super::village::Column::Id")]
    Village,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::TerritorialUnitId",
        to = "super::org_unit::Column::Id"
    )]
    TerritorialUnit,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::SectorUnitId",
        to = "super::org_unit::Column::Id"
    )]
    SectorUnit,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::AssigneeUnitId",
        to = "super::org_unit::Column::Id"
    )]
    AssigneeUnit,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::ReportedByUnitId",
        to = "super::org_unit::Column::Id"
    )]
    ReportedByUnit,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::ReportedByUserId",
        to = "super::app_user::Column::Id"
    )]
    ReportedByUser,
    #[sea_orm(has_many = "super::risk_check::Entity")]
    RiskCheck,
    #[sea_orm(has_many = "super::risk_feedback::Entity")]
    RiskFeedback,
    #[sea_orm(has_many = "super::risk_event::Entity")]
    RiskEvent,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl Related<super::village::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Village.def()
    }
}

impl Related<super::risk_check::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskCheck.def()
    }
}

impl Related<super::risk_feedback::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskFeedback.def()
    }
}

impl Related<super::risk_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
