//! Files and folders: names, the folder tree, rename/move, delete, and (in `upload`) putting
//! new bytes in. Plain functions over a connection and a [`Storage`]; no HTTP here.
//!
//! Names are metadata only: they are validated here and never used to build a path on disk
//! (bytes live under their SHA-256, see `storage`).

pub mod batch;
pub mod confine;
pub mod copy;
pub mod cursor;
pub mod fsck;
pub mod gc;
pub mod kind;
pub mod location;
pub mod name_key;
pub mod photo;
pub mod release;
pub mod search;
pub mod text_preview;
pub mod trash;
pub mod upload;
pub mod zip;

use chrono::NaiveDateTime;

use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, FileRow, NewFile, Sort};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};

pub const MAX_NAME_BYTES: usize = 255;

/// `1536` → `1.5 KiB`, for people.
pub fn human_bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} bytes") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Why `name` cannot name a file or folder, if it cannot.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("must not be empty")
    } else if name.len() > MAX_NAME_BYTES {
        Some("must be at most 255 bytes")
    } else if name == "." || name == ".." {
        Some("cannot be `.` or `..`")
    } else if name.contains(['/', '\\']) {
        Some("must not contain `/` or `\\`")
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters (such as line breaks)")
    } else if name.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')) {
        // Direction overrides make "photo\u{202E}gpj.exe" display as "photoexe.jpg".
        Some("must not contain text-direction override characters")
    } else {
        None
    }
}

pub fn validate_name(field: &'static str, name: &str) -> Result<(), AppError> {
    match name_problem(name) {
        Some(problem) => Err(AppError::Validation(FieldErrors::single(field, problem))),
        None => Ok(()),
    }
}

/// The file name of an upload: browsers send a bare name, but some clients send a path
/// (`C:\photos\cat.jpg`, `../x`); keep the last component.
pub fn upload_name(raw: &str) -> String {
    raw.rsplit(['/', '\\']).next().unwrap_or(raw).to_owned()
}

/// `name` if free in that folder, else `stem (1).ext`, `stem (2).ext`, …
pub fn free_name(
    conn: &mut DbConn,
    owner: &UserId,
    parent: Option<&FileId>,
    name: &str,
) -> Result<String, AppError> {
    if !files::name_taken(conn, owner, parent, name, None)? {
        return Ok(name.to_owned());
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    for n in 1..10_000 {
        let candidate = format!("{stem} ({n}){ext}");
        if candidate.len() <= MAX_NAME_BYTES
            && !files::name_taken(conn, owner, parent, &candidate, None)?
        {
            return Ok(candidate);
        }
    }
    Err(AppError::Validation(FieldErrors::single(
        "name",
        "too many files with this name in this folder",
    )))
}

/// The folder `id` of `owner` (`None`: the root). A file id, or anyone else's id, is refused.
pub fn folder(
    conn: &mut DbConn,
    owner: &UserId,
    id: Option<&FileId>,
) -> Result<Option<FileRow>, AppError> {
    let Some(id) = id else { return Ok(None) };
    let row = files::find_owned(conn, owner, id)?;
    if !row.is_folder() {
        return Err(AppError::Validation(FieldErrors::single("folder", "is a file, not a folder")));
    }
    Ok(Some(row))
}

/// How to order a listing, from the `sort` (`name`, `date`, `size`) and `order` (`asc`,
/// `desc`) parameters; absent means by name, ascending.
pub fn parse_sort(sort: Option<&str>, order: Option<&str>) -> Result<(Sort, bool), AppError> {
    let sort = match sort {
        None | Some("") | Some("name") => Sort::Name,
        Some("date") => Sort::Date,
        Some("size") => Sort::Size,
        Some("taken") => Sort::Taken,
        Some(_) => {
            return Err(AppError::Validation(FieldErrors::single(
                "sort",
                "must be name, date, size or taken",
            )));
        }
    };
    let descending = match order {
        None | Some("") | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(AppError::Validation(FieldErrors::single("order", "must be asc or desc")));
        }
    };
    Ok((sort, descending))
}

/// A folder's contents, with the folder itself and its path from the root.
pub struct Listing {
    pub folder: Option<FileRow>,
    pub path: Vec<FileRow>,
    pub items: Vec<FileRow>,
    /// Where the next page starts, when [`list_page`] left rows out.
    pub next: Option<String>,
}

/// A page of a listing: at most `limit` items after `cursor` (see `files::cursor`).
pub struct Page<'a> {
    pub cursor: Option<&'a str>,
    pub limit: i64,
}

/// Lists `folder` (`None`: the root). A file id, or anyone else's id, is "not found".
pub fn list(
    conn: &mut DbConn,
    owner: &UserId,
    folder_id: Option<&FileId>,
    sort: Sort,
    descending: bool,
) -> Result<Listing, AppError> {
    let folder = folder(conn, owner, folder_id).map_err(|e| match e {
        AppError::Validation(_) => AppError::NotFound,
        other => other,
    })?;
    let path = path_to(conn, owner, folder.as_ref())?;
    let items = files::list(conn, owner, folder.as_ref().map(|f| &f.id), sort, descending)?;
    Ok(Listing { folder, path, items, next: None })
}

/// [`list`], one page of it.
pub fn list_page(
    conn: &mut DbConn,
    owner: &UserId,
    folder_id: Option<&FileId>,
    order: (Sort, bool),
    page: Page<'_>,
) -> Result<Listing, AppError> {
    let after = page.cursor.map(|c| cursor::parse(c, order)).transpose()?;
    let folder = folder(conn, owner, folder_id).map_err(|e| match e {
        AppError::Validation(_) => AppError::NotFound,
        other => other,
    })?;
    let path = path_to(conn, owner, folder.as_ref())?;
    let parent = folder.as_ref().map(|f| &f.id);
    // One more than asked: whether there is a next page, without a count.
    let mut items =
        files::list_page(conn, owner, parent, order, after.as_ref(), Some(page.limit + 1))?;
    let next = if items.len() as i64 > page.limit {
        items.truncate(page.limit as usize);
        match items.last() {
            Some(last) => {
                Some(cursor::after(last, order, photo::store::taken_key(conn, order.0, last)?))
            }
            None => None,
        }
    } else {
        None
    };
    Ok(Listing { folder, path, items, next })
}

/// The folders from the root down to `folder` (for breadcrumbs), `folder` included.
pub fn path_to(
    conn: &mut DbConn,
    owner: &UserId,
    folder: Option<&FileRow>,
) -> Result<Vec<FileRow>, AppError> {
    let mut chain = Vec::new();
    let mut next = folder.cloned();
    while let Some(f) = next {
        next = match &f.parent_id {
            Some(p) => Some(files::find_owned(conn, owner, p)?),
            None => None,
        };
        chain.push(f);
        if chain.len() > 1000 {
            return Err(AppError::internal("folder chain too deep (a cycle?)"));
        }
    }
    chain.reverse();
    Ok(chain)
}

/// `root` and its live descendants, parents before children. With `limit`, a tree of more
/// rows is refused (413) as soon as the walk finds them, before it loads the rest.
pub(crate) fn live_subtree(
    conn: &mut DbConn,
    owner: &UserId,
    root: &FileRow,
    limit: Option<usize>,
) -> Result<Vec<FileRow>, AppError> {
    let mut all = vec![root.clone()];
    let mut seen: std::collections::HashSet<FileId> = [root.id.clone()].into();
    let mut frontier: Vec<FileId> =
        if root.is_folder() { vec![root.id.clone()] } else { Vec::new() };
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for chunk in frontier.chunks(500) {
            for child in files::children_of(conn, owner, chunk)? {
                // Each row once, even if the tree were ever damaged into a cycle.
                if seen.insert(child.id.clone()) {
                    if child.is_folder() {
                        next.push(child.id.clone());
                    }
                    all.push(child);
                }
            }
        }
        if let Some(limit) = limit.filter(|l| all.len() > *l) {
            return Err(AppError::PayloadTooLarge(format!(
                "“{}” holds more than {limit} items, more than one request may copy",
                root.name
            )));
        }
        frontier = next;
    }
    Ok(all)
}

/// Whether putting `row` into `target` would put a folder inside itself.
pub(crate) fn would_cycle(
    conn: &mut DbConn,
    owner: &UserId,
    row: &FileRow,
    target: Option<&FileRow>,
) -> Result<bool, AppError> {
    let Some(target) = target else { return Ok(false) };
    Ok(path_to(conn, owner, Some(target))?.iter().any(|f| f.id == row.id))
}

pub fn create_folder(
    conn: &mut DbConn,
    owner: &UserId,
    parent: Option<&FileId>,
    name: &str,
    now: NaiveDateTime,
) -> Result<FileRow, AppError> {
    validate_name("name", name)?;
    db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        folder(conn, owner, parent)?;
        if files::name_taken(conn, owner, parent, name, None)? {
            return Err(AppError::Validation(FieldErrors::single(
                "name",
                "is already used in this folder",
            )));
        }
        Ok(files::insert(
            conn,
            &NewFile {
                id: &FileId::generate(),
                owner_id: owner,
                parent_id: parent,
                kind: "folder",
                name,
                size: 0,
                mime: None,
                blob_sha256: None,
                created_at: now,
                modified_at: now,
            },
        )?)
    })
}

/// The folder `name` in `parent`: the live one of that name, else a new one (named
/// `name (1)` etc. when a file holds the name). For drops through upload links, which sort
/// each visitor's files into a folder named after them.
pub fn folder_named(
    conn: &mut DbConn,
    owner: &UserId,
    parent: &FileId,
    name: &str,
    now: NaiveDateTime,
) -> Result<FileRow, AppError> {
    validate_name("uploader", name)?;
    db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        let found = files::find_child(conn, owner, Some(parent), name)?;
        if let Some(folder) = found.filter(FileRow::is_folder) {
            return Ok(folder);
        }
        folder(conn, owner, Some(parent))?;
        let name = free_name(conn, owner, Some(parent), name)?;
        Ok(files::insert(
            conn,
            &NewFile {
                id: &FileId::generate(),
                owner_id: owner,
                parent_id: Some(parent),
                kind: "folder",
                name: &name,
                size: 0,
                mime: None,
                blob_sha256: None,
                created_at: now,
                modified_at: now,
            },
        )?)
    })
}

/// Renames and/or moves `id`. `new_parent`: `None` keeps the folder, `Some(None)` is the root.
/// A folder cannot move into itself or below itself.
pub fn rename_move(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
    new_name: Option<&str>,
    new_parent: Option<Option<&FileId>>,
    now: NaiveDateTime,
) -> Result<FileRow, AppError> {
    if let Some(name) = new_name {
        validate_name("name", name)?;
    }
    db::write(conn, |conn| {
        db::lock_tree(conn, owner)?;
        let row = files::find_owned(conn, owner, id)?;
        let parent = match new_parent {
            Some(p) => p.cloned(),
            None => row.parent_id.clone(),
        };
        let target = folder(conn, owner, parent.as_ref())?;
        if would_cycle(conn, owner, &row, target.as_ref())? {
            return Err(AppError::Validation(FieldErrors::single(
                "folder",
                "a folder cannot move into itself or one of its subfolders",
            )));
        }
        let name = new_name.unwrap_or(&row.name);
        if files::name_taken(conn, owner, parent.as_ref(), name, Some(id))? {
            return Err(AppError::Validation(FieldErrors::single(
                "name",
                "is already used in that folder",
            )));
        }
        Ok(files::rename_move(conn, id, name, parent.as_ref(), now)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_refused() {
        for bad in [
            "",
            "   ",
            ".",
            "..",
            "a/b",
            "../x",
            "a\\b",
            "a\nb",
            "a\r\nb",
            "nul\0",
            "photo\u{202E}gpj.exe",
            &"x".repeat(256),
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        for good in [
            "photo.jpg",
            "My Photos",
            "🐱 cat.png",
            "..hidden",
            "a.b.c",
            "日本語.txt",
            &"é".repeat(127),
        ] {
            assert_eq!(name_problem(good), None, "{good:?}");
        }
    }

    #[test]
    fn upload_names_drop_client_paths() {
        assert_eq!(upload_name("C:\\Users\\me\\cat.jpg"), "cat.jpg");
        assert_eq!(upload_name("../../etc/passwd"), "passwd");
        assert_eq!(upload_name("plain.txt"), "plain.txt");
        assert_eq!(upload_name("dir/"), "");
    }
}
