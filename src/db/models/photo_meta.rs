//! The `photo_meta` table: what a picture's own metadata says, one row per blob (see
//! `files::photo`). Rows go with their blob (`ON DELETE CASCADE`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{files, photo_meta};

#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = photo_meta, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PhotoMeta {
    pub sha256: String,
    /// As displayed (EXIF orientation applied).
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// UTC when `taken_offset` is known, else the camera's clock as written.
    pub taken_at: Option<NaiveDateTime>,
    /// Minutes east of UTC.
    pub taken_offset: Option<i32>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub lens: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub read_at: NaiveDateTime,
}

/// Stores `row` unless its blob has one already (two uploads of the same bytes read the same
/// facts, so the first one wins and the second changes nothing).
pub fn insert_once(conn: &mut DbConn, row: &PhotoMeta) -> QueryResult<()> {
    let query = diesel::insert_into(photo_meta::table).values(row).on_conflict_do_nothing();
    // Spelled per backend: diesel cannot route `ON CONFLICT` through the connection enum.
    crate::on_each_backend!(conn, |c| query.execute(c)).map(drop)
}

pub fn find(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<PhotoMeta>> {
    photo_meta::table.find(sha256).select(PhotoMeta::as_select()).get_result(conn).optional()
}

/// The rows of `keys` that have one (a page of a listing at a time: one parameter each).
pub fn of_blobs(conn: &mut DbConn, keys: &[&str]) -> QueryResult<Vec<PhotoMeta>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    photo_meta::table
        .filter(photo_meta::sha256.eq_any(keys))
        .select(PhotoMeta::as_select())
        .load(conn)
}

/// Up to `limit` blobs of pictures (with a type) that have not been read yet: uploads made
/// before this table existed, for the backfill job.
pub fn unread(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(String, String)>> {
    let read = photo_meta::table.filter(photo_meta::sha256.nullable().eq(files::blob_sha256));
    files::table
        .filter(files::mime.like("image/%"))
        .filter(files::blob_sha256.is_not_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(read)))
        .select((files::blob_sha256.assume_not_null(), files::mime.assume_not_null()))
        .distinct()
        .limit(limit)
        .load(conn)
}
