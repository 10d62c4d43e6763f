//! What dav-server asks of an entry: its metadata, and directory entries carrying it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::NaiveDateTime;
use dav_server::fs::{DavDirEntry, DavMetaData, FsFuture, FsResult};

use crate::db::models::files::FileRow;

/// A file's or folder's metadata, read once from its row.
#[derive(Debug, Clone)]
pub struct Meta {
    pub dir: bool,
    pub len: u64,
    pub modified: SystemTime,
    pub created: SystemTime,
    pub etag: Option<String>,
}

pub fn system_time(t: NaiveDateTime) -> SystemTime {
    let micros = t.and_utc().timestamp_micros().max(0) as u64;
    UNIX_EPOCH + Duration::from_micros(micros)
}

impl Meta {
    /// The mount's root when it is the account's root (no row).
    pub fn root() -> Meta {
        Meta { dir: true, len: 0, modified: UNIX_EPOCH, created: UNIX_EPOCH, etag: None }
    }

    pub fn of(row: &FileRow) -> Meta {
        let modified = system_time(row.modified_at);
        let stamp = modified.duration_since(UNIX_EPOCH).unwrap_or_default().as_micros();
        // Files: the content's digest and the time, so a new mtime (X-OC-Mtime) or new bytes
        // both change it; folders: the id and time.
        let etag = match &row.blob_sha256 {
            Some(sha) => format!("{}-{stamp:x}", &sha[..sha.len().min(16)]),
            None => format!("{}-{stamp:x}", row.id.as_str()),
        };
        Meta {
            dir: row.is_folder(),
            len: row.size.max(0) as u64,
            modified,
            created: system_time(row.created_at),
            etag: Some(etag),
        }
    }

    /// What a discarded macOS metadata file looks like just after its PUT.
    pub fn empty_file() -> Meta {
        Meta {
            dir: false,
            len: 0,
            modified: SystemTime::now(),
            created: SystemTime::now(),
            etag: None,
        }
    }
}

impl DavMetaData for Meta {
    fn len(&self) -> u64 {
        self.len
    }
    fn modified(&self) -> FsResult<SystemTime> {
        Ok(self.modified)
    }
    fn created(&self) -> FsResult<SystemTime> {
        Ok(self.created)
    }
    fn is_dir(&self) -> bool {
        self.dir
    }
    fn etag(&self) -> Option<String> {
        self.etag.clone()
    }
}

/// One entry of a folder listing.
pub struct Entry {
    pub name: String,
    pub meta: Meta,
}

impl DavDirEntry for Entry {
    fn name(&self) -> Vec<u8> {
        self.name.as_bytes().to_vec()
    }
    fn metadata(&self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        Box::pin(std::future::ready(Ok(meta)))
    }
}
