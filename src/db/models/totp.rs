//! The two-factor columns of `users` (see `auth::totp` and `users::totp`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::UserId;
use crate::db::schema::users;

/// A user's TOTP state.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TotpState {
    /// The confirmed secret (base32); set only while 2FA is on.
    #[diesel(column_name = totp_secret)]
    pub secret: Option<String>,
    /// A secret shown for enrolment and not yet confirmed with a code.
    #[diesel(column_name = totp_pending_secret)]
    pub pending: Option<String>,
    #[diesel(column_name = totp_enabled_at)]
    pub enabled_at: Option<NaiveDateTime>,
    /// The last step whose code was accepted.
    #[diesel(column_name = totp_last_step)]
    pub last_step: Option<i64>,
}

impl TotpState {
    pub fn enabled(&self) -> bool {
        self.enabled_at.is_some() && self.secret.is_some()
    }
}

pub fn state(conn: &mut DbConn, user: &UserId) -> QueryResult<TotpState> {
    users::table.find(user).select(TotpState::as_select()).get_result(conn)
}

/// Stores a new pending secret unless 2FA is already on; the number of rows changed (0 or 1).
pub fn set_pending(conn: &mut DbConn, user: &UserId, secret: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user).filter(users::totp_enabled_at.is_null()))
        .set(users::totp_pending_secret.eq(secret))
        .execute(conn)
}

/// Turns the pending secret `secret` on, with `step` as its first used step. Changes nothing
/// (0) when another request confirmed or replaced it meanwhile.
pub fn confirm(
    conn: &mut DbConn,
    user: &UserId,
    secret: &str,
    step: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        users::table
            .find(user)
            .filter(users::totp_enabled_at.is_null())
            .filter(users::totp_pending_secret.eq(secret)),
    )
    .set((
        users::totp_secret.eq(secret),
        users::totp_pending_secret.eq(None::<String>),
        users::totp_enabled_at.eq(now),
        users::totp_last_step.eq(step),
    ))
    .execute(conn)
}

/// Records `step` as used if it is later than the last used one: true when this call won it.
/// One conditional UPDATE, so two requests with the same code cannot both succeed.
pub fn use_step(conn: &mut DbConn, user: &UserId, step: i64) -> QueryResult<bool> {
    let n = diesel::update(
        users::table
            .find(user)
            .filter(users::totp_enabled_at.is_not_null())
            .filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step))),
    )
    .set(users::totp_last_step.eq(step))
    .execute(conn)?;
    Ok(n == 1)
}

/// Turns 2FA off (and forgets a pending enrolment).
pub fn clear(conn: &mut DbConn, user: &UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(user))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_pending_secret.eq(None::<String>),
            users::totp_enabled_at.eq(None::<NaiveDateTime>),
            users::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)
}
