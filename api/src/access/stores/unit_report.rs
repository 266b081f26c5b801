//! The store of reports units submit (weekly progress reports, signed monthly reports): a
//! submitted report is a frozen snapshot, inserted once and never changed.
//!
//! Who reads one is the policy's `unit_report` rows (the submitting unit; the coordination office
//! every unit's but the discipline commission's). A unit submits only its own report, and the
//! figures it carries are those its own scope counted: the store never recounts them for a reader.

use chrono::{DateTime, Utc};
use entity::enums::ReportKind;
use entity::{org_unit, unit_report};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::access::resource::UnitReports;
use crate::access::store::Store;
use crate::error::ApiError;

/// A report about to be submitted.
pub struct NewReport {
    pub kind: ReportKind,
    /// `YYYY-Www` or `YYYY-MM`.
    pub period: String,
    /// The figures, as JSON.
    pub figures: String,
    pub progress_note: Option<String>,
    pub signed_by: String,
    pub sealed: bool,
    pub due_at: DateTime<Utc>,
}

/// The report `unit` would submit, unsaved: for deciding `submit` before any input is looked at.
pub fn draft(store: &Store<'_>, unit: &org_unit::Model, kind: ReportKind) -> unit_report::Model {
    let now = Utc::now();
    unit_report::Model {
        id: Uuid::now_v7(),
        town_id: unit.town_id,
        unit_id: unit.id,
        unit_kind: unit.kind,
        kind,
        period: String::new(),
        figures: String::new(),
        progress_note: None,
        signed_by: String::new(),
        sealed: false,
        submitted_by_user_id: store.viewer.user_id,
        submitted_at: now,
        due_at: now,
    }
}

/// Whether the viewer may submit `unit`'s reports (its own unit only, per the policy).
pub fn may_submit(store: &Store<'_>, unit: &org_unit::Model) -> bool {
    store.access.can_on_row::<UnitReports>(store.viewer, "submit", &draft(store, unit, ReportKind::Weekly))
}

/// Inserts the report of `unit` in the mutation's transaction; `FORBIDDEN` unless the viewer may
/// submit it, `CONFLICT` when the unit has submitted that period's report already.
pub async fn submit(
    store: &Store<'_>,
    txn: &impl ConnectionTrait,
    unit: &org_unit::Model,
    new: NewReport,
    at: DateTime<Utc>,
) -> Result<unit_report::Model, ApiError> {
    if !may_submit(store, unit) {
        return Err(ApiError::Forbidden);
    }
    let existing = unit_report::Entity::find()
        .filter(unit_report::Column::UnitId.eq(unit.id))
        .filter(unit_report::Column::Kind.eq(new.kind))
        .filter(unit_report::Column::Period.eq(new.period.as_str()))
        .one(txn)
        .await?;
    if existing.is_some() {
        return Err(ApiError::Conflict {
            message: "This report was submitted already; a submitted report is final.".into(),
            message_zh: "该报告已报送，报送后不可更改。".into(),
            allowed: vec![],
        });
    }
    let model = unit_report::Model {
        period: new.period,
        figures: new.figures,
        progress_note: new.progress_note,
        signed_by: new.signed_by,
        sealed: new.sealed,
        submitted_at: at,
        due_at: new.due_at,
        ..draft(store, unit, new.kind)
    };
    model.clone().into_active_model().reset_all().insert(txn).await?;
    Ok(model)
}

/// `unit`'s report of `kind` for `period`, if submitted and the viewer reads it (a hidden report
/// and a missing one are alike absent).
pub async fn find(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    unit: Uuid,
    kind: ReportKind,
    period: &str,
) -> Result<Option<unit_report::Model>, ApiError> {
    let Some(rows) = store.access.rows::<UnitReports>(store.viewer, "read") else { return Ok(None) };
    Ok(unit_report::Entity::find()
        .filter(rows)
        .filter(unit_report::Column::UnitId.eq(unit))
        .filter(unit_report::Column::Kind.eq(kind))
        .filter(unit_report::Column::Period.eq(period))
        .one(db)
        .await?)
}

/// Every report of `kind` for `period` the viewer reads (a town has a few dozen units at most).
pub async fn of_period(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    kind: ReportKind,
    period: &str,
) -> Result<Vec<unit_report::Model>, ApiError> {
    let rows = store.access.rows::<UnitReports>(store.viewer, "read").ok_or(ApiError::Forbidden)?;
    Ok(unit_report::Entity::find()
        .filter(rows)
        .filter(unit_report::Column::Kind.eq(kind))
        .filter(unit_report::Column::Period.eq(period))
        .order_by_asc(unit_report::Column::SubmittedAt)
        .all(db)
        .await?)
}

/// Whether the viewer would read `unit`'s reports (the units `weeklyReports` lists).
pub fn reads_reports_of(store: &Store<'_>, unit: &org_unit::Model) -> bool {
    store.access.can_on_row::<UnitReports>(store.viewer, "read", &draft(store, unit, ReportKind::Weekly))
}
