//! What only `S3Storage` does: multipart uploads, calls from the blocking pool, an unreachable
//! or failing store (503 `storage_unavailable`, never 500), and the whole app on S3: upload,
//! download with Range, preview, and a store that is down committing nothing.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use homedisk::storage::{S3Config, S3Storage, Storage, to_app_error};
use image::codecs::jpeg::JpegEncoder;
use image::{GenericImageView, RgbImage};
use tempfile::TempDir;

use crate::files::{FilesApi, id_of, upload_req};
use crate::helpers::spawn_with;
use crate::storage::{
    closed_endpoint, new_bucket, noise, raw_http, s3_config, s3_endpoint, s3_overrides,
};

fn key_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn put(s: &dyn Storage, bytes: &[u8]) -> std::io::Result<String> {
    let key = key_of(bytes);
    let mut tmp = s.temp()?;
    tmp.write_all(bytes)?;
    s.put(tmp, &key).map(|()| key)
}

#[test]
fn a_file_above_the_part_size_is_uploaded_in_parts() {
    let Some(endpoint) = s3_endpoint() else { return };
    let bucket = new_bucket(&endpoint);
    let dir = TempDir::new().expect("temp dir");
    let s3 = S3Storage::new(&s3_config(&endpoint, &bucket), dir.path()).expect("store");
    let bytes = noise(12 << 20, 7);
    let key = put(&s3, &bytes).expect("put");
    // A multipart object's ETag ends in `-<parts>`: 5 + 5 + 2 MiB.
    let path = format!("/{bucket}/homedisk/test/blobs/{}/{}/{key}", &key[0..2], &key[2..4]);
    let head = raw_http(&endpoint, "HEAD", &path).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.lines().any(|l| l.starts_with("etag:") && l.ends_with("-3\"")), "{head}");
}

#[actix_web::test]
async fn calls_from_the_blocking_pool_work_and_the_store_drops_on_an_async_thread() {
    let Some(endpoint) = s3_endpoint() else { return };
    let dir = TempDir::new().expect("temp dir");
    let config = s3_config(&endpoint, &new_bucket(&endpoint));
    let s3: std::sync::Arc<dyn Storage> =
        std::sync::Arc::new(S3Storage::new(&config, dir.path()).expect("store"));
    let store = s3.clone();
    // What the app does: `blocking::run` is tokio's spawn_blocking.
    let read = tokio::task::spawn_blocking(move || {
        let key = put(store.as_ref(), b"from the blocking pool")?;
        let mut back = Vec::new();
        store.open(&key)?.read_to_end(&mut back)?;
        Ok::<_, std::io::Error>(back)
    })
    .await
    .expect("no panic in the blocking pool")
    .expect("storage calls succeed");
    assert_eq!(read, b"from the blocking pool");
    drop(s3); // the last handle, on the test's async thread: must not panic
}

/// Asserts that `result` failed as a 503 `storage_unavailable`.
fn assert_unavailable<T>(what: &str, result: std::io::Result<T>) {
    let err = result.err().unwrap_or_else(|| panic!("{what}: should fail"));
    let (code, status) = to_app_error(err).code_and_status();
    assert_eq!((code, status.as_u16()), ("storage_unavailable", 503), "{what}");
}

#[test]
fn an_unreachable_store_answers_503_within_seconds() {
    let dir = TempDir::new().expect("temp dir");
    let s3 = S3Storage::new(&s3_config(&closed_endpoint(), "nowhere"), dir.path()).expect("store");
    let started = Instant::now();
    assert_unavailable("put", put(&s3, b"no one listens"));
    assert_unavailable("open", s3.open(&key_of(b"x")).map(|b| b.len));
    assert_unavailable("list", s3.list());
    assert_unavailable("delete", s3.delete(&key_of(b"x")));
    let took = started.elapsed();
    eprintln!("four calls to a closed port failed in {took:?}");
    assert!(took < Duration::from_secs(60), "{took:?}");
}

/// A server answering every request with `status` (and no body), for the error mapping.
fn answering(status: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut head = [0u8; 4096];
            let _ = conn.read(&mut head);
            let _ =
                write!(conn, "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    endpoint
}

#[test]
fn a_store_answering_5xx_is_unavailable_and_a_4xx_is_an_internal_error() {
    let dir = TempDir::new().expect("temp dir");
    let config = |endpoint: &str| S3Config { max_retries: 1, ..s3_config(endpoint, "bucket") };
    let failing = S3Storage::new(&config(&answering("503 Slow Down")), dir.path()).expect("store");
    assert_unavailable("open on a 503", failing.open(&key_of(b"x")).map(|b| b.len));
    let refusing =
        S3Storage::new(&config(&answering("400 Bad Request")), dir.path()).expect("store");
    let err = refusing.open(&key_of(b"x")).err().expect("a 400 fails");
    assert_eq!(to_app_error(err).code_and_status().0, "internal");
}

#[test]
fn a_store_that_accepts_but_never_answers_is_unavailable_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    // Accepts connections (the kernel does, from the backlog) and never answers.
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().flatten().collect();
        drop(held);
    });
    let config = S3Config {
        request_timeout: Duration::from_millis(500),
        retry_timeout: Duration::from_millis(100),
        ..s3_config(&endpoint, "bucket")
    };
    let dir = TempDir::new().expect("temp dir");
    let s3 = S3Storage::new(&config, dir.path()).expect("store");
    let started = Instant::now();
    assert_unavailable("open", s3.open(&key_of(b"x")).map(|b| b.len));
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).expect("encode JPEG");
    out
}

#[actix_web::test]
async fn the_app_stores_serves_ranges_and_previews_from_s3() {
    let Some(endpoint) = s3_endpoint() else { return };
    let bucket = new_bucket(&endpoint);
    let overrides = s3_overrides(&endpoint, &bucket);
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_with(&overrides).await;
    let said = format!("file contents are stored in S3 store=s3://{bucket}/app at {endpoint}");
    assert!(app.log.text().contains(&said), "start-up names the store: {}", app.log.text());
    let alice = app.register("alice").await;

    let bytes = noise(700_000, 8);
    let id = id_of(&app.upload(&alice.token, "noise.bin", &bytes).await);
    let whole = app.get_bearer(&format!("/api/v1/files/{id}/content"), &alice.token).await;
    assert_eq!(whole.status, 200);
    assert!(whole.body == bytes, "the download is byte-exact");
    let range = app
        .send(
            actix_web::test::TestRequest::get()
                .uri(&format!("/api/v1/files/{id}/content"))
                .insert_header(("Authorization", format!("Bearer {}", alice.token)))
                .insert_header(("Range", "bytes=123456-654320")),
        )
        .await;
    assert_eq!(range.status, 206, "{}", range.text());
    assert_eq!(range.header("content-range"), Some("bytes 123456-654320/700000"));
    assert!(range.body == bytes[123_456..=654_320], "the range is byte-exact");

    let photo = id_of(&app.upload(&alice.token, "photo.jpg", &jpeg(640, 480)).await);
    let uri = format!("/preview/{photo}?size=sm&token={}", alice.token);
    let preview = app.send(actix_web::test::TestRequest::get().uri(&uri)).await;
    assert_eq!(preview.status, 200, "{}", preview.text());
    assert_eq!(preview.header("content-type"), Some("image/jpeg"));
    let thumb = image::load_from_memory(&preview.body).expect("a JPEG thumbnail");
    assert_eq!(thumb.dimensions(), (256, 192));

    let local_blobs = app.state.config.data_dir.join("blobs");
    let local = std::fs::read_dir(&local_blobs).map(|d| d.count()).unwrap_or(0);
    assert_eq!(local, 0, "no blob in the local data directory");
}

#[actix_web::test]
async fn with_the_store_down_an_upload_answers_503_and_commits_nothing() {
    let mut overrides = s3_overrides(&closed_endpoint(), "homedisk");
    overrides.push(("AWS_SECRET_ACCESS_KEY", "s3cr3t-never-logged".to_owned()));
    overrides.retain(|(k, v)| *k != "AWS_SECRET_ACCESS_KEY" || v != "testing");
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_with(&overrides).await;
    let alice = app.register("alice").await;
    let r = app.send(upload_req(&alice.token, "lost.txt", b"nowhere to go")).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.code(), "storage_unavailable");
    assert_eq!(r.header("retry-after"), Some("5"));
    assert_eq!(app.list_names(&alice.token, "").await, Vec::<String>::new());
    let mut conn = app.conn();
    let file_rows: i64 =
        homedisk::db::schema::files::table.count().get_result(&mut *conn).expect("count files");
    let blob_rows = homedisk::db::models::blobs::count(&mut conn).expect("count blobs");
    let tmp = std::fs::read_dir(app.state.config.data_dir.join("tmp")).expect("tmp/").count();
    assert_eq!((file_rows, blob_rows, tmp), (0, 0, 0), "nothing half-committed or left");
    assert_eq!(app.storage_used(&alice.token).await, 0, "no quota kept");
    assert!(app.log.text().contains("the blob store cannot be reached"), "the cause is logged");
    assert!(!app.log.text().contains("s3cr3t-never-logged"), "no secret in the log");
}

#[actix_web::test]
async fn start_up_recovery_removes_s3_orphans_and_survives_a_store_that_is_down() {
    let Some(endpoint) = s3_endpoint() else { return };
    let overrides = s3_overrides(&endpoint, &new_bucket(&endpoint));
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_with(&overrides).await;
    // Bytes stored by an upload whose row never committed (a crash between the two).
    let state = app.state.clone();
    let orphan = tokio::task::spawn_blocking(move || {
        let key = put(state.storage.as_ref(), b"an orphan")?;
        homedisk::startup::recover(&state).map_err(std::io::Error::other)?;
        Ok::<_, std::io::Error>((key.clone(), state.storage.open(&key).err().map(|e| e.kind())))
    })
    .await
    .expect("no panic");
    let (_, after) = orphan.expect("recovery runs");
    if crate::database::on_postgres() {
        // Other nodes may be mid-upload: a starting node leaves orphans to the daily job.
        assert_eq!(after, None, "a node starting on PostgreSQL touches no stored bytes");
    } else {
        assert_eq!(after, Some(std::io::ErrorKind::NotFound), "the orphan is gone");
    }

    let overrides = s3_overrides(&closed_endpoint(), "homedisk");
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let down = spawn_with(&overrides).await;
    let state = down.state.clone();
    let recovered = tokio::task::spawn_blocking(move || homedisk::startup::recover(&state))
        .await
        .expect("no panic");
    assert!(recovered.is_ok(), "a store that is down does not stop the start: {recovered:?}");
}

/// Not a check: prints how fast a 100 MiB blob goes to and from the S3 server (run with
/// `cargo test --release storage_s3::throughput -- --ignored --nocapture`).
#[test]
#[ignore = "a measurement, not a check"]
fn throughput_of_a_100_mib_blob() {
    let Some(endpoint) = s3_endpoint() else { return };
    let dir = TempDir::new().expect("temp dir");
    let config = S3Config { part_size: 8 << 20, ..s3_config(&endpoint, &new_bucket(&endpoint)) };
    let s3 = S3Storage::new(&config, dir.path()).expect("store");
    let bytes = noise(100 << 20, 9);
    let key = key_of(&bytes);
    let mut tmp = s3.temp().expect("temp");
    tmp.write_all(&bytes).expect("write");
    let started = Instant::now();
    s3.put(tmp, &key).expect("put");
    let put = started.elapsed();
    let started = Instant::now();
    let mut blob = s3.open(&key).expect("open");
    let read = std::io::copy(&mut blob, &mut std::io::sink()).expect("read");
    let get = started.elapsed();
    assert_eq!(read, 100 << 20);
    let rate = |d: Duration| 100.0 / d.as_secs_f64();
    eprintln!(
        "100 MiB: put {put:?} ({:.0} MiB/s), get {get:?} ({:.0} MiB/s)",
        rate(put),
        rate(get)
    );
}

/// On S3 an upload's bytes go up before its transaction (no database lock held while they
/// travel); when the commit then refuses it (here: the quota), the bytes are taken back.
#[test]
fn bytes_sent_ahead_of_a_refused_commit_are_taken_back() {
    let Some(endpoint) = s3_endpoint() else { return };
    let dir = TempDir::new().expect("tmp");
    let storage =
        S3Storage::new(&s3_config(&endpoint, &new_bucket(&endpoint)), dir.path()).expect("store");
    let url = crate::database::fresh_url();
    let pool = homedisk::db::connect(&crate::database::options(url.as_deref(), dir.path()))
        .expect("database");
    let mut conn = pool.get().expect("conn");
    let owner = homedisk::db::ids::UserId::generate();
    let now = chrono::Utc::now().naive_utc();
    homedisk::db::models::users::insert(
        &mut conn,
        &homedisk::db::models::users::NewUser {
            id: &owner,
            username: "small",
            email: None,
            phone: None,
            password_hash: "x",
            role: "user",
            quota: 10,
            created_at: now,
        },
    )
    .expect("user");
    let bytes = noise(100_000, 3);
    let mut tmp = storage.temp().expect("temp");
    tmp.write_all(&bytes).expect("write");
    let mut received = homedisk::files::upload::Received {
        tmp: tmp.into(),
        size: bytes.len() as u64,
        sha256: key_of(&bytes),
        crc32: crc32fast::hash(&bytes),
        mime: "application/octet-stream".into(),
        sent_ahead: false,
    };
    homedisk::files::upload::send_ahead(&storage, &mut received).expect("sent ahead");
    assert!(received.sent_ahead && storage.open(&key_of(&bytes)).is_ok(), "in the bucket");
    let refused = homedisk::files::upload::commit(
        &mut conn, &storage, &owner, None, "big.bin", received, now,
    );
    assert!(matches!(refused, Err(homedisk::error::AppError::QuotaExceeded(_))), "{refused:?}");
    let gone = storage.open(&key_of(&bytes)).err().map(|e| e.kind());
    assert_eq!(gone, Some(std::io::ErrorKind::NotFound), "no object left behind");
}

/// The database URL another node uses to share `app`'s database.
pub(crate) fn same_database(app: &homedisk::state::AppState) -> String {
    match &app.config.database.url {
        homedisk::db::DatabaseUrl::Postgres(url) => {
            secrecy::ExposeSecret::expose_secret(url).to_owned()
        }
        homedisk::db::DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
    }
}

/// Two nodes on one database and one bucket, each with its own data directory: a thumbnail
/// made by one is fetched from the bucket by the other (no second decode), and deleting the
/// file on either removes the shared thumbnail too.
#[actix_web::test]
async fn a_thumbnail_made_on_one_node_is_shared_with_the_other_through_the_bucket() {
    let Some(endpoint) = s3_endpoint() else { return };
    let bucket = new_bucket(&endpoint);
    let overrides = s3_overrides(&endpoint, &bucket);
    let first_overrides: Vec<(&str, &str)> =
        overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = spawn_with(&first_overrides).await;
    let url = same_database(&first.state);
    let mut second_overrides = first_overrides.clone();
    second_overrides.push(("HOMEDISK_DATABASE_URL", url.as_str()));
    let second = spawn_with(&second_overrides).await;

    let alice = first.register("alice").await;
    let photo = id_of(&first.upload(&alice.token, "photo.jpg", &jpeg(800, 600)).await);
    let uri = format!("/preview/{photo}?size=md&token={}", alice.token);
    let made = first.send(actix_web::test::TestRequest::get().uri(&uri)).await;
    assert_eq!(made.status, 200, "{}", made.text());
    let fetched = second.send(actix_web::test::TestRequest::get().uri(&uri)).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    assert!(fetched.body == made.body, "the same thumbnail bytes");
    assert_eq!(second.state.thumbs.decodes(), 0, "the second node decoded nothing");

    // Deleted, then purged from the trash: the last reference to the bytes goes.
    for uri in [format!("/api/v1/files/{photo}"), format!("/api/v1/trash/{photo}")] {
        let deleted = second
            .send(
                actix_web::test::TestRequest::delete()
                    .uri(&uri)
                    .insert_header(("Authorization", format!("Bearer {}", alice.token))),
            )
            .await;
        assert_eq!(deleted.status, 204, "{uri}");
    }
    let key = key_of(&jpeg(800, 600));
    let storage = second.state.storage.clone();
    let left = tokio::task::spawn_blocking(move || {
        ["sm", "md"].map(|size| storage.get_derived(&format!("{key}-{size}.jpg")).expect("ask"))
    })
    .await
    .expect("no panic");
    assert_eq!(left, [None, None], "no thumbnail of a deleted blob stays in the bucket");
}

/// GET `url` (http://host:port/path?query) with its own Host header, as a browser following
/// a redirect would: (status, head, body).
fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').expect("path"));
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head[9..12].parse().expect("status");
    (status, head, raw[split..].to_vec())
}

/// Off by default; when an operator sets HOMEDISK_S3_PRESIGNED_DOWNLOAD_MIN_BYTES, a download
/// of a file that large answers 302 to a short-lived signed URL of the store, which serves the
/// bytes as an attachment; smaller files and previews stay behind homedisk.
#[actix_web::test]
async fn large_downloads_can_be_redirected_to_a_short_lived_presigned_url() {
    let Some(endpoint) = s3_endpoint() else { return };
    let bucket = new_bucket(&endpoint);
    let mut overrides = s3_overrides(&endpoint, &bucket);
    overrides.push(("HOMEDISK_S3_PRESIGNED_DOWNLOAD_MIN_BYTES", "100KiB".to_owned()));
    overrides.push(("HOMEDISK_S3_PRESIGNED_SECONDS", "120".to_owned()));
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_with(&overrides).await;
    let alice = app.register("alice").await;
    let big = noise(300_000, 5);
    let big_id = id_of(&app.upload(&alice.token, "report final.pdf", &big).await);
    let small_id = id_of(&app.upload(&alice.token, "note.txt", b"small").await);

    let small = app.get_bearer(&format!("/api/v1/files/{small_id}/content"), &alice.token).await;
    assert_eq!((small.status.as_u16(), small.body.as_ref()), (200, b"small".as_ref()));

    let r = app.get_bearer(&format!("/api/v1/files/{big_id}/content"), &alice.token).await;
    assert_eq!(r.status, 302, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    let location = r.header("location").expect("Location").to_owned();
    assert!(location.starts_with(&endpoint), "{location}");
    assert!(location.contains("X-Amz-Expires=120"), "{location}");
    assert!(location.contains("response-content-disposition=attachment"), "{location}");
    assert!(!app.log.text().contains("X-Amz-Signature"), "the signed URL is never logged");
    let (status, head, body) = fetch(&location);
    assert_eq!(status, 200, "{head}");
    assert!(body == big, "the store serves the exact bytes");
    assert!(head.to_ascii_lowercase().contains("content-disposition: attachment"), "{head}");

    // Another user's id is still a 404 before any URL is signed.
    let bob = app.register("bob").await;
    let theirs = app.get_bearer(&format!("/api/v1/files/{big_id}/content"), &bob.token).await;
    assert_eq!(theirs.status, 404);
}
