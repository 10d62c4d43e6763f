//! Copying a file or a folder tree: new rows, the same blobs (one more reference each), the
//! logical size charged to the quota, all in one transaction: a copy is whole or absent.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;

use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, FileRow, NewFile};
use crate::db::models::{blobs, users};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::files::upload::quota_error;
use crate::files::{folder, free_name, live_subtree, validate_name, would_cycle};

/// The most rows one request may create by copying (one copy, or all the copies of a batch);
/// beyond it the request is refused (413) rather than holding connections for minutes.
pub const MAX_COPY_ENTRIES: usize = 20_000;

/// Where a copy goes and under what name.
#[derive(Debug, Default, Clone)]
pub struct Target<'a> {
    /// `None`: next to the original; `Some(None)`: the root.
    pub into: Option<Option<&'a FileId>>,
    /// `None`: the original's name, made free (`name (1).ext`) if taken.
    pub name: Option<&'a str>,
}

/// Copies `id` (with everything below it) to `target`; returns the new top row.
pub fn copy(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
    target: &Target<'_>,
    now: NaiveDateTime,
) -> Result<FileRow, AppError> {
    copy_at_most(conn, owner, id, target, now, MAX_COPY_ENTRIES).map(|(row, _)| row)
}

/// [`copy`] of a tree of at most `limit` rows (413 beyond); also says how many it made.
pub fn copy_at_most(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
    target: &Target<'_>,
    now: NaiveDateTime,
    limit: usize,
) -> Result<(FileRow, usize), AppError> {
    if let Some(name) = target.name {
        validate_name("name", name)?;
    }
    db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        let source = files::find_owned(conn, owner, id)?;
        let parent = match target.into {
            Some(chosen) => folder(conn, owner, chosen)?,
            None => match &source.parent_id {
                Some(p) => Some(files::find_owned(conn, owner, p)?),
                None => None,
            },
        };
        if source.is_folder() && would_cycle(conn, owner, &source, parent.as_ref())? {
            return Err(AppError::Conflict(
                "a folder cannot be copied into itself or one of its subfolders".into(),
            ));
        }
        let parent_id = parent.as_ref().map(|p| p.id.clone());
        let name = match target.name {
            Some(name) if files::name_taken(conn, owner, parent_id.as_ref(), name, None)? => {
                return Err(AppError::Validation(FieldErrors::single(
                    "name",
                    "is already used in that folder",
                )));
            }
            Some(name) => name.to_owned(),
            None => free_name(conn, owner, parent_id.as_ref(), &source.name)?,
        };
        let tree = live_subtree(conn, owner, &source, Some(limit))?;
        charge(conn, owner, &tree)?;
        let top = insert_copies(conn, owner, &tree, parent_id.as_ref(), &name, now)?;
        Ok((top, tree.len()))
    })
}

/// Reserves the files' sizes and adds one reference per file to each blob.
fn charge(conn: &mut DbConn, owner: &UserId, tree: &[FileRow]) -> Result<(), AppError> {
    let bytes: i64 = tree.iter().filter(|f| f.blob_sha256.is_some()).map(|f| f.size).sum();
    if !users::reserve_storage(conn, owner, bytes)? {
        let user = users::find(conn, owner)?;
        let u = |n: i64| u64::try_from(n).unwrap_or(0);
        return Err(quota_error(u(bytes), u(user.storage_used), u(user.quota)));
    }
    // In key order, like every path that touches several blob rows (no deadlocks).
    let mut refs: BTreeMap<&str, i64> = BTreeMap::new();
    for sha in tree.iter().filter_map(|f| f.blob_sha256.as_deref()) {
        *refs.entry(sha).or_default() += 1;
    }
    for (sha, n) in refs {
        // The source rows hold these blobs under the tree lock, so each row is still there.
        blobs::add_refs(conn, sha, n)?;
    }
    Ok(())
}

/// Inserts the copies, parents before children (`tree` is in that order, its top first).
fn insert_copies(
    conn: &mut DbConn,
    owner: &UserId,
    tree: &[FileRow],
    parent: Option<&FileId>,
    name: &str,
    now: NaiveDateTime,
) -> Result<FileRow, AppError> {
    let mut new_ids: HashMap<&FileId, FileId> = HashMap::with_capacity(tree.len());
    let mut top = None;
    for (i, row) in tree.iter().enumerate() {
        let id = FileId::generate();
        let (parent_id, name) = if i == 0 {
            (parent, name)
        } else {
            let old_parent = row
                .parent_id
                .as_ref()
                .ok_or_else(|| AppError::internal("a row below the copied item has no parent"))?;
            let new_parent = new_ids
                .get(old_parent)
                .ok_or_else(|| AppError::internal("a copied row came before its folder"))?;
            (Some(new_parent), row.name.as_str())
        };
        let inserted = files::insert(
            conn,
            &NewFile {
                id: &id,
                owner_id: owner,
                parent_id,
                kind: &row.kind,
                name,
                size: row.size,
                mime: row.mime.as_deref(),
                blob_sha256: row.blob_sha256.as_deref(),
                created_at: now,
                // Like `cp -p`: the content did not change, so neither does its date.
                modified_at: row.modified_at,
            },
        )?;
        if i == 0 {
            top = Some(inserted);
        }
        new_ids.insert(&row.id, id);
    }
    top.ok_or_else(|| AppError::internal("nothing to copy"))
}
