//! The bytes of resumable uploads on disk: each PATCH truncates the upload's file back to what
//! the database acknowledged, appends the chunk while hashing it (resuming the SHA-256 and
//! CRC-32 states), verifies its `Upload-Checksum` if any, and fsyncs before anyone records
//! the new offset. Blocking work runs on the blocking pool, fed through a bounded channel so
//! a chunk is never held whole in memory.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::LocalBoxStream;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tempfile::{NamedTempFile, TempPath};

use super::hash::Midstate;
use crate::blocking;
use crate::db::models::uploads::UploadRow;
use crate::error::AppError;
use crate::files::upload::{Received, send_ahead, sniff};
use crate::storage::Storage;

/// An `Upload-Checksum`: the algorithm and the digest the chunk must have.
#[derive(Debug, Clone)]
pub enum Checksum {
    Sha1(Vec<u8>),
    Sha256(Vec<u8>),
}

/// One PATCH body, and its checksum if the client sent one.
pub struct Chunk<'a> {
    pub body: LocalBoxStream<'a, Result<Bytes, String>>,
    pub checksum: Option<Checksum>,
}

/// Where an upload is after a chunk: bytes stored and hash states (fsynced, or in the store).
pub struct Written {
    pub received: i64,
    pub state: Midstate,
    /// The bytes past the last whole 64-byte block.
    pub tail: Vec<u8>,
    pub crc32: u32,
    /// On a remote store: its parts so far and the bytes past them, not stored yet.
    pub remote: Option<super::remote::Parts>,
}

/// Makes the empty file of a new upload (and fsyncs its directory).
pub fn create_file(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    File::create(path)?.sync_all()?;
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// What a writer found.
pub(super) struct Outcome {
    pub written: Written,
    /// The digest of this chunk, when it was asked for.
    pub chunk_digest: Option<Vec<u8>>,
}

/// Where the bytes of uploads go.
#[derive(Clone)]
pub enum Backend {
    /// Files of this node, in this directory.
    Local(PathBuf),
    /// Parts in the shared store (see `uploads::remote`).
    Remote(Arc<dyn Storage>),
}

impl Backend {
    /// Parts in `storage` when it keeps them (S3: any node can resume), else files in `dir`.
    pub fn of(storage: &Arc<dyn Storage>, dir: &Path) -> Backend {
        match storage.parts() {
            Some(_) => Backend::Remote(storage.clone()),
            None => Backend::Local(dir.to_path_buf()),
        }
    }
}

/// Appends `chunk` to the bytes of `row` (see the module docs). Without a checksum, bytes that
/// arrived before the client went away are kept; with one, a chunk is all or nothing.
pub async fn append(
    backend: &Backend,
    row: &UploadRow,
    chunk: Chunk<'_>,
) -> Result<Written, AppError> {
    let start = row.received;
    let hashed = (start as u64) / 64 * 64;
    let state = Midstate::from_hex(&row.sha256_state, hashed)
        .ok_or_else(|| AppError::internal(format!("upload {}: a bad hash state", row.id)))?;
    let crc = u32::try_from(row.crc32).map_err(AppError::internal)?;
    let room = u64::try_from(row.length - start).unwrap_or(0);
    let algo = chunk.checksum.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let (backend2, row2) = (backend.clone(), row.clone());
    let writer = blocking::run(move || match backend2 {
        Backend::Local(dir) => {
            write(&super::path(&dir, &row2.id), (start, state, crc), algo.as_ref(), rx)
        }
        Backend::Remote(storage) => {
            let parts = storage.parts().ok_or_else(|| io::Error::other("no part store"))?;
            super::remote::write(parts, &row2, (state, crc), algo.as_ref(), rx)
        }
    });
    let (mut sent, mut failure, mut cut_short) = (0u64, None, false);
    let mut body = chunk.body;
    while let Some(part) = body.next().await {
        let Ok(part) = part else {
            cut_short = true;
            break;
        };
        sent += part.len() as u64;
        if sent > room {
            failure = Some(AppError::PayloadTooLarge(format!(
                "this chunk goes past the upload's length ({} bytes)",
                row.length
            )));
            break;
        }
        if tx.send(part).await.is_err() {
            break;
        }
    }
    drop(tx);
    let outcome = writer.await?.map_err(missing_is_not_found)?;
    let mismatch = match (&chunk.checksum, &outcome.chunk_digest) {
        (Some(Checksum::Sha1(want) | Checksum::Sha256(want)), Some(got)) => want != got,
        _ => false,
    };
    let refused = failure.or(mismatch.then_some(AppError::ChecksumMismatch)).or((cut_short
        && chunk.checksum.is_some())
    .then(|| AppError::BadRequest("the chunk was cut short, so its checksum cannot hold".into())));
    if let Some(e) = refused {
        // Nothing of a refused chunk stays: back to what was acknowledged.
        match backend {
            Backend::Local(dir) => {
                let file = super::path(dir, &row.id);
                blocking::run(move || truncate(&file, start))
                    .await?
                    .map_err(crate::storage::to_app_error)?;
            }
            Backend::Remote(storage) => {
                super::remote::forget(storage.clone(), row, outcome.written).await;
            }
        }
        return Err(e);
    }
    Ok(outcome.written)
}

/// A file that is not here is an upload this node never took (its bytes are on another node,
/// or were swept): 404, as for an unknown upload, never a 500.
fn missing_is_not_found(e: io::Error) -> AppError {
    if e.kind() == io::ErrorKind::NotFound {
        AppError::NotFound
    } else {
        crate::storage::to_app_error(e)
    }
}

fn truncate(path: &Path, len: i64) -> io::Result<()> {
    let file = OpenOptions::new().write(true).open(path)?;
    file.set_len(len as u64)?;
    file.sync_all()
}

/// The hashes a writer keeps up to date: the upload's SHA-256 (resumed from its midstate and
/// tail) and CRC-32, and the chunk's own digest when the client sent a checksum.
pub(super) struct Hashes {
    state: Midstate,
    tail: Vec<u8>,
    crc: crc32fast::Hasher,
    sha1: Option<Sha1>,
    sha256: Option<Sha256>,
    at: u64,
}

impl Hashes {
    /// Hashes resumed at byte `start`, `tail` being the bytes from `state.hashed` to it.
    pub fn resume(
        (start, state, crc): (u64, Midstate, u32),
        tail: Vec<u8>,
        checksum: Option<&Checksum>,
    ) -> Self {
        let (sha1, sha256) = match checksum {
            Some(Checksum::Sha1(_)) => (Some(Sha1::new()), None),
            Some(Checksum::Sha256(_)) => (None, Some(Sha256::new())),
            None => (None, None),
        };
        let crc = crc32fast::Hasher::new_with_initial_len(crc, start);
        Hashes { state, tail, crc, sha1, sha256, at: start }
    }

    pub fn update(&mut self, piece: &[u8]) {
        self.state.update(&mut self.tail, piece);
        self.crc.update(piece);
        if let Some(h) = self.sha1.as_mut() {
            h.update(piece);
        }
        if let Some(h) = self.sha256.as_mut() {
            h.update(piece);
        }
        self.at += piece.len() as u64;
    }

    pub fn finish(self, remote: Option<super::remote::Parts>) -> io::Result<Outcome> {
        let chunk_digest = self
            .sha1
            .map(|h| h.finalize().to_vec())
            .or_else(|| self.sha256.map(|h| h.finalize().to_vec()));
        let received = i64::try_from(self.at).map_err(io::Error::other)?;
        let written = Written {
            received,
            state: self.state,
            tail: self.tail,
            crc32: self.crc.finalize(),
            remote,
        };
        Ok(Outcome { written, chunk_digest })
    }
}

/// The blocking writer: truncate to `start`, read the tail back for the hash, append every
/// piece from `rx` while hashing, fsync.
fn write(
    path: &Path,
    (start, state, crc): (i64, Midstate, u32),
    checksum: Option<&Checksum>,
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> io::Result<Outcome> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let start = start as u64;
    file.set_len(start)?;
    let mut tail = vec![0; (start - state.hashed) as usize];
    file.seek(SeekFrom::Start(state.hashed))?;
    file.read_exact(&mut tail)?;
    file.seek(SeekFrom::Start(start))?;
    let mut hashes = Hashes::resume((start, state, crc), tail, checksum);
    // While the chunk arrives, a second handle syncs what is written so far every few MiB:
    // the disk writes overlap the network, and the final sync has only the last bytes left.
    let syncer = EarlySync::start(&file)?;
    let mut out = io::BufWriter::with_capacity(256 * 1024, &mut file);
    let mut unsynced = 0;
    while let Some(piece) = rx.blocking_recv() {
        out.write_all(&piece)?;
        hashes.update(&piece);
        unsynced += piece.len();
        if unsynced >= EARLY_SYNC_BYTES {
            out.flush()?;
            syncer.nudge();
            unsynced = 0;
        }
    }
    out.flush()?;
    drop(out);
    syncer.stop()?;
    file.sync_data()?;
    hashes.finish(None)
}

/// How much a chunk writes between two early syncs.
const EARLY_SYNC_BYTES: usize = 2 << 20;

/// A thread that `fdatasync`s a file each time it is nudged (nudges while it syncs merge).
struct EarlySync {
    nudge: std::sync::mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<io::Result<()>>,
}

impl EarlySync {
    fn start(file: &File) -> io::Result<Self> {
        let handle = file.try_clone()?;
        let (nudge, rx) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new().name("homedisk-sync".into()).spawn(move || {
            while rx.recv().is_ok() {
                handle.sync_data()?;
            }
            Ok(())
        })?;
        Ok(EarlySync { nudge, thread })
    }

    fn nudge(&self) {
        // Full: a sync is queued already and will cover these bytes too.
        let _ = self.nudge.try_send(());
    }

    fn stop(self) -> io::Result<()> {
        drop(self.nudge);
        self.thread.join().map_err(|_| io::Error::other("the sync thread panicked"))?
    }
}

/// The complete upload at `path` as a received upload, ready for the commit (sent ahead to a
/// remote store).
pub fn received(
    path: &Path,
    written: Written,
    storage: &dyn Storage,
) -> Result<Received, AppError> {
    let io = crate::storage::to_app_error;
    let mut file = File::open(path).map_err(missing_is_not_found)?;
    let mut head = Vec::with_capacity(8192);
    (&mut file).take(8192).read_to_end(&mut head).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let tmp = NamedTempFile::from_parts(file, TempPath::try_from_path(path).map_err(io)?);
    let mut received = Received {
        tmp: tmp.into(),
        size: written.received as u64,
        sha256: written.state.finish(&written.tail),
        crc32: written.crc32,
        mime: sniff(&head),
        sent_ahead: false,
    };
    send_ahead(storage, &mut received)?;
    Ok(received)
}

/// Removes files in `dir` that no upload in `known` names and nothing touched for a day.
pub fn remove_strays(dir: &Path, known: &HashSet<String>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry.metadata()?.modified()?.elapsed().is_ok_and(|age| age > day);
        if !known.contains(&name) && old {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
