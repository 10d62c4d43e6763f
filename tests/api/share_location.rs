//! Share links that hide where photos were taken: a JPEG whose GPS and XMP location were
//! written by exiftool comes out of the link (alone and in the folder's ZIP) without them, as
//! exiftool reads it back, with the same length and pixels; the owner's own download still
//! has them; a picture type whose location homedisk cannot remove is not handed out.
//! Needs exiftool (Debian `libimage-exiftool-perl`): skipped with a message when it is
//! missing, unless `HOMEDISK_EXIF_TOOLS=required` (as in CI).

use std::io::Write;
use std::process::Command;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::app_passwords::{bearer, call, upload};
use crate::files::id_of;

fn exiftool_here() -> bool {
    let ok = Command::new("exiftool").arg("-ver").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("HOMEDISK_EXIF_TOOLS").as_deref() != Ok("required"),
            "exiftool is missing and HOMEDISK_EXIF_TOOLS=required (apt install libimage-exiftool-perl)"
        );
        eprintln!(
            "skipping: exiftool is not installed (HOMEDISK_EXIF_TOOLS=required makes this an error)"
        );
    }
    ok
}

/// What exiftool reads of places in `bytes`: every GPS tag, in EXIF or XMP.
fn places(bytes: &[u8]) -> Value {
    let mut file = tempfile::NamedTempFile::new().expect("temp");
    file.write_all(bytes).expect("write");
    let out = Command::new("exiftool")
        .args(["-j", "-G", "-a", "-gps:all", "-xmp:all", "-warning"])
        .arg(file.path())
        .output()
        .expect("exiftool");
    let all: Value = serde_json::from_slice(&out.stdout).expect("exiftool JSON");
    let mut found = serde_json::Map::new();
    for (k, v) in all[0].as_object().cloned().unwrap_or_default() {
        if k.contains("GPS") || k.starts_with("XMP") || k.contains("Warning") {
            found.insert(k, v);
        }
    }
    Value::Object(found)
}

/// A real JPEG with a location written by exiftool, in EXIF and in XMP.
fn photo_taken_in_paris() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 120]));
    let file = tempfile::Builder::new().suffix(".jpg").tempfile().expect("temp");
    image::DynamicImage::ImageRgb8(img).save(file.path()).expect("save");
    let out = Command::new("exiftool")
        .args([
            "-overwrite_original",
            "-GPSLatitude=48.8584",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.2945",
            "-GPSLongitudeRef=E",
            "-XMP-exif:GPSLatitude=48.8584N",
            "-XMP-exif:GPSLongitude=2.2945E",
            "-Make=homedisk-test-camera",
        ])
        .arg(file.path())
        .output()
        .expect("exiftool writes");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(file.path()).expect("read back")
}

/// The contents of `name` in the stored ZIP `zip`, through Python's zipfile.
fn unzip_one(zip: &[u8], name: &str) -> Vec<u8> {
    let mut file = tempfile::NamedTempFile::new().expect("temp");
    file.write_all(zip).expect("write");
    let script = "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(file.path())
        .arg(name)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[actix_web::test]
async fn a_link_that_hides_locations_sends_photos_without_them() {
    if !exiftool_here() {
        return;
    }
    let app = crate::helpers::spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let album = id_of(
        &call(&app, Method::POST, "/api/v1/folders", &auth, Some(json!({ "name": "Paris" })))
            .await
            .json(),
    );
    let photo = photo_taken_in_paris();
    let before = places(&photo);
    assert!(before.to_string().contains("48 deg"), "exiftool wrote a location: {before}");
    let into = format!("/api/v1/files?folder={album}");
    let id = id_of(&app.send(upload(&into, &auth, "tower.jpg", &photo)).await.json()["items"][0]);
    // An ISO BMFF "heic" header: sniffed as HEIF, whose location homedisk cannot remove.
    let heic = [b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".as_slice(), &[0u8; 64]].concat();
    let heic_id =
        id_of(&app.send(upload(&into, &auth, "tower.heic", &heic)).await.json()["items"][0]);
    let share = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &auth,
        Some(json!({ "file": album, "hide_location": true })),
    )
    .await;
    assert_eq!(share.status, 201, "{}", share.text());
    let url = share.json()["url"].as_str().expect("url").to_owned();

    let r = app.send(TestRequest::get().uri(&format!("{url}/file/{id}"))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let sent = r.body.to_vec();
    assert_eq!(sent.len(), photo.len(), "same length: Range and ZIP layouts stay exact");
    let after = places(&sent);
    assert!(!after.to_string().contains("deg") && !after.to_string().contains("48.8"), "{after}");
    assert!(!after.to_string().contains("Warning"), "exiftool finds nothing odd: {after}");
    let pixels = |b: &[u8]| image::load_from_memory(b).expect("decodes").to_rgb8();
    assert_eq!(pixels(&sent), pixels(&photo), "not re-encoded");
    // A piece from the middle of the header is the patched one too.
    let r = app
        .send(
            TestRequest::get()
                .uri(&format!("{url}/file/{id}"))
                .insert_header(("Range", "bytes=20-4000")),
        )
        .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body.as_ref(), &sent[20..=4000]);

    let own = app
        .send(
            TestRequest::get()
                .uri(&format!("/api/v1/files/{id}/content"))
                .insert_header(("Authorization", auth.clone())),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(own.body.as_ref(), photo.as_slice(), "the owner's bytes are untouched");

    let r = app.send(TestRequest::get().uri(&format!("{url}/file/{heic_id}"))).await;
    assert_eq!(
        (r.status.as_u16(), r.code().as_str()),
        (403, "share_download_disabled"),
        "{}",
        r.text()
    );

    let zip = app.send(TestRequest::get().uri(&format!("{url}/zip"))).await;
    assert_eq!(zip.status, 200, "{}", zip.text());
    let entries = crate::zip::open_everywhere(&zip.body).expect("python3 reads it");
    assert!(
        entries.contains_key("Paris/tower.jpg") && !entries.contains_key("Paris/tower.heic"),
        "{entries:?}"
    );
    let inside = unzip_one(&zip.body, "Paris/tower.jpg");
    assert_eq!(inside, sent, "the ZIP holds the same location-free bytes (its CRC checked)");
}
