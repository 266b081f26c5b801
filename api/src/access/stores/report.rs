//! The figures of the dashboard and the monthly report: each one SQL aggregate over the viewer's
//! scoped query, every condition on a field guarded by "the viewer holds the field's group on
//! this row" (access.md rules 1 and 4), so a figure never counts a row the viewer cannot list.
//! A figure the viewer may not count at all is `None` (null), not zero.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{
    AttentionLevel, EscalationLevel, LeadCategory, LeadStatus, RecordStatus, RiskLevel, RiskStatus, TaskStatus,
    UnitKind,
};
use entity::{
    duty_tally, lead, lead_month_tally, lead_unit_month_tally, org_unit, person, person_talk, record_tally, risk_check,
    risk_item, venue,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::access::Resource;
use crate::access::duty::{self, Duty};
use crate::access::resource::{LeadMonthTallies, LeadUnitMonthTallies, Leads, Persons, RiskItems, Venues};
use crate::access::store::{Store, kept_sum};
use crate::access::stores;
use crate::domain::lead_flow;
use crate::error::ApiError;

/// The attention levels, in the order reports list them.
pub const LEVELS: [AttentionLevel; 3] = [AttentionLevel::General, AttentionLevel::Key, AttentionLevel::Special];

/// Whose month a report is.
pub enum Subject {
    Town,
    Unit(org_unit::Model),
}

/// A scoped query, or `None` when the viewer reads no row of it (that figure is then null).
pub fn readable<T>(select: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match select {
        Ok(select) => Ok(Some(select)),
        Err(ApiError::Forbidden) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A record type the database keeps counts of (`record_tally`), under its table's name.
pub trait Tallied: Resource {
    const RECORD: &'static str;
}

impl Tallied for Persons {
    const RECORD: &'static str = "person";
}
impl Tallied for Venues {
    const RECORD: &'static str = "venue";
}
impl Tallied for Leads {
    const RECORD: &'static str = "lead";
}
impl Tallied for RiskItems {
    const RECORD: &'static str = "risk_item";
}

/// A kept count: the keys `a`, `b`, `c` (see the migration `record_tallies`) and how many rows.
type Tally = (String, String, String, i64);

/// The town's kept counts of `R`, keys with rows only, when the viewer reads every row of `R` in
/// its town: then they are exactly what a count over its scope would give, read in one index
/// lookup instead of a scan of the town. `None` otherwise: the caller counts its scope.
async fn tallies<R: Tallied>(store: &Store<'_>, db: &impl ConnectionTrait) -> Result<Option<Vec<Tally>>, ApiError> {
    if !store.access.reads_whole_town::<R>(store.viewer) {
        return Ok(None);
    }
    use record_tally::Column as T;
    let rows = record_tally::Entity::find()
        .select_only()
        .columns([T::A, T::B, T::C, T::N])
        .filter(T::TownId.eq(store.viewer.town_id))
        .filter(T::Record.eq(R::RECORD))
        .filter(T::N.gt(0))
        .order_by_asc(T::A)
        .order_by_asc(T::B)
        .order_by_asc(T::C)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some(rows))
}

/// A ledger's kept counts by (level, status), decoded; `None` as for [`tallies`].
async fn ledger_tallies<R: Ledger>(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
) -> Result<Option<Vec<(AttentionLevel, RecordStatus, i64)>>, ApiError> {
    let Some(rows) = tallies::<R>(store, db).await? else { return Ok(None) };
    let rows = rows.into_iter().map(|(level, status, _, n)| Ok((key(&level)?, key(&status)?, n)));
    Ok(Some(rows.collect::<Result<_, ApiError>>()?))
}

/// A stored enum from its value in a kept count's key.
fn key<E: ActiveEnum<Value = String>>(value: &str) -> Result<E, ApiError> {
    Ok(E::try_from_value(&value.to_owned())?)
}

/// Sums `rows` by the key `by` gives, in the order keys first appear.
pub fn sum_by<K: PartialEq, T>(
    rows: impl IntoIterator<Item = T>,
    by: impl Fn(&T) -> Option<(K, i64)>,
) -> Vec<(K, i64)> {
    let mut out: Vec<(K, i64)> = Vec::new();
    for (k, n) in rows.into_iter().filter_map(|row| by(&row)) {
        match out.iter_mut().find(|(o, _)| *o == k) {
            Some((_, total)) => *total += n,
            None => out.push((k, n)),
        }
    }
    out
}

/// A ledger of records under attention (persons, venues): the columns its figures group by and
/// the periodic duty it owes.
pub trait Ledger: Tallied {
    /// Status, village, attention level.
    fn columns() -> [<Self::Entity as EntityTrait>::Column; 3];
    const DUTY: &'static Duty;
}

impl Ledger for Persons {
    fn columns() -> [person::Column; 3] {
        [person::Column::Status, person::Column::VillageId, person::Column::AttentionLevel]
    }
    const DUTY: &'static Duty = &duty::TALKS;
}

impl Ledger for Venues {
    fn columns() -> [venue::Column; 3] {
        [venue::Column::Status, venue::Column::VillageId, venue::Column::AttentionLevel]
    }
    const DUTY: &'static Duty = &duty::INSPECTIONS;
}

async fn count<E: EntityTrait>(db: &impl ConnectionTrait, base: Select<E>) -> Result<i64, ApiError> {
    let n: Option<i64> = base.select_only().column_as(Expr::val(1).count(), "n").into_tuple().one(db).await?;
    Ok(n.unwrap_or(0))
}

/// 1 where `cond` holds, else 0: summed, a count of the rows where it holds.
fn one_if(cond: Condition) -> Expr {
    Expr::case(cond, 1).finally(0).into()
}

// --- The dashboard ---------------------------------------------------------------------------

/// Leads by umbrella flag and fine status (the shell, which every reader of a lead holds).
pub async fn lead_status_counts(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
) -> Result<Vec<(bool, LeadStatus, i64)>, ApiError> {
    if let Some(rows) = tallies::<Leads>(store, db).await? {
        return rows
            .into_iter()
            .map(|(umbrella, status, _, n)| Ok((umbrella == entity::record_tally::UMBRELLA, key(&status)?, n)))
            .collect();
    }
    Ok(store
        .access
        .select::<Leads>(store.viewer)?
        .select_only()
        .column(lead::Column::Umbrella)
        .column(lead::Column::Status)
        .column_as(Expr::val(1).count(), "n")
        .group_by(lead::Column::Umbrella)
        .group_by(lead::Column::Status)
        .into_tuple()
        .all(db)
        .await?)
}

/// A ledger's records by (attention level, status); `None` when the viewer reads none of them.
pub async fn ledger_counts<R: Ledger>(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
) -> Result<Option<Vec<(AttentionLevel, RecordStatus, i64)>>, ApiError> {
    let Some(base) = readable(store.access.select::<R>(store.viewer))? else {
        return Ok(None);
    };
    if let Some(rows) = ledger_tallies::<R>(store, db).await? {
        return Ok(Some(rows));
    }
    let [status, _, level] = R::columns();
    let rows = base
        .select_only()
        .column(level)
        .column(status)
        .column_as(Expr::val(1).count(), "n")
        .group_by(level)
        .group_by(status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some(rows))
}

/// Risk items by (level, status) and open ones by escalation level; `None` when the viewer reads
/// none, or does not hold `basic` (level, status, escalation) on every one it reads (rule 4).
pub async fn risk_counts(store: &Store<'_>, db: &impl ConnectionTrait) -> Result<Option<RiskCounts>, ApiError> {
    let Some(base) = readable(store.access.select::<RiskItems>(store.viewer))? else { return Ok(None) };
    if !store.groups::<RiskItems>().held_everywhere("basic") {
        return Ok(None);
    }
    if let Some(rows) = tallies::<RiskItems>(store, db).await? {
        let rows = rows
            .into_iter()
            .map(|(level, status, escalation, n)| {
                let level = if level.is_empty() { None } else { Some(key::<RiskLevel>(&level)?) };
                Ok((level, key::<RiskStatus>(&status)?, key::<EscalationLevel>(&escalation)?, n))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let by_level = sum_by(&rows, |(level, status, _, n)| Some(((*level, *status), *n)));
        let by_escalation =
            sum_by(&rows, |(_, status, escalation, n)| (*status != RiskStatus::Resolved).then_some((*escalation, *n)));
        return Ok(Some(RiskCounts {
            by_level: by_level.into_iter().map(|((level, status), n)| (level, status, n)).collect(),
            by_escalation,
        }));
    }
    let by_level = base
        .clone()
        .select_only()
        .column(risk_item::Column::Level)
        .column(risk_item::Column::Status)
        .column_as(Expr::val(1).count(), "n")
        .group_by(risk_item::Column::Level)
        .group_by(risk_item::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let by_escalation = base
        .select_only()
        .column(risk_item::Column::EscalationLevel)
        .column_as(Expr::val(1).count(), "n")
        .filter(risk_item::Column::Status.ne(RiskStatus::Resolved))
        .group_by(risk_item::Column::EscalationLevel)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some(RiskCounts { by_level, by_escalation }))
}

/// Risk items by (level, status), and open ones by escalation level.
pub struct RiskCounts {
    pub by_level: Vec<(Option<RiskLevel>, RiskStatus, i64)>,
    pub by_escalation: Vec<(EscalationLevel, i64)>,
}

/// Tasks by status, and tasks past due at `now` and neither ACCEPTED nor CANCELLED by assignee
/// unit; `None` when the viewer reads no task. By status from the kept counts of the keys the
/// viewer reads; past due as [`stores::task::open_due_before`] counts it, which reads only the
/// open tasks not yet due.
pub async fn task_counts(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<(Vec<(TaskStatus, i64)>, Vec<(Uuid, i64)>)>, ApiError> {
    let Some(rows) = readable(stores::task::kept_by_status_and_unit(store, db, Condition::all()).await)? else {
        return Ok(None);
    };
    let by_status = sum_by(&rows, |(status, _, n)| Some((*status, *n)));
    let by_unit = stores::task::open_due_before(store, db, now, None).await?;
    Ok(Some((by_status, by_unit)))
}

/// Leads found (received) and resolved (concluded) in each of `months` (`YYYY-MM`, the town's
/// time): (index in `months`, count) for each, counted only where the viewer holds `receipt`,
/// respectively `handling`, on the lead. Read from the kept monthly counts of the keys the viewer
/// reads, each guarded by the group on the key ([`LeadUnitMonthTallies`]: keyed by the policy's
/// columns alone, where [`LeadMonthTallies`]' keys by category and hand-on were five times as many
/// at a million persons), never a pass over the year's leads.
pub async fn lead_month_counts(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    months: &[String],
) -> Result<(Vec<(i32, i64)>, Vec<(i32, i64)>), ApiError> {
    let found = month_counts(store, db, months, lead_month_tally::RECEIVED, "receipt").await?;
    let resolved = month_counts(store, db, months, lead_month_tally::CONCLUDED, "handling").await?;
    Ok((found, resolved))
}

async fn month_counts(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    months: &[String],
    event: &str,
    group: &str,
) -> Result<Vec<(i32, i64)>, ApiError> {
    use lead_unit_month_tally::Column as K;
    let viewer = store.viewer;
    let cond = Condition::all().add(K::Event.eq(event)).add(K::Month.is_in(months.iter().cloned()));
    let rows: Vec<(String, i64)> = store
        .access
        .select::<LeadUnitMonthTallies>(viewer)?
        .filter(store.groups::<LeadUnitMonthTallies>().guarded(viewer, group, cond))
        .filter(K::N.gt(0))
        .select_only()
        .column(K::Month)
        .column_as(kept_sum(Expr::col((lead_unit_month_tally::Entity, K::N))), "n")
        .group_by(K::Month)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(month, n)| Some((months.iter().position(|m| *m == month)? as i32, n))).collect())
}

// --- The monthly report ----------------------------------------------------------------------

/// The lead figures of the month per field of struggle: (field, found, transferred, assisted),
/// summed over the month's kept counts of the keys the viewer reads ([`LeadMonthTallies`], the
/// lead policy's own lines on the keys), every condition on a field guarded by the viewer's group
/// on the key as on a lead. Found are the month's receipts (of the unit) where the viewer holds
/// `receipt`; transferred those of them handed on, or umbrella leads; assisted the month's
/// conclusions of leads assigned to a unit (the unit) where it holds `handling`. Umbrella leads
/// have their own field; a lead whose category the viewer may not read counts as other. A sum
/// over a month's keys, never a pass over the month's leads.
pub async fn lead_field_counts(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    subject: &Subject,
    start: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64, i64)>, ApiError> {
    use lead_month_tally::Column as K;
    let (viewer, groups) = (store.viewer, store.groups::<LeadMonthTallies>());
    let month = K::Month.eq(start.with_timezone(&lead_flow::town_zone()).format("%Y-%m").to_string());
    let event = |event: &str| Condition::all().add(K::Event.eq(event)).add(month.clone());
    let mut received = event(lead_month_tally::RECEIVED);
    let mut concluded = event(lead_month_tally::CONCLUDED);
    match subject {
        Subject::Town => concluded = concluded.add(K::AssigneeUnitId.ne(Uuid::nil())),
        Subject::Unit(unit) => {
            received = received.add(K::ReceivingUnitId.eq(unit.id));
            concluded = concluded.add(K::AssigneeUnitId.eq(unit.id));
        }
    }
    let mut found = groups.guarded(viewer, "receipt", received);
    if matches!(subject, Subject::Town) && !groups.held_everywhere("receipt") {
        // The town's report counts every umbrella lead its lists show (the shell, which every
        // reader of a lead holds), never more: one whose receipt the viewer lacks counts in the
        // month it was registered, which its serial's place among the town's serials tells
        // already, never by its hidden receipt time or receiving unit.
        let shell_only = event(lead_month_tally::REGISTERED)
            .add(K::Umbrella.eq(true))
            .add(groups.condition(viewer, "receipt").not());
        found = Condition::any().add(found).add(shell_only);
    }
    // Coarse status and umbrella flag are the shell, which every reader of a lead holds.
    let handed_on = Condition::any().add(K::HandedOn.eq(true)).add(K::Umbrella.eq(true));
    let transferred = Condition::all().add(found.clone()).add(handed_on);
    let assisted = groups.guarded(viewer, "handling", concluded);
    let umbrella = LeadCategory::ProtectiveUmbrella.to_value();
    let other = LeadCategory::OtherReported.to_value();
    let category = Expr::col((lead_month_tally::Entity, K::Category));
    let field: Expr = if groups.held_everywhere("submission") {
        Expr::case(K::Umbrella.eq(true), Expr::val(umbrella)).finally(category).into()
    } else {
        Expr::case(K::Umbrella.eq(true), Expr::val(umbrella))
            .case(groups.condition(viewer, "submission"), category)
            .finally(Expr::val(other))
            .into()
    };
    let n = || Expr::col((lead_month_tally::Entity, K::N));
    let sum_if = |cond: Condition| kept_sum(Expr::case(cond, n()).finally(0).into());
    Ok(store
        .access
        .select::<LeadMonthTallies>(viewer)?
        .select_only()
        .column_as(field, "field")
        .column_as(sum_if(found.clone()), "found")
        .column_as(sum_if(transferred), "transferred")
        .column_as(sum_if(assisted.clone()), "assisted")
        .filter(Condition::any().add(found).add(assisted))
        // Implied by every branch above; said once more on its own so the planner reads the
        // month's keys as one range of the index alone (0.34 -> 0.08 ms at a million persons)
        // rather than a visit to the table per key of each branch.
        .filter(month)
        .filter(K::Event.is_in([lead_month_tally::RECEIVED, lead_month_tally::CONCLUDED, lead_month_tally::REGISTERED]))
        // By position: the CASE's bound values would make the two texts differ on PostgreSQL.
        .group_by(Expr::cust("1"))
        .into_tuple()
        .all(db)
        .await?)
}

/// A ledger's figures for a month: ACTIVE records by level (every level listed), and the duty
/// (due, done) over the month's `days` (first, last). Each `None` when the viewer may not
/// count it.
pub async fn ledger_month<R: Ledger>(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    subject: &Subject,
    days: (NaiveDate, NaiveDate),
) -> Result<(Option<Vec<(AttentionLevel, i64)>>, Option<(i64, i64)>), ApiError> {
    let Some(base) = readable(store.access.select::<R>(store.viewer))? else {
        return Ok((None, None));
    };
    let (viewer, groups) = (store.viewer, store.groups::<R>());
    let [status, village_column, level] = R::columns();
    // A village's report counts its village (`Some(its id)`); any other unit's, the town.
    let village = match subject {
        Subject::Unit(unit) if unit.kind == UnitKind::Village => Some(unit.village_id),
        _ => None,
    };
    let mut scope = Condition::all().add(status.eq(RecordStatus::Active));
    if let Some(village) = village {
        scope = scope.add(village_column.eq(village));
    }
    let base = base.filter(groups.guarded(viewer, "basic", scope));
    let tallied =
        if village.is_none() && groups.held_everywhere("basic") { ledger_tallies::<R>(store, db).await? } else { None };
    let counts: Vec<(AttentionLevel, i64)> = match tallied {
        Some(rows) => sum_by(rows, |(level, status, n)| (*status == RecordStatus::Active).then_some((*level, *n))),
        None => {
            base.clone()
                .select_only()
                .column(level)
                .column_as(Expr::val(1).count(), "n")
                .group_by(level)
                .into_tuple()
                .all(db)
                .await?
        }
    };
    let by_level =
        LEVELS.into_iter().map(|l| (l, counts.iter().find(|(c, _)| *c == l).map_or(0, |(_, n)| *n))).collect();
    if !groups.held_anywhere("record") {
        return Ok((Some(by_level), None));
    }
    if store.access.reads_whole_town::<R>(viewer) && groups.held_everywhere("basic") && groups.held_everywhere("record")
    {
        return Ok((Some(by_level), Some(kept_duty::<R>(store, db, village, days.0).await?)));
    }
    // Counted among the records that fall due, so each record's "no duty since" subquery runs
    // once and "done within the month" only for those that fall due (a CASE per figure ran the
    // first twice for every record of the scope).
    let due = groups.guarded(viewer, "record", due_by(R::DUTY, days));
    let (due, done): (i64, Option<i64>) = base
        .filter(due)
        .select_only()
        .column_as(Expr::val(1).count(), "due")
        .column_as(one_if(done_within(R::DUTY, days)).sum(), "done")
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    Ok((Some(by_level), Some((due, done.unwrap_or(0)))))
}

/// The duty (due, done) of the month starting `first` from the town's kept changes (the sums of
/// the changes up to the month), over the `village` or the whole town: what the count over the
/// scope gives when the viewer reads every record of the town and holds both groups on each.
async fn kept_duty<R: Ledger>(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    village: Option<Option<Uuid>>,
    first: NaiveDate,
) -> Result<(i64, i64), ApiError> {
    use duty_tally::Column as K;
    let mut select = duty_tally::Entity::find()
        .select_only()
        .column(K::Event)
        .column_as(kept_sum(Expr::col((duty_tally::Entity, K::N))), "n")
        .filter(K::TownId.eq(store.viewer.town_id))
        .filter(K::Record.eq(R::RECORD))
        .filter(K::Month.lte(duty_tally::month_number(first.year(), first.month())))
        .group_by(K::Event);
    if let Some(village) = village {
        select = select.filter(K::VillageId.eq(village.unwrap_or_default()));
    }
    let sums: Vec<(String, i64)> = select.into_tuple().all(db).await?;
    let sum = |event: &str| sums.iter().find(|(e, _)| e == event).map_or(0, |(_, n)| *n);
    Ok((sum(duty_tally::DUE), sum(duty_tally::DONE)))
}

/// Records whose duty falls due by the month's last day: for each level, the later of the level's
/// start and the last duty before the month is at least the level's interval before that day
/// (`domain::levels::next_due`, as `Duty::overdue` counts it for today).
fn due_by(duty: &Duty, (first, last): (NaiveDate, NaiveDate)) -> Condition {
    let col = |column: &str| Expr::col((Alias::new(duty.record), Alias::new(column)));
    let mut any = Condition::any();
    for level in LEVELS {
        let cutoff = last - Duration::days((duty.interval)(level));
        let done_since = duty.done(|on| on.clone().gt(cutoff).and(on.lt(first)));
        any = any.add(
            Condition::all()
                .add(col("attention_level").eq(level.to_value()))
                .add(col("level_since").lte(cutoff))
                .add(Expr::exists(done_since).not()),
        );
    }
    any
}

/// Records whose duty was done within the month.
fn done_within(duty: &Duty, (first, last): (NaiveDate, NaiveDate)) -> Condition {
    Condition::all().add(Expr::exists(duty.done(|on| on.clone().gte(first).and(on.lte(last)))))
}

/// Tasks (of the unit, or any) due before `cut` and neither ACCEPTED nor CANCELLED; `None` when
/// the viewer reads no task.
pub async fn overdue_task_count(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    subject: &Subject,
    cut: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let unit = match subject {
        Subject::Town => None,
        Subject::Unit(unit) => Some(unit.id),
    };
    let Some(by_unit) = readable(stores::task::open_due_before(store, db, cut, unit).await)? else {
        return Ok(None);
    };
    Ok(Some(by_unit.iter().map(|(_, n)| n).sum()))
}

/// The risk items a report on `subject` counts, or `None` when the viewer reads none or does
/// not hold `basic` on every one it reads (rule 4): a unit's report counts the items it is
/// territorial, sector or assignee unit of (as the `riskItems` filter `unitId` does).
pub fn report_risks(store: &Store<'_>, subject: &Subject) -> Result<Option<Select<risk_item::Entity>>, ApiError> {
    let Some(base) = readable(store.access.select::<RiskItems>(store.viewer))? else {
        return Ok(None);
    };
    if !store.groups::<RiskItems>().held_everywhere("basic") {
        return Ok(None);
    }
    Ok(Some(match subject {
        Subject::Town => base,
        Subject::Unit(unit) => base.filter(
            Condition::any()
                .add(risk_item::Column::TerritorialUnitId.eq(unit.id))
                .add(risk_item::Column::SectorUnitId.eq(unit.id))
                .add(risk_item::Column::AssigneeUnitId.eq(unit.id)),
        ),
    }))
}

// --- The weekly report -----------------------------------------------------------------------

/// 周通报数据 — a unit's week as its own scope counted it when it submitted the report; each
/// null when the unit may count none of it.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "WeeklyFigures")]
pub struct WeekCounts {
    /// 登记线索 — leads the unit received in the week.
    pub leads_registered: Option<i64>,
    /// 日排查 — daily risk checks done in the week on the risk items the unit reads in detail.
    pub checks_done: Option<i64>,
    /// 谈话教育 — education talks held in the week with the persons whose record the unit reads.
    pub talks_held: Option<i64>,
    /// 新增风险隐患 — risk items reported in the week among those the unit reads.
    pub risks_opened: Option<i64>,
    /// 化解销号 — risk items resolved in the week among those the unit reads.
    pub risks_closed: Option<i64>,
}

/// The figures of `unit`'s week `[start, end)` (its days `first..=last`), from the viewer's own
/// scoped queries: the weekly report is submitted by the unit itself, so these are its figures.
pub async fn week_counts(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    unit: Uuid,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    (first, last): (NaiveDate, NaiveDate),
) -> Result<WeekCounts, ApiError> {
    let viewer = store.viewer;
    let leads_registered = match readable(store.access.select::<Leads>(viewer))? {
        Some(base) => {
            let received = Condition::all()
                .add(lead::Column::ReceivingUnitId.eq(unit))
                .add(lead::Column::ReceivedAt.gte(start))
                .add(lead::Column::ReceivedAt.lt(end));
            Some(count(db, base.filter(store.groups::<Leads>().guarded(viewer, "receipt", received))).await?)
        }
        None => None,
    };
    let days = (first, last);
    let checks = (risk_check::Column::RiskItemId, risk_check::Column::CheckedOn);
    let checks_done =
        done_on_days::<risk_check::Entity>(db, store.holding::<RiskItems>("detail"), checks, days).await?;
    let talks = (person_talk::Column::PersonId, person_talk::Column::TalkedOn);
    let talks_held = done_on_days::<person_talk::Entity>(db, store.holding::<Persons>("record"), talks, days).await?;
    let (risks_opened, risks_closed) = match report_risks(store, &Subject::Town)? {
        Some(items) => {
            let opened = items
                .clone()
                .filter(risk_item::Column::CreatedAt.gte(start))
                .filter(risk_item::Column::CreatedAt.lt(end));
            let closed = items
                .filter(risk_item::Column::Status.eq(RiskStatus::Resolved))
                .filter(risk_item::Column::ResolvedAt.gte(start))
                .filter(risk_item::Column::ResolvedAt.lt(end));
            (Some(count(db, opened).await?), Some(count(db, closed).await?))
        }
        None => (None, None),
    };
    Ok(WeekCounts { leads_registered, checks_done, talks_held, risks_opened, risks_closed })
}

/// How many child rows (checks, talks) dated within `days` hang under the parents of `held` (the
/// ids of the parents the viewer reads and holds the children's group on); `None` when it holds
/// the group on no parent.
async fn done_on_days<E: EntityTrait>(
    db: &impl ConnectionTrait,
    held: Option<sea_orm::sea_query::SelectStatement>,
    (parent, on): (E::Column, E::Column),
    (first, last): (NaiveDate, NaiveDate),
) -> Result<Option<i64>, ApiError> {
    let Some(held) = held else { return Ok(None) };
    let rows = E::find().filter(parent.in_subquery(held)).filter(on.gte(first)).filter(on.lte(last));
    Ok(Some(count(db, rows).await?))
}
