//! Failed-login limits per (username, client address) pair, a sliding window in memory.
//!
//! An attempt is counted *before* its password is checked, under one lock, so concurrent guesses
//! cannot all slip past the limit; a successful login gives its attempt back. The key is the
//! pair, never the address alone or the username alone: an attacker behind an office's NAT must
//! not lock out everyone there, nor an attacker anywhere lock out the real user at their desk.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts login attempts per key within a window.
pub struct LoginLimiter {
    max: u32,
    window: Duration,
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// An attempt counted against a key; [`LoginLimiter::succeeded`] takes it back.
#[must_use]
pub struct Attempt {
    key: String,
    at: Instant,
}

impl LoginLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window, attempts: Mutex::new(HashMap::new()) }
    }

    /// The key of one username from one address.
    pub fn key(username: &str, client: Option<std::net::IpAddr>) -> String {
        match client {
            Some(addr) => format!("{}|{addr}", username.to_lowercase()),
            None => format!("{}|-", username.to_lowercase()),
        }
    }

    /// Counts an attempt for `key`, or `None` when its attempts in the window are used up.
    /// Checking and counting are one step, so at most `max` attempts per window are ever let
    /// through, however many arrive at once.
    pub fn begin(&self, key: String) -> Option<Attempt> {
        let mut attempts = self.lock();
        let now = Instant::now();
        // Bound memory under a flood of distinct keys: drop keys whose window has passed.
        if attempts.len() > 100_000 {
            attempts.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let times = attempts.entry(key.clone()).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
        if times.len() as u32 >= self.max {
            return None;
        }
        times.push_back(now);
        Some(Attempt { key, at: now })
    }

    /// The attempt succeeded: it does not count against the key.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut attempts = self.lock();
        if let Some(times) = attempts.get_mut(&attempt.key) {
            if let Some(i) = times.iter().position(|t| *t == attempt.at) {
                times.remove(i);
            }
            if times.is_empty() {
                attempts.remove(&attempt.key);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_max_attempts_pass_per_key_and_window() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60));
        let key = LoginLimiter::key("A", None);
        assert!(limiter.begin(key.clone()).is_some());
        assert!(limiter.begin(key.clone()).is_some());
        assert!(limiter.begin(key.clone()).is_none());
        assert!(limiter.begin(LoginLimiter::key("b", None)).is_some(), "another user is not limited");
    }

    #[test]
    fn a_successful_attempt_is_given_back() {
        let limiter = LoginLimiter::new(1, Duration::from_secs(60));
        let key = LoginLimiter::key("a", None);
        let attempt = limiter.begin(key.clone()).expect("first attempt");
        limiter.succeeded(attempt);
        assert!(limiter.begin(key).is_some());
    }

    #[test]
    fn one_address_does_not_limit_another_user_from_it() {
        let limiter = LoginLimiter::new(1, Duration::from_secs(60));
        let addr = Some(std::net::IpAddr::from([10, 0, 0, 1]));
        let _ = limiter.begin(LoginLimiter::key("a", addr)).expect("first attempt");
        assert!(limiter.begin(LoginLimiter::key("a", addr)).is_none());
        assert!(limiter.begin(LoginLimiter::key("b", addr)).is_some());
    }

    #[test]
    fn attempts_expire_after_the_window() {
        let limiter = LoginLimiter::new(1, Duration::from_millis(10));
        let key = LoginLimiter::key("a", None);
        let _ = limiter.begin(key.clone()).expect("first attempt");
        assert!(limiter.begin(key.clone()).is_none());
        std::thread::sleep(Duration::from_millis(20));
        assert!(limiter.begin(key).is_some());
    }
}
