//! The risk store: what a client may filter and order risk items by, the detail each item holds
//! (daily checks, feedback, events), the monthly counts and the steps of the lifecycle.
//!
//! Filters and orders on a group's fields hold only on rows where the viewer holds the group
//! (access.md rule 4); the detail is read only under items the viewer reads with `detail`.

mod write;

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use entity::enums::{EscalationLevel, RiskCategory, RiskLevel, RiskStatus};
use entity::{risk_check, risk_drill, risk_event, risk_feedback, risk_item, risk_plan_revision, risk_weekly_update};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter, QuerySelect, Select,
};
use uuid::Uuid;

pub use self::write::{
    NewPlan, NewRisk, RiskChange, change, event, has_plan, record_check, record_drill, record_feedback,
    record_weekly_update, report, save_plan,
};
use crate::access::Groups;
use crate::access::page::{self, KeyKind, SortDirection};
use crate::access::resource::RiskItems;
use crate::access::store::{Child, Listed, SortKey, Store, Versioned};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::ids::{self, Kind};

/// 风险筛选 — conditions on risk items; one on a guarded field matches only rows where the viewer reads that field.
#[derive(InputObject, Default, Clone)]
pub struct RiskFilter {
    /// 风险类别 — items of this category.
    pub category: Option<RiskCategory>,
    /// 风险等级 — items assessed at this level.
    pub level: Option<Vec<RiskLevel>>,
    /// 风险状态 — items in this status.
    pub status: Option<Vec<RiskStatus>>,
    /// 联席会议级别 — items before this joint meeting.
    pub escalation_level: Option<EscalationLevel>,
    /// 村（社区） — items in this village.
    pub village_id: Option<ID>,
    /// 单位 — items whose territorial, sector or assignee unit is this one.
    pub unit_id: Option<ID>,
    /// 逾期 — past the T+2 deadline without feedback (true) or not (false).
    pub overdue: Option<bool>,
    /// 增量同步：此时刻之后变更的记录 — rows changed after this instant (`updatedAt`), for a
    /// client that syncs only what changed. Needs every field group on the row, as `updatedAt`.
    pub changed_since: Option<DateTime<Utc>>,
}

/// 风险排序字段 — what a risk item list may be ordered by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum RiskOrderField {
    /// 上报时间 — when the item was reported.
    #[default]
    ReportedAt,
    /// 反馈期限 — the T+2 feedback deadline; items without one sort last.
    FeedbackDue,
}

/// 风险排序 — the order of a risk item list.
#[derive(InputObject, Default)]
pub struct RiskOrder {
    /// 排序字段 — the field to order by.
    #[graphql(default)]
    pub field: RiskOrderField,
    /// 排序方向 — ascending or descending.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl Listed for RiskItems {
    type Filter = RiskFilter;
    type Order = RiskOrderField;

    fn filter(store: &Store<'_>, groups: &Groups<Self>, filter: RiskFilter) -> Result<Condition, ApiError> {
        filter_condition(store.viewer, groups, filter)
    }

    /// Both keys are `basic`.
    fn sort_key(order: RiskOrderField, _backend: DbBackend) -> SortKey {
        let expr = match order {
            RiskOrderField::ReportedAt => Expr::col((risk_item::Entity, risk_item::Column::CreatedAt)),
            // `Func`, not a custom `$1` template: SQLite's placeholders are `?`.
            RiskOrderField::FeedbackDue => Func::coalesce([
                Expr::col((risk_item::Entity, risk_item::Column::FeedbackDueAt)),
                Expr::val(page::sentinel_instant()),
            ])
            .into(),
        };
        SortKey { expr, kind: KeyKind::Instant, group: "basic" }
    }
}

/// The SQL condition of a `RiskFilter` (the list and the export share it), every predicate
/// guarded by its group (rule 4: see [`Groups::filter`]).
pub fn filter_condition(
    viewer: &Viewer,
    groups: &Groups<RiskItems>,
    filter: RiskFilter,
) -> Result<Condition, ApiError> {
    let guard = |group: &str, cond: Condition| groups.filter(viewer, group, cond);
    let mut all = Condition::all();
    if let Some(category) = filter.category {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::Category.eq(category)))?);
    }
    if let Some(levels) = filter.level {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::Level.is_in(levels)))?);
    }
    if let Some(statuses) = filter.status {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::Status.is_in(statuses)))?);
    }
    if let Some(level) = filter.escalation_level {
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::EscalationLevel.eq(level)))?);
    }
    if let Some(village) = filter.village_id {
        let village = ids::decode_as(&village, Kind::Village).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(risk_item::Column::VillageId.eq(village)))?);
    }
    if let Some(unit) = filter.unit_id {
        let unit = ids::decode_as(&unit, Kind::OrgUnit).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(of_unit(unit)))?);
    }
    if let Some(overdue) = filter.overdue {
        let cond = overdue_condition(Utc::now());
        all = all.add(guard("basic", if overdue { cond } else { cond.not() })?);
    }
    if let Some(at) = filter.changed_since {
        all = all.add(groups.changed_since(viewer, at)?);
    }
    Ok(all)
}

/// Items past their T+2 deadline without feedback (the same rule as `risk_flow::is_overdue`).
/// Every column is tested for NULL explicitly, so the negation holds every other row.
fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(risk_item::Column::Status.eq(RiskStatus::Assessed))
        .add(risk_item::Column::FeedbackDueAt.is_not_null())
        .add(risk_item::Column::FeedbackDueAt.lt(now))
}

impl Versioned for RiskItems {
    fn id_column() -> risk_item::Column {
        risk_item::Column::Id
    }
    fn version_column() -> risk_item::Column {
        risk_item::Column::Version
    }
    fn updated_at_column() -> risk_item::Column {
        risk_item::Column::UpdatedAt
    }
    const NOUN: (&'static str, &'static str) = ("risk item", "风险隐患");
}

/// One child table of risk items, in the item's `detail` group (or the group named).
macro_rules! detail_child {
    ($(#[$doc:meta])* $name:ident, $module:ident, $on:ident, $direction:ident) => {
        detail_child!($(#[$doc])* $name, $module, $on, $direction, "detail");
    };
    ($(#[$doc:meta])* $name:ident, $module:ident, $on:ident, $direction:ident, $group:literal) => {
        $(#[$doc])*
        pub struct $name;
        impl Child for $name {
            type Parent = RiskItems;
            type Entity = $module::Entity;
            const GROUP: &'static str = $group;
            fn parent_column() -> $module::Column {
                $module::Column::RiskItemId
            }
            fn parent_of(child: &$module::Model) -> Uuid {
                child.risk_item_id
            }
            fn order() -> Vec<($module::Column, Order)> {
                vec![($module::Column::$on, Order::$direction), ($module::Column::Id, Order::$direction)]
            }
        }
    };
}
detail_child!(
    /// The daily checks of a risk item, newest first.
    Checks,
    risk_check,
    CheckedOn,
    Desc
);
detail_child!(
    /// The feedback on a risk item, oldest first (a thread).
    Feedback,
    risk_feedback,
    CreatedAt,
    Asc
);
detail_child!(
    /// The history of a risk item, oldest first.
    Events,
    risk_event,
    CreatedAt,
    Asc
);

detail_child!(
    /// The revisions of a risk item's emergency plan, newest first (the first is in force).
    PlanRevisions,
    risk_plan_revision,
    Revision,
    Desc,
    "emergency"
);
detail_child!(
    /// The drills of a risk item's emergency plan, newest first.
    Drills,
    risk_drill,
    HeldOn,
    Desc,
    "emergency"
);
detail_child!(
    /// The town's weekly updates of a risk item, newest first.
    WeeklyUpdates,
    risk_weekly_update,
    UpdatedOn,
    Desc,
    "emergency"
);

/// Which of `items` have an emergency plan, among those the viewer reads with `detail`: the
/// one fact of the plan a village reads (that it exists), never its content.
pub async fn planned(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    items: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, ApiError> {
    let Some(held) = store.holding_among::<RiskItems>("detail", items, db.get_database_backend()) else {
        return Ok(Default::default());
    };
    let rows: Vec<Uuid> = risk_plan_revision::Entity::find()
        .select_only()
        .column(risk_plan_revision::Column::RiskItemId)
        .distinct()
        .filter(risk_plan_revision::Column::RiskItemId.in_subquery(held))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Risk items as a scoped query: the rows a caller counts from (`riskStats`, the monthly report).
pub type Items = Select<risk_item::Entity>;

/// Items of `items` reported in [`start`, `end`), per level (`None`: not yet assessed): how many,
/// and how many of those are resolved. The caller scopes `items` and checks that the viewer reads
/// `basic` on every row of it (rule 4: grouping by level is a filter on `basic`).
pub async fn month_counts(
    db: &impl ConnectionTrait,
    items: Items,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<(Option<RiskLevel>, i64, i64)>, ApiError> {
    let resolved: Expr = Expr::case(risk_item::Column::Status.eq(RiskStatus::Resolved), 1).finally(0).into();
    Ok(items
        .select_only()
        .column(risk_item::Column::Level)
        .column_as(Expr::col((risk_item::Entity, risk_item::Column::Id)).count(), "found")
        .column_as(resolved.sum(), "resolved")
        .filter(risk_item::Column::CreatedAt.gte(start))
        .filter(risk_item::Column::CreatedAt.lt(end))
        .group_by(risk_item::Column::Level)
        .into_tuple()
        .all(db)
        .await?)
}

/// The items a unit answers for: it is their territorial, sector or assignee unit (the filter
/// `unitId`, and a unit's monthly report).
pub fn of_unit(unit: Uuid) -> Condition {
    Condition::any()
        .add(risk_item::Column::TerritorialUnitId.eq(unit))
        .add(risk_item::Column::SectorUnitId.eq(unit))
        .add(risk_item::Column::AssigneeUnitId.eq(unit))
}
