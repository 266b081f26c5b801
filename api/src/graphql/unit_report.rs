//! Reports units submit (issue 15): the weekly progress report (周通报, seed 001 "日动态、周通报 …
//! 每周五之前，经主要领导签字后向镇扫黑除恶办公室报送") and the signed monthly report (月报, seed 002
//! "经主要领导签字、单位盖章").
//!
//! A unit submits its own report only. Its figures are counted at submission from the submitting
//! viewer's own scoped queries (so from the unit's scope) and stored as a snapshot: a later edit
//! to a record never changes a submitted report, and a reader (the coordination office) sees the
//! unit's figures, never its own recount. Submitting closes the unit's `WEEKLY_REPORT` or
//! `MONTHLY_REPORT` task in the same transaction.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{AuditCategory, AuditOutcome, ReportKind, UnitKind};
use entity::{org_unit, unit_report};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use super::ContextExt;
use super::ids::{self, Kind};
use super::org::OrgUnit;
use super::report::{MonthlyReport, ReportSignature, monthly_report};
use crate::AppState;
use crate::access::resource::{OrgUnits, UnitReports};
use crate::access::store::Store;
use crate::access::stores::report::{self, WeekCounts};
use crate::access::stores::unit_report::{self as reports, NewReport};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::report_period::{self, Week};
use crate::domain::{lead_flow, risk_flow, validate};
use crate::error::ApiError;
use crate::rules::{self, Trigger};

/// 单位报告 — a report a unit submitted: frozen figures, signed.
pub struct UnitReport {
    row: unit_report::Model,
    unit: org_unit::Model,
}

impl UnitReport {
    /// The signature block (for the spreadsheet).
    pub fn signature_of(&self) -> ReportSignature {
        ReportSignature::from(&self.row)
    }

    /// The weekly figures, if a weekly report (for the spreadsheet).
    pub fn weekly_counts(&self) -> Option<WeekCounts> {
        (self.row.kind == ReportKind::Weekly).then(|| serde_json::from_str(&self.row.figures).ok()).flatten()
    }

    /// The progress note (for the spreadsheet).
    pub fn note(&self) -> Option<String> {
        self.row.progress_note.clone()
    }
}

/// 单位报告 — a report a unit submitted: the figures its own scope counted then, frozen, and who
/// signed it.
#[Object]
impl UnitReport {
    /// 报告类型 — weekly or monthly.
    async fn kind(&self) -> ReportKind {
        self.row.kind
    }
    /// 报告期 — `YYYY-Www` (ISO week) or `YYYY-MM`, in the town's calendar.
    async fn period(&self) -> &str {
        &self.row.period
    }
    /// 报送单位 — the unit that submitted it.
    async fn unit(&self) -> OrgUnit {
        OrgUnit::from(self.unit.clone())
    }
    /// 工作进展 — the weekly report's progress note; null on a monthly report.
    async fn progress_note(&self) -> Option<&str> {
        self.row.progress_note.as_deref()
    }
    /// 签字盖章 — who signed it, when it was submitted and whether on time.
    async fn signature(&self) -> ReportSignature {
        ReportSignature::from(&self.row)
    }
    /// 周通报数据 — the weekly figures as the unit counted them; null on a monthly report.
    async fn weekly(&self) -> Result<Option<WeekCounts>, ApiError> {
        if self.row.kind != ReportKind::Weekly {
            return Ok(None);
        }
        Ok(Some(serde_json::from_str(&self.row.figures).map_err(ApiError::internal)?))
    }
    /// 月报数据 — the monthly figures as the unit counted them; null on a weekly report.
    async fn monthly(&self) -> Result<Option<MonthlyReport>, ApiError> {
        if self.row.kind != ReportKind::Monthly {
            return Ok(None);
        }
        let mut report: MonthlyReport = serde_json::from_str(&self.row.figures).map_err(ApiError::internal)?;
        if self.unit.kind != UnitKind::CoordinationOffice {
            report.unit = Some(OrgUnit::from(self.unit.clone()));
        }
        report.signature = Some(ReportSignature::from(&self.row));
        Ok(Some(report))
    }
}

/// 周通报报送情况 — one unit's weekly report for a week: submitted or not.
#[derive(SimpleObject)]
pub struct WeeklyReportStatus {
    /// 单位 — the unit.
    pub unit: OrgUnit,
    #[graphql(skip)]
    pub unit_name: String,
    /// 已报送 — whether it has submitted the week's report.
    pub submitted: bool,
    /// 逾期未报 — not submitted, and the week's Friday has ended in the town.
    pub overdue: bool,
    /// 周通报 — the report, when submitted.
    pub report: Option<UnitReport>,
}

/// 周通报汇总 — the week's reports of every unit whose reports the viewer reads.
#[derive(SimpleObject)]
pub struct WeeklyReports {
    /// 周次 — `YYYY-Www`.
    pub week: String,
    /// 截止时间 — Friday's end in the town.
    pub due_at: DateTime<Utc>,
    /// 各单位 — one entry per unit, in name order.
    pub units: Vec<WeeklyReportStatus>,
}

#[derive(Default)]
pub struct UnitReportQuery;

#[Object]
impl UnitReportQuery {
    /// 周通报汇总 — who has and has not submitted the week's report: every unit for the
    /// coordination office (but the discipline commission, whose reports are its own), the own
    /// unit for everyone else.
    async fn weekly_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "周次 — `YYYY-Www` (ISO week), in the town's calendar; the current week by default.")]
        week: Option<String>,
    ) -> async_graphql::Result<WeeklyReports> {
        let week = week.unwrap_or_else(|| Week::of(Utc::now()).name());
        Ok(weekly_reports(ctx.state(), ctx.viewer()?, &week).await?)
    }
}

/// The week's reports, for the query and the spreadsheet alike: `FORBIDDEN` for a viewer who
/// reads no reports (before the input is looked at), `BAD_USER_INPUT` on `week` when malformed.
pub async fn weekly_reports(state: &AppState, viewer: &Viewer, week: &str) -> Result<WeeklyReports, ApiError> {
    state.access.rows::<UnitReports>(viewer, "read").ok_or(ApiError::Forbidden)?;
    let week = Week::parse(week).ok_or_else(|| {
        ApiError::bad_input("week", "Give the week as YYYY-Www, e.g. 2026-W49.", "周次格式应为 YYYY-Www，如 2026-W49。")
    })?;
    let store = Store::new(&state.access, viewer);
    let rows = reports::of_period(&store, &state.db, ReportKind::Weekly, &week.name()).await?;
    let units = state.access.select::<OrgUnits>(viewer)?.order_by_asc(org_unit::Column::Name).all(&state.db).await?;
    let past_due = Utc::now() > week.due_at();
    let units = units
        .into_iter()
        .filter(|unit| reports::reads_reports_of(&store, unit))
        .map(|unit| {
            let report = rows.iter().find(|r| r.unit_id == unit.id).cloned();
            WeeklyReportStatus {
                unit: OrgUnit::from(unit.clone()),
                unit_name: unit.name.clone(),
                submitted: report.is_some(),
                overdue: report.is_none() && past_due,
                report: report.map(|row| UnitReport { row, unit }),
            }
        })
        .collect();
    Ok(WeeklyReports { week: week.name(), due_at: week.due_at(), units })
}

/// 报送周通报 — the fields of a weekly report.
#[derive(InputObject)]
pub struct SubmitWeeklyReportInput {
    /// 报送单位 — the viewer's own unit.
    pub unit_id: ID,
    /// 周次 — `YYYY-Www` (ISO week); a week that has begun.
    pub week: String,
    /// 工作进展 — what the unit did this week.
    pub progress_note: String,
    /// 签字领导 — the leader who signed the report.
    pub signed_by: String,
}

/// 报送月报 — the fields of a monthly report.
#[derive(InputObject)]
pub struct SubmitMonthlyReportInput {
    /// 报送单位 — the viewer's own unit (the coordination office submits the town's report).
    pub unit_id: ID,
    /// 月份 — `YYYY-MM`; a month that has begun.
    pub month: String,
    /// 签字领导 — the leader who signed the report (主要领导签字).
    pub signed_by: String,
    /// 单位盖章 — whether it bears the unit's seal.
    pub sealed: bool,
}

/// 报送结果 — the report as submitted.
#[derive(SimpleObject)]
pub struct UnitReportPayload {
    /// 报告 — the submitted report.
    pub report: UnitReport,
}

#[derive(Default)]
pub struct UnitReportMutation;

#[Object]
impl UnitReportMutation {
    /// 报送周通报 — submits the unit's weekly report: its figures for the week, counted from its own
    /// scope, are frozen; the week's `WEEKLY_REPORT` task closes. Due Friday by the end of the day.
    async fn submit_weekly_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the report's fields.")] input: SubmitWeeklyReportInput,
    ) -> async_graphql::Result<UnitReportPayload> {
        let (state, viewer) = (ctx.state(), ctx.viewer()?);
        let store = Store::new(&state.access, viewer);
        let unit = submitting_unit(state, &store, &input.unit_id).await?;
        let week = Week::parse(&input.week).filter(|w| w.monday() <= lead_flow::today()).ok_or_else(|| {
            ApiError::bad_input(
                "input.week",
                "Give a week that has begun, as YYYY-Www.",
                "请填写已开始的周次，格式 YYYY-Www。",
            )
        })?;
        let note = validate::text("input.progressNote", &input.progress_note, 4000)?;
        let signed_by = validate::text("input.signedBy", &input.signed_by, 100)?;
        let days = (week.monday(), week.monday() + Duration::days(6));
        let counts = report::week_counts(&store, &state.db, unit.id, week.bounds(), days).await?;
        let new = NewReport {
            kind: ReportKind::Weekly,
            period: week.name(),
            figures: serde_json::to_string(&counts).map_err(ApiError::internal)?,
            progress_note: Some(note),
            signed_by,
            sealed: false,
            due_at: week.due_at(),
        };
        Ok(submit(ctx, &store, unit, new, "submit_weekly_report").await?)
    }

    /// 报送月报 — submits the unit's monthly report, signed and sealed: the month's figures, counted
    /// from its own scope, are frozen (the coordination office's is the town's report); the
    /// month's `MONTHLY_REPORT` task closes.
    async fn submit_monthly_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the report's fields.")] input: SubmitMonthlyReportInput,
    ) -> async_graphql::Result<UnitReportPayload> {
        let (state, viewer) = (ctx.state(), ctx.viewer()?);
        let store = Store::new(&state.access, viewer);
        let unit = submitting_unit(state, &store, &input.unit_id).await?;
        let month = input.month.trim();
        let bad_month = || {
            ApiError::bad_input(
                "input.month",
                "Give a month that has begun, as YYYY-MM.",
                "请填写已开始的月份，格式 YYYY-MM。",
            )
        };
        let (start, _) = risk_flow::month_bounds(month).ok_or_else(bad_month)?;
        if start > Utc::now() {
            return Err(bad_month().into());
        }
        let signed_by = validate::text("input.signedBy", &input.signed_by, 100)?;
        let town_report = unit.kind == UnitKind::CoordinationOffice;
        let subject = (!town_report).then(|| ids::encode(Kind::OrgUnit, unit.id));
        let figures = monthly_report(state, viewer, subject.as_ref(), month).await?;
        let new = NewReport {
            kind: ReportKind::Monthly,
            period: month.to_owned(),
            figures: serde_json::to_string(&figures).map_err(ApiError::internal)?,
            progress_note: None,
            signed_by,
            sealed: input.sealed,
            due_at: report_period::month_due_at(month, town_report).ok_or_else(bad_month)?,
        };
        Ok(submit(ctx, &store, unit, new, "submit_monthly_report").await?)
    }
}

/// The unit `id` names, when the viewer may submit its reports: `BAD_USER_INPUT` on
/// `input.unitId` for no unit of the town, `FORBIDDEN` for another unit (before any other input
/// is looked at).
async fn submitting_unit(state: &AppState, store: &Store<'_>, id: &ID) -> Result<org_unit::Model, ApiError> {
    let no_unit = || ApiError::bad_input("input.unitId", "No such unit in your town.", "本镇没有这个单位。");
    let id = ids::decode_as(id, Kind::OrgUnit).ok_or_else(no_unit)?;
    let unit = state
        .access
        .select::<OrgUnits>(store.viewer)?
        .filter(org_unit::Column::Id.eq(id))
        .one(&state.db)
        .await?
        .ok_or_else(no_unit)?;
    if !reports::may_submit(store, &unit) {
        return Err(ApiError::Forbidden);
    }
    Ok(unit)
}

/// Stores the report, audits the step and closes the unit's report task, in one transaction.
async fn submit(
    ctx: &Context<'_>,
    store: &Store<'_>,
    unit: org_unit::Model,
    new: NewReport,
    action: &'static str,
) -> Result<UnitReportPayload, ApiError> {
    let state = ctx.state();
    let (txn, _turn) = crate::db::write(&state.db).await?;
    let row = reports::submit(store, &txn, &unit, new, Utc::now()).await?;
    let entry = audit::Entry {
        action,
        object_type: "UnitReport",
        object_id: Some(row.id),
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    };
    audit::record(&txn, ctx, store.viewer, entry).await?;
    rules::commit(state, txn, Trigger::UnitReport(unit.id)).await?;
    Ok(UnitReportPayload { report: UnitReport { row, unit } })
}
