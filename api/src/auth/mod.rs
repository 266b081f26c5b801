//! Authentication: passwords, tokens, sessions, and the [`Viewer`] of each request.
//!
//! [`Auth`] is created once at start and shared. It never decides what a viewer may see; that is
//! the access layer's job.

pub mod client;
pub mod password;
pub mod session;
pub mod setup;
pub mod throttle;
pub mod token;
pub mod viewer;

use std::time::Duration;

pub use client::{IpRange, client_addr};
pub use session::TokenPair;
pub use viewer::{Viewer, ViewerCache};

use crate::config::Limits;
use password::HashGate;
use throttle::LoginThrottle;
use token::TokenKeys;

/// Shared authentication state.
pub struct Auth {
    pub keys: TokenKeys,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long a used refresh token still gets its successor (concurrent refreshes).
    pub refresh_grace: Duration,
    pub viewers: ViewerCache,
    pub throttle: LoginThrottle,
    /// The bound on concurrent password hashes.
    pub hashes: HashGate,
}

impl Auth {
    pub fn new(keys: TokenKeys, access_ttl: Duration, refresh_ttl: Duration, limits: &Limits) -> Self {
        Self {
            keys,
            access_ttl,
            refresh_ttl,
            refresh_grace: Duration::from_secs(limits.refresh_grace_secs),
            viewers: ViewerCache::default(),
            throttle: LoginThrottle {
                max: limits.login_attempts_per_minute,
                base: Duration::from_secs(limits.login_lockout_secs),
                cap: Duration::from_secs(limits.login_lockout_max_secs),
            },
            hashes: HashGate::new(limits.password_hash_concurrency),
        }
    }
}
