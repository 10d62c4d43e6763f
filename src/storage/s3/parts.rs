//! [`PartStore`] on S3: the parts of a resumable upload are the parts of one S3 multipart
//! upload at `{prefix}/uploads/<id>`, completed into that (staging) object and copied inside
//! the bucket to the blob's place. S3 checks every part's ETag at completion, so a part
//! overwritten by a writer that lost a race makes the completion fail instead of assembling
//! bytes the hash does not describe.

use std::io;
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::{S3Storage, to_io};
use crate::storage::parts::{PartJob, PartStore, is_upload_id};

/// CopyObject copies at most this much in one request.
pub const MAX_COPY: u64 = 5 << 30;

impl S3Storage {
    fn upload_path(&self, id: &str, suffix: Option<&str>) -> io::Result<Path> {
        let name_ok = suffix.is_none_or(|s| s.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !is_upload_id(id) || !name_ok {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not an upload id"));
        }
        let name = match suffix {
            Some(s) => format!("{id}.{s}"),
            None => id.to_owned(),
        };
        Ok(self.prefix.clone().join("uploads").join(name))
    }
}

impl PartStore for S3Storage {
    fn part_size(&self) -> u64 {
        // A multiple of 64 KiB, so part boundaries are SHA-256 block boundaries.
        (self.part_size as u64).div_ceil(64 << 10) * (64 << 10)
    }

    fn begin(&self, id: &str) -> io::Result<String> {
        let path = self.upload_path(id, None)?;
        self.io.block_on(self.writes.create_multipart(&path)).map_err(to_io)
    }

    fn start_part(&self, id: &str, store_upload: &str, index: usize, bytes: Bytes) -> PartJob {
        let path = match self.upload_path(id, None) {
            Ok(p) => p,
            Err(e) => return Box::new(move || Err(e)),
        };
        let (store, upload) = (self.writes.clone(), store_upload.to_owned());
        let job = self.io.handle.spawn(async move {
            store.put_part(&path, &upload, index, PutPayload::from(bytes)).await
        });
        let io = self.io.clone();
        Box::new(move || match io.block_on(job) {
            Ok(part) => part.map(|p| p.content_id).map_err(to_io),
            Err(e) => Err(io::Error::other(e)),
        })
    }

    fn complete(&self, id: &str, store_upload: &str, etags: &[String]) -> io::Result<()> {
        let path = self.upload_path(id, None)?;
        let parts = etags.iter().map(|e| PartId { content_id: e.clone() }).collect();
        let upload = store_upload.to_owned();
        self.io
            .block_on(self.writes.complete_multipart(&path, &upload, parts))
            .map(drop)
            .map_err(to_io)
    }

    fn abort(&self, id: &str, store_upload: &str) -> io::Result<()> {
        let path = self.upload_path(id, None)?;
        let upload = store_upload.to_owned();
        match self.io.block_on(self.meta.abort_multipart(&path, &upload)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(to_io(e)),
        }
    }

    fn put_whole(&self, id: &str, bytes: Bytes) -> io::Result<()> {
        let path = self.upload_path(id, None)?;
        self.io.block_on(self.writes.put(&path, PutPayload::from(bytes))).map(drop).map_err(to_io)
    }

    fn put_pending(&self, id: &str, name: &str, bytes: Bytes) -> io::Result<()> {
        let path = self.upload_path(id, Some(name))?;
        self.io.block_on(self.writes.put(&path, PutPayload::from(bytes))).map(drop).map_err(to_io)
    }

    fn get_pending(&self, id: &str, name: &str) -> io::Result<Vec<u8>> {
        let path = self.upload_path(id, Some(name))?;
        self.io.block_on(async {
            let found = self.meta.get(&path).await.map_err(to_io)?;
            found.bytes().await.map(|b| b.to_vec()).map_err(to_io)
        })
    }

    fn delete_pending(&self, id: &str, name: &str) -> io::Result<()> {
        let path = self.upload_path(id, Some(name))?;
        self.delete_path(&path)
    }

    fn staged_head(&self, id: &str, len: u64) -> io::Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let path = self.upload_path(id, None)?;
        self.io.block_on(self.meta.get_range(&path, 0..len)).map(|b| b.to_vec()).map_err(to_io)
    }

    fn put_staged(&self, id: &str, key: &str) -> io::Result<bool> {
        let (from, to) = (self.upload_path(id, None)?, self.path(key)?);
        self.io.block_on(async {
            match self.meta.head(&to).await {
                Ok(_) => return Ok(false),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(to_io(e)),
            }
            self.writes.copy(&from, &to).await.map(|()| true).map_err(to_io)
        })
    }

    fn delete_staged(&self, id: &str) -> io::Result<()> {
        let path = self.upload_path(id, None)?;
        self.delete_path(&path)
    }

    fn stale_uploads(&self, before: SystemTime) -> io::Result<Vec<String>> {
        let under = self.prefix.clone().join("uploads");
        let objects: Vec<_> =
            self.io.block_on(self.meta.list(Some(&under)).try_collect()).map_err(to_io)?;
        let mut ids: Vec<String> = objects
            .into_iter()
            .filter(|o| SystemTime::from(o.last_modified) < before)
            .filter_map(|o| {
                let name = o.location.filename()?;
                let id = name.split_once('.').map_or(name, |(id, _)| id);
                is_upload_id(id).then(|| id.to_owned())
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    fn delete_all(&self, id: &str) -> io::Result<()> {
        let under = self.prefix.clone().join("uploads");
        let objects: Vec<_> =
            self.io.block_on(self.meta.list(Some(&under)).try_collect()).map_err(to_io)?;
        for o in objects {
            let mine = o.location.filename().is_some_and(|n| {
                n == id || n.strip_prefix(id).is_some_and(|rest| rest.starts_with('.'))
            });
            if mine && is_upload_id(id) {
                self.delete_path(&o.location)?;
            }
        }
        Ok(())
    }
}
