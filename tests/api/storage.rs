//! The storage conformance suite: each behaviour of `Storage` is one function, run against
//! `LocalStorage` and against `S3Storage` on a real S3 protocol server (moto, started by
//! `tests/s3-server.sh`, named by `HOMEDISK_TEST_S3_ENDPOINT`; every S3 test makes its own
//! bucket). Without an endpoint the S3 half is skipped with a line saying so, unless
//! `HOMEDISK_TEST_S3=required` (CI), which makes it fail. No test sets an `AWS_*` variable:
//! tests run in parallel, so S3 settings are passed explicitly.

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use homedisk::storage::{LocalStorage, S3Config, S3Storage, Storage};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// The S3 server and its buckets

/// The moto endpoint, or `None` (after saying the S3 tests are skipped).
pub fn s3_endpoint() -> Option<String> {
    if let Some(endpoint) =
        std::env::var("HOMEDISK_TEST_S3_ENDPOINT").ok().filter(|e| !e.is_empty())
    {
        return Some(endpoint.trim_end_matches('/').to_owned());
    }
    assert_ne!(
        std::env::var("HOMEDISK_TEST_S3").as_deref(),
        Ok("required"),
        "HOMEDISK_TEST_S3=required but HOMEDISK_TEST_S3_ENDPOINT is not set (start tests/s3-server.sh)"
    );
    eprintln!(
        "skipped: the S3 half of this test (set HOMEDISK_TEST_S3_ENDPOINT, see tests/s3-server.sh)"
    );
    None
}

/// One raw HTTP/1.1 request without a body to `endpoint` (moto takes unsigned requests);
/// returns the status line and headers.
pub fn raw_http(endpoint: &str, method: &str, path: &str) -> String {
    let host = endpoint.trim_start_matches("http://");
    let mut conn = TcpStream::connect(host).expect("connect to the S3 server");
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("read the answer");
    answer
}

/// A new, empty bucket (object_store cannot create buckets; moto takes a plain PUT).
pub fn new_bucket(endpoint: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("hd-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let answer = raw_http(endpoint, "PUT", &format!("/{name}"));
    assert!(answer.starts_with("HTTP/1.1 200"), "creating bucket {name}: {answer}");
    name
}

/// Settings for `bucket` on moto (any key pair works there).
pub fn s3_config(endpoint: &str, bucket: &str) -> S3Config {
    S3Config {
        endpoint: Some(endpoint.to_owned()),
        region: Some("us-east-1".to_owned()),
        access_key_id: Some("testing".to_owned()),
        secret_access_key: Some("testing".to_owned().into()),
        allow_http: true,
        // The smallest part S3 accepts, so a 12 MiB file goes in three parts.
        part_size: 5 << 20,
        ..S3Config::new(bucket, "homedisk/test")
    }
}

/// The `AWS_*` and storage overrides that point a test app at `bucket` on `endpoint`.
pub fn s3_overrides(endpoint: &str, bucket: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HOMEDISK_STORAGE_URL", format!("s3://{bucket}/app")),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("AWS_ALLOW_HTTP", "true".to_owned()),
    ]
}

/// An endpoint where nothing listens (a port just bound and released).
pub fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// ---------------------------------------------------------------------------------------------
// Running a behaviour on every store

struct Store {
    name: &'static str,
    storage: Box<dyn Storage>,
    _dir: TempDir,
}

fn stores(part_size: usize) -> Vec<Store> {
    let local_dir = TempDir::new().expect("temp dir");
    let local = LocalStorage::open(local_dir.path()).expect("local store");
    let mut out = vec![Store { name: "local", storage: Box::new(local), _dir: local_dir }];
    if let Some(endpoint) = s3_endpoint() {
        let dir = TempDir::new().expect("temp dir");
        let config = S3Config { part_size, ..s3_config(&endpoint, &new_bucket(&endpoint)) };
        let s3 = S3Storage::new(&config, dir.path()).expect("S3 store");
        out.push(Store { name: "s3", storage: Box::new(s3), _dir: dir });
    }
    out
}

/// Runs `behaviour` on each store, naming the store in any failure.
fn on_every_store(behaviour: fn(&str, &dyn Storage)) {
    for store in stores(5 << 20) {
        behaviour(store.name, store.storage.as_ref());
        let tmp = store._dir.path().join("tmp");
        let left = std::fs::read_dir(&tmp).expect("tmp/").count();
        assert_eq!(left, 0, "{}: temp files left behind", store.name);
    }
}

/// Deterministic bytes that look random (xorshift64).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
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

fn key_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores `bytes` the way an upload does (a temp file, then `put`); returns the key.
fn store(s: &dyn Storage, bytes: &[u8]) -> String {
    let key = key_of(bytes);
    let mut tmp = s.temp().expect("temp");
    tmp.write_all(bytes).expect("write");
    tmp.as_file().sync_all().expect("sync");
    s.put(tmp, &key).expect("put");
    key
}

fn read_all(s: &dyn Storage, key: &str) -> Vec<u8> {
    let mut blob = s.open(key).expect("open");
    let mut out = Vec::new();
    blob.read_to_end(&mut out).expect("read");
    assert_eq!(blob.len, out.len() as u64, "len says what read gives");
    out
}

// ---------------------------------------------------------------------------------------------
// The behaviours

fn put_then_read_whole(name: &str, s: &dyn Storage) {
    let bytes = noise(300_000, 1);
    let key = store(s, &bytes);
    assert!(read_all(s, &key) == bytes, "{name}: the bytes read back differ");
    let empty = store(s, b"");
    assert_eq!(read_all(s, &empty), b"", "{name}: an empty blob");
}

fn seek_then_read_reads_from_there(name: &str, s: &dyn Storage) {
    let bytes = noise(300_000, 2);
    let key = store(s, &bytes);
    let mut blob = s.open(&key).expect("open");
    let mut part = vec![0; 5000];
    assert_eq!(blob.seek(SeekFrom::Start(1000)).expect("seek"), 1000);
    blob.read_exact(&mut part).expect("read");
    assert!(part == bytes[1000..6000], "{name}: from 1000");
    // Back, then forward again.
    blob.seek(SeekFrom::Current(-5500)).expect("seek back");
    blob.read_exact(&mut part[..100]).expect("read");
    assert!(part[..100] == bytes[500..600], "{name}: from 500");
    let mut tail = Vec::new();
    assert_eq!(blob.seek(SeekFrom::End(-10)).expect("seek"), 299_990);
    blob.read_to_end(&mut tail).expect("read");
    assert!(tail == bytes[299_990..], "{name}: the last ten");
    assert!(blob.seek(SeekFrom::Current(-300_001)).is_err(), "{name}: before the start");
}

fn a_missing_key_is_not_found(name: &str, s: &dyn Storage) {
    let key = key_of(b"never stored");
    let err = s.open(&key).err().expect("open of a missing blob");
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{name}: {err}");
    let err = s.spool(&key, 1 << 20).err().expect("spool of a missing blob");
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{name}: {err}");
}

fn putting_twice_is_a_no_op(name: &str, s: &dyn Storage) {
    let bytes = noise(10_000, 3);
    let key = store(s, &bytes);
    let key_again = store(s, &bytes);
    assert_eq!(key, key_again);
    let listed = s.list().expect("list").into_iter().filter(|b| b.key == key).count();
    assert_eq!(listed, 1, "{name}: one blob");
    assert!(read_all(s, &key) == bytes, "{name}: the same bytes");
}

fn deleting_is_idempotent(name: &str, s: &dyn Storage) {
    s.delete(&key_of(b"never stored")).expect("deleting a missing blob is fine");
    let key = store(s, b"short-lived");
    s.delete(&key).expect("delete");
    s.delete(&key).expect("delete again");
    let err = s.open(&key).err().expect("deleted");
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{name}: {err}");
    assert!(s.list().expect("list").iter().all(|b| b.key != key), "{name}: still listed");
}

fn list_shows_every_blob_with_its_time(name: &str, s: &dyn Storage) {
    let (a, b) = (store(s, b"first blob"), store(s, b"second blob"));
    let listed = s.list().expect("list");
    let now = SystemTime::now();
    for key in [&a, &b] {
        let blob = listed.iter().find(|x| &x.key == key).unwrap_or_else(|| panic!("{name}: {key}"));
        let age = now.duration_since(blob.modified).unwrap_or_else(|e| e.duration());
        assert!(age < Duration::from_secs(120), "{name}: stored {age:?} from now");
    }
    assert_eq!(listed.len(), 2, "{name}: only what was stored");
}

fn a_large_file_goes_whole(name: &str, s: &dyn Storage) {
    // Above the 5 MiB part size: three parts on S3.
    let bytes = noise(12 << 20, 4);
    let key = store(s, &bytes);
    assert_eq!(key_of(&read_all(s, &key)), key, "{name}: the SHA-256 of the bytes read back");
}

fn spool_refuses_more_than_asked(name: &str, s: &dyn Storage) {
    let bytes = noise(1000, 5);
    let key = store(s, &bytes);
    let err = s.spool(&key, 999).err().expect("over the limit");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{name}: {err}");
    let mut spooled = s.spool(&key, 1000).expect("at the limit");
    assert_eq!(spooled.len, 1000);
    spooled.seek(SeekFrom::Start(600)).expect("seek");
    let mut rest = Vec::new();
    spooled.read_to_end(&mut rest).expect("read");
    assert!(rest == bytes[600..], "{name}: spooled bytes");
}

fn keys_must_be_hashes(name: &str, s: &dyn Storage) {
    for bad in ["../../etc/passwd", "", &"A".repeat(64), &"g".repeat(64)] {
        let err = s.open(bad).err().expect("a bad key");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{name}: {bad:?}");
        assert!(s.delete(bad).is_err(), "{name}: delete {bad:?}");
        assert!(s.put(s.temp().expect("temp"), bad).is_err(), "{name}: put {bad:?}");
    }
}

#[test]
fn put_then_read_whole_on_every_store() {
    on_every_store(put_then_read_whole);
}

#[test]
fn seek_then_read_on_every_store() {
    on_every_store(seek_then_read_reads_from_there);
}

#[test]
fn a_missing_key_is_not_found_on_every_store() {
    on_every_store(a_missing_key_is_not_found);
}

#[test]
fn putting_twice_is_a_no_op_on_every_store() {
    on_every_store(putting_twice_is_a_no_op);
}

#[test]
fn deleting_is_idempotent_on_every_store() {
    on_every_store(deleting_is_idempotent);
}

#[test]
fn list_shows_every_blob_on_every_store() {
    on_every_store(list_shows_every_blob_with_its_time);
}

#[test]
fn a_large_file_goes_whole_on_every_store() {
    on_every_store(a_large_file_goes_whole);
}

#[test]
fn spool_refuses_more_than_asked_on_every_store() {
    on_every_store(spool_refuses_more_than_asked);
}

#[test]
fn keys_must_be_hashes_on_every_store() {
    on_every_store(keys_must_be_hashes);
}
