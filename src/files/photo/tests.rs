use chrono::NaiveDateTime;

use super::*;

fn now() -> NaiveDateTime {
    chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time").naive_utc()
}

#[test]
fn a_picture_without_exif_has_its_size_and_nothing_else() {
    let img = image::RgbImage::from_pixel(40, 30, image::Rgb([1, 2, 3]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let meta = read("k", &png, now());
    assert_eq!((meta.width, meta.height), (Some(40), Some(30)));
    assert_eq!(meta.taken_at, None);
    assert_eq!(camera(&meta), None);
}

#[test]
fn garbage_gives_no_facts_and_no_panic() {
    for bytes in [&b""[..], b"\xff\xd8\xff\xe1\x00\x10Exif\0\0MM\0*\0\0\0\x08", &[0xff; 5000]] {
        let meta = read("k", bytes, now());
        assert_eq!(meta, PhotoMeta { sha256: "k".into(), read_at: now(), ..PhotoMeta::default() });
    }
}

#[test]
fn the_camera_is_named_once() {
    let m = |make: &str, model: &str| PhotoMeta {
        camera_make: Some(make.into()),
        camera_model: Some(model.into()),
        ..PhotoMeta::default()
    };
    assert_eq!(camera(&m("Canon", "Canon EOS R6")).as_deref(), Some("Canon EOS R6"));
    assert_eq!(camera(&m("NIKON CORPORATION", "NIKON Z 6")).as_deref(), Some("NIKON Z 6"));
    assert_eq!(camera(&m("Apple", "iPhone 15")).as_deref(), Some("Apple iPhone 15"));
}

#[test]
fn a_time_with_an_offset_is_stored_in_utc_and_shown_with_it() {
    let at = NaiveDateTime::parse_from_str("2024-07-14 13:30:00", "%Y-%m-%d %H:%M:%S").expect("t");
    let with = PhotoMeta { taken_at: Some(at), taken_offset: Some(120), ..PhotoMeta::default() };
    assert_eq!(taken_rfc3339(&with).as_deref(), Some("2024-07-14T15:30:00+02:00"));
    let without = PhotoMeta { taken_at: Some(at), ..PhotoMeta::default() };
    assert_eq!(taken_rfc3339(&without).as_deref(), Some("2024-07-14T13:30:00Z"));
}

/// exiftool is there (Debian `libimage-exiftool-perl`); without it these tests say so and
/// pass, unless `HOMEDISK_EXIF_TOOLS=required` (as in CI), as in `tests/api/share_location.rs`.
fn exiftool_here() -> bool {
    let ok = std::process::Command::new("exiftool")
        .arg("-ver")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("HOMEDISK_EXIF_TOOLS").as_deref() != Ok("required"),
            "exiftool is missing and HOMEDISK_EXIF_TOOLS=required"
        );
        eprintln!("skipping: exiftool is not installed");
    }
    ok
}

/// A 64×48 JPEG with these tags written by exiftool.
fn jpeg_with(tags: &[&str]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 9]));
    let file = tempfile::Builder::new().suffix(".jpg").tempfile().expect("temp");
    image::DynamicImage::ImageRgb8(img).save(file.path()).expect("save");
    let out = std::process::Command::new("exiftool")
        .arg("-overwrite_original")
        .args(tags)
        .arg(file.path())
        .output()
        .expect("exiftool");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(file.path()).expect("read back")
}

const FULL: &[&str] = &[
    "-DateTimeOriginal=2024:07:14 15:30:05",
    "-OffsetTimeOriginal=+02:00",
    "-Make=Canon",
    "-Model=Canon EOS R6",
    "-LensModel=RF24-105mm F4 L IS USM",
    "-GPSLatitude=48.8584",
    "-GPSLatitudeRef=N",
    "-GPSLongitude=2.2945",
    "-GPSLongitudeRef=W",
];

#[test]
fn exif_written_by_exiftool_is_read_back() {
    if !exiftool_here() {
        return;
    }
    let meta = read("k", &jpeg_with(FULL), now());
    assert_eq!((meta.width, meta.height), (Some(64), Some(48)));
    assert_eq!(taken_rfc3339(&meta).as_deref(), Some("2024-07-14T15:30:05+02:00"));
    assert_eq!(meta.taken_at.map(|t| t.to_string()).as_deref(), Some("2024-07-14 13:30:05"));
    assert_eq!(camera(&meta).as_deref(), Some("Canon EOS R6"));
    assert_eq!(meta.lens.as_deref(), Some("RF24-105mm F4 L IS USM"));
    let (lat, lon) = (meta.latitude.expect("lat"), meta.longitude.expect("lon"));
    assert!((lat - 48.8584).abs() < 1e-4 && (lon + 2.2945).abs() < 1e-4, "{lat} {lon}");
}

#[test]
fn a_turned_photo_has_its_displayed_size_and_no_offset_means_the_clock_as_written() {
    if !exiftool_here() {
        return;
    }
    let bytes = jpeg_with(&["-Orientation#=6", "-DateTimeOriginal=2023:01:02 03:04:05"]);
    let meta = read("k", &bytes, now());
    assert_eq!((meta.width, meta.height), (Some(48), Some(64)));
    assert_eq!(taken_rfc3339(&meta).as_deref(), Some("2023-01-02T03:04:05Z"));
    assert_eq!((meta.taken_offset, meta.latitude), (None, None));
}

/// Where the TIFF header of the EXIF APP1 segment starts in `jpeg`.
fn tiff_start(jpeg: &[u8]) -> usize {
    jpeg.windows(6).position(|w| w == b"Exif\0\0").expect("an EXIF segment") + 6
}

#[test]
fn hostile_or_truncated_exif_gives_no_exif_facts_but_the_upload_stays_readable() {
    if !exiftool_here() {
        return;
    }
    let good = jpeg_with(FULL);
    let tiff = tiff_start(&good);
    // Cut inside the EXIF block: the rest of the file is gone.
    let truncated = &good[..tiff + 40];
    let meta = read("k", truncated, now());
    assert_eq!((meta.taken_at, meta.latitude, meta.camera_make.as_deref()), (None, None, None));
    // The first IFD claims 65535 entries and points its next IFD back at itself.
    let mut looped = good.clone();
    let ifd0 = tiff + 8;
    looped[ifd0..ifd0 + 2].copy_from_slice(&[0xff, 0xff]);
    let meta = read("k", &looped, now());
    assert_eq!((meta.taken_at, meta.latitude), (None, None));
    assert_eq!((meta.width, meta.height), (Some(64), Some(48)), "the size comes from the header");
    // GPS rationals with a zero denominator and an impossible date.
    let odd = jpeg_with(&["-DateTimeOriginal=0000:00:00 00:00:00", "-Make=\u{1}\u{2}"]);
    let meta = read("k", &odd, now());
    assert_eq!((meta.taken_at, meta.camera_make), (None, None));
}

#[test]
fn a_jpeg_without_exif_has_its_size() {
    let img = image::RgbImage::from_pixel(64, 48, image::Rgb([1, 2, 3]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .expect("jpeg");
    let meta = read("k", &jpeg, now());
    assert_eq!((meta.width, meta.height), (Some(64), Some(48)));
}
