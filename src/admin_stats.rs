//! Figures for the admin dashboard: accounts, live sessions, storage, disk space.

use std::path::Path;

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::models::{sessions, users};
use crate::error::AppError;

/// What the dashboard shows.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub users: i64,
    pub live_sessions: i64,
    pub storage_used: i64,
    /// Free and total bytes of the file system holding the data directory (`None` if unknown).
    pub disk_free: Option<u64>,
    pub disk_total: Option<u64>,
}

pub fn collect(conn: &mut DbConn, data_dir: &Path, now: NaiveDateTime) -> Result<Stats, AppError> {
    let (users, storage_used) = users::totals(conn)?;
    let live_sessions = sessions::count_live(conn, now)?;
    let (disk_free, disk_total) = match disk_space(data_dir) {
        Some((free, total)) => (Some(free), Some(total)),
        None => (None, None),
    };
    Ok(Stats { users, live_sessions, storage_used, disk_free, disk_total })
}

/// (available to unprivileged users, total) bytes of the file system at `path`.
pub fn disk_space(path: &Path) -> Option<(u64, u64)> {
    let s = rustix::fs::statvfs(path).ok()?;
    Some((s.f_bavail.saturating_mul(s.f_frsize), s.f_blocks.saturating_mul(s.f_frsize)))
}
