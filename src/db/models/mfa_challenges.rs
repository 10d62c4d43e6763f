//! The `mfa_challenges` table: logins whose password was right, waiting for a code (see
//! `users::mfa`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::UserId;
use crate::db::schema::mfa_challenges;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mfa_challenges, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Challenge {
    pub id: String,
    pub user_id: UserId,
    /// SHA-256 of the `mfa_token` the client holds.
    pub secret_sha256: String,
    pub client: String,
    pub scope: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub attempts: i32,
    pub used_at: Option<NaiveDateTime>,
    /// "Keep me signed in" was ticked on the login form: the session the code starts is
    /// persistent. Kept here, not in a cookie, so only the password's form can set it.
    pub persistent: bool,
}

pub fn insert(conn: &mut DbConn, row: &Challenge) -> QueryResult<usize> {
    diesel::insert_into(mfa_challenges::table).values(row).execute(conn)
}

pub fn find_by_digest(conn: &mut DbConn, digest: &str) -> QueryResult<Option<Challenge>> {
    mfa_challenges::table
        .filter(mfa_challenges::secret_sha256.eq(digest))
        .select(Challenge::as_select())
        .first(conn)
        .optional()
}

/// Uses the challenge if it is still open (unused, unexpired, fewer than `max_attempts`
/// wrong codes): true when this call used it.
pub fn consume(
    conn: &mut DbConn,
    id: &str,
    max_attempts: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        mfa_challenges::table
            .find(id)
            .filter(mfa_challenges::used_at.is_null())
            .filter(mfa_challenges::expires_at.gt(now))
            .filter(mfa_challenges::attempts.lt(max_attempts)),
    )
    .set(mfa_challenges::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes one of the challenge's attempts, if it is open and has one left: true when this
/// call took it. Checked and counted in one statement, so parallel tries cannot all pass a
/// check made before any of them is counted.
pub fn take_attempt(
    conn: &mut DbConn,
    id: &str,
    max_attempts: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        mfa_challenges::table
            .find(id)
            .filter(mfa_challenges::used_at.is_null())
            .filter(mfa_challenges::expires_at.gt(now))
            .filter(mfa_challenges::attempts.lt(max_attempts)),
    )
    .set(mfa_challenges::attempts.eq(mfa_challenges::attempts + 1))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete_for_user(conn: &mut DbConn, user: &UserId) -> QueryResult<usize> {
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::user_id.eq(user))).execute(conn)
}

/// Removes challenges that can no longer be used (done as new ones are made: no job needed).
pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::expires_at.le(now))).execute(conn)
}
