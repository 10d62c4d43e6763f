//! ZIP downloads (issue #14): a folder as `GET /api/v1/files/{id}/zip`, a selection through
//! the link of `POST /api/v1/archives`. Every archive is opened by independent readers:
//! Python's `zipfile` (`testzip()`, the SHA-256 of every entry against the uploaded bytes),
//! Info-ZIP's `unzip -t` and libarchive's `bsdtar -tf`. A reader that is not installed is
//! skipped with a message, unless `HOMEDISK_ZIP_TOOLS=required` (as in CI) makes it an error.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Command;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::files::{FilesApi, id_of, sha256_hex};
use crate::helpers::{Resp, TestApp, session_cookie, spawn_app, spawn_with};

const BOUNDARY: &str = "----homedisk-zip-test-41c9";

/// `POST /api/v1/files?folder=…` with one file; returns its id.
async fn upload_into<S, B>(
    app: &TestApp<S>,
    token: &str,
    folder: Option<&str>,
    name: &str,
    bytes: &[u8],
) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let uri = match folder {
        Some(f) => format!("/api/v1/files?folder={f}"),
        None => "/api/v1/files".to_owned(),
    };
    let req = TestRequest::post()
        .uri(&uri)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body);
    let r = app.send(req).await;
    assert_eq!(r.status, 201, "{}", r.text());
    id_of(&r.json()["items"][0])
}

fn get(uri: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(("Authorization", format!("Bearer {token}")))
}

/// `POST /api/v1/archives` with `body`.
async fn archive<S, B>(app: &TestApp<S>, token: &str, body: Value) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = TestRequest::post()
        .uri("/api/v1/archives")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(body);
    app.send(req).await
}

fn zip_uri(folder: &str) -> String {
    format!("/api/v1/files/{folder}/zip")
}

/// Bytes that look random, different for each seed.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Opening archives with other people's readers

/// Whether `tool` can run; when it cannot, a skip message, or a panic when the tools are
/// required.
fn have(tool: &str, probe: &[&str]) -> bool {
    let ok = Command::new(tool).args(probe).output().is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("HOMEDISK_ZIP_TOOLS").as_deref() == Ok("required") {
            panic!(
                "{tool} is missing and HOMEDISK_ZIP_TOOLS=required (apt install unzip libarchive-tools python3)"
            );
        }
        eprintln!(
            "skipping the {tool} check: not installed (HOMEDISK_ZIP_TOOLS=required makes this an error)"
        );
    }
    ok
}

const PY_READ: &str = r#"
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    out = []
    for i in z.infolist():
        digest = None if i.is_dir() else hashlib.sha256(z.read(i)).hexdigest()
        out.append({"name": i.filename, "sha256": digest, "flags": i.flag_bits,
                    "method": i.compress_type, "size": i.file_size})
print(json.dumps({"bad": bad, "entries": out}))
"#;

/// The archive's entries as Python's `zipfile` reads them (name → SHA-256 of the contents,
/// `None` for a folder), after checking `testzip()` and that every entry is stored, UTF-8
/// named and without a data descriptor; then `unzip -t` and `bsdtar -tf` must accept it.
/// `None` when Python is not there.
pub(crate) fn open_everywhere(zip: &[u8]) -> Option<BTreeMap<String, Option<String>>> {
    let mut file = tempfile::NamedTempFile::new().expect("temp");
    file.write_all(zip).expect("write");
    let path = file.path().to_str().expect("utf-8 path").to_owned();
    if have("unzip", &["-v"]) {
        let out = Command::new("unzip").args(["-t", &path]).output().expect("unzip");
        assert!(out.status.success(), "unzip -t: {}", String::from_utf8_lossy(&out.stdout));
    }
    if have("bsdtar", &["--version"]) {
        let out = Command::new("bsdtar").args(["-tf", &path]).output().expect("bsdtar");
        assert!(out.status.success(), "bsdtar -tf: {}", String::from_utf8_lossy(&out.stderr));
    }
    if !have("python3", &["--version"]) {
        return None;
    }
    let out = Command::new("python3").args(["-c", PY_READ, &path]).output().expect("python3");
    assert!(out.status.success(), "zipfile: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["bad"], Value::Null, "testzip found a bad entry");
    let mut entries = BTreeMap::new();
    for e in v["entries"].as_array().expect("entries") {
        let name = e["name"].as_str().expect("name").to_owned();
        let flags = e["flags"].as_u64().expect("flags");
        assert_eq!(flags & 0x800, 0x800, "{name}: UTF-8 flag");
        assert_eq!(flags & 0x8, 0, "{name}: no data descriptor");
        assert_eq!(e["method"], 0, "{name}: stored");
        assert!(
            !name.starts_with('/')
                && !name.contains('\\')
                && name.split('/').all(|part| part != ".." && part != "."),
            "{name} escapes the archive"
        );
        let previous = entries.insert(name.clone(), e["sha256"].as_str().map(str::to_owned));
        assert!(previous.is_none(), "{name} twice");
    }
    Some(entries)
}

/// `bsdtar -tf`'s count of entries, when bsdtar is there.
fn bsdtar_count(zip: &[u8]) -> Option<usize> {
    if !have("bsdtar", &["--version"]) {
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().expect("temp");
    file.write_all(zip).expect("write");
    let out = Command::new("bsdtar").arg("-tf").arg(file.path()).output().expect("bsdtar");
    assert!(out.status.success(), "bsdtar: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).lines().count())
}

fn expect(pairs: &[(&str, Option<&[u8]>)]) -> BTreeMap<String, Option<String>> {
    pairs.iter().map(|(n, b)| ((*n).to_owned(), b.map(sha256_hex))).collect()
}

// ---------------------------------------------------------------------------------------------
// Folders

#[actix_web::test]
async fn a_folder_zip_holds_exactly_its_live_tree_and_opens_everywhere() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let top = app.mkdir(t, "Photos 📸", None).await;
    let sub = app.mkdir(t, "sub", Some(&top)).await;
    app.mkdir(t, "empty", Some(&top)).await;
    let gone_dir = app.mkdir(t, "gone dir", Some(&top)).await;
    let (a, b) = (noise(300_000, 1), noise(70_000, 2));
    upload_into(&app, t, Some(&top), "a.bin", &a).await;
    upload_into(&app, t, Some(&sub), "🎉 party.txt", &b).await;
    upload_into(&app, t, Some(&sub), "empty.txt", b"").await;
    upload_into(&app, t, Some(&sub), "...", b"dots").await;
    upload_into(&app, t, Some(&sub), "..txt", b"dot dot").await;
    upload_into(&app, t, Some(&top), "A.txt", b"upper").await;
    upload_into(&app, t, Some(&top), "a.txt", b"lower").await;
    upload_into(&app, t, Some(&gone_dir), "inside.txt", b"trashed with its folder").await;
    let gone = upload_into(&app, t, Some(&top), "gone.txt", b"trashed").await;
    for id in [&gone, &gone_dir] {
        let r = app
            .send(
                TestRequest::delete()
                    .uri(&format!("/api/v1/files/{id}"))
                    .insert_header(("Authorization", format!("Bearer {t}"))),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.text());
    }

    let r = app.send(get(&zip_uri(&top), t)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/zip"));
    assert_eq!(r.header("content-length"), Some(r.body.len().to_string().as_str()));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    let disposition = r.header("content-disposition").expect("disposition");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("UTF-8''Photos%20%F0%9F%93%B8.zip"), "{disposition}");
    let etag = r.header("etag").expect("etag").to_owned();

    let upper_first = [("Photos 📸/A.txt", &b"upper"[..]), ("Photos 📸/a (1).txt", b"lower")];
    let mut want = expect(&[
        ("Photos 📸/", None),
        ("Photos 📸/sub/", None),
        ("Photos 📸/empty/", None),
        ("Photos 📸/a.bin", Some(&a)),
        ("Photos 📸/sub/🎉 party.txt", Some(&b)),
        ("Photos 📸/sub/empty.txt", Some(b"")),
        ("Photos 📸/sub/___", Some(b"dots")),
        ("Photos 📸/sub/..txt", Some(b"dot dot")),
    ]);
    want.extend(expect(&upper_first.map(|(n, b)| (n, Some(b)))));
    if let Some(entries) = open_everywhere(&r.body) {
        assert_eq!(entries, want);
    }

    // The same tree gives the same bytes and the same tag; a change gives another tag.
    let again = app.send(get(&zip_uri(&top), t)).await;
    assert_eq!((again.body.as_ref(), again.header("etag")), (r.body.as_ref(), Some(&*etag)));
    upload_into(&app, t, Some(&top), "new.txt", b"new").await;
    let changed = app.send(get(&zip_uri(&top), t)).await;
    assert_ne!(changed.header("etag"), Some(&*etag));
    let fresh = app.send(get(&zip_uri(&top), t).insert_header(("If-None-Match", etag))).await;
    assert_eq!(fresh.status, 200, "a stale tag gets the new archive");
}

#[actix_web::test]
async fn names_that_could_escape_stay_inside_the_archive() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let top = app.mkdir(&alice.token, "top", None).await;
    let file = upload_into(&app, &alice.token, Some(&top), "seed.txt", b"seed").await;
    // Names the API refuses, written straight into the database: the archive must not trust
    // that every row went through validation.
    let sha = sha256_hex(b"seed");
    let mut conn = app.conn();
    let now = chrono::Utc::now().naive_utc();
    let owner = homedisk::db::ids::UserId(alice.id.clone());
    let parent = homedisk::db::ids::FileId(top.clone());
    for name in ["..", "../../escape.txt", "/etc/passwd", "C:\\evil\\x.txt", "a\nb"] {
        homedisk::db::models::files::insert(
            &mut conn,
            &homedisk::db::models::files::NewFile {
                id: &homedisk::db::ids::FileId::generate(),
                owner_id: &owner,
                parent_id: Some(&parent),
                kind: "file",
                name,
                size: 4,
                mime: None,
                blob_sha256: Some(&sha),
                created_at: now,
                modified_at: now,
            },
        )
        .expect("insert");
    }
    drop(conn);
    let _ = file;
    let r = app.send(get(&zip_uri(&top), &alice.token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    if let Some(entries) = open_everywhere(&r.body) {
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "top/",
                "top/C:_evil_x.txt",
                "top/__",
                "top/_etc_passwd",
                "top/.._.._escape.txt",
                "top/a_b",
                "top/seed.txt"
            ]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        assert!(entries.values().flatten().all(|s| *s == sha));
    }
}

#[actix_web::test]
async fn ranges_split_in_three_concatenate_to_the_whole_and_if_range_needs_the_tag() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let top = app.mkdir(t, "docs", None).await;
    for i in 0..4u64 {
        upload_into(&app, t, Some(&top), &format!("f{i}.bin"), &noise(50_000, 10 + i)).await;
    }
    let whole = app.send(get(&zip_uri(&top), t)).await;
    assert_eq!(whole.status, 200);
    let (len, etag) = (whole.body.len(), whole.header("etag").expect("etag").to_owned());
    let cuts = [0, len / 3, 2 * len / 3 + 7, len];
    let mut joined = Vec::new();
    for w in cuts.windows(2) {
        let range = if w[1] == len {
            format!("bytes={}-", w[0])
        } else {
            format!("bytes={}-{}", w[0], w[1] - 1)
        };
        let r = app
            .send(
                get(&zip_uri(&top), t)
                    .insert_header(("Range", range.clone()))
                    .insert_header(("If-Range", etag.clone())),
            )
            .await;
        assert_eq!(r.status, 206, "{range}: {}", r.text());
        let want = format!("bytes {}-{}/{len}", w[0], w[1] - 1);
        assert_eq!(r.header("content-range"), Some(want.as_str()));
        assert_eq!(r.body.len(), w[1] - w[0]);
        joined.extend_from_slice(&r.body);
    }
    assert!(joined == whole.body, "the three ranges make the archive");

    let stale = app
        .send(
            get(&zip_uri(&top), t)
                .insert_header(("Range", "bytes=10-20"))
                .insert_header(("If-Range", "\"not-the-tag\"")),
        )
        .await;
    assert_eq!(stale.status, 200, "a stale If-Range gets the whole archive");
    assert!(stale.body == whole.body);
    let dated = app
        .send(
            get(&zip_uri(&top), t)
                .insert_header(("Range", "bytes=10-20"))
                .insert_header(("If-Range", "Wed, 02 Dec 2026 10:00:00 GMT")),
        )
        .await;
    assert_eq!(dated.status, 200, "a date cannot validate an archive");
    let past =
        app.send(get(&zip_uri(&top), t).insert_header(("Range", format!("bytes={len}-")))).await;
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some(format!("bytes */{len}").as_str()));
    let cached = app.send(get(&zip_uri(&top), t).insert_header(("If-None-Match", etag))).await;
    assert_eq!(cached.status, 304);
}

#[actix_web::test]
async fn seventy_thousand_entries_switch_to_zip64_and_still_open() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let top = app.mkdir(&alice.token, "many", None).await;
    upload_into(&app, &alice.token, Some(&top), "first.txt", b"").await;
    let sha = sha256_hex(b"");
    // One statement (both databases): 70 000 single inserts take half a minute in a debug build.
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 69999) \
         INSERT INTO files (id, owner_id, parent_id, kind, name, name_key, size, blob_sha256, \
                            created_at, modified_at) \
         SELECT 'zip-' || i, '{owner}', '{top}', 'file', 'f' || i || '.txt', 'f' || i || '.txt', \
                0, '{sha}', '2026-12-02 10:00:00', '2026-12-02 10:00:00' FROM n",
        owner = alice.id
    );
    diesel::sql_query(sql).execute(&mut *app.conn()).expect("70 000 rows");

    let r = app.send(get(&zip_uri(&top), &alice.token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.windows(4).any(|w| w == b"PK\x06\x06"), "a Zip64 end record");
    if let Some(entries) = open_everywhere(&r.body) {
        assert_eq!(entries.len(), 70_001);
        assert_eq!(entries.get("many/f69999.txt"), Some(&Some(sha.clone())));
    }
    if let Some(n) = bsdtar_count(&r.body) {
        assert_eq!(n, 70_001);
    }
}

#[actix_web::test]
async fn archives_over_the_limits_are_refused_with_413() {
    let app =
        spawn_with(&[("HOMEDISK_ZIP_MAX_ENTRIES", "4"), ("HOMEDISK_ZIP_MAX_BYTES", "100")]).await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let many = app.mkdir(t, "many", None).await;
    for i in 0..4 {
        upload_into(&app, t, Some(&many), &format!("{i}"), b"x").await;
    }
    let r = app.send(get(&zip_uri(&many), t)).await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "payload_too_large".to_owned()));
    let big = app.mkdir(t, "big", None).await;
    upload_into(&app, t, Some(&big), "big.bin", &[7; 101]).await;
    let r = app.send(get(&zip_uri(&big), t)).await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "payload_too_large".to_owned()));
    let r = archive(&app, t, json!({ "ids": [many] })).await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "payload_too_large".to_owned()));
}

// ---------------------------------------------------------------------------------------------
// Who may download

#[actix_web::test]
async fn another_users_items_are_404_and_bad_requests_are_4xx() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let bobs = app.mkdir(&bob.token, "private", None).await;
    let mine = app.mkdir(&alice.token, "mine", None).await;
    let file = upload_into(&app, &alice.token, None, "f.txt", b"f").await;

    let r = app.send(get(&zip_uri(&bobs), &alice.token)).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found".to_owned()));
    let r = app.send(get(&zip_uri("no-such-id"), &alice.token)).await;
    assert_eq!(r.status, 404);
    let r = archive(&app, &alice.token, json!({"ids": [mine, bobs]})).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found".to_owned()));
    let r = app.send(get(&zip_uri(&file), &alice.token)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "bad_request".to_owned()));
    let r = archive(&app, &alice.token, json!({"ids": []})).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "validation_failed".to_owned()));
    let r = archive(&app, &alice.token, json!({"ids": "x"})).await;
    assert_eq!(r.status, 400);
    let r = app.send(TestRequest::get().uri(&zip_uri(&mine))).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_missing".to_owned()));
}

#[actix_web::test]
async fn the_folder_zip_is_a_plain_link_for_the_logged_in_browser() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let top = app.mkdir(&alice.token, "web", None).await;
    upload_into(&app, &alice.token, Some(&top), "w.txt", b"web").await;
    let cookie = app.web_login("alice", &alice.password).await;
    let r = app.send(TestRequest::get().uri(&zip_uri(&top)).cookie(session_cookie(&cookie))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    if let Some(entries) = open_everywhere(&r.body) {
        assert_eq!(entries, expect(&[("web/", None), ("web/w.txt", Some(b"web"))]));
    }
}

#[actix_web::test]
async fn a_selection_link_works_without_headers_until_its_session_ends() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let token = app.login_as(&alice, "api").await;
    let (one, two) = (app.mkdir(&token, "one", None).await, app.mkdir(&token, "two", None).await);
    let x1 = upload_into(&app, &token, Some(&one), "x.txt", b"first x").await;
    let x2 = upload_into(&app, &token, Some(&two), "x.txt", b"second x").await;
    let gone = upload_into(&app, &token, None, "gone.txt", b"soon trashed").await;
    let r = archive(&app, &token, json!({ "ids": [x1, x2, two, gone] })).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let url = v["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with("/api/v1/archives/") && url.contains("?token="), "{url}");
    assert!(v["expires_at"].as_str().is_some_and(|e| e.ends_with('Z')));
    let size = v["size"].as_u64().expect("size");

    // Trashed after the link was made: the link gives what remains.
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/files/{gone}"))
                .insert_header(("Authorization", format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert!(r.header("cache-control").is_some_and(|c| c.contains("no-store")));
    assert!((r.body.len() as u64) < size, "smaller without the trashed file");
    if let Some(entries) = open_everywhere(&r.body) {
        assert_eq!(
            entries,
            expect(&[
                ("x.txt", Some(b"first x")),
                ("x (1).txt", Some(b"second x")),
                ("two/", None),
                ("two/x.txt", Some(b"second x")),
            ])
        );
    }
    let ranged = app.send(TestRequest::get().uri(&url).insert_header(("Range", "bytes=0-9"))).await;
    assert_eq!((ranged.status.as_u16(), ranged.body.len()), (206, 10));

    let wrong = url.replace("?token=", "?token=0");
    assert_eq!(app.send(TestRequest::get().uri(&wrong)).await.status, 404);
    let bare = url.split('?').next().expect("path").to_owned();
    assert_eq!(app.send(TestRequest::get().uri(&bare)).await.status, 401);

    assert_eq!(app.post_bearer("/api/v1/auth/logout", &token).await.status, 204);
    let r = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_revoked".to_owned()));
}

#[actix_web::test]
async fn uploads_store_a_crc_and_older_blobs_get_one_on_first_need() {
    use homedisk::db::schema::blobs;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let top = app.mkdir(&alice.token, "old", None).await;
    let bytes = noise(123_457, 9);
    upload_into(&app, &alice.token, Some(&top), "old.bin", &bytes).await;
    let sha = sha256_hex(&bytes);
    let want = i64::from(crate::files::crc32(&bytes));
    let stored = |conn: &mut homedisk::db::DbConn| -> Option<i64> {
        blobs::table.find(&sha).select(blobs::crc32).first(conn).expect("blob")
    };
    assert_eq!(stored(&mut app.conn()), Some(want), "computed while the upload streamed");
    // As if uploaded before CRCs were kept.
    diesel::update(blobs::table.find(&sha))
        .set(blobs::crc32.eq(None::<i64>))
        .execute(&mut *app.conn())
        .expect("clear");
    let r = app.send(get(&zip_uri(&top), &alice.token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    if let Some(entries) = open_everywhere(&r.body) {
        assert_eq!(entries.get("old/old.bin"), Some(&Some(sha.clone())));
    }
    assert_eq!(stored(&mut app.conn()), Some(want), "stored for the next archive");
}
