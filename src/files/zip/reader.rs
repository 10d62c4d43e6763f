//! Producing any byte range of a planned archive: headers are rendered from the plan when a
//! range touches them, contents are read from the blobs through [`Storage::open`] and a seek.
//! Blocking (storage reads): called on the blocking pool, one bounded chunk at a time, so
//! memory stays flat whatever the archive's size.

use std::io::{self, Read, Seek, SeekFrom};

use crate::files::zip::layout::{Part, Plan};
use crate::storage::{BlobReader, Storage};

/// Where a stream of the archive is: the next byte to produce, the end (exclusive), and the
/// blob being read, kept open between chunks.
pub struct Cursor {
    pub pos: u64,
    pub end: u64,
    open: Option<Open>,
}

struct Open {
    entry: usize,
    /// The next byte the reader gives, within the entry's contents.
    at: u64,
    reader: BlobReader,
}

impl Cursor {
    /// Bytes `start..end` of the archive.
    pub fn new(start: u64, end: u64) -> Cursor {
        Cursor { pos: start, end, open: None }
    }

    pub fn done(&self) -> bool {
        self.pos >= self.end
    }

    /// The next at most `max` bytes (fewer only at the end).
    pub fn next_chunk(
        &mut self,
        plan: &Plan,
        storage: &dyn Storage,
        max: usize,
    ) -> io::Result<Vec<u8>> {
        let want = usize::try_from(self.end.saturating_sub(self.pos)).unwrap_or(max).min(max);
        let mut buf = Vec::with_capacity(want);
        while buf.len() < want {
            let (before, room) = (buf.len(), want - buf.len());
            match plan.locate(self.pos) {
                Part::Local(i, at) => copy_from(&plan.local_header(i), at, room, &mut buf),
                Part::Central(i, at) => copy_from(&plan.central_header(i), at, room, &mut buf),
                Part::End(at) => copy_from(&plan.end_records(), at, room, &mut buf),
                Part::Data(i, at) => self.read_data(plan, storage, i, at, room, &mut buf)?,
            }
            if buf.len() == before {
                // Cannot happen with a consistent plan; an error beats a loop.
                return Err(io::Error::other("archive layout made no progress"));
            }
            self.pos += (buf.len() - before) as u64;
        }
        Ok(buf)
    }

    /// Up to `room` bytes of entry `i`'s contents from `at`, appended to `buf`.
    fn read_data(
        &mut self,
        plan: &Plan,
        storage: &dyn Storage,
        i: usize,
        at: u64,
        room: usize,
        buf: &mut Vec<u8>,
    ) -> io::Result<()> {
        let entry = &plan.entries[i];
        let take = usize::try_from(entry.size - at).unwrap_or(room).min(room);
        let reusable = self.open.as_ref().is_some_and(|o| o.entry == i);
        if !reusable {
            let key =
                entry.blob.as_deref().ok_or_else(|| io::Error::other("entry without blob"))?;
            let reader = storage.open(key)?;
            if reader.len != entry.size {
                // Never stream an archive whose headers promise other bytes than it holds.
                return Err(io::Error::other(format!("blob {key} is not {} bytes", entry.size)));
            }
            self.open = Some(Open { entry: i, at: 0, reader });
        }
        let open = self.open.as_mut().ok_or_else(|| io::Error::other("no open blob"))?;
        if open.at != at {
            open.reader.seek(SeekFrom::Start(at))?;
        }
        let start = buf.len();
        buf.resize(start + take, 0);
        open.reader.read_exact(&mut buf[start..])?;
        crate::files::location::apply(&entry.patches, at, &mut buf[start..]);
        open.at = at + take as u64;
        Ok(())
    }
}

/// Up to `room` bytes of `bytes` from `at`, appended to `buf`.
fn copy_from(bytes: &[u8], at: u64, room: usize, buf: &mut Vec<u8>) {
    let start = usize::try_from(at).unwrap_or(bytes.len()).min(bytes.len());
    let end = start + room.min(bytes.len() - start);
    buf.extend_from_slice(&bytes[start..end]);
}
