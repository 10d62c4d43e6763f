//! What a photo says about itself (issue #17): its displayed size, when it was taken, the
//! camera and lens, and where (GPS). Read once per distinct content when an upload commits
//! ([`store::remember`]), or by the backfill job for files uploaded before; kept in
//! `photo_meta` (keyed by blob). The location is for the owner only: share pages and the
//! API of shares never show it.
//!
//! Reading is bounded: at most [`MAX_BYTES`] from the start of the file (EXIF sits in the
//! first segments of JPEG, PNG, WebP), and at most [`MAX_FIELDS`] EXIF entries. Broken or
//! hostile metadata gives no facts, never an error: the upload itself is never refused for it.

mod fields;
pub mod store;
#[cfg(test)]
mod tests;

use chrono::{FixedOffset, NaiveDateTime, TimeZone};

use crate::db::models::photo_meta::PhotoMeta;

/// Bytes read from the start of a picture to find its metadata and size.
pub const MAX_BYTES: usize = 256 * 1024;
/// EXIF entries beyond which the metadata is taken as hostile and ignored.
pub const MAX_FIELDS: usize = 1000;

/// Whether files of type `mime` are read for metadata.
pub fn readable(mime: &str) -> bool {
    mime.starts_with("image/") && mime != "image/svg+xml"
}

/// The facts of the picture whose first bytes are `head` (at most [`MAX_BYTES`] are looked at).
/// Fields that cannot be read are `None`; a row of `None`s means "nothing found".
pub fn read(sha256: &str, head: &[u8], now: NaiveDateTime) -> PhotoMeta {
    let head = &head[..head.len().min(MAX_BYTES)];
    let facts = fields::facts(head).unwrap_or_default();
    let stored = header_size(head).or(facts.size);
    let (width, height) = match stored {
        Some((w, h)) if facts.rotated => (Some(h), Some(w)),
        Some((w, h)) => (Some(w), Some(h)),
        None => (None, None),
    };
    let (latitude, longitude) = facts.place.unzip();
    PhotoMeta {
        sha256: sha256.to_owned(),
        width,
        height,
        taken_at: facts.taken_at,
        taken_offset: facts.taken_offset,
        camera_make: facts.make,
        camera_model: facts.model,
        lens: facts.lens,
        latitude,
        longitude,
        read_at: now,
    }
}

/// Width and height from the image header, as stored (before orientation).
fn header_size(head: &[u8]) -> Option<(i32, i32)> {
    let reader = image::ImageReader::new(std::io::Cursor::new(head)).with_guessed_format().ok()?;
    let (w, h) = reader.into_dimensions().ok()?;
    Some((i32::try_from(w).ok()?, i32::try_from(h).ok()?))
}

/// "Canon EOS R6" from make "Canon" and model "Canon EOS R6" (cameras often repeat the make in
/// the model), else "make model", or whichever is known.
pub fn camera(meta: &PhotoMeta) -> Option<String> {
    match (meta.camera_make.as_deref(), meta.camera_model.as_deref()) {
        (Some(make), Some(model)) => {
            let first = make.split_whitespace().next().unwrap_or(make);
            if model.to_lowercase().starts_with(&first.to_lowercase()) {
                Some(model.to_owned())
            } else {
                Some(format!("{make} {model}"))
            }
        }
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

/// When the photo was taken, RFC 3339: with the camera's offset when it wrote one
/// (`2024-07-14T15:30:00+02:00`), else the camera's clock as written, marked `Z`.
pub fn taken_rfc3339(meta: &PhotoMeta) -> Option<String> {
    let at = meta.taken_at?;
    Some(match meta.taken_offset.and_then(|m| FixedOffset::east_opt(m * 60)) {
        Some(offset) => offset.from_utc_datetime(&at).to_rfc3339(),
        None => at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    })
}

/// The camera's wall clock when the photo was taken, and its offset if known, for pages.
pub fn taken_local(meta: &PhotoMeta) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    let at = meta.taken_at?;
    let offset = meta.taken_offset.and_then(|m| FixedOffset::east_opt(m * 60));
    Some(match offset {
        Some(o) => (o.from_utc_datetime(&at).naive_local(), Some(o)),
        None => (at, None),
    })
}
