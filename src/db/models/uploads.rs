//! The `uploads` table: unfinished resumable uploads (see `uploads::`). `received` moves only
//! through [`advance`], which names the offset it expects, so two writers can never both
//! move it from the same place.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::schema::uploads;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UploadRow {
    pub id: String,
    pub owner_id: UserId,
    pub session_id: String,
    pub folder_id: Option<FileId>,
    pub name: String,
    pub length: i64,
    pub received: i64,
    pub sha256_state: String,
    pub crc32: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// The store's multipart upload holding the parts (a remote store; see `uploads::remote`).
    pub store_upload: Option<String>,
    pub part_size: i64,
    /// ETags of the parts stored so far, one per line.
    pub parts: String,
    /// The object with the bytes past the last part.
    pub pending: Option<String>,
}

impl UploadRow {
    /// The ETags of the parts stored so far, in order.
    pub fn part_etags(&self) -> Vec<String> {
        self.parts.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
    }
}

/// Where the parts of an upload on a remote store are after a chunk.
#[derive(Debug, Clone, Default)]
pub struct PartsState {
    pub store_upload: Option<String>,
    pub parts: String,
    pub pending: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &UploadRow) -> QueryResult<usize> {
    diesel::insert_into(uploads::table).values(row).execute(conn)
}

/// The upload `id` of `owner` made by `session`.
pub fn find_owned(
    conn: &mut DbConn,
    owner: &UserId,
    session: &str,
    id: &str,
) -> QueryResult<Option<UploadRow>> {
    uploads::table
        .find(id)
        .filter(uploads::owner_id.eq(owner))
        .filter(uploads::session_id.eq(session))
        .select(UploadRow::as_select())
        .first(conn)
        .optional()
}

/// Records bytes `from..to` as received with the hash states after them; `false` when the
/// row is not at `from` any more (or is gone).
pub fn advance(
    conn: &mut DbConn,
    id: &str,
    (from, to): (i64, i64),
    (sha256_state, crc32): (&str, i64),
    (now, expires): (NaiveDateTime, NaiveDateTime),
    parts: &PartsState,
) -> QueryResult<bool> {
    let n = diesel::update(uploads::table.find(id).filter(uploads::received.eq(from)))
        .set((
            uploads::received.eq(to),
            uploads::sha256_state.eq(sha256_state),
            uploads::crc32.eq(crc32),
            uploads::updated_at.eq(now),
            uploads::expires_at.eq(expires),
            uploads::store_upload.eq(&parts.store_upload),
            uploads::parts.eq(&parts.parts),
            uploads::pending.eq(&parts.pending),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Deletes upload `id` if it is still at `at` (the commit of its last chunk); `false` when
/// another writer moved it.
pub fn delete_at(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<bool> {
    let n =
        diesel::delete(uploads::table.find(id).filter(uploads::received.eq(at))).execute(conn)?;
    Ok(n == 1)
}

/// The upload `id` whoever owns it (the sweep's cleanup of its stored parts).
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<UploadRow>> {
    uploads::table.find(id).select(UploadRow::as_select()).get_result(conn).optional()
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(uploads::table.find(id)).execute(conn)
}

/// Up to `limit` uploads expired at `now`, or whose auth session ended (revoked, expired or
/// gone: nobody can reach them any more).
pub fn expired(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    use crate::db::schema::sessions;
    let live_sessions = sessions::table
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(sessions::id);
    let unreachable = diesel::dsl::not(uploads::session_id.eq_any(live_sessions));
    uploads::table
        .filter(uploads::expires_at.le(now).or(unreachable))
        .select(uploads::id)
        .limit(limit)
        .load(conn)
}

/// Every upload id (for the sweep of files without a row).
pub fn all_ids(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    uploads::table.select(uploads::id).load(conn)
}
