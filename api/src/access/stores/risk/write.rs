//! The steps of a risk item's lifecycle, each a statement of the caller's transaction: the
//! caller checks permission (`Store::for_action`), state and input first, and records the audit
//! entry.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{EscalationLevel, RiskCategory, RiskEventKind, RiskLevel, RiskStatus};
use entity::{risk_check, risk_drill, risk_event, risk_feedback, risk_item, risk_plan_revision, risk_weekly_update};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, SqlErr,
};
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

/// A validated emergency plan (一事一案) with its lead official and unit (包案领导、包案单位).
pub struct NewPlan {
    pub trigger_criteria: String,
    pub release_criteria: String,
    pub command: String,
    pub duties: String,
    pub measures: String,
    pub supplies: String,
    pub lead_official: String,
    pub lead_unit_id: Uuid,
}

/// Saves a new revision of `item`'s emergency plan (the first is revision 1) and returns its
/// number. The item's own row is not touched: the plan keeps its own history. Two saves at once
/// race for the same number; the unique index lets one win and the other is a `CONFLICT`.
pub async fn save_plan(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    item: Uuid,
    plan: NewPlan,
) -> Result<i32, ApiError> {
    let last: Option<i32> = risk_plan_revision::Entity::find()
        .select_only()
        .column_as(Expr::col(risk_plan_revision::Column::Revision).max(), "last_revision")
        .filter(risk_plan_revision::Column::RiskItemId.eq(item))
        .into_tuple::<Option<i32>>()
        .one(txn)
        .await?
        .flatten();
    let revision = last.unwrap_or(0) + 1;
    let inserted = risk_plan_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(item),
        revision: Set(revision),
        trigger_criteria: Set(plan.trigger_criteria),
        release_criteria: Set(plan.release_criteria),
        command: Set(plan.command),
        duties: Set(plan.duties),
        measures: Set(plan.measures),
        supplies: Set(plan.supplies),
        lead_official: Set(plan.lead_official),
        lead_unit_id: Set(plan.lead_unit_id),
        saved_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(_) => Ok(revision),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(ApiError::Conflict {
            message: "The plan was saved meanwhile; reload it and try again.".into(),
            message_zh: "预案已被他人保存，请刷新后重试。".into(),
            allowed: vec![],
        }),
        Err(err) => Err(err.into()),
    }
}

/// Whether `item` has an emergency plan (every revision names its lead official and unit).
pub async fn has_plan(db: &impl ConnectionTrait, item: Uuid) -> Result<bool, ApiError> {
    use sea_orm::PaginatorTrait;
    Ok(risk_plan_revision::Entity::find().filter(risk_plan_revision::Column::RiskItemId.eq(item)).count(db).await? > 0)
}

/// Records a drill of `item`'s plan held on `held_on`.
pub async fn record_drill(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    item: Uuid,
    held_on: NaiveDate,
    summary: String,
) -> Result<(), ApiError> {
    risk_drill::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(item),
        held_on: Set(held_on),
        summary: Set(summary),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Records the town's weekly update of `item` on the local day `on` (每周调整更新).
pub async fn record_weekly_update(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    item: Uuid,
    on: NaiveDate,
    summary: String,
) -> Result<(), ApiError> {
    risk_weekly_update::ActiveModel {
        id: Set(Uuid::now_v7()),
        risk_item_id: Set(item),
        updated_on: Set(on),
        summary: Set(summary),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}
