//! A change, or a request to change, a venue's attention level. Raises, automatic escalations and
//! the initial level are `APPLIED` at once; a step-down is `PENDING` until the coordinator
//! approves (recording the approving body and document number) or rejects it. `to_level = None`
//! means delisting; `requested_by_user_id = None` means the system (automatic escalation).

use crate::enums::{AttentionLevel, LevelChangeKind, LevelChangeStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_level_change")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub venue_id: Uuid,
    pub kind: LevelChangeKind,
    pub status: LevelChangeStatus,
    pub from_level: Option<AttentionLevel>,
    pub to_level: Option<AttentionLevel>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub requested_by_user_id: Option<Uuid>,
    pub requested_by_unit_id: Option<Uuid>,
    pub decided_by_user_id: Option<Uuid>,
    pub decided_by_unit_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub decision_comment: Option<String>,
    pub approving_body: Option<String>,
    pub document_number: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::positional!(
    id,
    venue_id,
    kind,
    status,
    from_level,
    to_level,
    reason,
    requested_by_user_id,
    requested_by_unit_id,
    decided_by_user_id,
    decided_by_unit_id,
    decision_comment,
    approving_body,
    document_number,
    decided_at,
    version,
    created_at,
    updated_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::venue::Entity", from = "Column::VenueId", to = "super::venue::Column::Id")]
    Venue,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::RequestedByUserId",
        to = "super::app_user::Column::Id"
    )]
    RequestedByUser,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::RequestedByUnitId",
        to = "super::org_unit::Column::Id"
    )]
    RequestedByUnit,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::DecidedByUserId",
        to = "super::app_user::Column::Id"
    )]
    DecidedByUser,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::DecidedByUnitId",
        to = "super::org_unit::Column::Id"
    )]
    DecidedByUnit,
}

impl Related<super::venue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Venue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
