//! [`PartStore`]: what a remote store offers resumable uploads so that any node can take an
//! upload's next bytes: the parts of one multipart upload of the store per upload, a small
//! object for the bytes past the last part, and the assembled object (the staging object),
//! which then becomes a blob without passing through a node again.
//!
//! Objects live under `uploads/` beside the blobs, named after the upload's id (32 hex digits,
//! made by the server): `uploads/<id>` is the staging object, `uploads/<id>.<name>` the
//! pending bytes, `name` fresh for every chunk so that a writer that lost a race never
//! overwrites the bytes the row names.

use std::io;

use bytes::Bytes;

/// A part upload under way; `wait` gives its ETag.
pub type PartJob = Box<dyn FnOnce() -> io::Result<String> + Send>;

pub trait PartStore: Send + Sync {
    /// Size of every part but the last (a multiple of 64 KiB, at least S3's 5 MiB minimum).
    fn part_size(&self) -> u64;
    /// Starts the multipart upload of upload `id`; returns the store's id for it.
    fn begin(&self, id: &str) -> io::Result<String>;
    /// Starts sending part `index` (from 0) of multipart upload `store_upload`; it goes on in
    /// the background until the job is waited for.
    fn start_part(&self, id: &str, store_upload: &str, index: usize, bytes: Bytes) -> PartJob;
    /// Assembles the staging object from the parts with these ETags (in order).
    fn complete(&self, id: &str, store_upload: &str, etags: &[String]) -> io::Result<()>;
    /// Drops the multipart upload and its parts (gone already is not an error).
    fn abort(&self, id: &str, store_upload: &str) -> io::Result<()>;
    /// Stores `bytes` as the staging object in one request (an upload that never filled a
    /// part).
    fn put_whole(&self, id: &str, bytes: Bytes) -> io::Result<()>;
    /// Stores the pending bytes `name` of upload `id`.
    fn put_pending(&self, id: &str, name: &str, bytes: Bytes) -> io::Result<()>;
    fn get_pending(&self, id: &str, name: &str) -> io::Result<Vec<u8>>;
    /// Removes the pending bytes `name` (missing is not an error).
    fn delete_pending(&self, id: &str, name: &str) -> io::Result<()>;
    /// Up to the first `len` bytes of the staging object (what the type is sniffed from).
    fn staged_head(&self, id: &str, len: u64) -> io::Result<Vec<u8>>;
    /// Makes the staging object of `id` the blob `key` by a copy inside the store, unless the
    /// blob is there already; returns whether it copied.
    fn put_staged(&self, id: &str, key: &str) -> io::Result<bool>;
    /// Removes the staging object (missing is not an error).
    fn delete_staged(&self, id: &str) -> io::Result<()>;
    /// Ids of uploads with objects under `uploads/` last written before `before` (the sweep
    /// of what a crash left behind).
    fn stale_uploads(&self, before: std::time::SystemTime) -> io::Result<Vec<String>>;
    /// Removes every object of upload `id` (staging and pending).
    fn delete_all(&self, id: &str) -> io::Result<()>;
}

/// An upload id as the server makes them (a v4 UUID in 32 lower-case hex digits): the only
/// names allowed into object paths.
pub fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}
