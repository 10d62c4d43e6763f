//! File bodies: a GET reads the blob from storage (dav-server does Range and ETag on top); a
//! PUT streams through the API's upload path (`files::upload::receive`: hashed into a temp
//! file, size and quota checked while it streams) and becomes a file at `flush`, a new one
//! or the same file with new bytes (it keeps its id).

use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::Utc;
use dav_server::davpath::DavPath;
use dav_server::fs::{DavFile, DavMetaData, FsError, FsFuture, OpenOptions};
use futures_util::FutureExt;
use tokio::sync::mpsc;

use crate::db::ids::FileId;
use crate::db::models::files::{self, FileRow};
use crate::db::models::users;
use crate::error::AppError;
use crate::files::upload::{self, Limits, Received};
use crate::storage::BlobReader;

use super::fs::{HomeFs, fs_error};
use super::meta::Meta;
use super::paths;

/// Opens the file `row` for reading.
pub async fn open_read(fs: &HomeFs, row: FileRow) -> Result<Box<dyn DavFile>, FsError> {
    let sha = row.blob_sha256.clone().ok_or(FsError::Forbidden)?;
    let storage = fs.0.storage.clone();
    let reader = crate::blocking::run(move || storage.open(&sha))
        .await
        .map_err(fs_error)?
        .map_err(|e| fs_error(crate::storage::to_app_error(e)))?;
    Ok(Box::new(Reader { meta: Meta::of(&row), blob: Arc::new(Mutex::new(Some(reader))) }))
}

struct Reader {
    meta: Meta,
    /// Taken out while a read runs on the blocking pool.
    blob: Arc<Mutex<Option<BlobReader>>>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("len", &self.meta.len).finish()
    }
}

impl Reader {
    async fn with_blob<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut BlobReader) -> std::io::Result<T> + Send + 'static,
    ) -> Result<T, FsError> {
        let blob = self.blob.clone();
        crate::blocking::run(move || {
            let mut guard = blob.lock().map_err(|_| FsError::GeneralFailure)?;
            let reader = guard.as_mut().ok_or(FsError::GeneralFailure)?;
            f(reader).map_err(|_| FsError::GeneralFailure)
        })
        .await
        .map_err(fs_error)?
    }
}

impl DavFile for Reader {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        Box::pin(std::future::ready(Ok(meta)))
    }
    fn write_buf(&mut self, _: Box<dyn bytes::Buf + Send>) -> FsFuture<'_, ()> {
        Box::pin(std::future::ready(Err(FsError::Forbidden)))
    }
    fn write_bytes(&mut self, _: Bytes) -> FsFuture<'_, ()> {
        Box::pin(std::future::ready(Err(FsError::Forbidden)))
    }
    fn read_bytes(&mut self, count: usize) -> FsFuture<'_, Bytes> {
        self.with_blob(move |r| {
            let mut buf = vec![0; count];
            let mut filled = 0;
            while filled < count {
                match r.read(&mut buf[filled..])? {
                    0 => break,
                    n => filled += n,
                }
            }
            buf.truncate(filled);
            Ok(Bytes::from(buf))
        })
        .boxed()
    }
    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        self.with_blob(move |r| r.seek(pos)).boxed()
    }
    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Where a PUT's bytes go: a new file in `parent`, or new bytes for `existing`.
struct Destination {
    parent: Option<FileId>,
    name: String,
    existing: Option<FileRow>,
    limits: Limits,
}

/// Opens `path` for a PUT: checks the name, the folder, the declared length against the size
/// limit and the quota, then starts streaming into the upload path.
pub async fn open_write(
    fs: &HomeFs,
    path: &DavPath,
    options: OpenOptions,
) -> Result<Box<dyn DavFile>, FsError> {
    let names = paths::names(path)?;
    let name = names.last().ok_or(FsError::Forbidden)?.clone();
    if fs.0.drops(&name) {
        return Ok(Box::new(Discard));
    }
    if crate::files::name_problem(&name).is_some() {
        return Err(FsError::Forbidden);
    }
    let max_file_bytes = fs.0.max_file_bytes;
    let dest = fs
        .run(move |conn, ctx| {
            let (parent, name) = paths::resolve_parent(conn, &ctx.mount, &names)?;
            let parent = parent.map(|p| p.id);
            let existing = files::find_child(conn, &ctx.mount.owner, parent.as_ref(), name)?;
            let user = users::find(conn, &ctx.mount.owner)?;
            let (used, quota) = (user.storage_used.max(0) as u64, user.quota.max(0) as u64);
            // New bytes for an existing file free its old ones.
            let freed = existing.as_ref().map_or(0, |e| e.size.max(0) as u64);
            let quota_left = quota.saturating_sub(used).saturating_add(freed);
            let limits = Limits { max_file_bytes, quota_left, quota };
            Ok(Destination { parent, name: name.to_owned(), existing, limits })
        })
        .await?;
    match &dest.existing {
        Some(e) if e.is_folder() => return Err(FsError::Forbidden),
        Some(_) if options.create_new => return Err(FsError::Exists),
        None if !options.create => return Err(FsError::NotFound),
        _ => {}
    }
    if let Some(size) = options.size {
        if size > dest.limits.max_file_bytes {
            return Err(FsError::TooLarge);
        }
        if size > dest.limits.quota_left {
            return Err(FsError::InsufficientStorage);
        }
    }
    let (tx, rx) = mpsc::channel::<Bytes>(8);
    let body = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    }));
    let storage = fs.0.storage.clone();
    let receiving = actix_web::rt::spawn(upload::receive(storage, body, dest.limits));
    Ok(Box::new(Writer {
        fs: fs.clone(),
        dest: Arc::new(dest),
        expected: options.size,
        tx: Some(tx),
        receiving: Some(receiving),
        failed: None,
        done: None,
    }))
}

struct Writer {
    fs: HomeFs,
    dest: Arc<Destination>,
    expected: Option<u64>,
    tx: Option<mpsc::Sender<Bytes>>,
    receiving: Option<tokio::task::JoinHandle<Result<Received, AppError>>>,
    failed: Option<FsError>,
    done: Option<Meta>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("name", &self.dest.name).finish()
    }
}

impl Writer {
    /// The upload's outcome once its bytes have all arrived (or it stopped on a limit).
    async fn received(&mut self) -> Result<Received, FsError> {
        self.tx = None;
        let task = self.receiving.take().ok_or(FsError::GeneralFailure)?;
        match task.await {
            Ok(Ok(received)) => Ok(received),
            Ok(Err(e)) => Err(fs_error(e)),
            Err(_) => Err(FsError::GeneralFailure),
        }
    }

    async fn send(&mut self, chunk: Bytes) -> Result<(), FsError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let sent = match &self.tx {
            Some(tx) => tx.send(chunk).await.is_ok(),
            None => false,
        };
        if !sent {
            // The upload stopped (over a limit): its error says why.
            let e = self.received().await.err().unwrap_or(FsError::GeneralFailure);
            self.failed = Some(e);
            return Err(e);
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), FsError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut received = self.received().await?;
        if self.expected.is_some_and(|n| n != received.size) {
            return Err(FsError::GeneralFailure);
        }
        let storage = self.fs.0.storage.clone();
        received = crate::blocking::run(move || {
            upload::send_ahead(storage.as_ref(), &mut received).map(|()| received)
        })
        .await
        .and_then(|r| r)
        .map_err(fs_error)?;
        let dest = self.dest.clone();
        let row = self.fs.run(move |conn, ctx| commit(conn, ctx, &dest, received)).await?;
        self.done = Some(Meta::of(&row));
        Ok(())
    }
}

/// Makes the received bytes the destination's file, with the client's time if it sent one.
fn commit(
    conn: &mut crate::db::DbConn,
    ctx: &super::fs::Ctx,
    dest: &Destination,
    received: Received,
) -> Result<FileRow, AppError> {
    let now = Utc::now().naive_utc();
    let (owner, storage) = (&ctx.mount.owner, ctx.storage.as_ref());
    let row = match &dest.existing {
        Some(existing) => {
            upload::replace(conn, storage, owner, &existing.id, received, now, |k| {
                ctx.thumbs.forget(k)
            })?
        }
        None => {
            upload::commit(conn, storage, owner, dest.parent.as_ref(), &dest.name, received, now)?
        }
    };
    match ctx.mtime {
        Some(at) => {
            files::set_modified(conn, &row.id, at)?;
            Ok(files::find_owned(conn, owner, &row.id)?)
        }
        None => Ok(row),
    }
}

impl DavFile for Writer {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta = self.done.clone().unwrap_or_else(Meta::empty_file);
        Box::pin(std::future::ready(Ok(Box::new(meta) as Box<dyn DavMetaData>)))
    }
    fn write_buf(&mut self, mut buf: Box<dyn bytes::Buf + Send>) -> FsFuture<'_, ()> {
        let chunk = buf.copy_to_bytes(buf.remaining());
        self.send(chunk).boxed()
    }
    fn write_bytes(&mut self, buf: Bytes) -> FsFuture<'_, ()> {
        self.send(buf).boxed()
    }
    fn read_bytes(&mut self, _: usize) -> FsFuture<'_, Bytes> {
        Box::pin(std::future::ready(Err(FsError::Forbidden)))
    }
    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        // Only a whole-file PUT is accepted: no ranges (Content-Range / PATCH) into a file.
        let ok = matches!(pos, SeekFrom::Start(0));
        Box::pin(std::future::ready(if ok { Ok(0) } else { Err(FsError::NotImplemented) }))
    }
    fn flush(&mut self) -> FsFuture<'_, ()> {
        self.finish().boxed()
    }
}

/// A macOS metadata file (`._x`, `.DS_Store`): its bytes are read and dropped.
#[derive(Debug)]
struct Discard;

impl DavFile for Discard {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        Box::pin(std::future::ready(Ok(Box::new(Meta::empty_file()) as Box<dyn DavMetaData>)))
    }
    fn write_buf(&mut self, _: Box<dyn bytes::Buf + Send>) -> FsFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn write_bytes(&mut self, _: Bytes) -> FsFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn read_bytes(&mut self, _: usize) -> FsFuture<'_, Bytes> {
        Box::pin(std::future::ready(Ok(Bytes::new())))
    }
    fn seek(&mut self, _: SeekFrom) -> FsFuture<'_, u64> {
        Box::pin(std::future::ready(Ok(0)))
    }
    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}
