//! The door to case records: one implementation of a single read, a list with its keyset page
//! and count, a child loader and a version-locked write, used by every resource.
//!
//! Every read starts from [`Access::rows`] (the viewer's scope within its town); every filter or
//! order on a guarded field is ANDed with "the viewer holds this group on this row"
//! ([`Groups::filter`], [`Store::list`]); children are read only under parents the viewer reads
//! with the group that holds them. The resource stores in [`super::stores`] describe their
//! filters, orders and children; they never build a scope of their own.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Utc};
use entity::positional::{Cell, Positional};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoColumnRef, IntoIden, PgFunc, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IntoActiveModel, Order, PaginatorTrait, PrimaryKeyTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    QueryTrait, Select, Value,
};
use uuid::Uuid;

use super::page::{self, KeyKind, PageArgs, Position};
use super::{Access, GroupSet, Groups, Resource};
use crate::auth::Viewer;
use crate::error::ApiError;

/// A viewer at the door: every method reads or writes within its scope.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    pub access: &'a Access,
    pub viewer: &'a Viewer,
}

/// A row of `R` with the field groups the viewer holds on it.
pub type Held<R> = (<<R as Resource>::Entity as EntityTrait>::Model, GroupSet<R>);

/// How a list is ordered: a field of the resource's order enum and a direction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sort<O> {
    pub field: O,
    pub ascending: bool,
}

/// The group of a sort key that reveals nothing beyond the row itself (its id).
pub const ROW_ITSELF: &str = "";

/// A sort key: its SQL, how it is written in a cursor, and the field group it reveals
/// ([`ROW_ITSELF`] for none).
pub struct SortKey {
    pub expr: Expr,
    pub kind: KeyKind,
    pub group: &'static str,
}

/// A resource that is listed a page at a time.
pub trait Listed: Resource + Sized {
    /// What a client may filter by.
    type Filter: Send;
    /// The fields a client may order by.
    type Order: Copy + Send + Sync;

    /// The condition of a filter, each guarded predicate through [`Groups::filter`].
    fn filter(store: &Store<'_>, groups: &Groups<Self>, filter: Self::Filter) -> Result<Condition, ApiError>;

    /// The SQL of an order field. A key that may be NULL is COALESCEd to the kind's sentinel by
    /// the resource, so that rows without one sort last.
    fn sort_key(order: Self::Order, backend: DbBackend) -> SortKey;

    /// How many rows a filter's list shows, read from counts the database keeps, when they answer
    /// it exactly (a sum over the kept keys the viewer reads, under the same policy lines);
    /// `None`: [`Store::count`] counts the rows.
    fn kept_count(
        _store: &Store<'_>,
        _db: &impl ConnectionTrait,
        _filter: &Self::Filter,
    ) -> impl Future<Output = Result<Option<u64>, ApiError>> + Send {
        async { Ok(None) }
    }
}

/// One page of a list: each row with its position in the order and its groups, and whether
/// more follow. Made only by [`Store::list`] (whole rows) and [`Store::list_reading`] (the fields
/// of the columns not read are blank), and its rows cannot be changed: a page's children
/// are read by the groups held on them ([`Store::children_of_held`]).
pub struct Listing<R: Resource> {
    rows: Vec<(Position, Held<R>)>,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<R: Resource> Listing<R> {
    /// The rows, each with its position and the groups held on it.
    pub fn rows(&self) -> &[(Position, Held<R>)] {
        &self.rows
    }

    /// The rows themselves, for reading their relations.
    pub fn models(&self) -> Vec<&<R::Entity as EntityTrait>::Model> {
        self.rows.iter().map(|(_, (model, _))| model).collect()
    }

    /// The rows, each with its position and the groups held on it, taken out of the page.
    pub fn into_rows(self) -> Vec<(Position, Held<R>)> {
        self.rows
    }
}

/// Children of a resource (a person's talks, a lead's events): read only under parents the
/// viewer reads and holds `GROUP` on.
pub trait Child: Send + Sync + 'static {
    type Parent: Resource;
    type Entity: EntityTrait<Model: Positional>;
    /// The parent's field group the children belong to ([`ROW_ITSELF`]: whoever reads the
    /// parent reads them).
    const GROUP: &'static str;
    /// The column naming the parent.
    fn parent_column() -> <Self::Entity as EntityTrait>::Column;
    /// The parent id of a loaded child.
    fn parent_of(child: &<Self::Entity as EntityTrait>::Model) -> Uuid;
    /// The order children are given in, after grouping by parent.
    fn order() -> Vec<(<Self::Entity as EntityTrait>::Column, Order)>;
}

/// A resource whose rows carry a `version`, bumped by every change (optimistic locking).
pub trait Versioned: Resource {
    fn id_column() -> <Self::Entity as EntityTrait>::Column;
    fn version_column() -> <Self::Entity as EntityTrait>::Column;
    fn updated_at_column() -> <Self::Entity as EntityTrait>::Column;
    /// The object type's name in errors ("lead", "线索").
    const NOUN: (&'static str, &'static str);
}

/// The name the page query gives its sort key.
const SORT_KEY: &str = "pingan_sort_key";

/// The columns of `R` a page reads: those its answer shows, the primary key, and every column
/// the viewer's field groups and grants on a row are decided by ([`Resource::DECIDED_BY`]); the
/// fields of the others are blank ([`Positional::from_columns`]). The benchmark's page of persons,
/// showing seven fields (its id and village among them), reads seven of their twenty columns.
pub struct Columns<R> {
    read: u64,
    _resource: PhantomData<R>,
}

impl<R: Resource> Columns<R> {
    /// Every column.
    pub fn all() -> Self {
        Self { read: u64::MAX, _resource: PhantomData }
    }

    /// The columns of the model's fields named (as in [`Positional::FIELDS`]) and those every
    /// page reads; every column when a name is not a field of the model, or when `R` does not
    /// say which columns decide its groups.
    pub fn reading<'n>(fields: impl IntoIterator<Item = &'n str>) -> Self {
        use sea_orm::{IdenStatic, Iterable, PrimaryKeyToColumn};
        let Some(decided_by) = R::DECIDED_BY else { return Self::all() };
        let keys = <R::Entity as EntityTrait>::PrimaryKey::iter().map(|key| key.into_column().as_str());
        let mut read = 0u64;
        for field in fields.into_iter().chain(decided_by.iter().copied()).chain(keys) {
            let Some(at) = <Model<R> as Positional>::FIELDS.iter().position(|known| *known == field) else {
                return Self::all();
            };
            read |= 1 << at;
        }
        Self { read, _resource: PhantomData }
    }

    /// Whether the column of the model's `i`-th field is read.
    fn has(&self, i: usize) -> bool {
        self.read & (1 << i) != 0
    }

    /// How many of the model's columns are read.
    pub fn count(&self) -> usize {
        (0..<Model<R> as Positional>::COLUMNS).filter(|i| self.has(*i)).count()
    }
}

type Model<R> = <<R as Resource>::Entity as EntityTrait>::Model;

/// A model read by position ([`Positional`]), from a select of its entity's own columns.
struct Whole<M>(M);

impl<M: Positional> FromQueryResult for Whole<M> {
    fn from_query_result(res: &QueryResult, _: &str) -> Result<Self, sea_orm::DbErr> {
        M::from_position(res).map(Whole)
    }
}

impl<'a> Store<'a> {
    pub fn new(access: &'a Access, viewer: &'a Viewer) -> Self {
        Self { access, viewer }
    }

    /// The field groups of `R` this viewer holds.
    pub fn groups<R: Resource>(&self) -> Groups<R> {
        self.access.groups::<R>(self.viewer)
    }

    /// The row of `R` with `id` among those the viewer reads, with its groups; `None` alike for
    /// a hidden and a missing row (rule 2).
    pub async fn one<R: Resource>(&self, db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Held<R>>, ApiError>
    where
        <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        let Some(rows) = self.access.rows::<R>(self.viewer, "read") else { return Ok(None) };
        let Some(row) = R::Entity::find_by_id(id).filter(rows).one(db).await? else { return Ok(None) };
        let groups = self.groups::<R>().on(self.viewer, &row);
        Ok(Some((row, groups)))
    }

    /// The rows of `R` among `ids` that the viewer reads, with their groups, in one statement:
    /// [`Store::one`] for many (a page's relations). Hidden and missing ids are alike absent.
    pub async fn many<R: Resource>(&self, db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Held<R>>, ApiError> {
        use sea_orm::{Iterable, PrimaryKeyToColumn};
        let Some(rows) = self.access.rows::<R>(self.viewer, "read") else { return Ok(Vec::new()) };
        let Some(key) = <R::Entity as EntityTrait>::PrimaryKey::iter().next() else { return Ok(Vec::new()) };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let key = among(key.into_column().as_column_ref(), ids, db.get_database_backend());
        let found = super::find::<R::Entity>().filter(rows).filter(key).all(db).await?;
        let groups = self.groups::<R>();
        Ok(found
            .into_iter()
            .map(|row| {
                let held = groups.on(self.viewer, &row);
                (row, held)
            })
            .collect())
    }

    /// Whether `id` is a real row of the viewer's town that [`Store::one`] did not give: only
    /// for noting a denied attempt in the audit log, never for an answer.
    pub async fn hidden<R: Resource>(&self, db: &impl ConnectionTrait, id: Uuid) -> Result<bool, ApiError>
    where
        <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        self.access.exists_in_town::<R>(db, self.viewer, id).await
    }

    /// The row of `R` with `id` for `action`: `NOT_FOUND` when the viewer does not read it
    /// (hidden and missing alike), then `FORBIDDEN` when the action is not granted on it.
    /// Permission is decided before the caller looks at the row's state (rule 4).
    pub async fn for_action<R: Resource>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
        action: &str,
    ) -> Result<Held<R>, ApiError>
    where
        <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        let held = self.one::<R>(db, id).await?.ok_or(ApiError::NotFound)?;
        if !self.granted::<R>(db, id, action).await? {
            return Err(ApiError::Forbidden);
        }
        Ok(held)
    }

    /// Whether `action` is granted on the row `id` of `R`, decided in SQL (also for a row the
    /// caller's transaction has just written: a create grant may depend on the new row itself).
    pub async fn granted<R: Resource>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
        action: &str,
    ) -> Result<bool, ApiError>
    where
        <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        Ok(match self.access.rows::<R>(self.viewer, action) {
            Some(rows) => R::Entity::find_by_id(id).filter(rows).count(db).await? == 1,
            None => false,
        })
    }

    /// The SQL of `filter` as this viewer may use it: every guarded predicate ANDed with "holds
    /// the group on this row"; `FORBIDDEN`, before any SQL runs, for a filter on a group the
    /// viewer holds nowhere.
    pub fn condition<R: Listed>(&self, filter: R::Filter) -> Result<Condition, ApiError> {
        R::filter(self, &self.groups::<R>(), filter)
    }

    /// The rows of `R` matching `filter` in the viewer's scope, in `sort` order, one keyset
    /// page at a time. The sort key is read back from the same SQL that ordered the rows, so a
    /// cursor always names the exact value the next page continues from.
    pub async fn list<R: Listed>(
        &self,
        db: &impl ConnectionTrait,
        filter: R::Filter,
        sort: Sort<R::Order>,
        page: &PageArgs,
    ) -> Result<Listing<R>, ApiError> {
        self.list_reading(db, filter, sort, page, Columns::all()).await
    }

    /// [`Store::list`] reading only `columns` of each row: the fields of the others are blank,
    /// so the caller shows none of them.
    pub async fn list_reading<R: Listed>(
        &self,
        db: &impl ConnectionTrait,
        filter: R::Filter,
        sort: Sort<R::Order>,
        page: &PageArgs,
        columns: Columns<R>,
    ) -> Result<Listing<R>, ApiError> {
        use sea_orm::Iterable;
        let groups = self.groups::<R>();
        let cond = R::filter(self, &groups, filter)?;
        let key = R::sort_key(sort.field, db.get_database_backend());
        let kind = key.kind;
        let expr = self.sort_expr(&groups, key)?;
        let mut select = self.access.select::<R>(self.viewer)?.filter(cond);
        if columns.read != u64::MAX {
            select = select.select_only();
            for (i, column) in <R::Entity as EntityTrait>::Column::iter().enumerate() {
                if columns.has(i) {
                    select = select.column(column);
                }
            }
        }
        // A backward page is read as a forward one in the reversed order, then turned round.
        let ascending = sort.ascending != page.backward;
        let cursor = if page.backward {
            page.before.as_ref().map(|c| (c, "before"))
        } else {
            page.after.as_ref().map(|c| (c, "after"))
        };
        if let Some((cursor, field)) = cursor {
            let id = Expr::col((R::Entity::default().into_iden(), Alias::new("id").into_iden()));
            select = select.filter(page::after(cursor, field, kind, expr.clone(), id, ascending)?);
        }
        let direction = if ascending { Order::Asc } else { Order::Desc };
        let select = select
            .column_as(expr.clone(), SORT_KEY)
            .order_by(expr, direction.clone())
            .order_by(Expr::col((R::Entity::default().into_iden(), Alias::new("id").into_iden())), direction);
        let limit = page.size + 1;
        let read = &columns;
        let mut rows: Vec<(String, Model<R>)> = match kind {
            KeyKind::Text => page_rows(db, &select, read, limit, |key: String| key).await?,
            KeyKind::Date => {
                page_rows(db, &select, read, limit, |key: NaiveDate| key.format("%Y-%m-%d").to_string()).await?
            }
            KeyKind::Instant => page_rows(db, &select, read, limit, |key: DateTime<Utc>| key.to_rfc3339()).await?,
            KeyKind::Id => page_rows(db, &select, read, limit, |key: Uuid| key.to_string()).await?,
        };
        let more = rows.len() as u64 > page.size;
        rows.truncate(page.size as usize);
        if page.backward {
            rows.reverse();
        }
        // Past the cursor in the other direction lies at least the cursor's own row.
        let (has_next, has_previous) =
            if page.backward { (page.before.is_some(), more) } else { (more, page.after.is_some()) };
        let rows = rows
            .into_iter()
            .map(|(key, model)| {
                let id = R::row_id(&model);
                let held = groups.on(self.viewer, &model);
                (Position::new(key, id), (model, held))
            })
            .collect();
        Ok(Listing { rows, has_next, has_previous })
    }

    /// How many rows of `R` match `filter` in the viewer's scope (the same condition as
    /// [`Store::list`]).
    pub async fn count<R: Listed>(&self, db: &impl ConnectionTrait, filter: R::Filter) -> Result<u64, ApiError> {
        if let Some(n) = R::kept_count(self, db, &filter).await? {
            return Ok(n);
        }
        let cond = self.condition::<R>(filter)?;
        Ok(self.access.select::<R>(self.viewer)?.filter(cond).count(db).await?)
    }

    /// Whether the viewer holds `group` on at least one row of `R` matching `filter` (an export
    /// writes a group's column when it does, blank on the rows where it does not).
    pub async fn holds_on_some<R: Listed>(
        &self,
        db: &impl ConnectionTrait,
        filter: R::Filter,
        group: &str,
    ) -> Result<bool, ApiError> {
        let cond = self.condition::<R>(filter)?;
        let held = self.groups::<R>().condition(self.viewer, group);
        Ok(self.access.select::<R>(self.viewer)?.filter(cond).filter(held).one(db).await?.is_some())
    }

    /// The sort key as the viewer may use it (rule 4): as is where it holds the key's group on
    /// every row it reads; where only on some, rows it does not hold it on sort as the
    /// sentinel (last), never by the hidden value; nowhere, `FORBIDDEN`.
    fn sort_expr<R: Resource>(&self, groups: &Groups<R>, key: SortKey) -> Result<Expr, ApiError> {
        if key.group == ROW_ITSELF || groups.held_everywhere(key.group) {
            return Ok(key.expr);
        }
        let sentinel: Value = match key.kind {
            KeyKind::Text | KeyKind::Id => return Err(ApiError::Forbidden),
            KeyKind::Date => page::sentinel_date().into(),
            KeyKind::Instant => page::sentinel_instant().into(),
        };
        if !groups.held_anywhere(key.group) {
            return Err(ApiError::Forbidden);
        }
        Ok(Expr::case(groups.condition(self.viewer, key.group), key.expr).finally(Expr::val(sentinel)).into())
    }

    /// The children of `parents`, by parent, in the child's order; parents the viewer does not
    /// read, or reads without `C::GROUP`, have none.
    pub async fn children<C: Child>(
        &self,
        db: &impl ConnectionTrait,
        parents: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<<C::Entity as EntityTrait>::Model>>, ApiError> {
        let held = self.holding_among::<C::Parent>(C::GROUP, parents, db.get_database_backend());
        children_where::<C>(db, parents, held.map(|held| C::parent_column().in_subquery(held))).await
    }

    /// [`Store::children`] of the rows of a page this store read ([`Store::list`]): the parents
    /// holding `C::GROUP` are taken from the groups held on the rows instead of being looked up
    /// again in the child's statement. Each row was read within the viewer's scope, and its groups
    /// are the ones every field of that row is shown by, decided from the same policy lines as
    /// [`Store::holding`] (an atom the row cannot decide denies, so they never hold more; the
    /// scope suite compares the two for every group). A [`Listing`] is made only by
    /// [`Store::list`] and its rows cannot be changed. The children answer for the rows as the
    /// page read them: a row whose groups change between the two statements keeps, for this
    /// answer, the children its fields were shown by. The talks of a page of 50 persons: the
    /// child statement no longer probes the 50 persons by primary key again (pgbench, the
    /// statement alone: 4,600 to 6,700 tps).
    pub async fn children_of_held<C: Child>(
        &self,
        db: &impl ConnectionTrait,
        page: &Listing<C::Parent>,
    ) -> Result<HashMap<Uuid, Vec<<C::Entity as EntityTrait>::Model>>, ApiError> {
        let rows = page.rows().iter().map(|(_, held)| held);
        let ids: Vec<Uuid> = rows.clone().map(|(row, _)| C::Parent::row_id(row)).collect();
        let holding: Vec<Uuid> = rows
            .filter(|(_, groups)| C::GROUP == ROW_ITSELF || groups.has(C::GROUP))
            .map(|(row, _)| C::Parent::row_id(row))
            .collect();
        let backend = db.get_database_backend();
        let among = (!holding.is_empty()).then(|| among(C::parent_column().as_column_ref(), &holding, backend));
        children_where::<C>(db, &ids, among).await
    }

    /// [`Store::holding`] among `ids` only: what a child query filters its parent column by.
    /// The keys narrow the parents inside the subquery, so the database checks the scope once
    /// per parent (by its primary key) and then reads each one's children by the child's index,
    /// instead of checking the scope again for every child row (the talks of 50 persons: 807
    /// buffer reads and 1.4 ms to 401 and 0.5 ms; a page's own children skip even this,
    /// [`Store::children_of_held`]).
    pub fn holding_among<R: Resource>(
        &self,
        group: &str,
        ids: &[Uuid],
        backend: DbBackend,
    ) -> Option<sea_orm::sea_query::SelectStatement> {
        let mut held = self.holding::<R>(group)?;
        let id = (R::Entity::default().into_iden(), Alias::new("id").into_iden());
        held.and_where(among(id, ids, backend));
        Some(held)
    }

    /// The ids of the rows of `R` the viewer reads and holds `group` on ([`ROW_ITSELF`]: reads),
    /// as a subquery.
    pub fn holding<R: Resource>(&self, group: &str) -> Option<sea_orm::sea_query::SelectStatement> {
        let rows = self.access.rows::<R>(self.viewer, "read")?;
        let groups = self.groups::<R>();
        let guarded = if group == ROW_ITSELF {
            Condition::all()
        } else if groups.held_anywhere(group) {
            groups.guarded(self.viewer, group, Condition::all())
        } else {
            return None;
        };
        Some(
            Query::select()
                .column((R::Entity::default().into_iden(), Alias::new("id").into_iden()))
                .from(R::Entity::default())
                .cond_where(Condition::all().add(rows).add(guarded))
                .to_owned(),
        )
    }
}

/// The children of `parents` matching `parent` (the condition on the child's parent column
/// naming the parents held; `None`: none is), by parent, in the child's order; every parent has
/// an entry.
async fn children_where<C: Child>(
    db: &impl ConnectionTrait,
    parents: &[Uuid],
    parent: Option<impl sea_orm::sea_query::IntoCondition>,
) -> Result<HashMap<Uuid, Vec<<C::Entity as EntityTrait>::Model>>, ApiError> {
    let mut out: HashMap<Uuid, Vec<_>> = parents.iter().map(|p| (*p, Vec::new())).collect();
    let Some(parent) = parent else { return Ok(out) };
    let mut select = super::find::<C::Entity>().filter(parent);
    for (column, order) in C::order() {
        select = select.order_by(column, order);
    }
    for Whole(child) in select.into_model::<Whole<_>>().all(db).await? {
        out.entry(C::parent_of(&child)).or_default().push(child);
    }
    Ok(out)
}

/// `column IN ids`, written for the backend. On PostgreSQL the ids go as one array parameter
/// (`column = ANY($1)`): the statement's text is then the same for any number of ids, so sqlx
/// prepares it once and PostgreSQL keeps one generic plan for it, where a list of 50 parameters
/// was planned afresh on every execution (and a page naming three villages and one naming four
/// were two statements). SQLite has no arrays and gets the list.
pub fn among(column: impl IntoColumnRef, ids: &[Uuid], backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::col(column).eq(PgFunc::any(Expr::val(ids.to_vec()))),
        _ => Expr::col(column).is_in(ids.iter().copied()),
    }
}

/// The sum of a kept-count column, as a bigint on both backends (PostgreSQL sums a bigint as a
/// numeric, which does not read back as an `i64`).
pub fn kept_sum(n: Expr) -> Expr {
    n.sum().cast_as(Alias::new("BIGINT"))
}

/// The first `limit` rows of an ordered `select` of the `columns` of `R`, each with its sort key
/// (read as `K`, after them) as the text a cursor carries, with the limit written into the statement
/// (a number of ours, never the client's text) instead of bound: PostgreSQL cannot plan a
/// statement whose LIMIT is a parameter once for every execution (its generic plan does not know
/// how few rows are wanted), so it planned every page afresh; with the limit in the text it
/// keeps the prepared statement's plan (police's page of 50 persons, 100k world: PostgreSQL's CPU
/// per request 283 to 230 us).
async fn page_rows<R: Resource, K: Cell>(
    db: &impl ConnectionTrait,
    select: &Select<R::Entity>,
    columns: &Columns<R>,
    limit: u64,
    cursor_text: impl Fn(K) -> String,
) -> Result<Vec<(String, Model<R>)>, DbErr> {
    let mut statement = select.build(db.get_database_backend());
    statement.sql.push_str(&format!(" LIMIT {limit}"));
    let key_at = columns.count();
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| Ok((cursor_text(K::at(row, key_at)?), <Model<R> as Positional>::from_columns(row, columns.read)?)))
        .collect()
}

/// Writes `change` to the row `id` of `R` only if its version is still `version`, bumping the
/// version and `updated_at`; `CONFLICT` when someone changed it meanwhile. Run inside the
/// mutation's transaction, beside the event row and the audit entry.
pub async fn locked_update<R: Versioned>(
    txn: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    change: <R::Entity as EntityTrait>::ActiveModel,
) -> Result<(), ApiError>
where
    <R::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = R::Entity> + Send,
    <R::Entity as EntityTrait>::Model: IntoActiveModel<<R::Entity as EntityTrait>::ActiveModel>,
{
    let updated = R::Entity::update_many()
        .set(change)
        .col_expr(R::version_column(), Expr::col(R::version_column()).add(1))
        .col_expr(R::updated_at_column(), Expr::value(Utc::now()))
        .filter(R::id_column().eq(id))
        .filter(R::version_column().eq(version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        let (en, zh) = R::NOUN;
        return Err(ApiError::Conflict {
            message: format!("The {en} was changed meanwhile; reload and try again."),
            message_zh: format!("该{zh}已被修改，请刷新后重试。"),
            allowed: vec![],
        });
    }
    Ok(())
}

/// Groups loaded rows by a key, keeping every requested key (with no rows where none matched).
pub fn by_key<T, K: Eq + Hash + Copy>(keys: &[K], rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut out: HashMap<K, Vec<T>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        out.entry(key(&row)).or_default().push(row);
    }
    out
}
