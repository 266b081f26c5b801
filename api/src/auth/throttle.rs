//! Failed-login throttling per (username, client address) pair, counted in the database.
//!
//! The key is the pair, never the address alone or the username alone: an attacker anywhere must
//! not lock the real user out at their desk, nor one behind an office's NAT everyone there.
//!
//! An attempt is counted *before* its password is checked, by one UPSERT that also decides
//! whether the attempt may go ahead: it increments the pair's count only while the pair is not
//! locked, and sets the lock in the same statement once the count reaches the limit. The
//! database orders concurrent statements on one row (PostgreSQL's row lock, SQLite's single
//! writer), so of any number of simultaneous guesses at most `max` are evaluated, and that holds
//! for every server on the same database. After `max` attempts the pair waits `base`; each
//! further failure lets one attempt through when the wait ends and doubles it, up to `cap`.
//! A success deletes the pair's row. Rows quiet for a day are pruned, a bounded batch per failure.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use sha2::{Digest, Sha256};

/// How long failures of a quiet pair are remembered.
const MEMORY: chrono::Duration = chrono::Duration::days(1);
/// Most quiet rows one failed attempt prunes.
const PRUNE_BATCH: u64 = 100;

/// The throttle's settings.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    /// Attempts a pair may make before its first lockout.
    pub max: u32,
    /// The first lockout.
    pub base: Duration,
    /// The longest lockout.
    pub cap: Duration,
}

/// An attempt counted against a pair; [`LoginThrottle::succeeded`] clears the pair.
#[must_use]
pub struct Attempt {
    key: String,
}

fn table() -> Alias {
    Alias::new("login_throttle")
}

fn col(name: &str) -> Expr {
    Expr::col((table(), Alias::new(name)))
}

impl LoginThrottle {
    /// The key of one username from one address: a digest, so its length is bounded whatever a
    /// caller types, and mistyped usernames (often a password) are not kept in clear.
    pub fn key(username: &str, client: Option<IpAddr>) -> String {
        let client = client.map_or_else(|| "-".to_owned(), |a| a.to_canonical().to_string());
        let digest = Sha256::digest(format!("{}\n{client}", username.to_lowercase()).as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The lockout that follows the `count`-th attempt of a pair, if any.
    pub fn lockout(&self, count: u32) -> Option<Duration> {
        let doublings = count.checked_sub(Ord::max(self.max, 1))?;
        Some(self.base.saturating_mul(2u32.saturating_pow(Ord::min(doublings, 31))).min(self.cap.max(self.base)))
    }

    /// Counts an attempt for the pair, or `None` while the pair is locked out.
    pub async fn begin(&self, db: &DatabaseConnection, key: String) -> Result<Option<Attempt>, DbErr> {
        let now = Utc::now();
        let until = |count: u32| -> Option<DateTime<Utc>> {
            self.lockout(count).and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| now + d)
        };
        // The lock after the incremented count, spelled out per count up to the cap: portable
        // SQL, and the lock is set by the same statement that counts.
        let next = col("failures").add(1);
        let max = Ord::max(self.max, 1);
        let mut lock = Expr::case(next.clone().lt(max), Expr::value(Option::<DateTime<Utc>>::None));
        let mut count = max;
        while self.lockout(count) < self.lockout(count + 1) && count < max + 32 {
            lock = lock.case(next.clone().eq(count), Expr::value(until(count)));
            count += 1;
        }
        let lock = lock.finally(Expr::value(until(count)));
        let insert = Query::insert()
            .into_table(table())
            .columns(["key", "failures", "locked_until", "updated_at"].map(Alias::new))
            .values_panic([key.clone().into(), 1.into(), until(1).into(), now.into()])
            .on_conflict(
                OnConflict::column(Alias::new("key"))
                    .value(Alias::new("failures"), next.clone())
                    .value(Alias::new("locked_until"), lock)
                    .value(Alias::new("updated_at"), now)
                    .action_and_where(col("locked_until").is_null().or(col("locked_until").lte(now)))
                    .to_owned(),
            )
            .returning_col(Alias::new("failures"))
            .to_owned();
        let counted = db.query_one(&insert).await?;
        Ok(counted.map(|_| Attempt { key }))
    }

    /// The attempt succeeded: the pair's failures are forgotten.
    pub async fn succeeded(&self, db: &DatabaseConnection, attempt: Attempt) -> Result<(), DbErr> {
        let delete = Query::delete().from_table(table()).and_where(col("key").eq(attempt.key)).to_owned();
        db.execute(&delete).await?;
        Ok(())
    }

    /// The attempt failed: it stays counted. Prunes a batch of pairs quiet for a day, so a flood
    /// of made-up usernames cannot grow the table without end.
    pub async fn failed(&self, db: &DatabaseConnection, _attempt: Attempt) -> Result<(), DbErr> {
        let now = Utc::now();
        let quiet = Query::select()
            .column(Alias::new("key"))
            .from(table())
            .and_where(col("updated_at").lt(now - MEMORY))
            .and_where(col("locked_until").is_null().or(col("locked_until").lt(now)))
            .limit(PRUNE_BATCH)
            .to_owned();
        let prune = Query::delete().from_table(table()).and_where(col("key").in_subquery(quiet)).to_owned();
        db.execute(&prune).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lockout_starts_at_the_limit_doubles_and_stops_at_the_cap() {
        let throttle = LoginThrottle { max: 5, base: Duration::from_secs(60), cap: Duration::from_secs(3600) };
        assert_eq!(throttle.lockout(4), None);
        assert_eq!(throttle.lockout(5), Some(Duration::from_secs(60)));
        assert_eq!(throttle.lockout(6), Some(Duration::from_secs(120)));
        assert_eq!(throttle.lockout(10), Some(Duration::from_secs(1920)));
        assert_eq!(throttle.lockout(11), Some(Duration::from_secs(3600)));
        assert_eq!(throttle.lockout(u32::MAX), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn the_key_is_the_pair_case_blind_in_the_username() {
        let addr = Some(IpAddr::from([10, 0, 0, 1]));
        assert_eq!(LoginThrottle::key("Police", addr), LoginThrottle::key("police", addr));
        assert_ne!(LoginThrottle::key("police", addr), LoginThrottle::key("coord", addr));
        assert_ne!(LoginThrottle::key("police", addr), LoginThrottle::key("police", None));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(LoginThrottle::key("police", Some(mapped)), LoginThrottle::key("police", addr));
        assert_eq!(LoginThrottle::key(&"x".repeat(10_000), None).len(), 64);
    }
}
