//! Login rate limiting, per client IP and per account name, with `governor` (GCRA): attempts
//! refill steadily, so a limited client waits seconds, never gets locked out for good.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// Keys kept before idle ones are dropped (bounds memory under a flood of distinct names).
const MAX_TRACKED_KEYS: usize = 50_000;

pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_account: DefaultKeyedRateLimiter<String>,
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
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt by `ip` (and on `account`, when given); refuses with `Retry-After`.
    pub fn check(&self, ip: &str, account: Option<&str>) -> Result<(), AppError> {
        self.prune();
        let mut wait = None;
        if let Err(not_until) = self.per_ip.check_key(&ip.to_owned()) {
            wait = Some(not_until.wait_time_from(self.clock.now()));
        }
        if wait.is_none()
            && let Some(account) = account
            && let Err(not_until) = self.per_account.check_key(&account.to_lowercase())
        {
            wait = Some(not_until.wait_time_from(self.clock.now()));
        }
        match wait {
            None => Ok(()),
            Some(d) => Err(AppError::RateLimited { retry_after_secs: d.as_secs().max(1) }),
        }
    }

    fn prune(&self) {
        for limiter in [&self.per_ip, &self.per_account] {
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
            l.check("1.1.1.1", Some("alice")).expect("within quota");
        }
        let err = l.check("1.1.1.1", Some("Alice")).expect_err("4th attempt on alice");
        assert!(matches!(err, AppError::RateLimited { retry_after_secs } if retry_after_secs >= 1));
        l.check("1.1.1.1", Some("bob")).expect("bob is another account");
    }

    #[test]
    fn an_ip_is_limited_across_accounts() {
        let l = LoginLimiter::new(1);
        for i in 0..3 {
            l.check("2.2.2.2", Some(&format!("user{i}"))).expect("within ip quota");
        }
        assert!(l.check("2.2.2.2", Some("user9")).is_err());
        l.check("3.3.3.3", Some("user9")).expect("another ip");
    }
}
