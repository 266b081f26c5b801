//! Authentication: passwords, tokens, sessions, and the [`Viewer`] of each request.
//!
//! [`Auth`] is created once at start and shared. It never decides what a viewer may see; that is
//! the access layer's job.

pub mod password;
pub mod rate_limit;
pub mod session;
pub mod token;
pub mod viewer;

use std::time::Duration;

pub use session::TokenPair;
pub use viewer::{Viewer, ViewerCache};

use rate_limit::LoginLimiter;
use token::TokenKeys;

/// Shared authentication state.
pub struct Auth {
    pub keys: TokenKeys,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub viewers: ViewerCache,
    pub limiter: LoginLimiter,
}

impl Auth {
    pub fn new(keys: TokenKeys, access_ttl: Duration, refresh_ttl: Duration, attempts_per_minute: u32) -> Self {
        Self {
            keys,
            access_ttl,
            refresh_ttl,
            viewers: ViewerCache::default(),
            limiter: LoginLimiter::new(attempts_per_minute, Duration::from_secs(60)),
        }
    }
}
