//! Password hashing with argon2id (PHC strings in the database).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;

/// Bounds how many argon2 hashes run at once. Each holds its memory (19 MiB with the default
/// parameters) for its whole run; unbounded, 150 concurrent logins took the server to 1.3 GB.
///
/// A caller past the bound waits its turn (the queue is fair) rather than being refused: at an
/// office's shift start the logins come in a burst, and a login that takes a second longer is
/// what the people there expect, not an error. A waiting caller holds only its request; a flood
/// of guesses is limited per (username, address) by the throttle before it gets here.
pub struct HashGate {
    permits: Arc<Semaphore>,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl HashGate {
    pub fn new(concurrency: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), running: Arc::default(), peak: Arc::default() }
    }

    /// Runs `work` (a hash or a verification) on a blocking thread once a permit is free. The
    /// permit moves into the thread: a caller that goes away (the client hung up) does not free
    /// it while the hash still runs.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        let permit = self.permits.clone().acquire_owned().await?;
        let (running, peak) = (self.running.clone(), self.peak.clone());
        let out = tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = work();
            running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            out
        })
        .await?;
        Ok(out)
    }

    /// The most hashes that ever ran at once (tests check the bound with it).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// Hashes a password with a fresh random salt. CPU-heavy: call from a blocking thread.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let hashed =
        Argon2::default().hash_password(password.as_bytes()).map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hashed.to_string())
}

/// True when `password` matches the stored PHC string. CPU-heavy: call from a blocking thread.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Verifies against a fixed hash so that an unknown username costs as much time as a wrong
/// password, and login time says nothing about which usernames exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("pingan-dummy-password").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = super::hash("demo-pass-2026").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("demo-pass-2026", &stored));
        assert!(!super::verify("demo-pass-2027", &stored));
        assert!(!super::verify("demo-pass-2026", "not a phc string"));
    }
}
