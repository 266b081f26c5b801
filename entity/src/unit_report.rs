//! A report a unit submitted (weekly or monthly): a frozen snapshot of the figures its own scope
//! counted at submission, with who signed it. Never updated: a submitted report is final.

use sea_orm::entity::prelude::*;

use crate::enums::{ReportKind, UnitKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub unit_id: Uuid,
    /// The submitting unit's kind, kept so the read scope is decided on the row.
    pub unit_kind: UnitKind,
    pub kind: ReportKind,
    /// `YYYY-Www` (ISO week) or `YYYY-MM`, in the town's calendar.
    pub period: String,
    /// The figures as JSON, as the submitting unit's scope counted them.
    #[sea_orm(column_type = "Text")]
    pub figures: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub progress_note: Option<String>,
    /// The leader who signed it (主要领导签字).
    pub signed_by: String,
    /// Whether it bears the unit's seal (单位盖章).
    pub sealed: bool,
    pub submitted_by_user_id: Uuid,
    pub submitted_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
}

crate::positional!(
    id,
    town_id,
    unit_id,
    unit_kind,
    kind,
    period,
    figures,
    progress_note,
    signed_by,
    sealed,
    submitted_by_user_id,
    submitted_at,
    due_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::org_unit::Entity", from = "Column::UnitId", to = "super::org_unit::Column::Id")]
    OrgUnit,
}

impl Related<super::org_unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgUnit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
