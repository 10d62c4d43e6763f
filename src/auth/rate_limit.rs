//! Login rate limiting with `governor` (GCRA): attempts refill steadily, so a limited client
//! waits seconds, never gets locked out for good.
//!
//! The policy, with N = `HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE`:
//! - every attempt: 3N a minute per client IP;
//! - from a device that logged in to this account before (it carries the account's device
//!   cookie, see `auth::device`): N a minute per device;
//! - from any other device: N a minute per account, for all unknown devices together.
//!
//! A stranger guessing passwords from many addresses soon hits the per-account limit for
//! unknown devices, but that limit does not apply to the owner's own browser or app, so the
//! owner is never locked out by someone else's guessing.
//!
//! One node (SQLite) counts in memory. Nodes sharing a PostgreSQL database count in it (the
//! same GCRA, one upsert per attempt in `db::models::login_limits`), so a limit of 10 a minute
//! stays 10 with any number of nodes behind a load balancer.
//!
//! [`Bucket`] is the same GCRA, in memory or shared alike, for a limit whose requests cost more
//! than one (bytes): upload links use it (`shares::upload_limit`).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::db::{self, DbPool};
use crate::error::AppError;

/// Keys kept before idle ones are dropped (bounds memory under a flood of distinct names).
const MAX_TRACKED_KEYS: usize = 50_000;

/// The login limits, counted in this process or in the shared database.
pub struct LoginLimiter {
    per_minute: u32,
    memory: Memory,
    shared: Option<DbPool>,
}

impl LoginLimiter {
    /// Counted in memory (one node).
    pub fn new(per_minute: u32) -> Self {
        LoginLimiter { per_minute, memory: Memory::new(per_minute), shared: None }
    }

    /// Counted in the database `pool`, for every node using it.
    pub fn shared(per_minute: u32, pool: DbPool) -> Self {
        LoginLimiter { shared: Some(pool), ..LoginLimiter::new(per_minute) }
    }

    /// Counts one attempt from `ip`; refuses with `Retry-After`.
    pub async fn check_ip(&self, ip: &str) -> Result<(), AppError> {
        match &self.shared {
            None => self.memory.check_ip(ip),
            Some(pool) => self.take(pool, format!("ip:{ip}"), 3).await,
        }
    }

    /// Counts one attempt on an account, by a recognised `device` of it or an unknown one.
    pub async fn check_account(&self, account: &str, device: Option<&str>) -> Result<(), AppError> {
        match (&self.shared, device) {
            (None, _) => self.memory.check_account(account, device),
            (Some(pool), Some(device)) => self.take(pool, format!("device:{device}"), 1).await,
            (Some(pool), None) => self.take(pool, format!("account:{account}"), 1).await,
        }
    }

    async fn take(&self, pool: &DbPool, key: String, times: u32) -> Result<(), AppError> {
        let burst = i64::from(self.per_minute.max(1)) * i64::from(times);
        let interval_ms = 60_000 / burst;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let wait = db::run(pool, move |conn| {
            Ok(crate::db::models::login_limits::take(conn, &key, now_ms, interval_ms, burst)?)
        })
        .await?;
        match wait {
            None => Ok(()),
            Some(ms) => {
                Err(AppError::RateLimited { retry_after_secs: (ms as u64).div_ceil(1000).max(1) })
            }
        }
    }
}

/// An allowance per key of `capacity` units a `period`, refilling steadily: counted in this
/// process, or in the database for every node using it. A cost above the capacity is taken as
/// the whole capacity (it passes once the allowance is full), so no request is refused for
/// ever.
pub struct Bucket {
    /// The keys' prefix in the shared table.
    name: &'static str,
    capacity: NonZeroU32,
    period: Duration,
    memory: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    shared: Option<DbPool>,
}

impl Bucket {
    /// `capacity` units a `period` per key, counted in `shared` when given.
    pub fn new(
        name: &'static str,
        capacity: NonZeroU32,
        period: Duration,
        shared: Option<DbPool>,
    ) -> Self {
        let per_unit = (period / capacity.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(per_unit)
            .unwrap_or_else(|| Quota::per_second(capacity))
            .allow_burst(capacity);
        Bucket {
            name,
            capacity,
            period,
            memory: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            shared,
        }
    }

    /// Takes `cost` units from `key`'s allowance: `None`, or how long to wait (nothing taken).
    pub async fn take(&self, key: &str, cost: u64) -> Result<Option<Duration>, AppError> {
        let cost = u32::try_from(cost).unwrap_or(u32::MAX).clamp(1, self.capacity.get());
        let Some(pool) = &self.shared else {
            if self.memory.len() > MAX_TRACKED_KEYS {
                self.memory.retain_recent();
            }
            let n = NonZeroU32::new(cost).unwrap_or(NonZeroU32::MIN);
            return Ok(match self.memory.check_key_n(&key.to_owned(), n) {
                Ok(Ok(())) => None,
                Ok(Err(not_until)) => Some(not_until.wait_time_from(self.clock.now())),
                // Cannot happen: the cost is at most the capacity.
                Err(_) => Some(self.period),
            });
        };
        let window_ms = i64::try_from(self.period.as_millis()).unwrap_or(i64::MAX);
        let cost_ms =
            (u128::from(cost) * self.period.as_millis()).div_ceil(u128::from(self.capacity.get()));
        let cost_ms = i64::try_from(cost_ms).unwrap_or(window_ms).max(1);
        let (key, now_ms) = (format!("{}:{key}", self.name), chrono::Utc::now().timestamp_millis());
        let wait = db::run(pool, move |conn| {
            Ok(crate::db::models::login_limits::take_cost(conn, &key, now_ms, cost_ms, window_ms)?)
        })
        .await?;
        Ok(wait.map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(1))))
    }
}

/// The in-memory limits of one node.
pub struct Memory {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_account: DefaultKeyedRateLimiter<String>,
    per_device: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Memory {
    /// `per_minute` attempts per account name; three times that per IP address.
    pub fn new(per_minute: u32) -> Self {
        let account = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let ip = account.saturating_mul(NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN));
        Memory {
            per_ip: RateLimiter::keyed(Quota::per_minute(ip)),
            per_account: RateLimiter::keyed(Quota::per_minute(account)),
            per_device: RateLimiter::keyed(Quota::per_minute(account)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt from `ip`; refuses with `Retry-After`.
    pub fn check_ip(&self, ip: &str) -> Result<(), AppError> {
        self.prune();
        self.check(&self.per_ip, ip)
    }

    /// Counts one attempt on an account (its id when the login names one, else the name tried,
    /// so every spelling of one account shares one allowance), by a recognised `device` of that
    /// account or by an unknown one.
    pub fn check_account(&self, account: &str, device: Option<&str>) -> Result<(), AppError> {
        match device {
            Some(device) => self.check(&self.per_device, device),
            None => self.check(&self.per_account, account),
        }
    }

    fn check(&self, limiter: &DefaultKeyedRateLimiter<String>, key: &str) -> Result<(), AppError> {
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
        })
    }

    fn prune(&self) {
        for limiter in [&self.per_ip, &self.per_account, &self.per_device] {
            if limiter.len() > MAX_TRACKED_KEYS {
                limiter.retain_recent();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_limited_after_its_quota_but_others_are_not() {
        let l = Memory::new(3);
        for _ in 0..3 {
            l.check_account("alice", None).expect("within quota");
        }
        let err = l.check_account("alice", None).expect_err("4th attempt on alice");
        assert!(matches!(err, AppError::RateLimited { retry_after_secs } if retry_after_secs >= 1));
        l.check_account("bob", None).expect("bob is another account");
    }

    #[test]
    fn a_recognised_device_is_not_locked_out_by_strangers() {
        let l = Memory::new(3);
        for _ in 0..20 {
            let _ = l.check_account("alice", None);
        }
        assert!(l.check_account("alice", None).is_err(), "unknown devices wait");
        for _ in 0..3 {
            l.check_account("alice", Some("owners-laptop")).expect("the owner's device");
        }
        assert!(
            l.check_account("alice", Some("owners-laptop")).is_err(),
            "a device has its own limit (a stolen device cookie is no free pass)"
        );
        l.check_account("alice", Some("owners-phone")).expect("another device of the owner's");
    }

    #[actix_web::test]
    async fn a_bucket_takes_costs_and_lets_an_oversized_one_through_when_full() {
        let b = Bucket::new(
            "test",
            NonZeroU32::new(100).expect("nonzero"),
            Duration::from_secs(3600),
            None,
        );
        let take = |key: &'static str, cost: u64| {
            let b = &b;
            async move { b.take(key, cost).await.expect("counted in memory") }
        };
        assert_eq!(take("a", 60).await, None, "within the allowance");
        let wait = take("a", 60).await.expect("120 of 100: refused");
        assert!(wait > Duration::from_secs(60) && wait <= Duration::from_secs(3600), "{wait:?}");
        assert_eq!(take("a", 40).await, None, "what is left");
        assert_eq!(take("b", 1000).await, None, "more than the capacity: the whole of it");
        assert!(take("b", 1).await.is_some());
    }

    #[test]
    fn an_ip_is_limited_across_accounts() {
        let l = Memory::new(1);
        for _ in 0..3 {
            l.check_ip("2.2.2.2").expect("within ip quota");
        }
        assert!(l.check_ip("2.2.2.2").is_err());
        l.check_ip("3.3.3.3").expect("another ip");
    }
}
