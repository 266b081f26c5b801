//! The rule scheduler's store: what the deadline rules read of the records and the tasks they
//! open and close. The rules are the system's own bookkeeping, not a viewer's read: these
//! queries run without a viewer, and nothing they read leaves `rules` but ids and due times.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::MeetingKind;
use entity::enums::TaskTargetType;
use entity::enums::{
    AttentionLevel, LeadStatus, ReportKind, RiskLevel, RiskStatus, TaskEventKind, TaskKind, TaskStatus,
};
use entity::{
    app_user, lead, lead_priority, meeting, person, person_level_change, risk_item, risk_weekly_update, task,
    task_event, unit_report, venue, venue_level_change,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType,
    PrimaryKeyTrait, QueryFilter, QuerySelect, RelationTrait, Set,
};
use uuid::Uuid;

use crate::access::Resource;
use crate::access::duty::Duty;
use crate::domain::lead_flow::{end_of_day, start_of_day};

/// Which records or tasks a sweep looks at, besides the town.
#[derive(Debug, Clone, Copy)]
pub enum Only {
    Everything,
    /// One person, venue, lead or risk item (record rules only).
    Target(Uuid),
    /// One unit's periodic duties (unit rules only).
    Unit(Uuid),
}

fn target_condition(column: impl ColumnTrait, only: Only) -> Condition {
    match only {
        Only::Target(id) => Condition::all().add(column.eq(id)),
        _ => Condition::all(),
    }
}

fn town_condition(column: impl ColumnTrait, town: Option<Uuid>) -> Condition {
    match town {
        Some(town) => Condition::all().add(column.eq(town)),
        None => Condition::all(),
    }
}

/// The town of a record of `R`.
pub async fn town_of<R: Resource>(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Uuid>, DbErr>
where
    <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    R::Entity::find_by_id(id).select_only().column(R::town_column()).into_tuple().one(db).await
}

/// A lead's town and receiving unit.
pub async fn lead_town_and_receiver(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<(Uuid, Uuid)>, DbErr> {
    lead::Entity::find_by_id(id)
        .select_only()
        .columns([lead::Column::TownId, lead::Column::ReceivingUnitId])
        .into_tuple()
        .one(db)
        .await
}

/// The umbrella leads among `leads`.
pub async fn umbrella_leads(db: &impl ConnectionTrait, leads: Vec<Uuid>) -> Result<HashSet<Uuid>, DbErr> {
    if leads.is_empty() {
        return Ok(HashSet::new());
    }
    let umbrella: Vec<Uuid> = lead::Entity::find()
        .select_only()
        .column(lead::Column::Id)
        .filter(lead::Column::Id.is_in(leads))
        .filter(lead::Column::Umbrella.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    Ok(umbrella.into_iter().collect())
}

/// A record whose periodic duty is due: id, town, level, the day the level took effect, the
/// officer who owes the duty (if the record names one).
pub type PeriodicRow = (Uuid, Uuid, AttentionLevel, NaiveDate, Option<Uuid>);

/// The records whose duty is due by the end of `today`, with the day each was last done.
pub async fn periodic_due(
    db: &impl ConnectionTrait,
    duty: &Duty,
    town: Option<Uuid>,
    only: Only,
    today: NaiveDate,
) -> Result<(Vec<PeriodicRow>, HashMap<Uuid, NaiveDate>), DbErr> {
    let record = Alias::new(duty.record);
    let mut select = Query::select();
    select
        .from(record.clone())
        .columns(["id", "town_id", "attention_level", "level_since"].map(|c| (record.clone(), Alias::new(c))))
        .cond_where(duty.overdue(today + Duration::days(1)));
    match duty.officer {
        Some(officer) => select.expr_as(Expr::col((record.clone(), Alias::new(officer))), Alias::new("officer")),
        None => select.expr_as(Expr::val(Option::<Uuid>::None), Alias::new("officer")),
    };
    if let Some(town) = town {
        select.and_where(Expr::col((record.clone(), Alias::new("town_id"))).eq(Expr::val(town)));
    }
    if let Only::Target(id) = only {
        select.and_where(Expr::col((record.clone(), Alias::new("id"))).eq(Expr::val(id)));
    }
    let rows = db.query_all(&select).await?;
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        let level: String = row.try_get("", "attention_level")?;
        let level = AttentionLevel::try_from_value(&level).map_err(|e| DbErr::Type(e.to_string()))?;
        records.push((
            row.try_get::<Uuid>("", "id")?,
            row.try_get::<Uuid>("", "town_id")?,
            level,
            row.try_get::<NaiveDate>("", "level_since")?,
            row.try_get::<Option<Uuid>>("", "officer")?,
        ));
    }
    let ids: Vec<Uuid> = records.iter().map(|r| r.0).collect();
    let last = duty.last_done(db, &ids).await?;
    Ok((records, last))
}

/// The units of the active users among `users`.
pub async fn active_user_units(db: &impl ConnectionTrait, users: Vec<Uuid>) -> Result<HashMap<Uuid, Uuid>, DbErr> {
    Ok(app_user::Entity::find()
        .select_only()
        .columns([app_user::Column::Id, app_user::Column::OrgUnitId])
        .filter(app_user::Column::Id.is_in(users))
        .filter(app_user::Column::Active.eq(true))
        .into_tuple::<(Uuid, Uuid)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// A lead's three deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadDeadline {
    /// REGISTERED ordinary leads, by `transfer_due_at`.
    Transfer,
    /// TRANSFERRED ordinary leads, by `review_due_at`.
    Review,
    /// VERIFYING leads (umbrella or not), by the 四定一包 deadline.
    Verification,
}

/// id, town, umbrella, receiving unit, assignee unit, the deadline.
pub type LeadRow = (Uuid, Uuid, bool, Uuid, Option<Uuid>, Option<DateTime<Utc>>);

/// The leads, read as [`LeadRow`]s but for the deadline (the caller adds its column).
fn lead_rows() -> sea_orm::Select<lead::Entity> {
    lead::Entity::find().select_only().columns([
        lead::Column::Id,
        lead::Column::TownId,
        lead::Column::Umbrella,
        lead::Column::ReceivingUnitId,
        lead::Column::AssigneeUnitId,
    ])
}

/// The leads owing `deadline`.
pub async fn lead_deadlines(
    db: &impl ConnectionTrait,
    deadline: LeadDeadline,
    town: Option<Uuid>,
    only: Only,
) -> Result<Vec<LeadRow>, DbErr> {
    let (status, due_column) = match deadline {
        LeadDeadline::Transfer => (LeadStatus::Registered, lead::Column::TransferDueAt),
        LeadDeadline::Review => (LeadStatus::Transferred, lead::Column::ReviewDueAt),
        LeadDeadline::Verification => (LeadStatus::Verifying, lead::Column::Deadline),
    };
    let mut query = lead_rows()
        .column(due_column)
        .filter(lead::Column::Status.eq(status))
        .filter(due_column.is_not_null())
        .filter(town_condition(lead::Column::TownId, town))
        .filter(target_condition(lead::Column::Id, only));
    if deadline != LeadDeadline::Verification {
        query = query.filter(lead::Column::Umbrella.eq(false));
    }
    query.into_tuple().all(db).await
}

/// What a lead owes for its priority (`lead_priority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorityDuty {
    /// Umbrella leads the discipline commission has not taken up yet, by `umbrella_due_at`.
    UmbrellaTakeUp,
    /// Major leads, by `major_due_at` (the report is closed by the people who make it).
    MajorReport,
}

/// The leads owing `duty`, as [`LeadRow`]s.
pub async fn lead_priority_duties(
    db: &impl ConnectionTrait,
    duty: PriorityDuty,
    town: Option<Uuid>,
    only: Only,
) -> Result<Vec<LeadRow>, DbErr> {
    let due_column = match duty {
        PriorityDuty::UmbrellaTakeUp => lead_priority::Column::UmbrellaDueAt,
        PriorityDuty::MajorReport => lead_priority::Column::MajorDueAt,
    };
    let mut query = lead_rows()
        .column(due_column)
        .join(JoinType::InnerJoin, lead_priority::Relation::Lead.def().rev())
        .filter(due_column.is_not_null())
        .filter(town_condition(lead_priority::Column::TownId, town))
        .filter(target_condition(lead::Column::Id, only));
    if duty == PriorityDuty::UmbrellaTakeUp {
        query = query.filter(lead::Column::Umbrella.eq(true));
    }
    query.into_tuple().all(db).await
}

/// id, town, assignee unit, the feedback deadline.
pub type RiskRow = (Uuid, Uuid, Option<Uuid>, Option<DateTime<Utc>>);

/// HIGH risk items assessed and still waiting for their first feedback (T+2).
pub async fn risk_feedback_due(
    db: &impl ConnectionTrait,
    town: Option<Uuid>,
    only: Only,
) -> Result<Vec<RiskRow>, DbErr> {
    risk_item::Entity::find()
        .select_only()
        .columns([
            risk_item::Column::Id,
            risk_item::Column::TownId,
            risk_item::Column::AssigneeUnitId,
            risk_item::Column::FeedbackDueAt,
        ])
        .filter(risk_item::Column::Status.eq(RiskStatus::Assessed))
        .filter(risk_item::Column::Level.eq(RiskLevel::High))
        .filter(risk_item::Column::FeedbackDueAt.is_not_null())
        .filter(town_condition(risk_item::Column::TownId, town))
        .filter(target_condition(risk_item::Column::Id, only))
        .into_tuple()
        .all(db)
        .await
}

/// A pending step-down request: what it is about (person or venue), its town, when it was made.
pub type StepDownRow = (TaskTargetType, Uuid, Uuid, DateTime<Utc>);

/// The step-down requests of persons and venues waiting for the coordinator's decision.
pub async fn pending_step_downs(
    db: &impl ConnectionTrait,
    town: Option<Uuid>,
    only: Only,
) -> Result<Vec<StepDownRow>, DbErr> {
    use entity::enums::LevelChangeStatus;
    let persons: Vec<(Uuid, Uuid, DateTime<Utc>)> = person_level_change::Entity::find()
        .select_only()
        .column(person_level_change::Column::PersonId)
        .column(person::Column::TownId)
        .column(person_level_change::Column::CreatedAt)
        .inner_join(person::Entity)
        .filter(person_level_change::Column::Status.eq(LevelChangeStatus::Pending))
        .filter(town_condition(person::Column::TownId, town))
        .filter(target_condition(person_level_change::Column::PersonId, only))
        .into_tuple()
        .all(db)
        .await?;
    let venues: Vec<(Uuid, Uuid, DateTime<Utc>)> = venue_level_change::Entity::find()
        .select_only()
        .column(venue_level_change::Column::VenueId)
        .column(venue::Column::TownId)
        .column(venue_level_change::Column::CreatedAt)
        .inner_join(venue::Entity)
        .filter(venue_level_change::Column::Status.eq(LevelChangeStatus::Pending))
        .filter(town_condition(venue::Column::TownId, town))
        .filter(target_condition(venue_level_change::Column::VenueId, only))
        .into_tuple()
        .all(db)
        .await?;
    let persons = persons.into_iter().map(|(id, town, at)| (TaskTargetType::Person, id, town, at));
    let venues = venues.into_iter().map(|(id, town, at)| (TaskTargetType::Venue, id, town, at));
    Ok(persons.chain(venues).collect())
}

/// The open risk items (id, town) that owe the town's weekly update of the week starting on the
/// local day `monday`: reported before that week began, not resolved, no update since.
pub async fn weekly_risk_updates_due(
    db: &impl ConnectionTrait,
    town: Option<Uuid>,
    only: Only,
    monday: NaiveDate,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let updated = Query::select()
        .column(risk_weekly_update::Column::RiskItemId)
        .from(risk_weekly_update::Entity)
        .and_where(risk_weekly_update::Column::UpdatedOn.gte(monday))
        .to_owned();
    risk_item::Entity::find()
        .select_only()
        .columns([risk_item::Column::Id, risk_item::Column::TownId])
        .filter(risk_item::Column::Status.ne(RiskStatus::Resolved))
        .filter(risk_item::Column::CreatedAt.lt(start_of_day(monday)))
        .filter(risk_item::Column::Id.not_in_subquery(updated))
        .filter(town_condition(risk_item::Column::TownId, town))
        .filter(target_condition(risk_item::Column::Id, only))
        .into_tuple()
        .all(db)
        .await
}

/// Of `units`, those that registered a lead between the local days `start` and `end`.
pub async fn units_with_leads(
    db: &impl ConnectionTrait,
    units: Vec<Uuid>,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<HashSet<Uuid>, DbErr> {
    if units.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<Uuid> = lead::Entity::find()
        .select_only()
        .column(lead::Column::ReceivingUnitId)
        .distinct()
        .filter(lead::Column::ReceivingUnitId.is_in(units))
        .filter(lead::Column::CreatedAt.gte(start_of_day(start)))
        .filter(lead::Column::CreatedAt.lte(end_of_day(end)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Of `units`, those that recorded a monthly analysis meeting (研判会) held between `start` and
/// `end` (local days, both included).
pub async fn units_with_analysis_meetings(
    db: &impl ConnectionTrait,
    units: Vec<Uuid>,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<HashSet<Uuid>, DbErr> {
    if units.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<Uuid> = meeting::Entity::find()
        .select_only()
        .column(meeting::Column::RecordedByUnitId)
        .distinct()
        .filter(meeting::Column::RecordedByUnitId.is_in(units))
        .filter(meeting::Column::Kind.eq(MeetingKind::MonthlyAnalysis))
        .filter(meeting::Column::HeldOn.gte(start))
        .filter(meeting::Column::HeldOn.lte(end))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The open rule-raised tasks of `kind` in the town (or every town), for one target or unit.
pub async fn open_rule_tasks(
    db: &impl ConnectionTrait,
    kind: TaskKind,
    town: Option<Uuid>,
    only: Only,
) -> Result<Vec<task::Model>, DbErr> {
    let mut query = task::Entity::find()
        .filter(task::Column::Kind.eq(kind))
        .filter(task::Column::RuleKey.is_not_null())
        .filter(task::Column::Status.is_not_in([TaskStatus::Accepted, TaskStatus::Cancelled]))
        .filter(town_condition(task::Column::TownId, town));
    query = match only {
        Only::Everything => query,
        Only::Target(id) => query.filter(task::Column::TargetId.eq(id)),
        Only::Unit(id) => query.filter(task::Column::AssigneeUnitId.eq(id)),
    };
    query.all(db).await
}

/// Closes a task with a system event: `ACCEPTED` when its duty is done, `CANCELLED` when it was
/// superseded. False when somebody changed it meanwhile (the next sweep looks again).
pub async fn close(
    db: &impl ConnectionTrait,
    task: &task::Model,
    status: TaskStatus,
    note: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let updated = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::val(status))
        .col_expr(task::Column::RuleKey, Expr::val(Option::<String>::None))
        .col_expr(task::Column::Version, Expr::val(task.version + 1))
        .col_expr(task::Column::UpdatedAt, Expr::val(now))
        .filter(task::Column::Id.eq(task.id))
        .filter(task::Column::Version.eq(task.version))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    system_event(db, task.id, TaskEventKind::SystemClosed, note, now).await?;
    Ok(true)
}

/// A task the system opens without a user: a rule's, or one a write asks of another unit (the
/// police station's decision on a person link).
pub struct SystemTask {
    pub town: Uuid,
    /// A fixed phrase, never a name or a serial: the target shows only through `Task.target`.
    pub title: String,
    pub description: Option<String>,
    pub kind: TaskKind,
    pub target: Option<(TaskTargetType, Uuid)>,
    pub assignee_unit: Uuid,
    pub assignee_user: Option<Uuid>,
    pub creating_unit: Uuid,
    pub due_at: DateTime<Utc>,
    /// Holds one open task per rule and target; `None` for tasks no rule raises.
    pub rule_key: Option<String>,
}

/// Inserts a system task with its `CREATED` event (`note`) and gives its id; `None` when an
/// open task already holds its rule key.
pub async fn open_task(
    db: &impl ConnectionTrait,
    task: &SystemTask,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let id = Uuid::now_v7();
    let inserted = task::Entity::insert(task::ActiveModel {
        id: Set(id),
        town_id: Set(task.town),
        title: Set(task.title.clone()),
        description: Set(task.description.clone()),
        kind: Set(task.kind),
        target_type: Set(task.target.map(|t| t.0)),
        target_id: Set(task.target.map(|t| t.1)),
        assignee_unit_id: Set(task.assignee_unit),
        assignee_user_id: Set(task.assignee_user),
        creating_unit_id: Set(task.creating_unit),
        created_by_user_id: Set(None),
        due_at: Set(task.due_at),
        listed: Set(false),
        status: Set(TaskStatus::Open),
        rule_key: Set(task.rule_key.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(OnConflict::column(task::Column::RuleKey).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    if inserted != 1 {
        return Ok(None);
    }
    system_event(db, id, TaskEventKind::Created, note, now).await?;
    Ok(Some(id))
}

/// A duty's identity: target, assignee unit, creating unit, due second.
pub type Instance = (Option<Uuid>, Uuid, Uuid, i64);

/// The instances of system tasks of `kind` already raised (open or closed) for these units
/// (per-unit rules) or these targets.
pub async fn raised_before(
    db: &impl ConnectionTrait,
    kind: TaskKind,
    units: Option<Vec<Uuid>>,
    targets: Vec<Uuid>,
) -> Result<HashSet<Instance>, DbErr> {
    let which = match units {
        Some(units) => task::Column::AssigneeUnitId.is_in(units),
        None => task::Column::TargetId.is_in(targets),
    };
    let rows: Vec<(Option<Uuid>, Uuid, Uuid, DateTime<Utc>)> = task::Entity::find()
        .select_only()
        .columns([
            task::Column::TargetId,
            task::Column::AssigneeUnitId,
            task::Column::CreatingUnitId,
            task::Column::DueAt,
        ])
        .filter(task::Column::Kind.eq(kind))
        .filter(task::Column::CreatedByUserId.is_null())
        .filter(which)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(target, unit, creator, due)| (target, unit, creator, due.timestamp())).collect())
}

/// The system's own step in a task's thread (no actor).
async fn system_event(
    db: &impl ConnectionTrait,
    task: Uuid,
    kind: TaskEventKind,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    task_event(db, task, kind, None, Some(body.to_owned()), now).await
}

/// Appends a step to a task's thread; `actor` is (user, unit), `None` for the system.
pub async fn task_event(
    db: &impl ConnectionTrait,
    task: Uuid,
    kind: TaskEventKind,
    actor: Option<(Uuid, Uuid)>,
    body: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    task_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task),
        kind: Set(kind),
        actor_user_id: Set(actor.map(|a| a.0)),
        actor_unit_id: Set(actor.map(|a| a.1)),
        body: Set(body),
        created_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Of `units`, the (unit, period) of every report of `kind` they have submitted for `periods`.
pub async fn submitted_reports(
    db: &impl ConnectionTrait,
    kind: ReportKind,
    units: Vec<Uuid>,
    periods: Vec<String>,
) -> Result<HashSet<(Uuid, String)>, DbErr> {
    if units.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<(Uuid, String)> = unit_report::Entity::find()
        .select_only()
        .columns([unit_report::Column::UnitId, unit_report::Column::Period])
        .filter(unit_report::Column::Kind.eq(kind))
        .filter(unit_report::Column::UnitId.is_in(units))
        .filter(unit_report::Column::Period.is_in(periods))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
