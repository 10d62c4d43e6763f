//! Photos say something (#17): what a photo's EXIF says (written here by exiftool) is read on
//! every way in (multipart, tus, WebDAV PUT, a share's upload link), shown in the API items
//! (`taken_at`, `width`, `height`, `camera`), sortable (`sort=taken`, paged stably), and its
//! location is shown to the owner only: never on a share page nor in a thumbnail.
//! Needs exiftool (skipped with a message without it, unless `HOMEDISK_EXIF_TOOLS=required`).

use std::process::Command;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::app_passwords::{bearer, call, upload};
use crate::files::{FilesApi, id_of};
use crate::helpers::{session_cookie, spawn_app};

pub(crate) fn exiftool_here() -> bool {
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

/// A 64×48 JPEG (its pixels from `seed`, so each is a blob of its own) with these tags.
pub(crate) fn photo(seed: u8, tags: &[&str]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, seed]));
    let file = tempfile::Builder::new().suffix(".jpg").tempfile().expect("temp");
    image::DynamicImage::ImageRgb8(img).save(file.path()).expect("save");
    if !tags.is_empty() {
        let out = Command::new("exiftool")
            .arg("-overwrite_original")
            .args(tags)
            .arg(file.path())
            .output()
            .expect("exiftool writes");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::read(file.path()).expect("read back")
}

/// Writes, with exiftool, that the picture at `path` was taken at `when`
/// (`2024:07:14 15:30:05`, UTC+2) in Paris with a Canon.
pub(crate) fn tag_paris(path: &std::path::Path, when: &str) {
    let out = Command::new("exiftool")
        .arg("-overwrite_original")
        .arg(format!("-DateTimeOriginal={when}"))
        .args([
            "-OffsetTimeOriginal=+02:00",
            "-Make=Canon",
            "-Model=Canon EOS R6",
            "-LensModel=RF24-105mm F4",
            "-GPSLatitude=48.8584",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.2945",
            "-GPSLongitudeRef=E",
        ])
        .arg(path)
        .output()
        .expect("exiftool writes");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A 64×48 photo taken at `when` in Paris with a Canon (see [`tag_paris`]).
pub(crate) fn paris(seed: u8, when: &str) -> Vec<u8> {
    let file = tempfile::Builder::new().suffix(".jpg").tempfile().expect("temp");
    std::fs::write(file.path(), photo(seed, &[])).expect("write");
    tag_paris(file.path(), when);
    std::fs::read(file.path()).expect("read back")
}

fn assert_facts(item: &Value, how: &str) {
    assert_eq!(item["taken_at"], "2024-07-14T15:30:05+02:00", "{how}: {item}");
    assert_eq!((item["width"].as_i64(), item["height"].as_i64()), (Some(64), Some(48)), "{how}");
    assert_eq!(item["camera"], "Canon EOS R6", "{how}");
    assert_eq!(item["lens"], "RF24-105mm F4", "{how}");
    let lat = item["location"]["latitude"].as_f64().expect("the owner sees the location");
    assert!((lat - 48.8584).abs() < 1e-4, "{how}: {lat}");
}

#[actix_web::test]
async fn every_way_in_reads_what_the_photo_says() {
    if !exiftool_here() {
        return;
    }
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let item = |id: String| {
        let auth = auth.clone();
        let app = &app;
        async move { call(app, Method::GET, &format!("/api/v1/files/{id}"), &auth, None).await.json() }
    };

    // Multipart: the upload's own answer carries the facts already.
    let up =
        app.send(upload("/api/v1/files", &auth, "a.jpg", &paris(1, "2024:07:14 15:30:05"))).await;
    assert_eq!(up.status, 201, "{}", up.text());
    assert_facts(&up.json()["items"][0], "multipart answer");
    assert_facts(&item(id_of(&up.json()["items"][0])).await, "multipart");

    // tus, in one PATCH.
    let bytes = paris(2, "2024:07:14 15:30:05");
    let created = app.send(crate::uploads::create(&auth, bytes.len(), "b.jpg")).await;
    let url = crate::uploads::location(&created);
    let done = app.send(crate::uploads::patch(&auth, &url, 0, &bytes)).await;
    assert_eq!(done.status, 204, "{}", done.text());
    let id = done.header("homedisk-file-id").expect("Homedisk-File-Id").to_owned();
    assert_facts(&item(id).await, "tus");

    // WebDAV PUT: a new file, then the same name with other bytes (replace in place).
    let dav = crate::dav::app_password(&app, &alice, "dav", None).await;
    let put =
        crate::dav::dav(&app, "PUT", "/dav/c.jpg", &dav, &[], &paris(3, "2024:07:14 15:30:05"))
            .await;
    assert_eq!(put.status.as_u16(), 201, "{}", put.text());
    let id = id_of(&app.listing(&alice.token, "?sort=name").await["items"][2]);
    assert_facts(&item(id.clone()).await, "WebDAV PUT");
    let later = photo(4, &["-DateTimeOriginal=2025:01:02 03:04:05"]);
    let put = crate::dav::dav(&app, "PUT", "/dav/c.jpg", &dav, &[], &later).await;
    assert_eq!(put.status.as_u16(), 204, "{}", put.text());
    let replaced = item(id).await;
    assert_eq!(replaced["taken_at"], "2025-01-02T03:04:05Z", "no offset: the clock as written");
    assert_eq!(
        (replaced["camera"].clone(), replaced["location"].clone()),
        (Value::Null, Value::Null)
    );

    // A share's upload link.
    let inbox = app.mkdir(&alice.token, "Inbox", None).await;
    let link = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &auth,
        Some(json!({ "file": inbox, "kind": "upload" })),
    )
    .await
    .json();
    let link_url = link["url"].as_str().expect("url").to_owned();
    let boundary = "photo-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&paris(5, "2024:07:14 15:30:05"));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let dropped = app
        .send(
            TestRequest::post()
                .uri(&format!("{link_url}/upload"))
                .insert_header((
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                ))
                .insert_header(("accept", "application/json"))
                .set_payload(body),
        )
        .await;
    assert!(dropped.status.is_success(), "{}", dropped.text());
    let inside = app.listing(&alice.token, &format!("?folder={inbox}")).await;
    assert_facts(&inside["items"][0], "share upload link");

    // No EXIF: the size only; not a picture: nothing.
    let plain = app.upload(&alice.token, "plain.jpg", &photo(6, &[])).await;
    let plain = &plain;
    assert_eq!((plain["width"].as_i64(), plain["taken_at"].clone()), (Some(64), Value::Null));
    let text = app.upload(&alice.token, "note.txt", b"hello").await;
    assert_eq!((text["width"].clone(), text["camera"].clone()), (Value::Null, Value::Null));
}

#[actix_web::test]
async fn hostile_exif_never_refuses_the_upload() {
    if !exiftool_here() {
        return;
    }
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let mut bytes = paris(7, "2024:07:14 15:30:05");
    let tiff = bytes.windows(6).position(|w| w == b"Exif\0\0").expect("EXIF") + 6;
    bytes[tiff + 8..tiff + 10].copy_from_slice(&[0xff, 0xff]); // 65535 entries in IFD0
    let up = app.upload(&alice.token, "hostile.jpg", &bytes).await;
    let item = &up;
    assert_eq!((item["taken_at"].clone(), item["location"].clone()), (Value::Null, Value::Null));
    assert_eq!(item["width"].as_i64(), Some(64), "the size still comes from the JPEG header");
}

#[actix_web::test]
async fn sort_taken_orders_by_date_taken_then_upload_time_and_pages_stably() {
    if !exiftool_here() {
        return;
    }
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let token = alice.token.as_str();
    let folder = app.mkdir(token, "Album", None).await;
    // Uploaded out of the order they were taken in; two files without a date (upload time).
    let mut expected = Vec::new();
    for (seed, when) in [
        (10, "2021:05:05 10:00:00"),
        (11, "2019:01:01 09:00:00"),
        (12, "2023:03:03 08:00:00"),
        (13, "2019:01:01 09:00:00"),
    ] {
        let up = app
            .upload(
                token,
                &format!("p{seed}.jpg"),
                &photo(seed, &[&format!("-DateTimeOriginal={when}")]),
            )
            .await;
        expected.push((when.to_owned(), id_of(&up)));
    }
    let late = id_of(&app.upload(token, "z-no-date.txt", b"no date").await);
    expected.sort();
    let mut ids: Vec<String> = vec![folder];
    ids.extend(expected.iter().map(|(_, id)| id.clone()));
    ids.push(late);
    let whole = app.listing(token, "?sort=taken").await;
    let got: Vec<String> = whole["items"].as_array().expect("items").iter().map(id_of).collect();
    // Ties (the two photos of the same second) go by id, as in every sort: `expected` sorted
    // (date, id) pairs.
    assert_eq!(got, ids, "folders first, then by date taken, undated ones by upload time");
    let desc = app.listing(token, "?sort=taken&order=desc").await;
    let desc: Vec<String> = desc["items"].as_array().expect("items").iter().map(id_of).collect();
    assert_eq!(desc[1], ids[5], "newest first: the undated file, uploaded now");
    assert_eq!(desc[2], ids[4], "then the 2023 photo");

    // Paging two at a time, with a photo taken in the middle arriving between pages.
    let first = app.listing(token, "?sort=taken&limit=2").await;
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let mid =
        app.upload(token, "mid.jpg", &photo(14, &["-DateTimeOriginal=2022:02:02 02:02:02"])).await;
    let mid = id_of(&mid);
    let mut seen: Vec<String> =
        first["items"].as_array().expect("items").iter().map(id_of).collect();
    let mut next = Some(cursor);
    while let Some(c) = next {
        let page = app.listing(token, &format!("?sort=taken&limit=2&cursor={c}")).await;
        seen.extend(page["items"].as_array().expect("items").iter().map(id_of));
        next = page["next_cursor"].as_str().map(str::to_owned);
    }
    let mut want = ids.clone();
    want.insert(want.len() - 2, mid); // after 2021, before 2023 and the undated file
    assert_eq!(seen, want, "nothing twice, nothing skipped, the newcomer in its place");

    // A date-taken cursor is for that order only; a bad sort names the choices.
    let r = app
        .get_bearer(
            &format!(
                "/api/v1/files?sort=date&limit=2&cursor={}",
                first["next_cursor"].as_str().unwrap_or("")
            ),
            token,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = app.get_bearer("/api/v1/files?sort=shot", token).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("taken"), "{}", r.text());
}

#[actix_web::test]
async fn the_location_is_for_the_owner_alone_and_never_in_a_thumbnail() {
    if !exiftool_here() {
        return;
    }
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let album = app.mkdir(&alice.token, "Paris", None).await;
    let up = app
        .send(upload(
            &format!("/api/v1/files?folder={album}"),
            &auth,
            "tower.jpg",
            &paris(20, "2024:07:14 15:30:05"),
        ))
        .await;
    let id = id_of(&up.json()["items"][0]);

    // The owner's file page: the details with the coordinates and a map link (no tiles).
    let session = app.web_login("alice", &alice.password).await;
    let page = app
        .send(TestRequest::get().uri(&format!("/files/{id}")).cookie(session_cookie(&session)))
        .await;
    let html = page.text();
    assert!(html.contains("Photo details") && html.contains("64 × 48 pixels"), "{html}");
    assert!(html.contains("2024-07-14 15:30 (UTC+02:00)") && html.contains("Canon EOS R6"));
    assert!(
        html.contains("48.85840, 2.29450")
            && html.contains("https://www.openstreetmap.org/?mlat=48.85840")
    );
    // The owner's folder page hands the lightbox the same facts.
    let folder = app
        .send(
            TestRequest::get()
                .uri(&format!("/files?folder={album}"))
                .cookie(session_cookie(&session)),
        )
        .await;
    assert!(folder.text().contains("data-place=\"48.85840, 2.29450\""), "{}", folder.text());

    // A share of the folder and of the file: neither page says where, with or without
    // hide_location.
    for (file, hide) in [(&album, false), (&id, false), (&album, true)] {
        let share = call(
            &app,
            Method::POST,
            "/api/v1/shares",
            &auth,
            Some(json!({ "file": file, "hide_location": hide })),
        )
        .await
        .json();
        let url = share["url"].as_str().expect("url").to_owned();
        let visit = app.send(TestRequest::get().uri(&url)).await;
        assert_eq!(visit.status, 200, "{}", visit.text());
        let text = visit.text();
        assert!(
            !text.contains("48.858") && !text.contains("openstreetmap"),
            "share {file}: {text}"
        );
    }

    // Thumbnails are re-encoded pixels: no EXIF, no GPS.
    for size in ["sm", "md", "lg"] {
        let thumb = app
            .send(
                TestRequest::get()
                    .uri(&format!("/preview/{id}?size={size}"))
                    .insert_header(("Authorization", auth.clone())),
            )
            .await;
        assert_eq!(thumb.status, 200, "{}", thumb.text());
        assert!(!thumb.body.windows(4).any(|w| w == b"Exif"), "{size} carries no EXIF");
        let read = homedisk::files::photo::read("t", &thumb.body, chrono::Utc::now().naive_utc());
        assert_eq!((read.latitude, read.camera_make), (None, None));
    }
}

#[actix_web::test]
async fn earlier_photos_are_read_by_the_backfill_and_facts_go_with_their_bytes() {
    use diesel::prelude::*;
    use homedisk::db::schema::photo_meta;
    if !exiftool_here() {
        return;
    }
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let bytes = paris(40, "2024:07:14 15:30:05");
    let id = id_of(&app.upload(&alice.token, "old.jpg", &bytes).await);
    // A second file with the same bytes shares the blob, and so the facts.
    let twin = id_of(&app.upload(&alice.token, "twin.jpg", &bytes).await);
    let count =
        || -> i64 { photo_meta::table.count().get_result(&mut *app.conn()).expect("count") };
    assert_eq!(count(), 1, "one row per blob");
    // As if uploaded before homedisk read EXIF.
    diesel::delete(photo_meta::table).execute(&mut *app.conn()).expect("forget");
    let get = async |id: String| {
        call(&app, Method::GET, &format!("/api/v1/files/{id}"), &auth, None).await
    };
    assert_eq!(get(id.clone()).await.json()["taken_at"], Value::Null);

    let now = chrono::Utc::now().naive_utc();
    let storage = app.state.storage.clone();
    let read = homedisk::files::photo::store::backfill(&mut app.conn(), storage.as_ref(), 100, now)
        .expect("backfill");
    assert_eq!(read, 1, "the shared blob is read once");
    assert_facts(&get(id.clone()).await.json(), "backfilled");
    assert_facts(&get(twin.clone()).await.json(), "backfilled twin");
    let again =
        homedisk::files::photo::store::backfill(&mut app.conn(), storage.as_ref(), 100, now)
            .expect("backfill");
    assert_eq!(again, 0, "nothing left to read");

    // Purged for good (both files): the blob goes, and its facts with it.
    for f in [&id, &twin] {
        let r = call(&app, Method::DELETE, &format!("/api/v1/files/{f}"), &auth, None).await;
        assert_eq!(r.status, 204, "{}", r.text());
        let r = call(&app, Method::DELETE, &format!("/api/v1/trash/{f}"), &auth, None).await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    assert_eq!(count(), 0, "the row went with the blob");
}
