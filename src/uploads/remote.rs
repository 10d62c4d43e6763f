//! Resumable uploads on a remote store (S3), so that any node can take the next PATCH: the
//! bytes go up as parts of one multipart upload of the store, all `part_size` bytes (a
//! multiple of 64, so parts end on SHA-256 block boundaries) but the last. The bytes past the
//! last whole part are stored after each chunk as a small object under a fresh name, which
//! the row names; the row's `received` moves, with the parts' ETags and that name, only after
//! both are stored. No node re-reads the bytes: the hash state travels in the row, and the
//! pending bytes (under one part) are the only thing a node fetches to go on.
//!
//! A writer that loses the race for the row (another node moved it first) stored nothing the
//! row names, except a part it may have overwritten: S3 checks each part's ETag when the
//! upload is assembled, so that ends the upload (410) instead of assembling bytes the hash
//! does not describe.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;

use bytes::Bytes;

use super::write::{Checksum, Hashes, Outcome, Written};
use crate::blocking;
use crate::db::models::uploads::{PartsState, UploadRow};
use crate::error::AppError;
use crate::files::upload::{Received, Staged, send_ahead, sniff};
use crate::storage::{PartStore, Storage, is_unreachable};
use crate::uploads::hash::Midstate;

/// Parts uploading at once while a chunk arrives (each holds `part_size` bytes of memory).
const IN_FLIGHT: usize = 2;

/// The parts of an upload after a chunk, and the bytes past them (not stored yet).
pub struct Parts {
    pub store_upload: Option<String>,
    pub etags: Vec<String>,
    pub pending: Vec<u8>,
    /// Whether this chunk started the store's multipart upload (a refused chunk aborts it).
    pub began: bool,
}

/// The blocking writer: fetches the pending bytes, then hashes every piece from `rx` and cuts
/// it into parts, sending each as it fills, at most [`IN_FLIGHT`] at a time.
pub(super) fn write(
    store: &dyn PartStore,
    row: &UploadRow,
    (state, crc): (Midstate, u32),
    checksum: Option<&Checksum>,
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> io::Result<Outcome> {
    let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_owned());
    let size = usize::try_from(row.part_size).ok().filter(|s| *s > 0 && s % 64 == 0);
    let size = size.ok_or_else(|| invalid("this upload was not started on this store"))?;
    let mut etags = row.part_etags();
    let base = (etags.len() * size) as u64;
    let start = row.received as u64;
    let mut pending = match &row.pending {
        Some(name) => store.get_pending(&row.id, name)?,
        None => Vec::new(),
    };
    if base + pending.len() as u64 != start || state.hashed < base {
        return Err(invalid("the stored parts do not add up to the upload's offset"));
    }
    let tail = pending[(state.hashed - base) as usize..].to_vec();
    let mut hashes = Hashes::resume((start, state, crc), tail, checksum);
    let (mut store_upload, mut began) = (row.store_upload.clone(), false);
    let mut jobs: VecDeque<crate::storage::parts::PartJob> = VecDeque::new();
    pending.reserve(size - pending.len());
    while let Some(piece) = rx.blocking_recv() {
        hashes.update(&piece);
        let mut rest = &piece[..];
        while !rest.is_empty() {
            let take = rest.len().min(size - pending.len());
            pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if pending.len() < size {
                continue;
            }
            let upload = match &store_upload {
                Some(id) => id.clone(),
                None => {
                    let id = store.begin(&row.id)?;
                    began = true;
                    store_upload.insert(id).clone()
                }
            };
            if jobs.len() >= IN_FLIGHT
                && let Some(oldest) = jobs.pop_front()
            {
                etags.push(oldest()?);
            }
            let index = etags.len() + jobs.len();
            let full = std::mem::replace(&mut pending, Vec::with_capacity(size));
            jobs.push_back(store.start_part(&row.id, &upload, index, Bytes::from(full)));
        }
    }
    for job in jobs {
        etags.push(job()?);
    }
    hashes.finish(Some(Parts { store_upload, etags, pending, began }))
}

fn parts_of(storage: &dyn Storage) -> Result<&dyn PartStore, AppError> {
    storage.parts().ok_or_else(|| AppError::internal("this store keeps no upload parts"))
}

/// Stores the pending bytes of a chunk that is not the last under a fresh name; returns what
/// the row is to say.
pub(super) async fn settle(
    storage: Arc<dyn Storage>,
    id: &str,
    parts: Parts,
) -> Result<PartsState, AppError> {
    let id = id.to_owned();
    blocking::run(move || {
        let store = parts_of(storage.as_ref())?;
        let pending = if parts.pending.is_empty() {
            None
        } else {
            let name = uuid::Uuid::new_v4().simple().to_string();
            store
                .put_pending(&id, &name, Bytes::from(parts.pending))
                .map_err(crate::storage::to_app_error)?;
            Some(name)
        };
        Ok(PartsState { store_upload: parts.store_upload, parts: parts.etags.join("\n"), pending })
    })
    .await?
}

/// What of an upload to remove from the store.
#[derive(Debug, Default)]
pub(super) struct Leftovers {
    /// A multipart upload to abort (gone already is fine).
    pub store_upload: Option<String>,
    /// A pending object.
    pub pending: Option<String>,
    /// Whether the staging object goes too.
    pub staged: bool,
}

impl Leftovers {
    /// Everything upload `row` has in the store.
    pub fn all_of(row: &UploadRow) -> Self {
        Leftovers {
            store_upload: row.store_upload.clone(),
            pending: row.pending.clone(),
            staged: true,
        }
    }
}

/// Removes `what` of upload `id` from the store. Blocking.
pub(super) fn remove(storage: &dyn Storage, id: &str, what: Leftovers) -> io::Result<()> {
    let Some(store) = storage.parts() else { return Ok(()) };
    if let Some(upload) = what.store_upload {
        store.abort(id, &upload)?;
    }
    if let Some(name) = what.pending {
        store.delete_pending(id, &name)?;
    }
    if what.staged {
        store.delete_staged(id)?;
    }
    Ok(())
}

/// [`remove`], best effort, off the executor: a failure is logged (the store's lifecycle rules
/// and the sweep catch the rest).
pub(super) async fn remove_quietly(storage: Arc<dyn Storage>, id: &str, what: Leftovers) {
    let id = id.to_owned();
    if let Ok(Err(e)) = blocking::run(move || remove(storage.as_ref(), &id, what)).await {
        tracing::warn!(error = %e, "could not remove the stored parts of an upload");
    }
}

/// Removes what a refused chunk stored: the multipart upload it began, if any (its pending
/// bytes were never stored: `settle` runs only for an accepted chunk).
pub(super) async fn forget(storage: Arc<dyn Storage>, row: &UploadRow, written: Written) {
    let Some(parts) = written.remote else { return };
    let store_upload = parts.began.then_some(parts.store_upload).flatten();
    remove_quietly(storage, &row.id, Leftovers { store_upload, ..Leftovers::default() }).await;
}

/// The last chunk is in: the parts become the staging object (the pending bytes its last
/// part, or the whole object when no part was ever filled), then a received upload whose
/// bytes are that object (sent ahead to the blob's place). Blocking.
pub(super) fn assemble(
    storage: &dyn Storage,
    row: &UploadRow,
    written: Written,
) -> Result<Received, AppError> {
    let store = parts_of(storage)?;
    let parts = written.remote.ok_or_else(|| AppError::internal("no parts"))?;
    let ended = |e: io::Error| {
        if is_unreachable(&e) {
            return crate::storage::to_app_error(e);
        }
        // The multipart upload is gone (a node completed it and died before the commit) or a
        // part is not what the row says: these bytes cannot be assembled any more.
        tracing::warn!(upload = %row.id, error = %e, "a resumable upload could not be assembled");
        AppError::UploadGone
    };
    let io = crate::storage::to_app_error;
    match (&parts.store_upload, parts.etags.is_empty()) {
        (Some(upload), false) => {
            let mut etags = parts.etags;
            if !parts.pending.is_empty() {
                let last =
                    store.start_part(&row.id, upload, etags.len(), Bytes::from(parts.pending));
                etags.push(last().map_err(ended)?);
            }
            store.complete(&row.id, upload, &etags).map_err(ended)?;
        }
        (upload, _) => {
            if let Some(upload) = upload {
                store.abort(&row.id, upload).map_err(io)?;
            }
            store.put_whole(&row.id, Bytes::from(parts.pending)).map_err(io)?;
        }
    }
    let head = store.staged_head(&row.id, (row.length as u64).min(8192)).map_err(io)?;
    let mut received = Received {
        tmp: Staged::Object(row.id.clone()),
        size: written.received as u64,
        sha256: written.state.finish(&written.tail),
        crc32: written.crc32,
        mime: sniff(&head),
        sent_ahead: false,
    };
    send_ahead(storage, &mut received)?;
    Ok(received)
}
