//! The venue store: what a client may filter and order the key venues by, the record each venue
//! holds (inspections, incidents, level history) and the writes of the venue ledger.
//!
//! Filters and orders on a group's fields hold only on rows where the viewer holds the group
//! (access.md rule 4); the record is read only under venues the viewer reads with `record`.

mod write;

use std::collections::HashMap;

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AttentionLevel, RecordStatus, VenueType};
use entity::{venue, venue_incident, venue_inspection, venue_level_change, venue_penalty};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter, QuerySelect};
use uuid::Uuid;

pub(in crate::access) use self::write::given;
pub use self::write::{
    Decision, NewInspection, NewVenue, NewVenueIncident, NewVenuePenalty, VenueChange, already_decided,
    conflict_licence, decide_step_down, held_by_key, last_incident_on, last_ordinary_lead, licence_free, raise,
    record_incident, record_inspection, record_penalty, request_step_down, step_down_pending, step_down_request,
    update,
};
use crate::access::Groups;
use crate::access::duty;
use crate::access::page::{KeyKind, SortDirection};
use crate::access::resource::Venues;
use crate::access::store::{Child, Listed, SortKey, Store, Versioned};
use crate::auth::Viewer;
use crate::domain::validate;
use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::scalars::Date;

/// 场所筛选 — conditions on venues; one on a guarded field matches only rows where the viewer reads that field.
#[derive(InputObject, Default, Clone)]
pub struct VenueFilter {
    /// 村（社区） — venues in this village.
    pub village_id: Option<ID>,
    /// 关注等级 — venues at this attention level.
    pub attention_level: Option<Vec<AttentionLevel>>,
    /// 场所类型 — venues of this type.
    pub venue_type: Option<VenueType>,
    /// 在管状态 — venues on the ledger or delisted.
    pub status: Option<RecordStatus>,
    /// 名称前缀 — names starting with this text.
    pub name_prefix: Option<String>,
    /// 列管起始 — listed on or after this date.
    pub listed_from: Option<Date>,
    /// 列管截止 — listed on or before this date.
    pub listed_to: Option<Date>,
    /// 检查逾期 — whose inspection is overdue (true) or not (false). Needs the `record` group.
    pub overdue: Option<bool>,
    /// 降级待批 — venues with a step-down request waiting for a decision (true) or without
    /// (false): the coordination office's queue. Needs the `record` group.
    pub step_down_pending: Option<bool>,
    /// 增量同步：此时刻之后变更的记录 — rows changed after this instant (`updatedAt`), for a
    /// client that syncs only what changed. Needs every field group on the row, as `updatedAt`.
    pub changed_since: Option<DateTime<Utc>>,
}

/// 场所排序字段 — what a venue list may be ordered by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum VenueOrderField {
    /// 场所名称 — by name.
    #[default]
    Name,
    /// 列管日期 — by the date listed.
    ListedAt,
    /// 下次检查 — the date the next inspection is due (needs the `record` group).
    NextDue,
}

/// 场所排序 — the order of a venue list.
#[derive(InputObject, Default)]
pub struct VenueOrder {
    /// 排序字段 — the field to order by.
    #[graphql(default)]
    pub field: VenueOrderField,
    /// 排序方向 — ascending or descending.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl Listed for Venues {
    type Filter = VenueFilter;
    type Order = VenueOrderField;

    fn filter(store: &Store<'_>, groups: &Groups<Self>, filter: VenueFilter) -> Result<Condition, ApiError> {
        filter_condition(store.viewer, groups, filter)
    }

    fn sort_key(order: VenueOrderField, backend: DbBackend) -> SortKey {
        // Name and listing date are `basic`; the next inspection due date also needs the
        // inspections (`record`).
        match order {
            VenueOrderField::Name => {
                SortKey { expr: Expr::col((venue::Entity, venue::Column::Name)), kind: KeyKind::Text, group: "basic" }
            }
            VenueOrderField::ListedAt => SortKey {
                expr: Expr::col((venue::Entity, venue::Column::ListedAt)),
                kind: KeyKind::Date,
                group: "basic",
            },
            VenueOrderField::NextDue => {
                SortKey { expr: duty::INSPECTIONS.next_due(backend), kind: KeyKind::Date, group: "record" }
            }
        }
    }
}

/// The SQL condition of a filter (the list and the export share it), every predicate guarded by
/// its group (rule 4: see [`Groups::filter`]).
pub fn filter_condition(viewer: &Viewer, groups: &Groups<Venues>, filter: VenueFilter) -> Result<Condition, ApiError> {
    let guard = |group: &str, cond: Condition| groups.filter(viewer, group, cond);
    let mut all = Condition::all();
    if let Some(village) = filter.village_id {
        let village = ids::decode_as(&village, Kind::Village).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(venue::Column::VillageId.eq(village)))?);
    }
    if let Some(levels) = filter.attention_level {
        all = all.add(guard("basic", Condition::all().add(venue::Column::AttentionLevel.is_in(levels)))?);
    }
    if let Some(venue_type) = filter.venue_type {
        all = all.add(guard("basic", Condition::all().add(venue::Column::VenueType.eq(venue_type)))?);
    }
    if let Some(status) = filter.status {
        all = all.add(guard("basic", Condition::all().add(venue::Column::Status.eq(status)))?);
    }
    if let Some(prefix) = filter.name_prefix {
        let prefix = validate::optional_text("filter.namePrefix", &prefix, 200)?;
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let like =
            Expr::col((venue::Entity, venue::Column::Name)).like(LikeExpr::new(format!("{escaped}%")).escape('\\'));
        all = all.add(guard("basic", Condition::all().add(like))?);
    }
    if let Some(from) = filter.listed_from {
        all = all.add(guard("basic", Condition::all().add(venue::Column::ListedAt.gte(from.0)))?);
    }
    if let Some(to) = filter.listed_to {
        all = all.add(guard("basic", Condition::all().add(venue::Column::ListedAt.lte(to.0)))?);
    }
    if let Some(overdue) = filter.overdue {
        let cond = duty::INSPECTIONS.overdue(crate::domain::lead_flow::today());
        all = all.add(guard("record", if overdue { cond } else { cond.not() })?);
    }
    if let Some(pending) = filter.step_down_pending {
        let waiting = venue::Column::Id.in_subquery(
            sea_orm::sea_query::Query::select()
                .column(venue_level_change::Column::VenueId)
                .from(venue_level_change::Entity)
                .and_where(venue_level_change::Column::Status.eq(entity::enums::LevelChangeStatus::Pending))
                .to_owned(),
        );
        let cond = Condition::all().add(waiting);
        all = all.add(guard("record", if pending { cond } else { cond.not() })?);
    }
    if let Some(at) = filter.changed_since {
        all = all.add(groups.changed_since(viewer, at)?);
    }
    Ok(all)
}

impl Versioned for Venues {
    fn id_column() -> venue::Column {
        venue::Column::Id
    }
    fn version_column() -> venue::Column {
        venue::Column::Version
    }
    fn updated_at_column() -> venue::Column {
        venue::Column::UpdatedAt
    }
    const NOUN: (&'static str, &'static str) = ("venue", "场所");
}

/// One child table of venues, in the venue's `record` group, newest first.
macro_rules! record_child {
    ($(#[$doc:meta])* $name:ident, $module:ident, $on:ident) => {
        $(#[$doc])*
        pub struct $name;
        impl Child for $name {
            type Parent = Venues;
            type Entity = $module::Entity;
            const GROUP: &'static str = "record";
            fn parent_column() -> $module::Column {
                $module::Column::VenueId
            }
            fn parent_of(child: &$module::Model) -> Uuid {
                child.venue_id
            }
            fn order() -> Vec<($module::Column, Order)> {
                vec![($module::Column::$on, Order::Desc), ($module::Column::Id, Order::Desc)]
            }
        }
    };
}
record_child!(
    /// The inspections of a venue, newest first.
    Inspections,
    venue_inspection,
    InspectedOn
);
record_child!(
    /// The incidents at a venue, newest first.
    Incidents,
    venue_incident,
    OccurredOn
);
record_child!(
    /// The administrative penalties of a venue, newest first.
    Penalties,
    venue_penalty,
    PenalisedOn
);
record_child!(
    /// The changes of a venue's attention level, newest first.
    LevelHistory,
    venue_level_change,
    CreatedAt
);

/// The day of the latest inspection of each of `venues` the viewer reads with `record` (`None`
/// for one never inspected; venues it may not see that of are left out).
pub async fn last_inspections(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    venues: &[Uuid],
) -> Result<HashMap<Uuid, Option<NaiveDate>>, ApiError> {
    let Some(held) = store.holding_among::<Venues>(Inspections::GROUP, venues, db.get_database_backend()) else {
        return Ok(HashMap::new());
    };
    let latest: Vec<(Uuid, Option<NaiveDate>)> = venue_inspection::Entity::find()
        .select_only()
        .column(venue_inspection::Column::VenueId)
        .column_as(Expr::col(venue_inspection::Column::InspectedOn).max(), "last_inspected_on")
        .filter(venue_inspection::Column::VenueId.in_subquery(held))
        .group_by(venue_inspection::Column::VenueId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(latest.into_iter().collect())
}
