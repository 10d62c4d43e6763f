//! The trash: a delete marks the item and its live subtree in one transaction (the name
//! becomes free in its folder, the bytes keep counting in the quota), a restore brings them
//! back by id, and a purge (one item, the whole trash, or the retention job) removes the rows
//! and lets go of the blobs through [`release`](super::release), like the old hard delete.

use chrono::{Duration, NaiveDateTime};

use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, FileRow};
use crate::db::models::{trash, users};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::files::{folder, free_name, live_subtree, path_to, release};
use crate::storage::Storage;

/// An item of the trash as people see it: what they deleted, with what it held.
#[derive(Debug)]
pub struct TrashItem {
    pub row: FileRow,
    /// Bytes of the files in it (the item itself for a file).
    pub size: i64,
    /// Where it was, as `/a/b` (`/` is the root): the folder's path today if it still
    /// exists (it may have been renamed), else the path it had at the deletion.
    pub original_path: String,
    /// Where a restore without a chosen folder puts it: the old folder, or the root.
    pub restores_to: String,
    pub purge_after: NaiveDateTime,
}

/// Moves `id` (and everything live below it) to the trash. Returns the trashed row.
pub fn trash(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
    now: NaiveDateTime,
) -> Result<FileRow, AppError> {
    db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        let root = files::find_owned(conn, owner, id)?;
        let subtree = live_subtree(conn, owner, &root, None)?;
        let ids: Vec<FileId> = subtree.iter().map(|f| f.id.clone()).collect();
        let parent = match &root.parent_id {
            Some(p) => Some(files::find_owned(conn, owner, p)?),
            None => None,
        };
        let path = display_path(&path_to(conn, owner, parent.as_ref())?);
        trash::mark(conn, &ids, &root.id, &path, now)?;
        Ok(files::find_owned_any_state(conn, owner, &root.id)?)
    })
}

/// `/a/b` for a chain of folders from the root.
fn display_path(chain: &[FileRow]) -> String {
    if chain.is_empty() {
        return "/".to_owned();
    }
    chain.iter().map(|f| format!("/{}", f.name)).collect()
}

/// The owner's trash, newest deletion first.
pub fn list(
    conn: &mut DbConn,
    owner: &UserId,
    retention_days: u32,
) -> Result<Vec<TrashItem>, AppError> {
    let roots = trash::list(conn, owner)?;
    let sizes: std::collections::HashMap<FileId, i64> =
        trash::sizes(conn, owner)?.into_iter().collect();
    let mut items = Vec::with_capacity(roots.len());
    for row in roots {
        let size = sizes.get(&row.id).copied().unwrap_or(0);
        let restores_to = match restore_target(conn, owner, &row)? {
            Some(parent) => Some(display_path(&path_to(conn, owner, Some(&parent))?)),
            None => None,
        };
        let original_path = restores_to
            .clone()
            .or_else(|| row.trashed_path.clone())
            .unwrap_or_else(|| "/".to_owned());
        let restores_to = restores_to.unwrap_or_else(|| "/".to_owned());
        let deleted_at = row.trashed_at.unwrap_or_default();
        let purge_after = deleted_at + Duration::days(i64::from(retention_days));
        items.push(TrashItem { row, size, original_path, restores_to, purge_after });
    }
    Ok(items)
}

/// The live folder a deleted item goes back to: its old folder while that still exists.
fn restore_target(
    conn: &mut DbConn,
    owner: &UserId,
    row: &FileRow,
) -> Result<Option<FileRow>, AppError> {
    match &row.parent_id {
        Some(p) => Ok(files::find_owned(conn, owner, p).map(Some).or_else(not_found_is_none)?),
        None => Ok(None),
    }
}

fn not_found_is_none<T>(e: diesel::result::Error) -> diesel::QueryResult<Option<T>> {
    match e {
        diesel::result::Error::NotFound => Ok(None),
        other => Err(other),
    }
}

/// Brings the deleted item `id` back: to `into` when given (`Some(None)` is the root), else to
/// its old folder if that is still there, else to the root; a taken name becomes `name (1)`.
pub fn restore(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
    into: Option<Option<&FileId>>,
) -> Result<FileRow, AppError> {
    db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        let row = trash_root(conn, owner, id)?;
        let parent = match into {
            Some(chosen) => folder(conn, owner, chosen)?,
            None => restore_target(conn, owner, &row)?,
        };
        let parent_id = parent.as_ref().map(|p| &p.id);
        let name = free_name(conn, owner, parent_id, &row.name)?;
        Ok(trash::restore(conn, &row.id, parent_id, &name)?)
    })
}

/// The owner's deleted item `id` (not something inside one): `NotFound` otherwise.
fn trash_root(conn: &mut DbConn, owner: &UserId, id: &FileId) -> Result<FileRow, AppError> {
    let row = files::find_owned_any_state(conn, owner, id)?;
    if !row.is_trash_root() {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// What a purge removed.
#[derive(Debug, Default)]
pub struct Purged {
    pub entries: usize,
    pub bytes: i64,
    pub blobs_removed: usize,
}

impl Purged {
    fn add(&mut self, other: Purged) {
        self.entries += other.entries;
        self.bytes += other.bytes;
        self.blobs_removed += other.blobs_removed;
    }
}

/// Removes the deleted item `id` for good. Storage used goes down by its files' sizes; a blob
/// whose last reference went is removed after the commit, and `removed` is told its key (to
/// drop what is derived from it, such as thumbnails).
pub fn purge(
    conn: &mut DbConn,
    storage: &dyn Storage,
    removed: impl Fn(&str),
    owner: &UserId,
    id: &FileId,
) -> Result<Purged, AppError> {
    purge_if(conn, storage, removed, owner, id, None)
}

/// [`purge`], but only if the item was deleted before `deleted_before` (checked under the
/// lock: an item restored and deleted again meanwhile is young again, and stays).
fn purge_if(
    conn: &mut DbConn,
    storage: &dyn Storage,
    removed: impl Fn(&str),
    owner: &UserId,
    id: &FileId,
    deleted_before: Option<NaiveDateTime>,
) -> Result<Purged, AppError> {
    let (purged, unreferenced) = db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        let root = trash_root(conn, owner, id)?;
        if deleted_before.is_some_and(|cutoff| root.trashed_at.is_none_or(|at| at >= cutoff)) {
            return Err(AppError::NotFound);
        }
        let rows = purge_rows(conn, owner, root)?;
        // Children before parents (the tree's foreign key), in chunks a statement can bind.
        let ids: Vec<FileId> = rows.iter().rev().map(|f| f.id.clone()).collect();
        for chunk in ids.chunks(500) {
            files::delete_many(conn, chunk)?;
        }
        let bytes = rows.iter().filter(|f| f.blob_sha256.is_some()).map(|f| f.size).sum();
        // The user's row before the blobs' rows: the order an upload takes them in, so that
        // two nodes doing both at once cannot deadlock on PostgreSQL.
        users::release_storage(conn, owner, bytes)?;
        let unreferenced =
            release::release(conn, rows.iter().filter_map(|f| f.blob_sha256.as_deref()))?;
        Ok::<_, AppError>((
            Purged { entries: ids.len(), bytes, blobs_removed: unreferenced.len() },
            unreferenced,
        ))
    })?;
    unreferenced.remove(conn, storage, removed);
    Ok(purged)
}

/// The rows a purge of `root` removes, parents before children: everything below it, except
/// items deleted on their own earlier, which stay in the trash (detached to the root).
fn purge_rows(conn: &mut DbConn, owner: &UserId, root: FileRow) -> Result<Vec<FileRow>, AppError> {
    let mut seen: std::collections::HashSet<FileId> = [root.id.clone()].into();
    let mut frontier: Vec<FileId> =
        if root.is_folder() { vec![root.id.clone()] } else { Vec::new() };
    let mut all = vec![root];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for chunk in frontier.chunks(500) {
            for child in files::children_of_any_state(conn, owner, chunk)? {
                if !seen.insert(child.id.clone()) {
                    continue;
                }
                if child.is_trash_root() {
                    trash::detach(conn, &child.id)?;
                    continue;
                }
                // Everything else below a deleted folder was deleted with it; a live row here
                // would be a broken tree, and is not silently taken along.
                if child.trash_root_id.is_none() {
                    return Err(AppError::internal(format!(
                        "live row {} below the deleted folder",
                        child.id
                    )));
                }
                if child.is_folder() {
                    next.push(child.id.clone());
                }
                all.push(child);
            }
        }
        frontier = next;
    }
    Ok(all)
}

/// Empties the owner's trash, one deletion at a time (each its own transaction).
pub fn empty(
    conn: &mut DbConn,
    storage: &dyn Storage,
    removed: impl Fn(&str),
    owner: &UserId,
) -> Result<Purged, AppError> {
    let mut total = Purged::default();
    for row in trash::list(conn, owner)? {
        match purge(conn, storage, &removed, owner, &row.id) {
            Ok(p) => total.add(p),
            // Restored or purged meanwhile (another tab, the retention job).
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

/// Purges every deletion older than `cutoff` (the retention job), in batches. One item that
/// cannot be purged is logged and passed over; the others still go.
pub fn purge_expired(
    conn: &mut DbConn,
    storage: &dyn Storage,
    removed: impl Fn(&str),
    cutoff: NaiveDateTime,
) -> Result<Purged, AppError> {
    let mut total = Purged::default();
    let mut after: Option<(NaiveDateTime, FileId)> = None;
    loop {
        let batch = trash::expired(conn, cutoff, after.as_ref(), 200)?;
        let Some(last) = batch.last() else { return Ok(total) };
        after = Some((last.2, last.1.clone()));
        for (owner, id, _) in batch {
            match purge_if(conn, storage, &removed, &owner, &id, Some(cutoff)) {
                Ok(p) => total.add(p),
                // Restored, deleted again, or purged by someone else meanwhile.
                Err(AppError::NotFound) => {}
                Err(e @ AppError::DatabaseUnavailable(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!(file = %id, error = %e, "cannot purge an expired trash item");
                }
            }
        }
    }
}
