//! Failed-login limits per username and per client address (a sliding window in memory).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failed logins per key within a window.
pub struct LoginLimiter {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window, failures: Mutex::new(HashMap::new()) }
    }

    /// True when any of `keys` has used up its failures in the window.
    pub fn is_limited(&self, keys: &[String]) -> bool {
        let mut failures = self.lock();
        let now = Instant::now();
        keys.iter().any(|key| match failures.get_mut(key) {
            Some(times) => {
                while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    times.pop_front();
                }
                times.len() as u32 >= self.max
            }
            None => false,
        })
    }

    /// Counts one failure against each of `keys`.
    pub fn record_failure(&self, keys: &[String]) {
        let mut failures = self.lock();
        let now = Instant::now();
        // Bound memory under a flood of distinct usernames: drop keys whose window has passed.
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        for key in keys {
            failures.entry(key.clone()).or_default().push_back(now);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_after_max_failures_for_either_key() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60));
        let keys = vec!["user:a".to_string(), "addr:1".to_string()];
        assert!(!limiter.is_limited(&keys));
        limiter.record_failure(&keys);
        assert!(!limiter.is_limited(&keys));
        limiter.record_failure(&keys);
        assert!(limiter.is_limited(&keys));
        assert!(limiter.is_limited(&["addr:1".to_string()]));
        assert!(!limiter.is_limited(&["user:b".to_string()]));
    }

    #[test]
    fn failures_expire_after_the_window() {
        let limiter = LoginLimiter::new(1, Duration::from_millis(10));
        let keys = vec!["user:a".to_string()];
        limiter.record_failure(&keys);
        assert!(limiter.is_limited(&keys));
        std::thread::sleep(Duration::from_millis(20));
        assert!(!limiter.is_limited(&keys));
    }
}
