//! Taking where a photo was taken out of its bytes, for share links with `hide_location`,
//! without re-encoding anything: the bytes that say it are overwritten in place, so the file
//! keeps its length (Range requests and the ZIP layout stay exact) and its pixels.
//!
//! - JPEG: the EXIF GPS directory is emptied (its entries and the values they point to are
//!   zeroed) and XMP segments become comments full of spaces;
//! - PNG: `eXIf` chunks and XMP `iTXt` chunks become a private chunk of zeros (CRC redone);
//! - WebP: `EXIF` and `XMP ` chunks become `JUNK` of zeros and the VP8X flags stop naming
//!   them.
//!
//! Other pictures and videos can carry a location this code cannot remove (HEIC, AVIF, TIFF,
//! camera raws, MP4…): [`Plan::Unknown`], and the share routes do not hand them out. Files
//! that are not pictures or videos are sent as they are.

use std::io::{self, Read};

/// Where the patched bytes go, and what they become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// What sending a file without its location takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing to change (no location in it, or a type that has none).
    Unchanged,
    /// These bytes, overwritten.
    Patched(Vec<Patch>),
    /// It may carry a location this code cannot take out: do not send it.
    Unknown,
}

/// Whether a file of type `mime` can be sent without its location.
pub fn strippable(mime: &str) -> bool {
    !matches!(kind(mime), Kind::Unknown)
}

enum Kind {
    Jpeg,
    Png,
    Webp,
    /// Pictures without metadata for places (GIF, BMP, icons, SVG) and everything that is
    /// not a picture or a video.
    Plain,
    Unknown,
}

fn kind(mime: &str) -> Kind {
    match mime {
        "image/jpeg" => Kind::Jpeg,
        "image/png" => Kind::Png,
        "image/webp" => Kind::Webp,
        "image/gif"
        | "image/bmp"
        | "image/svg+xml"
        | "image/x-icon"
        | "image/vnd.microsoft.icon" => Kind::Plain,
        m if m.starts_with("image/") || m.starts_with("video/") => Kind::Unknown,
        _ => Kind::Plain,
    }
}

/// Reads `r` (a file of type `mime`, `len` bytes) as far as needed to plan its patches.
pub fn plan(mime: &str, r: &mut dyn Read, len: u64) -> io::Result<Plan> {
    let mut r = Reader { inner: r, at: 0, len };
    let found = match kind(mime) {
        Kind::Plain => return Ok(Plan::Unchanged),
        Kind::Unknown => return Ok(Plan::Unknown),
        Kind::Jpeg => jpeg(&mut r),
        Kind::Png => png(&mut r),
        Kind::Webp => webp(&mut r),
    };
    Ok(match found {
        // Bytes that do not parse as their type: a viewer may still find a location in them.
        Err(e)
            if e.kind() == io::ErrorKind::InvalidData
                || e.kind() == io::ErrorKind::UnexpectedEof =>
        {
            Plan::Unknown
        }
        Err(e) => return Err(e),
        Ok(p) if p.is_empty() => Plan::Unchanged,
        Ok(p) => Plan::Patched(disjoint(p)),
    })
}

/// The same overwrites as `patches` applied in order, as patches that do not overlap (hostile
/// EXIF can point values anywhere, and [`crc_after`] needs each byte changed once).
fn disjoint(mut patches: Vec<Patch>) -> Vec<Patch> {
    let in_order = patches.clone();
    patches.sort_by_key(|p| p.offset);
    let mut out: Vec<Patch> = Vec::with_capacity(patches.len());
    for p in patches {
        match out.last_mut() {
            Some(last) if p.offset <= last.offset + last.bytes.len() as u64 => {
                let end =
                    (p.offset + p.bytes.len() as u64).max(last.offset + last.bytes.len() as u64);
                last.bytes.resize((end - last.offset) as usize, 0);
            }
            _ => out.push(p),
        }
    }
    // Each merged range takes its bytes from the patches in their first order.
    for range in &mut out {
        apply(&in_order, range.offset, &mut range.bytes);
    }
    out
}

/// Overwrites the parts of `chunk` (the file's bytes from offset `at`) that `patches` cover.
pub fn apply(patches: &[Patch], at: u64, chunk: &mut [u8]) {
    let end = at + chunk.len() as u64;
    for p in patches {
        let p_end = p.offset + p.bytes.len() as u64;
        if p_end <= at || p.offset >= end {
            continue;
        }
        let from = p.offset.max(at);
        let to = p_end.min(end);
        let (dst, src) = ((from - at) as usize, (from - p.offset) as usize);
        let n = (to - from) as usize;
        chunk[dst..dst + n].copy_from_slice(&p.bytes[src..src + n]);
    }
}

/// The CRC-32 of the patched file from the original's (`crc` over `len` bytes) and the
/// original bytes under each patch (`original(offset, n)`): CRC-32 is linear, so each patch
/// changes it by the CRC of its difference, shifted by the bytes after it. No other byte is
/// read again.
pub fn crc_after(
    crc: u32,
    len: u64,
    patches: &[Patch],
    mut original: impl FnMut(u64, usize) -> io::Result<Vec<u8>>,
) -> io::Result<u32> {
    let mut out = crc;
    for p in patches {
        let before = original(p.offset, p.bytes.len())?;
        let diff: Vec<u8> = before.iter().zip(&p.bytes).map(|(a, b)| a ^ b).collect();
        let zeros = vec![0u8; diff.len()];
        // crc(x) ^ crc(y) for equal lengths is linear in x ^ y: crc(diff) ^ crc(zeros).
        let delta = crc32fast::hash(&diff) ^ crc32fast::hash(&zeros);
        let after = len - p.offset - p.bytes.len() as u64;
        out ^= shift(delta, after);
    }
    Ok(out)
}

/// The change `delta` in a CRC-32 state carried through `n` more zero bytes (without init or
/// final xor: the linear part, zlib's `crc32_combine` operator).
fn shift(delta: u32, n: u64) -> u32 {
    let mut a = crc32fast::Hasher::new_with_initial_len(delta, 0);
    // combine(crc1, crc2, len2) = shift(crc1, len2) ^ crc2; a zero-length `crc2` of value 0.
    a.combine(&crc32fast::Hasher::new_with_initial_len(0, n));
    a.finalize()
}

/// A sequential reader that knows where it is.
struct Reader<'a> {
    inner: &'a mut dyn Read,
    at: u64,
    len: u64,
}

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; n];
        self.inner.read_exact(&mut buf)?;
        self.at += n as u64;
        Ok(buf)
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())?;
        self.at += copied;
        if copied < n { Err(io::ErrorKind::UnexpectedEof.into()) } else { Ok(()) }
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENSION: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// The keyword (and its NUL) of the `iTXt` chunk that holds a PNG's XMP.
const XMP_KEYWORD: &[u8] = b"XML:com.adobe.xmp\0";

/// JPEG: the segments before the image data (SOS), where all metadata lives.
fn jpeg(r: &mut Reader<'_>) -> io::Result<Vec<Patch>> {
    if r.bytes(2)? != [0xFF, 0xD8] {
        return Err(bad("not a JPEG"));
    }
    let mut patches = Vec::new();
    loop {
        let mut marker = r.bytes(1)?[0];
        if marker != 0xFF {
            return Err(bad("JPEG segment without a marker"));
        }
        while marker == 0xFF {
            marker = r.bytes(1)?[0];
        }
        match marker {
            0xDA | 0xD9 => return Ok(patches),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let marker_at = r.at - 1;
        let len = u16::from_be_bytes([r.bytes(1)?[0], r.bytes(1)?[0]]) as usize;
        if len < 2 {
            return Err(bad("JPEG segment too short"));
        }
        let data_at = r.at;
        if marker == 0xE1 {
            let data = r.bytes(len - 2)?;
            if let Some(tiff) = data.strip_prefix(b"Exif\0\0") {
                patches.extend(exif_gps(tiff, data_at + 6)?);
            } else if data.starts_with(XMP) || data.starts_with(XMP_EXTENSION) {
                patches.push(Patch { offset: marker_at, bytes: vec![0xFE] });
                patches.push(Patch { offset: data_at, bytes: vec![b' '; data.len()] });
            }
        } else {
            r.skip(len as u64 - 2)?;
        }
    }
}

/// The patches that empty the GPS directory of an EXIF block (`tiff`, at `base` in the file).
fn exif_gps(tiff: &[u8], base: u64) -> io::Result<Vec<Patch>> {
    let little = match tiff.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Err(bad("EXIF without a TIFF header")),
    };
    let u16_at = |o: usize| -> io::Result<u16> {
        let b = tiff.get(o..o + 2).ok_or_else(|| bad("EXIF cut short"))?;
        Ok(if little { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) })
    };
    let u32_at = |o: usize| -> io::Result<u32> {
        let b = tiff.get(o..o + 4).ok_or_else(|| bad("EXIF cut short"))?;
        let a = [b[0], b[1], b[2], b[3]];
        Ok(if little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    };
    let ifd0 = u32_at(4)? as usize;
    let mut gps = None;
    for i in 0..u16_at(ifd0)? as usize {
        let entry = ifd0 + 2 + i * 12;
        if u16_at(entry)? == 0x8825 {
            gps = Some(u32_at(entry + 8)? as usize);
        }
    }
    let Some(gps) = gps else { return Ok(Vec::new()) };
    let count = u16_at(gps)? as usize;
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut patches = Vec::new();
    for i in 0..count {
        let entry = gps + 2 + i * 12;
        let unit = match u16_at(entry + 2)? {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            5 | 10 | 12 => 8,
            _ => 1,
        };
        let size = unit * u32_at(entry + 4)? as usize;
        if size > 4 {
            let at = u32_at(entry + 8)? as usize;
            if at.checked_add(size).is_none_or(|end| end > tiff.len()) {
                return Err(bad("EXIF GPS value outside the block"));
            }
            patches.push(Patch { offset: base + at as u64, bytes: vec![0; size] });
        }
    }
    // No entries, then a zero "next directory" where the first entry began.
    let table = 2 + count * 12 + 4;
    if gps + table > tiff.len() {
        return Err(bad("EXIF GPS directory outside the block"));
    }
    patches.push(Patch { offset: base + gps as u64, bytes: vec![0; table] });
    Ok(patches)
}

/// PNG: every chunk up to IEND (an `eXIf` may come after the image data).
fn png(r: &mut Reader<'_>) -> io::Result<Vec<Patch>> {
    if r.bytes(8)? != b"\x89PNG\r\n\x1a\n" {
        return Err(bad("not a PNG"));
    }
    let mut patches = Vec::new();
    loop {
        let start = r.at;
        let head = r.bytes(8)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = &head[4..8];
        if start + 12 + len > r.len {
            return Err(bad("PNG chunk past the end"));
        }
        let metadata = match kind {
            b"eXIf" => {
                r.skip(len)?;
                true
            }
            b"iTXt" => {
                let seen = len.min(XMP_KEYWORD.len() as u64);
                let keyword = r.bytes(seen as usize)?;
                r.skip(len - seen)?;
                keyword == XMP_KEYWORD
            }
            _ => {
                r.skip(len)?;
                false
            }
        };
        r.skip(4)?;
        if kind == b"IEND" {
            return Ok(patches);
        }
        if metadata {
            // `hdRx`: ancillary, private, safe to copy; decoders skip it.
            let mut bytes = b"hdRx".to_vec();
            bytes.extend(std::iter::repeat_n(0u8, len as usize));
            let crc = crc32fast::hash(&bytes);
            bytes.extend_from_slice(&crc.to_be_bytes());
            patches.push(Patch { offset: start + 4, bytes });
        }
    }
}

/// WebP: the RIFF chunks (EXIF and XMP come after the image data).
fn webp(r: &mut Reader<'_>) -> io::Result<Vec<Patch>> {
    let head = r.bytes(12)?;
    if &head[..4] != b"RIFF" || &head[8..12] != b"WEBP" {
        return Err(bad("not a WebP"));
    }
    let mut patches = Vec::new();
    while r.at + 8 <= r.len {
        let start = r.at;
        let head = r.bytes(8)?;
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as u64;
        let padded = len + (len & 1);
        match &head[..4] {
            b"VP8X" if len >= 4 => {
                let flags = r.bytes(1)?[0];
                r.skip(padded - 1)?;
                if flags & 0x0C != 0 {
                    patches.push(Patch { offset: start + 8, bytes: vec![flags & !0x0C] });
                }
            }
            b"EXIF" | b"XMP " => {
                r.skip(padded)?;
                let mut bytes = b"JUNK".to_vec();
                bytes.extend_from_slice(&head[4..8]);
                bytes.extend(std::iter::repeat_n(0u8, len as usize));
                patches.push(Patch { offset: start, bytes });
            }
            _ => r.skip(padded)?,
        }
    }
    Ok(patches)
}

#[cfg(test)]
mod tests;
