//! The writes of the venue ledger, each a step of the caller's transaction: the caller checks
//! permission (`Store::for_action`), input and state first, and records the audit entry.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AttentionLevel, LevelChangeKind, LevelChangeStatus, RecordStatus, VenueType};
use entity::{lead, venue, venue_incident, venue_inspection, venue_level_change, venue_penalty};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use crate::access::resource::Venues;
use crate::access::store::locked_update;
use crate::auth::Viewer;
use crate::domain::levels;
use crate::error::ApiError;

/// A validated new venue (the `createVenue` mutation and the ledger import share it).
pub struct NewVenue {
    pub name: String,
    pub venue_type: VenueType,
    pub address: String,
    pub village_id: Uuid,
    pub attention_level: AttentionLevel,
    pub licence_number: Option<String>,
    pub manager_name: Option<String>,
    pub manager_phone: Option<String>,
    pub notes: Option<String>,
}

impl NewVenue {
    /// Inserts the venue with its initial level entry; returns its id. A licence number the
    /// town already holds is a `CONFLICT`.
    pub async fn insert(self, txn: &impl ConnectionTrait, viewer: &Viewer) -> Result<Uuid, ApiError> {
        let now = Utc::now();
        let today = crate::domain::lead_flow::today();
        let id = Uuid::now_v7();
        let inserted = venue::ActiveModel {
            id: Set(id),
            town_id: Set(viewer.town_id),
            village_id: Set(self.village_id),
            name: Set(self.name),
            venue_type: Set(self.venue_type),
            address: Set(self.address),
            licence_number: Set(self.licence_number),
            manager_name: Set(self.manager_name),
            manager_phone: Set(self.manager_phone),
            attention_level: Set(self.attention_level),
            level_since: Set(today),
            listed_at: Set(today),
            status: Set(RecordStatus::Active),
            notes: Set(self.notes),
            created_by_unit_id: Set(viewer.unit_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await;
        if let Err(err) = inserted {
            return Err(on_unique_licence(err));
        }
        let initial = (LevelChangeKind::Initial, LevelChangeStatus::Applied);
        level_change(viewer, id, initial, (None, Some(self.attention_level)), "列管".to_owned()).insert(txn).await?;
        Ok(id)
    }
}

/// A venue the ledger import would leave alone: one of the town with this licence number, or
/// (without one) with this name and address.
pub async fn held_by_key(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    licence: Option<&str>,
    name: &str,
    address: &str,
) -> Result<bool, ApiError> {
    let held = venue::Entity::find().filter(venue::Column::TownId.eq(viewer.town_id));
    let held = match licence {
        Some(l) => held.filter(venue::Column::LicenceNumber.eq(l)),
        None => held.filter(venue::Column::Name.eq(name)).filter(venue::Column::Address.eq(address)),
    };
    Ok(held.one(db).await?.is_some())
}

/// `CONFLICT` when another venue of the viewer's town holds the licence number (`except`: the
/// venue being updated). The unique index decides races; this gives the common case its message.
pub async fn licence_free(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    licence: &str,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    let mut holders = venue::Entity::find()
        .filter(venue::Column::TownId.eq(viewer.town_id))
        .filter(venue::Column::LicenceNumber.eq(licence));
    if let Some(except) = except {
        holders = holders.filter(venue::Column::Id.ne(except));
    }
    if holders.count(db).await? > 0 {
        return Err(conflict_licence());
    }
    Ok(())
}

/// The particulars `updateVenue` changes: `None` leaves a field as it is; for an optional field
/// `Some(None)` clears it.
#[derive(Default)]
pub struct VenueChange {
    pub name: Option<String>,
    pub venue_type: Option<VenueType>,
    pub address: Option<String>,
    pub village_id: Option<Uuid>,
    pub licence_number: Option<Option<String>>,
    pub manager_name: Option<Option<String>>,
    pub manager_phone: Option<Option<String>>,
    pub notes: Option<Option<String>>,
}

/// Writes the change to venue `id` if it is still at `version`: `CONFLICT` when it moved on or
/// the licence number is taken. The transaction's first statement: a concurrent writer waits
/// for the lock and then finds the version moved on.
pub async fn update(txn: &impl ConnectionTrait, id: Uuid, version: i32, change: VenueChange) -> Result<(), ApiError> {
    let active = venue::ActiveModel {
        name: given(change.name),
        venue_type: given(change.venue_type),
        address: given(change.address),
        village_id: given(change.village_id),
        licence_number: given(change.licence_number),
        manager_name: given(change.manager_name),
        manager_phone: given(change.manager_phone),
        notes: given(change.notes),
        ..Default::default()
    };
    locked_update::<Venues>(txn, id, version, active).await.map_err(on_locked)
}

/// A value to set, or none to leave the column as it is (every store's partial updates).
pub(in crate::access) fn given<T: Into<sea_orm::Value>>(value: Option<T>) -> sea_orm::ActiveValue<T> {
    value.map_or(sea_orm::ActiveValue::NotSet, Set)
}

/// A validated inspection.
pub struct NewInspection {
    pub inspected_on: NaiveDate,
    pub inspector_id: Uuid,
    pub findings: String,
    pub manager_talked: bool,
}

/// Records an inspection of `venue` by the viewer's hand, and a new version of the venue.
pub async fn record_inspection(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    venue: Uuid,
    new: NewInspection,
) -> Result<(), ApiError> {
    venue_inspection::ActiveModel {
        id: Set(Uuid::now_v7()),
        venue_id: Set(venue),
        inspected_on: Set(new.inspected_on),
        inspector_id: Set(new.inspector_id),
        findings: Set(new.findings),
        manager_talked: Set(new.manager_talked),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    touch(txn, venue).await
}

/// A validated incident at a venue (警情, 投诉 …).
pub struct NewVenueIncident {
    pub occurred_on: NaiveDate,
    pub kind: String,
    pub summary: String,
}

/// Records an incident at `venue` by the viewer's hand, and a new version of the venue.
pub async fn record_incident(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    venue: Uuid,
    new: NewVenueIncident,
) -> Result<(), ApiError> {
    venue_incident::ActiveModel {
        id: Set(Uuid::now_v7()),
        venue_id: Set(venue),
        occurred_on: Set(new.occurred_on),
        kind: Set(new.kind),
        summary: Set(new.summary),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    touch(txn, venue).await
}

/// A validated administrative penalty of a venue.
pub struct NewVenuePenalty {
    pub penalised_on: NaiveDate,
    pub authority: String,
    pub penalty: String,
    pub decision_number: Option<String>,
}

/// Records a penalty of `current` and makes it SPECIAL at once (seed 000 "被处罚的…列为特别关注场所"),
/// with an automatic escalation entry in its level history; a venue already SPECIAL keeps its
/// level (the penalty itself restarts its six clean months). Version-locked on `current`.
pub async fn record_penalty(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    current: &venue::Model,
    new: NewVenuePenalty,
) -> Result<(), ApiError> {
    let escalates = current.attention_level != AttentionLevel::Special;
    let change = if escalates {
        venue::ActiveModel {
            attention_level: Set(AttentionLevel::Special),
            level_since: Set(crate::domain::lead_flow::today()),
            ..Default::default()
        }
    } else {
        <venue::ActiveModel as Default>::default()
    };
    // First statement: a concurrent write to the venue waits, then finds the version moved on.
    locked_update::<Venues>(txn, current.id, current.version, change).await.map_err(on_locked)?;
    let penalised_on = new.penalised_on;
    venue_penalty::ActiveModel {
        id: Set(Uuid::now_v7()),
        venue_id: Set(current.id),
        penalised_on: Set(penalised_on),
        authority: Set(new.authority),
        penalty: Set(new.penalty),
        decision_number: Set(new.decision_number),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    if escalates {
        let reason = format!(
            "Penalised on {penalised_on}: a penalised venue is SPECIAL. {penalised_on}受到处罚，列为特别关注场所。"
        );
        let auto = (LevelChangeKind::AutoEscalation, LevelChangeStatus::Applied);
        let step = (Some(current.attention_level), Some(AttentionLevel::Special));
        level_change(viewer, current.id, auto, step, reason).insert(txn).await?;
    }
    Ok(())
}

/// Raises `current` to `level` from today, if it is still at its version, with its level entry.
pub async fn raise(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    current: &venue::Model,
    level: AttentionLevel,
    reason: String,
) -> Result<(), ApiError> {
    let change = venue::ActiveModel {
        attention_level: Set(level),
        level_since: Set(crate::domain::lead_flow::today()),
        ..Default::default()
    };
    locked_update::<Venues>(txn, current.id, current.version, change).await.map_err(on_locked)?;
    let raise = (LevelChangeKind::Raise, LevelChangeStatus::Applied);
    level_change(viewer, current.id, raise, (Some(current.attention_level), Some(level)), reason).insert(txn).await?;
    Ok(())
}

/// Whether a step-down request of `venue` waits for a decision.
pub async fn step_down_pending(db: &impl ConnectionTrait, venue: Uuid) -> Result<bool, ApiError> {
    let pending = venue_level_change::Entity::find()
        .filter(venue_level_change::Column::VenueId.eq(venue))
        .filter(venue_level_change::Column::Status.eq(LevelChangeStatus::Pending))
        .count(db)
        .await?;
    Ok(pending > 0)
}

/// Files a step-down request of `current` (one level down, or delisting a GENERAL venue).
pub async fn request_step_down(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    current: &venue::Model,
    reason: String,
) -> Result<(), ApiError> {
    // First statement: two requests at once serialise here and the second finds the version
    // moved on, so there is never more than one pending request.
    let untouched = <venue::ActiveModel as Default>::default();
    locked_update::<Venues>(txn, current.id, current.version, untouched).await.map_err(on_locked)?;
    let request = (LevelChangeKind::StepDown, LevelChangeStatus::Pending);
    let step = (Some(current.attention_level), levels::step_down_target(current.attention_level));
    level_change(viewer, current.id, request, step, reason).insert(txn).await?;
    Ok(())
}

/// The level change with `id`, of whatever venue. Only for deciding a request: the caller then
/// checks that the viewer reads the venue's level history, and answers as for a random id if not.
pub async fn step_down_request(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<venue_level_change::Model>, ApiError> {
    Ok(venue_level_change::Entity::find_by_id(id).one(db).await?)
}

/// The coordinator's decision on a step-down request, validated.
pub struct Decision {
    pub approve: bool,
    pub comment: Option<String>,
    pub approving_body: Option<String>,
    pub document_number: Option<String>,
}

/// Decides `request` on `venue`; an approval applies the step from `today`. `CONFLICT` when the
/// request was decided meanwhile, or the venue's level moved since it was read.
pub async fn decide_step_down(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    request: &venue_level_change::Model,
    venue: &venue::Model,
    decision: Decision,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let approve = decision.approve;
    // The decision is a conditional update and the transaction's first statement: of two
    // decisions at once, the second waits for the first to commit and then matches no row.
    let decided = venue_level_change::Entity::update_many()
        .set(venue_level_change::ActiveModel {
            status: Set(if approve { LevelChangeStatus::Approved } else { LevelChangeStatus::Rejected }),
            decided_by_user_id: Set(Some(viewer.user_id)),
            decided_by_unit_id: Set(Some(viewer.unit_id)),
            decision_comment: Set(decision.comment),
            approving_body: Set(decision.approving_body),
            document_number: Set(decision.document_number),
            decided_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .col_expr(venue_level_change::Column::Version, Expr::col(venue_level_change::Column::Version).add(1))
        .filter(venue_level_change::Column::Id.eq(request.id))
        .filter(venue_level_change::Column::Status.eq(LevelChangeStatus::Pending))
        .filter(venue_level_change::Column::Version.eq(request.version))
        .exec(txn)
        .await?;
    if decided.rows_affected == 0 {
        return Err(already_decided());
    }
    if !approve {
        return touch(txn, venue.id).await;
    }
    let mut applied = venue::ActiveModel { level_since: Set(today), updated_at: Set(now), ..Default::default() };
    match request.to_level {
        Some(level) => applied.attention_level = Set(level),
        None => applied.status = Set(RecordStatus::Delisted),
    }
    // Applied only to the level the decision was about: a raise in between wins.
    let stepped = venue::Entity::update_many()
        .set(applied)
        .col_expr(venue::Column::Version, Expr::col(venue::Column::Version).add(1))
        .filter(venue::Column::Id.eq(venue.id))
        .filter(venue::Column::Status.eq(RecordStatus::Active))
        .filter(venue::Column::AttentionLevel.eq(venue.attention_level))
        .filter(venue::Column::LevelSince.eq(venue.level_since))
        .exec(txn)
        .await?;
    if stepped.rows_affected == 0 {
        return Err(stale());
    }
    Ok(())
}

/// The day of the latest incident or penalty at a venue: both end its clean months (domain.md
/// "Key venues"; a penalty is an incident that also made the venue SPECIAL).
pub async fn last_incident_on(db: &impl ConnectionTrait, venue: Uuid) -> Result<Option<NaiveDate>, ApiError> {
    let incident = venue_incident::Entity::find()
        .select_only()
        .column_as(Expr::col(venue_incident::Column::OccurredOn).max(), "last_occurred_on")
        .filter(venue_incident::Column::VenueId.eq(venue))
        .into_tuple::<Option<NaiveDate>>()
        .one(db)
        .await?
        .flatten();
    let penalty = venue_penalty::Entity::find()
        .select_only()
        .column_as(Expr::col(venue_penalty::Column::PenalisedOn).max(), "last_penalised_on")
        .filter(venue_penalty::Column::VenueId.eq(venue))
        .into_tuple::<Option<NaiveDate>>()
        .one(db)
        .await?
        .flatten();
    Ok(Ord::max(incident, penalty))
}

/// When the latest ordinary (never umbrella) lead of the viewer's town naming `venue` was
/// received. Reads the lead table for the step-down rule only: the answer is a date the caller
/// turns into "clean or not", never shown.
pub async fn last_ordinary_lead(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    venue: Uuid,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    Ok(lead::Entity::find()
        .select_only()
        .column_as(Expr::col(lead::Column::ReceivedAt).max(), "last_received_at")
        .filter(lead::Column::TownId.eq(viewer.town_id))
        .filter(lead::Column::VenueId.eq(venue))
        .filter(lead::Column::Umbrella.eq(false))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten())
}

/// A new level-change row, requested by the viewer now.
fn level_change(
    viewer: &Viewer,
    venue: Uuid,
    (kind, status): (LevelChangeKind, LevelChangeStatus),
    (from, to): (Option<AttentionLevel>, Option<AttentionLevel>),
    reason: String,
) -> venue_level_change::ActiveModel {
    let now = Utc::now();
    venue_level_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        venue_id: Set(venue),
        kind: Set(kind),
        status: Set(status),
        from_level: Set(from),
        to_level: Set(to),
        reason: Set(reason),
        requested_by_user_id: Set(Some(viewer.user_id)),
        requested_by_unit_id: Set(Some(viewer.unit_id)),
        decided_by_user_id: Set(None),
        decided_by_unit_id: Set(None),
        decision_comment: Set(None),
        approving_body: Set(None),
        document_number: Set(None),
        decided_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// A new version of a venue whose record grew (an inspection, a decision).
async fn touch(txn: &impl ConnectionTrait, venue: Uuid) -> Result<(), ApiError> {
    venue::Entity::update_many()
        .col_expr(venue::Column::Version, Expr::col(venue::Column::Version).add(1))
        .col_expr(venue::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(venue::Column::Id.eq(venue))
        .exec(txn)
        .await?;
    Ok(())
}

/// The venue's own words for a failed version-locked write: it moved on, or (an update) the
/// licence number is taken.
fn on_locked(err: ApiError) -> ApiError {
    match err {
        ApiError::Conflict { .. } => stale(),
        ApiError::Internal(err) => match err.downcast::<sea_orm::DbErr>() {
            Ok(db) => on_unique_licence(db),
            Err(err) => ApiError::Internal(err),
        },
        other => other,
    }
}

fn on_unique_licence(err: sea_orm::DbErr) -> ApiError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => conflict_licence(),
        _ => ApiError::from(err),
    }
}

pub fn conflict_licence() -> ApiError {
    ApiError::Conflict {
        message: "A venue with this licence number already exists in the town.".into(),
        message_zh: "本镇已有该许可证号的场所。".into(),
        allowed: vec![],
    }
}

fn stale() -> ApiError {
    ApiError::Conflict {
        message: "The venue was changed since you read it; reload and try again.".into(),
        message_zh: "该场所已被修改，请刷新后重试。".into(),
        allowed: vec![],
    }
}

pub fn already_decided() -> ApiError {
    ApiError::Conflict {
        message: "This step-down request has already been decided.".into(),
        message_zh: "该降级申请已审批。".into(),
        allowed: vec![],
    }
}
