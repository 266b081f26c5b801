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
use entity::enums::{AttentionLevel, LeadCategory, LeadStatus, RecordStatus, Role, TaskStatus, UnitKind};
use entity::{lead, org_unit, person, risk_item, task, venue};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use uuid::Uuid;

use super::ContextExt;
use super::ids::{self, Kind};
use super::labels;
use super::org::OrgUnit;
use super::risk::{self, RiskStats};
use crate::AppState;
use crate::access::Resource;
use crate::access::duty::{self, Duty};
use crate::access::resource::{Leads, OrgUnits, Persons, RiskItems, Tasks, Venues};
use crate::auth::Viewer;
use crate::domain::{lead_flow, risk_flow};
use crate::error::ApiError;

const LEVELS: [AttentionLevel; 3] = [AttentionLevel::General, AttentionLevel::Key, AttentionLevel::Special];

/// One unit's (or the town's) month.
#[derive(SimpleObject)]
pub struct MonthlyReport {
    /// `YYYY-MM`, in the town's calendar.
    pub month: String,
    /// The unit reported on; null for the whole town.
    pub unit: Option<OrgUnit>,
    #[graphql(skip)]
    pub unit_id: Option<Uuid>,
    /// The unit's name, or the town's (填报单位).
    pub reporting_name: String,
    /// The leads of the month, all fields together.
    pub leads: LeadFigures,
    /// The same figures per field of struggle (斗争领域): one row per lead category, umbrella
    /// leads in the `PROTECTIVE_UMBRELLA` row whatever their category.
    pub lead_rows: Vec<LeadFieldRow>,
    /// ACTIVE persons by attention level, as the ledger stands; null when the viewer reads no
    /// persons. A village unit's report counts its residents, any other the town's ledger.
    pub persons: Option<Vec<LevelCount>>,
    /// ACTIVE venues by attention level, likewise.
    pub venues: Option<Vec<LevelCount>>,
    /// Education talks due in the month and done; null without the persons' `record` group.
    pub talks: Option<DutyCompliance>,
    /// Venue inspections due in the month and done; null without the venues' `record` group.
    pub inspections: Option<DutyCompliance>,
    /// Risk items reported in the month, by level against the targets; a unit's report counts the
    /// items it is territorial, sector or assignee unit of. Null when the viewer reads none.
    pub risks: Option<RiskStats>,
    /// Tasks assigned to the unit (any, for the town) due before the month's end (or now, if
    /// sooner) and neither ACCEPTED nor CANCELLED; null when the viewer reads no tasks.
    pub overdue_tasks: Option<i64>,
}

/// Leads found (received by the unit in the month), transferred (of those, handed on: past
/// REGISTERED, or umbrella leads, which go to the discipline commission at once, 双移交) and
/// cases assisted (assigned to the unit and concluded in the month).
#[derive(SimpleObject, Clone, Copy, Default)]
pub struct LeadFigures {
    pub found: i64,
    pub transferred: i64,
    /// Null when the viewer reads the `handling` group on no lead (villages).
    pub assisted: Option<i64>,
}

/// One row of the 附件2 table.
#[derive(SimpleObject)]
pub struct LeadFieldRow {
    pub category: LeadCategory,
    /// The category's 中文 name.
    pub label: String,
    pub figures: LeadFigures,
}

#[derive(SimpleObject, Clone, Copy)]
pub struct LevelCount {
    pub level: AttentionLevel,
    pub count: i64,
}

/// A periodic duty over a month: records whose duty fell due by the month's last day (counting
/// from the last one before the month, or from when the level took effect), and how many of them
/// had it done within the month. A record counts once however often its duty falls due.
#[derive(SimpleObject, Clone, Copy)]
pub struct DutyCompliance {
    pub due: i64,
    pub done: i64,
    /// done / due; null when nothing was due.
    pub rate: Option<f64>,
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// The month (`YYYY-MM`) of a unit (`unitId`: an org unit, or the town's id for the whole
    /// town; the coordinator may name any of its town, everyone else only its own unit, which is
    /// also the default; the coordinator's default is the town). Counted from the viewer's scoped
    /// queries only.
    async fn monthly_report(
        &self,
        ctx: &Context<'_>,
        unit_id: Option<ID>,
        month: String,
    ) -> async_graphql::Result<MonthlyReport> {
        let viewer = ctx.viewer()?;
        Ok(monthly_report(ctx.state(), viewer, unit_id.as_ref(), &month).await?)
    }
}

/// Whose month it is.
pub enum Subject {
    Town,
    Unit(org_unit::Model),
}

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
    let lead_rows = lead_rows(state, viewer, &subject, (start, end)).await?;
    let leads = LeadFigures {
        found: lead_rows.iter().map(|r| r.figures.found).sum(),
        transferred: lead_rows.iter().map(|r| r.figures.transferred).sum(),
        assisted: lead_rows.iter().map(|r| r.figures.assisted).sum(),
    };
    let persons = ledger::<Persons>(
        state,
        viewer,
        &subject,
        (person::Column::Status, person::Column::VillageId, person::Column::AttentionLevel),
        &duty::TALKS,
        days,
    )
    .await?;
    let venues = ledger::<Venues>(
        state,
        viewer,
        &subject,
        (venue::Column::Status, venue::Column::VillageId, venue::Column::AttentionLevel),
        &duty::INSPECTIONS,
        days,
    )
    .await?;
    let risks = risks(state, viewer, &subject, month).await?;
    let overdue_tasks = overdue_tasks(state, viewer, &subject, std::cmp::min(end, Utc::now())).await?;
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
    })
}

/// Risk items reported in the month: a unit's report counts the items it is territorial, sector
/// or assignee unit of (as the `riskItems` filter `unitId` does). `None` when the viewer reads no
/// item, or does not read `basic` on every one (rule 4, as in `riskStats`).
async fn risks(
    state: &AppState,
    viewer: &Viewer,
    subject: &Subject,
    month: &str,
) -> Result<Option<RiskStats>, ApiError> {
    let Some(base) = readable(state.access.select::<RiskItems>(viewer))? else {
        return Ok(None);
    };
    if !state.access.groups::<RiskItems>(viewer).held_everywhere("basic") {
        return Ok(None);
    }
    let base = match subject {
        Subject::Town => base,
        Subject::Unit(unit) => base.filter(
            Condition::any()
                .add(risk_item::Column::TerritorialUnitId.eq(unit.id))
                .add(risk_item::Column::SectorUnitId.eq(unit.id))
                .add(risk_item::Column::AssigneeUnitId.eq(unit.id)),
        ),
    };
    Ok(Some(risk::month_stats(&state.db, base, month).await?))
}

/// Tasks (of the unit, or any) due before `cut` and neither ACCEPTED nor CANCELLED; `None` when
/// the viewer reads no task.
async fn overdue_tasks(
    state: &AppState,
    viewer: &Viewer,
    subject: &Subject,
    cut: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let Some(base) = readable(state.access.select::<Tasks>(viewer))? else {
        return Ok(None);
    };
    let mut base = base
        .filter(task::Column::DueAt.lt(cut))
        .filter(task::Column::Status.is_not_in([TaskStatus::Accepted, TaskStatus::Cancelled]));
    if let Subject::Unit(unit) = subject {
        base = base.filter(task::Column::AssigneeUnitId.eq(unit.id));
    }
    Ok(Some(count(&state.db, base).await?))
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

/// A scoped query, or `None` when the viewer reads no row of it (that figure is then null).
pub fn readable<T>(select: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match select {
        Ok(select) => Ok(Some(select)),
        Err(ApiError::Forbidden) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The calendar day an instant falls on in the town.
fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&lead_flow::town_zone()).date_naive()
}

/// The first day of the town's month an instant falls in.
pub fn local_month(at: DateTime<Utc>) -> NaiveDate {
    local_day(at).with_day(1).expect("every month has a first day")
}

async fn count<E: EntityTrait>(db: &impl ConnectionTrait, base: Select<E>) -> Result<i64, ApiError> {
    let n: Option<i64> = base.select_only().column_as(Expr::val(1).count(), "n").into_tuple().one(db).await?;
    Ok(n.unwrap_or(0))
}

/// 1 where `cond` holds, else 0: summed, a count of the rows where it holds.
fn one_if(cond: Condition) -> Expr {
    Expr::case(cond, 1).finally(0).into()
}

/// The lead figures of the month per field of struggle, in one GROUP BY over the scoped leads.
async fn lead_rows(
    state: &AppState,
    viewer: &Viewer,
    subject: &Subject,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<LeadFieldRow>, ApiError> {
    let groups = state.access.groups::<Leads>(viewer);
    let in_month = |col: lead::Column| Condition::all().add(col.gte(start)).add(col.lt(end));
    let mut received = in_month(lead::Column::ReceivedAt);
    let mut concluded = in_month(lead::Column::ConcludedAt)
        .add(lead::Column::Status.is_in([LeadStatus::Substantiated, LeadStatus::Unfounded]));
    match subject {
        Subject::Town => concluded = concluded.add(lead::Column::AssigneeUnitId.is_not_null()),
        Subject::Unit(unit) => {
            received = received.add(lead::Column::ReceivingUnitId.eq(unit.id));
            concluded = concluded.add(lead::Column::AssigneeUnitId.eq(unit.id));
        }
    }
    let found = groups.guarded(viewer, "receipt", received);
    // Coarse status and umbrella flag are the shell, which every reader of a lead holds.
    let handed_on =
        Condition::any().add(lead::Column::Status.ne(LeadStatus::Registered)).add(lead::Column::Umbrella.eq(true));
    let transferred = Condition::all().add(found.clone()).add(handed_on);
    let assisted = groups.guarded(viewer, "handling", concluded);
    // The field: umbrella leads have their own row (the flag is shell); an ordinary lead's
    // category is `submission`, and a lead whose category the viewer may not read counts as other.
    let umbrella = LeadCategory::ProtectiveUmbrella.to_value();
    let other = LeadCategory::OtherReported.to_value();
    let category = Expr::col((lead::Entity, lead::Column::Category));
    let field: Expr = if groups.held_everywhere("submission") {
        Expr::case(lead::Column::Umbrella.eq(true), Expr::val(umbrella)).finally(category).into()
    } else {
        Expr::case(lead::Column::Umbrella.eq(true), Expr::val(umbrella))
            .case(groups.condition(viewer, "submission"), category)
            .finally(Expr::val(other))
            .into()
    };
    let rows: Vec<(String, i64, i64, i64)> = state
        .access
        .select::<Leads>(viewer)?
        .select_only()
        .column_as(field, "field")
        .column_as(one_if(found.clone()).sum(), "found")
        .column_as(one_if(transferred).sum(), "transferred")
        .column_as(one_if(assisted.clone()).sum(), "assisted")
        .filter(Condition::any().add(found).add(assisted))
        // By position: the CASE's bound values would make the two texts differ on PostgreSQL.
        .group_by(Expr::cust("1"))
        .into_tuple()
        .all(&state.db)
        .await?;
    let reads_handling = groups.held_anywhere("handling");
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

/// The columns a ledger's report reads: status, village, attention level.
type LedgerColumns<C> = (C, C, C);

/// A ledger's (persons' or venues') figures: ACTIVE records by level, and the compliance of its
/// periodic duty over the month's `days` (first, last). Each `None` when the viewer may not count it.
async fn ledger<R: Resource>(
    state: &AppState,
    viewer: &Viewer,
    subject: &Subject,
    (status, village, level): LedgerColumns<<R::Entity as EntityTrait>::Column>,
    duty: &Duty,
    days: (NaiveDate, NaiveDate),
) -> Result<(Option<Vec<LevelCount>>, Option<DutyCompliance>), ApiError> {
    let Some(base) = readable(state.access.select::<R>(viewer))? else {
        return Ok((None, None));
    };
    let groups = state.access.groups::<R>(viewer);
    let mut scope = Condition::all().add(status.eq(RecordStatus::Active));
    if let Subject::Unit(unit) = subject
        && unit.kind == UnitKind::Village
    {
        scope = scope.add(village.eq(unit.village_id));
    }
    let base = base.filter(groups.guarded(viewer, "basic", scope));
    let counts: Vec<(AttentionLevel, i64)> = base
        .clone()
        .select_only()
        .column(level)
        .column_as(Expr::val(1).count(), "n")
        .group_by(level)
        .into_tuple()
        .all(&state.db)
        .await?;
    let by_level = LEVELS
        .into_iter()
        .map(|l| LevelCount { level: l, count: counts.iter().find(|(c, _)| *c == l).map_or(0, |(_, n)| *n) })
        .collect();
    if !groups.held_anywhere("record") {
        return Ok((Some(by_level), None));
    }
    let due = groups.guarded(viewer, "record", due_by(duty, days));
    let done = Condition::all().add(due.clone()).add(done_within(duty, days));
    let (due, done): (Option<i64>, Option<i64>) = base
        .select_only()
        .column_as(one_if(due).sum(), "due")
        .column_as(one_if(done).sum(), "done")
        .into_tuple()
        .one(&state.db)
        .await?
        .unwrap_or_default();
    let (due, done) = (due.unwrap_or(0), done.unwrap_or(0));
    Ok((Some(by_level), Some(DutyCompliance { due, done, rate: risk_flow::rate(due, done) })))
}

/// Records whose duty falls due by the month's last day: for each level, the later of the level's
/// start and the last duty before the month is at least the level's interval before that day
/// (`domain::levels::next_due`, as `Duty::overdue` counts it for today).
fn due_by(duty: &Duty, (first, last): (NaiveDate, NaiveDate)) -> Condition {
    let col = |column: &str| Expr::col((Alias::new(duty.record), Alias::new(column)));
    let mut any = Condition::any();
    for level in LEVELS {
        let cutoff = last - Duration::days((duty.interval)(level));
        let done_since = Query::select()
            .column(Alias::new(duty.record_id))
            .from(Alias::new(duty.table))
            .and_where(Expr::col(Alias::new(duty.on)).gt(cutoff))
            .and_where(Expr::col(Alias::new(duty.on)).lt(first))
            .to_owned();
        any = any.add(
            Condition::all()
                .add(col("attention_level").eq(level.to_value()))
                .add(col("level_since").lte(cutoff))
                .add(col("id").not_in_subquery(done_since)),
        );
    }
    any
}

/// Records whose duty was done within the month.
fn done_within(duty: &Duty, (first, last): (NaiveDate, NaiveDate)) -> Condition {
    let done = Query::select()
        .column(Alias::new(duty.record_id))
        .from(Alias::new(duty.table))
        .and_where(Expr::col(Alias::new(duty.on)).gte(first))
        .and_where(Expr::col(Alias::new(duty.on)).lte(last))
        .to_owned();
    Condition::all().add(Expr::col((Alias::new(duty.record), Alias::new("id"))).in_subquery(done))
}
