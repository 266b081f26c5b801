//! DataLoaders for relations, one set per request and viewer, so a page of records loads each
//! relation in one scoped query instead of one per row.
//!
//! Child rows (talks, incidents, categories, tags) are loaded only for parents inside the
//! viewer's read scope: the parent's scope condition is part of every child query by id, and a
//! page's children are read by the groups its rows were read with ([`prime_children`]).

use std::collections::HashMap;
use std::sync::Arc;

use std::any::{Any, TypeId};

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ID, SimpleObject};
use entity::{app_user, org_unit};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::ids::{self, Kind};
pub use super::lead_loaders::{
    EventsOf, GangPartsOf, LeadRecordLoader, MajorOf, SubjectsOf, TaskEventLoader, TaskEventsOf,
};
use super::org::{OrgUnit, Village};
pub use super::person_loaders::{
    AssessmentsOf, BoardOf, CategoriesOf, IncidentsOf, LevelHistoryOf, MeasuresOf, PERSON_ACTIONS, PersonAction,
    PersonLoader, PersonRecordLoader, PersonWants, TagsOf, TalksOf, prefetch_people,
};
use crate::AppState;
use crate::access::resource::{OrgUnits, Villages};
use crate::access::store::{Child, Listing, Store, among};
use crate::auth::Viewer;
use crate::directory::{Lookup, Names};

/// The per-request loaders, put into the request data by the HTTP layer.
pub struct Loaders {
    pub villages: Batch<VillageLoader>,
    pub officers: Batch<OfficerLoader>,
    pub person_records: Batch<PersonRecordLoader>,
    pub org_units: Batch<OrgUnitLoader>,
    pub persons: Batch<PersonLoader>,
    pub lead_records: Batch<LeadRecordLoader>,
    pub task_events: Batch<TaskEventLoader>,
    pub targets: Batch<super::task::TargetLoader>,
    /// The relations of venues and risk items that are tasks' targets, shared by the request so
    /// they batch like a page's (a page of venues or risk items has loaders of its own).
    pub venue_records: Arc<super::venue_loaders::VenueLoaders>,
    pub risk_records: Arc<super::risk_loaders::RiskLoaders>,
    /// Meetings' units, decisions and risk items, and decisions' tasks.
    pub meetings: Batch<super::meeting::MeetingLoader>,
}

impl Loaders {
    /// Loaders that keep their answers for the request, so a list can prefetch its page's
    /// relations in one batch each ([`prefetch_people`]) and every row then reads what was kept.
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Self {
        let villages = VillageLoader { state: state.clone(), viewer: viewer.clone() };
        let officers = OfficerLoader { state: state.clone(), viewer: viewer.clone() };
        let person_records = PersonRecordLoader { state: state.clone(), viewer: viewer.clone() };
        let org_units = OrgUnitLoader { state: state.clone(), viewer: viewer.clone() };
        let persons = PersonLoader { state: state.clone(), viewer: viewer.clone() };
        let lead_records = LeadRecordLoader { state: state.clone(), viewer: viewer.clone() };
        let targets = super::task::TargetLoader::new(state.clone(), viewer.clone());
        let venue_records = super::venue_loaders::VenueLoaders::new(state.clone(), viewer.clone());
        let risk_records = super::risk_loaders::RiskLoaders::new(state.clone(), viewer.clone());
        let meetings = super::meeting::MeetingLoader::new(state.clone(), viewer.clone());
        let task_events = TaskEventLoader { state, viewer };
        Self {
            villages: Batch::new(villages),
            officers: Batch::new(officers),
            person_records: Batch::new(person_records),
            org_units: Batch::new(org_units),
            persons: Batch::new(persons),
            lead_records: Batch::new(lead_records),
            task_events: Batch::new(task_events),
            targets: Batch::new(targets),
            venue_records,
            risk_records,
            meetings: Batch::new(meetings),
        }
    }

    /// Forgets every relation read so far; a mutation calls it before reading its payload, and a
    /// subscription before each event. Each
    /// loader forgets all its key types at once, and every loader is named here (the pattern
    /// lists every field, so a loader added without being forgotten does not compile).
    pub fn clear(&self) {
        let Self {
            villages,
            officers,
            person_records,
            org_units,
            persons,
            lead_records,
            task_events,
            targets,
            venue_records,
            risk_records,
            meetings,
        } = self;
        villages.clear();
        officers.clear();
        person_records.clear();
        org_units.clear();
        persons.clear();
        lead_records.clear();
        task_events.clear();
        targets.clear();
        venue_records.records.clear();
        risk_records.records.clear();
        meetings.clear();
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// The answers a request has, by key type: per key, its value or none.
type Answers = std::sync::Mutex<HashMap<TypeId, Box<dyn Any + Send>, foldhash::fast::RandomState>>;
/// The answers for one key type.
type AnswersOf<K, V> = HashMap<K, Option<V>, foldhash::fast::RandomState>;

/// A request's DataLoader with the answers it has so far kept beside it: those its page loaded
/// beforehand ([`prime`]) and those the DataLoader fetched since. A page's rows read their
/// relations by the hundred (50 persons with their talks: some 300 look-ups), and a look-up
/// through the DataLoader's own cache takes its lock, hashes with SipHash three times and builds
/// two maps to return one value (some 1,300 instructions, 8 % of such a page); a kept answer is
/// one lock and one map look-up. A key answered without a value (a village outside the
/// viewer's scope) answers none without asking again. What is not kept goes through the
/// DataLoader (without a cache of its own), batched as before, and is kept. [`Batch::clear`]
/// forgets every key type at once.
pub struct Batch<T: Send + Sync + 'static> {
    loader: DataLoader<T>,
    answers: Answers,
}

impl<T: Send + Sync + 'static> Batch<T> {
    pub fn new(loader: T) -> Self {
        Self { loader: DataLoader::new(loader, tokio::spawn), answers: Answers::default() }
    }

    /// The loader itself.
    pub fn loader(&self) -> &T {
        self.loader.loader()
    }

    /// Reads the kept answers for keys of type `K`, if any were kept.
    fn with_kept<K, R>(&self, read: impl FnOnce(&AnswersOf<K, T::Value>) -> R) -> Option<R>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        let answers = self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        answers.get(&TypeId::of::<K>())?.downcast_ref::<AnswersOf<K, T::Value>>().map(read)
    }

    /// Keeps the answer for each of `keys`: its value in `values`, or none.
    fn keep<K>(&self, keys: Vec<K>, values: &HashMap<K, T::Value>)
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        let mut kept = self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = kept.entry(TypeId::of::<K>()).or_insert_with(|| Box::new(AnswersOf::<K, T::Value>::default()));
        let Some(answers) = entry.downcast_mut::<AnswersOf<K, T::Value>>() else { return };
        for key in keys {
            let value = values.get(&key).cloned();
            answers.insert(key, value);
        }
    }

    /// The value for `key`: the kept answer, or the DataLoader's (then kept).
    pub async fn load_one<K>(&self, key: K) -> Result<Option<T::Value>, T::Error>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        if let Some(Some(answer)) = self.with_kept::<K, _>(|answers| answers.get(&key).cloned()) {
            return Ok(answer);
        }
        Ok(self.fetch(vec![key.clone()]).await?.remove(&key))
    }

    /// The DataLoader's values for `keys`, kept.
    async fn fetch<K>(&self, keys: Vec<K>) -> Result<HashMap<K, T::Value>, T::Error>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        let found = self.loader.load_many(keys.iter().cloned()).await?;
        self.keep(keys, &found);
        Ok(found)
    }

    /// The values for `keys`: the kept answers when every key has one, else the DataLoader's
    /// (then kept).
    pub async fn load_many<K>(&self, keys: impl IntoIterator<Item = K>) -> Result<HashMap<K, T::Value>, T::Error>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        let kept = self.with_kept::<K, _>(|answers| {
            let mut found = HashMap::with_capacity(keys.len());
            for key in &keys {
                match answers.get(key) {
                    Some(Some(value)) => drop(found.insert(key.clone(), value.clone())),
                    Some(None) => {}
                    None => return None,
                }
            }
            Some(found)
        });
        match kept.flatten() {
            Some(found) => Ok(found),
            None => self.fetch(keys).await,
        }
    }

    /// Forgets every answer kept, of every key type.
    pub fn clear(&self) {
        self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// Loads `keys` now, in one batch, and keeps the answers beside the request's loader: a page
/// prefetches its relations this way, all keys known at once, so no batching delay is waited
/// for; every row then reads its relation from what was kept.
pub async fn prime<K, T>(loader: &Batch<T>, keys: impl IntoIterator<Item = K>) -> Result<HashMap<K, T::Value>, T::Error>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: Loader<K>,
{
    let keys = distinct(keys);
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let values = loader.loader().load(&keys).await?;
    loader.keep(keys, &values);
    Ok(values)
}

/// The children `C` of every row of a page, read by the groups held on the rows
/// ([`Store::children_of_held`]) in one statement, each parent's list made the answer `value` for
/// the key `key`, and kept beside `loader`: a page's prefetch of a child relation, as [`prime`]
/// is for relations read by id.
pub async fn prime_children<C, K, T>(
    loader: &Batch<T>,
    store: Store<'_>,
    db: &impl ConnectionTrait,
    page: &Listing<C::Parent>,
    key: impl Fn(Uuid) -> K,
    value: impl Fn(Vec<<C::Entity as EntityTrait>::Model>) -> T::Value,
) -> Result<HashMap<K, T::Value>, Arc<DbErr>>
where
    C: Child,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: Loader<K, Error = Arc<DbErr>>,
{
    let found = store.children_of_held::<C>(db, page).await.map_err(store_error)?;
    let values: HashMap<K, T::Value> = found.into_iter().map(|(parent, rows)| (key(parent), value(rows))).collect();
    loader.keep(values.keys().cloned().collect(), &values);
    Ok(values)
}

/// Villages by id, within the viewer's village scope.
pub struct VillageLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for VillageLoader {
    type Value = Village;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Village> {
        Ok(names_of(&self.state, &self.viewer, &self.state.db, keys, &[]).await?.0)
    }
}

/// The villages among `keys` (`None`: every one) in the viewer's village scope, as kind
/// (`village`, for [`names_of`]), id and name; `None` for a viewer who reads no village.
fn villages_in(
    state: &AppState,
    viewer: &Viewer,
    keys: Option<&[Uuid]>,
) -> Option<sea_orm::Select<entity::village::Entity>> {
    let select = state.access.select::<Villages>(viewer).ok()?;
    let select = select
        .select_only()
        .column_as(sea_orm::sea_query::Expr::val(VILLAGE), "kind")
        .column(entity::village::Column::Id)
        .column(entity::village::Column::Name);
    Some(match keys {
        Some(keys) => {
            select.filter(among(entity::village::Column::Id.as_column_ref(), keys, state.db.get_database_backend()))
        }
        None => select,
    })
}

fn village(id: Uuid, name: String) -> Village {
    Village { id: ids::encode(Kind::Village, id), name }
}

/// 民警 — an officer as a record names them: id and display name, nothing else of the user.
#[derive(SimpleObject, Clone)]
pub struct Officer {
    /// 编号 — the officer's user ID.
    pub id: ID,
    /// 姓名 — the officer's name.
    pub display_name: String,
}

/// Officers named on records (responsible officer, talk officer), from the viewer's town. The
/// name belongs to the record's own field group, so it is served wherever that field is.
pub struct OfficerLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for OfficerLoader {
    type Value = Officer;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Officer> {
        Ok(names_of(&self.state, &self.viewer, &self.state.db, &[], keys).await?.1)
    }
}

/// The officers among `keys` (`None`: every one) in the viewer's town, as kind (`officer`, for
/// [`names_of`]), id and display name: only what an officer shows, never the rest of the user's
/// row (its password hash).
fn officers_in(viewer: &Viewer, keys: Option<&[Uuid]>, backend: DbBackend) -> sea_orm::Select<app_user::Entity> {
    let select = crate::access::find::<app_user::Entity>()
        .select_only()
        .column_as(sea_orm::sea_query::Expr::val(OFFICER), "kind")
        .column(app_user::Column::Id)
        .column_as(app_user::Column::DisplayName, "name")
        .filter(app_user::Column::TownId.eq(viewer.town_id));
    match keys {
        Some(keys) => select.filter(among(app_user::Column::Id.as_column_ref(), keys, backend)),
        None => select,
    }
}

fn officer_named(id: Uuid, display_name: String) -> Officer {
    Officer { id: ids::encode(Kind::User, id), display_name }
}

/// Primes the village and officer loaders for a page: the names the directory keeps
/// ([`crate::directory`]), and the rest in one statement ([`names_of`]). As with [`prime`], a key
/// without a row (outside the viewer's scope) is kept as having none.
pub async fn prime_names(
    loaders: &Loaders,
    db: &impl ConnectionTrait,
    villages: impl IntoIterator<Item = Uuid>,
    officers: impl IntoIterator<Item = Uuid>,
) -> Result<(), Arc<DbErr>> {
    let (villages_asked, officers_asked) = (distinct(villages), distinct(officers));
    if villages_asked.is_empty() && officers_asked.is_empty() {
        return Ok(());
    }
    let loader = loaders.villages.loader();
    let (found_villages, found_officers) =
        names_of(&loader.state, &loader.viewer, db, &villages_asked, &officers_asked).await?;
    loaders.villages.keep(villages_asked, &found_villages);
    loaders.officers.keep(officers_asked, &found_officers);
    Ok(())
}

/// The villages among `villages` and the officers among `officers` the viewer reads: those the
/// directory keeps for the viewer's role and town (read whole, and kept, when it keeps none yet),
/// the others read by the two loaders' scoped queries joined by UNION ALL, so a page that shows
/// both pays at most one round trip for them. `db` is never a transaction (what it reads is
/// kept; a rolled-back change is never announced): the pool, or a page's checkout.
async fn names_of(
    state: &AppState,
    viewer: &Viewer,
    db: &impl ConnectionTrait,
    villages: &[Uuid],
    officers: &[Uuid],
) -> Result<(HashMap<Uuid, Village>, HashMap<Uuid, Officer>), DbErr> {
    let kept = match state.directory.kept(viewer.role, viewer.town_id) {
        Lookup::Untrusted => return read_names(state, viewer, db, Some(villages), Some(officers)).await,
        Lookup::Names(names) => names,
        Lookup::Read(generation) => {
            let read = std::time::Instant::now();
            let (villages, officers) = read_names(state, viewer, db, None, None).await?;
            let names = Arc::new(Names { villages, officers });
            state.directory.keep(viewer.role, viewer.town_id, generation, read, names.clone());
            names
        }
    };
    let (mut found_villages, mut found_officers) = (HashMap::new(), HashMap::new());
    let villages = unknown(villages, &kept.villages, &mut found_villages);
    let officers = unknown(officers, &kept.officers, &mut found_officers);
    if !villages.is_empty() || !officers.is_empty() {
        let (more_villages, more_officers) = read_names(state, viewer, db, Some(&villages), Some(&officers)).await?;
        found_villages.extend(more_villages);
        found_officers.extend(more_officers);
    }
    Ok((found_villages, found_officers))
}

/// The keys `kept` has no value for; the values of the others go into `found`.
fn unknown<V: Clone>(keys: &[Uuid], kept: &HashMap<Uuid, V>, found: &mut HashMap<Uuid, V>) -> Vec<Uuid> {
    let mut unknown = Vec::new();
    for key in keys {
        match kept.get(key) {
            Some(value) => {
                found.insert(*key, value.clone());
            }
            None => unknown.push(*key),
        }
    }
    unknown
}

/// The villages and officers among the keys (`None`: every one the viewer reads; empty: none) in
/// one statement.
async fn read_names(
    state: &AppState,
    viewer: &Viewer,
    db: &impl ConnectionTrait,
    villages: Option<&[Uuid]>,
    officers: Option<&[Uuid]>,
) -> Result<(HashMap<Uuid, Village>, HashMap<Uuid, Officer>), DbErr> {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::UnionType;
    let asked = |keys: Option<&[Uuid]>| keys.is_none_or(|keys| !keys.is_empty());
    // A viewer who reads no village gets none.
    let villages = if asked(villages) { villages_in(state, viewer, villages) } else { None };
    let villages = villages.map(QueryTrait::into_query);
    let officers = asked(officers).then(|| officers_in(viewer, officers, state.db.get_database_backend()).into_query());
    let (mut found_villages, mut found_officers) = (HashMap::new(), HashMap::new());
    let query = match (villages, officers) {
        (Some(mut villages), Some(officers)) => {
            villages.union(UnionType::All, officers);
            villages
        }
        (Some(query), None) | (None, Some(query)) => query,
        (None, None) => return Ok((found_villages, found_officers)),
    };
    for row in db.query_all(&query).await? {
        let (kind, id, name): (String, Uuid, String) =
            (row.try_get("", "kind")?, row.try_get("", "id")?, row.try_get("", "name")?);
        if kind == VILLAGE {
            found_villages.insert(id, village(id, name));
        } else {
            found_officers.insert(id, officer_named(id, name));
        }
    }
    Ok((found_villages, found_officers))
}

const VILLAGE: &str = "village";
const OFFICER: &str = "officer";

/// The keys in their first order, each once.
fn distinct<K: std::hash::Hash + Eq + Clone>(keys: impl IntoIterator<Item = K>) -> Vec<K> {
    let mut seen = foldhash::HashSet::default();
    keys.into_iter().filter(|k| seen.insert(k.clone())).collect()
}

/// Org units by id, within the viewer's org-unit scope (every role reads its town's units).
pub struct OrgUnitLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for OrgUnitLoader {
    type Value = OrgUnit;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, OrgUnit> {
        let Ok(select) = self.state.access.select::<OrgUnits>(&self.viewer) else {
            return Ok(HashMap::new());
        };
        let keys = among(org_unit::Column::Id.as_column_ref(), keys, self.state.db.get_database_backend());
        let rows = select.filter(keys).all(&self.state.db).await?;
        Ok(rows.into_iter().map(|u| (u.id, OrgUnit::from(u))).collect())
    }
}

/// The officer with this id (none for the system's own steps), through the request's loader.
pub async fn officer(ctx: &async_graphql::Context<'_>, user: Option<Uuid>) -> async_graphql::Result<Option<Officer>> {
    use super::ContextExt;
    match user {
        Some(user) => Ok(ctx.loaders()?.officers.load_one(user).await?),
        None => Ok(None),
    }
}

/// The org unit with this id (none for the system's own steps), through the request's loader.
pub async fn org_unit(ctx: &async_graphql::Context<'_>, unit: Option<Uuid>) -> async_graphql::Result<Option<OrgUnit>> {
    use super::ContextExt;
    match unit {
        Some(unit) => Ok(ctx.loaders()?.org_units.load_one(unit).await?),
        None => Ok(None),
    }
}

/// A store error as a loader's error, for every loader: a database failure stays the `DbErr` it
/// was, so the error mapping still tells an outage (`UNAVAILABLE`) from an internal error.
pub(crate) fn store_error(err: crate::error::ApiError) -> Arc<DbErr> {
    Arc::new(match err {
        crate::error::ApiError::Internal(err) => match err.downcast::<DbErr>() {
            Ok(err) => err,
            Err(err) => DbErr::Custom(err.to_string()),
        },
        other => DbErr::Custom(other.to_string()),
    })
}
