//! The `dav_locks` table: WebDAV locks of one mount (see `dav::locks` for the rules).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::UserId;
use crate::db::schema::dav_locks;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dav_locks, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LockRow {
    pub token: String,
    pub owner_id: UserId,
    pub mount: String,
    pub path: String,
    pub principal: Option<String>,
    pub owner_xml: Option<String>,
    pub shared: bool,
    pub deep: bool,
    pub timeout_secs: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The live (unexpired) locks of a mount.
pub fn live(
    conn: &mut DbConn,
    owner: &UserId,
    mount: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<LockRow>> {
    dav_locks::table
        .filter(dav_locks::owner_id.eq(owner))
        .filter(dav_locks::mount.eq(mount))
        .filter(dav_locks::expires_at.is_null().or(dav_locks::expires_at.gt(now)))
        .order(dav_locks::created_at.asc())
        .select(LockRow::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConn, row: &LockRow) -> QueryResult<()> {
    diesel::insert_into(dav_locks::table).values(row).execute(conn).map(|_| ())
}

pub fn delete(conn: &mut DbConn, tokens: &[String]) -> QueryResult<usize> {
    diesel::delete(dav_locks::table.filter(dav_locks::token.eq_any(tokens))).execute(conn)
}

pub fn set_timeout(
    conn: &mut DbConn,
    token: &str,
    timeout_secs: Option<i64>,
    expires_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(dav_locks::table.find(token))
        .set((dav_locks::timeout_secs.eq(timeout_secs), dav_locks::expires_at.eq(expires_at)))
        .execute(conn)
}

/// Removes locks that expired before `now` (the jobs' sweep).
pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(dav_locks::table.filter(dav_locks::expires_at.le(now))).execute(conn)
}
