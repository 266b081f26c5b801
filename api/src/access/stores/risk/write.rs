//! The steps of a risk item's lifecycle, each a statement of the caller's transaction: the
//! caller checks permission (`Store::for_action`), state and input first, and records the audit
//! entry.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{EscalationLevel, RiskCategory, RiskEventKind, RiskLevel, RiskStatus};
use entity::{risk_check, risk_event, risk_feedback, risk_item};
use sea_orm::{ActiveEnum, ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use crate::access::resource::RiskItems;
use crate::access::store::locked_update;
use crate::access::stores::venue::given;
use crate::auth::Viewer;
use crate::error::ApiError;

/// A validated report of a risk item.
pub struct NewRisk {
    pub title: String,
    pub category: RiskCategory,
    pub village_id: Uuid,
    pub description: String,
    pub location: Option<String>,
    pub grid: Option<String>,
    pub parties: Option<String>,
    /// 属地: the village's unit.
    pub territorial_unit_id: Option<Uuid>,
}

/// Inserts a reported item (REPORTED, before the village meeting) with its first event; returns
/// its id.
pub async fn report(txn: &impl ConnectionTrait, viewer: &Viewer, new: NewRisk) -> Result<Uuid, ApiError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    risk_item::ActiveModel {
        id: Set(id),
        town_id: Set(viewer.town_id),
        village_id: Set(new.village_id),
        grid: Set(new.grid),
        title: Set(new.title),
        category: Set(new.category),
        level: Set(None),
        location: Set(new.location),
        description: Set(new.description),
        parties: Set(new.parties),
        territorial_unit_id: Set(new.territorial_unit_id),
        sector_unit_id: Set(None),
        assignee_unit_id: Set(None),
        responsible_person: Set(None),
        plan: Set(None),
        status: Set(RiskStatus::Reported),
        escalation_level: Set(EscalationLevel::Village),
        reported_by_unit_id: Set(viewer.unit_id),
        reported_by_user_id: Set(viewer.user_id),
        assessed_at: Set(None),
        feedback_due_at: Set(None),
        resolution_note: Set(None),
        resolved_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let reported = (None, Some(RiskStatus::Reported.to_value()));
    event(txn, id, viewer, RiskEventKind::Reported, reported, None).await?;
    Ok(id)
}

/// What a step changes on an item: `None` leaves a field as it is; for an optional field
/// `Some(None)` clears it.
#[derive(Default)]
pub struct RiskChange {
    pub title: Option<String>,
    pub category: Option<RiskCategory>,
    pub description: Option<String>,
    pub location: Option<Option<String>>,
    pub grid: Option<Option<String>>,
    pub parties: Option<Option<String>>,
    pub level: Option<Option<RiskLevel>>,
    pub territorial_unit_id: Option<Option<Uuid>>,
    pub sector_unit_id: Option<Option<Uuid>>,
    pub assignee_unit_id: Option<Option<Uuid>>,
    pub responsible_person: Option<Option<String>>,
    pub plan: Option<Option<String>>,
    pub status: Option<RiskStatus>,
    pub escalation_level: Option<EscalationLevel>,
    pub assessed_at: Option<Option<DateTime<Utc>>>,
    pub feedback_due_at: Option<Option<DateTime<Utc>>>,
    pub resolution_note: Option<Option<String>>,
    pub resolved_at: Option<Option<DateTime<Utc>>>,
}

/// Applies `change` and a new version to item `id`, only if it is still at `version`
/// (`CONFLICT` otherwise). The transaction's first statement: a concurrent writer waits for the
/// lock and then finds the version moved on.
pub async fn change(txn: &impl ConnectionTrait, id: Uuid, version: i32, change: RiskChange) -> Result<(), ApiError> {
    let active = risk_item::ActiveModel {
        title: given(change.title),
        category: given(change.category),
        description: given(change.description),
        location: given(change.location),
        grid: given(change.grid),
        parties: given(change.parties),
        level: given(change.level),
        territorial_unit_id: given(change.territorial_unit_id),
        sector_unit_id: given(change.sector_unit_id),
        assignee_unit_id: given(change.assignee_unit_id),
        responsible_person: given(change.responsible_person),
        plan: given(change.plan),
        status: given(change.status),
        escalation_level: given(change.escalation_level),
        assessed_at: given(change.assessed_at),
        feedback_due_at: given(change.feedback_due_at),
        resolution_note: given(change.resolution_note),
        resolved_at: given(change.resolved_at),
        ..Default::default()
    };
    locked_update::<RiskItems>(txn, id, version, active).await
}

/// A step in the item's history, taken by the viewer now: its (from, to) values when it changed
/// the status or the escalation level, and its note.
pub async fn event(
    txn: &impl ConnectionTrait,
    item: Uuid,
    by: &Viewer,
    kind: RiskEventKind,
    (from, to): (Option<String>, Option<String>),
    note: Option<String>,
) -> Result<(), ApiError> {
    risk_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(item),
        kind: Set(kind),
        actor_user_id: Set(Some(by.user_id)),
        actor_unit_id: Set(Some(by.unit_id)),
        from_value: Set(from),
        to_value: Set(to),
        note: Set(note),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The village's daily check of `item`, by the viewer.
pub async fn record_check(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    item: Uuid,
    checked_on: NaiveDate,
    note: String,
) -> Result<(), ApiError> {
    risk_check::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(item),
        checked_on: Set(checked_on),
        note: Set(note),
        user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Feedback on `item` from the viewer's unit.
pub async fn record_feedback(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    item: Uuid,
    body: String,
) -> Result<(), ApiError> {
    risk_feedback::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(item),
        unit_id: Set(viewer.unit_id),
        user_id: Set(viewer.user_id),
        body: Set(body),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}
