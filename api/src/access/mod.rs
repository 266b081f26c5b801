//! The access layer: the one place that decides what a viewer may see and do.
//!
//! The casbin enforcer is built once at start from `policy/model.conf` and `policy/policy.csv`
//! (compiled into the binary, so a server always runs the policy it was tested with) and every
//! line is checked against the code ([`resource::validate`]). Per request the work is lookups:
//!
//! - [`Access::rows`] turns the row scopes granted for (resource, action) into one SQL
//!   condition, always within the viewer's town; lists, counts and single reads all use it.
//! - [`Access::groups`] says which field groups the viewer holds, per row where the grant
//!   depends on the row, and gives the SQL for "holds this group on this row" (access.md rule 4).
//!
//! A resource, group or action without a policy line is denied. This module never widens a
//! scope and never reads case data for its own sake.

pub mod duty;
pub mod matrix;
pub mod page;
pub mod resource;
pub mod scope;
pub mod store;
pub mod stores;

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, RwLock};

use casbin::{CoreApi, DefaultModel, Enforcer, MgmtApi, StringAdapter};
use entity::app_user;
use entity::enums::Role;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, PrimaryKeyTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::ApiError;
pub use resource::Resource;
pub use scope::{Atom, Scope};

/// The policy files, as committed.
pub const MODEL: &str = include_str!("../../../policy/model.conf");
pub const POLICY: &str = include_str!("../../../policy/policy.csv");

/// Every role, in the order the access matrix lists them.
pub const ROLES: [Role; 6] =
    [Role::Coordinator, Role::Discipline, Role::Police, Role::Judicial, Role::Village, Role::Admin];

/// The shared enforcer and the scopes it grants, indexed for per-request lookups.
pub struct Access {
    enforcer: Enforcer,
    /// (role, resource, action) -> (town or `*`, scope), in policy order.
    grants: HashMap<(String, String, String), Vec<(String, Scope)>>,
    /// The enforcer's answers, each asked once: (role, town, resource, action) -> the scopes
    /// granted there. The policy is fixed for the life of the process, so an answer never goes
    /// stale; towns are few, so the table stays small.
    decided: RwLock<HashMap<(Role, Uuid), Decided>>,
}

/// resource -> action -> the scopes granted, for one role in one town.
type Decided = HashMap<String, HashMap<String, Arc<[Scope]>>>;

impl Access {
    /// Loads the committed policy; fails on any line the code cannot honour, so a typo in
    /// `policy.csv` stops the server instead of silently denying or granting.
    pub async fn load() -> anyhow::Result<Self> {
        Self::from_text(MODEL, POLICY).await
    }

    /// Loads a model and policy given as text (tests use it to try broken policies).
    pub async fn from_text(model: &str, policy: &str) -> anyhow::Result<Self> {
        let model = DefaultModel::from_str(model).await?;
        let enforcer = Enforcer::new(model, StringAdapter::new(policy.to_owned())).await?;
        let mut grants: HashMap<(String, String, String), Vec<(String, Scope)>> = HashMap::new();
        for rule in enforcer.get_policy() {
            let [role, dom, obj, act, scope] = rule.as_slice() else {
                anyhow::bail!("policy line {rule:?} must have five fields");
            };
            if dom != "*" && uuid::Uuid::parse_str(dom).is_err() {
                anyhow::bail!("policy line {rule:?}: the town must be `*` or a town id");
            }
            if !ROLES.iter().any(|r| role_name(*r) == role) {
                anyhow::bail!("policy line {rule:?}: unknown role `{role}`");
            }
            let scope = scope.parse::<Scope>().map_err(|e| anyhow::anyhow!("policy line {rule:?}: {e}"))?;
            resource::validate(obj, &scope).map_err(|e| anyhow::anyhow!("policy line {rule:?}: {e}"))?;
            grants.entry((role.clone(), obj.clone(), act.clone())).or_default().push((dom.clone(), scope));
        }
        Ok(Self { enforcer, grants, decided: RwLock::default() })
    }

    /// Whether the viewer's role may perform `action` on `resource` on some row.
    pub fn can(&self, viewer: &Viewer, resource: &str, action: &str) -> bool {
        let town = viewer.town_id.to_string();
        self.enforcer.enforce((role_name(viewer.role), town.as_str(), resource, action)).unwrap_or(false)
    }

    /// The scopes granted to the viewer for (resource, action) in its town; empty when the
    /// enforcer denies. The enforcer decides each question once (see `decided`).
    fn scopes(&self, viewer: &Viewer, resource: &str, action: &str) -> Arc<[Scope]> {
        let who = (viewer.role, viewer.town_id);
        let read = self.decided.read().unwrap_or_else(|p| p.into_inner());
        // The lookup borrows the question's parts; only a first question allocates.
        if let Some(scopes) = read.get(&who).and_then(|d| d.get(resource)).and_then(|d| d.get(action)) {
            return scopes.clone();
        }
        drop(read);
        let scopes: Arc<[Scope]> = self.decide(viewer, resource, action).into();
        let mut write = self.decided.write().unwrap_or_else(|p| p.into_inner());
        let by_resource = write.entry(who).or_default().entry(resource.to_owned()).or_default();
        by_resource.insert(action.to_owned(), scopes.clone());
        scopes
    }

    fn decide(&self, viewer: &Viewer, resource: &str, action: &str) -> Vec<Scope> {
        if !self.can(viewer, resource, action) {
            return Vec::new();
        }
        let town = viewer.town_id.to_string();
        self.grants
            .get(&(role_name(viewer.role).to_owned(), resource.to_owned(), action.to_owned()))
            .map(|grants| grants.iter().filter(|(dom, _)| dom == "*" || *dom == town).map(|(_, s)| s.clone()).collect())
            .unwrap_or_default()
    }

    /// The rows of `R` on which the viewer may perform `action`, as one SQL condition within the
    /// viewer's town; `None` when the policy grants the action on no row at all.
    pub fn rows<R: Resource>(&self, viewer: &Viewer, action: &str) -> Option<Condition> {
        let scopes = self.scopes(viewer, R::NAME, action);
        if scopes.is_empty() {
            return None;
        }
        Some(Condition::all().add(R::town_column().eq(viewer.town_id)).add(any_of::<R>(&scopes, viewer)))
    }

    /// Whether the viewer reads every row of `R` in its town (a scope of `town` alone): then a
    /// figure kept for the whole town is exactly its figure.
    pub fn reads_whole_town<R: Resource>(&self, viewer: &Viewer) -> bool {
        self.scopes(viewer, R::NAME, "read").iter().any(|scope| scope.0.iter().all(|atom| *atom == scope::Atom::Town))
    }

    /// A query over the rows of `R` the viewer may read; `FORBIDDEN` when it may read none.
    /// Every read of `R` starts here.
    pub fn select<R: Resource>(&self, viewer: &Viewer) -> std::result::Result<Select<R::Entity>, ApiError> {
        let rows = self.rows::<R>(viewer, "read").ok_or(ApiError::Forbidden)?;
        Ok(find::<R::Entity>().filter(rows))
    }

    /// Whether the viewer may perform `action` on a loaded row, decided in memory; `false` when
    /// a scope of the grant cannot be decided from the row alone (ask with [`Access::rows`]).
    pub fn can_on_row<R: Resource>(
        &self,
        viewer: &Viewer,
        action: &str,
        row: &<R::Entity as EntityTrait>::Model,
    ) -> bool {
        self.scopes(viewer, R::NAME, action)
            .iter()
            .any(|scope| scope.0.iter().all(|atom| R::atom_on_row(*atom, viewer, row).unwrap_or(false)))
    }

    /// The field groups of `R` the viewer holds.
    pub fn groups<R: Resource>(&self, viewer: &Viewer) -> Groups<R> {
        let per_group = R::GROUPS.iter().map(|g| self.scopes(viewer, &format!("{}.{g}", R::NAME), "read")).collect();
        Groups { per_group, _resource: PhantomData }
    }

    /// Whether a row with this id exists in the viewer's town, in any scope. Used only to log
    /// denied attempts on real rows (access.md rule 6); the answer never reaches the client, and
    /// another town's rows are no business of this town's audit log.
    pub async fn exists_in_town<R: Resource>(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        viewer: &Viewer,
        id: Uuid,
    ) -> Result<bool, ApiError>
    where
        <<R::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        let query = R::Entity::find_by_id(id).filter(R::town_column().eq(viewer.town_id));
        Ok(query.one(db).await?.is_some())
    }

    /// The id of an active user of the viewer's town (of `role`, if given), for checking a
    /// reference in a write (a talk's officer, a responsible officer). Returns nothing about
    /// the user but that it exists there.
    pub async fn town_user(
        &self,
        db: &DatabaseConnection,
        viewer: &Viewer,
        user: Uuid,
        role: Option<Role>,
    ) -> Result<Option<Uuid>, ApiError> {
        let mut query = find::<app_user::Entity>()
            .filter(app_user::Column::TownId.eq(viewer.town_id))
            .filter(app_user::Column::Id.eq(user))
            .filter(app_user::Column::Active.eq(true));
        if let Some(role) = role {
            query = query.filter(app_user::Column::Role.eq(role));
        }
        Ok(query.one(db).await?.map(|u| u.id))
    }

    /// Every policy line, for the generated access matrix.
    pub fn rules(&self) -> Vec<Vec<String>> {
        self.enforcer.get_policy()
    }
}

fn any_of<R: Resource>(scopes: &[Scope], viewer: &Viewer) -> Condition {
    let mut any = Condition::any();
    for scope in scopes {
        let mut all = Condition::all();
        for atom in &scope.0 {
            // Validated at load; an atom unknown here can only narrow, never widen.
            all = all.add(R::atom(*atom, viewer).unwrap_or_else(resource::never));
        }
        any = any.add(all);
    }
    if scopes.is_empty() { resource::never() } else { any }
}

/// The field groups of one resource that one viewer holds (see [`Access::groups`]).
pub struct Groups<R: Resource> {
    per_group: Vec<Arc<[Scope]>>,
    _resource: PhantomData<R>,
}

/// The groups of `R` held on one row.
pub struct GroupSet<R: Resource> {
    bits: u32,
    _resource: PhantomData<fn() -> R>,
}

impl<R: Resource> Clone for GroupSet<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Resource> Copy for GroupSet<R> {}

impl<R: Resource> GroupSet<R> {
    /// Whether the group is held. A name that is not a group of `R` is never held.
    pub fn has(self, group: &str) -> bool {
        R::GROUPS.iter().position(|g| *g == group).is_some_and(|i| self.bits & (1 << i) != 0)
    }

    /// Whether every group of `R` is held (a row's `version` counts changes to all of them, so
    /// only such a viewer may see it).
    pub fn all(self) -> bool {
        (0..R::GROUPS.len()).all(|i| self.bits & (1 << i) != 0 || R::UNVERSIONED.contains(&R::GROUPS[i]))
    }

    /// The names of the groups held.
    pub fn names(self) -> Vec<&'static str> {
        R::GROUPS.iter().enumerate().filter(|(i, _)| self.bits & (1 << i) != 0).map(|(_, g)| *g).collect()
    }
}

impl<R: Resource> Groups<R> {
    /// The groups the viewer holds on a row it may read.
    pub fn on(&self, viewer: &Viewer, row: &<R::Entity as EntityTrait>::Model) -> GroupSet<R> {
        let mut set = 0u32;
        for (i, scopes) in self.per_group.iter().enumerate() {
            let held = scopes.iter().any(|scope| {
                // An atom the row cannot decide counts as not satisfied: deny, never guess.
                scope.0.iter().all(|atom| R::atom_on_row(*atom, viewer, row).unwrap_or(false))
            });
            if held {
                set |= 1 << i;
            }
        }
        GroupSet { bits: set, _resource: PhantomData }
    }

    /// Whether the viewer holds `group` on at least some rows (rule 4: else filtering or
    /// ordering by its fields is `FORBIDDEN` before any SQL runs).
    pub fn held_anywhere(&self, group: &str) -> bool {
        self.index(group).is_some_and(|i| !self.per_group[i].is_empty())
    }

    /// Whether the viewer holds `group` on every row it may read, so a filter on it needs no
    /// per-row guard.
    pub fn held_everywhere(&self, group: &str) -> bool {
        self.index(group).is_some_and(|i| self.per_group[i].iter().any(|s| s.0.iter().all(|a| *a == Atom::Row)))
    }

    /// A filter on fields of `group` (rule 4): `FORBIDDEN`, before any SQL runs, when the viewer
    /// holds the group on no row; combined with "the viewer holds it on this row" when it holds
    /// it on some rows only, so a hidden row never matches.
    pub fn filter(&self, viewer: &Viewer, group: &str, cond: Condition) -> Result<Condition, ApiError> {
        if !self.held_anywhere(group) {
            return Err(ApiError::Forbidden);
        }
        Ok(self.guarded(viewer, group, cond))
    }

    /// `cond` on fields of `group`, true only on rows where the viewer holds the group: on no
    /// row when it holds the group nowhere (reports and counts, which answer rather than refuse).
    pub fn guarded(&self, viewer: &Viewer, group: &str, cond: Condition) -> Condition {
        if self.held_everywhere(group) {
            return cond;
        }
        // A new conjunction: `cond` may be an `any`, to which `add` would join the guard as one
        // more alternative and let hidden rows match.
        Condition::all().add(cond).add(self.condition(viewer, group))
    }

    /// SQL for "the viewer holds `group` on this row", to guard a filter on its fields (rule 4).
    pub fn condition(&self, viewer: &Viewer, group: &str) -> Condition {
        match self.index(group) {
            Some(i) => any_of::<R>(&self.per_group[i], viewer),
            None => resource::never(),
        }
    }

    fn index(&self, group: &str) -> Option<usize> {
        R::GROUPS.iter().position(|g| *g == group)
    }
}

impl<R: store::Versioned> Groups<R> {
    /// The `changedSince` filter: rows changed after `at`. A row's `updated_at` moves with a
    /// change to any of its field groups, exactly as its `version` counts them, so it is a field
    /// of every group at once (rule 4): `FORBIDDEN`, before any SQL runs, when some group is held
    /// on no row; else true only on rows where the viewer holds every group, so a change to a
    /// group the viewer lacks never makes a row match (no oracle on hidden activity).
    pub fn changed_since(&self, viewer: &Viewer, at: chrono::DateTime<chrono::Utc>) -> Result<Condition, ApiError> {
        let mut all = Condition::all().add(R::updated_at_column().gt(at));
        for group in R::GROUPS.iter().filter(|g| !R::UNVERSIONED.contains(*g)) {
            if !self.held_anywhere(group) {
                return Err(ApiError::Forbidden);
            }
            if !self.held_everywhere(group) {
                all = all.add(self.condition(viewer, group));
            }
        }
        Ok(all)
    }
}

/// The policy's name for a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Coordinator => "coordinator",
        Role::Discipline => "discipline",
        Role::Police => "police",
        Role::Judicial => "judicial",
        Role::Village => "village",
        Role::Admin => "admin",
    }
}

/// `E::find()`, copied from one kept per entity. sea-orm builds the select of every column
/// afresh on each call, the definition of each column with it (an enumeration's list of
/// values, allocated, for a cast it then compares and drops): some 700 instructions a column,
/// 18,000 for a select of persons, on every page, before any filter. The copy is the same
/// statement.
pub fn find<E: EntityTrait>() -> Select<E> {
    use std::any::{Any, TypeId};
    type Kept = RwLock<HashMap<TypeId, Box<dyn Any + Send + Sync>, foldhash::fast::FixedState>>;
    static KEPT: std::sync::OnceLock<Kept> = std::sync::OnceLock::new();
    let kept = KEPT.get_or_init(Kept::default);
    let id = TypeId::of::<E>();
    let read = kept.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(select) = read.get(&id).and_then(|select| select.downcast_ref::<Select<E>>()) {
        return select.clone();
    }
    drop(read);
    let select = E::find();
    kept.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id, Box::new(select.clone()));
    select
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, EntityTrait, QueryTrait};

    fn same_as_sea_orms<E: EntityTrait>() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let theirs = E::find().build(backend).to_string();
            // The first copy is made and kept, the second read from what was kept.
            for _ in 0..2 {
                assert_eq!(super::find::<E>().build(backend).to_string(), theirs);
            }
        }
    }

    #[test]
    fn a_kept_select_is_the_statement_sea_orm_builds() {
        same_as_sea_orms::<entity::person::Entity>();
        same_as_sea_orms::<entity::person_talk::Entity>();
        same_as_sea_orms::<entity::lead::Entity>();
        same_as_sea_orms::<entity::task::Entity>();
        same_as_sea_orms::<entity::app_user::Entity>();
        // Each entity keeps its own.
        assert_ne!(
            super::find::<entity::person::Entity>().build(DbBackend::Postgres).to_string(),
            super::find::<entity::lead::Entity>().build(DbBackend::Postgres).to_string()
        );
    }
}
