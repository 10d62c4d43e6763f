//! The EXIF side of [`super::read`], through `kamadak-exif`: only the fields homedisk shows,
//! each checked for sense (a date that is a real date, coordinates on the globe, short
//! printable text).

use std::io::Cursor;

use chrono::{NaiveDate, NaiveDateTime};
use exif::{Exif, In, Tag, Value};

use super::MAX_FIELDS;

/// What the EXIF block of a picture says, as far as it makes sense.
#[derive(Debug, Default)]
pub struct Facts {
    /// `PixelXDimension` × `PixelYDimension`, as stored; replaced by the image header's size.
    pub size: Option<(i32, i32)>,
    /// Orientation 5–8: the picture is displayed turned a quarter, width and height swap.
    pub rotated: bool,
    pub taken_at: Option<NaiveDateTime>,
    pub taken_offset: Option<i32>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens: Option<String>,
    /// Latitude and longitude in degrees.
    pub place: Option<(f64, f64)>,
}

/// Longest text kept from a field (camera and lens names are short).
const MAX_TEXT: usize = 80;

/// The facts of the EXIF block in `head`, or `None` when it has none or it does not parse.
pub fn facts(head: &[u8]) -> Option<Facts> {
    let exif = exif::Reader::new().read_from_container(&mut Cursor::new(head)).ok()?;
    if exif.fields().len() > MAX_FIELDS {
        return None;
    }
    let (taken_at, taken_offset) = taken(&exif).unzip();
    let pixels = |tag| exif.get_field(tag, In::PRIMARY)?.value.get_uint(0);
    let size = match (pixels(Tag::PixelXDimension), pixels(Tag::PixelYDimension)) {
        (Some(w), Some(h)) if w > 0 && h > 0 => {
            Some((i32::try_from(w).ok()?, i32::try_from(h).ok()?))
        }
        _ => None,
    };
    let orientation =
        exif.get_field(Tag::Orientation, In::PRIMARY).and_then(|f| f.value.get_uint(0));
    Some(Facts {
        size,
        rotated: matches!(orientation, Some(5..=8)),
        taken_at,
        taken_offset: taken_offset.flatten(),
        make: text(&exif, Tag::Make),
        model: text(&exif, Tag::Model),
        lens: text(&exif, Tag::LensModel),
        place: place(&exif),
    })
}

/// The first string of an ASCII field, trimmed, without control characters; `None` if empty.
fn text(exif: &Exif, tag: Tag) -> Option<String> {
    let Value::Ascii(parts) = &exif.get_field(tag, In::PRIMARY)?.value else { return None };
    let raw = String::from_utf8_lossy(parts.first()?);
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect::<String>()
        .trim()
        .to_owned();
    (!clean.is_empty()).then_some(clean)
}

fn ascii(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(parts) => parts.first().map(Vec::as_slice),
        _ => None,
    }
}

/// `DateTimeOriginal` (else `DateTime`), in UTC with the offset in minutes when
/// `OffsetTimeOriginal` says it, else the wall clock as written and no offset.
fn taken(exif: &Exif) -> Option<(NaiveDateTime, Option<i32>)> {
    let raw = ascii(exif, Tag::DateTimeOriginal).or_else(|| ascii(exif, Tag::DateTime))?;
    let mut dt = exif::DateTime::from_ascii(raw).ok()?;
    let offset_tag = ascii(exif, Tag::OffsetTimeOriginal).or_else(|| ascii(exif, Tag::OffsetTime));
    if let Some(o) = offset_tag {
        // A blank or malformed offset leaves the time as written.
        let _ = dt.parse_offset(o);
    }
    let wall = NaiveDate::from_ymd_opt(i32::from(dt.year), dt.month.into(), dt.day.into())?
        .and_hms_opt(dt.hour.into(), dt.minute.into(), dt.second.into())?;
    // Cameras with an unset clock write 0000 or 1970-ish dates; no photo predates 1826.
    if dt.year < 1826 {
        return None;
    }
    let offset = dt.offset.map(i32::from).filter(|m| m.abs() <= 18 * 60);
    let at = match offset {
        Some(m) => wall - chrono::Duration::minutes(i64::from(m)),
        None => wall,
    };
    Some((at, offset))
}

/// Latitude and longitude in degrees, when both are there, with their hemispheres, on the
/// globe.
fn place(exif: &Exif) -> Option<(f64, f64)> {
    let lat = degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lon = degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn degrees(exif: &Exif, tag: Tag, hemisphere: Tag, negative: u8) -> Option<f64> {
    let Value::Rational(dms) = &exif.get_field(tag, In::PRIMARY)?.value else { return None };
    let part = |i: usize| dms.get(i).filter(|r| r.denom != 0).map(|r| r.to_f64());
    let value = part(0)? + part(1).unwrap_or(0.0) / 60.0 + part(2).unwrap_or(0.0) / 3600.0;
    let sign = match ascii(exif, hemisphere).and_then(|h| h.first()) {
        Some(h) if h.eq_ignore_ascii_case(&negative) => -1.0,
        _ => 1.0,
    };
    value.is_finite().then_some(sign * value)
}
