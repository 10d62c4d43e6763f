//! The byte layout of a stored (uncompressed) ZIP archive, computed before its first byte.
//!
//! Every entry is `local header · bytes`, then comes the central directory (one header per
//! entry), then the end records. Entries are stored, and their sizes and CRC-32s are known up
//! front, so no entry needs a data descriptor (macOS Archive Utility refuses some archives
//! that have them), and every offset, hence the total length, is known before streaming:
//! any byte range can be produced on its own (`reader`).
//!
//! Zip64 is used only where the classic fields cannot hold a value: the Zip64 extra field of
//! an entry whose size (local and central) or local header offset (central) is 4 GiB or more,
//! and the Zip64 end records when there are 65 535 entries or more, or the central directory
//! starts or ends past 4 GiB. Names are UTF-8 (general purpose flag bit 11).

use std::sync::Arc;

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::files::location::Patch;

/// The largest value the classic 32-bit fields hold; this value itself means "see Zip64".
const MAX32: u64 = 0xFFFF_FFFF;
/// Likewise for the 16-bit entry counts.
const MAX16: usize = 0xFFFF;
/// General purpose flag bit 11: the name is UTF-8.
const FLAG_UTF8: u16 = 1 << 11;
/// Made by Unix (so the external attributes carry file modes), spec version 4.5.
const MADE_BY: u16 = (3 << 8) | 45;
const LOCAL_LEN: u64 = 30;
const CENTRAL_LEN: u64 = 46;
const END_LEN: u64 = 22;
const ZIP64_END_LEN: u64 = 56;
const ZIP64_LOCATOR_LEN: u64 = 20;

/// One entry to put in the archive.
#[derive(Debug, Clone)]
pub struct Item {
    /// The full name in the archive, `/`-separated; a folder's ends with `/`.
    pub path: String,
    /// The blob holding the bytes (`None`: a folder or an empty file).
    pub blob: Option<String>,
    pub size: u64,
    pub crc32: u32,
    pub modified_at: NaiveDateTime,
    pub mime: Option<String>,
    /// Bytes overwritten on the way out (`files::location`); `crc32` is then the patched one.
    pub patches: Arc<Vec<Patch>>,
}

/// An entry with its place in the archive.
#[derive(Debug)]
pub struct Entry {
    pub path: Box<str>,
    pub blob: Option<Box<str>>,
    pub size: u64,
    pub crc32: u32,
    pub patches: Arc<Vec<Patch>>,
    dos_time: u16,
    dos_date: u16,
    /// Where its local header starts.
    pub offset: u64,
    /// Where its central header starts, from the start of the central directory.
    cd_pos: u64,
}

impl Entry {
    fn is_dir(&self) -> bool {
        self.path.ends_with('/')
    }
    /// Whether the sizes need the Zip64 extra field.
    fn big(&self) -> bool {
        self.size >= MAX32
    }
    fn local_len(&self) -> u64 {
        LOCAL_LEN + self.path.len() as u64 + if self.big() { 20 } else { 0 }
    }
    /// The values the central header moves into its Zip64 extra field, in the order the
    /// format gives them (size, compressed size, local header offset).
    fn central_zip64(&self) -> Vec<u64> {
        let mut fields = Vec::new();
        if self.big() {
            fields.extend([self.size, self.size]);
        }
        if self.offset >= MAX32 {
            fields.push(self.offset);
        }
        fields
    }
    fn central_len(&self) -> u64 {
        let n = self.central_zip64().len() as u64;
        CENTRAL_LEN + self.path.len() as u64 + if n > 0 { 4 + 8 * n } else { 0 }
    }
    fn version_needed(&self) -> u16 {
        if self.big() || self.offset >= MAX32 {
            45
        } else if self.is_dir() {
            20
        } else {
            10
        }
    }
}

/// Where a byte of the archive comes from.
#[derive(Debug, PartialEq, Eq)]
pub enum Part {
    /// Byte `at` of entry `i`'s local header.
    Local(usize, u64),
    /// Byte `at` of entry `i`'s contents.
    Data(usize, u64),
    /// Byte `at` of entry `i`'s central header.
    Central(usize, u64),
    /// Byte `at` of the end records.
    End(u64),
}

/// A whole archive, laid out.
#[derive(Debug)]
pub struct Plan {
    pub entries: Vec<Entry>,
    cd_start: u64,
    cd_len: u64,
    zip64_end: bool,
}

impl Plan {
    pub fn new(items: Vec<Item>) -> Plan {
        let mut entries = Vec::with_capacity(items.len());
        let mut at = 0u64;
        for item in items {
            let (dos_time, dos_date) = dos_time(item.modified_at);
            let entry = Entry {
                path: item.path.into_boxed_str(),
                blob: item.blob.map(String::into_boxed_str),
                size: item.size,
                crc32: item.crc32,
                patches: item.patches,
                dos_time,
                dos_date,
                offset: at,
                cd_pos: 0,
            };
            at += entry.local_len() + entry.size;
            entries.push(entry);
        }
        let cd_start = at;
        let mut cd_len = 0u64;
        for entry in &mut entries {
            entry.cd_pos = cd_len;
            cd_len += entry.central_len();
        }
        let zip64_end = entries.len() >= MAX16 || cd_start >= MAX32 || cd_len >= MAX32;
        entries.shrink_to_fit();
        Plan { entries, cd_start, cd_len, zip64_end }
    }

    fn end_len(&self) -> u64 {
        END_LEN + if self.zip64_end { ZIP64_END_LEN + ZIP64_LOCATOR_LEN } else { 0 }
    }

    /// The length of the whole archive.
    pub fn len(&self) -> u64 {
        self.cd_start + self.cd_len + self.end_len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the end records are the Zip64 ones.
    pub fn is_zip64(&self) -> bool {
        self.zip64_end || self.entries.iter().any(|e| e.version_needed() == 45)
    }

    /// Where byte `pos` (< `len()`) comes from.
    pub fn locate(&self, pos: u64) -> Part {
        if pos < self.cd_start {
            let i = self.entries.partition_point(|e| e.offset <= pos).saturating_sub(1);
            let e = &self.entries[i];
            let at = pos - e.offset;
            let header = e.local_len();
            return if at < header { Part::Local(i, at) } else { Part::Data(i, at - header) };
        }
        let rel = pos - self.cd_start;
        if rel < self.cd_len {
            let i = self.entries.partition_point(|e| e.cd_pos <= rel).saturating_sub(1);
            return Part::Central(i, rel - self.entries[i].cd_pos);
        }
        Part::End(rel - self.cd_len)
    }

    /// Entry `i`'s local header.
    pub fn local_header(&self, i: usize) -> Vec<u8> {
        let e = &self.entries[i];
        let mut h = Vec::with_capacity(e.local_len() as usize);
        put32(&mut h, 0x0403_4b50);
        put16(&mut h, e.version_needed());
        put16(&mut h, FLAG_UTF8);
        put16(&mut h, 0); // stored
        put16(&mut h, e.dos_time);
        put16(&mut h, e.dos_date);
        put32(&mut h, e.crc32);
        let size32 = if e.big() { MAX32 } else { e.size } as u32;
        put32(&mut h, size32);
        put32(&mut h, size32);
        put16(&mut h, e.path.len() as u16);
        put16(&mut h, if e.big() { 20 } else { 0 });
        h.extend_from_slice(e.path.as_bytes());
        if e.big() {
            put16(&mut h, 0x0001);
            put16(&mut h, 16);
            put64(&mut h, e.size);
            put64(&mut h, e.size);
        }
        h
    }

    /// Entry `i`'s central directory header.
    pub fn central_header(&self, i: usize) -> Vec<u8> {
        let e = &self.entries[i];
        let zip64 = e.central_zip64();
        let mut h = Vec::with_capacity(e.central_len() as usize);
        put32(&mut h, 0x0201_4b50);
        put16(&mut h, MADE_BY);
        put16(&mut h, e.version_needed());
        put16(&mut h, FLAG_UTF8);
        put16(&mut h, 0);
        put16(&mut h, e.dos_time);
        put16(&mut h, e.dos_date);
        put32(&mut h, e.crc32);
        let size32 = e.size.min(MAX32) as u32;
        put32(&mut h, size32);
        put32(&mut h, size32);
        put16(&mut h, e.path.len() as u16);
        put16(&mut h, if zip64.is_empty() { 0 } else { 4 + 8 * zip64.len() as u16 });
        put16(&mut h, 0); // comment
        put16(&mut h, 0); // disk
        put16(&mut h, 0); // internal attributes
        // Unix mode in the high half; MS-DOS directory bit for the folders.
        let attrs = if e.is_dir() { (0o040755 << 16) | 0x10 } else { 0o100644 << 16 };
        put32(&mut h, attrs);
        put32(&mut h, e.offset.min(MAX32) as u32);
        h.extend_from_slice(e.path.as_bytes());
        if !zip64.is_empty() {
            put16(&mut h, 0x0001);
            put16(&mut h, 8 * zip64.len() as u16);
            zip64.iter().for_each(|v| put64(&mut h, *v));
        }
        h
    }

    /// The end records: Zip64 end record and locator when needed, then the classic one.
    pub fn end_records(&self) -> Vec<u8> {
        let mut h = Vec::with_capacity(self.end_len() as usize);
        let count = self.entries.len() as u64;
        if self.zip64_end {
            let record_at = self.cd_start + self.cd_len;
            put32(&mut h, 0x0606_4b50);
            put64(&mut h, ZIP64_END_LEN - 12);
            put16(&mut h, MADE_BY);
            put16(&mut h, 45);
            put32(&mut h, 0);
            put32(&mut h, 0);
            put64(&mut h, count);
            put64(&mut h, count);
            put64(&mut h, self.cd_len);
            put64(&mut h, self.cd_start);
            put32(&mut h, 0x0706_4b50);
            put32(&mut h, 0);
            put64(&mut h, record_at);
            put32(&mut h, 1);
        }
        let (count16, len32, start32) = if self.zip64_end {
            (MAX16 as u16, MAX32 as u32, MAX32 as u32)
        } else {
            (count as u16, self.cd_len as u32, self.cd_start as u32)
        };
        put32(&mut h, 0x0605_4b50);
        put16(&mut h, 0);
        put16(&mut h, 0);
        put16(&mut h, count16);
        put16(&mut h, count16);
        put32(&mut h, len32);
        put32(&mut h, start32);
        put16(&mut h, 0);
        h
    }
}

/// MS-DOS time and date (two-second precision, 1980 to 2107; clamped to that range).
fn dos_time(t: NaiveDateTime) -> (u16, u16) {
    if t.year() < 1980 {
        return (0, (1 << 5) | 1);
    }
    if t.year() > 2107 {
        return ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31);
    }
    let time = (t.hour() << 11) | (t.minute() << 5) | (t.second() / 2);
    let date = ((t.year() as u32 - 1980) << 9) | (t.month() << 5) | t.day();
    (time as u16, date as u16)
}

fn put16(h: &mut Vec<u8>, v: u16) {
    h.extend_from_slice(&v.to_le_bytes());
}
fn put32(h: &mut Vec<u8>, v: u32) {
    h.extend_from_slice(&v.to_le_bytes());
}
fn put64(h: &mut Vec<u8>, v: u64) {
    h.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(path: &str, size: u64) -> Item {
        Item {
            path: path.into(),
            blob: (size > 0).then(|| "k".into()),
            size,
            crc32: 7,
            modified_at: NaiveDateTime::parse_from_str("2026-12-02 10:20:31", "%Y-%m-%d %H:%M:%S")
                .expect("time"),
            mime: None,
            patches: Default::default(),
        }
    }

    #[test]
    fn a_small_archive_has_no_zip64_and_every_byte_has_a_place() {
        let plan = Plan::new(vec![item("d/", 0), item("d/a.txt", 5)]);
        assert!(!plan.is_zip64());
        let local = |p: &str| 30 + p.len() as u64;
        assert_eq!(plan.entries[1].offset, local("d/"));
        let cd = local("d/") + local("d/a.txt") + 5;
        assert_eq!(plan.len(), cd + 46 + 2 + 46 + 7 + 22);
        assert_eq!(plan.locate(0), Part::Local(0, 0));
        assert_eq!(plan.locate(local("d/")), Part::Local(1, 0));
        assert_eq!(plan.locate(local("d/") + local("d/a.txt") + 4), Part::Data(1, 4));
        assert_eq!(plan.locate(cd), Part::Central(0, 0));
        assert_eq!(plan.locate(cd + 48), Part::Central(1, 0));
        assert_eq!(plan.locate(plan.len() - 1), Part::End(21));
        assert_eq!(plan.local_header(1).len() as u64, local("d/a.txt"));
        assert_eq!(plan.end_records().len(), 22);
    }

    #[test]
    fn big_entries_and_many_entries_switch_to_zip64() {
        let plan = Plan::new(vec![item("big.bin", 5 << 30), item("after.txt", 1)]);
        assert!(plan.is_zip64());
        assert_eq!(plan.local_header(0).len(), 30 + 7 + 20);
        // The second entry's header offset is past 4 GiB: its central header carries it.
        assert_eq!(plan.central_header(1).len(), 46 + 9 + 4 + 8);
        assert_eq!(plan.end_records().len(), 22 + 56 + 20);
        let many = Plan::new((0..70_000).map(|i| item(&format!("{i}"), 0)).collect());
        assert!(many.is_zip64());
        assert_eq!(many.end_records().len(), 22 + 56 + 20);
    }

    #[test]
    fn dos_times_are_clamped() {
        let t = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time");
        assert_eq!(dos_time(t("1970-01-01 00:00:00")), (0, 33));
        assert_eq!(dos_time(t("1980-01-01 00:00:02")), (1, 33));
    }
}
