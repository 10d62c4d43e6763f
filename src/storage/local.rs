//! [`LocalStorage`]: blobs under `{data}/blobs/ab/cd/<sha256>`, uploads in progress in
//! `{data}/tmp`.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::storage::{BlobReader, Storage, StoredBlob, is_key};

pub struct LocalStorage {
    blobs: PathBuf,
    tmp: PathBuf,
}

impl LocalStorage {
    /// Uses `{data_dir}/blobs` and `{data_dir}/tmp`, creating them.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        let blobs = data_dir.join("blobs");
        let tmp = data_dir.join("tmp");
        std::fs::create_dir_all(&blobs)?;
        std::fs::create_dir_all(&tmp)?;
        Ok(LocalStorage { blobs, tmp })
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

    fn spool(&self, key: &str, max_bytes: u64) -> io::Result<BlobReader> {
        // The blob is a local file already: nothing to copy.
        let blob = self.open(key)?;
        if blob.len > max_bytes {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "blob too large to spool"));
        }
        Ok(blob)
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
        empty_dir(&self.tmp)
    }
}

/// Removes everything in `dir` (the uploads `tmp/` of every store); how many entries went.
pub(super) fn empty_dir(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

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
