//! Reading a blob's photo facts and keeping them: right after an upload commits
//! ([`remember`], called by `files::upload`), and for files uploaded before homedisk read them
//! ([`backfill`], a background job). Neither ever fails an upload: a blob that cannot be read
//! is logged and left for the job to try again.

use std::io::Read;

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::models::files::{FileRow, Sort};
use crate::db::models::photo_meta::{self, PhotoMeta};
use crate::error::AppError;
use crate::storage::Storage;

/// Reads and stores the facts of the blob `sha256` (of type `mime`) unless they are stored
/// already (the same bytes uploaded before). Blocking. Errors are logged, not returned: the
/// upload they follow has committed.
pub fn remember(
    conn: &mut DbConn,
    storage: &dyn Storage,
    sha256: &str,
    mime: &str,
    now: NaiveDateTime,
) {
    if !super::readable(mime) {
        return;
    }
    if let Err(e) = remember_inner(conn, storage, sha256, now) {
        tracing::warn!(blob = %sha256, error = %e, "could not read the photo metadata");
    }
}

fn remember_inner(
    conn: &mut DbConn,
    storage: &dyn Storage,
    sha256: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if photo_meta::find(conn, sha256)?.is_some() {
        return Ok(());
    }
    let meta = match head(storage, sha256) {
        Ok(head) => super::read(sha256, &head, now),
        // Bytes gone (fsck's business): remembered as "nothing found" so nothing retries.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            PhotoMeta { sha256: sha256.to_owned(), read_at: now, ..PhotoMeta::default() }
        }
        Err(e) => return Err(crate::storage::to_app_error(e)),
    };
    photo_meta::insert_once(conn, &meta)?;
    Ok(())
}

/// The first [`super::MAX_BYTES`] of the blob `sha256`.
fn head(storage: &dyn Storage, sha256: &str) -> std::io::Result<Vec<u8>> {
    let reader = storage.open(sha256)?;
    let mut head = Vec::with_capacity(64 * 1024);
    reader.take(super::MAX_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Reads up to `limit` pictures uploaded before their facts were kept. Returns how many.
pub fn backfill(
    conn: &mut DbConn,
    storage: &dyn Storage,
    limit: i64,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let unread = photo_meta::unread(conn, limit)?;
    for (sha256, mime) in &unread {
        remember(conn, storage, sha256, mime, now);
    }
    Ok(unread.len())
}

/// The date taken of `row`'s photo when the listing is sorted by it (the key its cursor
/// carries; `None` falls back to the upload time, as `db::models::files::TAKEN_KEY` does).
pub fn taken_key(
    conn: &mut DbConn,
    sort: Sort,
    row: &FileRow,
) -> Result<Option<NaiveDateTime>, AppError> {
    match (sort, row.blob_sha256.as_deref()) {
        (Sort::Taken, Some(sha)) => Ok(photo_meta::find(conn, sha)?.and_then(|m| m.taken_at)),
        _ => Ok(None),
    }
}

/// The stored facts of each of `keys` (the blobs of a page of a listing).
pub fn of_blobs(conn: &mut DbConn, keys: &[&str]) -> Result<Vec<PhotoMeta>, AppError> {
    Ok(photo_meta::of_blobs(conn, keys)?)
}
