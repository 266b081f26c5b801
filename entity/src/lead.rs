//! A lead (线索): the most confidential data.
//!
//! `umbrella` is the stored scope flag: set when a lead is registered with `involves_official` or
//! category `PROTECTIVE_UMBRELLA`, or marked later; cleared only by the discipline commission's
//! unmark. Row scopes filter on this one indexed column, never on the two fields behind it.
//! The serial (`2026-0042`) is per town and year and never reused; `serial_year` and
//! `serial_number` are its parts, unique per town.

use crate::enums::{CountyAnswer, LeadCategory, LeadSource, LeadStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub serial: String,
    pub serial_year: i32,
    pub serial_number: i32,
    pub received_at: DateTimeUtc,
    pub source: LeadSource,
    pub receiving_unit_id: Uuid,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
    pub category: LeadCategory,
    pub involves_official: bool,
    pub umbrella: bool,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub content: Option<String>,
    pub venue_id: Option<Uuid>,
    pub status: LeadStatus,
    pub assignee_unit_id: Option<Uuid>,
    pub responsible_leader: Option<String>,
    pub responsible_person: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub measures: Option<String>,
    pub deadline: Option<DateTimeUtc>,
    pub transfer_due_at: Option<DateTimeUtc>,
    pub review_due_at: Option<DateTimeUtc>,
    pub county_answer: Option<CountyAnswer>,
    #[sea_orm(column_type = "Text")]
    pub conclusion: Option<String>,
    pub concluded_at: Option<DateTimeUtc>,
    /// The umbrella lead whose gang-crime part this lead was handed over from (双移交).
    /// Only the discipline commission may see this link.
    pub handed_over_from_lead_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    serial,
    serial_year,
    serial_number,
    received_at,
    source,
    receiving_unit_id,
    reporter_name,
    reporter_contact,
    category,
    involves_official,
    umbrella,
    summary,
    content,
    venue_id,
    status,
    assignee_unit_id,
    responsible_leader,
    responsible_person,
    measures,
    deadline,
    transfer_due_at,
    review_due_at,
    county_answer,
    conclusion,
    concluded_at,
    handed_over_from_lead_id,
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
        from = "Column::ReceivingUnitId",
        to = "super::org_unit::Column::Id"
    )]
    ReceivingUnit,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::AssigneeUnitId",
        to = "super::org_unit::Column::Id"
    )]
    AssigneeUnit,
    #[sea_orm(belongs_to = "super::venue::Entity", from = "Column::VenueId", to = "super::venue::Column::Id")]
    Venue,
    #[sea_orm(belongs_to = "Entity", from = "Column::HandedOverFromLeadId", to = "Column::Id")]
    HandedOverFromLead,
    #[sea_orm(has_many = "super::lead_subject::Entity")]
    LeadSubject,
    #[sea_orm(has_many = "super::lead_event::Entity")]
    LeadEvent,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl Related<super::lead_subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadSubject.def()
    }
}

impl Related<super::lead_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
