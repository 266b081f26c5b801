//! The person store: what a client may filter and order the key persons by, the children a
//! dossier holds (talks, incidents, assessments, measures, categories, tags, level history),
//! and the writes of the person ledger ([`write`], [`link`]).

pub mod link;
pub mod write;

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use entity::enums::{AttentionLevel, JudicialTag, PersonCategory, RecordStatus};
use entity::{
    board_publication, person, person_assessment, person_category, person_incident, person_judicial_tag,
    person_level_change, person_measure, person_talk,
};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::access::Groups;
use crate::access::duty;
use crate::access::page::{KeyKind, SortDirection};
use crate::access::resource::Persons;
use crate::access::store::{Child, Listed, SortKey, Store, Versioned};
use crate::auth::Viewer;
use crate::domain::validate;
use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::scalars::Date;

/// 人员筛选 — conditions on persons; one on a guarded field matches only rows where the viewer reads that field.
#[derive(InputObject, Default, Clone)]
pub struct PersonFilter {
    /// 居住村（社区） — persons living in this village.
    pub village_id: Option<ID>,
    /// 关注等级 — persons at this attention level.
    pub attention_level: Option<Vec<AttentionLevel>>,
    /// 在管状态 — persons on the ledger or delisted.
    pub status: Option<RecordStatus>,
    /// 姓名前缀 — names starting with this text.
    pub name_prefix: Option<String>,
    /// 人员类别 — persons in this category. Needs the `record` group.
    pub category: Option<PersonCategory>,
    /// 司法标签 — persons with this judicial tag. Needs the `record` group.
    pub judicial_tag: Option<JudicialTag>,
    /// 包村民警 — persons whose responsible officer is this user.
    pub responsible_officer_id: Option<ID>,
    /// 列管起始 — listed on or after this date.
    pub listed_from: Option<Date>,
    /// 列管截止 — listed on or before this date.
    pub listed_to: Option<Date>,
    /// 谈话逾期 — whose education talk is overdue (true) or not (false). Needs the `record` group.
    pub talk_overdue: Option<bool>,
    /// 降级待批 — persons with a step-down request waiting for a decision (true) or without
    /// (false): the coordination office's queue. Needs the `record` group.
    pub step_down_pending: Option<bool>,
    /// 村公开栏 — persons with a penalty published on the village board (true) or without
    /// (false). Needs the `board` group.
    pub on_board: Option<bool>,
    /// Released prisoners (刑满释放) within five years of release. Needs the `record` group.
    pub released_within_five_years: Option<bool>,
    /// 增量同步：此时刻之后变更的记录 — rows changed after this instant (`updatedAt`), for a
    /// client that syncs only what changed. Needs every field group on the row, as `updatedAt`.
    pub changed_since: Option<DateTime<Utc>>,
}

/// 人员排序字段 — what a person list may be ordered by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum PersonOrderField {
    /// 姓名 — by name.
    #[default]
    Name,
    /// 列管日期 — by the date listed.
    ListedAt,
    /// 下次谈话 — the date the next education talk is due (needs the `record` group).
    NextDue,
}

/// 人员排序 — the order of a person list.
#[derive(InputObject, Default)]
pub struct PersonOrder {
    /// 排序字段 — the field to order by.
    #[graphql(default)]
    pub field: PersonOrderField,
    /// 排序方向 — ascending or descending.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl Listed for Persons {
    type Filter = PersonFilter;
    type Order = PersonOrderField;

    fn filter(store: &Store<'_>, groups: &Groups<Self>, filter: PersonFilter) -> Result<Condition, ApiError> {
        filter_condition(store.viewer, groups, filter)
    }

    /// Name and listing date are `basic`; the next talk due date also needs the talks
    /// (`record`). It is never NULL: without a talk it counts from the level's start.
    fn sort_key(order: PersonOrderField, backend: DbBackend) -> SortKey {
        match order {
            PersonOrderField::Name => {
                SortKey { expr: Expr::col((person::Entity, person::Column::Name)), kind: KeyKind::Text, group: "basic" }
            }
            PersonOrderField::ListedAt => SortKey {
                expr: Expr::col((person::Entity, person::Column::ListedAt)),
                kind: KeyKind::Date,
                group: "basic",
            },
            PersonOrderField::NextDue => {
                SortKey { expr: duty::TALKS.next_due(backend), kind: KeyKind::Date, group: "record" }
            }
        }
    }
}

/// The SQL condition of a filter (the list and the export share it), each predicate guarded by
/// its field group (rule 4, see [`Groups::filter`]).
pub fn filter_condition(
    viewer: &Viewer,
    groups: &Groups<Persons>,
    filter: PersonFilter,
) -> Result<Condition, ApiError> {
    let guard = |group: &str, cond: Condition| groups.filter(viewer, group, cond);
    let mut all = Condition::all();
    if let Some(village) = filter.village_id {
        let village = ids::decode_as(&village, Kind::Village).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(person::Column::VillageId.eq(village)))?);
    }
    if let Some(levels) = filter.attention_level {
        all = all.add(guard("basic", Condition::all().add(person::Column::AttentionLevel.is_in(levels)))?);
    }
    if let Some(status) = filter.status {
        all = all.add(guard("basic", Condition::all().add(person::Column::Status.eq(status)))?);
    }
    if let Some(prefix) = filter.name_prefix {
        let prefix = validate::optional_text("filter.namePrefix", &prefix, 50)?;
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let like = Expr::col(person::Column::Name).like(LikeExpr::new(format!("{escaped}%")).escape('\\'));
        all = all.add(guard("basic", Condition::all().add(like))?);
    }
    if let Some(category) = filter.category {
        let ids = Query::select()
            .column(person_category::Column::PersonId)
            .from(person_category::Entity)
            .and_where(person_category::Column::Category.eq(category))
            .to_owned();
        all = all.add(guard("record", Condition::all().add(person::Column::Id.in_subquery(ids)))?);
    }
    if let Some(tag) = filter.judicial_tag {
        let ids = Query::select()
            .column(person_judicial_tag::Column::PersonId)
            .from(person_judicial_tag::Entity)
            .and_where(person_judicial_tag::Column::Tag.eq(tag))
            .to_owned();
        all = all.add(guard("record", Condition::all().add(person::Column::Id.in_subquery(ids)))?);
    }
    if let Some(officer) = filter.responsible_officer_id {
        let officer = ids::decode_as(&officer, Kind::User).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(person::Column::ResponsibleOfficerId.eq(officer)))?);
    }
    if let Some(from) = filter.listed_from {
        all = all.add(guard("basic", Condition::all().add(person::Column::ListedAt.gte(from.0)))?);
    }
    if let Some(to) = filter.listed_to {
        all = all.add(guard("basic", Condition::all().add(person::Column::ListedAt.lte(to.0)))?);
    }
    if let Some(overdue) = filter.talk_overdue {
        let cond = duty::TALKS.overdue(crate::domain::lead_flow::today());
        all = all.add(guard("record", if overdue { cond } else { cond.not() })?);
    }
    if let Some(released) = filter.released_within_five_years {
        let since = crate::domain::lead_flow::today() - chrono::Duration::days(5 * 365 + 1);
        let ids = Query::select()
            .column(person_judicial_tag::Column::PersonId)
            .from(person_judicial_tag::Entity)
            .and_where(person_judicial_tag::Column::Tag.eq(JudicialTag::ReleasedPrisoner))
            .and_where(person_judicial_tag::Column::ReleaseDate.gte(since))
            .to_owned();
        let cond = Condition::all().add(person::Column::Id.in_subquery(ids));
        all = all.add(guard("record", if released { cond } else { cond.not() })?);
    }
    if let Some(pending) = filter.step_down_pending {
        let waiting = Query::select()
            .column(person_level_change::Column::PersonId)
            .from(person_level_change::Entity)
            .and_where(person_level_change::Column::Status.eq(entity::enums::LevelChangeStatus::Pending))
            .to_owned();
        let cond = Condition::all().add(person::Column::Id.in_subquery(waiting));
        all = all.add(guard("record", if pending { cond } else { cond.not() })?);
    }
    if let Some(on_board) = filter.on_board {
        let published =
            Query::select().column(board_publication::Column::PersonId).from(board_publication::Entity).to_owned();
        let cond = Condition::all().add(person::Column::Id.in_subquery(published));
        all = all.add(guard("board", if on_board { cond } else { cond.not() })?);
    }
    if let Some(at) = filter.changed_since {
        all = all.add(groups.changed_since(viewer, at)?);
    }
    Ok(all)
}

impl Versioned for Persons {
    const NOUN: (&'static str, &'static str) = ("person", "档案");

    fn id_column() -> person::Column {
        person::Column::Id
    }
    fn version_column() -> person::Column {
        person::Column::Version
    }
    fn updated_at_column() -> person::Column {
        person::Column::UpdatedAt
    }
}

/// One child table of persons, in the `record` group, newest first.
macro_rules! person_child {
    ($(#[$doc:meta])* $name:ident, $module:ident, [$(($column:ident, $order:ident)),*]) => {
        $(#[$doc])*
        pub struct $name;
        impl Child for $name {
            type Parent = Persons;
            type Entity = $module::Entity;
            const GROUP: &'static str = "record";
            fn parent_column() -> $module::Column {
                $module::Column::PersonId
            }
            fn parent_of(child: &$module::Model) -> Uuid {
                child.person_id
            }
            fn order() -> Vec<($module::Column, Order)> {
                vec![$(($module::Column::$column, Order::$order)),*]
            }
        }
    };
}
person_child!(
    /// Education and admonition talks, newest first.
    Talks, person_talk, [(TalkedOn, Desc), (Id, Desc)]
);
person_child!(
    /// Incidents, newest first.
    Incidents, person_incident, [(OccurredOn, Desc), (Id, Desc)]
);
person_child!(
    /// 五清两稳 assessments, newest first.
    Assessments, person_assessment, [(AssessedOn, Desc), (Id, Desc)]
);
person_child!(
    /// Disciplinary measures, newest first.
    Measures, person_measure, [(TakenOn, Desc), (Id, Desc)]
);
person_child!(
    /// Changes of attention level, newest first.
    LevelHistory, person_level_change, [(CreatedAt, Desc), (Id, Desc)]
);
person_child!(
    /// Categories, in their order.
    Categories, person_category, [(Category, Asc)]
);
person_child!(
    /// Judicial tags, in their order.
    Tags, person_judicial_tag, [(Tag, Asc)]
);

/// A person's penalties as published on the village board, newest first: the `board` group,
/// which the person's village reads (seed 000 "在村公开栏进行公开").
pub struct BoardPublications;
impl Child for BoardPublications {
    type Parent = Persons;
    type Entity = board_publication::Entity;
    const GROUP: &'static str = "board";
    fn parent_column() -> board_publication::Column {
        board_publication::Column::PersonId
    }
    fn parent_of(child: &board_publication::Model) -> Uuid {
        child.person_id
    }
    fn order() -> Vec<(board_publication::Column, Order)> {
        vec![(board_publication::Column::PenalisedOn, Order::Desc), (board_publication::Column::Id, Order::Desc)]
    }
}

/// Which of `ids` the viewer may perform `action` on.
pub async fn allowed(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    action: &str,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let Some(rows) = store.access.rows::<Persons>(store.viewer, action) else { return Ok(Vec::new()) };
    Ok(person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(rows)
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?)
}

/// The persons of the viewer's town with `id_number` that the viewer reads: a dossier, or
/// provisional records pointing at one.
pub async fn readable_with_number(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    id_number: &str,
) -> Result<Vec<person::Model>, ApiError> {
    let same = same_number(store.viewer.town_id, id_number);
    Ok(store.access.select::<Persons>(store.viewer)?.filter(same).all(db).await?)
}

/// The dossier of the town with `id_number`, whoever may read it: only to refuse a duplicate
/// or to point a provisional record at it, never for an answer.
pub async fn dossier_with_number(
    db: &impl ConnectionTrait,
    town: Uuid,
    id_number: &str,
) -> Result<Option<person::Model>, ApiError> {
    Ok(person::Entity::find()
        .filter(same_number(town, id_number))
        .filter(person::Column::LinkOfPersonId.is_null())
        .one(db)
        .await?)
}

fn same_number(town: Uuid, id_number: &str) -> Condition {
    Condition::all().add(person::Column::TownId.eq(town)).add(person::Column::IdNumber.eq(id_number))
}

/// The pending level change `id`, found only through a person the viewer reads.
pub async fn readable_level_change(
    store: &Store<'_>,
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<person_level_change::Model>, ApiError> {
    let Some(rows) = store.access.rows::<Persons>(store.viewer, "read") else { return Ok(None) };
    let readable = Query::select().column(person::Column::Id).from(person::Entity).cond_where(rows).to_owned();
    Ok(person_level_change::Entity::find_by_id(id)
        .filter(person_level_change::Column::PersonId.in_subquery(readable))
        .one(db)
        .await?)
}

/// Whether a step-down request for the person waits for a decision.
pub async fn step_down_pending(db: &impl ConnectionTrait, person: Uuid) -> Result<bool, ApiError> {
    Ok(person_level_change::Entity::find()
        .filter(person_level_change::Column::PersonId.eq(person))
        .filter(person_level_change::Column::Status.eq(entity::enums::LevelChangeStatus::Pending))
        .one(db)
        .await?
        .is_some())
}

/// The dates of the person's incidents.
pub async fn incident_dates(db: &impl ConnectionTrait, person: Uuid) -> Result<Vec<chrono::NaiveDate>, ApiError> {
    Ok(person_incident::Entity::find()
        .filter(person_incident::Column::PersonId.eq(person))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.occurred_on)
        .collect())
}

/// The date of the person's last incident.
pub async fn last_incident(db: &impl ConnectionTrait, person: Uuid) -> Result<Option<chrono::NaiveDate>, ApiError> {
    use sea_orm::QueryOrder;
    Ok(person_incident::Entity::find()
        .filter(person_incident::Column::PersonId.eq(person))
        .order_by_desc(person_incident::Column::OccurredOn)
        .one(db)
        .await?
        .map(|i| i.occurred_on))
}
