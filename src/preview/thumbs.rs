//! The thumbnail cache: `{data}/thumbs/{sha256}-{size}.{jpg|png}`, one per blob and size, made
//! once. With a shared store (S3) each thumbnail is also kept there (`Storage::put_derived`),
//! so that the other nodes fetch it instead of decoding the image again; the local directory
//! stays each node's fast copy. Concurrent requests for the same missing thumbnail wait for one decode; decodes run
//! on the blocking pool, at most one per core at a time, and background work (thumbnails made
//! right after an upload) takes at most one of those, so a burst of uploads cannot starve
//! requests.

use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::http::header::HeaderValue;
use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::blocking;
use crate::error::AppError;
use crate::etag;
use crate::preview::Size;
use crate::preview::budget::Budget;
use crate::preview::render::{Rendered, render};
use crate::storage::Storage;

/// A thumbnail ready to send (cheap to clone: the bytes are shared).
#[derive(Clone)]
pub struct Thumb {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// Strong: a keyed hash of the blob's hash and the size, which name the bytes exactly (keyed,
    /// so the tag does not give away the original's SHA-256). Kept as the header it is sent
    /// as: a cached thumbnail is then answered without copying it.
    pub etag: HeaderValue,
}

pub struct Thumbnailer {
    dir: PathBuf,
    /// Where thumbnails are shared with the other nodes (a no-op for a local store).
    shared: Arc<dyn Storage>,
    etag_key: [u8; 32],
    budget: Arc<Budget>,
    decoders: Semaphore,
    background: Semaphore,
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Images that could not be read, by key, with the reason: not decoded again until restart.
    failed: Mutex<HashMap<String, String>>,
    /// Recently served thumbnails, so the image grid's requests cost no file system calls.
    memory: Mutex<MemoryCache>,
    decodes: AtomicU64,
}

/// Thumbnails kept in memory, at most `MEMORY_BYTES` in all; the oldest entry goes first.
/// Thumbnails never change (the key names the exact bytes), so nothing is ever stale.
#[derive(Default)]
struct MemoryCache {
    /// foldhash (see Cargo.toml): looked up on every cached preview.
    entries: foldhash::HashMap<String, Thumb>,
    order: VecDeque<String>,
    bytes: usize,
}

/// The memory cache's budget: about 1500 `sm` thumbnails of 20 KB.
const MEMORY_BYTES: usize = 32 << 20;

impl MemoryCache {
    fn get(&self, key: &str) -> Option<Thumb> {
        self.entries.get(key).cloned()
    }

    fn insert(&mut self, key: String, thumb: Thumb) {
        if thumb.bytes.len() > MEMORY_BYTES / 8 || self.entries.contains_key(&key) {
            return;
        }
        self.bytes += thumb.bytes.len();
        self.entries.insert(key.clone(), thumb);
        self.order.push_back(key);
        while self.bytes > MEMORY_BYTES {
            let Some(old) = self.order.pop_front() else { break };
            if let Some(t) = self.entries.remove(&old) {
                self.bytes -= t.bytes.len();
            }
        }
    }

    fn forget(&mut self, prefix: &str) {
        let gone: Vec<String> =
            self.entries.keys().filter(|k| k.starts_with(prefix)).cloned().collect();
        for key in gone {
            if let Some(t) = self.entries.remove(&key) {
                self.bytes -= t.bytes.len();
            }
        }
        self.order.retain(|k| !k.starts_with(prefix));
    }
}

/// The largest image file a thumbnail is made of (its decoded size is bounded separately, by
/// the memory budget).
const MAX_SOURCE_BYTES: u64 = 1 << 30;

/// At most this many unreadable images are remembered (then the memory starts over).
const MAX_FAILED: usize = 10_000;

impl Thumbnailer {
    /// Uses `{data_dir}/thumbs`, creating it. ETags are keyed with `etag_key`; decodes share
    /// `memory_budget` bytes (see `preview::budget`).
    pub fn open(
        data_dir: &Path,
        shared: Arc<dyn Storage>,
        etag_key: [u8; 32],
        memory_budget: u64,
    ) -> std::io::Result<Self> {
        let dir = data_dir.join("thumbs");
        std::fs::create_dir_all(&dir)?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Thumbnailer {
            dir,
            shared,
            etag_key,
            budget: Arc::new(Budget::new(memory_budget)),
            decoders: Semaphore::new(cores),
            background: Semaphore::new(1),
            inflight: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
            memory: Mutex::new(MemoryCache::default()),
            decodes: AtomicU64::new(0),
        })
    }

    /// How many images were decoded since start (the cache's misses).
    pub fn decodes(&self) -> u64 {
        self.decodes.load(Ordering::Relaxed)
    }

    /// Memory reserved by decodes running now.
    pub fn memory_in_use(&self) -> u64 {
        self.budget.in_use()
    }

    fn key(sha256: &str, size: Size) -> String {
        format!("{sha256}-{}", size.as_str())
    }

    fn etag(&self, key: &str) -> HeaderValue {
        // A quoted hex digest: always a valid header value.
        HeaderValue::from_str(&etag::keyed(&self.etag_key, &[key]))
            .unwrap_or(HeaderValue::from_static("\"thumbnail\""))
    }

    /// The thumbnail if it is in memory, its key put together in a buffer the thread reuses:
    /// the image grid's hot path, where making the key was a fifth of sending the answer.
    fn in_memory(&self, sha256: &str, size: Size) -> Option<Thumb> {
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        let thumb = KEY.with_borrow_mut(|key| {
            key.clear();
            key.push_str(sha256);
            key.push('-');
            key.push_str(size.as_str());
            self.memory.lock().unwrap_or_else(|p| p.into_inner()).get(key)
        })?;
        crate::metrics::thumbnail("memory");
        Some(thumb)
    }

    /// The cached thumbnail, if made: from memory, else from `thumbs/` (read inline:
    /// thumbnails are small and hot in the page cache, and a hop to the blocking pool costs
    /// more than the read: ≈ 5 µs inline against 50–80 µs, docs/benchmarks.md).
    fn cached(&self, key: &str) -> Option<Thumb> {
        if let Some(thumb) = self.memory.lock().unwrap_or_else(|p| p.into_inner()).get(key) {
            crate::metrics::thumbnail("memory");
            return Some(thumb);
        }
        for (ext, content_type) in [("jpg", "image/jpeg"), ("png", "image/png")] {
            if let Ok(bytes) = std::fs::read(self.dir.join(format!("{key}.{ext}"))) {
                let thumb = Thumb { bytes: Bytes::from(bytes), content_type, etag: self.etag(key) };
                self.remember(key, &thumb);
                crate::metrics::thumbnail("disk");
                return Some(thumb);
            }
        }
        None
    }

    fn remember(&self, key: &str, thumb: &Thumb) {
        self.memory.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned(), thumb.clone());
    }

    /// Removes every thumbnail of blob `sha256` (its last file was deleted), here and in the
    /// shared store. Blocking: call it off the executor.
    pub fn forget(&self, sha256: &str) {
        let prefix = format!("{sha256}-");
        self.memory.lock().unwrap_or_else(|p| p.into_inner()).forget(&prefix);
        for size in [Size::Sm, Size::Md, Size::Lg] {
            for ext in ["jpg", "png"] {
                let name = format!("{prefix}{}.{ext}", size.as_str());
                if let Err(e) = self.shared.delete_derived(&name) {
                    tracing::warn!(thumbnail = %name, error = %e, "could not remove a shared thumbnail");
                }
                let path = self.dir.join(name);
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "could not remove a thumbnail")
                    }
                }
            }
        }
    }

    /// Removes what a crash can leave in `thumbs/`: temp files of thumbnails being written, and
    /// thumbnails of blobs that `unreferenced` (given blob keys, returns those without a row)
    /// says are gone. Returns how many files were removed.
    pub fn sweep(
        &self,
        unreferenced: impl FnOnce(&[String]) -> Result<Vec<String>, AppError>,
    ) -> Result<usize, AppError> {
        let mut removed = 0;
        let mut by_blob: HashMap<String, Vec<PathBuf>> = HashMap::new();
        for entry in std::fs::read_dir(&self.dir).map_err(AppError::internal)? {
            let path = entry.map_err(AppError::internal)?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            if name.starts_with(".tmp") {
                std::fs::remove_file(&path).map_err(AppError::internal)?;
                removed += 1;
            } else if let Some((sha, _)) = name.split_once('-') {
                by_blob.entry(sha.to_owned()).or_default().push(path);
            }
        }
        let keys: Vec<String> = by_blob.keys().cloned().collect();
        for gone in unreferenced(&keys)? {
            for path in by_blob.remove(&gone).unwrap_or_default() {
                std::fs::remove_file(&path).map_err(AppError::internal)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The thumbnail of blob `sha256` (kept in `storage`, type `mime`) at `size`, made and
    /// cached on first use.
    pub async fn get(
        &self,
        storage: Arc<dyn Storage>,
        sha256: &str,
        mime: &str,
        size: Size,
    ) -> Result<Thumb, AppError> {
        self.make(storage, sha256, mime, size, false).await
    }

    /// Makes the thumbnail in the background if it is missing (after an upload).
    pub fn warm(
        self: &Arc<Self>,
        storage: Arc<dyn Storage>,
        sha256: String,
        mime: String,
        size: Size,
    ) {
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.make(storage, &sha256, &mime, size, true).await {
                tracing::debug!(blob = %sha256, error = %e, "no thumbnail made after upload");
            }
        });
    }

    /// The thumbnail `size` of blob `sha256`: from the cache, or made once however many ask at
    /// the same time (single flight), decoded within bounds, then stored.
    async fn make(
        &self,
        storage: Arc<dyn Storage>,
        sha256: &str,
        mime: &str,
        size: Size,
        background: bool,
    ) -> Result<Thumb, AppError> {
        let max_side =
            size.max_side().ok_or_else(|| AppError::internal("the original is not a thumbnail"))?;
        if let Some(thumb) = self.in_memory(sha256, size) {
            return Ok(thumb);
        }
        let key = Self::key(sha256, size);
        if let Some(thumb) = self.cached(&key) {
            return Ok(thumb);
        }
        let gate = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            inflight.entry(key.clone()).or_default().clone()
        };
        let result = async {
            let _one_at_a_time = gate.lock().await;
            if let Some(thumb) = self.cached(&key) {
                return Ok(thumb);
            }
            if let Some(reason) = self.failed.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
                crate::metrics::thumbnail("failed");
                return Err(AppError::ImageUnreadable(reason.clone()));
            }
            if let Some(thumb) = self.fetch_shared(&key).await {
                crate::metrics::thumbnail("bucket");
                return Ok(thumb);
            }
            let source = Source { storage, sha256: sha256.to_owned(), mime: mime.to_owned() };
            let rendered = self.decode_bounded(source, &key, max_side, background).await?;
            self.store(&key, rendered).await
        }
        .await;
        self.inflight.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
        result
    }

    /// Decodes and renders on the blocking pool, one decode per core at most (background work
    /// one at a time), within the memory budget; a failure is remembered under `key`.
    async fn decode_bounded(
        &self,
        source: Source,
        key: &str,
        max_side: u32,
        background: bool,
    ) -> Result<Rendered, AppError> {
        let asked = std::time::Instant::now();
        let _background = if background {
            Some(self.background.acquire().await.map_err(AppError::internal)?)
        } else {
            None
        };
        let _decoder = self.decoders.acquire().await.map_err(AppError::internal)?;
        let (waited, started) = (asked.elapsed(), std::time::Instant::now());
        self.decodes.fetch_add(1, Ordering::Relaxed);
        let budget = self.budget.clone();
        // A decoder bug must not take a worker down: a panic reads as an unreadable image.
        let guarded = move || {
            let blob = source
                .storage
                .spool(&source.sha256, MAX_SOURCE_BYTES)
                .map_err(crate::storage::to_app_error)?;
            let render = || render(BufReader::new(blob), &source.mime, max_side, &budget);
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(render)).unwrap_or_else(|_| {
                Err(AppError::ImageUnreadable("the image decoder failed on this file".into()))
            })
        };
        let rendered = blocking::run(guarded).await?;
        crate::metrics::thumbnail_job(waited, started.elapsed());
        crate::metrics::thumbnail(if rendered.is_ok() { "decoded" } else { "failed" });
        match rendered {
            Err(AppError::ImageUnreadable(reason)) => {
                let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
                if failed.len() >= MAX_FAILED {
                    failed.clear();
                }
                failed.insert(key.to_owned(), reason.clone());
                Err(AppError::ImageUnreadable(reason))
            }
            other => other,
        }
    }

    /// The thumbnail another node made and shared, copied into `thumbs/`; `None` when there
    /// is none (or the store cannot be asked: then this node makes it, if it can).
    async fn fetch_shared(&self, key: &str) -> Option<Thumb> {
        let (shared, dir, wanted) = (self.shared.clone(), self.dir.clone(), key.to_owned());
        let found = blocking::run(move || {
            let key = wanted;
            for (ext, content_type) in [("jpg", "image/jpeg"), ("png", "image/png")] {
                let name = format!("{key}.{ext}");
                match shared.get_derived(&name) {
                    Ok(Some(bytes)) => {
                        if let Err(e) = write_atomically(&dir, &name, &bytes) {
                            tracing::warn!(error = %e, "could not cache a shared thumbnail");
                        }
                        return Some((bytes, content_type));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::debug!(thumbnail = %name, error = %e, "shared thumbnail unavailable");
                        return None;
                    }
                }
            }
            None
        })
        .await
        .ok()??;
        let (bytes, content_type) = found;
        let thumb = Thumb { bytes: Bytes::from(bytes), content_type, etag: self.etag(key) };
        self.remember(key, &thumb);
        Some(thumb)
    }

    /// Writes the thumbnail to `thumbs/` (atomically) and to the shared store, and keeps it
    /// in memory. Sharing is best effort: a node that cannot share it still serves it.
    async fn store(&self, key: &str, rendered: Rendered) -> Result<Thumb, AppError> {
        let ext = if rendered.content_type == "image/png" { "png" } else { "jpg" };
        let thumb = Thumb {
            bytes: Bytes::from(rendered.bytes),
            content_type: rendered.content_type,
            etag: self.etag(key),
        };
        let (dir, name, bytes) = (self.dir.clone(), format!("{key}.{ext}"), thumb.bytes.clone());
        let (shared, sha256) =
            (self.shared.clone(), key.split('-').next().unwrap_or(key).to_owned());
        blocking::run(move || {
            write_atomically(&dir, &name, &bytes)?;
            if let Err(e) = shared.put_derived(&name, &bytes) {
                tracing::warn!(thumbnail = %name, error = %e, "could not share a thumbnail");
            } else if matches!(shared.open(&sha256), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
            {
                // The blob's last file went while this was decoding, and its `forget` may have
                // run before this copy existed: take the copy back (a `forget` after the
                // check removes it anyway, as the blob goes before its thumbnails).
                if let Err(e) = shared.delete_derived(&name) {
                    tracing::warn!(thumbnail = %name, error = %e, "could not remove a late thumbnail");
                }
            }
            Ok::<_, std::io::Error>(())
        })
        .await?
        .map_err(AppError::internal)?;
        self.remember(key, &thumb);
        Ok(thumb)
    }
}

/// Where a thumbnail's image comes from.
struct Source {
    storage: Arc<dyn Storage>,
    sha256: String,
    mime: String,
}

/// Writes `name` in `dir` through a temp file and a rename, so a reader never sees half.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}
