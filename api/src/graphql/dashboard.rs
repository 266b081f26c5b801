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
use entity::enums::{AttentionLevel, EscalationLevel, RecordStatus, RiskLevel, RiskStatus, TaskStatus};
use entity::org_unit;
use sea_orm::{ColumnTrait, QueryFilter};

use super::ContextExt;
use super::lead::{LeadCoarseStatus, coarse};
use super::org::OrgUnit;
use super::report::local_month;
use crate::AppState;
use crate::access::resource::{Leads, OrgUnits, Persons, Venues};
use crate::access::store::Store;
use crate::access::stores::report;
use crate::auth::Viewer;
use crate::error::ApiError;

/// 首页统计 — the front page's figures over the viewer's scope.
#[derive(SimpleObject)]
pub struct Dashboard {
    /// 重点人员 — persons by attention level and status.
    pub persons: Option<Vec<LedgerCount>>,
    /// 重点场所 — venues by attention level and status.
    pub venues: Option<Vec<LedgerCount>>,
    /// 线索 — leads by umbrella flag and coarse status (the shell, which every reader of a lead holds).
    pub leads: Vec<LeadCount>,
    /// 风险隐患 — risk items by level (null before assessment) and status.
    pub risk_items: Option<Vec<RiskCount>>,
    /// Open risk items by the joint meeting (三级联席会议) they are before.
    pub risk_escalation: Option<Vec<EscalationCount>>,
    /// 督办任务 — tasks by status.
    pub tasks: Option<Vec<TaskCount>>,
    /// 逾期任务 — tasks past due and neither ACCEPTED nor CANCELLED, by assignee unit.
    pub overdue_tasks_by_unit: Option<Vec<UnitCount>>,
    /// 月度线索 — the last 12 months (the current one last), in the town's calendar.
    pub lead_months: Vec<LeadMonth>,
}

/// 台账统计 — records counted by attention level and status.
#[derive(SimpleObject)]
pub struct LedgerCount {
    /// 关注等级 — the attention level.
    pub level: AttentionLevel,
    /// 在管状态 — on the ledger or delisted.
    pub status: RecordStatus,
    /// 数量 — how many.
    pub count: i64,
}

/// 线索统计 — leads counted by umbrella flag and coarse status.
#[derive(SimpleObject)]
pub struct LeadCount {
    /// 保护伞 — whether the leads are umbrella leads.
    pub umbrella: bool,
    /// 粗略状态 — received, in progress or concluded.
    pub coarse_status: LeadCoarseStatus,
    /// 数量 — how many.
    pub count: i64,
}

/// 风险统计 — risk items counted by level and status.
#[derive(SimpleObject)]
pub struct RiskCount {
    /// 风险等级 — the level; null before assessment.
    pub level: Option<RiskLevel>,
    /// 风险状态 — the lifecycle status.
    pub status: RiskStatus,
    /// 数量 — how many.
    pub count: i64,
}

/// 联席会议统计 — risk items counted by the joint meeting they are before.
#[derive(SimpleObject)]
pub struct EscalationCount {
    /// 联席会议级别 — the joint meeting the items are before.
    pub escalation_level: EscalationLevel,
    /// 数量 — how many.
    pub count: i64,
}

/// 任务统计 — tasks counted by status.
#[derive(SimpleObject)]
pub struct TaskCount {
    /// 任务状态 — the status.
    pub status: TaskStatus,
    /// 数量 — how many.
    pub count: i64,
}

/// 单位统计 — a count per org unit.
#[derive(SimpleObject)]
pub struct UnitCount {
    /// 单位 — the org unit.
    pub unit: OrgUnit,
    /// 数量 — how many.
    pub count: i64,
}

/// 月度线索 — leads of one month: found (received in it) and resolved (concluded in it). A lead whose
/// receipt or handling the viewer may not read is not counted in that figure.
#[derive(SimpleObject)]
pub struct LeadMonth {
    /// 月份 — `YYYY-MM`.
    pub month: String,
    /// 发现 — leads received in the month.
    pub found: i64,
    /// 办结 — null when the viewer reads the `handling` group on no lead (villages).
    pub resolved: Option<i64>,
}

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// 首页统计 — the front page's figures, over the viewer's scope.
    async fn dashboard(&self, ctx: &Context<'_>) -> async_graphql::Result<Dashboard> {
        let viewer = ctx.viewer()?;
        Ok(dashboard(ctx.state(), viewer, Utc::now()).await?)
    }
}

async fn dashboard(state: &AppState, viewer: &Viewer, now: DateTime<Utc>) -> Result<Dashboard, ApiError> {
    let db = &state.db;
    let store = Store::new(&state.access, viewer);
    // The fine status groups in SQL; only its coarse image leaves here.
    let mut leads: Vec<LeadCount> = Vec::new();
    for (umbrella, status, n) in report::lead_status_counts(&store, db).await? {
        let coarse_status = coarse(status);
        match leads.iter_mut().find(|c| c.umbrella == umbrella && c.coarse_status == coarse_status) {
            Some(c) => c.count += n,
            None => leads.push(LeadCount { umbrella, coarse_status, count: n }),
        }
    }
    let ledger = |rows: Vec<(AttentionLevel, RecordStatus, i64)>| {
        rows.into_iter().map(|(level, status, count)| LedgerCount { level, status, count }).collect()
    };
    let persons = report::ledger_counts::<Persons>(&store, db).await?.map(ledger);
    let venues = report::ledger_counts::<Venues>(&store, db).await?.map(ledger);
    let (risk_items, risk_escalation) = match report::risk_counts(&store, db).await? {
        Some(counts) => (
            Some(
                counts.by_level.into_iter().map(|(level, status, count)| RiskCount { level, status, count }).collect(),
            ),
            Some(
                counts
                    .by_escalation
                    .into_iter()
                    .map(|(escalation_level, count)| EscalationCount { escalation_level, count })
                    .collect(),
            ),
        ),
        None => (None, None),
    };
    let (tasks, overdue_tasks_by_unit) = match report::task_counts(&store, db, now).await? {
        Some((by_status, by_unit)) => {
            let by_status = by_status.into_iter().map(|(status, count)| TaskCount { status, count }).collect();
            let units = state
                .access
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
    let lead_months = lead_months(&store, db, now).await?;
    Ok(Dashboard { persons, venues, leads, risk_items, risk_escalation, tasks, overdue_tasks_by_unit, lead_months })
}

/// Leads found and resolved in each of the last 12 months of the town's time, from the kept
/// monthly counts ([`report::lead_month_counts`]).
async fn lead_months(
    store: &Store<'_>,
    db: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<LeadMonth>, ApiError> {
    let this_month = local_month(now);
    let months: Vec<NaiveDate> =
        (0..12).rev().filter_map(|back| this_month.checked_sub_months(Months::new(back))).collect();
    let names: Vec<String> = months.iter().map(|m| format!("{:04}-{:02}", m.year(), m.month())).collect();
    let (found, resolved) = report::lead_month_counts(store, db, &names).await?;
    let reads_handling = store.groups::<Leads>().held_anywhere("handling");
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
