//! The writes of the lead ledger, each inside the caller's transaction: a new lead with its
//! subjects, a lifecycle step (version-locked), its event, and the town's serial counter. The
//! resolvers validate, check the permission and record the audit entry; no event written here
//! ever carries the reporter.

use chrono::{DateTime, Utc};
use entity::enums::{CountyAnswer, LeadCategory, LeadEventKind, LeadStatus, UnitKind};
use entity::{lead, lead_event, lead_serial_counter, lead_subject, person, venue};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::priority;
use crate::access::resource::{Leads, Persons, Venues};
use crate::access::store::{Store, locked_update};
use crate::auth::Viewer;
use crate::domain::lead_flow;
use crate::error::ApiError;

/// Inserts a new lead (its serial from [`next_serial`]) with the persons and names it is about,
/// and what it owes at once for its priority: an umbrella lead's taking up by the discipline
/// commission, a major lead's report.
pub async fn insert(
    txn: &impl ConnectionTrait,
    lead: lead::Model,
    persons: &[Uuid],
    names: &[String],
    major: bool,
) -> Result<(), ApiError> {
    let (id, town, at, umbrella) = (lead.id, lead.town_id, lead.created_at, lead.umbrella);
    lead.into_active_model().reset_all().insert(txn).await?;
    if umbrella {
        priority::became_umbrella(txn, id, town, at).await?;
    }
    if major {
        priority::became_major(txn, id, town, at).await?;
    }
    let rows: Vec<lead_subject::ActiveModel> = persons
        .iter()
        .map(|p| lead_subject::ActiveModel {
            id: Set(Uuid::now_v7()),
            lead_id: Set(id),
            person_id: Set(Some(*p)),
            name: Set(None),
        })
        .chain(names.iter().map(|n| lead_subject::ActiveModel {
            id: Set(Uuid::now_v7()),
            lead_id: Set(id),
            person_id: Set(None),
            name: Set(Some(n.clone())),
        }))
        .collect();
    if !rows.is_empty() {
        lead_subject::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(())
}

/// What a lifecycle step changes on a lead: each field given is written, the others stay (a
/// nullable field is given as `Some(None)` to clear it).
#[derive(Default)]
pub struct LeadChange {
    pub status: Option<LeadStatus>,
    pub umbrella: Option<bool>,
    pub involves_official: Option<bool>,
    pub category: Option<LeadCategory>,
    pub assignee_unit_id: Option<Option<Uuid>>,
    pub responsible_leader: Option<Option<String>>,
    pub responsible_person: Option<Option<String>>,
    pub measures: Option<Option<String>>,
    pub deadline: Option<Option<DateTime<Utc>>>,
    pub transfer_due_at: Option<Option<DateTime<Utc>>>,
    pub review_due_at: Option<Option<DateTime<Utc>>>,
    pub county_answer: Option<Option<CountyAnswer>>,
    pub conclusion: Option<Option<String>>,
    pub concluded_at: Option<Option<DateTime<Utc>>>,
    /// `Some(true)`: the lead becomes major (kept in `lead_priority`, never cleared).
    pub major: Option<bool>,
}

impl LeadChange {
    fn into_active(self, id: Uuid) -> lead::ActiveModel {
        fn set<T: Into<sea_orm::Value>>(value: Option<T>) -> ActiveValue<T> {
            value.map_or(ActiveValue::NotSet, Set)
        }
        lead::ActiveModel {
            id: ActiveValue::Unchanged(id),
            status: set(self.status),
            umbrella: set(self.umbrella),
            involves_official: set(self.involves_official),
            category: set(self.category),
            assignee_unit_id: set(self.assignee_unit_id),
            responsible_leader: set(self.responsible_leader),
            responsible_person: set(self.responsible_person),
            measures: set(self.measures),
            deadline: set(self.deadline),
            transfer_due_at: set(self.transfer_due_at),
            review_due_at: set(self.review_due_at),
            county_answer: set(self.county_answer),
            conclusion: set(self.conclusion),
            concluded_at: set(self.concluded_at),
            ..Default::default()
        }
    }
}

/// Writes a lifecycle step: `change` on the current row (only if nobody changed it meanwhile,
/// else `CONFLICT`) and its event, with the status it moved from and to when it moved; and what
/// the step changes of the lead's priority ([`priority`]): turning umbrella or major starts a
/// duty, and any step of the discipline commission is its taking up of the lead.
pub async fn step(
    txn: &impl ConnectionTrait,
    current: &lead::Model,
    change: LeadChange,
    kind: LeadEventKind,
    by: &Viewer,
    note: Option<String>,
) -> Result<(), ApiError> {
    let to = change.status.filter(|s| *s != current.status);
    let turns_umbrella = change.umbrella == Some(true) && !current.umbrella;
    let turns_major = change.major == Some(true);
    locked_update::<Leads>(txn, current.id, current.version, change.into_active(current.id)).await?;
    let now = Utc::now();
    if turns_umbrella {
        priority::became_umbrella(txn, current.id, current.town_id, now).await?;
    }
    if turns_major {
        priority::became_major(txn, current.id, current.town_id, now).await?;
    }
    taken_up_by(txn, current, by).await?;
    event(txn, current.id, kind, Some(by), to.map(|_| current.status), to, note).await
}

/// Bumps the version of a lead whose change is elsewhere (a hand-over), only if nobody changed
/// it meanwhile; like any step of the discipline commission, it takes the lead up.
pub async fn bump(txn: &impl ConnectionTrait, current: &lead::Model, by: &Viewer) -> Result<(), ApiError> {
    locked_update::<Leads>(txn, current.id, current.version, LeadChange::default().into_active(current.id)).await?;
    taken_up_by(txn, current, by).await
}

/// The discipline commission's first step on an umbrella lead ends its duty to take it up.
async fn taken_up_by(txn: &impl ConnectionTrait, current: &lead::Model, by: &Viewer) -> Result<(), ApiError> {
    if by.unit_kind == UnitKind::DisciplineCommission {
        priority::taken_up(txn, current.id).await?;
    }
    Ok(())
}

/// Appends a step to a lead's history.
pub async fn event(
    txn: &impl ConnectionTrait,
    lead: Uuid,
    kind: LeadEventKind,
    by: Option<&Viewer>,
    from: Option<LeadStatus>,
    to: Option<LeadStatus>,
    note: Option<String>,
) -> Result<(), ApiError> {
    lead_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(lead),
        kind: Set(kind),
        actor_user_id: Set(by.map(|v| v.user_id)),
        actor_unit_id: Set(by.map(|v| v.unit_id)),
        from_status: Set(from),
        to_status: Set(to),
        note: Set(note),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The next serial of the town's year, inside the caller's transaction: the counter row is
/// locked by the increment until commit, so concurrent registrations never share or skip one.
pub async fn next_serial(txn: &impl ConnectionTrait, town: Uuid, now: DateTime<Utc>) -> Result<(i32, i32), ApiError> {
    let year = lead_flow::serial_year(now);
    Ok((year, reserve_serials(txn, town, year, 1).await?))
}

/// Reserves `count` consecutive serial numbers of the town's year and returns the first, the
/// same way a registration takes one (a synthetic world registers many at once).
pub async fn reserve_serials(txn: &impl ConnectionTrait, town: Uuid, year: i32, count: i32) -> Result<i32, ApiError> {
    lead_serial_counter::Entity::insert(lead_serial_counter::ActiveModel {
        town_id: Set(town),
        year: Set(year),
        last_number: Set(0),
    })
    .on_conflict_do_nothing_on([lead_serial_counter::Column::TownId, lead_serial_counter::Column::Year])
    .exec_without_returning(txn)
    .await?;
    lead_serial_counter::Entity::update_many()
        .col_expr(
            lead_serial_counter::Column::LastNumber,
            Expr::col(lead_serial_counter::Column::LastNumber).add(count),
        )
        .filter(lead_serial_counter::Column::TownId.eq(town))
        .filter(lead_serial_counter::Column::Year.eq(year))
        .exec(txn)
        .await?;
    let counter = lead_serial_counter::Entity::find()
        .filter(lead_serial_counter::Column::TownId.eq(town))
        .filter(lead_serial_counter::Column::Year.eq(year))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("serial counter vanished")))?;
    Ok(counter.last_number - count + 1)
}

/// The ids among `wanted` of the persons the viewer reads (a lead's subjects); `None` when the
/// viewer reads no person at all.
pub async fn visible_persons(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    wanted: &[Uuid],
) -> Result<Option<Vec<Uuid>>, ApiError> {
    let Ok(select) = store.access.select::<Persons>(store.viewer) else { return Ok(None) };
    let found = select.filter(person::Column::Id.is_in(wanted.to_vec())).all(db).await?;
    Ok(Some(found.into_iter().map(|p| p.id).collect()))
}

/// The venue `id` when the viewer reads it (a lead's related venue).
pub async fn visible_venue(store: &Store<'_>, db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Uuid>, ApiError> {
    let Ok(select) = store.access.select::<Venues>(store.viewer) else { return Ok(None) };
    Ok(select.filter(venue::Column::Id.eq(id)).one(db).await?.map(|v| v.id))
}
