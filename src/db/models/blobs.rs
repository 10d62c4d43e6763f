//! The `blobs` table: one row per distinct content, with the number of files using it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::blobs;

/// Adds a reference to the blob `sha256`, creating its row if new. Returns `true` when the
/// blob is new (its bytes must be stored). One `INSERT … ON CONFLICT DO UPDATE`, so two
/// uploads of the same bytes on two nodes count two references and exactly one of them
/// stores the bytes (the caller also holds [`crate::db::lock_blob`]).
///
/// `crc32` (known when the bytes were just streamed) is stored with a new row, and fills in
/// the column of a row stored before CRCs were kept; the same bytes have the same CRC, so
/// whichever upload writes it writes the same value.
pub fn add_ref(
    conn: &mut DbConn,
    sha256: &str,
    size: i64,
    crc32: Option<u32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let crc32 = crc32.map(i64::from);
    let query = diesel::insert_into(blobs::table)
        .values((
            blobs::sha256.eq(sha256),
            blobs::size.eq(size),
            blobs::refcount.eq(1),
            blobs::created_at.eq(now),
            blobs::crc32.eq(crc32),
        ))
        .on_conflict(blobs::sha256)
        .do_update()
        .set((
            blobs::refcount.eq(blobs::refcount + 1),
            blobs::crc32.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
            >("COALESCE(blobs.crc32, excluded.crc32)")),
        ))
        .returning(blobs::refcount);
    // Spelled per backend: diesel cannot route `ON CONFLICT` through the connection enum.
    let refs: i64 = crate::on_each_backend!(conn, |c| query.get_result(c))?;
    Ok(refs == 1)
}

/// Adds `n` references to a blob that has a row (a copy of files that use it).
pub fn add_refs(conn: &mut DbConn, sha256: &str, n: i64) -> QueryResult<()> {
    let updated = diesel::update(blobs::table.find(sha256))
        .set(blobs::refcount.eq(blobs::refcount + n))
        .execute(conn)?;
    if updated == 1 { Ok(()) } else { Err(diesel::result::Error::NotFound) }
}

/// The stored CRC-32 of each of `keys` that has one (at most a few hundred keys at a time:
/// one bound parameter each).
pub fn crc32s(conn: &mut DbConn, keys: &[&str]) -> QueryResult<Vec<(String, i64)>> {
    blobs::table
        .filter(blobs::sha256.eq_any(keys))
        .filter(blobs::crc32.is_not_null())
        .select((blobs::sha256, blobs::crc32.assume_not_null()))
        .load(conn)
}

/// Notes the CRC-32 of a blob stored before CRCs were kept. Only fills an empty column: two
/// requests computing it at once compute the same value, so either write is right.
pub fn set_crc32(conn: &mut DbConn, sha256: &str, crc32: u32) -> QueryResult<usize> {
    diesel::update(blobs::table.find(sha256).filter(blobs::crc32.is_null()))
        .set(blobs::crc32.eq(Some(i64::from(crc32))))
        .execute(conn)
}

/// Whether the blob `sha256` has a row (some file still uses it).
pub fn exists(conn: &mut DbConn, sha256: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(blobs::table.find(sha256))).get_result(conn)
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

/// Every blob key, in order (for `homedisk admin fsck`).
pub fn all_keys(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    blobs::table.select(blobs::sha256).order(blobs::sha256.asc()).load(conn)
}
