//! [`RangedReader`]: an object read lazily, for downloads (with Range) and previews. A seek only
//! records the position; the first read after it starts a ranged GET from there to the end, and
//! reads pull the body through the store's runtime a chunk at a time, so an object is never
//! held whole in memory.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore};

use super::{Io, to_io};

/// Body errors survived in a row: a connection the store closed while the client paused a
/// download is reopened from where it stopped, once; a second failure without progress is
/// the caller's.
const RESUMES: u32 = 1;

pub(super) struct RangedReader {
    io: Arc<Io>,
    store: Arc<AmazonS3>,
    path: Path,
    len: u64,
    pos: u64,
    body: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    /// What the last chunk of the body still holds.
    chunk: Bytes,
}

impl RangedReader {
    pub(super) fn new(io: Arc<Io>, store: Arc<AmazonS3>, path: Path, len: u64) -> Self {
        RangedReader { io, store, path, len, pos: 0, body: None, chunk: Bytes::new() }
    }

    /// A GET of everything from `pos` to the end.
    fn start(&self) -> io::Result<BoxStream<'static, object_store::Result<Bytes>>> {
        let options = GetOptions { range: Some(GetRange::Offset(self.pos)), ..Default::default() };
        let got = self.io.block_on(self.store.get_opts(&self.path, options)).map_err(to_io)?;
        Ok(got.into_stream())
    }

    /// Makes `chunk` non-empty (called only while `pos < len`).
    fn fill(&mut self) -> io::Result<()> {
        let mut failures = 0;
        loop {
            let body = match &mut self.body {
                Some(body) => body,
                None => self.body.insert(self.start()?),
            };
            match self.io.block_on(body.next()) {
                Some(Ok(bytes)) if bytes.is_empty() => {}
                Some(Ok(bytes)) => {
                    self.chunk = bytes;
                    return Ok(());
                }
                None => {
                    self.body = None;
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stored object is shorter than its length",
                    ));
                }
                Some(Err(e)) => {
                    self.body = None;
                    failures += 1;
                    if failures > RESUMES {
                        return Err(to_io(e));
                    }
                    tracing::debug!(error = %e, at = self.pos, "resuming an interrupted blob read");
                }
            }
        }
    }
}

impl Read for RangedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        if self.chunk.is_empty() {
            self.fill()?;
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk.advance(n);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangedReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        if target != self.pos {
            // Nothing is fetched until the next read, which starts a GET from here.
            self.body = None;
            self.chunk = Bytes::new();
            self.pos = target;
        }
        Ok(target)
    }
}
