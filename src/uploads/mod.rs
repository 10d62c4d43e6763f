//! Resumable uploads (tus 1.0, <https://tus.io/protocols/resumable-upload>): an upload is
//! created with its length and name, receives its bytes in any number of PATCH requests, and
//! becomes a file through the same commit as every upload (quota, dedup) once the last byte
//! is in. No actix here: `api/uploads.rs` speaks the protocol's headers.
//!
//! Durability: a chunk's bytes are stored before the row's `received` moves past them (with
//! the hash states, in one statement), so the offset the server reports is never ahead of
//! stored bytes; a `kill -9` loses at most the chunk in flight. On a local store they are
//! `{data}/uploads/{id}`, fsynced, truncated back to `received` before every write (dropping
//! any unacknowledged tail): only this node can resume them. On S3 they are parts of a
//! multipart upload in the bucket (`remote`), so any node can. The last chunk records no
//! offset: the commit makes the file and deletes the row (still at the offset it started
//! from) in one transaction, so nothing is visible in the listing before it and a crash
//! before it leaves the upload resumable.
//!
//! Limits: `Upload-Length` against the per-file limit and the free quota at creation, the
//! free quota again at every PATCH, the quota atomically at the commit (two uploads racing
//! for the last bytes: one gets 413). One writer per upload at a time in a process (423
//! otherwise); across nodes the row's offset is compare-and-set, so of two writers one gets 409.
//! Unfinished uploads expire 24 h after their last bytes ([`sweep`]).

pub mod hash;
mod remote;
mod write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{Duration, NaiveDateTime};

use crate::blocking;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::FileRow;
use crate::db::models::uploads::{self as rows, UploadRow};
use crate::db::models::users;
use crate::db::{self, DbPool};
use crate::error::{AppError, FieldErrors};
use crate::files::confine::Confinement;
use crate::files::{self, human_bytes};
use crate::storage::Storage;

pub use write::{Backend, Checksum, Chunk};

/// How long an upload waits for its next bytes.
pub const EXPIRES_AFTER: Duration = Duration::hours(24);

/// What the upload routes need of the application.
pub struct Context {
    pub db: DbPool,
    pub storage: Arc<dyn Storage>,
    /// `{data}/uploads`.
    pub dir: PathBuf,
    pub max_file_bytes: u64,
}

impl Context {
    /// Where the bytes go: parts in the store when it keeps them (S3: any node can resume),
    /// else files of this node.
    pub fn backend(&self) -> Backend {
        Backend::of(&self.storage, &self.dir)
    }

    /// The largest upload: the per-file limit, and on S3 what one copy inside the store takes.
    fn max_length(&self) -> u64 {
        match self.backend() {
            Backend::Remote(_) => self.max_file_bytes.min(crate::storage::MAX_STAGED_COPY),
            Backend::Local(_) => self.max_file_bytes,
        }
    }
}

/// Who is asking: the owner, the auth session (uploads belong to it), and an app password's
/// folder, if any.
#[derive(Clone)]
pub struct Caller {
    pub owner: UserId,
    pub session: String,
    pub confined_to: Option<FileId>,
}

/// An upload to start.
pub struct NewUpload {
    pub name: String,
    pub folder: Option<FileId>,
    pub length: u64,
}

/// Where the bytes of upload `id` wait.
pub fn path(dir: &Path, id: &str) -> PathBuf {
    dir.join(id)
}

/// Checks `new` against the names, the folder, the per-file limit and the free quota, and
/// makes the upload (its row, then its empty file).
pub async fn create(
    ctx: &Context,
    who: &Caller,
    new: NewUpload,
    now: NaiveDateTime,
) -> Result<UploadRow, AppError> {
    files::validate_name("filename", &new.name)?;
    let max = ctx.max_length();
    if new.length > max {
        return Err(too_large(new.length, max));
    }
    let length = i64::try_from(new.length).map_err(|_| too_large(new.length, max))?;
    let part_size = ctx.storage.parts().map_or(0, |p| p.part_size() as i64);
    let who2 = who.clone();
    let row = db::run(&ctx.db, move |conn| {
        let folder = match &who2.confined_to {
            Some(root) => Confinement::new(&who2.owner, root).folder(conn, new.folder)?,
            None => new.folder,
        };
        files::folder(conn, &who2.owner, folder.as_ref())?;
        check_quota(conn, &who2.owner, length)?;
        let row = UploadRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            owner_id: who2.owner.clone(),
            session_id: who2.session.clone(),
            folder_id: folder,
            name: new.name,
            length,
            received: 0,
            sha256_state: hash::Midstate::default().to_hex(),
            crc32: 0,
            created_at: now,
            updated_at: now,
            expires_at: now + EXPIRES_AFTER,
            store_upload: None,
            part_size,
            parts: String::new(),
            pending: None,
        };
        rows::insert(conn, &row)?;
        Ok::<_, AppError>(row)
    })
    .await?;
    if let Backend::Local(dir) = ctx.backend() {
        let file = path(&dir, &row.id);
        blocking::run(move || write::create_file(&file))
            .await?
            .map_err(crate::storage::to_app_error)?;
    }
    Ok(row)
}

fn too_large(length: u64, max: u64) -> AppError {
    let h = |n: u64| human_bytes(i64::try_from(n).unwrap_or(i64::MAX));
    AppError::PayloadTooLarge(format!(
        "this upload is {}, over the {} limit per file",
        h(length),
        h(max)
    ))
}

/// Refuses when `owner`'s free quota is less than `needed` more bytes.
fn check_quota(conn: &mut db::DbConn, owner: &UserId, needed: i64) -> Result<(), AppError> {
    let user = users::find(conn, owner)?;
    if user.storage_used.saturating_add(needed) > user.quota {
        return Err(crate::files::upload::quota_error(
            needed.max(0) as u64,
            user.storage_used.max(0) as u64,
            user.quota.max(0) as u64,
        ));
    }
    Ok(())
}

/// The caller's live upload `id`: 404 for anyone else's (or another session's), 410 once
/// expired.
pub async fn find(
    ctx: &Context,
    who: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<UploadRow, AppError> {
    let (owner, session, id) = (who.owner.clone(), who.session.clone(), id.to_owned());
    let row = db::run(&ctx.db, move |conn| Ok(rows::find_owned(conn, &owner, &session, &id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    if row.expires_at <= now {
        return Err(AppError::UploadGone);
    }
    Ok(row)
}

/// Cancels upload `id` of the caller: its row and its bytes go.
pub async fn terminate(
    ctx: &Context,
    who: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let _busy = Busy::take(id)?;
    let row = find(ctx, who, id, now).await?;
    let key = row.id.clone();
    db::run(&ctx.db, move |conn| Ok(rows::delete(conn, &key)?)).await?;
    let backend = ctx.backend();
    blocking::run(move || remove_bytes(&backend, &row)).await?.map_err(crate::storage::to_app_error)
}

/// Removes the bytes of upload `row` (its row is gone already). Blocking.
fn remove_bytes(backend: &Backend, row: &UploadRow) -> std::io::Result<()> {
    match backend {
        Backend::Local(dir) => match std::fs::remove_file(path(dir, &row.id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Backend::Remote(storage) => {
            remote::remove(storage.as_ref(), &row.id, remote::Leftovers::all_of(row))
        }
    }
}

/// The answer to a PATCH: where the upload is now, and the file once it is complete.
pub struct Progress {
    pub offset: i64,
    pub expires_at: NaiveDateTime,
    pub file: Option<FileRow>,
}

/// Appends `chunk` at `offset` to the caller's upload `id` (see the module docs), and makes
/// the file when it is the last.
pub async fn append(
    ctx: &Context,
    who: &Caller,
    id: &str,
    offset: i64,
    chunk: Chunk<'_>,
    now: NaiveDateTime,
) -> Result<Progress, AppError> {
    let _busy = Busy::take(id)?;
    let row = find(ctx, who, id, now).await?;
    if row.received != offset {
        return Err(AppError::UploadOffset(row.received));
    }
    let owner = row.owner_id.clone();
    let left = row.length - row.received;
    db::run(&ctx.db, move |conn| check_quota(conn, &owner, left)).await?;
    let backend = ctx.backend();
    let mut written = write::append(&backend, &row, chunk).await?;
    let expires = chrono::Utc::now().naive_utc() + EXPIRES_AFTER;
    let (from, to) = (row.received, written.received);
    if to == row.length {
        // The last chunk: no offset is recorded, the commit deletes the row (still at `from`)
        // with the file in one transaction, so a crash before it leaves the upload resumable.
        let file = finish(ctx, &row, written).await?;
        return Ok(Progress { offset: to, expires_at: expires, file: Some(file) });
    }
    let parts = match (&backend, written.remote.take()) {
        (Backend::Remote(storage), Some(parts)) => {
            remote::settle(storage.clone(), &row.id, parts).await?
        }
        _ => rows::PartsState::default(),
    };
    let (key, state, crc) = (row.id.clone(), written.state.to_hex(), i64::from(written.crc32));
    let new = parts.clone();
    let moved = db::run(&ctx.db, move |conn| {
        Ok(rows::advance(conn, &key, (from, to), (&state, crc), (now, expires), &new)?)
    })
    .await?;
    if let Backend::Remote(storage) = &backend {
        // The pending object the row no longer names goes: the old one, or ours if we lost.
        let began = parts.store_upload.as_ref().filter(|u| row.store_upload.as_ref() != Some(*u));
        if moved {
            let old = remote::Leftovers { pending: row.pending.clone(), ..Default::default() };
            remote::remove_quietly(storage.clone(), &row.id, old).await;
        } else {
            let (upload, pending) = (began.cloned(), parts.pending.clone());
            let ours = remote::Leftovers { store_upload: upload, pending, staged: false };
            remote::remove_quietly(storage.clone(), &row.id, ours).await;
        }
    }
    if !moved {
        return Err(AppError::UploadOffset(from));
    }
    Ok(Progress { offset: to, expires_at: expires, file: None })
}

/// The last byte is in: the bytes become a file through the one commit, which removes the
/// upload's row in its transaction. A refusal (the quota, a folder gone) ends the upload.
async fn finish(
    ctx: &Context,
    row: &UploadRow,
    written: write::Written,
) -> Result<FileRow, AppError> {
    let backend = ctx.backend();
    let (storage, row2, backend2) = (ctx.storage.clone(), row.clone(), backend.clone());
    let received = blocking::run(move || match &backend2 {
        Backend::Local(dir) => write::received(&path(dir, &row2.id), written, storage.as_ref()),
        Backend::Remote(_) => remote::assemble(storage.as_ref(), &row2, written),
    })
    .await?;
    let received = match received {
        Ok(r) => r,
        Err(e) => return Err(end_upload(ctx, row, e).await),
    };
    let (storage, row2) = (ctx.storage.clone(), row.clone());
    let committed = db::run(&ctx.db, move |conn| {
        let now = chrono::Utc::now().naive_utc();
        let into = (&row2.owner_id, row2.folder_id.as_ref(), row2.name.as_str());
        crate::files::upload::commit_checked(
            conn,
            storage.as_ref(),
            into,
            received,
            now,
            |conn, _| {
                if !rows::delete_at(conn, &row2.id, row2.received)? {
                    return Err(AppError::UploadOffset(row2.received));
                }
                Ok(())
            },
        )
    })
    .await;
    if let Backend::Remote(storage) = backend {
        // The staging object was copied to the blob (or refused): it and the last pending
        // bytes go either way.
        let done =
            remote::Leftovers { pending: row.pending.clone(), staged: true, ..Default::default() };
        remote::remove_quietly(storage, &row.id, done).await;
    }
    match committed {
        Err(e @ AppError::UploadOffset(_)) => Err(e),
        Err(e) => Err(end_upload(ctx, row, e).await),
        ok => ok,
    }
}

/// A refused last chunk ends the upload: its row goes (the bytes went with the refusal, or
/// cannot be assembled), so it never promises them. Returns `e`.
async fn end_upload(ctx: &Context, row: &UploadRow, e: AppError) -> AppError {
    if matches!(e, AppError::StorageUnavailable(_)) {
        // The store is down for a moment: the upload stays, to be finished once it is back.
        return e;
    }
    let key = row.id.clone();
    if let Err(err) = db::run(&ctx.db, move |conn| Ok(rows::delete(conn, &key)?)).await {
        tracing::warn!(error = %err, "could not remove a refused upload");
    }
    let (backend, row) = (ctx.backend(), row.clone());
    if let Ok(Err(err)) = blocking::run(move || remove_bytes(&backend, &row)).await {
        tracing::warn!(error = %err, "could not remove the bytes of a refused upload");
    }
    e
}

/// Removes expired uploads (at most `limit` per run, skipping any being written to) with
/// their bytes, and bytes that no upload names and that nothing wrote to for a day (a crash
/// between the bytes and the row). Blocking: for the background jobs.
pub fn sweep(
    conn: &mut db::DbConn,
    backend: &Backend,
    now: NaiveDateTime,
    limit: i64,
) -> Result<usize, AppError> {
    let io = crate::storage::to_app_error;
    let mut removed = 0;
    for id in rows::expired(conn, now, limit)? {
        let Ok(_busy) = Busy::take(&id) else { continue };
        let Some(row) = rows::find(conn, &id)? else { continue };
        rows::delete(conn, &id)?;
        remove_bytes(backend, &row).map_err(io)?;
        removed += 1;
    }
    let known: HashSet<String> = rows::all_ids(conn)?.into_iter().collect();
    match backend {
        Backend::Local(dir) => write::remove_strays(dir, &known).map_err(io)?,
        Backend::Remote(storage) => {
            let Some(store) = storage.parts() else { return Ok(removed) };
            let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
            for id in store.stale_uploads(day_ago).map_err(io)? {
                if !known.contains(&id) {
                    store.delete_all(&id).map_err(io)?;
                }
            }
        }
    }
    Ok(removed)
}

/// The uploads being written to in this process (a second PATCH to one of them is 423).
static BUSY: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

/// Holds an upload for one writer until dropped.
struct Busy(String);

impl Busy {
    fn take(id: &str) -> Result<Busy, AppError> {
        let mut busy = BUSY.lock().unwrap_or_else(|p| p.into_inner());
        if !busy.insert(id.to_owned()) {
            return Err(AppError::UploadBusy);
        }
        Ok(Busy(id.to_owned()))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        BUSY.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.0);
    }
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone is allowed).
pub fn parse_metadata(header: &str) -> Result<Vec<(String, String)>, AppError> {
    use base64::Engine;
    let mut out = Vec::new();
    for pair in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(value.trim()).map_err(|_| {
                AppError::Validation(FieldErrors::single(
                    "Upload-Metadata",
                    "a value is not base64",
                ))
            })?;
        let value = String::from_utf8(bytes).map_err(|_| {
            AppError::Validation(FieldErrors::single("Upload-Metadata", "a value is not UTF-8"))
        })?;
        out.push((key.to_owned(), value));
    }
    Ok(out)
}
