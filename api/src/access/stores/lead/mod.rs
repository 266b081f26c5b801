//! The lead store: what a client may filter and order leads by (each predicate guarded by the
//! field group it reveals, rule 4), the children of a lead (events, subjects, the serials of the
//! gang-crime parts handed over), and the writes of the lead ledger ([`write`]).

mod priority;
mod write;

pub use priority::{LeadPriorities, is_major, major};
pub use write::{LeadChange, bump, event, insert, next_serial, reserve_serials, step, visible_persons, visible_venue};

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use entity::enums::{LeadCategory, LeadSource, LeadStatus};
use entity::{lead, lead_event, lead_priority, lead_subject, person};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, DbBackend, Order};
use uuid::Uuid;

use crate::access::Groups;
use crate::access::page::{KeyKind, SortDirection, sentinel_instant};
use crate::access::resource::{Leads, Persons};
use crate::access::store::{Child, Listed, SortKey, Store, Versioned};
use crate::access::stores::user::{LIKE_ESCAPE, like_literal};
use crate::domain::lead_flow;
use crate::error::ApiError;
use crate::ids::{self, Kind};

/// 线索粗略状态 — RECEIVED, IN_PROGRESS or CONCLUDED: the status shown where the fine one is hidden.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum LeadCoarseStatus {
    /// 已接收 — registered, not yet transferred.
    Received,
    /// 办理中 — transferred, under review, decided or being verified.
    InProgress,
    /// 已办结 — substantiated or unfounded.
    Concluded,
}

pub fn coarse(status: LeadStatus) -> LeadCoarseStatus {
    match lead_flow::coarse(status) {
        "RECEIVED" => LeadCoarseStatus::Received,
        "CONCLUDED" => LeadCoarseStatus::Concluded,
        _ => LeadCoarseStatus::InProgress,
    }
}

/// 线索筛选 — conditions on leads; one on a guarded field matches only rows where the viewer reads that field.
#[derive(InputObject, Default, Clone)]
pub struct LeadFilter {
    /// 线索状态 — leads in these fine statuses. Needs `handling`.
    pub status: Option<Vec<LeadStatus>>,
    /// 粗略状态 — leads in this coarse status.
    pub coarse_status: Option<LeadCoarseStatus>,
    /// 线索来源 — leads from this source. Needs `submission`.
    pub source: Option<LeadSource>,
    /// 线索类别 — leads of this category. Needs `submission`.
    pub category: Option<LeadCategory>,
    /// 保护伞 — umbrella leads (true) or ordinary ones (false).
    pub is_umbrella: Option<bool>,
    /// 接收单位 — leads received by this unit. Needs `receipt`.
    pub receiving_unit_id: Option<ID>,
    /// 核查单位 — leads assigned to this unit to verify. Needs `handling`.
    pub assignee_unit_id: Option<ID>,
    /// 逾期 — past the deadline of the current duty. Needs `handling`.
    pub overdue: Option<bool>,
    /// 接收起始 — leads received at or after this instant. Needs `receipt`.
    pub received_from: Option<DateTime<Utc>>,
    /// 接收截止 — leads received at or before this instant. Needs `receipt`.
    pub received_to: Option<DateTime<Utc>>,
    /// 增量同步：此时刻之后变更的记录 — rows changed after this instant (`updatedAt`), for a
    /// client that syncs only what changed. Needs every field group on the row, as `updatedAt`.
    pub changed_since: Option<DateTime<Utc>>,
    /// 重大线索 — major leads (true) or the others (false). Needs `handling`.
    pub major: Option<bool>,
    /// 全文检索 — leads whose summary, content or subjects' names contain this text (case does not
    /// matter). Needs `submission`; a subject person's name counts only where the viewer reads
    /// that person.
    pub text: Option<String>,
    /// 线索编号 — the lead with this serial (`2026-0042`); none when it is outside the viewer's scope.
    pub serial: Option<String>,
}

/// 线索排序字段 — what a lead list may be ordered by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeadOrderField {
    /// 接收时间 — newest first by default direction DESC is usual; rows whose receipt the viewer may not
    /// see sort last.
    #[default]
    ReceivedAt,
    /// 期限 — the current duty's deadline; rows without one (or whose handling is hidden) sort last.
    Deadline,
    /// 线索编号 — by serial number.
    Serial,
}

/// 线索排序 — the order of a lead list.
#[derive(InputObject, Default)]
pub struct LeadOrder {
    /// 排序字段 — the field to order by.
    #[graphql(default)]
    pub field: LeadOrderField,
    /// 排序方向 — ascending or descending.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl Listed for Leads {
    type Filter = LeadFilter;
    type Order = LeadOrderField;

    fn filter(store: &Store<'_>, groups: &Groups<Self>, filter: LeadFilter) -> Result<Condition, ApiError> {
        filter_condition(store, groups, filter)
    }

    /// A receipt or deadline the viewer may not read on a row sorts as the sentinel, last
    /// ([`Store::list`]); a missing deadline too.
    fn sort_key(order: LeadOrderField, _backend: DbBackend) -> SortKey {
        match order {
            // Never NULL: the bare column, so the indexes on (town, received_at, id) and (town,
            // umbrella, received_at, id) give the page in order (a COALESCE hid them).
            LeadOrderField::ReceivedAt => SortKey {
                expr: Expr::col((lead::Entity, lead::Column::ReceivedAt)),
                kind: KeyKind::Instant,
                group: "receipt",
            },
            LeadOrderField::Deadline => SortKey {
                expr: Func::coalesce([deadline_sql(), Expr::val(sentinel_instant())]).into(),
                kind: KeyKind::Instant,
                group: "handling",
            },
            LeadOrderField::Serial => {
                SortKey { expr: Expr::col((lead::Entity, lead::Column::Serial)), kind: KeyKind::Text, group: "shell" }
            }
        }
    }
}

/// The SQL condition of a `LeadFilter` (the list and the export share it).
pub fn filter_condition(store: &Store<'_>, groups: &Groups<Leads>, filter: LeadFilter) -> Result<Condition, ApiError> {
    let viewer = store.viewer;
    // Rule 4: see `Groups::filter`.
    let guard = |group: &str, cond: Condition| groups.filter(viewer, group, cond);
    let mut cond = Condition::all();
    if let Some(statuses) = filter.status {
        cond = cond.add(guard("handling", Condition::all().add(lead::Column::Status.is_in(statuses)))?);
    }
    if let Some(c) = filter.coarse_status {
        let statuses = [
            LeadStatus::Registered,
            LeadStatus::Transferred,
            LeadStatus::UnderReview,
            LeadStatus::Escalated,
            LeadStatus::LocalHandling,
            LeadStatus::Verifying,
            LeadStatus::Substantiated,
            LeadStatus::Unfounded,
        ]
        .into_iter()
        .filter(|s| coarse(*s) == c);
        cond = cond.add(guard("shell", Condition::all().add(lead::Column::Status.is_in(statuses)))?);
    }
    if let Some(source) = filter.source {
        cond = cond.add(guard("submission", Condition::all().add(lead::Column::Source.eq(source)))?);
    }
    if let Some(category) = filter.category {
        cond = cond.add(guard("submission", Condition::all().add(lead::Column::Category.eq(category)))?);
    }
    if let Some(umbrella) = filter.is_umbrella {
        cond = cond.add(guard("shell", Condition::all().add(lead::Column::Umbrella.eq(umbrella)))?);
    }
    if let Some(unit) = filter.receiving_unit_id {
        let unit = ids::decode_as(&unit, Kind::OrgUnit).unwrap_or_else(Uuid::nil);
        cond = cond.add(guard("receipt", Condition::all().add(lead::Column::ReceivingUnitId.eq(unit)))?);
    }
    if let Some(unit) = filter.assignee_unit_id {
        let unit = ids::decode_as(&unit, Kind::OrgUnit).unwrap_or_else(Uuid::nil);
        cond = cond.add(guard("handling", Condition::all().add(lead::Column::AssigneeUnitId.eq(unit)))?);
    }
    if let Some(from) = filter.received_from {
        cond = cond.add(guard("receipt", Condition::all().add(lead::Column::ReceivedAt.gte(from)))?);
    }
    if let Some(to) = filter.received_to {
        cond = cond.add(guard("receipt", Condition::all().add(lead::Column::ReceivedAt.lte(to)))?);
    }
    if let Some(overdue) = filter.overdue {
        let o = overdue_condition(Utc::now());
        cond = cond.add(guard("handling", if overdue { o } else { o.not() })?);
    }
    if let Some(at) = filter.changed_since {
        cond = cond.add(groups.changed_since(viewer, at)?);
    }
    if let Some(major) = filter.major {
        let majors = Query::select()
            .column(lead_priority::Column::LeadId)
            .from(lead_priority::Entity)
            .and_where(lead_priority::Column::TownId.eq(viewer.town_id))
            .and_where(lead_priority::Column::Major.eq(true))
            .to_owned();
        let is_major =
            if major { lead::Column::Id.in_subquery(majors) } else { lead::Column::Id.not_in_subquery(majors) };
        cond = cond.add(guard("handling", Condition::all().add(is_major))?);
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        cond = cond.add(guard("submission", text_condition(store, text))?);
    }
    if let Some(serial) = filter.serial {
        cond = cond.add(guard("shell", Condition::all().add(lead::Column::Serial.eq(serial.trim())))?);
    }
    Ok(cond)
}

/// Leads whose summary, content or a subject's name holds `text`, case aside (`LOWER(…) LIKE`,
/// which PostgreSQL answers from the trigram indexes of migration 000014). A subject person's
/// name counts only on persons the viewer reads with their `basic` group: the search must not
/// tell of a name the viewer could not read.
fn text_condition(store: &Store<'_>, text: &str) -> Condition {
    let pattern = like_literal(&text.to_lowercase());
    let like = |expr: Expr| Expr::expr(Func::lower(expr)).like(LikeExpr::new(pattern.clone()).escape(LIKE_ESCAPE));
    let named = Query::select()
        .column(lead_subject::Column::LeadId)
        .from(lead_subject::Entity)
        .and_where(like(Expr::col((lead_subject::Entity, lead_subject::Column::Name))))
        .to_owned();
    let mut any = Condition::any()
        .add(like(Expr::col((lead::Entity, lead::Column::Summary))))
        .add(like(Expr::col((lead::Entity, lead::Column::Content))))
        .add(lead::Column::Id.in_subquery(named));
    if let Some(readable) = store.access.rows::<Persons>(store.viewer, "read") {
        let basic = store.access.groups::<Persons>(store.viewer).condition(store.viewer, "basic");
        let persons = Query::select()
            .column((person::Entity, person::Column::Id))
            .from(person::Entity)
            .cond_where(Condition::all().add(readable).add(basic))
            .and_where(like(Expr::col((person::Entity, person::Column::Name))))
            .to_owned();
        let by_person = Query::select()
            .column(lead_subject::Column::LeadId)
            .from(lead_subject::Entity)
            .and_where(lead_subject::Column::PersonId.in_subquery(persons))
            .to_owned();
        any = any.add(lead::Column::Id.in_subquery(by_person));
    }
    any
}

/// Leads past the deadline of their current duty.
fn overdue_condition(now: DateTime<Utc>) -> Condition {
    // Each branch says `due IS NOT NULL` so it is false, never NULL, on a row without a due
    // time: `NOT` of it (the `overdue: false` filter) must then hold, as the field says.
    let branch = |status: LeadStatus, due: lead::Column| {
        Condition::all().add(lead::Column::Status.eq(status)).add(due.is_not_null()).add(due.lt(now))
    };
    Condition::any()
        .add(branch(LeadStatus::Registered, lead::Column::TransferDueAt))
        .add(branch(LeadStatus::Transferred, lead::Column::ReviewDueAt))
        .add(branch(LeadStatus::Verifying, lead::Column::Deadline))
}

/// The current duty's deadline as SQL (the same rule as `Lead::deadline`).
fn deadline_sql() -> Expr {
    Expr::case(
        Expr::col((lead::Entity, lead::Column::Status)).eq(LeadStatus::Registered),
        Expr::col((lead::Entity, lead::Column::TransferDueAt)),
    )
    .case(
        Expr::col((lead::Entity, lead::Column::Status)).eq(LeadStatus::Transferred),
        Expr::col((lead::Entity, lead::Column::ReviewDueAt)),
    )
    .case(
        Expr::col((lead::Entity, lead::Column::Status)).eq(LeadStatus::Verifying),
        Expr::col((lead::Entity, lead::Column::Deadline)),
    )
    .into()
}

impl Versioned for Leads {
    fn id_column() -> lead::Column {
        lead::Column::Id
    }
    fn version_column() -> lead::Column {
        lead::Column::Version
    }
    fn updated_at_column() -> lead::Column {
        lead::Column::UpdatedAt
    }
    const NOUN: (&'static str, &'static str) = ("lead", "线索");
}

/// A lead's steps, oldest first: part of its `handling`.
pub struct LeadEvents;

impl Child for LeadEvents {
    type Parent = Leads;
    type Entity = lead_event::Entity;
    const GROUP: &'static str = "handling";
    fn parent_column() -> lead_event::Column {
        lead_event::Column::LeadId
    }
    fn parent_of(child: &lead_event::Model) -> Uuid {
        child.lead_id
    }
    fn order() -> Vec<(lead_event::Column, Order)> {
        vec![(lead_event::Column::CreatedAt, Order::Asc), (lead_event::Column::Id, Order::Asc)]
    }
}

/// The persons and names a lead is about: part of its `submission`.
pub struct LeadSubjects;

impl Child for LeadSubjects {
    type Parent = Leads;
    type Entity = lead_subject::Entity;
    const GROUP: &'static str = "submission";
    fn parent_column() -> lead_subject::Column {
        lead_subject::Column::LeadId
    }
    fn parent_of(child: &lead_subject::Model) -> Uuid {
        child.lead_id
    }
    fn order() -> Vec<(lead_subject::Column, Order)> {
        vec![(lead_subject::Column::Id, Order::Asc)]
    }
}

/// The ordinary leads an umbrella lead's gang-crime part was handed over to, by serial: part of
/// the umbrella lead's `handling`. Only their serials are ever served: the discipline commission
/// sees that, and under which number, it handed a part over; the new lead itself it cannot open
/// (access.md: rows of umbrella leads only).
pub struct GangParts;

impl Child for GangParts {
    type Parent = Leads;
    type Entity = lead::Entity;
    const GROUP: &'static str = "handling";
    fn parent_column() -> lead::Column {
        lead::Column::HandedOverFromLeadId
    }
    fn parent_of(child: &lead::Model) -> Uuid {
        child.handed_over_from_lead_id.unwrap_or_default()
    }
    fn order() -> Vec<(lead::Column, Order)> {
        vec![(lead::Column::Serial, Order::Asc)]
    }
}
