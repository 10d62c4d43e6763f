//! Resumable uploads (tus 1.0, <https://tus.io/protocols/resumable-upload>): an upload is
//! created with its length and name, receives its bytes in any number of PATCH requests, and
//! becomes a file through the same commit as every upload (quota, dedup) once the last byte
//! is in. No actix here: `api/uploads.rs` speaks the protocol's headers.
//!
//! Durability: a chunk's bytes are written to `{data}/uploads/{id}` and fsynced before the
//! row's `received` moves past them (with the hash states, in one statement), so the offset
//! the server reports is never ahead of bytes on disk; a `kill -9` loses at most the chunk
//! in flight. The file is truncated back to `received` before every write, dropping any
//! unacknowledged tail. Nothing is visible in the listing until the commit, which deletes
//! the row in the same transaction.
//!
//! Limits: `Upload-Length` against the per-file limit and the free quota at creation, the
//! free quota again at every PATCH, the quota atomically at the commit (two uploads racing
//! for the last bytes: one gets 413). One writer per upload at a time (423 otherwise).
//! Unfinished uploads expire 24 h after their last bytes ([`sweep`]).

pub mod hash;
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

pub use write::{Checksum, Chunk};

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
    if new.length > ctx.max_file_bytes {
        return Err(too_large(new.length, ctx.max_file_bytes));
    }
    let length =
        i64::try_from(new.length).map_err(|_| too_large(new.length, ctx.max_file_bytes))?;
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
        };
        rows::insert(conn, &row)?;
        Ok::<_, AppError>(row)
    })
    .await?;
    let file = path(&ctx.dir, &row.id);
    blocking::run(move || write::create_file(&file))
        .await?
        .map_err(crate::storage::to_app_error)?;
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
    remove(ctx, &row.id).await
}

/// Removes upload `id`: the row, then the bytes.
async fn remove(ctx: &Context, id: &str) -> Result<(), AppError> {
    let key = id.to_owned();
    db::run(&ctx.db, move |conn| Ok(rows::delete(conn, &key)?)).await?;
    let file = path(&ctx.dir, id);
    blocking::run(move || match std::fs::remove_file(&file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    })
    .await?
    .map_err(crate::storage::to_app_error)
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
    let written = write::append(&ctx.dir, &row, chunk).await?;
    let expires = chrono::Utc::now().naive_utc() + EXPIRES_AFTER;
    let (key, from, to) = (row.id.clone(), row.received, written.received);
    let state = written.state.to_hex();
    let crc = i64::from(written.crc32);
    let moved = db::run(&ctx.db, move |conn| {
        Ok(rows::advance(conn, &key, (from, to), (&state, crc), (now, expires))?)
    })
    .await?;
    if !moved {
        return Err(AppError::UploadOffset(from));
    }
    let file = if to == row.length { Some(finish(ctx, &row, written).await?) } else { None };
    Ok(Progress { offset: to, expires_at: expires, file })
}

/// The last byte is in: the bytes become a file through the one commit, which removes the
/// upload's row in its transaction. A refusal (the quota, a folder gone) ends the upload.
async fn finish(
    ctx: &Context,
    row: &UploadRow,
    written: write::Written,
) -> Result<FileRow, AppError> {
    let file = path(&ctx.dir, &row.id);
    let storage = ctx.storage.clone();
    let received =
        blocking::run(move || write::received(&file, written, storage.as_ref())).await??;
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
                rows::delete(conn, &row2.id)?;
                Ok(())
            },
        )
    })
    .await;
    if committed.is_err() {
        // The bytes went with the refused commit; the row must not promise them.
        let key = row.id.clone();
        db::run(&ctx.db, move |conn| Ok(rows::delete(conn, &key)?)).await?;
    }
    committed
}

/// Removes expired uploads (at most `limit` per run, skipping any being written to), and
/// files in `dir` that no upload names and that nothing wrote to for a day (a crash between
/// the file and its row). Blocking: for the background jobs.
pub fn sweep(
    conn: &mut db::DbConn,
    dir: &Path,
    now: NaiveDateTime,
    limit: i64,
) -> Result<usize, AppError> {
    let mut removed = 0;
    for id in rows::expired(conn, now, limit)? {
        let Ok(_busy) = Busy::take(&id) else { continue };
        rows::delete(conn, &id)?;
        match std::fs::remove_file(path(dir, &id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(crate::storage::to_app_error(e));
            }
            _ => removed += 1,
        }
    }
    let known: HashSet<String> = rows::all_ids(conn)?.into_iter().collect();
    write::remove_strays(dir, &known).map_err(crate::storage::to_app_error)?;
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
