//! Where file bytes live. [`Storage`] is the small interface handlers and domain code use;
//! [`LocalStorage`] keeps blobs under `{data}/blobs/ab/cd/<sha256>` and uploads in progress in
//! `{data}/tmp`. An S3-compatible store would implement the same trait (uploads still stream
//! to a local temp file first, `put` sends it on).

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

pub trait Storage: Send + Sync + 'static {
    /// A new temporary file for an upload in progress; it deletes itself when dropped.
    fn temp(&self) -> io::Result<NamedTempFile>;
    /// Makes the finished, fsynced upload `tmp` the blob `key`, durably (a no-op when the blob
    /// is already stored: same key, same bytes).
    fn put(&self, tmp: NamedTempFile, key: &str) -> io::Result<()>;
    /// The blob opened for reading (whole, or from an offset after a seek).
    fn open(&self, key: &str) -> io::Result<BlobReader>;
    /// Removes the blob (a missing blob is not an error).
    fn delete(&self, key: &str) -> io::Result<()>;
    /// Every stored blob, with when it was stored (for the sweep of orphans after a crash).
    fn list(&self) -> io::Result<Vec<StoredBlob>>;
    /// Deletes every temporary file (uploads that never finished: a crash, a kill). Only at
    /// start-up, before the server accepts requests. Returns how many were removed.
    fn sweep_tmp(&self) -> io::Result<usize>;
    /// Held while a blob's row and bytes change together, so that a delete of the last
    /// reference cannot remove bytes a concurrent upload of the same content just reused.
    fn lock(&self) -> MutexGuard<'_, ()>;
}

/// A blob as listed by [`Storage::list`].
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub key: String,
    pub modified: std::time::SystemTime,
}

/// Anything a blob can be read from.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A stored blob opened for reading, with its length.
pub struct BlobReader {
    pub len: u64,
    inner: Box<dyn ReadSeek>,
}

impl BlobReader {
    pub fn new(len: u64, inner: Box<dyn ReadSeek>) -> Self {
        BlobReader { len, inner }
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

pub struct LocalStorage {
    blobs: PathBuf,
    tmp: PathBuf,
    lock: Mutex<()>,
}

impl LocalStorage {
    /// Uses `{data_dir}/blobs` and `{data_dir}/tmp`, creating them.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        let blobs = data_dir.join("blobs");
        let tmp = data_dir.join("tmp");
        std::fs::create_dir_all(&blobs)?;
        std::fs::create_dir_all(&tmp)?;
        Ok(LocalStorage { blobs, tmp, lock: Mutex::new(()) })
    }

    fn blob_path(&self, key: &str) -> io::Result<PathBuf> {
        // Keys are SHA-256 hex digests made by the server; anything else is a bug, refused
        // here so that no key can ever name a path outside `blobs/`.
        if !is_key(key) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a blob key"));
        }
        Ok(self.blobs.join(&key[0..2]).join(&key[2..4]).join(key))
    }
}

/// A SHA-256 hex digest, lower case: the only names blobs have.
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The entries of `dir`, an empty list when it does not exist.
fn entries(dir: &Path) -> io::Result<Vec<std::fs::DirEntry>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.collect(),
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Storage for LocalStorage {
    fn temp(&self) -> io::Result<NamedTempFile> {
        tempfile::Builder::new().prefix("upload-").tempfile_in(&self.tmp)
    }

    fn put(&self, tmp: NamedTempFile, key: &str) -> io::Result<()> {
        let target = self.blob_path(key)?;
        if target.exists() {
            return Ok(()); // dropping `tmp` deletes it
        }
        let dir = target.parent().ok_or_else(|| io::Error::other("blob path has no parent"))?;
        std::fs::create_dir_all(dir)?;
        tmp.persist(&target).map_err(|e| e.error)?;
        // The rename is durable only once the directory entry is on disk.
        sync_dir(dir)
    }

    fn open(&self, key: &str) -> io::Result<BlobReader> {
        let file = File::open(self.blob_path(key)?)?;
        let len = file.metadata()?.len();
        Ok(BlobReader::new(len, Box::new(file)))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.blob_path(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn list(&self) -> io::Result<Vec<StoredBlob>> {
        // blobs/ab/cd/<key>: three levels, only names that are keys at the last.
        let mut out = Vec::new();
        for first in entries(&self.blobs)? {
            for second in entries(&first.path())? {
                for blob in entries(&second.path())? {
                    let name = blob.file_name();
                    let Some(key) = name.to_str().filter(|k| is_key(k)) else { continue };
                    let modified = blob.metadata()?.modified()?;
                    out.push(StoredBlob { key: key.to_owned(), modified });
                }
            }
        }
        Ok(out)
    }

    /// Deletes everything left in `tmp/` by uploads that never finished (a crash, a kill).
    /// Called at start-up, before the server accepts requests. Returns how many were removed.
    fn sweep_tmp(&self) -> io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.tmp)? {
            let path = entry?.path();
            let result = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            match result {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        // A panic while holding the lock leaves nothing half-done that the lock protects
        // (the database transaction rolled back), so a poisoned lock is still usable.
        self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn put_then_read_then_delete() {
        let dir = tempfile::TempDir::new().expect("tmp");
        let s = LocalStorage::open(dir.path()).expect("open");
        let key = "ab".repeat(32);
        let mut t = s.temp().expect("temp");
        t.write_all(b"hello").expect("write");
        s.put(t, &key).expect("put");
        let mut blob = s.open(&key).expect("open");
        let mut back = Vec::new();
        blob.read_to_end(&mut back).expect("read");
        assert_eq!((blob.len, back.as_slice()), (5, b"hello".as_slice()));
        assert!(dir.path().join("blobs/ab/ab").join(&key).exists());
        s.delete(&key).expect("delete");
        s.delete(&key).expect("deleting twice is fine");
        assert_eq!(std::fs::read_dir(dir.path().join("tmp")).expect("tmp").count(), 0);
    }

    #[test]
    fn keys_cannot_name_other_paths() {
        let dir = tempfile::TempDir::new().expect("tmp");
        let s = LocalStorage::open(dir.path()).expect("open");
        for bad in ["../../etc/passwd", "", &"A".repeat(64), &"g".repeat(64)] {
            assert!(s.open(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sweep_removes_leftover_uploads() {
        let dir = tempfile::TempDir::new().expect("tmp");
        let s = LocalStorage::open(dir.path()).expect("open");
        let (_, path) = s.temp().expect("temp").keep().expect("keep");
        assert!(path.exists());
        assert_eq!(s.sweep_tmp().expect("sweep"), 1);
        assert!(!path.exists());
    }
}
