//! The `Viewer`: who is asking, as the database says now.
//!
//! A token names a user and a session; role, unit and town are loaded from the database for each
//! request (access.md rule 7). Lookups are cached for a few seconds per session and the cache is
//! cleared at once when a session ends or a user changes, on every replica (`crate::replicas`),
//! so logout, a role change and deactivation apply to the very next request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::enums::{Role, UnitKind};
use entity::{app_user, org_unit, session, town};
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

use crate::error::ApiError;

/// How long a cached viewer is served (a change announced by no one still shows after it).
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub unit_kind: UnitKind,
    /// The village of a `VILLAGE` unit.
    pub village_id: Option<Uuid>,
    pub town_id: Uuid,
    pub town_name: String,
}

impl Viewer {
    /// `user`, of `unit` in the town named `town_name`, in the session `session_id` (nil for
    /// work done without one: the command line, tests).
    pub fn of(user: app_user::Model, unit: org_unit::Model, town_name: String, session_id: Uuid) -> Self {
        Self {
            user_id: user.id,
            session_id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            active: user.active,
            unit_id: unit.id,
            unit_name: unit.name,
            unit_kind: unit.kind,
            village_id: unit.village_id,
            town_id: user.town_id,
            town_name,
        }
    }

    /// Whether `other` is this viewer with the same access: the same user and session, role,
    /// unit, village and town, still active (names may differ).
    pub fn same_access(&self, other: &Viewer) -> bool {
        (
            self.user_id,
            self.session_id,
            self.role,
            self.active,
            self.unit_id,
            self.unit_kind,
            self.village_id,
            self.town_id,
        ) == (
            other.user_id,
            other.session_id,
            other.role,
            other.active,
            other.unit_id,
            other.unit_kind,
            other.village_id,
            other.town_id,
        )
    }

    /// A viewer that matches no real user, for checking the policy against the code at start.
    pub fn probe() -> Self {
        Self {
            user_id: Uuid::nil(),
            session_id: Uuid::nil(),
            username: String::new(),
            display_name: String::new(),
            role: Role::Admin,
            active: false,
            unit_id: Uuid::nil(),
            unit_name: String::new(),
            unit_kind: UnitKind::CoordinationOffice,
            village_id: None,
            town_id: Uuid::nil(),
            town_name: String::new(),
        }
    }
}

/// Caches viewers per session for at most [`CACHE_TTL`].
#[derive(Default)]
pub struct ViewerCache {
    entries: Mutex<Entries>,
    /// Set while this replica may miss another's invalidations: nothing is served from the cache
    /// or put in it.
    suspended: AtomicBool,
}

#[derive(Default)]
struct Entries {
    viewers: HashMap<Uuid, (Viewer, Instant)>,
    /// Counts forgets: a load that began before one must not cache what it read.
    generation: u64,
}

impl ViewerCache {
    /// The viewer of a live session, or `UNAUTHENTICATED` when the session ended, expired, or its
    /// user is inactive.
    pub async fn load(&self, db: &DatabaseConnection, user_id: Uuid, session_id: Uuid) -> Result<Viewer, ApiError> {
        let generation = match self.cached(session_id) {
            Ok(viewer) => {
                return if viewer.user_id == user_id { Ok(viewer) } else { Err(ApiError::Unauthenticated) };
            }
            Err(generation) => generation,
        };
        let viewer = load_viewer(db, user_id, session_id).await?.ok_or(ApiError::Unauthenticated)?;
        let mut entries = self.lock();
        if entries.generation == generation && !self.suspended() {
            entries.viewers.insert(session_id, (viewer.clone(), Instant::now()));
        }
        Ok(viewer)
    }

    /// The cached viewer, or the generation to cache a fresh read under.
    fn cached(&self, session_id: Uuid) -> Result<Viewer, u64> {
        let mut entries = self.lock();
        if self.suspended() {
            return Err(entries.generation);
        }
        let generation = entries.generation;
        let entries = &mut entries.viewers;
        match entries.get(&session_id) {
            Some((viewer, at)) if at.elapsed() < CACHE_TTL => Ok(viewer.clone()),
            Some(_) => {
                entries.remove(&session_id);
                Err(generation)
            }
            None => Err(generation),
        }
    }

    /// Forgets one session (logout, refresh-token reuse) on this replica; see
    /// `replicas::announce_forget` for the others.
    pub fn forget_session(&self, session_id: Uuid) {
        let mut entries = self.lock();
        entries.viewers.remove(&session_id);
        entries.generation += 1;
    }

    /// Forgets every session of a user (role change, deactivation) on this replica.
    pub fn forget_user(&self, user_id: Uuid) {
        let mut entries = self.lock();
        entries.viewers.retain(|_, (viewer, _)| viewer.user_id != user_id);
        entries.generation += 1;
    }

    /// Forgets everything and bypasses the cache until [`ViewerCache::resume`]: this replica may
    /// be missing other replicas' invalidations.
    pub fn suspend(&self) {
        let mut entries = self.lock();
        self.suspended.store(true, Ordering::SeqCst);
        entries.viewers.clear();
        entries.generation += 1;
    }

    /// Uses the cache again, starting empty.
    pub fn resume(&self) {
        if !self.suspended() {
            return;
        }
        let mut entries = self.lock();
        entries.viewers.clear();
        entries.generation += 1;
        self.suspended.store(false, Ordering::SeqCst);
    }

    /// Whether the cache is bypassed.
    pub fn suspended(&self) -> bool {
        self.suspended.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        crate::lock(&self.entries)
    }
}

async fn load_viewer(db: &DatabaseConnection, user_id: Uuid, session_id: Uuid) -> Result<Option<Viewer>, ApiError> {
    let Some(session) = session::Entity::find_by_id(session_id).one(db).await? else {
        return Ok(None);
    };
    if session.user_id != user_id || session.revoked_at.is_some() || session.expires_at <= Utc::now() {
        return Ok(None);
    }
    let Some(user) = app_user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let unit = org_unit::Entity::find_by_id(user.org_unit_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user {user_id} has no unit")))?;
    let town = town::Entity::find_by_id(user.town_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user {user_id} has no town")))?;
    Ok(Some(Viewer::of(user, unit, town.name, session_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_changes_with_role_unit_village_or_activity_and_not_with_names() {
        let viewer = Viewer::probe();
        let renamed = Viewer { unit_name: "改名".into(), display_name: "改名".into(), ..viewer.clone() };
        assert!(viewer.same_access(&renamed));
        let changes = [
            Viewer { role: Role::Police, ..viewer.clone() },
            Viewer { active: true, ..viewer.clone() },
            Viewer { unit_id: Uuid::now_v7(), ..viewer.clone() },
            Viewer { village_id: Some(Uuid::now_v7()), ..viewer.clone() },
            Viewer { town_id: Uuid::now_v7(), ..viewer.clone() },
            Viewer { session_id: Uuid::now_v7(), ..viewer.clone() },
        ];
        for changed in changes {
            assert!(!viewer.same_access(&changed), "{changed:?}");
        }
    }
}
