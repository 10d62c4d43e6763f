//! `homedisk admin fsck`: does every blob row have its stored object, and every stored object
//! a row? Rows without objects are files that can no longer be downloaded (reported: only a
//! backup can bring them back). Objects without rows are orphans (an upload killed between
//! storing its bytes and committing, or a delete that could not reach the store); `--repair`
//! removes those older than a grace period, each checked again under its blob lock, so an
//! upload in progress on any node is never touched.

use std::collections::BTreeSet;
use std::time::SystemTime;

use crate::db::DbConn;
use crate::db::models::blobs;
use crate::error::AppError;
use crate::files::release::remove_if_unreferenced;
use crate::storage::{Storage, StoredBlob};

/// What a check found (and, with repair, removed).
#[derive(Debug, Default)]
pub struct Report {
    pub rows: usize,
    pub objects: usize,
    /// Blob rows whose object is missing.
    pub missing: Vec<String>,
    /// Objects without a row, with when they were stored.
    pub orphans: Vec<StoredBlob>,
    /// Orphans removed by the repair.
    pub removed: Vec<String>,
}

impl Report {
    /// Nothing missing, and no orphan left.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.orphans.len() == self.removed.len()
    }
}

/// Compares rows and objects; with `repair_before`, removes orphans stored before it.
pub fn check(
    conn: &mut DbConn,
    storage: &dyn Storage,
    repair_before: Option<SystemTime>,
) -> Result<Report, AppError> {
    // Objects first: an upload committing in between then shows up as a row whose object was
    // listed, never as a missing object.
    let objects = storage.list().map_err(crate::storage::to_app_error)?;
    let rows: BTreeSet<String> = blobs::all_keys(conn)?.into_iter().collect();
    let stored: BTreeSet<&str> = objects.iter().map(|b| b.key.as_str()).collect();
    let mut report = Report { rows: rows.len(), objects: objects.len(), ..Report::default() };
    report.missing = rows.iter().filter(|k| !stored.contains(k.as_str())).cloned().collect();
    report.orphans = objects.into_iter().filter(|b| !rows.contains(&b.key)).collect();
    if let Some(cutoff) = repair_before {
        for orphan in report.orphans.iter().filter(|b| b.modified < cutoff) {
            if remove_if_unreferenced(conn, storage, &orphan.key)? {
                report.removed.push(orphan.key.clone());
            }
        }
    }
    Ok(report)
}
