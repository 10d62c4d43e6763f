//! Letting go of blobs: the one way file rows give up their bytes. A file's delete, an account's
//! deletion (and later the trash purge and the S3 garbage collection) all call this, so the
//! rule lives in one place: drop the references inside the transaction that removes the rows,
//! and remove the bytes of blobs left without any only after it commits, each in a short
//! transaction of its own that holds the blob's lock and checks again that no row came back.
//!
//! That check closes the race with an upload of the same bytes (on this node or another): the
//! upload holds the same lock from its reference to its commit, so either it committed first
//! (the row is back: the bytes stay) or it runs after the bytes went (it finds no row, and
//! stores them again).

use crate::db::models::blobs;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::storage::Storage;

/// Blobs whose last reference went, whose bytes go once the transaction has committed.
#[must_use = "remove the bytes after the commit"]
#[derive(Debug, Default)]
pub struct Unreferenced(Vec<String>);

/// Drops one reference for each key (a key per file row removed, repeats included), inside
/// the caller's transaction.
pub fn release<'a>(
    conn: &mut DbConn,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<Unreferenced, AppError> {
    // In key order: two deletes sharing blobs lock their rows in the same order, so they
    // cannot deadlock on PostgreSQL.
    let mut keys: Vec<&str> = keys.into_iter().collect();
    keys.sort_unstable();
    let mut gone = Vec::new();
    for key in keys {
        if blobs::release(conn, key)? {
            gone.push(key.to_owned());
        }
    }
    Ok(Unreferenced(gone))
}

impl Unreferenced {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes the bytes (after the commit), calling `removed` for each key so derived data
    /// (thumbnails) goes too. The rows are already gone, so the bytes are unreachable: a
    /// failure is logged, not returned (the orphan sweep and `fsck` find them later).
    pub fn remove(self, conn: &mut DbConn, storage: &dyn Storage, removed: impl Fn(&str)) {
        for key in self.0 {
            match remove_if_unreferenced(conn, storage, &key) {
                Ok(true) => removed(&key),
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(blob = %key, error = %e, "could not remove an unreferenced blob");
                }
            }
        }
    }
}

/// Deletes the bytes of `key` if no row references it, under the blob's lock. Returns whether
/// they went.
pub fn remove_if_unreferenced(
    conn: &mut DbConn,
    storage: &dyn Storage,
    key: &str,
) -> Result<bool, AppError> {
    db::write(conn, |conn| {
        db::lock_blob(conn, key)?;
        if blobs::exists(conn, key)? {
            return Ok(false);
        }
        storage.delete(key).map_err(crate::storage::to_app_error)?;
        Ok(true)
    })
}
