//! Letting go of blobs: the one way file rows give up their bytes. A file's delete, an account's
//! deletion (and later the trash purge and the S3 garbage collection) all call this, so the
//! rule lives in one place: drop the references inside the transaction that removes the rows,
//! and remove the bytes of blobs left without any only after it commits, under the blob lock.

use crate::db::DbConn;
use crate::db::models::blobs;
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

    /// Removes the bytes (after the commit, still under `storage::blob_lock`), calling
    /// `removed` for each key so derived data (thumbnails) goes too. The rows are already gone,
    /// so the bytes are unreachable: a failure is logged, not returned.
    pub fn remove(self, storage: &dyn Storage, removed: impl Fn(&str)) {
        for key in self.0 {
            removed(&key);
            if let Err(e) = storage.delete(&key) {
                tracing::warn!(blob = %key, error = %e, "could not remove an unreferenced blob");
            }
        }
    }
}
