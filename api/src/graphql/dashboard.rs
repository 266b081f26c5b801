//! `dashboard`: the coordinator's front page (and every other case role's, over its own scope):
//! counts by level and status of each record type, overdue tasks by unit, risk items by
//! escalation level, and the last 12 months of leads found and resolved.
//!
//! One GraphQL round trip; each figure one GROUP BY over the viewer's scoped query
//! (`Access::select`), with conditions on fields guarded by the viewer's groups on the row
//! (access.md rules 1 and 4), so no count includes a row the viewer cannot list. The groupings
//! lead with the town column, as the record tables' composite indexes do. A record type the
//! viewer reads no row of is null. A viewer who reads no leads (admin) is `FORBIDDEN`: admin reads
//! no case data, and an empty page would pretend there is none.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use entity::enums::{AttentionLevel, EscalationLevel, LeadStatus, RecordStatus, RiskLevel, RiskStatus, TaskStatus};
use entity::{lead, org_unit, person, risk_item, task, venue};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::ContextExt;
use super::lead::{LeadCoarseStatus, coarse};
use super::org::OrgUnit;
use super::report::{local_month, readable};
use crate::AppState;
use crate::access::Resource;
use crate::access::resource::{Leads, OrgUnits, Persons, RiskItems, Tasks, Venues};
use crate::auth::Viewer;
use crate::domain::risk_flow;
use crate::error::ApiError;

#[derive(SimpleObject)]
pub struct Dashboard {
    /// Persons by attention level and status.
    pub persons: Option<Vec<LedgerCount>>,
    /// Venues by attention level and status.
    pub venues: Option<Vec<LedgerCount>>,
    /// Leads by umbrella flag and coarse status (the shell, which every reader of a lead holds).
    pub leads: Vec<LeadCount>,
    /// Risk items by level (null before assessment) and status.
    pub risk_items: Option<Vec<RiskCount>>,
    /// Open risk items by the joint meeting (三级联席会议) they are before.
    pub risk_escalation: Option<Vec<EscalationCount>>,
    /// Tasks by status.
    pub tasks: Option<Vec<TaskCount>>,
    /// Tasks past due and neither ACCEPTED nor CANCELLED, by assignee unit.
    pub overdue_tasks_by_unit: Option<Vec<UnitCount>>,
    /// The last 12 months (the current one last), in the town's calendar.
    pub lead_months: Vec<LeadMonth>,
}

#[derive(SimpleObject)]
pub struct LedgerCount {
    pub level: AttentionLevel,
    pub status: RecordStatus,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct LeadCount {
    pub umbrella: bool,
    pub coarse_status: LeadCoarseStatus,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct RiskCount {
    pub level: Option<RiskLevel>,
    pub status: RiskStatus,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct EscalationCount {
    pub escalation_level: EscalationLevel,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct TaskCount {
    pub status: TaskStatus,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct UnitCount {
    pub unit: OrgUnit,
    pub count: i64,
}

/// Leads of one month: found (received in it) and resolved (concluded in it). A lead whose
/// receipt or handling the viewer may not read is not counted in that figure.
#[derive(SimpleObject)]
pub struct LeadMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub found: i64,
    /// Null when the viewer reads the `handling` group on no lead (villages).
    pub resolved: Option<i64>,
}

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// The front page's figures, over the viewer's scope.
    async fn dashboard(&self, ctx: &Context<'_>) -> async_graphql::Result<Dashboard> {
        let viewer = ctx.viewer()?;
        Ok(dashboard(ctx.state(), viewer, Utc::now()).await?)
    }
}

async fn dashboard(state: &AppState, viewer: &Viewer, now: DateTime<Utc>) -> Result<Dashboard, ApiError> {
    let db = &state.db;
    let access = &state.access;
    let leads = access.select::<Leads>(viewer)?;
    let lead_counts: Vec<(bool, LeadStatus, i64)> = leads
        .select_only()
        .column(lead::Column::Umbrella)
        .column(lead::Column::Status)
        .column_as(Expr::val(1).count(), "n")
        .group_by(lead::Column::Umbrella)
        .group_by(lead::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    // The fine status groups in SQL; only its coarse image leaves here.
    let mut leads: Vec<LeadCount> = Vec::new();
    for (umbrella, status, n) in lead_counts {
        let coarse_status = coarse(status);
        match leads.iter_mut().find(|c| c.umbrella == umbrella && c.coarse_status == coarse_status) {
            Some(c) => c.count += n,
            None => leads.push(LeadCount { umbrella, coarse_status, count: n }),
        }
    }

    let persons =
        ledger_counts::<Persons>(state, viewer, (person::Column::AttentionLevel, person::Column::Status)).await?;
    let venues = ledger_counts::<Venues>(state, viewer, (venue::Column::AttentionLevel, venue::Column::Status)).await?;

    let (risk_items, risk_escalation) = match readable(access.select::<RiskItems>(viewer))? {
        // Rule 4: level, status and escalation level are `basic`.
        Some(base) if access.groups::<RiskItems>(viewer).held_everywhere("basic") => {
            let by_level = base
                .clone()
                .select_only()
                .column(risk_item::Column::Level)
                .column(risk_item::Column::Status)
                .column_as(Expr::val(1).count(), "n")
                .group_by(risk_item::Column::Level)
                .group_by(risk_item::Column::Status)
                .into_tuple::<(Option<RiskLevel>, RiskStatus, i64)>()
                .all(db)
                .await?
                .into_iter()
                .map(|(level, status, count)| RiskCount { level, status, count })
                .collect();
            let by_escalation = base
                .select_only()
                .column(risk_item::Column::EscalationLevel)
                .column_as(Expr::val(1).count(), "n")
                .filter(risk_item::Column::Status.ne(RiskStatus::Resolved))
                .group_by(risk_item::Column::EscalationLevel)
                .into_tuple::<(EscalationLevel, i64)>()
                .all(db)
                .await?
                .into_iter()
                .map(|(escalation_level, count)| EscalationCount { escalation_level, count })
                .collect();
            (Some(by_level), Some(by_escalation))
        }
        _ => (None, None),
    };

    let (tasks, overdue_tasks_by_unit) = match readable(access.select::<Tasks>(viewer))? {
        Some(base) => {
            let by_status = base
                .clone()
                .select_only()
                .column(task::Column::Status)
                .column_as(Expr::val(1).count(), "n")
                .group_by(task::Column::Status)
                .into_tuple::<(TaskStatus, i64)>()
                .all(db)
                .await?
                .into_iter()
                .map(|(status, count)| TaskCount { status, count })
                .collect();
            let by_unit: Vec<(Uuid, i64)> = base
                .select_only()
                .column(task::Column::AssigneeUnitId)
                .column_as(Expr::val(1).count(), "n")
                .filter(task::Column::DueAt.lt(now))
                .filter(task::Column::Status.is_not_in([TaskStatus::Accepted, TaskStatus::Cancelled]))
                .group_by(task::Column::AssigneeUnitId)
                .into_tuple()
                .all(db)
                .await?;
            let units = access
                .select::<OrgUnits>(viewer)?
                .filter(org_unit::Column::Id.is_in(by_unit.iter().map(|(u, _)| *u)))
                .all(db)
                .await?;
            let by_unit = units
                .into_iter()
                .filter_map(|unit| {
                    let count = by_unit.iter().find(|(u, _)| *u == unit.id)?.1;
                    Some(UnitCount { unit: OrgUnit::from(unit), count })
                })
                .collect();
            (Some(by_status), Some(by_unit))
        }
        None => (None, None),
    };

    let lead_months = lead_months(state, viewer, now).await?;
    Ok(Dashboard { persons, venues, leads, risk_items, risk_escalation, tasks, overdue_tasks_by_unit, lead_months })
}

/// A ledger's (persons' or venues') records by (attention level, status); `None` when the viewer
/// reads none of them.
async fn ledger_counts<R: Resource>(
    state: &AppState,
    viewer: &Viewer,
    (level, status): (<R::Entity as EntityTrait>::Column, <R::Entity as EntityTrait>::Column),
) -> Result<Option<Vec<LedgerCount>>, ApiError> {
    let Some(base) = readable(state.access.select::<R>(viewer))? else {
        return Ok(None);
    };
    let rows: Vec<(AttentionLevel, RecordStatus, i64)> = base
        .select_only()
        .column(level)
        .column(status)
        .column_as(Expr::val(1).count(), "n")
        .group_by(level)
        .group_by(status)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(Some(rows.into_iter().map(|(level, status, count)| LedgerCount { level, status, count }).collect()))
}

/// Leads found and resolved in each of the last 12 months: two GROUP BYs over a bucket index,
/// the month bounds bound as values so both backends compare instants the same way.
async fn lead_months(state: &AppState, viewer: &Viewer, now: DateTime<Utc>) -> Result<Vec<LeadMonth>, ApiError> {
    let this_month = local_month(now);
    let months: Vec<NaiveDate> =
        (0..12).rev().filter_map(|back| this_month.checked_sub_months(Months::new(back))).collect();
    let names: Vec<String> = months.iter().map(|m| format!("{:04}-{:02}", m.year(), m.month())).collect();
    let bounds: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        names.iter().filter_map(|name| risk_flow::month_bounds(name)).collect();
    let groups = state.access.groups::<Leads>(viewer);
    // Within [first month's start, last month's end) the months are contiguous, so a row's bucket
    // is the first month whose end lies after it.
    let per_month = |column: lead::Column, cond: Condition| -> (Expr, Condition) {
        let mut bucket = Expr::case(column.lt(bounds[0].1), 0);
        for (i, (_, end)) in bounds.iter().enumerate().skip(1) {
            bucket = bucket.case(column.lt(*end), i as i32);
        }
        let range = Condition::all().add(cond).add(column.gte(bounds[0].0)).add(column.lt(bounds[bounds.len() - 1].1));
        (bucket.finally(-1).into(), range)
    };
    let (found_bucket, found_cond) =
        per_month(lead::Column::ReceivedAt, groups.guarded(viewer, "receipt", Condition::all()));
    let found = bucket_counts(state, viewer, found_bucket, found_cond).await?;
    let concluded =
        Condition::all().add(lead::Column::Status.is_in([LeadStatus::Substantiated, LeadStatus::Unfounded]));
    let (resolved_bucket, resolved_cond) =
        per_month(lead::Column::ConcludedAt, groups.guarded(viewer, "handling", concluded));
    let resolved = bucket_counts(state, viewer, resolved_bucket, resolved_cond).await?;
    let reads_handling = groups.held_anywhere("handling");
    let count = |rows: &[(i32, i64)], i: usize| rows.iter().find(|(b, _)| *b == i as i32).map_or(0, |(_, n)| *n);
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(i, month)| LeadMonth {
            month,
            found: count(&found, i),
            resolved: reads_handling.then(|| count(&resolved, i)),
        })
        .collect())
}

async fn bucket_counts(
    state: &AppState,
    viewer: &Viewer,
    bucket: Expr,
    cond: Condition,
) -> Result<Vec<(i32, i64)>, ApiError> {
    Ok(state
        .access
        .select::<Leads>(viewer)?
        .select_only()
        .column_as(bucket, "bucket")
        .column_as(Expr::val(1).count(), "n")
        .filter(cond)
        // By position: the CASE's bound values would make the two texts differ on PostgreSQL.
        .group_by(Expr::cust("1"))
        .into_tuple()
        .all(&state.db)
        .await?)
}
