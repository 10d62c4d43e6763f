//! `homedisk admin backup DIR`: an online, consistent copy of a single-box instance (SQLite
//! and local blobs) while the server keeps running.
//!
//! Order matters. The database is copied first, as one snapshot (`VACUUM INTO`, which reads a
//! single transaction through WAL without stopping writers), then `secret.key`, then `blobs/`.
//! A blob is stored before the row that names it commits and is never rewritten, so every row
//! of the snapshot has its blob in the later copy of `blobs/`. Blobs that arrive after the
//! snapshot are copied too; without rows they are orphans, which the restored server removes
//! at start-up. The one race left is a blob purged (trash emptied, account deleted) between
//! the snapshot and its copy: it is counted in [`Report::vanished`], and `homedisk admin fsck`
//! on the restored copy names the files it belonged to (they were being deleted anyway).
//!
//! PostgreSQL and S3 have backups of their own that are better than anything done from here
//! (`pg_dump`, point-in-time recovery; bucket versioning and replication): the command refuses
//! and says so. This module works on the data directory's layout (files, not the `Storage`
//! trait) on purpose: it is the operator's copy of that layout, as `rsync` would make it.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::RunQueryDsl;

use crate::config::{Config, StorageUrl};
use crate::db::{DatabaseUrl, Manager};

/// Why a backup was not made (or not completed).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The instance or the target is not one this command backs up; the message says what to
    /// do instead.
    #[error("{0}")]
    Refused(String),
    #[error("{what} {}: {source}", path.display())]
    Io { what: &'static str, path: PathBuf, source: io::Error },
    #[error("cannot copy the database: {0}")]
    Database(String),
}

fn io_err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> BackupError + 'a {
    move |source| BackupError::Io { what, path: path.to_owned(), source }
}

/// What a backup copied.
#[derive(Debug, Default)]
pub struct Report {
    pub database_bytes: u64,
    /// `false`: the key comes from `HOMEDISK_SECRET_KEY`, which the operator keeps elsewhere.
    pub key_copied: bool,
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Blobs removed by the server between the database snapshot and their copy.
    pub vanished: u64,
}

/// Backs the instance `config` describes up into `dir` (created if missing; it must be empty).
pub fn run(config: &Config, dir: &Path) -> Result<Report, BackupError> {
    let db_path = match &config.database.url {
        DatabaseUrl::Sqlite(path) => PathBuf::from(path),
        DatabaseUrl::Postgres(_) => {
            return Err(BackupError::Refused(
                "the database is PostgreSQL: back it up with its own tools (`pg_dump -Fc`, or \
                 continuous archiving for point-in-time recovery), and the file contents with \
                 the store's own versioning or replication; see docs/deploy.md"
                    .into(),
            ));
        }
    };
    if let StorageUrl::S3 { .. } = config.storage_url {
        return Err(BackupError::Refused(
            "file contents are in an S3 bucket (HOMEDISK_STORAGE_URL): back the bucket up with \
             its own versioning or replication, and the SQLite database with \
             `sqlite3 homedisk.db \".backup 'COPY'\"`; see docs/deploy.md"
                .into(),
        ));
    }
    if !db_path.is_file() {
        return Err(BackupError::Refused(format!(
            "there is no database at {} (HOMEDISK_DATA_DIR, HOMEDISK_DATABASE_URL)",
            db_path.display()
        )));
    }
    prepare_target(config, dir)?;

    let mut report = Report::default();
    let db_copy = dir.join("homedisk.db");
    snapshot_database(&config.database.url, &db_copy)?;
    report.database_bytes = sync_file(&db_copy)?;

    let key = config.data_dir.join("secret.key");
    if config.secret_key.is_none() && key.is_file() {
        copy_file(&key, &dir.join("secret.key"), 0o600)?;
        report.key_copied = true;
    }

    let blobs = config.data_dir.join("blobs");
    if blobs.is_dir() {
        copy_tree(&blobs, &dir.join("blobs"), &mut report)?;
    }
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io_err("cannot sync", dir))?;
    Ok(report)
}

/// Creates `dir` (0700) or checks that it is empty, and that it is not inside the data
/// directory (a copy of `blobs/` into itself would never end).
fn prepare_target(config: &Config, dir: &Path) -> Result<(), BackupError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BackupError::Refused(format!(
                    "{} is not empty: back up into a new or empty directory",
                    dir.display()
                )));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_err("cannot create", dir))?,
        Err(e) => return Err(io_err("cannot read", dir)(e)),
    }
    let target = fs::canonicalize(dir).map_err(io_err("cannot resolve", dir))?;
    let data =
        fs::canonicalize(&config.data_dir).map_err(io_err("cannot resolve", &config.data_dir))?;
    if target.starts_with(&data) {
        return Err(BackupError::Refused(format!(
            "{} is inside the data directory: back up somewhere else",
            dir.display()
        )));
    }
    Ok(())
}

/// `VACUUM INTO` on a connection of its own, without migrations (a newer binary backing up
/// before an upgrade must not change the database it copies).
fn snapshot_database(url: &DatabaseUrl, to: &Path) -> Result<(), BackupError> {
    let target = to.to_str().ok_or_else(|| {
        BackupError::Refused(format!("{}: the backup path must be UTF-8", to.display()))
    })?;
    let mut conn = Manager::new(url.clone(), Duration::from_secs(30))
        .open()
        .map_err(|e| BackupError::Database(e.to_string()))?;
    // A string literal, quotes doubled: VACUUM INTO takes no bind parameter.
    let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
    diesel::sql_query(sql).execute(&mut conn).map_err(|e| BackupError::Database(e.to_string()))?;
    Ok(())
}

/// Copies `from`'s tree into `to` (directories 0700, files 0600, each fsynced).
fn copy_tree(from: &Path, to: &Path, report: &mut Report) -> Result<(), BackupError> {
    fs::DirBuilder::new().mode(0o700).create(to).map_err(io_err("cannot create", to))?;
    for entry in fs::read_dir(from).map_err(io_err("cannot read", from))? {
        let entry = entry.map_err(io_err("cannot read", from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err("cannot read", &source)(e)),
        };
        if kind.is_dir() {
            copy_tree(&source, &target, report)?;
        } else if kind.is_file() {
            match copy_file(&source, &target, 0o600) {
                Ok(bytes) => {
                    report.blobs += 1;
                    report.blob_bytes += bytes;
                }
                Err(BackupError::Io { source: e, .. }) if e.kind() == io::ErrorKind::NotFound => {
                    report.vanished += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// Copies one file to a new `to` with `mode`, fsynced; its size.
fn copy_file(from: &Path, to: &Path, mode: u32) -> Result<u64, BackupError> {
    let mut source = fs::File::open(from).map_err(io_err("cannot read", from))?;
    let mut target = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(to)
        .map_err(io_err("cannot create", to))?;
    let bytes = io::copy(&mut source, &mut target).map_err(io_err("cannot copy to", to))?;
    target.sync_all().map_err(io_err("cannot sync", to))?;
    Ok(bytes)
}

/// fsyncs a file written by someone else (SQLite); its size.
fn sync_file(path: &Path) -> Result<u64, BackupError> {
    let file = fs::File::open(path).map_err(io_err("cannot open", path))?;
    file.sync_all().map_err(io_err("cannot sync", path))?;
    Ok(file.metadata().map_err(io_err("cannot read", path))?.len())
}
