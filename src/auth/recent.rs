//! "Sensitive actions ask again": creating an app password, turning two-factor login on or
//! off and changing the password need the user to have proved who they are (a login, or the
//! password entered again, with a code when 2FA is on) within the last ten minutes. A stolen
//! session cookie alone then cannot lock the owner out or mint a lasting credential.

use chrono::{Duration, NaiveDateTime};

use crate::db::models::sessions::Session;
use crate::error::AppError;

/// How long a proof of identity counts for sensitive actions.
pub const WINDOW: Duration = Duration::minutes(10);

/// Whether `session`'s user proved who they are recently enough for a sensitive action.
pub fn is_recent(session: &Session, now: NaiveDateTime) -> bool {
    let at = session.verified_at.unwrap_or(session.created_at);
    now - at <= WINDOW && at <= now + Duration::seconds(60)
}

/// `Err(ReauthRequired)` unless [`is_recent`].
pub fn require(session: &Session, now: NaiveDateTime) -> Result<(), AppError> {
    if is_recent(session, now) { Ok(()) } else { Err(AppError::ReauthRequired) }
}
