//! Resumable uploads judged by independent tus clients against the real executable:
//! tus-js-client under Node uploads 100 MiB in 5 MiB chunks, stops at about 40 %, the server
//! is killed with SIGKILL and restarted on the same port, and the client finds its upload
//! again (`findPreviousUploads`), resumes from the server's offset and finishes; tuspy does
//! the same with sha1 checksums on every chunk. The files' SHA-256 must match.
//!
//! Needs `node` with `tests/tus/node_modules` (`npm ci --prefix tests/tus`) and a Python with
//! tuspy (`HOMEDISK_TUSPY=/path/to/python`); skipped with a message when missing, unless
//! `HOMEDISK_TUS_TOOLS=required` (as in CI).

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::server::Server;

fn required() -> bool {
    std::env::var("HOMEDISK_TUS_TOOLS").as_deref() == Ok("required")
}

fn skip(what: &str) {
    assert!(!required(), "{what} is missing and HOMEDISK_TUS_TOOLS=required");
    eprintln!("skipping: {what} is missing (HOMEDISK_TUS_TOOLS=required makes this an error)");
}

fn register(server: &Server) -> String {
    let body = br#"{"username":"alice","password":"correct horse battery"}"#;
    let (status, _, out) = server
        .http("POST", "/api/v1/auth/register", &[("Content-Type", "application/json")], body)
        .expect("register");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&out));
    let answer: Value = serde_json::from_slice(&out).expect("json");
    answer["token"].as_str().expect("token").to_owned()
}

/// Bytes that look random (so nothing compresses or deduplicates them away).
fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Runs a client phase; its JSON line.
fn phase(program: &str, script: &Path, args: &[&str]) -> Value {
    let out = Command::new(program).arg(script).args(args).output().expect("run the client");
    assert!(
        out.status.success(),
        "{} {args:?}: {}{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(line.trim().lines().last().unwrap_or("")).expect("a JSON line")
}

/// Start, crash the server, resume, and compare: the shared scenario of both clients.
fn crash_and_resume(program: &str, script: &Path, size: usize) {
    let server = Server::start();
    let token = register(&server);
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("upload.bin");
    let bytes = noise(size);
    std::fs::write(&file, &bytes).expect("write");
    let store = dir.path().join("urls.json");
    let endpoint = server.url("/api/v1/uploads");
    let args = |p: &'static str| {
        vec![
            endpoint.clone(),
            token.clone(),
            file.display().to_string(),
            store.display().to_string(),
            p.into(),
        ]
    };
    let a = args("start");
    let started = phase(program, script, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let sent = started["sent"].as_u64().expect("sent");
    assert!(sent >= size as u64 * 2 / 5 && sent < size as u64, "{started}");

    let server = server.crash_and_restart_on_same_port(&[]);
    let a = args("resume");
    let done = phase(program, script, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(done["url"], started["url"], "the same upload was resumed: {done}");
    let resumed = done["resumedFrom"].as_u64().expect("resumedFrom");
    assert!(resumed > 0 && resumed <= sent, "resumed from the acknowledged offset: {done}");
    let id = done["fileId"].as_str().expect("Homedisk-File-Id on the last PATCH");
    let auth = format!("Bearer {token}");
    let (status, _, body) = server
        .http("GET", &format!("/api/v1/files/{id}/content"), &[("Authorization", &auth)], b"")
        .expect("download");
    assert_eq!(status, 200);
    assert_eq!(body.len(), size);
    assert_eq!(Sha256::digest(&body), Sha256::digest(&bytes), "the same bytes");
    let left = std::fs::read_dir(server.data_dir().join("uploads")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "nothing of the upload is left behind");
}

#[test]
fn tus_js_client_resumes_100_mib_after_the_server_is_killed() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tus/upload.mjs");
    let modules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tus/node_modules/tus-js-client");
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !node || !modules.is_dir() {
        return skip("node with tests/tus/node_modules (npm ci --prefix tests/tus)");
    }
    crash_and_resume("node", &script, 100 << 20);
}

#[test]
fn tuspy_resumes_with_checksums_after_the_server_is_killed() {
    let Ok(python) = std::env::var("HOMEDISK_TUSPY") else {
        return skip("a Python with tuspy (HOMEDISK_TUSPY)");
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tus/upload.py");
    crash_and_resume(&python, &script, 12 << 20);
}
