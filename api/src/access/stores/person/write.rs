//! The writes of the person ledger: each a step of a mutation's transaction. The resolver
//! checks the input and the permission first (`Store::for_action`), then calls these.

use chrono::{DateTime, Utc};
use entity::enums::{AttentionLevel, JudicialTag, LevelChangeKind, LevelChangeStatus, PersonCategory, RecordStatus};
use entity::{
    board_publication, person, person_assessment, person_category, person_incident, person_judicial_tag,
    person_level_change, person_measure, person_talk,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, NotSet, QueryFilter, Set, SqlErr,
};
use uuid::Uuid;

use crate::access::resource::Persons;
use crate::access::store::locked_update;
use crate::auth::Viewer;
use crate::error::ApiError;

/// Inserts a person row as given; `false` when the town holds the ID number already (a unique
/// index decides two creations at once; for a provisional record, the one of its dossier).
pub async fn insert(txn: &impl ConnectionTrait, row: person::Model) -> Result<bool, ApiError> {
    match row.into_active_model().reset_all().insert(txn).await {
        Ok(_) => Ok(true),
        Err(err) => match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Ok(false),
            _ => Err(ApiError::from(err)),
        },
    }
}

/// Sets the categories of a person (replacing those it held).
pub async fn set_categories(
    txn: &impl ConnectionTrait,
    person: Uuid,
    categories: &[PersonCategory],
) -> Result<(), ApiError> {
    person_category::Entity::delete_many().filter(person_category::Column::PersonId.eq(person)).exec(txn).await?;
    let rows = categories.iter().map(|c| person_category::ActiveModel { person_id: Set(person), category: Set(*c) });
    person_category::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// Adds judicial tags the dossier does not hold yet (re-adding one changes nothing).
pub async fn add_tags(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    person: Uuid,
    tags: &[person_judicial_tag::Model],
) -> Result<(), ApiError> {
    let held: Vec<JudicialTag> = person_judicial_tag::Entity::find()
        .filter(person_judicial_tag::Column::PersonId.eq(person))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect();
    for tag in tags.iter().filter(|t| !held.contains(&t.tag)) {
        person_judicial_tag::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person),
            tag: Set(tag.tag),
            release_date: Set(tag.release_date),
            correction_end_date: Set(tag.correction_end_date),
            added_by_unit_id: Set(viewer.unit_id),
            created_at: Set(Utc::now()),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The fields `updatePerson` may change; `None` leaves a field as it is.
#[derive(Default)]
pub struct Change {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub village_id: Option<Uuid>,
    pub notes: Option<Option<String>>,
    pub responsible_officer_id: Option<Uuid>,
}

/// Writes `change` to the person if its version is still `version`; `None` when someone
/// changed it meanwhile.
pub async fn update(
    txn: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    change: Change,
) -> Result<Option<()>, ApiError> {
    let row = person::ActiveModel {
        name: change.name.map_or(NotSet, Set),
        phone: change.phone.map_or(NotSet, Set),
        address: change.address.map_or(NotSet, Set),
        village_id: change.village_id.map_or(NotSet, Set),
        notes: change.notes.map_or(NotSet, Set),
        responsible_officer_id: change.responsible_officer_id.map(Some).map_or(NotSet, Set),
        ..Default::default()
    };
    locked(txn, id, version, row).await
}

async fn locked(
    txn: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    change: person::ActiveModel,
) -> Result<Option<()>, ApiError> {
    match locked_update::<Persons>(txn, id, version, change).await {
        Ok(()) => Ok(Some(())),
        Err(ApiError::Conflict { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Puts a person at `level` from today (`None`: delisted, the dossier closed), if its version is
/// still `version`; `None` when someone changed it meanwhile.
pub async fn set_level(
    txn: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    level: Option<AttentionLevel>,
) -> Result<Option<()>, ApiError> {
    let mut change = person::ActiveModel { level_since: Set(crate::domain::lead_flow::today()), ..Default::default() };
    match level {
        Some(level) => change.attention_level = Set(level),
        None => change.status = Set(RecordStatus::Delisted),
    }
    locked(txn, id, version, change).await
}

/// Marks a person changed (a new talk, incident …): its version and `updated_at`.
pub async fn touch(txn: &impl ConnectionTrait, id: Uuid) -> Result<(), ApiError> {
    person::Entity::update_many()
        .col_expr(person::Column::Version, Expr::col(person::Column::Version).add(1))
        .col_expr(person::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(person::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// A level change to append: who asked (`None` for the system's own changes) and what.
pub struct NewLevelChange {
    pub person: Uuid,
    pub kind: LevelChangeKind,
    pub status: LevelChangeStatus,
    pub from_level: Option<AttentionLevel>,
    pub to_level: Option<AttentionLevel>,
    pub reason: String,
    pub by: Option<(Uuid, Uuid)>,
}

/// Appends a level change.
pub async fn insert_change(txn: &impl ConnectionTrait, change: NewLevelChange) -> Result<(), ApiError> {
    let now = Utc::now();
    person_level_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(change.person),
        kind: Set(change.kind),
        status: Set(change.status),
        from_level: Set(change.from_level),
        to_level: Set(change.to_level),
        reason: Set(change.reason),
        requested_by_user_id: Set(change.by.map(|(user, _)| user)),
        requested_by_unit_id: Set(change.by.map(|(_, unit)| unit)),
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
    .insert(txn)
    .await?;
    Ok(())
}

/// The coordinator's decision on a pending step-down request.
pub struct Decision {
    pub approve: bool,
    pub user: Uuid,
    pub unit: Uuid,
    pub comment: Option<String>,
    pub approving_body: Option<String>,
    pub document_number: Option<String>,
    pub at: DateTime<Utc>,
}

/// Decides the level change `id` if it is still pending; `false` when it was decided already
/// (the conditional update decides races: of two decisions exactly one matches the row).
pub async fn decide_change(txn: &impl ConnectionTrait, id: Uuid, d: Decision) -> Result<bool, ApiError> {
    let status = if d.approve { LevelChangeStatus::Approved } else { LevelChangeStatus::Rejected };
    let decided = person_level_change::Entity::update_many()
        .col_expr(person_level_change::Column::Status, Expr::value(status))
        .col_expr(person_level_change::Column::DecidedByUserId, Expr::value(Some(d.user)))
        .col_expr(person_level_change::Column::DecidedByUnitId, Expr::value(Some(d.unit)))
        .col_expr(person_level_change::Column::DecisionComment, Expr::value(d.comment))
        .col_expr(person_level_change::Column::ApprovingBody, Expr::value(d.approving_body))
        .col_expr(person_level_change::Column::DocumentNumber, Expr::value(d.document_number))
        .col_expr(person_level_change::Column::DecidedAt, Expr::value(Some(d.at)))
        .col_expr(person_level_change::Column::Version, Expr::col(person_level_change::Column::Version).add(1))
        .col_expr(person_level_change::Column::UpdatedAt, Expr::value(d.at))
        .filter(person_level_change::Column::Id.eq(id))
        .filter(person_level_change::Column::Status.eq(LevelChangeStatus::Pending))
        .exec(txn)
        .await?;
    Ok(decided.rows_affected == 1)
}

/// Appends an education or admonition talk.
pub async fn insert_talk(txn: &impl ConnectionTrait, row: person_talk::Model) -> Result<(), ApiError> {
    row.into_active_model().reset_all().insert(txn).await?;
    Ok(())
}

/// Appends an incident.
pub async fn insert_incident(txn: &impl ConnectionTrait, row: person_incident::Model) -> Result<(), ApiError> {
    row.into_active_model().reset_all().insert(txn).await?;
    Ok(())
}

/// Appends a 五清两稳 assessment.
pub async fn insert_assessment(txn: &impl ConnectionTrait, row: person_assessment::Model) -> Result<(), ApiError> {
    row.into_active_model().reset_all().insert(txn).await?;
    Ok(())
}

/// Appends a disciplinary measure.
pub async fn insert_measure(txn: &impl ConnectionTrait, row: person_measure::Model) -> Result<(), ApiError> {
    row.into_active_model().reset_all().insert(txn).await?;
    Ok(())
}

/// Publishes a person's penalty on the village board (`recordMeasure` with a board text): the
/// penalty as `text` words it and the day, in the person's `board` group.
pub async fn publish_on_board(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    person: Uuid,
    text: String,
    penalised_on: chrono::NaiveDate,
) -> Result<(), ApiError> {
    board_publication::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person),
        penalty: Set(text),
        penalised_on: Set(penalised_on),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}
