//! Issue #11 against the real executable: decompression bombs with the server's peak memory
//! read from `/proc`, crashes with SIGKILL, login timing after a bcrypt cost raise, and an
//! oversized upload refused before its body.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::Value;

use crate::server::Server;

/// One request on its own connection to `port`: (status, body); (0, nothing) when the
/// connection fails (the server was killed mid-burst, say).
fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    crate::server::http(port, method, path, headers, body)
        .map(|(status, _, body)| (status, body))
        .unwrap_or((0, Vec::new()))
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

fn register(port: u16, name: &str) -> String {
    let body = format!(r#"{{"username":"{name}","password":"correct horse battery"}}"#);
    let (status, out) = request(
        port,
        "POST",
        "/api/v1/auth/register",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&out));
    json(&out)["token"].as_str().expect("token").to_owned()
}

/// Uploads one file; (status, body).
fn upload(port: u16, token: &str, name: &str, bytes: &[u8]) -> (u16, Vec<u8>) {
    let boundary = "hostile-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let auth = format!("Bearer {token}");
    let ctype = format!("multipart/form-data; boundary={boundary}");
    request(
        port,
        "POST",
        "/api/v1/files",
        &[("Authorization", &auth), ("Content-Type", &ctype)],
        &body,
    )
}

fn upload_id(port: u16, token: &str, name: &str, bytes: &[u8]) -> String {
    let (status, out) = upload(port, token, name, bytes);
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&out));
    json(&out)["items"][0]["id"].as_str().expect("id").to_owned()
}

/// A progressive JPEG declaring 16384×16384 with three components and a single DC-only scan
/// in which every block's difference is 0 (one bit each): 1.5 MB on disk, 1.6 GiB of
/// coefficients for a decoder that allocates them all.
fn progressive_jpeg_bomb() -> Vec<u8> {
    let side: u16 = 16_384;
    let mut j = vec![0xFF, 0xD8];
    // Quantization table 0: all ones.
    j.extend_from_slice(&[0xFF, 0xDB, 0x00, 67, 0x00]);
    j.extend_from_slice(&[1; 64]);
    // SOF2 (progressive), 8 bits, 3 components 1×1 sampled, table 0.
    j.extend_from_slice(&[0xFF, 0xC2, 0x00, 17, 8]);
    j.extend_from_slice(&side.to_be_bytes());
    j.extend_from_slice(&side.to_be_bytes());
    j.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    // DC Huffman table 0: one code of length 1 for category 0.
    j.extend_from_slice(&[0xFF, 0xC4, 0x00, 20, 0x00, 1]);
    j.extend_from_slice(&[0; 15]);
    j.push(0);
    // SOS: all three components, DC only (Ss = Se = 0), first pass.
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 12, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0]);
    let blocks = (usize::from(side) / 8).pow(2) * 3;
    j.extend(std::iter::repeat_n(0u8, blocks / 8));
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

/// A 16384×16384 8-bit grey PNG of zeros, streamed row by row: about 260 KB, 256 MiB decoded
/// and 768 MiB once converted to RGB.
fn grey_png_bomb() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 16_384, 16_384);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut header = encoder.write_header().expect("header");
        let mut writer = header.stream_writer().expect("stream");
        let row = vec![0u8; 16_384];
        for _ in 0..16_384 {
            writer.write_all(&row).expect("row");
        }
        writer.finish().expect("finish");
        header.finish().expect("end");
    }
    out
}

#[test]
fn decompression_bombs_get_a_422_and_the_server_memory_stays_flat() {
    let server = Server::start();
    let token = register(server.port, "alice");
    let baseline = server.peak_rss();
    let auth = format!("Bearer {token}");
    for (name, bytes) in [("bomb.jpg", progressive_jpeg_bomb()), ("bomb.png", grey_png_bomb())] {
        // The upload itself is fine (the bytes are stored as sent); the eager thumbnail is not.
        let id = upload_id(server.port, &token, name, &bytes);
        for size in ["sm", "lg"] {
            let (status, body) = request(
                server.port,
                "GET",
                &format!("/preview/{id}?size={size}"),
                &[("Authorization", &auth)],
                b"",
            );
            assert_eq!(status, 422, "{name} {size}: {}", String::from_utf8_lossy(&body));
            let problem = json(&body);
            assert_eq!(problem["code"], "image_unreadable");
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(detail.contains("16384×16384") && detail.contains("MiB"), "{detail}");
        }
    }
    let peak = server.peak_rss();
    eprintln!("bombs: server peak RSS {} MiB (after start: {} MiB)", peak >> 20, baseline >> 20);
    // The old decoder path peaked at 1.6 GiB (JPEG) and about 1 GiB (PNG).
    assert!(
        peak < baseline + (64 << 20),
        "peak {} MiB, baseline {} MiB",
        peak >> 20,
        baseline >> 20
    );
}

fn blob_rows(server: &Server) -> Vec<String> {
    let pool = server.database();
    let mut conn = pool.get().expect("connection");
    use homedisk::db::schema::blobs;
    let mut rows: Vec<String> = blobs::table.select(blobs::sha256).load(&mut conn).expect("rows");
    rows.sort();
    rows
}

fn blob_files(server: &Server) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(&server.data_dir().join("blobs"), &mut out);
    out.sort();
    out
}

#[test]
fn what_a_crash_leaves_between_blob_and_row_is_removed_at_the_next_start() {
    let server = Server::start();
    let token = register(server.port, "alice");
    let id = upload_id(server.port, &token, "kept.txt", b"a file that was committed");
    let data = server.data_dir();
    // As a kill between the rename into blobs/ and the commit leaves it: bytes, no row.
    let orphan = "0f".repeat(32);
    let dir = data.join("blobs/0f/0f");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join(&orphan), b"bytes nobody owns").expect("orphan");
    // And a thumbnail being written, and a thumbnail of a blob that is gone.
    std::fs::write(data.join("thumbs/.tmpAbC123"), b"half a thumbnail").expect("temp");
    std::fs::write(data.join(format!("thumbs/{orphan}-sm.jpg")), b"stale").expect("thumb");

    let server = server.crash_and_restart(&[]);
    assert_eq!(blob_files(&server), blob_rows(&server), "every blob on disk has its row");
    assert!(!data.join("blobs/0f/0f").join(&orphan).exists());
    let thumbs: Vec<_> =
        std::fs::read_dir(data.join("thumbs")).expect("thumbs").flatten().collect();
    assert!(thumbs.is_empty(), "{thumbs:?}");
    let auth = format!("Bearer {token}");
    let (status, body) = request(
        server.port,
        "GET",
        &format!("/api/v1/files/{id}/content"),
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!((status, body.as_slice()), (200, b"a file that was committed".as_slice()));
    assert!(server.log_text().contains("removed blobs no file refers to"), "{}", server.log_text());
}

#[test]
fn killing_the_server_during_an_upload_burst_leaves_no_orphan_blob() {
    let mut server = Server::start();
    let token = register(server.port, "alice");
    for round in 0..3u8 {
        let port = server.port;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let workers: Vec<_> = (0..4u8)
            .map(|w| {
                let (token, stop) = (token.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut n = 0u32;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let bytes = format!("round {round} worker {w} file {n} ").repeat(2000);
                        upload(port, &token, &format!("f{n}.txt"), bytes.as_bytes());
                        n += 1;
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(400 + 150 * u64::from(round)));
        server.crash();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in workers {
            w.join().expect("worker");
        }
        server = server.crash_and_restart(&[]);
        assert_eq!(blob_files(&server), blob_rows(&server), "round {round}");
    }
}

/// One timed failed login of `login`, in ms.
fn failed_login_ms(port: u16, login: &str) -> f64 {
    let body = format!(r#"{{"login":"{login}","password":"not the password"}}"#);
    let t = Instant::now();
    let (status, _) = request(
        port,
        "POST",
        "/api/v1/auth/login",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(status, 401);
    t.elapsed().as_secs_f64() * 1000.0
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

#[test]
fn after_a_bcrypt_cost_raise_a_wrong_password_takes_as_long_as_an_unknown_name() {
    let server = Server::start(); // cost 4
    register(server.port, "oldtimer");
    let raised = [("HOMEDISK_BCRYPT_COST", "10"), ("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "1000")];
    let server = server.crash_and_restart(&raised);
    failed_login_ms(server.port, "warm-up");
    // Alternated, so that whatever else the machine does weighs on both the same.
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..11 {
        known.push(failed_login_ms(server.port, "oldtimer"));
        unknown.push(failed_login_ms(server.port, "nobody-by-this-name"));
    }
    let (known, unknown) = (median(known), median(unknown));
    let ratio = known / unknown;
    eprintln!(
        "login timing after 4 → 10: wrong password {known:.1} ms, unknown name {unknown:.1} ms, ratio {ratio:.2}"
    );
    assert!((0.6..1.67).contains(&ratio), "known {known:.1} ms vs unknown {unknown:.1} ms");

    // The right password logs in and leaves the hash at the new cost.
    let body = r#"{"login":"oldtimer","password":"correct horse battery"}"#;
    let (status, _) = request(
        server.port,
        "POST",
        "/api/v1/auth/login",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(status, 200);
    let pool = server.database();
    use homedisk::db::schema::users;
    let hash: String = users::table
        .filter(users::username.eq("oldtimer"))
        .select(users::password_hash)
        .first(&mut pool.get().expect("connection"))
        .expect("hash");
    assert!(hash.starts_with("$2b$10$"), "{hash}");
}

#[test]
fn an_upload_declaring_more_than_the_file_limit_is_refused_before_its_body() {
    let server = Server::start_with(&[("HOMEDISK_MAX_UPLOAD_BYTES", "1MiB")]);
    let token = register(server.port, "alice");
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    // Headers only: the body never comes. The answer must not wait for it.
    write!(
        s,
        "POST /api/v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n",
        50 << 20
    )
    .expect("headers");
    let mut answer = vec![0u8; 4096];
    let n = s.read(&mut answer).expect("an answer before any body byte was sent");
    let head = String::from_utf8_lossy(&answer[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("payload_too_large"), "{head}");
}

/// `homedisk admin fsck` against a store where one object went missing and an orphan lies
/// around: both reported, exit status 1; `--repair` removes the orphan once it is older than
/// the grace period (never the missing one's rows); then only the missing object is left.
#[test]
fn fsck_finds_missing_and_orphan_objects_and_repairs_only_old_orphans() {
    use sha2::{Digest, Sha256};
    let server = Server::start();
    let token = register(server.port, "fsck");
    upload_id(server.port, &token, "kept.txt", b"kept bytes");
    upload_id(server.port, &token, "lost.txt", b"lost bytes");
    let path_of = |bytes: &[u8]| {
        let key = format!("{:x}", Sha256::digest(bytes));
        (server.data_dir().join("blobs").join(&key[0..2]).join(&key[2..4]).join(&key), key)
    };
    let clean = server.cli(&["admin", "fsck"]);
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("fsck: clean"));

    let (lost, lost_key) = path_of(b"lost bytes");
    std::fs::remove_file(&lost).expect("remove a stored object");
    let (orphan, orphan_key) = path_of(b"nobody's bytes");
    std::fs::create_dir_all(orphan.parent().expect("dir")).expect("mkdir");
    std::fs::write(&orphan, b"nobody's bytes").expect("orphan");

    let out = server.cli(&["admin", "fsck"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains(&format!("missing object: {lost_key}")), "{text}");
    assert!(text.contains(&format!("orphan object: {orphan_key}")), "{text}");

    // Young orphans are kept (an upload on another node may be about to commit it).
    let out = server.cli(&["admin", "fsck", "--repair"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("kept: younger than the grace period"));
    assert!(orphan.exists());
    let out = server.cli(&["admin", "fsck", "--repair", "--grace-hours", "0"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("removed"), "{text}");
    assert!(!orphan.exists());
    assert!(!out.status.success(), "the missing object is still reported");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 missing object(s), 0 orphan"));
}
