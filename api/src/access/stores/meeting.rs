//! The meeting store (研判会, 联席会议, 三级联席会议): the list of meetings a viewer may read,
//! the units, decisions and risk items each holds, and the writes of a meeting.
//!
//! A meeting has no field groups: whoever reads it reads all of it, so its children are read
//! under the meeting's own scope ([`ROW_ITSELF`]). A meeting the discipline commission records is
//! on umbrella leads: the policy lets no one else read it, attended or not.

use async_graphql::InputObject;
use chrono::{DateTime, Utc};
use entity::enums::{EscalationLevel, MeetingKind};
use entity::{meeting, meeting_decision, meeting_risk_item, meeting_unit};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order, Set};
use uuid::Uuid;

use crate::access::Groups;
use crate::access::page::KeyKind;
use crate::access::resource::Meetings;
use crate::access::store::{Child, Listed, ROW_ITSELF, SortKey, Store};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::scalars::Date;

/// 会议筛选 — conditions on meetings.
#[derive(InputObject, Default, Clone)]
pub struct MeetingFilter {
    /// 会议类型 — meetings of these kinds.
    pub kind: Option<Vec<MeetingKind>>,
    /// 召开起始 — meetings held on or after this day.
    pub held_from: Option<Date>,
    /// 召开截止 — meetings held on or before this day.
    pub held_to: Option<Date>,
}

/// Meetings have one order: the day held, newest first (then id).
#[derive(Debug, Clone, Copy, Default)]
pub struct HeldOn;

impl Listed for Meetings {
    type Filter = MeetingFilter;
    type Order = HeldOn;

    fn filter(_store: &Store<'_>, _groups: &Groups<Self>, filter: MeetingFilter) -> Result<Condition, ApiError> {
        let mut cond = Condition::all();
        if let Some(kinds) = filter.kind {
            cond = cond.add(meeting::Column::Kind.is_in(kinds));
        }
        if let Some(from) = filter.held_from {
            cond = cond.add(meeting::Column::HeldOn.gte(from.0));
        }
        if let Some(to) = filter.held_to {
            cond = cond.add(meeting::Column::HeldOn.lte(to.0));
        }
        Ok(cond)
    }

    fn sort_key(_order: HeldOn, _backend: DbBackend) -> SortKey {
        SortKey { expr: Expr::col((meeting::Entity, meeting::Column::HeldOn)), kind: KeyKind::Date, group: ROW_ITSELF }
    }
}

/// The units that attended a meeting.
pub struct Attendees;
impl Child for Attendees {
    type Parent = Meetings;
    type Entity = meeting_unit::Entity;
    const GROUP: &'static str = ROW_ITSELF;
    fn parent_column() -> meeting_unit::Column {
        meeting_unit::Column::MeetingId
    }
    fn parent_of(child: &meeting_unit::Model) -> Uuid {
        child.meeting_id
    }
    fn order() -> Vec<(meeting_unit::Column, Order)> {
        vec![(meeting_unit::Column::UnitId, Order::Asc)]
    }
}

/// A meeting's decisions, in the order taken.
pub struct Decisions;
impl Child for Decisions {
    type Parent = Meetings;
    type Entity = meeting_decision::Entity;
    const GROUP: &'static str = ROW_ITSELF;
    fn parent_column() -> meeting_decision::Column {
        meeting_decision::Column::MeetingId
    }
    fn parent_of(child: &meeting_decision::Model) -> Uuid {
        child.meeting_id
    }
    fn order() -> Vec<(meeting_decision::Column, Order)> {
        vec![(meeting_decision::Column::Position, Order::Asc)]
    }
}

/// The risk items a meeting took up (each read afterwards under the risk item's own scope).
pub struct RisksTakenUp;
impl Child for RisksTakenUp {
    type Parent = Meetings;
    type Entity = meeting_risk_item::Entity;
    const GROUP: &'static str = ROW_ITSELF;
    fn parent_column() -> meeting_risk_item::Column {
        meeting_risk_item::Column::MeetingId
    }
    fn parent_of(child: &meeting_risk_item::Model) -> Uuid {
        child.meeting_id
    }
    fn order() -> Vec<(meeting_risk_item::Column, Order)> {
        vec![(meeting_risk_item::Column::CreatedAt, Order::Asc), (meeting_risk_item::Column::Id, Order::Asc)]
    }
}

/// A validated meeting (`recordMeeting`).
pub struct NewMeeting {
    pub kind: MeetingKind,
    pub held_on: chrono::NaiveDate,
    pub summary: String,
    /// The attending units besides the recording one (checked to be of the viewer's town).
    pub units: Vec<Uuid>,
}

/// Inserts the meeting recorded by the viewer's unit, with the units that attended (the
/// recording unit among them), and gives its id. On umbrella leads when the discipline
/// commission records it: which meetings a role may record is the policy's `record` grant,
/// checked by the caller on the new row ([`Store::granted`]).
pub async fn insert(txn: &impl ConnectionTrait, viewer: &Viewer, new: NewMeeting) -> Result<Uuid, ApiError> {
    let id = Uuid::now_v7();
    meeting::ActiveModel {
        id: Set(id),
        town_id: Set(viewer.town_id),
        kind: Set(new.kind),
        held_on: Set(new.held_on),
        summary: Set(new.summary),
        umbrella: Set(viewer.role == entity::enums::Role::Discipline),
        recorded_by_unit_id: Set(viewer.unit_id),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    let mut units = new.units;
    units.push(viewer.unit_id);
    units.sort();
    units.dedup();
    let rows = units.into_iter().map(|unit| meeting_unit::ActiveModel { meeting_id: Set(id), unit_id: Set(unit) });
    meeting_unit::Entity::insert_many(rows).exec_without_returning(txn).await?;
    Ok(id)
}

/// One decision of a meeting (`position` from 0), with the task it raised, if any.
pub struct NewDecision {
    pub position: i32,
    pub text: String,
    pub assignee_unit: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    pub task: Option<Uuid>,
}

/// Inserts a decision of `meeting`.
pub async fn insert_decision(txn: &impl ConnectionTrait, meeting: Uuid, new: NewDecision) -> Result<(), ApiError> {
    meeting_decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        meeting_id: Set(meeting),
        position: Set(new.position),
        text: Set(new.text),
        assignee_unit_id: Set(new.assignee_unit),
        due_at: Set(new.due_at),
        task_id: Set(new.task),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Notes that `meeting` took up the risk item, escalated to `to` (the escalation step's own
/// transaction: the caller has checked that the viewer reads both).
pub async fn took_up(
    txn: &impl ConnectionTrait,
    meeting: Uuid,
    item: Uuid,
    to: EscalationLevel,
) -> Result<(), ApiError> {
    meeting_risk_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        meeting_id: Set(meeting),
        risk_item_id: Set(item),
        escalated_to: Set(to),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}
