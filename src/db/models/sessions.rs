//! The `sessions` table: one row per login; every token names its row in `sid`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FileId, SessionId, UserId};
use crate::db::models::users::User;
use crate::db::schema::{files, sessions, users};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub client: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// How the session was verified: an `AuthMethod` (`auth::method`).
    pub method: String,
    /// When its user last proved who they are; `None` for sessions older than the column.
    pub verified_at: Option<NaiveDateTime>,
    /// A browser session started with "keep me signed in" (`auth::sliding`).
    pub persistent: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a SessionId,
    pub user_id: &'a UserId,
    pub client: &'a str,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub method: &'a str,
    pub verified_at: Option<NaiveDateTime>,
    pub persistent: bool,
}

pub fn insert(conn: &mut DbConn, new: &NewSession<'_>) -> QueryResult<Session> {
    diesel::insert_into(sessions::table)
        .values(new)
        .returning(sessions::all_columns)
        .get_result(conn)
}

/// The session and its user, in one query (the per-request token check).
pub fn find_with_user(conn: &mut DbConn, id: &SessionId) -> QueryResult<(Session, User)> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .select((Session::as_select(), User::as_select()))
        .get_result(conn)
}

/// Everything a `/preview` request checks, in one statement (one read transaction): the
/// session's owner, client and state, its user's state, and that user's file `file`. Times are
/// compared in SQL (the TIMESTAMP text sorts as time), so no row is parsed whole on the
/// hot path. `None` when there is no such session.
pub fn preview_check(
    conn: &mut DbConn,
    id: &SessionId,
    file: &FileId,
    now: NaiveDateTime,
    touch_before: NaiveDateTime,
) -> QueryResult<Option<PreviewCheck>> {
    // The query builder, not `sql_query`: diesel never caches a `sql_query`'s prepared
    // statement, and preparing it again costs more than the whole lookup.
    sessions::table
        .inner_join(users::table)
        .left_join(
            files::table.on(files::id
                .eq(file)
                .and(files::owner_id.eq(sessions::user_id))
                .and(files::trashed_at.is_null())),
        )
        .filter(sessions::id.eq(id))
        .select((
            sessions::user_id,
            sessions::client,
            sessions::revoked_at.is_not_null(),
            sessions::revoked_reason,
            sessions::expires_at.le(now),
            sessions::last_used_at.le(touch_before),
            users::state.eq("active"),
            files::kind.nullable(),
            files::name.nullable(),
            files::mime.nullable(),
            files::blob_sha256.nullable(),
            files::modified_at.nullable(),
            sessions::expires_at,
        ))
        .get_result(conn)
        .optional()
}

/// The answer of [`preview_check`].
#[derive(Debug, Queryable)]
pub struct PreviewCheck {
    pub user_id: UserId,
    pub client: String,
    pub revoked: bool,
    pub revoked_reason: Option<String>,
    pub expired: bool,
    pub touch_due: bool,
    pub user_active: bool,
    pub file_kind: Option<String>,
    pub file_name: Option<String>,
    pub file_mime: Option<String>,
    pub file_sha256: Option<String>,
    pub file_modified_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
}

/// Sessions of a user that still work, newest first.
pub fn list_live(
    conn: &mut DbConn,
    user: &UserId,
    now: NaiveDateTime,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .select(Session::as_select())
        .load(conn)
}

/// Revokes one session of `user`; `false` when there is no such live session.
pub fn revoke(
    conn: &mut DbConn,
    user: &UserId,
    id: &SessionId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason)))
    .execute(conn)?;
    Ok(n > 0)
}

/// Which of a user's sessions [`revoke_all`] ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ending<'a> {
    /// This one stays (the caller's own).
    pub keep: Option<&'a SessionId>,
    /// Only those of this client type.
    pub client: Option<&'a str>,
    /// App passwords too (they are separate credentials: logging out everywhere or a
    /// single-session login leaves them; an admin's force logout or password reset does not).
    pub app_passwords: bool,
}

/// Revokes the live sessions of `user` that `which` names. Returns how many were revoked.
pub fn revoke_all(
    conn: &mut DbConn,
    user: &UserId,
    which: Ending<'_>,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let Ending { keep, client, app_passwords } = which;
    let mut query = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if !app_passwords {
        query = query
            .filter(sessions::method.ne(crate::auth::method::AuthMethod::AppPassword.as_str()));
    }
    if let Some(keep) = keep {
        query = query.filter(sessions::id.ne(keep));
    }
    if let Some(client) = client {
        query = query.filter(sessions::client.eq(client));
    }
    query.set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason))).execute(conn)
}

/// Notes a use and where it came from (app passwords: the list shows their last address).
pub fn touch_from(
    conn: &mut DbConn,
    id: &SessionId,
    now: NaiveDateTime,
    origin: &crate::audit::Origin,
) -> QueryResult<()> {
    let agent = origin.user_agent.as_deref().map(|a| &a[..a.floor_char_boundary(256)]);
    diesel::update(sessions::table.find(id))
        .set((
            sessions::last_used_at.eq(now),
            sessions::ip.eq(origin.ip.as_deref()),
            sessions::user_agent.eq(agent),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn touch(conn: &mut DbConn, id: &SessionId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id)).set(sessions::last_used_at.eq(now)).execute(conn)?;
    Ok(())
}

/// Sessions that still work right now, across all users (the admin dashboard).
pub fn count_live(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .count()
        .get_result(conn)
}

/// Notes that the session's user proved who they are just now (see `auth::recent`).
pub fn mark_verified(conn: &mut DbConn, id: &SessionId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id)).set(sessions::verified_at.eq(now)).execute(conn)?;
    Ok(())
}

/// Notes a use and renews the session until `until` (a sliding browser session, or a refresh).
pub fn touch_until(
    conn: &mut DbConn,
    id: &SessionId,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set((sessions::last_used_at.eq(now), sessions::expires_at.eq(until)))
        .execute(conn)?;
    Ok(())
}

/// Makes a browser session persistent ("keep me signed in"), live until `until`.
pub fn keep(conn: &mut DbConn, id: &SessionId, until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set((sessions::persistent.eq(true), sessions::expires_at.eq(until)))
        .execute(conn)?;
    Ok(())
}

/// Revokes session `id` whoever owns it, if it is live (refresh-token reuse).
pub fn revoke_any(
    conn: &mut DbConn,
    id: &SessionId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table.filter(sessions::id.eq(id)).filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason)))
    .execute(conn)?;
    Ok(n > 0)
}
