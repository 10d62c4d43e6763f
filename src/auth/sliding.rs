//! Sliding browser sessions: a `web` session is renewed while it is used (its expiry moves to
//! "now + idle limit") but never past its absolute maximum (login + `HOMEDISK_SESSION_MAX_SECONDS`).
//! Left idle past the limit it ends. "Keep me signed in" picks the long idle limit.
//!
//! Renewal rides on the existing "note the use" write (`sessions::touch_due`): the expiry moves
//! only when the last use is old enough to be written again, so a busy browser does not write
//! on every request. The cookie is re-issued by `http::cookies::reissue` when the session
//! expires later than the token in it (whichever node renewed it).

use chrono::{Duration, NaiveDateTime};

use crate::auth::tokens::ClientKind;
use crate::config::Config;
use crate::db::models::sessions::Session;

/// The idle and absolute limits, read once from the config.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub idle: Duration,
    pub keep_idle: Duration,
    pub max: Duration,
}

/// Uses are written at most this often, whatever the idle limit.
const TOUCH_EVERY: Duration = Duration::seconds(60);

fn seconds(secs: u64) -> Duration {
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 4))
}

impl Limits {
    pub fn of(config: &Config) -> Self {
        Limits {
            idle: seconds(config.web_token_ttl_seconds),
            keep_idle: seconds(config.web_keep_ttl_seconds),
            max: seconds(config.session_max_seconds),
        }
    }

    /// The idle limit of a browser session, kept ("keep me signed in") or not.
    pub fn idle_for(&self, persistent: bool) -> Duration {
        if persistent { self.keep_idle } else { self.idle }
    }

    /// When a session that started at `created_at` must end, however it is renewed.
    pub fn cap(&self, created_at: NaiveDateTime) -> NaiveDateTime {
        created_at + self.max
    }

    /// How often a use of `session` is written: once a minute, or a quarter of a short idle
    /// limit (test configurations), so a session in use never idles out between two writes.
    pub fn touch_every(&self, session: &Session) -> Duration {
        if session.client != ClientKind::Web.as_str() {
            return TOUCH_EVERY;
        }
        (self.idle_for(session.persistent) / 4).clamp(Duration::seconds(1), TOUCH_EVERY)
    }

    /// The expiry a use at `now` gives `session`: `Some` for a browser session whose renewal
    /// moves it later, `None` otherwise (apps and scripts renew with a refresh token).
    pub fn renewed(&self, session: &Session, now: NaiveDateTime) -> Option<NaiveDateTime> {
        if session.client != ClientKind::Web.as_str() {
            return None;
        }
        let until = (now + self.idle_for(session.persistent)).min(self.cap(session.created_at));
        (until > session.expires_at).then_some(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::{SessionId, UserId};

    fn session(client: &str, persistent: bool, created: NaiveDateTime) -> Session {
        Session {
            id: SessionId("s".into()),
            user_id: UserId("u".into()),
            client: client.into(),
            created_at: created,
            last_used_at: created,
            expires_at: created + Duration::hours(1),
            revoked_at: None,
            revoked_reason: None,
            user_agent: None,
            ip: None,
            method: "password".into(),
            verified_at: None,
            persistent,
        }
    }

    const LIMITS: Limits =
        Limits { idle: Duration::hours(1), keep_idle: Duration::days(30), max: Duration::days(90) };

    #[test]
    fn a_browser_session_slides_up_to_its_absolute_maximum() {
        let t0 = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let s = session("web", false, t0);
        let later = t0 + Duration::minutes(30);
        assert_eq!(LIMITS.renewed(&s, later), Some(later + Duration::hours(1)));
        let kept = session("web", true, t0);
        assert_eq!(LIMITS.renewed(&kept, later), Some(later + Duration::days(30)));
        let near_end = t0 + Duration::days(89) + Duration::hours(23) + Duration::minutes(30);
        let mut old = session("web", false, t0);
        old.expires_at = near_end;
        assert_eq!(LIMITS.renewed(&old, near_end), Some(t0 + Duration::days(90)));
        old.expires_at = t0 + Duration::days(90);
        assert_eq!(LIMITS.renewed(&old, near_end), None, "never past the cap");
    }

    #[test]
    fn app_sessions_do_not_slide_and_short_limits_touch_more_often() {
        let t0 = chrono::DateTime::UNIX_EPOCH.naive_utc();
        assert_eq!(LIMITS.renewed(&session("app", false, t0), t0 + Duration::minutes(5)), None);
        assert_eq!(LIMITS.touch_every(&session("web", false, t0)), TOUCH_EVERY);
        let short = Limits { idle: Duration::seconds(8), ..LIMITS };
        assert_eq!(short.touch_every(&session("web", false, t0)), Duration::seconds(2));
        assert_eq!(short.touch_every(&session("web", true, t0)), TOUCH_EVERY);
    }
}
