//! Storing a finished temp file as an object: one PUT below the part size, a multipart upload
//! above it. Either way the call returns only once the object is complete (the multipart
//! upload completed), and a failed multipart upload is aborted so its parts do not linger.

use std::io::{self, Read};

use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload, WriteMultipart};
use tempfile::NamedTempFile;

use super::to_io;

/// Parts uploading at once: two keeps a slow link busy without holding more than about three
/// parts of memory per upload.
const PARTS_IN_FLIGHT: usize = 2;

/// S3 allows at most this many parts in one upload.
const MAX_PARTS: u64 = 10_000;

/// Bytes read from the temp file at a time.
const READ_BUF: usize = 1 << 20;

pub(super) async fn upload(
    store: &AmazonS3,
    path: &Path,
    tmp: &NamedTempFile,
    part_size: usize,
) -> io::Result<()> {
    // A new handle: the upload's own is positioned at the end of what it wrote.
    let mut file = tmp.reopen()?;
    let len = file.metadata()?.len();
    if len < part_size as u64 {
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        return store.put(path, PutPayload::from(bytes)).await.map(drop).map_err(to_io);
    }
    // Larger parts for a file that would otherwise need more than S3's part limit.
    let part_size = part_size.max(usize::try_from(len.div_ceil(MAX_PARTS)).unwrap_or(usize::MAX));
    let started = store.put_multipart(path).await.map_err(to_io)?;
    let mut writer = WriteMultipart::new_with_chunk_size(started, part_size);
    match feed(&mut writer, &mut file).await {
        // `finish` completes the upload, or aborts it when a part or the completion failed.
        Ok(()) => writer.finish().await.map(drop).map_err(to_io),
        Err(e) => {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "could not abort a failed multipart upload");
            }
            Err(e)
        }
    }
}

/// Writes the whole file into `writer`, at most [`PARTS_IN_FLIGHT`] parts uploading at once.
async fn feed(writer: &mut WriteMultipart, file: &mut std::fs::File) -> io::Result<()> {
    let mut buf = vec![0; READ_BUF];
    loop {
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(to_io)?;
        // A blocking read inside `block_on`: this runs on the caller's blocking thread, and the
        // part uploads already started go on in the runtime's workers meanwhile.
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        writer.write(&buf[..n]);
    }
}
