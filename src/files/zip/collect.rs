//! What goes in an archive: the caller's live items (a folder and its subtree, or a selection
//! of files and folders), walked level by level, named safely and uniquely, and bounded by
//! [`Limits`] while the walk goes, so a huge tree is refused after reading at most
//! `max_entries + 1` rows of it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, Brief};
use crate::error::AppError;
use crate::files::human_bytes;
use crate::files::zip::layout::Item;
use crate::files::zip::names::{Directory, sanitize};

/// Parents asked for in one query (one bound parameter each).
const PARENTS_PER_QUERY: usize = 500;

/// How big an archive may be (`HOMEDISK_ZIP_MAX_ENTRIES`, `HOMEDISK_ZIP_MAX_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_bytes: u64,
}

/// What to archive.
#[derive(Debug, Clone)]
pub enum Source {
    /// A folder, as `name/` with everything in it.
    Folder(FileId),
    /// Files and folders side by side at the top of the archive (duplicates counted once);
    /// any id that is not the owner's live item is `NotFound`.
    Selection(Vec<FileId>),
    /// A selection saved in a download link: items gone since (trashed, deleted) are left
    /// out, so the link still gives what remains.
    Saved(Vec<FileId>),
}

/// The entries of an archive (CRC-32s not yet filled in), its file name, and a digest of
/// everything that decides its bytes (for the entity tag).
pub struct Collected {
    pub items: Vec<Item>,
    pub name: String,
    pub digest: String,
}

/// Walks `source` for `owner`: another user's or a trashed id is `NotFound`, a file where a
/// folder is expected is a bad request, and an archive over `limits` is 413.
pub fn collect(
    conn: &mut DbConn,
    owner: &UserId,
    source: &Source,
    limits: Limits,
    now: NaiveDateTime,
) -> Result<Collected, AppError> {
    let roots = roots(conn, owner, source)?;
    let name = match (source, roots.as_slice()) {
        (_, [root]) => format!("{}.zip", root.name),
        _ => format!("homedisk-{}.zip", now.format("%Y-%m-%d")),
    };
    let mut tally = Tally::new(limits);
    let mut top = Directory::default();
    let mut frontier = Vec::new();
    for root in &roots {
        if let Some(dir) = tally.push(&mut top, "", root)? {
            frontier.push(dir);
        }
    }
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for chunk in frontier.chunks(PARENTS_PER_QUERY) {
            let ids: Vec<FileId> = chunk.iter().map(|(id, _)| id.clone()).collect();
            let room = i64::try_from(tally.room()).unwrap_or(i64::MAX - 1);
            let mut by_parent: HashMap<FileId, Vec<Brief>> = HashMap::new();
            for row in files::children_brief(conn, owner, &ids, room + 1)? {
                if let Some(parent) = row.parent_id.clone() {
                    by_parent.entry(parent).or_default().push(row);
                }
            }
            for (id, path) in chunk {
                let mut children = by_parent.remove(id).unwrap_or_default();
                children.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.0.cmp(&b.id.0)));
                let mut dir = Directory::default();
                for child in &children {
                    if let Some(sub) = tally.push(&mut dir, path, child)? {
                        next.push(sub);
                    }
                }
            }
        }
        frontier = next;
    }
    Ok(Collected { items: tally.items, name, digest: tally.digest.finalize_hex() })
}

/// The rows the archive starts from, in the order asked.
fn roots(conn: &mut DbConn, owner: &UserId, source: &Source) -> Result<Vec<Brief>, AppError> {
    match source {
        Source::Folder(id) => {
            let row = brief(files::find_owned(conn, owner, id)?);
            if row.kind != "folder" {
                return Err(AppError::BadRequest(
                    "only a folder can be downloaded as a ZIP; download a file with /content"
                        .into(),
                ));
            }
            Ok(vec![row])
        }
        Source::Selection(ids) | Source::Saved(ids) => {
            let skip_gone = matches!(source, Source::Saved(_));
            let mut seen = std::collections::HashSet::new();
            let mut rows = Vec::new();
            for id in ids.iter().filter(|id| seen.insert(id.0.clone())) {
                match files::find_owned(conn, owner, id) {
                    Ok(row) => rows.push(brief(row)),
                    Err(diesel::result::Error::NotFound) if skip_gone => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(rows)
        }
    }
}

fn brief(row: files::FileRow) -> Brief {
    Brief {
        id: row.id,
        parent_id: row.parent_id,
        kind: row.kind,
        name: row.name,
        size: row.size,
        blob_sha256: row.blob_sha256,
        modified_at: row.modified_at,
        mime: row.mime,
    }
}

/// The entries so far, their total size against the limits, and the running digest.
struct Tally {
    items: Vec<Item>,
    bytes: u64,
    limits: Limits,
    digest: Sha256,
}

impl Tally {
    fn new(limits: Limits) -> Tally {
        Tally { items: Vec::new(), bytes: 0, limits, digest: Sha256::new() }
    }

    /// How many more entries fit.
    fn room(&self) -> usize {
        self.limits.max_entries.saturating_sub(self.items.len())
    }

    /// Adds `row` under the directory `parent` (`""` or ending with `/`), named uniquely in
    /// `dir`; a folder comes back as (id, its path) to be walked next.
    fn push(
        &mut self,
        dir: &mut Directory,
        parent: &str,
        row: &Brief,
    ) -> Result<Option<(FileId, String)>, AppError> {
        let is_dir = row.kind == "folder";
        let size = if is_dir { 0 } else { u64::try_from(row.size).unwrap_or(0) };
        let mut path = format!("{parent}{}", dir.claim(&sanitize(&row.name), is_dir));
        if is_dir {
            path.push('/');
        }
        let blob = if size > 0 { row.blob_sha256.clone() } else { None };
        if size > 0 && blob.is_none() {
            return Err(AppError::internal(format!("file {} has bytes but no blob", row.id)));
        }
        self.bytes = self.bytes.saturating_add(size);
        if self.items.len() >= self.limits.max_entries || self.bytes > self.limits.max_bytes {
            return Err(self.too_large());
        }
        for part in [row.id.as_str(), &path, blob.as_deref().unwrap_or("-")] {
            self.digest.update(part.as_bytes());
            self.digest.update([0]);
        }
        self.digest.update(size.to_le_bytes());
        self.digest.update(row.modified_at.and_utc().timestamp().to_le_bytes());
        let folder = is_dir.then(|| (row.id.clone(), path.clone()));
        self.items.push(Item {
            path,
            blob,
            size,
            crc32: 0,
            modified_at: row.modified_at,
            mime: row.mime.clone(),
            patches: Default::default(),
        });
        Ok(folder)
    }

    fn too_large(&self) -> AppError {
        let h = |n: u64| human_bytes(i64::try_from(n).unwrap_or(i64::MAX));
        AppError::PayloadTooLarge(format!(
            "this ZIP would be too large: an archive holds at most {} entries and {}; \
             download fewer items at a time",
            self.limits.max_entries,
            h(self.limits.max_bytes)
        ))
    }
}

trait HexDigest {
    fn finalize_hex(self) -> String;
}

impl HexDigest for Sha256 {
    fn finalize_hex(self) -> String {
        self.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
