//! homedisk's folders and blobs as a dav-server filesystem. Every operation resolves its path
//! through the database (`paths`) and calls the same domain functions as the API: folders,
//! rename/move, copy (no bytes copied, quota charged), trash, and the upload path (`file`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{NaiveDateTime, Utc};
use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, DavProp, FsError, FsFuture, FsStream,
    OpenOptions, ReadDirMeta,
};
use futures_util::FutureExt;

use crate::db::models::files::{self, FileRow, Sort};
use crate::db::models::users;
use crate::db::{self, DbConn, DbPool};
use crate::error::AppError;
use crate::files::copy::{self, Target};
use crate::files::{name_problem, trash};
use crate::preview::Thumbnailer;
use crate::storage::Storage;

use super::meta::{Entry, Meta};
use super::paths::{self, Mount};
use super::{file, props};

/// What one request's filesystem works with (built per request: it carries the caller).
pub struct Ctx {
    pub db: DbPool,
    pub storage: Arc<dyn Storage>,
    pub thumbs: Arc<Thumbnailer>,
    pub mount: Mount,
    pub max_file_bytes: u64,
    /// The client's modification time for a PUT (`X-OC-Mtime`).
    pub mtime: Option<NaiveDateTime>,
    /// A DELETE: folders go to the trash whole (one trash item), so their listing is not
    /// walked item by item.
    pub whole_tree_delete: bool,
    /// For requests that change nothing (PROPFIND, GET, HEAD): rows already resolved, by
    /// their names, so a PROPFIND of a folder asks for each child's properties without
    /// walking the path again for every child.
    pub seen: Option<Mutex<HashMap<Vec<String>, FileRow>>>,
    /// The caller's app password keeps macOS metadata files (`._name`, `.DS_Store`); else
    /// they are answered and dropped.
    pub keep_mac_files: bool,
}

impl Ctx {
    /// Whether `name` is a macOS metadata file this caller does not keep.
    pub fn drops(&self, name: &str) -> bool {
        !self.keep_mac_files && paths::is_mac_junk(name)
    }

    fn seen(&self, names: &[String]) -> Option<FileRow> {
        self.seen.as_ref()?.lock().ok()?.get(names).cloned()
    }

    fn remember(&self, names: Vec<String>, row: &FileRow) {
        if let Some(mut seen) = self.seen.as_ref().and_then(|s| s.lock().ok()) {
            seen.insert(names, row.clone());
        }
    }
}

#[derive(Clone)]
pub struct HomeFs(pub Arc<Ctx>);

/// How a domain refusal reads to dav-server (which picks the status).
pub fn fs_error(e: AppError) -> FsError {
    match e {
        AppError::NotFound => FsError::NotFound,
        AppError::QuotaExceeded(_) => FsError::InsufficientStorage,
        AppError::PayloadTooLarge(_) => FsError::TooLarge,
        AppError::Validation(_) | AppError::Conflict(_) | AppError::BadRequest(_) => {
            FsError::Forbidden
        }
        other => {
            other.log_if_internal();
            FsError::GeneralFailure
        }
    }
}

impl HomeFs {
    /// Runs `f` with a pooled connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, FsError>
    where
        F: FnOnce(&mut DbConn, &Ctx) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let ctx = self.0.clone();
        db::run(&self.0.db, move |conn| f(conn, &ctx)).await.map_err(fs_error)
    }

    async fn row(&self, path: &DavPath) -> Result<Option<FileRow>, FsError> {
        let names = paths::names(path)?;
        if names.last().is_some_and(|n| self.0.drops(n)) {
            return Err(FsError::NotFound);
        }
        if let Some(row) = self.0.seen(&names) {
            return Ok(Some(row));
        }
        self.run(move |conn, ctx| {
            let row = paths::resolve(conn, &ctx.mount, &names)?;
            if let Some(row) = &row {
                ctx.remember(names, row);
            }
            Ok(row)
        })
        .await
    }

    /// The row of a path that is inside the mount (never the mount itself).
    async fn inner_row(&self, path: &DavPath) -> Result<FileRow, FsError> {
        if paths::names(path)?.is_empty() {
            return Err(FsError::Forbidden);
        }
        self.row(path).await?.ok_or(FsError::Forbidden)
    }

    async fn list(&self, path: &DavPath) -> Result<Vec<Box<dyn DavDirEntry>>, FsError> {
        if self.0.whole_tree_delete {
            return Ok(Vec::new());
        }
        let names = paths::names(path)?;
        let rows = self
            .run(move |conn, ctx| {
                let folder = paths::resolve(conn, &ctx.mount, &names)?;
                if folder.as_ref().is_some_and(|f| !f.is_folder()) {
                    return Err(AppError::NotFound);
                }
                let parent = folder.as_ref().map(|f| &f.id);
                let rows = files::list(conn, &ctx.mount.owner, parent, Sort::Name, false)?;
                for row in &rows {
                    let mut child = names.clone();
                    child.push(row.name.clone());
                    ctx.remember(child, row);
                }
                Ok(rows)
            })
            .await?;
        Ok(rows
            .iter()
            .map(|r| Box::new(Entry { name: r.name.clone(), meta: Meta::of(r) }) as _)
            .collect())
    }

    async fn make_dir(&self, path: &DavPath) -> Result<(), FsError> {
        let names = paths::names(path)?;
        checked_last(&self.0, &names)?;
        self.run(move |conn, ctx| {
            let (parent, name) = paths::resolve_parent(conn, &ctx.mount, &names)?;
            let parent = parent.map(|p| p.id);
            if files::find_child(conn, &ctx.mount.owner, parent.as_ref(), name)?.is_some() {
                return Ok(Err(FsError::Exists));
            }
            let now = Utc::now().naive_utc();
            crate::files::create_folder(conn, &ctx.mount.owner, parent.as_ref(), name, now)?;
            Ok(Ok(()))
        })
        .await?
    }

    async fn to_trash(&self, path: &DavPath) -> Result<(), FsError> {
        let row = self.inner_row(path).await?;
        self.run(move |conn, ctx| {
            trash::trash(conn, &ctx.mount.owner, &row.id, Utc::now().naive_utc()).map(|_| ())
        })
        .await
    }

    async fn move_to(&self, from: &DavPath, to: &DavPath) -> Result<(), FsError> {
        let row = self.inner_row(from).await?;
        let names = paths::names(to)?;
        checked_last(&self.0, &names)?;
        self.run(move |conn, ctx| {
            let (parent, name) = paths::resolve_parent(conn, &ctx.mount, &names)?;
            let parent = parent.map(|p| p.id);
            let now = Utc::now().naive_utc();
            let owner = &ctx.mount.owner;
            crate::files::rename_move(conn, owner, &row.id, Some(name), Some(parent.as_ref()), now)
                .map(|_| ())
        })
        .await
    }

    async fn copy_to(&self, from: &DavPath, to: &DavPath) -> Result<(), FsError> {
        let row = self.inner_row(from).await?;
        let names = paths::names(to)?;
        checked_last(&self.0, &names)?;
        self.run(move |conn, ctx| {
            let (parent, name) = paths::resolve_parent(conn, &ctx.mount, &names)?;
            let parent = parent.map(|p| p.id);
            let target = Target { into: Some(parent.as_ref()), name: Some(name) };
            let copied = copy::copy_at_most(
                conn,
                &ctx.mount.owner,
                &row.id,
                &target,
                Utc::now().naive_utc(),
                1,
            )?;
            // A file copy keeps its time, as `cp -p` and rclone expect.
            files::set_modified(conn, &copied.0.id, row.modified_at)?;
            Ok(())
        })
        .await
    }

    async fn quota(&self) -> Result<(u64, Option<u64>), FsError> {
        self.run(|conn, ctx| {
            let user = users::find(conn, &ctx.mount.owner)?;
            Ok((user.storage_used.max(0) as u64, Some(user.quota.max(0) as u64)))
        })
        .await
    }
}

/// The last name of a path that is to be created: checked like every name in homedisk.
fn checked_last<'a>(ctx: &Ctx, names: &'a [String]) -> Result<&'a str, FsError> {
    let name = names.last().ok_or(FsError::Forbidden)?;
    if name_problem(name).is_some() || ctx.drops(name) {
        return Err(FsError::Forbidden);
    }
    Ok(name)
}

impl DavFileSystem for HomeFs {
    fn open<'a>(
        &'a self,
        path: &'a DavPath,
        options: OpenOptions,
    ) -> FsFuture<'a, Box<dyn DavFile>> {
        async move {
            if options.write {
                file::open_write(self, path, options).await
            } else {
                let row = self.row(path).await?.ok_or(FsError::Forbidden)?;
                file::open_read(self, row).await
            }
        }
        .boxed()
    }

    fn read_dir<'a>(
        &'a self,
        path: &'a DavPath,
        _meta: ReadDirMeta,
    ) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        async move {
            let entries = self.list(path).await?;
            let stream: FsStream<Box<dyn DavDirEntry>> =
                Box::pin(futures_util::stream::iter(entries.into_iter().map(Ok)));
            Ok(stream)
        }
        .boxed()
    }

    fn metadata<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, Box<dyn DavMetaData>> {
        async move {
            let meta = match self.row(path).await? {
                Some(row) => Meta::of(&row),
                None => Meta::root(),
            };
            Ok(Box::new(meta) as Box<dyn DavMetaData>)
        }
        .boxed()
    }

    fn create_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.make_dir(path).boxed()
    }

    fn remove_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.to_trash(path).boxed()
    }

    fn remove_file<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.to_trash(path).boxed()
    }

    fn rename<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        self.move_to(from, to).boxed()
    }

    fn copy<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        self.copy_to(from, to).boxed()
    }

    fn have_props<'a>(
        &'a self,
        _path: &'a DavPath,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>> {
        // Every row can hold dead properties (the mount's root cannot: it has no row).
        Box::pin(std::future::ready(true))
    }

    fn patch_props<'a>(
        &'a self,
        path: &'a DavPath,
        patch: Vec<(bool, DavProp)>,
    ) -> FsFuture<'a, Vec<(http::StatusCode, DavProp)>> {
        async move {
            let row = self.row(path).await?.ok_or(FsError::Forbidden)?;
            self.run(move |conn, _| props::patch(conn, &row.id, patch)).await
        }
        .boxed()
    }

    fn get_props<'a>(&'a self, path: &'a DavPath, do_content: bool) -> FsFuture<'a, Vec<DavProp>> {
        async move {
            let Some(row) = self.row(path).await? else { return Ok(Vec::new()) };
            self.run(move |conn, _| props::all(conn, &row.id, do_content)).await
        }
        .boxed()
    }

    fn get_prop<'a>(&'a self, path: &'a DavPath, prop: DavProp) -> FsFuture<'a, Vec<u8>> {
        async move {
            let row = self.row(path).await?.ok_or(FsError::NotFound)?;
            self.run(move |conn, _| props::one(conn, &row.id, &prop))
                .await?
                .ok_or(FsError::NotFound)
        }
        .boxed()
    }

    fn get_quota(&self) -> FsFuture<'_, (u64, Option<u64>)> {
        self.quota().boxed()
    }
}
