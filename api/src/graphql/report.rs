//! `monthlyReport(unitId, month)`: a unit's or the town's month (月报, domain.md "Reports"; the
//! table of seed 002 附件2): leads found, transferred and assisted by field of struggle (斗争领域),
//! persons and venues by attention level, talk and inspection compliance, risk items found and
//! resolved against the targets, overdue tasks.
//!
//! Every figure is one SQL aggregate over the viewer's scoped query (`Access::select`) plus the
//! report's conditions, and every condition on a field is guarded by "the viewer holds the field's
//! group on this row" (access.md rules 1 and 4): a report never counts a row the viewer cannot
//! list, nor sorts a row by a value the viewer cannot read. So an umbrella lead counts for the
//! coordinator only where its shell and receipt say so, and for the discipline commission in
//! full. A figure drawn from a group the viewer holds on no row is null, not zero.
//!
//! Who may ask: the coordinator, for any unit of its town or the town as a whole; every other
//! reader of leads, for its own unit. A viewer who reads no leads (admin) gets no report.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{AttentionLevel, LeadCategory, ReportKind, Role, UnitKind};
use entity::{org_unit, unit_report};
use sea_orm::{ActiveEnum, ColumnTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ContextExt;
use super::ids::{self, Kind};
use super::labels;
use super::org::OrgUnit;
use super::risk::{self, RiskStats};
use crate::AppState;
use crate::access::resource::{Leads, OrgUnits, Persons, Venues};
use crate::access::store::Store;
use crate::access::stores::report::{self, Ledger};
use crate::access::stores::unit_report as reports;
use crate::auth::Viewer;
use crate::domain::{lead_flow, report_period, risk_flow};
use crate::error::ApiError;

/// 月报 — one unit's (or the town's) month. Once the unit has submitted it (signed, and sealed),
/// its figures are the frozen snapshot its own scope counted then, with the signature.
#[derive(SimpleObject, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// 月份 — `YYYY-MM`, in the town's calendar.
    pub month: String,
    /// 单位 — the unit reported on; null for the whole town.
    #[serde(skip)]
    pub unit: Option<OrgUnit>,
    #[graphql(skip)]
    pub unit_id: Option<Uuid>,
    /// The unit's name, or the town's (填报单位).
    pub reporting_name: String,
    /// 线索 — the leads of the month, all fields together.
    pub leads: LeadFigures,
    /// The same figures per field of struggle (斗争领域): one row per lead category, umbrella
    /// leads in the `PROTECTIVE_UMBRELLA` row whatever their category.
    pub lead_rows: Vec<LeadFieldRow>,
    /// 重点人员 — ACTIVE persons by attention level, as the ledger stands; null when the viewer reads no
    /// persons. A village unit's report counts its residents, any other the town's ledger.
    pub persons: Option<Vec<LevelCount>>,
    /// 重点场所 — ACTIVE venues by attention level, likewise.
    pub venues: Option<Vec<LevelCount>>,
    /// 谈话 — education talks due in the month and done; null without the persons' `record` group.
    pub talks: Option<DutyCompliance>,
    /// 检查 — venue inspections due in the month and done; null without the venues' `record` group.
    pub inspections: Option<DutyCompliance>,
    /// 风险隐患 — risk items reported in the month, by level against the targets; a unit's report counts the
    /// items it is territorial, sector or assignee unit of. Null when the viewer reads none.
    pub risks: Option<RiskStats>,
    /// 逾期任务 — tasks assigned to the unit (any, for the town) due before the month's end (or now, if
    /// sooner) and neither ACCEPTED nor CANCELLED; null when the viewer reads no tasks.
    pub overdue_tasks: Option<i64>,
    /// 签字盖章 — who signed the submitted report and when; null while it is not submitted (the
    /// figures are then counted live from the viewer's scope).
    #[serde(skip)]
    pub signature: Option<ReportSignature>,
}

/// 签字报送 — the signature block of a submitted report (主要领导签字、单位盖章).
#[derive(SimpleObject, Clone)]
pub struct ReportSignature {
    /// 签字领导 — the leader who signed it.
    pub signed_by: String,
    /// 单位盖章 — whether it bears the unit's seal.
    pub sealed: bool,
    /// 报送时间 — when it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// 截止时间 — when it was due.
    pub due_at: DateTime<Utc>,
    /// 按时报送 — submitted by the end of its due day in the town.
    pub on_time: bool,
}

impl From<&unit_report::Model> for ReportSignature {
    fn from(row: &unit_report::Model) -> Self {
        Self {
            signed_by: row.signed_by.clone(),
            sealed: row.sealed,
            submitted_at: row.submitted_at,
            due_at: row.due_at,
            on_time: report_period::on_time(row.submitted_at, row.due_at),
        }
    }
}

/// Leads found (received by the unit in the month), transferred (of those, handed on: past
/// REGISTERED, or umbrella leads, which go to the discipline commission at once, 双移交) and
/// cases assisted (assigned to the unit and concluded in the month).
#[derive(SimpleObject, Clone, Copy, Default, Serialize, Deserialize)]
pub struct LeadFigures {
    /// 发现线索 — leads received in the month.
    pub found: i64,
    /// 移交线索 — leads transferred in the month.
    pub transferred: i64,
    /// 协助办理 — null when the viewer reads the `handling` group on no lead (villages).
    pub assisted: Option<i64>,
}

/// One row of the 附件2 table.
#[derive(SimpleObject, Serialize, Deserialize)]
pub struct LeadFieldRow {
    /// 斗争领域 — the field of struggle (a lead category).
    pub category: LeadCategory,
    /// The category's 中文 name.
    pub label: String,
    /// 线索数 — the figures of that field.
    pub figures: LeadFigures,
}

/// 分级统计 — records counted by attention level.
#[derive(SimpleObject, Clone, Copy, Serialize, Deserialize)]
pub struct LevelCount {
    /// 关注等级 — the attention level.
    pub level: AttentionLevel,
    /// 数量 — how many.
    pub count: i64,
}

/// 履职情况 — a periodic duty over a month: records whose duty fell due by the month's last day (counting
/// from the last one before the month, or from when the level took effect), and how many of them
/// had it done within the month. A record counts once however often its duty falls due.
#[derive(SimpleObject, Clone, Copy, Serialize, Deserialize)]
pub struct DutyCompliance {
    /// 应完成数 — records whose duty fell due by the month's last day.
    pub due: i64,
    /// 已完成数 — how many of those were done in time.
    pub done: i64,
    /// 完成率 — done / due; null when nothing was due.
    pub rate: Option<f64>,
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// 月报 — the month (`YYYY-MM`) of a unit (`unitId`: an org unit, or the town's id for the whole
    /// town; the coordinator may name any of its town, everyone else only its own unit, which is
    /// also the default; the coordinator's default is the town). Counted from the viewer's scoped
    /// queries only.
    async fn monthly_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "单位 — an org unit, or the town's ID for the whole town.")] unit_id: Option<ID>,
        #[graphql(desc = "月份 — `YYYY-MM`, in the town's calendar.")] month: String,
    ) -> async_graphql::Result<MonthlyReport> {
        let viewer = ctx.viewer()?;
        Ok(monthly_report(ctx.state(), viewer, unit_id.as_ref(), &month).await?)
    }
}

pub use crate::access::stores::report::{Subject, readable};

/// The report, for the GraphQL query and the spreadsheet export alike: `FORBIDDEN` for a viewer
/// who reads no leads or names a unit it may not report on, `BAD_USER_INPUT` on `unitId` for a
/// unit not of its town and on `month` for a malformed month.
pub async fn monthly_report(
    state: &AppState,
    viewer: &Viewer,
    unit_id: Option<&ID>,
    month: &str,
) -> Result<MonthlyReport, ApiError> {
    // Permission before input: the report is about case work, and leads are its core.
    state.access.select::<Leads>(viewer)?;
    let subject = subject(state, viewer, unit_id).await?;
    let month = month.trim();
    let (start, end) = risk_flow::month_bounds(month)
        .ok_or_else(|| ApiError::bad_input("month", "Give the month as YYYY-MM.", "月份格式应为 YYYY-MM。"))?;
    let days = (local_day(start), local_day(end) - Duration::days(1));
    let store = Store::new(&state.access, viewer);
    if let Some(frozen) = submitted(&store, &state.db, &subject, month).await? {
        return Ok(frozen);
    }
    let lead_rows = lead_rows(&store, &state.db, &subject, (start, end)).await?;
    let leads = LeadFigures {
        found: lead_rows.iter().map(|r| r.figures.found).sum(),
        transferred: lead_rows.iter().map(|r| r.figures.transferred).sum(),
        assisted: lead_rows.iter().map(|r| r.figures.assisted).sum(),
    };
    let persons = ledger::<Persons>(&store, &state.db, &subject, days).await?;
    let venues = ledger::<Venues>(&store, &state.db, &subject, days).await?;
    let risks = match report::report_risks(&store, &subject)? {
        Some(base) => Some(risk::month_stats(&state.db, base, month).await?),
        None => None,
    };
    let overdue_tasks = report::overdue_task_count(&store, &state.db, &subject, std::cmp::min(end, Utc::now())).await?;
    let (unit_id, reporting_name) = match &subject {
        Subject::Town => (None, viewer.town_name.clone()),
        Subject::Unit(unit) => (Some(unit.id), unit.name.clone()),
    };
    let unit = match subject {
        Subject::Town => None,
        Subject::Unit(unit) => Some(OrgUnit::from(unit)),
    };
    Ok(MonthlyReport {
        month: month.to_owned(),
        unit,
        unit_id,
        reporting_name,
        leads,
        lead_rows,
        persons: persons.0,
        venues: venues.0,
        talks: persons.1,
        inspections: venues.1,
        risks,
        overdue_tasks,
        signature: None,
    })
}

/// The month as its unit submitted it, if it did and the viewer reads that report: the town's
/// report is the coordination office's (its `MONTHLY_REPORT` is the town's, due the 25th); the
/// coordination office as a unit of its own is always counted live.
async fn submitted(
    store: &Store<'_>,
    db: &impl sea_orm::ConnectionTrait,
    subject: &Subject,
    month: &str,
) -> Result<Option<MonthlyReport>, ApiError> {
    let (unit, model) = match subject {
        Subject::Town => (store.viewer.unit_id, None),
        Subject::Unit(unit) if unit.kind != UnitKind::CoordinationOffice => (unit.id, Some(unit.clone())),
        Subject::Unit(_) => return Ok(None),
    };
    let Some(row) = reports::find(store, db, unit, ReportKind::Monthly, month).await? else { return Ok(None) };
    let mut report: MonthlyReport = serde_json::from_str(&row.figures).map_err(ApiError::internal)?;
    report.unit = model.map(OrgUnit::from);
    report.signature = Some(ReportSignature::from(&row));
    Ok(Some(report))
}

/// The subject a viewer asks for: see [`monthly_report`].
async fn subject(state: &AppState, viewer: &Viewer, unit_id: Option<&ID>) -> Result<Subject, ApiError> {
    let coordinator = viewer.role == Role::Coordinator;
    let unit = match unit_id.map(ids::decode) {
        None if coordinator => return Ok(Subject::Town),
        None => viewer.unit_id,
        Some(Some((Kind::Town, town))) if town == viewer.town_id => {
            return if coordinator { Ok(Subject::Town) } else { Err(ApiError::Forbidden) };
        }
        Some(Some((Kind::OrgUnit, unit))) => unit,
        Some(_) => return Err(no_such_unit()),
    };
    // A unit of another town is no unit at all here: the same answer as a random id.
    let unit = state
        .access
        .select::<OrgUnits>(viewer)?
        .filter(org_unit::Column::Id.eq(unit))
        .one(&state.db)
        .await?
        .ok_or_else(no_such_unit)?;
    if unit.id != viewer.unit_id && !coordinator {
        return Err(ApiError::Forbidden);
    }
    Ok(Subject::Unit(unit))
}

fn no_such_unit() -> ApiError {
    ApiError::bad_input("unitId", "No such unit in your town.", "本镇没有这个单位。")
}

/// The calendar day an instant falls on in the town.
fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&lead_flow::town_zone()).date_naive()
}

/// The first day of the town's month an instant falls in.
pub fn local_month(at: DateTime<Utc>) -> NaiveDate {
    local_day(at).with_day(1).expect("every month has a first day")
}

/// The lead figures of the month per field of struggle, summed over the month's kept lead counts
/// the viewer reads ([`report::lead_field_counts`]).
async fn lead_rows(
    store: &Store<'_>,
    db: &impl sea_orm::ConnectionTrait,
    subject: &Subject,
    month: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<LeadFieldRow>, ApiError> {
    let rows = report::lead_field_counts(store, db, subject, month.0).await?;
    let reads_handling = store.groups::<Leads>().held_anywhere("handling");
    let fields = labels::lookup("LeadCategory").unwrap_or_default();
    Ok(fields
        .into_iter()
        .filter_map(|(value, label)| {
            let category = LeadCategory::try_from_value(&value.to_owned()).ok()?;
            let (found, transferred, assisted) =
                rows.iter().find(|(field, ..)| field == value).map(|(_, f, t, a)| (*f, *t, *a)).unwrap_or_default();
            let figures = LeadFigures { found, transferred, assisted: reads_handling.then_some(assisted) };
            Some(LeadFieldRow { category, label: label.to_owned(), figures })
        })
        .collect())
}

/// A ledger's (persons' or venues') figures: ACTIVE records by level, and the compliance of its
/// periodic duty over the month's `days` (first, last). Each `None` when the viewer may not count it.
async fn ledger<R: Ledger>(
    store: &Store<'_>,
    db: &impl sea_orm::ConnectionTrait,
    subject: &Subject,
    days: (NaiveDate, NaiveDate),
) -> Result<(Option<Vec<LevelCount>>, Option<DutyCompliance>), ApiError> {
    let (by_level, duty) = report::ledger_month::<R>(store, db, subject, days).await?;
    let by_level = by_level.map(|rows| rows.into_iter().map(|(level, count)| LevelCount { level, count }).collect());
    let duty = duty.map(|(due, done)| DutyCompliance { due, done, rate: risk_flow::rate(due, done) });
    Ok((by_level, duty))
}
