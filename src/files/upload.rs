//! Putting new bytes in: [`receive`] streams an upload into a temp file while hashing it
//! (never holding it whole in memory), and [`commit`] makes it a file.
//!
//! Crash safety: the bytes are fsynced in `tmp/`, renamed into `blobs/` (directory fsynced),
//! and only then is the metadata row committed. Until the commit nothing is visible; an error
//! or a client abort drops the temp file (it deletes itself), and start-up sweeps `tmp/` for
//! what a crash left behind.

use std::io::{BufWriter, Write};
use std::sync::Arc;

use bytes::Bytes;
use chrono::NaiveDateTime;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use crate::blocking;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, FileRow, NewFile};
use crate::db::models::{blobs, users};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::files::{folder, free_name, human_bytes, validate_name};
use crate::storage::Storage;

/// Bytes of the start of a file kept to recognise its type.
const SNIFF_BYTES: usize = 8192;

/// Where the bytes of a finished upload wait to become a blob.
pub enum Staged {
    /// A fsynced temp file of this node (every upload but resumable ones on a remote store).
    File(NamedTempFile),
    /// The staging object of resumable upload `id` in the store itself (see
    /// `storage::parts`): it becomes the blob by a copy inside the store.
    Object(String),
}

impl From<NamedTempFile> for Staged {
    fn from(tmp: NamedTempFile) -> Self {
        Staged::File(tmp)
    }
}

impl Staged {
    /// Makes these bytes the blob `key` unless it is stored already (see [`Storage::put`]).
    fn put(self, storage: &dyn Storage, key: &str) -> std::io::Result<()> {
        match self {
            Staged::File(tmp) => storage.put(tmp, key),
            Staged::Object(id) => parts(storage)?.put_staged(&id, key).map(drop),
        }
    }

    /// See [`Storage::send_ahead`].
    fn send_ahead(&self, storage: &dyn Storage, key: &str) -> std::io::Result<bool> {
        match self {
            Staged::File(tmp) => storage.send_ahead(tmp, key),
            Staged::Object(id) => parts(storage)?.put_staged(id, key),
        }
    }
}

fn parts(storage: &dyn Storage) -> std::io::Result<&dyn crate::storage::PartStore> {
    storage.parts().ok_or_else(|| std::io::Error::other("this store keeps no staged uploads"))
}

/// An upload that arrived whole, not yet a file.
pub struct Received {
    pub tmp: Staged,
    pub size: u64,
    pub sha256: String,
    /// CRC-32 of the bytes (ZIP archives need it before their first byte; computed here,
    /// while the bytes pass anyway, so no archive ever has to read them again for it).
    pub crc32: u32,
    pub mime: String,
    /// Whether [`send_ahead`] stored the bytes in a remote store already (they are then
    /// taken back if the commit is refused).
    pub sent_ahead: bool,
}

/// Sends the bytes of `received` to a remote store ahead of [`commit`], so that neither a
/// database lock nor a pooled connection is held while they travel (seconds for a large
/// file). Blocking: on the blocking pool, before taking a connection. A no-op for the local
/// store, whose `put` is a rename.
pub fn send_ahead(storage: &dyn Storage, received: &mut Received) -> Result<(), AppError> {
    received.sent_ahead =
        received.tmp.send_ahead(storage, &received.sha256).map_err(crate::storage::to_app_error)?;
    Ok(())
}

/// Limits an upload is held to while it streams.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: u64,
    /// Free quota when the upload started (rechecked atomically at commit).
    pub quota_left: u64,
    pub quota: u64,
}

impl Limits {
    pub fn too_large(&self) -> AppError {
        AppError::PayloadTooLarge(format!(
            "this file is larger than the {} limit per file",
            human_bytes(i64::try_from(self.max_file_bytes).unwrap_or(i64::MAX))
        ))
    }
    pub fn over_quota(&self, needed: u64) -> AppError {
        quota_error(needed, self.quota.saturating_sub(self.quota_left), self.quota)
    }
}

pub fn quota_error(needed: u64, used: u64, quota: u64) -> AppError {
    let h = |n: u64| human_bytes(i64::try_from(n).unwrap_or(i64::MAX));
    AppError::QuotaExceeded(format!(
        "not enough space: this needs {} but only {} of your {} quota is free ({} used)",
        h(needed),
        h(quota.saturating_sub(used)),
        h(quota),
        h(used)
    ))
}

/// Streams `body` into a temp file on the blocking pool, hashing as it goes, and stops as
/// soon as a limit is passed. On any error the temp file is gone when this returns.
pub async fn receive<S, E>(
    storage: Arc<dyn Storage>,
    mut body: S,
    limits: Limits,
) -> Result<Received, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let tmp = blocking::run(move || storage.temp()).await?.map_err(crate::storage::to_app_error)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let writer = blocking::run(move || write_hashed(tmp, rx));
    let mut received = 0u64;
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                failure = Some(AppError::BadRequest(format!(
                    "the upload was interrupted or malformed: {e}"
                )));
                break;
            }
        };
        received += chunk.len() as u64;
        if received > limits.max_file_bytes {
            failure = Some(limits.too_large());
            break;
        }
        if received > limits.quota_left {
            failure = Some(limits.over_quota(received));
            break;
        }
        if tx.send(chunk).await.is_err() {
            break; // the writer failed; its error comes out below
        }
    }
    drop(tx);
    // Always wait for the writer, so a refused upload's temp file is deleted before we answer.
    let written = writer.await?;
    if let Some(e) = failure {
        return Err(e);
    }
    let Written { tmp, size, sha256, crc32, head } = written.map_err(AppError::internal)?;
    Ok(Received { tmp: tmp.into(), size, sha256, crc32, mime: sniff(&head), sent_ahead: false })
}

/// What [`write_hashed`] leaves: the fsynced temp file, its length, digests and first bytes.
struct Written {
    tmp: NamedTempFile,
    size: u64,
    sha256: String,
    crc32: u32,
    head: Vec<u8>,
}

/// The writer's side of [`receive`] (on the blocking pool): writes every chunk to `tmp` through
/// a 256 KiB buffer while hashing it (SHA-256 and CRC-32) and keeping the start for [`sniff`],
/// then fsyncs.
fn write_hashed(
    tmp: NamedTempFile,
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> std::io::Result<Written> {
    let mut hasher = Sha256::new();
    let mut crc = crc32fast::Hasher::new();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut size = 0u64;
    {
        let mut out = BufWriter::with_capacity(256 * 1024, tmp.as_file());
        while let Some(chunk) = rx.blocking_recv() {
            hasher.update(&chunk);
            crc.update(&chunk);
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            out.write_all(&chunk)?;
            size += chunk.len() as u64;
        }
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Written { tmp, size, sha256, crc32: crc.finalize(), head })
}

/// The content type, from the bytes (never from what the client claimed).
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the sniffed prefix is still text.
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    };
    if head.is_empty() || (text && !head.contains(&0)) {
        let start =
            String::from_utf8_lossy(&head[..head.len().min(512)]).trim_start().to_ascii_lowercase();
        if start.starts_with("<svg") || (start.starts_with("<?xml") && start.contains("<svg")) {
            "image/svg+xml".into()
        } else if start.starts_with("<!doctype html") || start.starts_with("<html") {
            "text/html".into()
        } else if start.starts_with("<?xml") {
            "application/xml".into()
        } else {
            "text/plain".into()
        }
    } else {
        "application/octet-stream".into()
    }
}

/// Makes a received upload the file `name` in `parent` (renamed `name (1)` etc. if taken):
/// reserves quota atomically, stores the bytes, then commits the row.
pub fn commit(
    conn: &mut DbConn,
    storage: &dyn Storage,
    owner: &UserId,
    parent: Option<&FileId>,
    name: &str,
    received: Received,
    now: NaiveDateTime,
) -> Result<FileRow, AppError> {
    commit_checked(conn, storage, (owner, parent, name), received, now, |_, _| Ok(()))
}

/// [`commit`], with `check(conn, size)` run in the same transaction after the quota is
/// reserved: its refusal rolls everything back (an upload link's caps use it, so a refused
/// file takes nothing from them).
pub fn commit_checked(
    conn: &mut DbConn,
    storage: &dyn Storage,
    (owner, parent, name): (&UserId, Option<&FileId>, &str),
    received: Received,
    now: NaiveDateTime,
    check: impl FnOnce(&mut DbConn, i64) -> Result<(), AppError>,
) -> Result<FileRow, AppError> {
    validate_name("file", name)?;
    let size = i64::try_from(received.size).map_err(AppError::internal)?;
    // After `send_ahead` (if the caller made one), `put` below only confirms the bytes are
    // there, and stores them again if the last reference's delete removed them in between.
    let (sha256, sent_ahead) = (received.sha256.clone(), received.sent_ahead);
    let committed = db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        // Held until the commit: the removal of this blob's last reference waits for it, or
        // finishes first and leaves no row (see files::release).
        db::lock_blob(conn, &received.sha256)?;
        folder(conn, owner, parent)?;
        if !users::reserve_storage(conn, owner, size)? {
            let user = users::find(conn, owner)?;
            return Err(quota_error(received.size, user.storage_used as u64, user.quota as u64));
        }
        check(conn, size)?;
        let new_blob = blobs::add_ref(conn, &received.sha256, size, Some(received.crc32), now)?;
        let name = free_name(conn, owner, parent, name)?;
        let row = files::insert(
            conn,
            &NewFile {
                id: &FileId::generate(),
                owner_id: owner,
                parent_id: parent,
                kind: "file",
                name: &name,
                size,
                mime: Some(&received.mime),
                blob_sha256: Some(&received.sha256),
                created_at: now,
                modified_at: now,
            },
        )?;
        // Bytes go into place before the row commits; if this fails the transaction rolls back.
        if new_blob {
            received.tmp.put(storage, &received.sha256).map_err(crate::storage::to_app_error)?;
        }
        Ok(row)
    });
    if committed.is_err() && sent_ahead {
        // Refused (quota, a vanished folder) after the bytes went up: take them back unless
        // another upload of the same bytes has claimed them meanwhile.
        if let Err(e) = crate::files::release::remove_if_unreferenced(conn, storage, &sha256) {
            tracing::warn!(blob = %sha256, error = %e, "could not remove the bytes of a refused upload");
        }
    }
    if let Ok(row) = &committed {
        crate::metrics::upload_stored(size as u64);
        crate::files::photo::store::remember(conn, storage, &sha256, &row_mime(row), now);
    }
    committed
}

fn row_mime(row: &FileRow) -> String {
    row.mime.clone().unwrap_or_default()
}

/// Gives the file `id` the bytes of `received` in place: it keeps its id, name, shares and
/// properties (a WebDAV PUT over an existing file). The quota is charged the difference; the
/// old bytes are released like a delete's, after the commit (`on_removed` for each blob gone).
pub fn replace(
    conn: &mut DbConn,
    storage: &dyn Storage,
    owner: &UserId,
    id: &FileId,
    received: Received,
    now: NaiveDateTime,
    on_removed: impl Fn(&str),
) -> Result<FileRow, AppError> {
    let size = i64::try_from(received.size).map_err(AppError::internal)?;
    let (sha256, sent_ahead) = (received.sha256.clone(), received.sent_ahead);
    let committed = db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        db::lock_blob(conn, &received.sha256)?;
        let old = files::find_owned(conn, owner, id)?;
        if old.is_folder() {
            return Err(AppError::Conflict("a folder has that name".into()));
        }
        let grows = size - old.size;
        if grows > 0 && !users::reserve_storage(conn, owner, grows)? {
            let user = users::find(conn, owner)?;
            return Err(quota_error(grows as u64, user.storage_used as u64, user.quota as u64));
        }
        if grows < 0 {
            users::release_storage(conn, owner, -grows)?;
        }
        let new_blob = blobs::add_ref(conn, &received.sha256, size, Some(received.crc32), now)?;
        let row = files::set_content(conn, id, size, &received.mime, &received.sha256, now)?;
        let gone = crate::files::release::release(conn, old.blob_sha256.as_deref())?;
        if new_blob {
            received.tmp.put(storage, &received.sha256).map_err(crate::storage::to_app_error)?;
        }
        Ok((row, gone))
    });
    match committed {
        Ok((row, gone)) => {
            gone.remove(conn, storage, on_removed);
            crate::metrics::upload_stored(size as u64);
            crate::files::photo::store::remember(conn, storage, &sha256, &row_mime(&row), now);
            Ok(row)
        }
        Err(e) => {
            if sent_ahead
                && let Err(e) =
                    crate::files::release::remove_if_unreferenced(conn, storage, &sha256)
            {
                tracing::warn!(blob = %sha256, error = %e, "could not remove the bytes of a refused upload");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), "image/jpeg");
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"), "image/svg+xml");
        assert_eq!(sniff(b"<!DOCTYPE html><script>alert(1)</script>"), "text/html");
        assert_eq!(sniff("héllo".as_bytes()), "text/plain");
        assert_eq!(sniff(&[0, 1, 2, 3, 200, 201]), "application/octet-stream");
        assert_eq!(sniff(b""), "text/plain");
    }
}
