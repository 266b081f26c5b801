//! A key venue (重点场所). The licence number, when given, is unique within the town. Nothing is
//! deleted: delisting sets `status` to `DELISTED`.

use crate::enums::{AttentionLevel, RecordStatus, VenueType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub name: String,
    pub venue_type: VenueType,
    pub address: String,
    pub licence_number: Option<String>,
    pub manager_name: Option<String>,
    pub manager_phone: Option<String>,
    pub attention_level: AttentionLevel,
    /// Day the current attention level took effect (the six-month rule counts from here).
    pub level_since: Date,
    pub listed_at: Date,
    pub status: RecordStatus,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    pub created_by_unit_id: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    village_id,
    name,
    venue_type,
    address,
    licence_number,
    manager_name,
    manager_phone,
    attention_level,
    level_since,
    listed_at,
    status,
    notes,
    created_by_unit_id,
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
        from = "Column::CreatedByUnitId",
        to = "super::org_unit::Column::Id"
    )]
    CreatedByUnit,
    #[sea_orm(has_many = "super::venue_inspection::Entity")]
    VenueInspection,
    #[sea_orm(has_many = "super::venue_incident::Entity")]
    VenueIncident,
    #[sea_orm(has_many = "super::venue_level_change::Entity")]
    VenueLevelChange,
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

impl Related<super::venue_inspection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VenueInspection.def()
    }
}

impl Related<super::venue_incident::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VenueIncident.def()
    }
}

impl Related<super::venue_level_change::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VenueLevelChange.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
