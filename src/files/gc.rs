//! Removing what a crash can leave behind: blobs that no row references. An upload renames its
//! bytes into place *before* its row commits (so a committed row always has its bytes); a kill
//! between the two leaves bytes that nobody's quota counts and nothing would ever delete.
//!
//! Run where nothing else can be writing those blobs (at start-up, under the data directory's
//! lock), or with a grace period longer than any upload's commit.

use std::collections::HashSet;
use std::time::SystemTime;

use crate::db::DbConn;
use crate::db::models::blobs;
use crate::error::AppError;
use crate::storage::Storage;

/// Keys looked up per query.
const BATCH: usize = 500;

/// Of `keys`, those without a row in `blobs`.
pub fn unreferenced(conn: &mut DbConn, keys: &[String]) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for batch in keys.chunks(BATCH) {
        let known: HashSet<String> = blobs::existing(conn, batch)?.into_iter().collect();
        out.extend(batch.iter().filter(|k| !known.contains(*k)).cloned());
    }
    Ok(out)
}

/// Deletes every stored blob without a row that was stored before `cutoff`. Returns the keys
/// removed (their thumbnails are the caller's to forget).
pub fn remove_orphan_blobs(
    conn: &mut DbConn,
    storage: &dyn Storage,
    cutoff: SystemTime,
) -> Result<Vec<String>, AppError> {
    let old: Vec<String> = storage
        .list()
        .map_err(crate::storage::to_app_error)?
        .into_iter()
        .filter(|b| b.modified < cutoff)
        .map(|b| b.key)
        .collect();
    let mut removed = Vec::new();
    for key in unreferenced(conn, &old)? {
        // Checked again under the blob's lock: an upload may have claimed it since.
        if crate::files::release::remove_if_unreferenced(conn, storage, &key)? {
            removed.push(key);
        }
    }
    Ok(removed)
}
