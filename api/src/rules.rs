//! Tasks raised by rules (domain.md "Supervision tasks"): talk and inspection intervals, the
//! lead deadlines, T+2 after a HIGH assessment, the villages' lead reports (每月两报), the
//! monthly reports, the coordination office's monthly analysis meeting (研判会), and the leads
//! handled first: an umbrella lead the discipline commission takes up within 24 hours, a major
//! lead reported within 2 hours.
//!
//! A sweep asks each rule two things at an instant: which duties are owed now, and which of its
//! open tasks are done. It raises a task for every owed duty that has none and closes every done
//! task as `ACCEPTED` with a `SYSTEM_CLOSED` event. The server sweeps on an interval, the
//! `pingan tasks raise` command sweeps once, and the writes that change a duty (a talk recorded,
//! a lead transferred …) sweep their own record in their own transaction, so a task appears or
//! closes with the write that caused it. The instant is always a parameter: tests pass any day.
//!
//! Idempotence, twice over: `task.rule_key` (unique, set while the task is open) holds one open
//! task per rule and target; and a duty is one instance — rule, target or unit, due time — that
//! is raised once: a closed or cancelled task of the same instance counts as raised.
//!
//! Rule-raised tasks are created by the coordination office (the discipline commission for
//! umbrella leads). Their titles are fixed phrases and dates, never a name or a serial: the task
//! shows its target only through `Task.target`, under the target's own rules.
//!
//! The rules are the system's own bookkeeping, not a viewer's read: they read and write through
//! the scheduler's store (`access::stores::sweep`); nothing they read leaves this module but ids
//! and due times.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{ReportKind, TaskKind, TaskStatus};
use entity::enums::{TaskTargetType, UnitKind};
use entity::{org_unit, task};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::access::duty::{self, Duty as PeriodicDuty};
use crate::access::resource::{OrgUnits, Persons, RiskItems, Venues};
use crate::access::stores::sweep::{self, LeadDeadline, PriorityDuty};
pub use crate::access::stores::sweep::{Only, SystemTask, close, task_event};
pub use crate::domain::lead_flow::{end_of_day, local_day};
use crate::domain::levels;
use crate::domain::report_period::{self, Week};
use crate::replicas;

/// A task was assigned (created with an assignee): what `taskAssigned` subscribers need to
/// route it.
#[derive(Debug, Clone, Copy)]
pub struct TaskAssigned {
    pub task: Uuid,
    pub town: Uuid,
    pub assignee_unit: Uuid,
}

/// A step on a task (or a change to it): what `taskUpdated` subscribers need to route it. Who
/// may hear of it is decided per subscriber by the task scope, never here.
#[derive(Debug, Clone, Copy)]
pub struct TaskUpdated {
    pub task: Uuid,
    pub town: Uuid,
    pub change: TaskChange,
}

/// 任务变更类型 — what happened to a task, as `taskUpdated` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum TaskChange {
    /// 开始办理 — the assignee started work.
    Started,
    /// 反馈 — the assignee added feedback.
    Feedback,
    /// 提交 — the assignee submitted the work.
    Submitted,
    /// 验收 — the creating unit accepted it.
    Accepted,
    /// 退回 — the creating unit returned it.
    Returned,
    /// 撤销 — the creating unit cancelled it.
    Cancelled,
    /// 零报告 — a village closed its lead-report task with nothing to report.
    NilReport,
    /// 变更 — its particulars changed (listed supervision, the assignee user).
    Changed,
}

impl TaskChange {
    pub const ALL: [TaskChange; 8] = [
        TaskChange::Started,
        TaskChange::Feedback,
        TaskChange::Submitted,
        TaskChange::Accepted,
        TaskChange::Returned,
        TaskChange::Cancelled,
        TaskChange::NilReport,
        TaskChange::Changed,
    ];

    /// Its word in a replica announcement.
    pub fn word(self) -> &'static str {
        match self {
            TaskChange::Started => "STARTED",
            TaskChange::Feedback => "FEEDBACK",
            TaskChange::Submitted => "SUBMITTED",
            TaskChange::Accepted => "ACCEPTED",
            TaskChange::Returned => "RETURNED",
            TaskChange::Cancelled => "CANCELLED",
            TaskChange::NilReport => "NIL_REPORT",
            TaskChange::Changed => "CHANGED",
        }
    }

    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.word() == word)
    }
}

/// What the task channel carries: a task newly assigned, or a step on one.
#[derive(Debug, Clone, Copy)]
pub enum TaskNews {
    Assigned(TaskAssigned),
    Updated(TaskUpdated),
}

impl From<TaskAssigned> for TaskNews {
    fn from(task: TaskAssigned) -> Self {
        TaskNews::Assigned(task)
    }
}

impl From<TaskUpdated> for TaskNews {
    fn from(task: TaskUpdated) -> Self {
        TaskNews::Updated(task)
    }
}

/// The channel tasks are announced on; slow subscribers skip what they missed.
pub fn channel() -> tokio::sync::broadcast::Sender<TaskNews> {
    tokio::sync::broadcast::channel(256).0
}

/// A rule that raises tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A person's education talk is due (30 / 60 / 90 days by level).
    TalkDue,
    /// A venue's inspection is due (15 / 60 / 90 days by level).
    InspectionDue,
    /// A registered lead goes to the coordination office the same day.
    LeadTransfer,
    /// A transferred lead goes before the leading group within 24 hours.
    LeadReview,
    /// An assigned lead is verified by its 四定一包 deadline.
    LeadVerification,
    /// A HIGH risk item's first feedback is due two days after assessment (T+2).
    RiskFeedback,
    /// Each village reports its leads by the 15th and by the last day of the month.
    VillageLeadReport,
    /// Each unit's monthly report is due the 23rd, the town's the 25th.
    MonthlyReport,
    /// The coordination office holds its analysis meeting (研判会) every month.
    MonthlyAnalysisMeeting,
    /// The discipline commission takes up an umbrella lead within 24 hours of its becoming one.
    UmbrellaLeadReceived,
    /// A major lead is reported within 2 hours.
    MajorLeadReport,
    /// Each unit's weekly progress report is due on Friday (raised on Monday).
    WeeklyReport,
    /// A pending step-down request of a person or venue waits for the coordination office's
    /// decision, within a week of the request.
    StepDownReview,
    /// The coordination office updates each open risk item once a week (每周调整更新), by the end
    /// of Sunday; an item reported this week first owes next week's.
    WeeklyRiskUpdate,
}

impl Rule {
    pub const ALL: [Rule; 14] = [
        Rule::TalkDue,
        Rule::InspectionDue,
        Rule::LeadTransfer,
        Rule::LeadReview,
        Rule::LeadVerification,
        Rule::RiskFeedback,
        Rule::VillageLeadReport,
        Rule::MonthlyReport,
        Rule::MonthlyAnalysisMeeting,
        Rule::UmbrellaLeadReceived,
        Rule::MajorLeadReport,
        Rule::WeeklyReport,
        Rule::StepDownReview,
        Rule::WeeklyRiskUpdate,
    ];

    pub fn kind(self) -> TaskKind {
        match self {
            Rule::TalkDue => TaskKind::TalkDue,
            Rule::InspectionDue => TaskKind::InspectionDue,
            Rule::LeadTransfer => TaskKind::LeadTransfer,
            Rule::LeadReview => TaskKind::LeadReview,
            Rule::LeadVerification => TaskKind::LeadVerification,
            Rule::RiskFeedback => TaskKind::RiskFeedback,
            Rule::VillageLeadReport => TaskKind::VillageLeadReport,
            Rule::MonthlyReport => TaskKind::MonthlyReport,
            Rule::MonthlyAnalysisMeeting => TaskKind::MonthlyAnalysisMeeting,
            Rule::UmbrellaLeadReceived => TaskKind::UmbrellaLeadReceived,
            Rule::MajorLeadReport => TaskKind::MajorLeadReport,
            Rule::WeeklyReport => TaskKind::WeeklyReport,
            Rule::StepDownReview => TaskKind::StepDownReview,
            Rule::WeeklyRiskUpdate => TaskKind::WeeklyRiskUpdate,
        }
    }

    /// Whether the rule's duties belong to a unit (a period's report) rather than a record.
    fn per_unit(self) -> bool {
        matches!(
            self,
            Rule::VillageLeadReport | Rule::MonthlyReport | Rule::MonthlyAnalysisMeeting | Rule::WeeklyReport
        )
    }

    /// The system event's text when the duty is done.
    fn done_note(self) -> &'static str {
        match self {
            Rule::TalkDue => "谈话教育已不再到期（已记录谈话或列管情况已变化），系统自动办结。",
            Rule::InspectionDue => "场所检查已不再到期（已记录检查或列管情况已变化），系统自动办结。",
            Rule::LeadTransfer => "线索已不在待移交状态，系统自动办结。",
            Rule::LeadReview => "线索已呈阅或已不在待呈阅状态，系统自动办结。",
            Rule::LeadVerification => "线索已办结或已不在核查状态，系统自动办结。",
            Rule::RiskFeedback => "风险隐患已有反馈或已不在待反馈状态，系统自动办结。",
            Rule::VillageLeadReport => "本期已登记线索，系统自动办结。",
            Rule::MonthlyReport => "月报已签字报送，系统自动办结。",
            Rule::WeeklyReport => "周通报已签字报送，系统自动办结。",
            Rule::MonthlyAnalysisMeeting => "本月研判会已召开并记录，系统自动办结。",
            Rule::UmbrellaLeadReceived => "纪委已受理线索，系统自动办结。",
            Rule::MajorLeadReport => "重大线索已上报。",
            Rule::StepDownReview => "降级申请已审批，系统自动办结。",
            Rule::WeeklyRiskUpdate => "本周已更新或风险隐患已销号，系统自动办结。",
        }
    }

    /// Whether a task of the rule whose lead turned umbrella was superseded rather than done: a
    /// lead's ordinary duty then moved to the discipline commission. The priority rules are
    /// about umbrella leads themselves, or follow the lead to the commission (`moved`).
    fn superseded_when_umbrella(self) -> bool {
        !matches!(self, Rule::UmbrellaLeadReceived | Rule::MajorLeadReport)
    }
}

/// The key that holds one open task per rule and target: `TALK_DUE:<person>`, or for a unit's
/// periodic report `VILLAGE_LEAD_REPORT:<unit>:<due day>`. `None` for kinds no rule raises.
pub fn rule_key(kind: TaskKind, target: Option<Uuid>, unit: Uuid, due_at: DateTime<Utc>) -> Option<String> {
    let name = kind.to_value();
    match kind {
        TaskKind::VillageLeadReport
        | TaskKind::MonthlyReport
        | TaskKind::MonthlyAnalysisMeeting
        | TaskKind::WeeklyReport => Some(format!("{name}:{unit}:{}", local_day(due_at))),
        TaskKind::AdHoc | TaskKind::RiskResolution | TaskKind::PersonLink | TaskKind::MeetingDecision => None,
        _ => target.map(|t| format!("{name}:{t}")),
    }
}

/// Which records a sweep looks at.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// One town, or every town.
    pub town: Option<Uuid>,
    pub only: Only,
}

impl Scope {
    pub fn everything() -> Self {
        Self { town: None, only: Only::Everything }
    }

    /// Whether `rule` has anything to look at in this scope.
    fn covers(&self, rule: Rule) -> bool {
        match self.only {
            Only::Everything => true,
            Only::Target(_) => !rule.per_unit(),
            Only::Unit(_) => rule.per_unit(),
        }
    }
}

/// What a write changed that rules watch.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    Person(Uuid),
    Venue(Uuid),
    Lead(Uuid),
    RiskItem(Uuid),
    /// A meeting recorded by this unit (its monthly analysis meeting may be done).
    Meeting {
        town: Uuid,
        unit: Uuid,
    },
    /// A unit submitted a weekly or monthly report.
    UnitReport(Uuid),
}

/// What a sweep did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub raised: Vec<TaskAssigned>,
    /// The tasks it closed, for `taskUpdated`.
    pub closed: Vec<TaskUpdated>,
    /// Another replica was sweeping: this one did nothing.
    pub skipped: bool,
}

impl Outcome {
    /// What to announce on commit: the tasks raised and the tasks closed.
    pub fn news(&self) -> Vec<TaskNews> {
        let raised = self.raised.iter().copied().map(TaskNews::from);
        raised.chain(self.closed.iter().copied().map(TaskNews::from)).collect()
    }
}

/// A task the system closed, as `taskUpdated` tells it.
pub fn closed(task: &task::Model, status: TaskStatus) -> TaskUpdated {
    let change = if status == TaskStatus::Cancelled { TaskChange::Cancelled } else { TaskChange::Accepted };
    TaskUpdated { task: task.id, town: task.town_id, change }
}

/// A duty owed now: the task it needs.
struct Owed {
    town: Uuid,
    title: String,
    target: Option<(TaskTargetType, Uuid)>,
    assignee_unit: Uuid,
    assignee_user: Option<Uuid>,
    creating_unit: Uuid,
    due_at: DateTime<Utc>,
}

impl Owed {
    fn key(&self, rule: Rule) -> String {
        let target = self.target.map(|t| t.1);
        rule_key(rule.kind(), target, self.assignee_unit, self.due_at).expect("every rule's kind has a key")
    }
}

/// Sweeps every rule over everything, in one transaction, and announces the raised tasks.
/// Skipped while another replica sweeps: two sweeps at once would race to raise the same tasks.
pub async fn sweep_all(
    db: &sea_orm::DatabaseConnection,
    channel: &tokio::sync::broadcast::Sender<TaskNews>,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let (txn, _turn) = crate::db::write(db).await?;
    if !replicas::sweep_lock(&txn).await? {
        return Ok(Outcome { skipped: true, ..Outcome::default() });
    }
    let outcome = sweep(&txn, &Rule::ALL, Scope::everything(), now).await?;
    replicas::commit_announcing(txn, channel, &outcome.news()).await?;
    Ok(outcome)
}

/// The sweep a write runs in its own transaction: the rules that watch what it changed.
pub async fn after_write(txn: &DatabaseTransaction, trigger: Trigger, now: DateTime<Utc>) -> Result<Outcome, DbErr> {
    let (rules, id, town): (&[Rule], Uuid, Option<Uuid>) = match trigger {
        Trigger::Person(id) => (&[Rule::TalkDue, Rule::StepDownReview], id, sweep::town_of::<Persons>(txn, id).await?),
        Trigger::Venue(id) => {
            (&[Rule::InspectionDue, Rule::StepDownReview], id, sweep::town_of::<Venues>(txn, id).await?)
        }
        Trigger::RiskItem(id) => {
            (&[Rule::RiskFeedback, Rule::WeeklyRiskUpdate], id, sweep::town_of::<RiskItems>(txn, id).await?)
        }
        Trigger::Lead(id) => return after_lead_write(txn, id, now).await,
        Trigger::Meeting { town, unit } => {
            let scope = Scope { town: Some(town), only: Only::Unit(unit) };
            return sweep(txn, &[Rule::MonthlyAnalysisMeeting], scope, now).await;
        }
        Trigger::UnitReport(unit) => {
            let town = sweep::town_of::<OrgUnits>(txn, unit).await?;
            let Some(town) = town else { return Ok(Outcome::default()) };
            let reports = [Rule::MonthlyReport, Rule::WeeklyReport];
            return sweep(txn, &reports, Scope { town: Some(town), only: Only::Unit(unit) }, now).await;
        }
    };
    match town {
        Some(town) => sweep(txn, rules, Scope { town: Some(town), only: Only::Target(id) }, now).await,
        None => Ok(Outcome::default()),
    }
}

/// A lead's deadlines, and the report of the period of the unit that received it: a lead a
/// village registers answers that village's report.
async fn after_lead_write(txn: &DatabaseTransaction, id: Uuid, now: DateTime<Utc>) -> Result<Outcome, DbErr> {
    let row = sweep::lead_town_and_receiver(txn, id).await?;
    let Some((town, receiving)) = row else { return Ok(Outcome::default()) };
    let deadlines = [
        Rule::LeadTransfer,
        Rule::LeadReview,
        Rule::LeadVerification,
        Rule::UmbrellaLeadReceived,
        Rule::MajorLeadReport,
    ];
    let mut outcome = sweep(txn, &deadlines, Scope { town: Some(town), only: Only::Target(id) }, now).await?;
    let report = Scope { town: Some(town), only: Only::Unit(receiving) };
    let more = sweep(txn, &[Rule::VillageLeadReport], report, now).await?;
    outcome.raised.extend(more.raised);
    outcome.closed.extend(more.closed);
    Ok(outcome)
}

/// Commits a write after the sweep its trigger asks for, then announces the raised tasks: the
/// task appears, or closes, with the write that caused it.
pub async fn commit(state: &crate::AppState, txn: DatabaseTransaction, trigger: Trigger) -> Result<(), DbErr> {
    let outcome = after_write(&txn, trigger, Utc::now()).await?;
    replicas::commit_announcing(txn, &state.task_events, &outcome.news()).await?;
    state.metrics.tasks(crate::metrics::Trigger::Write, &outcome);
    Ok(())
}

/// The server's scheduled sweep: [`sweep_all`] at `now`, counted for `/metrics`.
pub async fn scheduled_sweep(state: &crate::AppState, now: DateTime<Utc>) -> Result<Outcome, DbErr> {
    let started = std::time::Instant::now();
    let outcome = sweep_all(&state.db, &state.task_events, now).await;
    state.metrics.sweep(&outcome, started.elapsed());
    outcome
}

/// Raises the owed and closes the done tasks of `rules` in `scope` at `now`.
pub async fn sweep(
    db: &impl ConnectionTrait,
    rules: &[Rule],
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let offices = Offices::load(db, scope.town).await?;
    let mut outcome = Outcome::default();
    for &rule in rules.iter().filter(|r| scope.covers(**r)) {
        let owed = owed(db, rule, &offices, scope, now).await?;
        let open = open_tasks(db, rule, scope).await?;
        let done = done(db, rule, &open, &owed).await?;
        // A lead's duty that ended because the lead turned umbrella was not done: it moved to
        // the discipline commission, and its old task says no more than that it was withdrawn.
        let turned_umbrella =
            if rule.superseded_when_umbrella() { umbrella_targets(db, &done).await? } else { HashSet::new() };
        for task in &done {
            let (status, note) = match task.target_id {
                Some(target) if turned_umbrella.contains(&target) => (TaskStatus::Cancelled, SUPERSEDED),
                _ => (TaskStatus::Accepted, rule.done_note()),
            };
            if close(db, task, status, note, now).await? {
                outcome.closed.push(closed(task, status));
            }
        }
        // A duty whose supervising or assigned unit changed (a lead turned umbrella goes to the
        // discipline commission) is cancelled and raised anew for the right units.
        let superseded: Vec<&task::Model> =
            open.iter().filter(|t| !done.iter().any(|d| d.id == t.id) && moved(t, rule, &owed)).collect();
        for task in &superseded {
            if close(db, task, TaskStatus::Cancelled, SUPERSEDED, now).await? {
                outcome.closed.push(closed(task, TaskStatus::Cancelled));
            }
        }
        let open_keys: HashSet<&str> = open
            .iter()
            .filter(|t| !superseded.iter().any(|s| s.id == t.id))
            .filter_map(|t| t.rule_key.as_deref())
            .collect();
        let fresh: Vec<Owed> = owed.into_iter().filter(|o| !open_keys.contains(o.key(rule).as_str())).collect();
        outcome.raised.extend(raise(db, rule, fresh, now).await?);
    }
    Ok(outcome)
}

const SUPERSEDED: &str = "督办单位或承办单位已变更，系统撤销本任务并按新要素重新生成。";

/// The umbrella leads among the targets of `tasks`.
async fn umbrella_targets(db: &impl ConnectionTrait, tasks: &[task::Model]) -> Result<HashSet<Uuid>, DbErr> {
    let leads: Vec<Uuid> =
        tasks.iter().filter(|t| t.target_type == Some(TaskTargetType::Lead)).filter_map(|t| t.target_id).collect();
    sweep::umbrella_leads(db, leads).await
}

/// Whether the duty behind an open task is now owed by, or supervised by, another unit.
fn moved(task: &task::Model, rule: Rule, owed: &[Owed]) -> bool {
    owed.iter().any(|o| {
        task.rule_key.as_deref() == Some(o.key(rule).as_str())
            && (o.creating_unit != task.creating_unit_id || o.assignee_unit != task.assignee_unit_id)
    })
}

/// The units of each town that rule-raised tasks come from or go to.
#[derive(Default)]
pub(crate) struct Offices {
    units: Vec<org_unit::Model>,
}

impl Offices {
    pub(crate) async fn load(db: &impl ConnectionTrait, town: Option<Uuid>) -> Result<Self, DbErr> {
        let mut query = org_unit::Entity::find();
        if let Some(town) = town {
            query = query.filter(org_unit::Column::TownId.eq(town));
        }
        Ok(Self { units: query.all(db).await? })
    }

    pub(crate) fn of_kind(&self, town: Uuid, kind: UnitKind) -> Option<Uuid> {
        self.units.iter().find(|u| u.town_id == town && u.kind == kind).map(|u| u.id)
    }

    fn coordination(&self, town: Uuid) -> Option<Uuid> {
        self.of_kind(town, UnitKind::CoordinationOffice)
    }

    /// The creating unit of a lead's task: the discipline commission for umbrella leads.
    fn lead_creator(&self, town: Uuid, umbrella: bool) -> Option<Uuid> {
        if umbrella {
            self.of_kind(town, UnitKind::DisciplineCommission).or_else(|| self.coordination(town))
        } else {
            self.coordination(town)
        }
    }

    fn units_in(&self, only: Only, kinds: &[UnitKind]) -> impl Iterator<Item = &org_unit::Model> {
        self.units.iter().filter(move |u| {
            kinds.contains(&u.kind)
                && match only {
                    Only::Unit(id) => u.id == id,
                    _ => true,
                }
        })
    }
}

fn last_day_of_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).expect("a valid month") - Duration::days(1)
}

/// The lead-report period holding `day`: the 1st to the 15th, or the 16th to the month's end.
pub fn report_period(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    if day.day() <= 15 {
        (day.with_day(1).expect("day 1"), day.with_day(15).expect("day 15"))
    } else {
        (day.with_day(16).expect("day 16"), last_day_of_month(day))
    }
}

/// The duties `rule` says are owed at `now` in `scope`.
async fn owed(
    db: &impl ConnectionTrait,
    rule: Rule,
    offices: &Offices,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<Vec<Owed>, DbErr> {
    let today = local_day(now);
    match rule {
        Rule::TalkDue => {
            periodic(db, &duty::TALKS, TaskTargetType::Person, "重点人员谈话教育到期", offices, scope, today).await
        }
        Rule::InspectionDue => {
            periodic(db, &duty::INSPECTIONS, TaskTargetType::Venue, "重点场所检查到期", offices, scope, today).await
        }
        Rule::LeadTransfer | Rule::LeadReview | Rule::LeadVerification => lead_duties(db, rule, offices, scope).await,
        Rule::RiskFeedback => risk_feedback(db, offices, scope).await,
        Rule::VillageLeadReport => village_reports(db, offices, scope, today).await,
        Rule::MonthlyReport => Ok(monthly_reports(offices, scope, today)),
        Rule::MonthlyAnalysisMeeting => analysis_meetings(db, offices, scope, today).await,
        Rule::UmbrellaLeadReceived | Rule::MajorLeadReport => lead_priorities(db, rule, offices, scope).await,
        Rule::WeeklyReport => Ok(weekly_reports(offices, scope, today)),
        Rule::StepDownReview => step_down_reviews(db, offices, scope).await,
        Rule::WeeklyRiskUpdate => weekly_risk_updates(db, offices, scope, today).await,
    }
}

/// Leads handled first: an umbrella lead the discipline commission has not taken up (24 h), a
/// major lead's report (2 h). Both are the handling unit's own duty, supervised by itself: the
/// coordination office for an ordinary lead, the discipline commission for an umbrella lead
/// (never another unit, so a task on an umbrella lead shows to the commission alone).
async fn lead_priorities(
    db: &impl ConnectionTrait,
    rule: Rule,
    offices: &Offices,
    scope: Scope,
) -> Result<Vec<Owed>, DbErr> {
    let (duty, title) = match rule {
        Rule::UmbrellaLeadReceived => (PriorityDuty::UmbrellaTakeUp, "保护伞线索24小时内受理"),
        _ => (PriorityDuty::MajorReport, "重大线索2小时内上报"),
    };
    let rows = sweep::lead_priority_duties(db, duty, scope.town, scope.only).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, town, umbrella, _, _, due)| {
            let handler = if umbrella {
                offices.of_kind(town, UnitKind::DisciplineCommission)?
            } else {
                offices.coordination(town)?
            };
            Some(Owed {
                town,
                title: title.to_owned(),
                target: Some((TaskTargetType::Lead, id)),
                assignee_unit: handler,
                assignee_user: None,
                creating_unit: handler,
                due_at: due?,
            })
        })
        .collect())
}

/// Talks and inspections: the records whose next duty falls on or before today. The person's
/// responsible officer (and that officer's unit) is the assignee; otherwise the police station.
async fn periodic(
    db: &impl ConnectionTrait,
    duty: &PeriodicDuty,
    target_type: TaskTargetType,
    title: &str,
    offices: &Offices,
    scope: Scope,
    today: NaiveDate,
) -> Result<Vec<Owed>, DbErr> {
    let (records, last) = sweep::periodic_due(db, duty, scope.town, scope.only, today).await?;
    let officers: Vec<Uuid> = records.iter().filter_map(|r| r.4).collect();
    let officer_units: HashMap<Uuid, Uuid> = sweep::active_user_units(db, officers).await?;
    Ok(records
        .into_iter()
        .filter_map(|(id, town, level, since, officer)| {
            let due = levels::next_due(last.get(&id).copied(), since, (duty.interval)(level));
            let officer = officer.filter(|o| officer_units.contains_key(o));
            let assignee_unit = officer
                .and_then(|o| officer_units.get(&o).copied())
                .or_else(|| offices.of_kind(town, UnitKind::PoliceStation))?;
            Some(Owed {
                town,
                title: title.to_owned(),
                target: Some((target_type, id)),
                assignee_unit,
                assignee_user: officer,
                creating_unit: offices.coordination(town)?,
                due_at: end_of_day(due),
            })
        })
        .collect())
}

/// The three lead deadlines: transfer (REGISTERED, ordinary leads), review (TRANSFERRED,
/// ordinary leads) and verification (VERIFYING, every lead with an assignee).
async fn lead_duties(
    db: &impl ConnectionTrait,
    rule: Rule,
    offices: &Offices,
    scope: Scope,
) -> Result<Vec<Owed>, DbErr> {
    let (deadline, title) = match rule {
        Rule::LeadTransfer => (LeadDeadline::Transfer, "线索当日移交扫黑办"),
        Rule::LeadReview => (LeadDeadline::Review, "线索24小时内呈阅"),
        _ => (LeadDeadline::Verification, "线索核查办理期限"),
    };
    let rows = sweep::lead_deadlines(db, deadline, scope.town, scope.only).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, town, umbrella, receiving, assignee, due)| {
            let assignee_unit = match rule {
                Rule::LeadTransfer => receiving,
                Rule::LeadReview => offices.coordination(town)?,
                // An umbrella lead is verified by the discipline commission, whoever it was
                // assigned to before it was marked: nothing of its handling stays with them.
                _ if umbrella => offices.of_kind(town, UnitKind::DisciplineCommission)?,
                _ => assignee?,
            };
            Some(Owed {
                town,
                title: title.to_owned(),
                target: Some((TaskTargetType::Lead, id)),
                assignee_unit,
                assignee_user: None,
                creating_unit: offices.lead_creator(town, umbrella)?,
                due_at: due?,
            })
        })
        .collect())
}

/// T+2: HIGH items assessed and still waiting for their first feedback.
async fn risk_feedback(db: &impl ConnectionTrait, offices: &Offices, scope: Scope) -> Result<Vec<Owed>, DbErr> {
    let rows = sweep::risk_feedback_due(db, scope.town, scope.only).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, town, assignee, due)| {
            Some(Owed {
                town,
                title: "高风险隐患T+2反馈".to_owned(),
                target: Some((TaskTargetType::RiskItem, id)),
                assignee_unit: assignee?,
                assignee_user: None,
                creating_unit: offices.coordination(town)?,
                due_at: due?,
            })
        })
        .collect())
}

/// Days the coordination office has to decide a step-down request.
pub const STEP_DOWN_REVIEW_DAYS: i64 = 7;

/// Every pending step-down request: a task for the coordination office, due at the end of the
/// seventh local day after the request; done when it decides.
async fn step_down_reviews(db: &impl ConnectionTrait, offices: &Offices, scope: Scope) -> Result<Vec<Owed>, DbErr> {
    let rows = sweep::pending_step_downs(db, scope.town, scope.only).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(target_type, id, town, requested_at)| {
            let office = offices.coordination(town)?;
            let title = match target_type {
                TaskTargetType::Venue => "重点场所降级申请审批",
                _ => "重点人员降级申请审批",
            };
            Some(Owed {
                town,
                title: title.to_owned(),
                target: Some((target_type, id)),
                assignee_unit: office,
                assignee_user: None,
                creating_unit: office,
                due_at: end_of_day(local_day(requested_at) + Duration::days(STEP_DOWN_REVIEW_DAYS)),
            })
        })
        .collect())
}

/// The week of the local day `day`: its Monday.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// Every open risk item not updated this week: a task for the coordination office, due at the
/// end of Sunday.
async fn weekly_risk_updates(
    db: &impl ConnectionTrait,
    offices: &Offices,
    scope: Scope,
    today: NaiveDate,
) -> Result<Vec<Owed>, DbErr> {
    let monday = monday_of(today);
    let rows = sweep::weekly_risk_updates_due(db, scope.town, scope.only, monday).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, town)| {
            let office = offices.coordination(town)?;
            Some(Owed {
                town,
                title: "风险隐患每周调整更新".to_owned(),
                target: Some((TaskTargetType::RiskItem, id)),
                assignee_unit: office,
                assignee_user: None,
                creating_unit: office,
                due_at: end_of_day(monday + Duration::days(6)),
            })
        })
        .collect())
}

/// The villages that have registered no lead in the current report period.
async fn village_reports(
    db: &impl ConnectionTrait,
    offices: &Offices,
    scope: Scope,
    today: NaiveDate,
) -> Result<Vec<Owed>, DbErr> {
    let (start, end) = report_period(today);
    let villages: Vec<&org_unit::Model> = offices.units_in(scope.only, &[UnitKind::Village]).collect();
    let reported = sweep::units_with_leads(db, villages.iter().map(|u| u.id).collect(), start, end).await?;
    let half = if end.day() == 15 { "上半月" } else { "下半月" };
    Ok(villages
        .into_iter()
        .filter(|u| !reported.contains(&u.id))
        .filter_map(|u| {
            Some(Owed {
                town: u.town_id,
                title: format!("{}年{}月{half}线索报告", end.year(), end.month()),
                target: None,
                assignee_unit: u.id,
                assignee_user: None,
                creating_unit: offices.coordination(u.town_id)?,
                due_at: end_of_day(end),
            })
        })
        .collect())
}

/// Every unit's report for the month of `today` (due the 23rd), the town's (the coordination
/// office's) due the 25th. Raised on the first of the month.
fn monthly_reports(offices: &Offices, scope: Scope, today: NaiveDate) -> Vec<Owed> {
    offices
        .units_in(scope.only, &REPORTING_UNITS)
        .filter(|u| scope.town.is_none_or(|t| t == u.town_id))
        .filter_map(|u| {
            let town_report = u.kind == UnitKind::CoordinationOffice;
            let due = today.with_day(if town_report { 25 } else { 23 })?;
            let whose = if town_report { "全镇" } else { "" };
            Some(Owed {
                town: u.town_id,
                title: format!("{}年{}月{whose}工作月报", due.year(), due.month()),
                target: None,
                assignee_unit: u.id,
                assignee_user: None,
                creating_unit: offices.coordination(u.town_id)?,
                due_at: end_of_day(due),
            })
        })
        .collect()
}

/// The month holding `day`: its first and last days.
fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    (day.with_day(1).expect("day 1"), last_day_of_month(day))
}

/// The coordination office's analysis meeting (研判会) of the month of `today`, due the month's
/// last day, while it has recorded none held in the month. Raised on the first of the month.
async fn analysis_meetings(
    db: &impl ConnectionTrait,
    offices: &Offices,
    scope: Scope,
    today: NaiveDate,
) -> Result<Vec<Owed>, DbErr> {
    let (start, end) = month_of(today);
    let units: Vec<&org_unit::Model> = offices
        .units_in(scope.only, &[UnitKind::CoordinationOffice])
        .filter(|u| scope.town.is_none_or(|t| t == u.town_id))
        .collect();
    let held = sweep::units_with_analysis_meetings(db, units.iter().map(|u| u.id).collect(), start, end).await?;
    Ok(units
        .into_iter()
        .filter(|u| !held.contains(&u.id))
        .map(|u| Owed {
            town: u.town_id,
            title: format!("{}年{}月扫黑除恶形势研判会", end.year(), end.month()),
            target: None,
            assignee_unit: u.id,
            assignee_user: None,
            creating_unit: u.id,
            due_at: end_of_day(end),
        })
        .collect())
}

/// Every unit's progress report for the week of `today`, due on its Friday by the end of the day
/// (seed 001 "每周五之前 … 报送"). Owed from the week's Monday: the first sweep of the week raises it.
fn weekly_reports(offices: &Offices, scope: Scope, today: NaiveDate) -> Vec<Owed> {
    let week = Week::of_day(today);
    let friday = week.monday() + Duration::days(4);
    offices
        .units_in(scope.only, &REPORTING_UNITS)
        .filter(|u| scope.town.is_none_or(|t| t == u.town_id))
        .filter_map(|u| {
            Some(Owed {
                town: u.town_id,
                title: format!("{}年{}月{}日前报送{}周通报", friday.year(), friday.month(), friday.day(), week.name()),
                target: None,
                assignee_unit: u.id,
                assignee_user: None,
                creating_unit: offices.coordination(u.town_id)?,
                due_at: week.due_at(),
            })
        })
        .collect()
}

/// Every kind of unit that reports (weekly and monthly).
const REPORTING_UNITS: [UnitKind; 5] = [
    UnitKind::CoordinationOffice,
    UnitKind::DisciplineCommission,
    UnitKind::PoliceStation,
    UnitKind::JudicialOffice,
    UnitKind::Village,
];

/// The period a report task's due instant belongs to, and the kind of report that closes it.
fn report_period_of(rule: Rule, due_at: DateTime<Utc>) -> Option<(ReportKind, String)> {
    match rule {
        Rule::WeeklyReport => Some((ReportKind::Weekly, Week::of(due_at).name())),
        Rule::MonthlyReport => Some((ReportKind::Monthly, report_period::month_of(due_at))),
        _ => None,
    }
}

/// The open rule-raised tasks of `rule` in `scope`.
async fn open_tasks(db: &impl ConnectionTrait, rule: Rule, scope: Scope) -> Result<Vec<task::Model>, DbErr> {
    sweep::open_rule_tasks(db, rule.kind(), scope.town, scope.only).await
}

/// The open tasks whose duty is done.
async fn done(
    db: &impl ConnectionTrait,
    rule: Rule,
    open: &[task::Model],
    owed: &[Owed],
) -> Result<Vec<task::Model>, DbErr> {
    match rule {
        // A major lead's report is done when the handling unit submits and accepts it.
        Rule::MajorLeadReport => Ok(Vec::new()),
        // A report is done when its unit submits it (signed, and for the month sealed).
        Rule::MonthlyReport | Rule::WeeklyReport => {
            let mut units = Vec::new();
            let mut periods = Vec::new();
            let mut kind = None;
            for task in open {
                if let Some((k, period)) = report_period_of(rule, task.due_at) {
                    units.push(task.assignee_unit_id);
                    periods.push(period);
                    kind = Some(k);
                }
            }
            let Some(kind) = kind else { return Ok(Vec::new()) };
            let submitted = sweep::submitted_reports(db, kind, units, periods).await?;
            Ok(open
                .iter()
                .filter(|t| {
                    report_period_of(rule, t.due_at).is_some_and(|(_, p)| submitted.contains(&(t.assignee_unit_id, p)))
                })
                .cloned()
                .collect())
        }
        // Done when the village registered a lead in the task's own period (an earlier
        // period's task stays open, and overdue, until its nil report).
        Rule::VillageLeadReport => {
            // One query per report period, not per task.
            let mut periods: HashMap<(NaiveDate, NaiveDate), Vec<&task::Model>> = HashMap::new();
            for task in open {
                periods.entry(report_period(local_day(task.due_at))).or_default().push(task);
            }
            let mut done = Vec::new();
            for ((start, end), tasks) in periods {
                let units = tasks.iter().map(|t| t.assignee_unit_id).collect();
                let reported = sweep::units_with_leads(db, units, start, end).await?;
                done.extend(tasks.into_iter().filter(|t| reported.contains(&t.assignee_unit_id)).cloned());
            }
            Ok(done)
        }
        // Done when the office recorded an analysis meeting held in the task's own month (an
        // earlier month's task stays open, and overdue).
        Rule::MonthlyAnalysisMeeting => {
            let mut done = Vec::new();
            for task in open {
                let (start, end) = month_of(local_day(task.due_at));
                let held = sweep::units_with_analysis_meetings(db, vec![task.assignee_unit_id], start, end).await?;
                if held.contains(&task.assignee_unit_id) {
                    done.push(task.clone());
                }
            }
            Ok(done)
        }
        // A record's duty is done when the rule no longer owes it.
        _ => {
            let keys: HashSet<String> = owed.iter().map(|o| o.key(rule)).collect();
            Ok(open.iter().filter(|t| t.rule_key.as_ref().is_some_and(|k| !keys.contains(k))).cloned().collect())
        }
    }
}

/// Inserts a task for each owed duty not raised before.
async fn raise(
    db: &impl ConnectionTrait,
    rule: Rule,
    owed: Vec<Owed>,
    now: DateTime<Utc>,
) -> Result<Vec<TaskAssigned>, DbErr> {
    let mut raised = Vec::new();
    for chunk in owed.chunks(500) {
        let earlier = raised_before(db, rule, chunk).await?;
        for duty in chunk {
            let instance = (duty.target.map(|t| t.1), duty.assignee_unit, duty.creating_unit, duty.due_at.timestamp());
            if earlier.contains(&instance) {
                continue;
            }
            let task = SystemTask {
                town: duty.town,
                title: duty.title.clone(),
                description: None,
                kind: rule.kind(),
                target: duty.target,
                assignee_unit: duty.assignee_unit,
                assignee_user: duty.assignee_user,
                creating_unit: duty.creating_unit,
                due_at: duty.due_at,
                rule_key: Some(duty.key(rule)),
            };
            raised.extend(open_task(db, task, "依规则自动生成。", now).await?);
        }
    }
    Ok(raised)
}

/// Inserts a system task with its `CREATED` event (`note`); `None` when an open task already
/// holds its rule key. Announce the result after the commit.
pub(crate) async fn open_task(
    db: &impl ConnectionTrait,
    task: SystemTask,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Option<TaskAssigned>, DbErr> {
    let opened = sweep::open_task(db, &task, note, now).await?;
    Ok(opened.map(|id| TaskAssigned { task: id, town: task.town, assignee_unit: task.assignee_unit }))
}

/// The instances (target, assignee unit, creating unit, due second) of `owed` that already have
/// a task, open or closed.
async fn raised_before(
    db: &impl ConnectionTrait,
    rule: Rule,
    owed: &[Owed],
) -> Result<HashSet<sweep::Instance>, DbErr> {
    let units =
        rule.per_unit().then(|| owed.iter().map(|o| o.assignee_unit).collect::<HashSet<_>>().into_iter().collect());
    let targets = owed.iter().filter_map(|o| o.target.map(|t| t.1)).collect();
    sweep::raised_before(db, rule.kind(), units, targets).await
}

/// Runs the sweep every `every` until the process ends; failures are logged and retried at the
/// next tick.
pub fn spawn_scheduler(state: std::sync::Arc<crate::AppState>, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match scheduled_sweep(&state, Utc::now()).await {
                Ok(o) if o.skipped => tracing::debug!("task rules: another replica is sweeping"),
                Ok(o) if o.raised.is_empty() && o.closed.is_empty() => tracing::debug!("task rules: nothing to do"),
                Ok(o) => tracing::info!(raised = o.raised.len(), closed = o.closed.len(), "task rules swept"),
                Err(err) => tracing::error!(error = %err, "task rules sweep failed; retrying at the next tick"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn report_periods_end_on_the_15th_and_the_last_day() {
        assert_eq!(report_period(day(2027, 2, 1)), (day(2027, 2, 1), day(2027, 2, 15)));
        assert_eq!(report_period(day(2027, 2, 15)), (day(2027, 2, 1), day(2027, 2, 15)));
        assert_eq!(report_period(day(2027, 2, 16)), (day(2027, 2, 16), day(2027, 2, 28)));
        assert_eq!(report_period(day(2028, 2, 20)), (day(2028, 2, 16), day(2028, 2, 29)));
        assert_eq!(report_period(day(2026, 12, 31)), (day(2026, 12, 16), day(2026, 12, 31)));
    }

    #[test]
    fn local_days_are_the_towns() {
        // 16:30 UTC is half past midnight in the town.
        let at = Utc.with_ymd_and_hms(2027, 3, 15, 16, 30, 0).unwrap();
        assert_eq!(local_day(at), day(2027, 3, 16));
        assert_eq!(end_of_day(day(2027, 3, 15)), Utc.with_ymd_and_hms(2027, 3, 15, 15, 59, 59).unwrap());
    }
}
