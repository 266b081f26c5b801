//! The rows of a link between a judicial office's provisional record and the town's dossier:
//! the `PERSON_LINK` task waiting for it, and the merge of the record into the dossier.

use entity::enums::{JudicialTag, TaskKind, TaskStatus, TaskTargetType};
use entity::{
    lead_subject, person, person_assessment, person_category, person_incident, person_judicial_tag,
    person_level_change, person_measure, person_talk, task,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::error::ApiError;

/// Tasks on the person that are still open (not accepted, not cancelled); `kind` narrows them.
pub async fn open_tasks(
    db: &impl ConnectionTrait,
    person: Uuid,
    kind: Option<TaskKind>,
) -> Result<Vec<task::Model>, ApiError> {
    let mut select = task::Entity::find()
        .filter(task::Column::TargetType.eq(TaskTargetType::Person))
        .filter(task::Column::TargetId.eq(person))
        .filter(task::Column::Status.is_not_in([TaskStatus::Accepted, TaskStatus::Cancelled]));
    if let Some(kind) = kind {
        select = select.filter(task::Column::Kind.eq(kind));
    }
    Ok(select.all(db).await?)
}

/// The person row `id`, whoever may read it: only inside a write the viewer was allowed.
pub async fn row(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<person::Model>, ApiError> {
    Ok(person::Entity::find_by_id(id).one(db).await?)
}

/// Moves what the judicial office recorded on `record` over to `dossier` (tags the dossier
/// lacks, talks, incidents, assessments, measures, lead subjects) and removes what describes
/// the record itself (its other tags, categories, level history). The record row stays for
/// [`remove`], after its tasks are closed.
pub async fn merge(txn: &impl ConnectionTrait, record: Uuid, dossier: Uuid) -> Result<(), ApiError> {
    // Tags the dossier lacks move with their dates and the unit that added them.
    let held: Vec<JudicialTag> = person_judicial_tag::Entity::find()
        .select_only()
        .column(person_judicial_tag::Column::Tag)
        .filter(person_judicial_tag::Column::PersonId.eq(dossier))
        .into_tuple()
        .all(txn)
        .await?;
    person_judicial_tag::Entity::update_many()
        .col_expr(person_judicial_tag::Column::PersonId, Expr::value(dossier))
        .filter(person_judicial_tag::Column::PersonId.eq(record))
        .filter(person_judicial_tag::Column::Tag.is_not_in(held))
        .exec(txn)
        .await?;
    // A lead naming both keeps one subject.
    let named_dossier = Query::select()
        .column(lead_subject::Column::LeadId)
        .from(lead_subject::Entity)
        .and_where(lead_subject::Column::PersonId.eq(dossier))
        .to_owned();
    lead_subject::Entity::delete_many()
        .filter(lead_subject::Column::PersonId.eq(record))
        .filter(lead_subject::Column::LeadId.in_subquery(named_dossier))
        .exec(txn)
        .await?;
    macro_rules! move_to_dossier {
        ($($table:ident),*) => {$(
            $table::Entity::update_many()
                .col_expr($table::Column::PersonId, Expr::value(dossier))
                .filter($table::Column::PersonId.eq(record))
                .exec(txn)
                .await?;
        )*};
    }
    move_to_dossier!(person_talk, person_incident, person_assessment, person_measure, lead_subject);
    // What describes the record itself goes with it.
    person_judicial_tag::Entity::delete_many()
        .filter(person_judicial_tag::Column::PersonId.eq(record))
        .exec(txn)
        .await?;
    person_category::Entity::delete_many().filter(person_category::Column::PersonId.eq(record)).exec(txn).await?;
    person_level_change::Entity::delete_many()
        .filter(person_level_change::Column::PersonId.eq(record))
        .exec(txn)
        .await?;
    Ok(())
}

/// Removes a merged record's row.
pub async fn remove(txn: &impl ConnectionTrait, record: Uuid) -> Result<(), ApiError> {
    person::Entity::delete_by_id(record).exec(txn).await?;
    Ok(())
}
