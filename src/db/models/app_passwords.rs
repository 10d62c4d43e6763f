//! The `app_passwords` table: what an app password adds to its session row (name, secret
//! hash, scopes, folder). The session row carries the rest: expiry, revocation, last use.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{SessionId, UserId};
use crate::db::models::sessions::Session;
use crate::db::models::users::User;
use crate::db::schema::{app_passwords, sessions, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = app_passwords, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AppPasswordRow {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub name: String,
    pub secret_sha256: String,
    pub scope: String,
    pub folder_id: Option<String>,
    /// WebDAV stores macOS `._name` and `.DS_Store` files for it (else they are dropped).
    pub keep_mac_files: bool,
}

pub fn insert(conn: &mut DbConn, row: &AppPasswordRow) -> QueryResult<()> {
    diesel::insert_into(app_passwords::table).values(row).execute(conn)?;
    Ok(())
}

/// The app password, its session and its user, in one query (the per-request check).
pub fn find_with_session(
    conn: &mut DbConn,
    id: &SessionId,
) -> QueryResult<(AppPasswordRow, Session, User)> {
    app_passwords::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(app_passwords::session_id.eq(id))
        .select((AppPasswordRow::as_select(), Session::as_select(), User::as_select()))
        .get_result(conn)
}

/// The user's app passwords that still work, newest first.
pub fn list_live(
    conn: &mut DbConn,
    user: &UserId,
    now: NaiveDateTime,
) -> QueryResult<Vec<(AppPasswordRow, Session)>> {
    app_passwords::table
        .inner_join(sessions::table)
        .filter(app_passwords::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .select((AppPasswordRow::as_select(), Session::as_select()))
        .load(conn)
}

/// The names of the user's live app passwords, by session id (for the session list).
pub fn names_of(
    conn: &mut DbConn,
    user: &UserId,
    now: NaiveDateTime,
) -> QueryResult<Vec<(SessionId, String)>> {
    app_passwords::table
        .inner_join(sessions::table)
        .filter(app_passwords::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select((app_passwords::session_id, app_passwords::name))
        .load(conn)
}
