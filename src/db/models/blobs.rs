//! The `blobs` table: one row per distinct content, with the number of files using it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::blobs;

/// Adds a reference to the blob `sha256`, creating its row if new. Returns `true` when the
/// blob is new (its bytes must be stored).
pub fn add_ref(
    conn: &mut DbConn,
    sha256: &str,
    size: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(blobs::table.find(sha256))
        .set(blobs::refcount.eq(blobs::refcount + 1))
        .execute(conn)?;
    if updated > 0 {
        return Ok(false);
    }
    diesel::insert_into(blobs::table)
        .values((
            blobs::sha256.eq(sha256),
            blobs::size.eq(size),
            blobs::refcount.eq(1),
            blobs::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Drops one reference. Returns `true` when that was the last one: the row is gone and the
/// caller removes the bytes.
pub fn release(conn: &mut DbConn, sha256: &str) -> QueryResult<bool> {
    let left: i64 = diesel::update(blobs::table.find(sha256))
        .set(blobs::refcount.eq(blobs::refcount - 1))
        .returning(blobs::refcount)
        .get_result(conn)?;
    if left <= 0 {
        diesel::delete(blobs::table.find(sha256)).execute(conn)?;
        return Ok(true);
    }
    Ok(false)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    blobs::table.count().get_result(conn)
}

/// Which of `keys` have a row (at most a few hundred at a time: one bound parameter each).
pub fn existing(conn: &mut DbConn, keys: &[String]) -> QueryResult<Vec<String>> {
    blobs::table.filter(blobs::sha256.eq_any(keys)).select(blobs::sha256).load(conn)
}
