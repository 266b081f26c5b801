//! A meeting (研判会, 联席会议, 三级联席会议) as the office that held it recorded it: when, what
//! kind, which units attended, a summary, and its decisions. Append-only.
//!
//! `umbrella` marks a meeting the discipline commission held on umbrella (保护伞) leads: no
//! other unit may read it, whether it attended or not.

use crate::enums::MeetingKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub kind: MeetingKind,
    pub held_on: Date,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub umbrella: bool,
    pub recorded_by_unit_id: Uuid,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, town_id, kind, held_on, summary, umbrella, recorded_by_unit_id, recorded_by_user_id, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::town::Entity", from = "Column::TownId", to = "super::town::Column::Id")]
    Town,
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::RecordedByUnitId",
        to = "super::org_unit::Column::Id"
    )]
    RecordedByUnit,
    #[sea_orm(has_many = "super::meeting_unit::Entity")]
    MeetingUnit,
    #[sea_orm(has_many = "super::meeting_decision::Entity")]
    MeetingDecision,
}

impl Related<super::meeting_unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MeetingUnit.def()
    }
}

impl Related<super::meeting_decision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MeetingDecision.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
