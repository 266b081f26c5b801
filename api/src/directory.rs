//! The names records show beside their references, kept between requests: the villages and the
//! officers a viewer's role reads in its town, as the names loaders read them
//! (`graphql::loaders::prime_names`).
//!
//! A page of persons names its villages and officers; reading those names was one statement in
//! every page, a round trip that cost more than the names (at 100 000 persons, pages of 50 with
//! their villages and officers: 2,500 against 3,600 pages a second without them). They change
//! seldom, so each server keeps them per role and town, read whole by the loaders' own scoped
//! statement, and forgets them all whenever anything changes them:
//!
//! - PostgreSQL announces every change to the villages or the users on commit, by a trigger
//!   (migration `m20261206_000029_directory_notify`), whoever made it: a server, the command
//!   line, an administrator's SQL. Every server hears it ([`crate::replicas`]) and forgets.
//! - The server that made a change forgets after its commit too, so its own next request reads
//!   the change ([`crate::AppState::forget_user`], `renameVillage`).
//! - Nothing is kept until the server listens, nor after its listener reports it was cut off (it
//!   may have missed an announcement), nor on SQLite, where no channel announces changes and
//!   reads cost no round trip.
//! - Names are read again once they are [`KEPT_FOR`] old, as viewers are: a listener cut off
//!   without a word (a dropped route, a failover), or a change made with triggers disabled
//!   (a restore with `--disable-triggers`), leaves names that stale for no longer than that.
//!
//! A reference whose name is not kept (a user or village added since, or one the role does not
//! read) is read by the statement as before, so what is kept only ever saves a statement; it
//! answers as the statement would but for the moments between a change's commit and its
//! announcement reaching another server, at most [`KEPT_FOR`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use entity::enums::Role;
use uuid::Uuid;

use crate::graphql::loaders::Officer;
use crate::graphql::org::Village;

/// How long names are kept at most: the longest a name may stay stale when an announcement is
/// lost without a word. A minute for a village's or an officer's name; a viewer, whose access
/// hangs on it, is kept 5 s (`auth::viewer::CACHE_TTL`).
pub const KEPT_FOR: Duration = Duration::from_secs(60);

/// The names a role reads in a town: its villages and its officers.
#[derive(Default)]
pub struct Names {
    pub villages: HashMap<Uuid, Village>,
    pub officers: HashMap<Uuid, Officer>,
}

/// What a server keeps: [`Names`] per role and town.
#[derive(Default)]
pub struct Directory {
    entries: Mutex<Entries>,
    /// Set while the server hears every change announced: only then is anything kept or used.
    trusted: AtomicBool,
}

#[derive(Default)]
struct Entries {
    /// The names, and when they were read.
    kept: HashMap<(Role, Uuid), (Arc<Names>, Instant)>,
    /// Counts forgets: names read before one must not be kept.
    generation: u64,
}

/// What the directory has for a role and town.
pub enum Lookup {
    /// The names, kept.
    Names(Arc<Names>),
    /// Nothing kept: read the names, and keep them under this generation ([`Directory::keep`]).
    Read(u64),
    /// Nothing may be kept now: read what is asked for, as without a directory.
    Untrusted,
}

impl Directory {
    /// The names `role` reads in `town`, if kept.
    pub fn kept(&self, role: Role, town: Uuid) -> Lookup {
        let entries = self.lock();
        if !self.trusted() {
            return Lookup::Untrusted;
        }
        match entries.kept.get(&(role, town)) {
            Some((names, read)) if read.elapsed() < KEPT_FOR => Lookup::Names(names.clone()),
            _ => Lookup::Read(entries.generation),
        }
    }

    /// Keeps the names `role` reads in `town`, read after [`Directory::kept`] answered
    /// `Read(generation)` at `read`; dropped when something was forgotten meanwhile. They must be
    /// read outside any transaction: a rolled-back change is never announced.
    pub fn keep(&self, role: Role, town: Uuid, generation: u64, read: Instant, names: Arc<Names>) {
        let mut entries = self.lock();
        if entries.generation == generation && self.trusted() {
            entries.kept.insert((role, town), (names, read));
        }
    }

    /// Forgets every name: something changed them.
    pub fn forget(&self) {
        let mut entries = self.lock();
        entries.kept.clear();
        entries.generation += 1;
    }

    /// Keeps names from now on, starting empty: the server hears every change.
    pub fn trust(&self) {
        if self.trusted() {
            return;
        }
        let mut entries = self.lock();
        entries.kept.clear();
        entries.generation += 1;
        self.trusted.store(true, Ordering::SeqCst);
    }

    /// Forgets every name and keeps none until [`Directory::trust`]: the server may miss a change.
    pub fn distrust(&self) {
        let mut entries = self.lock();
        self.trusted.store(false, Ordering::SeqCst);
        entries.kept.clear();
        entries.generation += 1;
    }

    /// Whether names are kept.
    pub fn trusted(&self) -> bool {
        self.trusted.load(Ordering::SeqCst)
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        crate::lock(&self.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_before_a_forget_are_not_kept() {
        let directory = Directory::default();
        let town = Uuid::now_v7();
        assert!(matches!(directory.kept(Role::Police, town), Lookup::Untrusted), "nothing before the server listens");
        directory.trust();
        let Lookup::Read(generation) = directory.kept(Role::Police, town) else { panic!("nothing kept yet") };
        directory.forget();
        directory.keep(Role::Police, town, generation, Instant::now(), Arc::default());
        assert!(matches!(directory.kept(Role::Police, town), Lookup::Read(_)), "read before the forget");
        let Lookup::Read(generation) = directory.kept(Role::Police, town) else { panic!("nothing kept yet") };
        directory.keep(Role::Police, town, generation, Instant::now(), Arc::default());
        assert!(matches!(directory.kept(Role::Police, town), Lookup::Names(_)));
        let Some(long_ago) = Instant::now().checked_sub(KEPT_FOR) else { return };
        directory.keep(Role::Judicial, town, generation, long_ago, Arc::default());
        assert!(matches!(directory.kept(Role::Judicial, town), Lookup::Read(_)), "read again once old");
        assert!(matches!(directory.kept(Role::Village, town), Lookup::Read(_)), "per role");
        assert!(matches!(directory.kept(Role::Police, Uuid::now_v7()), Lookup::Read(_)), "per town");
        directory.distrust();
        assert!(matches!(directory.kept(Role::Police, town), Lookup::Untrusted));
        directory.trust();
        assert!(matches!(directory.kept(Role::Police, town), Lookup::Read(_)), "trusted again, starting empty");
    }
}
