//! An inspection of a venue, and whether its manager was talked to. Append-only; drives the
//! inspection-interval task.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_inspection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub venue_id: Uuid,
    pub inspected_on: Date,
    pub inspector_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub findings: String,
    pub manager_talked: bool,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, venue_id, inspected_on, inspector_id, findings, manager_talked, recorded_by_user_id, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::venue::Entity", from = "Column::VenueId", to = "super::venue::Column::Id")]
    Venue,
    #[sea_orm(belongs_to = "super::app_user::Entity", from = "Column::InspectorId", to = "super::app_user::Column::Id")]
    Inspector,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::RecordedByUserId",
        to = "super::app_user::Column::Id"
    )]
    RecordedByUser,
}

impl Related<super::venue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Venue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
