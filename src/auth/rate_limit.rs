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

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// Keys kept before idle ones are dropped (bounds memory under a flood of distinct names).
const MAX_TRACKED_KEYS: usize = 50_000;

pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_account: DefaultKeyedRateLimiter<String>,
    per_device: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl LoginLimiter {
    /// `per_minute` attempts per account name; three times that per IP address.
    pub fn new(per_minute: u32) -> Self {
        let account = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let ip = account.saturating_mul(NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN));
        LoginLimiter {
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
        let l = LoginLimiter::new(3);
        for _ in 0..3 {
            l.check_account("alice", None).expect("within quota");
        }
        let err = l.check_account("alice", None).expect_err("4th attempt on alice");
        assert!(matches!(err, AppError::RateLimited { retry_after_secs } if retry_after_secs >= 1));
        l.check_account("bob", None).expect("bob is another account");
    }

    #[test]
    fn a_recognised_device_is_not_locked_out_by_strangers() {
        let l = LoginLimiter::new(3);
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

    #[test]
    fn an_ip_is_limited_across_accounts() {
        let l = LoginLimiter::new(1);
        for _ in 0..3 {
            l.check_ip("2.2.2.2").expect("within ip quota");
        }
        assert!(l.check_ip("2.2.2.2").is_err());
        l.check_ip("3.3.3.3").expect("another ip");
    }
}
