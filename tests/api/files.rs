//! The files API: upload and download (byte-exact, Range, ETag, the headers that keep uploaded
//! content from running), deduplicated blobs, size limit and quota (before, during and after the
//! stream, under concurrency), names, folders, rename/move/delete, ownership, malformed bodies,
//! scopes and CSRF.
//!
//! Multipart bodies are built by hand ([`Form`]) so that tests control every byte of them.

use std::path::{Path, PathBuf};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, Resp, TestApp, session_cookie, spawn_app, spawn_with};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;
const BOUNDARY: &str = "----homedisk-api-test-7d3f9a1c5e0b";

// ---------------------------------------------------------------------------------------------
// Building requests

/// A `multipart/form-data` body, part by part.
struct Form {
    body: Vec<u8>,
}

impl Form {
    fn new() -> Self {
        Form { body: Vec::new() }
    }

    /// A `file` part named `filename`, declared as `application/octet-stream`.
    fn file(self, filename: &str, bytes: &[u8]) -> Self {
        self.file_typed(filename, "application/octet-stream", bytes)
    }

    /// A `file` part with the Content-Type the client claims for it.
    fn file_typed(self, filename: &str, content_type: &str, bytes: &[u8]) -> Self {
        self.part(&format!("name=\"file\"; filename=\"{filename}\""), Some(content_type), bytes)
    }

    /// A text field.
    fn field(self, name: &str, value: &str) -> Self {
        self.part(&format!("name=\"{name}\""), None, value.as_bytes())
    }

    /// A part with these Content-Disposition parameters (after `form-data; `).
    fn part(mut self, disposition: &str, content_type: Option<&str>, bytes: &[u8]) -> Self {
        let mut head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n");
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        head.push_str("\r\n");
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The body so far, without the closing boundary (a truncated upload).
    fn unfinished(self) -> Vec<u8> {
        self.body
    }

    fn finish(mut self) -> Vec<u8> {
        self.body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.body
    }
}

fn bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

/// `POST {uri}` with this multipart body (Content-Length set) and a bearer token.
fn post_body(uri: &str, token: &str, body: Vec<u8>) -> TestRequest {
    bearer(TestRequest::post().uri(uri), token)
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body)
}

fn post_form(uri: &str, token: &str, form: Form) -> TestRequest {
    post_body(uri, token, form.finish())
}

/// `POST /api/v1/files` with one file.
pub(crate) fn upload_req(token: &str, name: &str, bytes: &[u8]) -> TestRequest {
    post_form("/api/v1/files", token, Form::new().file(name, bytes))
}

fn patch_req(token: &str, id: &str, body: Value) -> TestRequest {
    bearer(TestRequest::patch().uri(&format!("/api/v1/files/{id}")), token).set_json(body)
}

fn delete_req(token: &str, id: &str) -> TestRequest {
    bearer(TestRequest::delete().uri(&format!("/api/v1/files/{id}")), token)
}

fn purge_req(token: &str, id: &str) -> TestRequest {
    bearer(TestRequest::delete().uri(&format!("/api/v1/trash/{id}")), token)
}

/// Deletes `id` and purges it from the trash: what a delete did before the trash existed.
async fn delete_for_good<S, B>(app: &TestApp<S>, token: &str, id: &str)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = app.send(delete_req(token, id)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.send(purge_req(token, id)).await;
    assert_eq!(r.status, 204, "{}", r.text());
}

fn folder_req(token: &str, body: Value) -> TestRequest {
    bearer(TestRequest::post().uri("/api/v1/folders"), token).set_json(body)
}

pub(crate) fn content_req(token: &str, id: &str) -> TestRequest {
    bearer(TestRequest::get().uri(&format!("/api/v1/files/{id}/content")), token)
}

// ---------------------------------------------------------------------------------------------
// Test data

/// Deterministic bytes that look random (xorshift64), so that a shifted, truncated or
/// repeated chunk cannot go unnoticed the way it would in a constant fill.
pub(crate) fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A valid 1×1 greyscale PNG, built chunk by chunk.
pub(crate) fn png_1x1() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        let len = u32::try_from(data.len()).expect("small chunk");
        out.extend_from_slice(&len.to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    // Width 1, height 1, bit depth 8, greyscale, default compression/filter, no interlace.
    chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    // zlib: header, one stored block holding the scanline (filter 0, one black pixel), Adler-32.
    chunk(&mut png, b"IDAT", &[0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0, 0, 0, 2, 0, 1]);
    chunk(&mut png, b"IEND", &[]);
    png
}

const HTML: &[u8] =
    b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
const SVG: &[u8] =
    b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>";

// ---------------------------------------------------------------------------------------------
// Looking at the outcome

/// Regular files under `dir`, recursively (none if `dir` does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// What the server keeps for files, counted on disk and in the database.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) file_rows: i64,
    pub(crate) blob_rows: i64,
    pub(crate) blob_files: usize,
    pub(crate) tmp_entries: usize,
}

fn names(listing: &Value) -> Vec<&str> {
    listing["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect()
}

pub(crate) fn id_of(item: &Value) -> String {
    item["id"].as_str().expect("id").to_owned()
}

fn detail(r: &Resp) -> String {
    r.json()["detail"].as_str().unwrap_or_default().to_owned()
}

/// Requests and checks the files tests share.
pub(crate) trait FilesApi {
    fn data(&self) -> PathBuf;
    fn stored(&self) -> Stored;
    fn blob_path(&self, bytes: &[u8]) -> PathBuf;
    async fn upload(&self, token: &str, name: &str, bytes: &[u8]) -> Value;
    async fn storage_used(&self, token: &str) -> i64;
    async fn listing(&self, token: &str, query: &str) -> Value;
    async fn list_names(&self, token: &str, query: &str) -> Vec<String>;
    async fn mkdir(&self, token: &str, name: &str, parent: Option<&str>) -> String;
    async fn send_without_length(&self, req: TestRequest) -> Resp;
}

impl<S, B> FilesApi for TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    fn data(&self) -> PathBuf {
        self.state.config.data_dir.clone()
    }

    fn stored(&self) -> Stored {
        let mut conn = self.conn();
        let file_rows =
            homedisk::db::schema::files::table.count().get_result(&mut *conn).expect("count files");
        Stored {
            file_rows,
            blob_rows: homedisk::db::models::blobs::count(&mut conn).expect("count blobs"),
            blob_files: files_under(&self.data().join("blobs")).len(),
            tmp_entries: std::fs::read_dir(self.data().join("tmp")).expect("tmp/").count(),
        }
    }

    /// Where the content-addressed store keeps these bytes.
    fn blob_path(&self, bytes: &[u8]) -> PathBuf {
        let sha = sha256_hex(bytes);
        self.data().join("blobs").join(&sha[0..2]).join(&sha[2..4]).join(&sha)
    }

    /// Uploads one file at the root, expecting 201; returns its item.
    async fn upload(&self, token: &str, name: &str, bytes: &[u8]) -> Value {
        let r = self.send(upload_req(token, name, bytes)).await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["items"][0].clone()
    }

    async fn storage_used(&self, token: &str) -> i64 {
        let r = self.me(token).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["storage_used"].as_i64().expect("storage_used")
    }

    /// `GET /api/v1/files{query}`, expecting 200.
    async fn listing(&self, token: &str, query: &str) -> Value {
        let r = self.get_bearer(&format!("/api/v1/files{query}"), token).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        r.json()
    }

    async fn list_names(&self, token: &str, query: &str) -> Vec<String> {
        names(&self.listing(token, query).await).into_iter().map(str::to_owned).collect()
    }

    async fn mkdir(&self, token: &str, name: &str, parent: Option<&str>) -> String {
        let r = self.send(folder_req(token, json!({ "name": name, "folder": parent }))).await;
        assert_eq!(r.status, 201, "{}", r.text());
        id_of(&r.json())
    }

    /// Sends `req` without a Content-Length header, as a client streaming a chunked body does:
    /// only the checks made while the body streams can refuse it.
    async fn send_without_length(&self, req: TestRequest) -> Resp {
        let mut req = req.to_request();
        req.headers_mut().remove(header::CONTENT_LENGTH);
        let resp = test::call_service(&self.svc, req).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = test::read_body(resp).await;
        Resp { status, headers, body }
    }
}

// ---------------------------------------------------------------------------------------------
// Upload and download

#[actix_web::test]
async fn uploads_come_back_byte_exact_and_count_towards_storage_used() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let mut total = 0;
    for (name, bytes) in [
        ("empty.bin", Vec::new()),
        ("one.bin", vec![0x42]),
        ("small.bin", pseudo_random(1000, 1)),
        ("large.bin", pseudo_random(5 * MIB + 123, 2)),
    ] {
        let item = app.upload(&alice.token, name, &bytes).await;
        assert_eq!(item["name"], name);
        assert_eq!(item["kind"], "file");
        assert_eq!(item["size"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(item["folder"], Value::Null);
        assert!(item["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{item}");
        total += bytes.len() as i64;
        assert_eq!(app.storage_used(&alice.token).await, total, "after {name}");

        let id = id_of(&item);
        let r = app.send(content_req(&alice.token, &id)).await;
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.body.len(), bytes.len(), "{name}");
        assert!(r.body == bytes, "{name}: the downloaded bytes differ from the uploaded ones");

        let meta = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await;
        assert_eq!(meta.status, 200);
        assert_eq!(meta.json(), item, "the metadata is what the upload answered");

        // Stored once, under its SHA-256, with exactly these bytes.
        let on_disk = std::fs::read(app.blob_path(&bytes)).expect("blob at its content address");
        assert!(on_disk == bytes, "{name}: the blob differs from the upload");
    }
    let stored = app.stored();
    assert_eq!(stored, Stored { file_rows: 4, blob_rows: 4, blob_files: 4, tmp_entries: 0 });
}

#[actix_web::test]
async fn range_requests_return_exactly_the_asked_bytes() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bytes = pseudo_random(100, 3);
    let id = id_of(&app.upload(&alice.token, "data.bin", &bytes).await);
    let ranged = |range: &str| content_req(&alice.token, &id).insert_header(("Range", range));

    let r = app.send(ranged("bytes=10-19")).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, bytes[10..20]);
    assert_eq!(r.header("content-range"), Some("bytes 10-19/100"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));

    let r = app.send(ranged("bytes=-5")).await;
    assert_eq!(r.status, 206, "a suffix range");
    assert_eq!(r.body, bytes[95..]);
    assert_eq!(r.header("content-range"), Some("bytes 95-99/100"));

    let r = app.send(ranged("bytes=90-")).await;
    assert_eq!(r.status, 206, "an open range");
    assert_eq!(r.body, bytes[90..]);

    let r = app.send(ranged("bytes=200-300")).await;
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */100"));
    assert!(r.body.is_empty());
}

#[actix_web::test]
async fn downloads_carry_validators_and_answer_304_when_unchanged() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = id_of(&app.upload(&alice.token, "notes.txt", b"some notes").await);

    let r = app.send(content_req(&alice.token, &id)).await;
    assert_eq!(r.status, 200);
    let etag = r.header("etag").expect("ETag").to_owned();
    let last_modified = r.header("last-modified").expect("Last-Modified").to_owned();
    assert!(r.header("cache-control").is_some_and(|c| c.contains("private")));

    let r = app.send(content_req(&alice.token, &id).insert_header(("If-None-Match", etag))).await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());

    let r = app
        .send(content_req(&alice.token, &id).insert_header(("If-None-Match", "\"something-else\"")))
        .await;
    assert_eq!(r.status, 200, "another validator gets the bytes");
    assert_eq!(r.body, b"some notes".as_slice());

    let r = app
        .send(content_req(&alice.token, &id).insert_header(("If-Modified-Since", last_modified)))
        .await;
    assert_eq!(r.status, 304);
}

#[actix_web::test]
async fn several_files_in_one_request_are_all_stored_in_order() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let files: Vec<(String, Vec<u8>)> =
        (0..3).map(|i| (format!("part-{i}.bin"), pseudo_random(3000 + i, i as u64))).collect();
    let form =
        files.iter().fold(Form::new(), |form, (name, bytes)| form.file(name, bytes.as_slice()));
    let r = app.send(post_form("/api/v1/files", &alice.token, form)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let items = r.json()["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 3);
    for (item, (name, bytes)) in items.iter().zip(&files) {
        assert_eq!(item["name"], name.as_str());
        assert_eq!(item["size"].as_u64(), Some(bytes.len() as u64));
        let r = app.send(content_req(&alice.token, &id_of(item))).await;
        assert!(r.body == bytes.as_slice(), "{name} is byte-exact");
    }
    let sum: usize = files.iter().map(|(_, b)| b.len()).sum();
    assert_eq!(app.storage_used(&alice.token).await, sum as i64);
}

// ---------------------------------------------------------------------------------------------
// Deduplication

#[actix_web::test]
async fn identical_content_is_stored_once_however_many_files_use_it() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let bytes = pseudo_random(64 * KIB, 4);
    let a1 = id_of(&app.upload(&alice.token, "a.bin", &bytes).await);
    let a2 = id_of(&app.upload(&alice.token, "copy of a.bin", &bytes).await);
    let b1 = id_of(&app.upload(&bob.token, "b.bin", &bytes).await);

    let blob = app.blob_path(&bytes);
    assert_eq!(files_under(&app.data().join("blobs")), vec![blob.clone()]);
    assert_eq!(app.stored(), Stored { file_rows: 3, blob_rows: 1, blob_files: 1, tmp_entries: 0 });
    // Each user pays for their own files, shared bytes or not.
    assert_eq!(app.storage_used(&alice.token).await, 2 * bytes.len() as i64);
    assert_eq!(app.storage_used(&bob.token).await, bytes.len() as i64);

    // Deleting files that are not the last user of the bytes keeps the bytes.
    for id in [&a1, &a2] {
        delete_for_good(&app, &alice.token, id).await;
        assert!(blob.exists(), "bob's file still uses the blob");
        assert_eq!(app.stored().blob_rows, 1);
    }
    assert_eq!(app.storage_used(&alice.token).await, 0);
    assert_eq!(app.stored(), Stored { file_rows: 1, blob_rows: 1, blob_files: 1, tmp_entries: 0 });
    let r = app.send(content_req(&bob.token, &b1)).await;
    assert!(r.status == 200 && r.body == bytes, "bob's file is intact");
}

#[actix_web::test]
async fn deleting_the_last_file_using_some_bytes_removes_them_from_disk_and_table() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let bytes = pseudo_random(64 * KIB, 5);
    let a = id_of(&app.upload(&alice.token, "a.bin", &bytes).await);
    let b = id_of(&app.upload(&bob.token, "b.bin", &bytes).await);
    let blob = app.blob_path(&bytes);

    delete_for_good(&app, &alice.token, &a).await;
    assert!(blob.exists());
    let r = app.send(delete_req(&bob.token, &b)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(blob.exists(), "the trash keeps the bytes");
    let r = app.send(purge_req(&bob.token, &b)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(!blob.exists(), "the last reference took the bytes with it");
    assert_eq!(app.stored(), Stored { file_rows: 0, blob_rows: 0, blob_files: 0, tmp_entries: 0 });
    assert_eq!(app.storage_used(&bob.token).await, 0);
    assert_eq!(app.get_bearer(&format!("/api/v1/files/{b}"), &bob.token).await.status, 404);

    // The same bytes uploaded again are stored again.
    let again = id_of(&app.upload(&bob.token, "b.bin", &bytes).await);
    assert!(blob.exists());
    assert_eq!(app.send(content_req(&bob.token, &again)).await.body, bytes);
}

// ---------------------------------------------------------------------------------------------
// Size limit and quota

#[actix_web::test]
async fn an_upload_whose_length_exceeds_the_quota_is_refused_before_its_body_is_read() {
    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "1MiB")]).await;
    let alice = app.register("alice").await;
    let before = app.stored();

    let r = app.send(upload_req(&alice.token, "big.bin", &pseudo_random(2 * MIB, 5))).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "quota_exceeded");
    assert!(detail(&r).contains("1.0 MiB"), "the message names the quota: {}", detail(&r));

    // A body that is not even multipart gets the same answer: the declared length alone
    // decided, before any of it was parsed.
    let r = app.send(post_body("/api/v1/files", &alice.token, vec![b'x'; 2 * MIB])).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "quota_exceeded");

    assert_eq!(app.stored(), before);
    assert_eq!(app.storage_used(&alice.token).await, 0);
}

#[actix_web::test]
async fn a_file_over_the_size_limit_is_refused_while_it_streams() {
    let app = spawn_with(&[("HOMEDISK_MAX_UPLOAD_BYTES", "1MiB")]).await;
    let alice = app.register("alice").await;
    let before = app.stored();

    // The quota (10 GiB) lets the Content-Length through: only the per-file limit, checked as
    // the bytes arrive, can refuse this.
    let big = pseudo_random(2 * MIB, 6);
    for r in [
        app.send(upload_req(&alice.token, "big.bin", &big)).await,
        app.send_without_length(upload_req(&alice.token, "big.bin", &big)).await,
    ] {
        assert_eq!(r.status, 413);
        assert_eq!(r.code(), "payload_too_large");
        assert!(detail(&r).contains("1.0 MiB limit"), "{}", detail(&r));
        assert_eq!(app.stored(), before, "no temp file, no blob, no row");
        assert_eq!(app.storage_used(&alice.token).await, 0);
    }

    // The limit itself is allowed.
    let exact = pseudo_random(MIB, 7);
    let item = app.upload(&alice.token, "exact.bin", &exact).await;
    assert_eq!(item["size"].as_u64(), Some(MIB as u64));
}

#[actix_web::test]
async fn the_quota_is_enforced_while_the_body_streams() {
    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "1MiB")]).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;

    // Exactly the quota fits.
    app.upload(&alice.token, "all.bin", &pseudo_random(MIB, 8)).await;
    assert_eq!(app.storage_used(&alice.token).await, MIB as i64);
    let before = app.stored();

    // One more byte: its Content-Length is within the multipart allowance, so the refusal
    // comes from the count of bytes received.
    let r = app.send(upload_req(&alice.token, "one.bin", b"1")).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "quota_exceeded");
    assert!(detail(&r).contains("1.0 MiB"), "{}", detail(&r));
    assert_eq!(app.stored(), before);
    assert_eq!(app.storage_used(&alice.token).await, MIB as i64);

    // A little over the quota, and a lot over it without a Content-Length.
    for r in [
        app.send(upload_req(&bob.token, "over.bin", &pseudo_random(MIB + 16 * KIB, 9))).await,
        app.send_without_length(upload_req(&bob.token, "over.bin", &pseudo_random(3 * MIB, 10)))
            .await,
    ] {
        assert_eq!(r.status, 413);
        assert_eq!(r.code(), "quota_exceeded");
        assert_eq!(app.stored(), before);
        assert_eq!(app.storage_used(&bob.token).await, 0);
    }
}

#[actix_web::test]
async fn a_multi_file_upload_refused_partway_leaves_a_consistent_state() {
    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "1MiB")]).await;
    let alice = app.register("alice").await;
    // Together within the multipart allowance, so the request starts; the second file then
    // runs out of quota while it streams, after the first was stored.
    let form = Form::new()
        .file("first.bin", &pseudo_random(600 * KIB, 11))
        .file("second.bin", &pseudo_random(450 * KIB, 12));
    let r = app.send(post_form("/api/v1/files", &alice.token, form)).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "quota_exceeded");

    // Whatever was kept is listed, downloadable and exactly what storage_used counts.
    let listing = app.listing(&alice.token, "").await;
    let items = listing["items"].as_array().expect("items");
    assert!(!names(&listing).contains(&"second.bin"), "the refused file is nowhere");
    let listed: i64 = items.iter().map(|i| i["size"].as_i64().expect("size")).sum();
    assert_eq!(app.storage_used(&alice.token).await, listed);
    assert!(listed <= MIB as i64);
    for item in items {
        assert_eq!(app.send(content_req(&alice.token, &id_of(item))).await.status, 200);
    }
    let stored = app.stored();
    assert_eq!(stored.tmp_entries, 0);
    assert_eq!(stored.file_rows, items.len() as i64);
    assert_eq!(stored.blob_files as i64, stored.blob_rows);
    assert_eq!(stored.blob_rows, items.len() as i64);
}

#[actix_web::test]
async fn concurrent_uploads_cannot_overrun_the_quota_together() {
    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "1MiB")]).await;
    let alice = app.register("alice").await;
    let size = 400 * KIB;
    // Each request passes the up-front check alone (400 KiB < 1 MiB free); they are polled
    // together, so they all stream while nothing is committed yet.
    let requests = (0..5).map(|i| {
        app.send(upload_req(&alice.token, &format!("f{i}.bin"), &pseudo_random(size, 20 + i)))
    });
    let results = join_all(requests).await;

    let mut succeeded = 0;
    let mut refusals = Vec::new();
    for r in &results {
        match r.status.as_u16() {
            201 => succeeded += 1,
            413 => {
                assert_eq!(r.code(), "quota_exceeded");
                refusals.push(detail(r));
            }
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
    assert_eq!(succeeded, 2, "two 400 KiB files fit in 1 MiB, a third does not");
    // The up-front check would have said "needs 336.x KiB" (Content-Length less the multipart
    // allowance); the whole size means the requests overlapped and the commit refused them.
    assert!(
        refusals.iter().any(|d| d.contains("needs 400.0 KiB")),
        "the uploads did not race: {refusals:?}"
    );
    let used = app.storage_used(&alice.token).await;
    assert_eq!(used, (succeeded * size) as i64);
    assert!(used <= MIB as i64);
    let stored = app.stored();
    assert_eq!(stored, Stored { file_rows: 2, blob_rows: 2, blob_files: 2, tmp_entries: 0 });
    assert_eq!(app.list_names(&alice.token, "").await.len(), 2);
}

#[actix_web::test]
async fn the_quota_is_checked_again_when_an_upload_is_committed() {
    use homedisk::db::ids::UserId;
    use homedisk::files::upload::{Limits, commit, receive};

    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "1MiB")]).await;
    let alice = app.register("alice").await;
    let owner = UserId(alice.id.clone());
    // Both uploads started when the whole quota was free, as concurrent requests would.
    let limits = Limits { max_file_bytes: u64::MAX, quota_left: MIB as u64, quota: MIB as u64 };
    let body = |seed| {
        let chunks: Vec<Result<Bytes, std::convert::Infallible>> = pseudo_random(600 * KIB, seed)
            .chunks(64 * KIB)
            .map(Bytes::copy_from_slice)
            .map(Ok)
            .collect();
        futures_util::stream::iter(chunks)
    };
    let first = receive(app.state.storage.clone(), body(30), limits).await.expect("first");
    let second = receive(app.state.storage.clone(), body(31), limits).await.expect("second");
    assert_eq!(app.stored().tmp_entries, 2, "both wait in tmp/");

    let now = chrono::Utc::now().naive_utc();
    let storage = app.state.storage.as_ref();
    commit(&mut app.conn(), storage, &owner, None, "first.bin", first, now).expect("fits");
    let refused = commit(&mut app.conn(), storage, &owner, None, "second.bin", second, now)
        .expect_err("over the quota");
    assert!(matches!(refused, homedisk::error::AppError::QuotaExceeded(_)), "{refused:?}");
    assert_eq!(app.storage_used(&alice.token).await, (600 * KIB) as i64);
    assert_eq!(app.stored(), Stored { file_rows: 1, blob_rows: 1, blob_files: 1, tmp_entries: 0 });
}

// ---------------------------------------------------------------------------------------------
// Names

#[actix_web::test]
async fn unicode_and_spaces_in_names_are_kept_and_sent_back_percent_encoded() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for (name, encoded) in [
        ("🐱 cat.txt", "%F0%9F%90%B1%20cat.txt"),
        ("my holiday notes.txt", "my%20holiday%20notes.txt"),
        ("日本語.txt", "%E6%97%A5%E6%9C%AC%E8%AA%9E.txt"),
    ] {
        let item = app.upload(&alice.token, name, name.as_bytes()).await;
        assert_eq!(item["name"], name);
        let r = app.send(content_req(&alice.token, &id_of(&item))).await;
        assert_eq!(r.status, 200);
        let raw = r.headers.get("content-disposition").expect("Content-Disposition").as_bytes();
        assert!(!raw.contains(&b'\r') && !raw.contains(&b'\n'));
        assert!(raw.is_ascii(), "header values stay ASCII: {raw:?}");
        let cd = String::from_utf8_lossy(raw);
        assert!(cd.starts_with("attachment"), "{cd}");
        assert!(cd.contains(&format!("filename*=UTF-8''{encoded}")), "{name}: {cd}");
        assert!(cd.contains("filename=\""), "an ASCII fallback for old clients: {cd}");
    }
}

#[actix_web::test]
async fn names_with_control_or_direction_override_characters_are_refused() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let before = app.stored();

    for (name, why) in [
        ("photo\u{202E}gpj.exe", "a right-to-left override"),
        ("tab\there.txt", "a control character"),
        ("..", "a parent directory"),
    ] {
        let r = app.send(upload_req(&alice.token, name, b"x")).await;
        assert_eq!(r.status, 400, "{why}: {}", r.text());
        assert_eq!(r.code(), "validation_failed", "{why}");
        assert!(r.json()["errors"]["file"].is_array(), "{why}: {}", r.text());
    }

    // A line break cannot even be sent inside a part's header: the part is malformed.
    for name in ["evil\r\nContent-Type: text/html.txt", "evil\nname.txt", "evil\rname.txt"] {
        let r = app.send(upload_req(&alice.token, name, b"x")).await;
        assert_eq!(r.status, 400, "{name:?}: {}", r.text());
    }
    // A name that is only a path has no file name left.
    let r = app.send(upload_req(&alice.token, "some/dir/", b"x")).await;
    assert_eq!(r.status, 400);
    assert!(detail(&r).contains("file name"), "{}", detail(&r));

    assert_eq!(app.stored(), before, "nothing stored, nothing left in tmp/");
    assert_eq!(app.storage_used(&alice.token).await, 0);
}

#[actix_web::test]
async fn a_client_path_in_the_file_name_keeps_only_its_last_component() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let item = app.upload(&alice.token, "../../etc/passwd", b"root:x:0:0").await;
    assert_eq!(item["name"], "passwd");
    // Backslashes are escaped inside the quoted string, as RFC 7578 clients send them.
    let item = app.upload(&alice.token, "C:\\\\Users\\\\me\\\\cat.txt", b"meow").await;
    assert_eq!(item["name"], "cat.txt");

    // Only blobs were written: nothing named after the upload, nothing outside the data dir.
    let data = app.data();
    for path in files_under(&data) {
        let rel = path.strip_prefix(&data).expect("inside the data dir");
        assert!(
            rel.starts_with("blobs") || rel.to_string_lossy().starts_with("homedisk.db"),
            "unexpected file {rel:?}"
        );
        assert_ne!(path.file_name().and_then(|n| n.to_str()), Some("passwd"));
    }
    assert_eq!(files_under(&data.join("blobs")).len(), 2);
    let parent = data.parent().expect("temp dir parent");
    assert!(!parent.join("etc").join("passwd").exists());
}

#[actix_web::test]
async fn a_taken_name_gets_a_numbered_copy() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let mut got = Vec::new();
    for (i, name) in
        ["report.pdf", "report.pdf", "report.pdf", "notes", "notes", ".bashrc", ".bashrc"]
            .into_iter()
            .enumerate()
    {
        let item = app.upload(&alice.token, name, format!("version {i}").as_bytes()).await;
        got.push(item["name"].as_str().expect("name").to_owned());
    }
    assert_eq!(
        got,
        [
            "report.pdf",
            "report (1).pdf",
            "report (2).pdf",
            "notes",
            "notes (1)",
            ".bashrc",
            ".bashrc (1)"
        ]
    );
    // Names are per folder: another folder keeps the plain name.
    let folder = app.mkdir(&alice.token, "elsewhere", None).await;
    let r = app
        .send(post_form(
            &format!("/api/v1/files?folder={folder}"),
            &alice.token,
            Form::new().file("report.pdf", b"elsewhere"),
        ))
        .await;
    assert_eq!(r.json()["items"][0]["name"], "report.pdf");
}

// ---------------------------------------------------------------------------------------------
// Content types and the headers that keep uploads from running

#[actix_web::test]
async fn html_and_svg_are_downloaded_as_inert_attachments_whatever_their_name() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for (name, claimed, bytes, sniffed) in [
        ("cat.jpg", "image/jpeg", HTML, "text/html"),
        ("page.html", "text/html", HTML, "text/html"),
        ("logo.png", "image/png", SVG, "image/svg+xml"),
    ] {
        let r = app
            .send(post_form(
                "/api/v1/files",
                &alice.token,
                Form::new().file_typed(name, claimed, bytes),
            ))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let item = &r.json()["items"][0];
        assert_eq!(item["mime"], sniffed, "{name}: the type comes from the bytes");

        let r = app.send(content_req(&alice.token, &id_of(item))).await;
        assert_eq!(r.status, 200);
        let ct = r.header("content-type").unwrap_or_default();
        assert!(!ct.contains("html") && !ct.contains("svg"), "{name}: {ct}");
        assert!(
            r.header("content-disposition").is_some_and(|d| d.starts_with("attachment")),
            "{name}: {:?}",
            r.header("content-disposition")
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{name}");
        assert_eq!(
            r.header("content-security-policy"),
            Some("sandbox; default-src 'none'"),
            "{name}"
        );
        assert_eq!(r.body, bytes, "{name}");
    }
}

#[actix_web::test]
async fn a_raster_image_is_shown_inline_with_its_own_type() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let png = png_1x1();
    // The part claims HTML and the name says text: the bytes say PNG.
    let r = app
        .send(post_form(
            "/api/v1/files",
            &alice.token,
            Form::new().file_typed("photo.txt", "text/html", &png),
        ))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let item = &r.json()["items"][0];
    assert_eq!(item["mime"], "image/png");

    let r = app.send(content_req(&alice.token, &id_of(item))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert!(r.header("content-disposition").is_some_and(|d| d.starts_with("inline")));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("content-security-policy"), Some("sandbox; default-src 'none'"));
    assert_eq!(r.body, png);

    // Text is not shown inline either.
    let text = app.upload(&alice.token, "readme.txt", b"just text").await;
    assert_eq!(text["mime"], "text/plain");
    let r = app.send(content_req(&alice.token, &id_of(&text))).await;
    assert!(r.header("content-disposition").is_some_and(|d| d.starts_with("attachment")));
}

// ---------------------------------------------------------------------------------------------
// Folders and listings

#[actix_web::test]
async fn files_go_into_folders_and_listings_show_the_path() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let r = app.send(folder_req(&alice.token, json!({ "name": "Photos" }))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let photos = r.json();
    assert_eq!(photos["kind"], "folder");
    assert_eq!(photos["name"], "Photos");
    assert_eq!(photos["folder"], Value::Null);
    let photos = id_of(&photos);
    let y2024 = app.mkdir(&alice.token, "2024", Some(&photos)).await;

    // Into a folder by the query string, and by a `folder` field before the file.
    let r = app
        .send(post_form(
            &format!("/api/v1/files?folder={photos}"),
            &alice.token,
            Form::new().file("by-query.txt", b"q"),
        ))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["items"][0]["folder"], photos.as_str());
    let r = app
        .send(post_form(
            "/api/v1/files",
            &alice.token,
            Form::new().field("folder", &y2024).file("by-field.txt", b"f"),
        ))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["items"][0]["folder"], y2024.as_str());
    // The field wins over the query string.
    let r = app
        .send(post_form(
            &format!("/api/v1/files?folder={photos}"),
            &alice.token,
            Form::new().field("folder", &y2024).file("both.txt", b"b"),
        ))
        .await;
    assert_eq!(r.json()["items"][0]["folder"], y2024.as_str());

    // A `folder` field after a file is refused.
    let r = app
        .send(post_form(
            "/api/v1/files",
            &alice.token,
            Form::new().file("early.txt", b"e").field("folder", &y2024),
        ))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(detail(&r).contains("before the files"), "{}", detail(&r));

    let root = app.listing(&alice.token, "").await;
    assert!(names(&root).contains(&"Photos"));
    assert_eq!(root["folder"], Value::Null);
    assert_eq!(root["path"], json!([]));

    let inner = app.listing(&alice.token, &format!("?folder={y2024}")).await;
    assert_eq!(names(&inner), ["both.txt", "by-field.txt"]);
    assert_eq!(inner["folder"], json!({ "id": y2024, "name": "2024" }));
    assert_eq!(
        inner["path"],
        json!([{ "id": photos, "name": "Photos" }, { "id": y2024, "name": "2024" }])
    );
    let outer = app.listing(&alice.token, &format!("?folder={photos}")).await;
    assert_eq!(names(&outer), ["2024", "by-query.txt"]);
    assert_eq!(outer["path"], json!([{ "id": photos, "name": "Photos" }]));

    // A folder has no content, and a file is not a folder.
    let r = app.send(content_req(&alice.token, &photos)).await;
    assert_eq!(r.status, 400);
    let file = id_of(&outer["items"][1]);
    let r = app
        .send(post_form(
            &format!("/api/v1/files?folder={file}"),
            &alice.token,
            Form::new().file("x.txt", b"x"),
        ))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.code(), "validation_failed");
    let r = app.send(folder_req(&alice.token, json!({ "name": "sub", "folder": file }))).await;
    assert_eq!(r.status, 400);

    // Folder names follow the file name rules and are unique in their folder.
    for bad in ["Photos", "", "a/b", "bad\u{202E}name"] {
        let r = app.send(folder_req(&alice.token, json!({ "name": bad }))).await;
        assert_eq!(r.status, 400, "{bad:?}");
        assert!(r.json()["errors"]["name"].is_array(), "{bad:?}: {}", r.text());
    }
}

#[actix_web::test]
async fn listings_sort_by_name_date_or_size_with_folders_first() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.mkdir(&alice.token, "Music", None).await;
    app.mkdir(&alice.token, "docs", None).await;
    // Upload order, names and sizes all disagree, so each sort has its own answer.
    app.upload(&alice.token, "banana.txt", b"bbb").await;
    app.upload(&alice.token, "Cherry.txt", b"c").await;
    app.upload(&alice.token, "apple.txt", b"aa").await;

    let by_name = ["docs", "Music", "apple.txt", "banana.txt", "Cherry.txt"];
    assert_eq!(
        app.list_names(&alice.token, "").await,
        by_name,
        "by name, ignoring case, by default"
    );
    assert_eq!(app.list_names(&alice.token, "?sort=name").await, by_name);
    assert_eq!(
        app.list_names(&alice.token, "?sort=name&order=desc").await,
        ["Music", "docs", "Cherry.txt", "banana.txt", "apple.txt"]
    );
    assert_eq!(
        app.list_names(&alice.token, "?sort=date").await,
        ["Music", "docs", "banana.txt", "Cherry.txt", "apple.txt"]
    );
    assert_eq!(
        app.list_names(&alice.token, "?sort=date&order=desc").await,
        ["docs", "Music", "apple.txt", "Cherry.txt", "banana.txt"]
    );
    // Both folders have size 0, so only their place (first) is fixed.
    let by_size = app.list_names(&alice.token, "?sort=size").await;
    assert_eq!(by_size[2..], ["Cherry.txt", "apple.txt", "banana.txt"]);
    let by_size_desc = app.list_names(&alice.token, "?sort=size&order=desc").await;
    assert_eq!(by_size_desc[2..], ["banana.txt", "apple.txt", "Cherry.txt"]);
    for folders in [&by_size[..2], &by_size_desc[..2]] {
        assert!(folders.contains(&"Music".to_owned()) && folders.contains(&"docs".to_owned()));
    }

    for (query, field) in [("?sort=colour", "sort"), ("?sort=name&order=sideways", "order")] {
        let r = app.get_bearer(&format!("/api/v1/files{query}"), &alice.token).await;
        assert_eq!(r.status, 400, "{query}");
        assert_eq!(r.code(), "validation_failed");
        assert!(r.json()["errors"][field].is_array(), "{query}: {}", r.text());
    }
}

// ---------------------------------------------------------------------------------------------
// Rename, move, delete

#[actix_web::test]
async fn files_and_folders_can_be_renamed_and_moved_within_the_rules() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let a = app.mkdir(&alice.token, "A", None).await;
    let b = app.mkdir(&alice.token, "B", Some(&a)).await;
    let x = id_of(&app.upload(&alice.token, "x.txt", b"x").await);
    let y = id_of(&app.upload(&alice.token, "y.txt", b"y").await);

    let r = app.send(patch_req(&alice.token, &x, json!({ "name": "renamed.txt" }))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["name"], "renamed.txt");
    assert_eq!(r.json()["folder"], Value::Null, "a rename does not move");

    for (body, field) in [
        (json!({ "name": "y.txt" }), "name"),
        (json!({ "name": "a/b" }), "name"),
        (json!({ "name": "" }), "name"),
        (json!({ "folder": y }), "folder"),
    ] {
        let r = app.send(patch_req(&alice.token, &x, body.clone())).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.code(), "validation_failed");
        assert!(r.json()["errors"][field].is_array(), "{body}: {}", r.text());
    }

    let r = app.send(patch_req(&alice.token, &x, json!({ "folder": b }))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["folder"], b.as_str());
    assert_eq!(r.json()["name"], "renamed.txt", "a move does not rename");
    assert_eq!(app.list_names(&alice.token, &format!("?folder={b}")).await, ["renamed.txt"]);

    let r = app.send(patch_req(&alice.token, &x, json!({ "folder": null }))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["folder"], Value::Null, "null moves to the root");
    assert_eq!(app.list_names(&alice.token, "").await, ["A", "renamed.txt", "y.txt"]);

    let r = app.send(patch_req(&alice.token, &x, json!({ "name": "z.txt", "folder": a }))).await;
    assert_eq!(r.status, 200);
    let moved = r.json();
    assert_eq!(moved["name"], "z.txt");
    assert_eq!(moved["folder"], a.as_str());

    // Moving onto a taken name is refused, and nothing moves.
    let r = app
        .send(post_form(
            &format!("/api/v1/files?folder={a}"),
            &alice.token,
            Form::new().file("y.txt", b"another y"),
        ))
        .await;
    assert_eq!(r.status, 201);
    let r = app.send(patch_req(&alice.token, &y, json!({ "folder": a }))).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["name"].is_array(), "{}", r.text());
    assert_eq!(app.list_names(&alice.token, "").await, ["A", "y.txt"]);

    // A folder cannot go into itself or below itself.
    for target in [&a, &b] {
        let r = app.send(patch_req(&alice.token, &a, json!({ "folder": target }))).await;
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(r.json()["errors"]["folder"].is_array(), "{}", r.text());
    }
    // But a subfolder can come up to the root, and the content is still reachable.
    let r = app.send(patch_req(&alice.token, &b, json!({ "folder": null }))).await;
    assert_eq!(r.status, 200);
    assert_eq!(app.list_names(&alice.token, "").await, ["A", "B", "y.txt"]);
}

#[actix_web::test]
async fn deleting_a_folder_removes_the_tree_below_it_and_gives_the_space_back() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    // Every file inside shares its bytes with one outside, so no blob is released here
    // (the next test covers the case where one is).
    let one = pseudo_random(10 * KIB, 42);
    let two = pseudo_random(20 * KIB, 43);
    app.upload(&alice.token, "one.bin", &one).await;
    app.upload(&alice.token, "two.bin", &two).await;
    let a = app.mkdir(&alice.token, "A", None).await;
    let b = app.mkdir(&alice.token, "B", Some(&a)).await;
    let c = app.mkdir(&alice.token, "C", Some(&b)).await;
    let mut inside = vec![a.clone(), b.clone(), c.clone()];
    for (folder, bytes) in [(&a, &one), (&b, &two), (&c, &one)] {
        let r = app
            .send(post_form(
                &format!("/api/v1/files?folder={folder}"),
                &alice.token,
                Form::new().file("copy.bin", bytes),
            ))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        inside.push(id_of(&r.json()["items"][0]));
    }
    assert_eq!(app.storage_used(&alice.token).await, (3 * 10 * KIB + 2 * 20 * KIB) as i64);

    delete_for_good(&app, &alice.token, &a).await;
    for id in &inside {
        let r = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await;
        assert_eq!(r.status, 404, "{id} is gone");
    }
    assert_eq!(app.list_names(&alice.token, "").await, ["one.bin", "two.bin"]);
    assert_eq!(app.storage_used(&alice.token).await, (10 * KIB + 20 * KIB) as i64);
    assert_eq!(app.stored(), Stored { file_rows: 2, blob_rows: 2, blob_files: 2, tmp_entries: 0 });
}

#[actix_web::test]
async fn deleting_a_folder_removes_everything_in_it_and_gives_the_space_back() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let shared = pseudo_random(10 * KIB, 40);
    let only_inside = pseudo_random(20 * KIB, 41);
    let keep = id_of(&app.upload(&alice.token, "kept.bin", &shared).await);
    let a = app.mkdir(&alice.token, "A", None).await;
    let b = app.mkdir(&alice.token, "B", Some(&a)).await;
    let mut inside = vec![a.clone(), b.clone()];
    for (folder, name, bytes) in
        [(&a, "in-a.bin", &only_inside), (&b, "in-b.bin", &shared), (&b, "deep.bin", &only_inside)]
    {
        let r = app
            .send(post_form(
                &format!("/api/v1/files?folder={folder}"),
                &alice.token,
                Form::new().file(name, bytes),
            ))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        inside.push(id_of(&r.json()["items"][0]));
    }
    assert_eq!(app.storage_used(&alice.token).await, (2 * 10 * KIB + 2 * 20 * KIB) as i64);
    assert_eq!(app.stored().blob_files, 2);

    let r = app.send(delete_req(&alice.token, &a)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    // In the trash: invisible, but the bytes are still there and still counted.
    for id in &inside {
        let r = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await;
        assert_eq!(r.status, 404, "{id} is in the trash");
    }
    assert_eq!(app.list_names(&alice.token, "").await, ["kept.bin"]);
    assert_eq!(app.storage_used(&alice.token).await, (2 * 10 * KIB + 2 * 20 * KIB) as i64);
    assert_eq!(app.stored().blob_files, 2);
    let r = app.send(purge_req(&alice.token, &a)).await;
    assert_eq!(r.status, 204, "{}", r.text());

    for id in &inside {
        let r = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await;
        assert_eq!(r.status, 404, "{id} is gone");
    }
    assert_eq!(app.list_names(&alice.token, "").await, ["kept.bin"]);
    assert_eq!(app.storage_used(&alice.token).await, (10 * KIB) as i64);
    assert!(!app.blob_path(&only_inside).exists(), "no file uses these bytes any more");
    assert!(app.blob_path(&shared).exists(), "kept.bin still uses these");
    assert_eq!(app.stored(), Stored { file_rows: 1, blob_rows: 1, blob_files: 1, tmp_entries: 0 });
    assert_eq!(app.send(content_req(&alice.token, &keep)).await.body, shared);

    let r = app.send(delete_req(&alice.token, &a)).await;
    assert_eq!(r.status, 404, "deleting twice");
}

// ---------------------------------------------------------------------------------------------
// Ownership

#[actix_web::test]
async fn another_users_file_answers_404_on_every_route_like_a_missing_one() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let bobs_file = id_of(&app.upload(&bob.token, "bob.txt", b"bob's secret").await);
    let bobs_folder = app.mkdir(&bob.token, "bob's folder", None).await;
    let alices_file = id_of(&app.upload(&alice.token, "alice.txt", b"alice's").await);
    let missing = uuid::Uuid::new_v4().to_string();

    type Probe = Box<dyn Fn(&str) -> TestRequest>;
    fn probe(f: impl Fn(&str) -> TestRequest + 'static) -> Probe {
        Box::new(f)
    }
    let t = || alice.token.clone();
    let mine = alices_file.clone();
    let probes: Vec<(&str, &str, Probe)> = vec![
        ("GET /files/{id}", bobs_file.as_str(), {
            let t = t();
            probe(move |id| bearer(TestRequest::get().uri(&format!("/api/v1/files/{id}")), &t))
        }),
        ("PATCH /files/{id}", bobs_file.as_str(), {
            let t = t();
            probe(move |id| patch_req(&t, id, json!({ "name": "mine.txt" })))
        }),
        ("DELETE /files/{id}", bobs_file.as_str(), {
            let t = t();
            probe(move |id| delete_req(&t, id))
        }),
        ("GET /files/{id}/content", bobs_file.as_str(), {
            let t = t();
            probe(move |id| content_req(&t, id))
        }),
        ("GET /files?folder=", bobs_folder.as_str(), {
            let t = t();
            probe(move |id| {
                bearer(TestRequest::get().uri(&format!("/api/v1/files?folder={id}")), &t)
            })
        }),
        ("POST /files?folder=", bobs_folder.as_str(), {
            let t = t();
            probe(move |id| {
                let uri = format!("/api/v1/files?folder={id}");
                post_form(&uri, &t, Form::new().file("in.txt", b"in"))
            })
        }),
        ("POST /files with a folder field", bobs_folder.as_str(), {
            let t = t();
            probe(move |id| {
                let form = Form::new().field("folder", id).file("in.txt", b"in");
                post_form("/api/v1/files", &t, form)
            })
        }),
        ("POST /folders", bobs_folder.as_str(), {
            let t = t();
            probe(move |id| folder_req(&t, json!({ "name": "in", "folder": id })))
        }),
        ("PATCH moving into the folder", bobs_folder.as_str(), {
            let t = t();
            probe(move |id| patch_req(&t, &mine, json!({ "folder": id })))
        }),
    ];
    for (route, bobs, probe) in &probes {
        let theirs = app.send(probe(bobs)).await;
        let nothing = app.send(probe(&missing)).await;
        assert_eq!(theirs.status, 404, "{route}: {}", theirs.text());
        assert_eq!(theirs.code(), "not_found", "{route}");
        assert_eq!(nothing.status, 404, "{route}");
        assert_eq!(theirs.body, nothing.body, "{route}: the answer must not tell them apart");
    }

    // Bob's things are untouched, and Alice gained nothing.
    let r = app.send(content_req(&bob.token, &bobs_file)).await;
    assert_eq!(r.body, b"bob's secret".as_slice());
    assert_eq!(app.list_names(&bob.token, "").await, ["bob's folder", "bob.txt"]);
    assert_eq!(
        app.listing(&bob.token, &format!("?folder={bobs_folder}")).await["items"],
        json!([])
    );
    assert_eq!(app.list_names(&alice.token, "").await, ["alice.txt"]);
    assert_eq!(app.storage_used(&alice.token).await, 7);
    assert_eq!(app.stored().tmp_entries, 0);
}

// ---------------------------------------------------------------------------------------------
// Malformed requests

#[actix_web::test]
async fn malformed_uploads_answer_400_and_the_server_keeps_working() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let before = app.stored();
    let to_files = || bearer(TestRequest::post().uri("/api/v1/files"), &alice.token);
    let a_file = || Form::new().file("a.txt", &pseudo_random(100 * KIB, 50));

    let cases: Vec<(&str, TestRequest, &str)> = vec![
        ("JSON instead of multipart", to_files().set_json(json!({ "file": "a.txt" })), "multipart"),
        ("no Content-Type", to_files().set_payload(a_file().finish()), "multipart"),
        (
            "no boundary",
            to_files()
                .insert_header(("content-type", "multipart/form-data"))
                .set_payload(a_file().finish()),
            "multipart",
        ),
        (
            "another boundary than the body's",
            to_files()
                .insert_header(("content-type", "multipart/form-data; boundary=not-this-one"))
                .set_payload(a_file().finish()),
            "multipart",
        ),
        (
            "a body cut off in the middle of the file",
            post_body("/api/v1/files", &alice.token, {
                let mut body = a_file().unfinished();
                body.truncate(body.len() - 30 * KIB);
                body
            }),
            "interrupted or malformed",
        ),
        ("an empty body", post_body("/api/v1/files", &alice.token, Vec::new()), "multipart"),
        (
            "no file part",
            post_form("/api/v1/files", &alice.token, Form::new().field("comment", "hi")),
            "no `file` part",
        ),
        (
            "a file part without a file name",
            post_form(
                "/api/v1/files",
                &alice.token,
                Form::new().part("name=\"file\"", Some("text/plain"), b"anonymous"),
            ),
            "file name",
        ),
        (
            "a part without a name",
            post_form(
                "/api/v1/files",
                &alice.token,
                Form::new().part("filename=\"a.txt\"", Some("text/plain"), b"nameless"),
            ),
            "multipart",
        ),
    ];
    for (case, req, says) in cases {
        let r = app.send(req).await;
        assert_eq!(r.status, 400, "{case}: {}", r.text());
        assert_eq!(r.code(), "bad_request", "{case}");
        assert!(detail(&r).contains(says), "{case}: {}", detail(&r));
        assert_eq!(app.stored(), before, "{case}: nothing stored, tmp/ empty");
    }

    let item = app.upload(&alice.token, "fine.txt", b"still works").await;
    assert_eq!(
        app.send(content_req(&alice.token, &id_of(&item))).await.body,
        b"still works".as_slice()
    );
    assert_eq!(app.stored().tmp_entries, 0);
}

// ---------------------------------------------------------------------------------------------
// Who may do what

#[actix_web::test]
async fn a_read_only_token_can_list_and_download_but_not_change_anything() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let file = id_of(&app.upload(&alice.token, "doc.txt", b"document").await);
    let folder = app.mkdir(&alice.token, "Folder", None).await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "alice", "password": PASSWORD, "scope": "files:read" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let reader = r.json()["token"].as_str().expect("token").to_owned();

    assert_eq!(app.list_names(&reader, "").await, ["Folder", "doc.txt"]);
    assert_eq!(app.listing(&reader, &format!("?folder={folder}")).await["items"], json!([]));
    assert_eq!(app.get_bearer(&format!("/api/v1/files/{file}"), &reader).await.status, 200);
    let r = app.send(content_req(&reader, &file)).await;
    assert_eq!((r.status.as_u16(), r.body.as_ref()), (200, b"document".as_slice()));

    for (what, req) in [
        ("upload", upload_req(&reader, "new.txt", b"new")),
        ("rename", patch_req(&reader, &file, json!({ "name": "renamed.txt" }))),
        ("delete", delete_req(&reader, &file)),
        ("new folder", folder_req(&reader, json!({ "name": "New" }))),
    ] {
        let r = app.send(req).await;
        assert_eq!(r.status, 403, "{what}: {}", r.text());
        assert_eq!(r.code(), "scope_insufficient", "{what}");
    }
    assert_eq!(app.list_names(&alice.token, "").await, ["Folder", "doc.txt"]);
    assert_eq!(app.stored().tmp_entries, 0);
}

#[actix_web::test]
async fn a_cookie_upload_needs_the_csrf_header() {
    let app = spawn_app().await;
    app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let cookie_upload = || {
        TestRequest::post()
            .uri("/api/v1/files")
            .cookie(session_cookie(&session))
            .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
            .set_payload(Form::new().file("from-browser.txt", b"hello").finish())
    };

    for (case, req) in [
        ("no header", cookie_upload()),
        ("a forged header", cookie_upload().insert_header(("X-CSRF-Token", "forged"))),
    ] {
        let r = app.send(req).await;
        assert_eq!(r.status, 403, "{case}: {}", r.text());
        assert_eq!(r.code(), "csrf_failed", "{case}");
    }
    let listed =
        app.send(TestRequest::get().uri("/api/v1/files").cookie(session_cookie(&session))).await;
    assert_eq!(listed.status, 200, "reading needs no CSRF token");
    assert_eq!(listed.json()["items"], json!([]), "nothing was stored");
    assert_eq!(app.stored().tmp_entries, 0);

    let csrf = app.page_csrf("/account", &session).await;
    let r = app.send(cookie_upload().insert_header(("X-CSRF-Token", csrf))).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

#[actix_web::test]
async fn a_part_named_only_with_filename_star_is_accepted() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let form = Form::new().part(
        "name=\"file\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt",
        Some("text/plain"),
        b"cv",
    );
    let r = app.send(post_form("/api/v1/files", &alice.token, form)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["items"][0]["name"], "résumé.txt");
}

#[actix_web::test]
async fn a_bad_folder_or_name_is_refused_before_the_body_is_stored() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let bobs = app.mkdir(&bob.token, "bob's", None).await;
    let big = pseudo_random(2 << 20, 7);
    let r = app
        .send(post_form(
            &format!("/api/v1/files?folder={bobs}"),
            &alice.token,
            Form::new().file("x.bin", &big),
        ))
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .send(post_form("/api/v1/files", &alice.token, Form::new().file("a\u{202E}gpj.exe", &big)))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(app.stored(), Stored { file_rows: 1, blob_rows: 0, blob_files: 0, tmp_entries: 0 });
    assert_eq!(app.storage_used(&alice.token).await, 0);
}
