//! What a lead owes for its priority (issue 15), kept beside it in `lead_priority`: whether it
//! is major (part of its `handling`), when its report as a major lead is due, and when the
//! discipline commission must have taken it up as an umbrella lead. Written only inside a
//! lead's own write ([`super::insert`], [`super::step`]); the rule sweep reads the due times
//! (`stores::sweep::lead_priority_duties`).

use chrono::{DateTime, Utc};
use entity::lead_priority;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, Set};
use uuid::Uuid;

use crate::access::resource::Leads;
use crate::access::store::Child;
use crate::domain::lead_flow;
use crate::error::ApiError;

/// A lead's priority row: part of its `handling` (whether it is major).
pub struct LeadPriorities;

impl Child for LeadPriorities {
    type Parent = Leads;
    type Entity = lead_priority::Entity;
    const GROUP: &'static str = "handling";
    fn parent_column() -> lead_priority::Column {
        lead_priority::Column::LeadId
    }
    fn parent_of(child: &lead_priority::Model) -> Uuid {
        child.lead_id
    }
    fn order() -> Vec<(lead_priority::Column, Order)> {
        vec![(lead_priority::Column::LeadId, Order::Asc)]
    }
}

/// Whether a loaded priority row says the lead is major.
pub fn is_major(rows: &[lead_priority::Model]) -> bool {
    rows.iter().any(|p| p.major)
}

/// Writes `column = value` on the lead's row, creating the row when it has none.
async fn upsert(
    txn: &impl ConnectionTrait,
    lead: Uuid,
    town: Uuid,
    row: lead_priority::ActiveModel,
    columns: &[lead_priority::Column],
) -> Result<(), ApiError> {
    let row = lead_priority::ActiveModel { lead_id: Set(lead), town_id: Set(town), ..row };
    lead_priority::Entity::insert(row)
        .on_conflict(
            OnConflict::column(lead_priority::Column::LeadId).update_columns(columns.iter().copied()).to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// The lead became umbrella at `at`: the discipline commission owes its taking up 24 h later.
pub async fn became_umbrella(
    txn: &impl ConnectionTrait,
    lead: Uuid,
    town: Uuid,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = lead_priority::ActiveModel {
        major: Set(false),
        major_due_at: Set(None),
        umbrella_due_at: Set(Some(lead_flow::umbrella_take_up_due(at))),
        ..Default::default()
    };
    upsert(txn, lead, town, row, &[lead_priority::Column::UmbrellaDueAt]).await
}

/// The lead became major at `at`: its report is owed 2 h later.
pub async fn became_major(
    txn: &impl ConnectionTrait,
    lead: Uuid,
    town: Uuid,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = lead_priority::ActiveModel {
        major: Set(true),
        major_due_at: Set(Some(lead_flow::major_report_due(at))),
        umbrella_due_at: Set(None),
        ..Default::default()
    };
    upsert(txn, lead, town, row, &[lead_priority::Column::Major, lead_priority::Column::MajorDueAt]).await
}

/// The discipline commission took a step on the lead: it no longer owes taking it up.
pub async fn taken_up(txn: &impl ConnectionTrait, lead: Uuid) -> Result<(), ApiError> {
    lead_priority::Entity::update_many()
        .col_expr(lead_priority::Column::UmbrellaDueAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(lead_priority::Column::LeadId.eq(lead))
        .filter(lead_priority::Column::UmbrellaDueAt.is_not_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Whether the lead is major (for a write that must not repeat the marking).
pub async fn major(txn: &impl ConnectionTrait, lead: Uuid) -> Result<bool, ApiError> {
    let row = lead_priority::Entity::find_by_id(lead).one(txn).await?;
    Ok(row.is_some_and(|p| p.major))
}
