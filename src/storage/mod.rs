//! Where file bytes live. [`Storage`] is the small interface domain code uses: what a local
//! directory and an S3-compatible object store can both do (read a blob whole or from an
//! offset, store a finished temp file under a key, delete, list, spool for the decoder). No
//! method hands out a path. [`LocalStorage`] is the implementation for a data directory,
//! [`S3Storage`] the one for an S3-compatible bucket.
//!
//! Uploads stream to a local temp file first (hashing as they go) on every implementation;
//! `put` then makes it the blob.
//!
//! Errors are `io::Error`s. One that means "the store cannot be reached right now" (refused
//! connection, timeout, a 5xx answer) carries an [`Unreachable`] payload, and
//! [`to_app_error`] turns it into a 503 instead of a 500.

mod local;
pub mod parts;
mod s3;

use std::io::{self, Read, Seek};

use tempfile::NamedTempFile;

use crate::error::AppError;

pub use local::LocalStorage;
pub use parts::PartStore;
pub use s3::{MAX_STAGED_COPY, S3Config, S3Storage};

pub trait Storage: Send + Sync + 'static {
    /// A new temporary file for an upload in progress; it deletes itself when dropped.
    fn temp(&self) -> io::Result<NamedTempFile>;
    /// Makes the finished, fsynced upload `tmp` the blob `key`, durably (a no-op when the blob
    /// is already stored: same key, same bytes).
    fn put(&self, tmp: NamedTempFile, key: &str) -> io::Result<()>;
    /// Stores the finished upload `tmp` as blob `key` ahead of the database transaction that
    /// will reference it, when that takes long (a remote store); `tmp` stays for [`put`].
    /// Returns whether bytes were stored (they were not there before). A local store has
    /// nothing to gain (its `put` is a rename) and does nothing.
    ///
    /// [`put`]: Storage::put
    fn send_ahead(&self, _tmp: &NamedTempFile, _key: &str) -> io::Result<bool> {
        Ok(false)
    }
    /// A derived object shared by every node (a thumbnail, named `<sha256>-<size>.<ext>`), or
    /// `None` when it was never stored. A local store keeps none: the data directory's own
    /// thumbnail cache is the only copy there.
    fn get_derived(&self, _name: &str) -> io::Result<Option<Vec<u8>>> {
        Ok(None)
    }
    /// Stores a derived object for the other nodes (see [`get_derived`]).
    ///
    /// [`get_derived`]: Storage::get_derived
    fn put_derived(&self, _name: &str, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
    /// Removes the derived object `name` (missing is not an error).
    fn delete_derived(&self, _name: &str) -> io::Result<()> {
        Ok(())
    }
    /// A URL at which the blob can be downloaded directly for `ttl`, served as an attachment
    /// named `disposition` (a whole `Content-Disposition` value); `None` when the store cannot
    /// sign URLs (the local store: homedisk serves its bytes itself).
    fn presigned_get(
        &self,
        _key: &str,
        _ttl: std::time::Duration,
        _disposition: &str,
    ) -> io::Result<Option<String>> {
        Ok(None)
    }
    /// The blob opened for reading (whole, or from an offset after a seek).
    fn open(&self, key: &str) -> io::Result<BlobReader>;
    /// Removes the blob (a missing blob is not an error).
    fn delete(&self, key: &str) -> io::Result<()>;
    /// Every stored blob, with when it was stored (for the sweep of orphans after a crash).
    fn list(&self) -> io::Result<Vec<StoredBlob>>;
    /// Deletes every temporary file (uploads that never finished: a crash, a kill). Only at
    /// start-up, before the server accepts requests. Returns how many were removed.
    fn sweep_tmp(&self) -> io::Result<usize>;
    /// Where resumable uploads keep their bytes when the store is shared by every node (S3);
    /// `None` (the local store): in the node's own `{data}/uploads`.
    fn parts(&self) -> Option<&dyn PartStore> {
        None
    }
    /// The blob as a readable file the image decoder can seek in, refused when longer than
    /// `max_bytes`. A local store opens the blob itself; a remote one copies it to a temp file
    /// first (this default), so a decoder never waits on the network mid-decode.
    fn spool(&self, key: &str, max_bytes: u64) -> io::Result<BlobReader> {
        let mut blob = self.open(key)?;
        if blob.len > max_bytes {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "blob too large to spool"));
        }
        let mut tmp = self.temp()?;
        let len = io::copy(&mut blob, &mut tmp)?;
        tmp.as_file_mut().rewind()?;
        Ok(BlobReader::new(len, Box::new(tmp)))
    }
}

/// A blob as listed by [`Storage::list`].
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub key: String,
    pub modified: std::time::SystemTime,
}

/// Anything a blob can be read from.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A stored blob opened for reading, with its length.
pub struct BlobReader {
    pub len: u64,
    inner: Box<dyn ReadSeek>,
}

impl BlobReader {
    pub fn new(len: u64, inner: Box<dyn ReadSeek>) -> Self {
        BlobReader { len, inner }
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// The payload of an `io::Error` meaning that the store cannot be reached right now (refused
/// connection, timeout, a 5xx answer after the retries): worth trying again in a moment.
#[derive(Debug, thiserror::Error)]
#[error("the blob store cannot be reached")]
pub struct Unreachable(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl Unreachable {
    /// `cause` as an `io::Error` marked unreachable.
    pub fn io(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
        io::Error::other(Unreachable(cause.into()))
    }
}

/// True when `err` says the store cannot be reached (see [`Unreachable`]).
pub fn is_unreachable(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<Unreachable>())
}

/// A storage error as the app answers it: 503 `storage_unavailable` when the store cannot be
/// reached, else an internal error (500, cause logged).
pub fn to_app_error(err: io::Error) -> AppError {
    if is_unreachable(&err) {
        crate::metrics::storage_error("unreachable");
        AppError::StorageUnavailable(err)
    } else {
        crate::metrics::storage_error("other");
        AppError::internal(err)
    }
}

/// `<sha256>-<sm|md|lg>.<jpg|png>`: the only names derived objects (thumbnails) have.
pub fn is_derived_name(name: &str) -> bool {
    let Some((key, rest)) = name.split_once('-') else { return false };
    let Some((size, ext)) = rest.split_once('.') else { return false };
    is_key(key) && matches!(size, "sm" | "md" | "lg") && matches!(ext, "jpg" | "png")
}

/// A SHA-256 hex digest, lower case: the only names blobs have.
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}
