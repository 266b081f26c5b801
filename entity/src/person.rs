//! A key person's dossier (重点人员, 一人一档). One dossier per national ID number per town.
//! Nothing is deleted: delisting sets `status` to `DELISTED` and the dossier becomes read-only.
//!
//! A *provisional* record (`link_of_person_id` set) is the judicial office's own record of a
//! person the town already holds in a dossier it may not read. It waits for the police station
//! to link it with that dossier (it is then merged into it and deleted, the one exception to
//! "nothing is deleted") or to decline (it stays the judicial office's own record).

use crate::enums::{AttentionLevel, Gender, RecordStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    /// Residence village.
    pub village_id: Uuid,
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    /// National ID number (身份证号), unique within the town among dossiers; a provisional
    /// record repeats its dossier's.
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub attention_level: AttentionLevel,
    /// Day the current attention level took effect (the six-month rule counts from here).
    pub level_since: Date,
    /// The responsible police officer (包村民警).
    pub responsible_officer_id: Option<Uuid>,
    pub listed_at: Date,
    pub status: RecordStatus,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    pub created_by_unit_id: Uuid,
    /// The dossier this provisional record asks to be linked with; `None` for a dossier. Kept
    /// after the police station declines, so the link is never asked again.
    pub link_of_person_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    village_id,
    name,
    gender,
    birth_date,
    id_number,
    phone,
    address,
    attention_level,
    level_since,
    responsible_officer_id,
    listed_at,
    status,
    notes,
    created_by_unit_id,
    link_of_person_id,
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
        belongs_to = "super::app_user::Entity",
        from = "Column::ResponsibleOfficerId",
        to = "super::app_user::Column::Id"
    )]
    ResponsibleOfficer,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::CreatedByUnitId",
        to = "super::org_unit::Column::Id"
    )]
    CreatedByUnit,
    #[sea_orm(has_many = "super::person_category::Entity")]
    PersonCategory,
    #[sea_orm(has_many = "super::person_judicial_tag::Entity")]
    PersonJudicialTag,
    #[sea_orm(has_many = "super::person_talk::Entity")]
    PersonTalk,
    #[sea_orm(has_many = "super::person_incident::Entity")]
    PersonIncident,
    #[sea_orm(has_many = "super::person_assessment::Entity")]
    PersonAssessment,
    #[sea_orm(has_many = "super::person_measure::Entity")]
    PersonMeasure,
    #[sea_orm(has_many = "super::person_level_change::Entity")]
    PersonLevelChange,
    #[sea_orm(has_many = "super::lead_subject::Entity")]
    LeadSubject,
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

impl Related<super::person_category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersonCategory.def()
    }
}

impl Related<super::person_judicial_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersonJudicialTag.def()
    }
}

impl Related<super::person_talk::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersonTalk.def()
    }
}

impl Related<super::person_incident::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersonIncident.def()
    }
}

impl Related<super::person_assessment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersonAssessment.def()
    }
}

impl Related<super::person_measure::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersonMeasure.def()
    }
}

impl Related<super::person_level_change::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersonLevelChange.def()
    }
}

impl Related<super::lead_subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadSubject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
