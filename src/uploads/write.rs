//! The bytes of resumable uploads on disk: each PATCH truncates the upload's file back to what
//! the database acknowledged, appends the chunk while hashing it (resuming the SHA-256 and
//! CRC-32 states), verifies its `Upload-Checksum` if any, and fsyncs before anyone records
//! the new offset. Blocking work runs on the blocking pool, fed through a bounded channel so
//! a chunk is never held whole in memory.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

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

/// Where an upload is after a chunk: bytes on disk and hash states (fsynced).
pub struct Written {
    pub received: i64,
    pub state: Midstate,
    /// The bytes past the last whole 64-byte block.
    pub tail: Vec<u8>,
    pub crc32: u32,
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

/// What the writer found.
struct Outcome {
    written: Written,
    /// The digest of this chunk, when it was asked for.
    chunk_digest: Option<Vec<u8>>,
}

/// Appends `chunk` to the file of `row` (see the module docs). Without a checksum, bytes that
/// arrived before the client went away are kept; with one, a chunk is all or nothing.
pub async fn append(dir: &Path, row: &UploadRow, chunk: Chunk<'_>) -> Result<Written, AppError> {
    let path = super::path(dir, &row.id);
    let start = row.received;
    let hashed = (start as u64) / 64 * 64;
    let state = Midstate::from_hex(&row.sha256_state, hashed)
        .ok_or_else(|| AppError::internal(format!("upload {}: a bad hash state", row.id)))?;
    let crc = u32::try_from(row.crc32).map_err(AppError::internal)?;
    let room = u64::try_from(row.length - start).unwrap_or(0);
    let algo = chunk.checksum.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let file = path.clone();
    let writer = blocking::run(move || write(&file, (start, state, crc), algo.as_ref(), rx));
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
        let file = path.clone();
        blocking::run(move || truncate(&file, start))
            .await?
            .map_err(crate::storage::to_app_error)?;
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

/// The blocking writer: truncate to `start`, read the tail back for the hash, append every
/// piece from `rx` while hashing, fsync.
fn write(
    path: &Path,
    (start, mut state, crc): (i64, Midstate, u32),
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
    let mut crc = crc32fast::Hasher::new_with_initial_len(crc, start);
    let (mut sha1, mut sha256) = match checksum {
        Some(Checksum::Sha1(_)) => (Some(Sha1::new()), None),
        Some(Checksum::Sha256(_)) => (None, Some(Sha256::new())),
        None => (None, None),
    };
    let mut at = start;
    let mut out = io::BufWriter::with_capacity(256 * 1024, &mut file);
    while let Some(piece) = rx.blocking_recv() {
        out.write_all(&piece)?;
        state.update(&mut tail, &piece);
        crc.update(&piece);
        if let Some(h) = sha1.as_mut() {
            h.update(&piece);
        }
        if let Some(h) = sha256.as_mut() {
            h.update(&piece);
        }
        at += piece.len() as u64;
    }
    out.flush()?;
    drop(out);
    file.sync_data()?;
    let chunk_digest =
        sha1.map(|h| h.finalize().to_vec()).or_else(|| sha256.map(|h| h.finalize().to_vec()));
    let received = i64::try_from(at).map_err(io::Error::other)?;
    Ok(Outcome { written: Written { received, state, tail, crc32: crc.finalize() }, chunk_digest })
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
        tmp,
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
