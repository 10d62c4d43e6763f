//! Where a WebDAV path leads: its names, walked down the folder tree in the database from the
//! mount's root (never through the disk). A confined app password's mount starts at its
//! folder, so no path can lead above it.

use dav_server::davpath::DavPath;
use dav_server::fs::FsError;

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, FileRow};
use crate::error::AppError;

/// The deepest path accepted; deeper ones are refused before any query (414).
pub const MAX_DEPTH: usize = 64;

/// What `/dav/` shows: the owner's root, or the folder an app password is confined to.
#[derive(Debug, Clone)]
pub struct Mount {
    pub owner: UserId,
    pub root: Option<FileId>,
}

impl Mount {
    /// The key locks are kept under: `''` for the account's root, else the folder's id.
    pub fn key(&self) -> String {
        self.root.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default()
    }
}

/// The names in `path` (`/a/b/` → `["a", "b"]`). A name that is not UTF-8 cannot exist here.
pub fn names(path: &DavPath) -> Result<Vec<String>, FsError> {
    let names: Vec<String> = path
        .as_bytes()
        .split(|b| *b == b'/')
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8(s.to_vec()).map_err(|_| FsError::NotFound))
        .collect::<Result<_, _>>()?;
    if names.len() > MAX_DEPTH {
        return Err(FsError::PathTooLong);
    }
    Ok(names)
}

/// The entry at `names` below the mount: `None` is the account's root (only when the mount is
/// the root). A missing name, or a name below a file, is `NotFound`.
pub fn resolve(
    conn: &mut DbConn,
    mount: &Mount,
    names: &[String],
) -> Result<Option<FileRow>, AppError> {
    let mut current = match &mount.root {
        Some(id) => Some(files::find_owned(conn, &mount.owner, id)?),
        None => None,
    };
    for name in names {
        if current.as_ref().is_some_and(|c| !c.is_folder()) {
            return Err(AppError::NotFound);
        }
        let parent = current.as_ref().map(|c| &c.id);
        current =
            Some(files::find_child(conn, &mount.owner, parent, name)?.ok_or(AppError::NotFound)?);
    }
    Ok(current)
}

/// The folder that holds the last name of `names` (which must not be empty), and that name.
pub fn resolve_parent<'a>(
    conn: &mut DbConn,
    mount: &Mount,
    names: &'a [String],
) -> Result<(Option<FileRow>, &'a str), AppError> {
    let (last, above) =
        names.split_last().ok_or_else(|| AppError::Conflict("the mount itself".into()))?;
    let parent = resolve(conn, mount, above)?;
    if parent.as_ref().is_some_and(|p| !p.is_folder()) {
        return Err(AppError::NotFound);
    }
    Ok((parent, last))
}

/// Names macOS writes beside every file (resource forks `._x`, `.DS_Store`): answered at once
/// and not stored (see docs/webdav.md).
pub fn is_mac_junk(name: &str) -> bool {
    name == ".DS_Store" || name.starts_with("._")
}
