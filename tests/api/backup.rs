//! `homedisk admin backup DIR` against the real executable: a backup taken while the server
//! serves (and uploads keep arriving) starts a new server whose files download byte-exact;
//! what it refuses (a used directory, one inside the data directory, PostgreSQL, S3).

use std::process::Command;

use serde_json::Value;

use crate::helpers::{PASSWORD, TEST_SECRET};
use crate::server::{Server, http};

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

fn token_of(port: u16, path: &str, body: &str) -> String {
    let (status, _, out) =
        http(port, "POST", path, &[("Content-Type", "application/json")], body.as_bytes())
            .expect("request");
    assert!(status == 200 || status == 201, "{status}: {}", String::from_utf8_lossy(&out));
    json(&out)["token"].as_str().expect("token").to_owned()
}

/// Uploads one file; its id.
fn upload(port: u16, token: &str, name: &str, bytes: &[u8]) -> String {
    let boundary = "backup-boundary-51c9";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (auth, ctype) =
        (format!("Bearer {token}"), format!("multipart/form-data; boundary={boundary}"));
    let (status, _, out) = http(
        port,
        "POST",
        "/api/v1/files",
        &[("Authorization", &auth), ("Content-Type", &ctype)],
        &body,
    )
    .expect("upload");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&out));
    json(&out)["items"][0]["id"].as_str().expect("id").to_owned()
}

fn download(port: u16, token: &str, id: &str) -> Vec<u8> {
    let auth = format!("Bearer {token}");
    let (status, _, body) =
        http(port, "GET", &format!("/api/v1/files/{id}/content"), &[("Authorization", &auth)], b"")
            .expect("download");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    body
}

/// Bytes that do not compress or repeat (a simple xorshift), `len` of them.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn a_backup_taken_while_the_server_runs_restores_every_file_byte_exact() {
    let server = Server::start();
    let root = tempfile::TempDir::new().expect("tmp");
    let target = root.path().join("data");
    let target_arg = target.to_str().expect("utf-8");
    if server.on_postgres() {
        let out = server.cli(&["admin", "backup", target_arg]);
        assert!(!out.status.success());
        assert!(text(&out).contains("pg_dump"), "{}", text(&out));
        return;
    }
    let port = server.port;
    let body = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    let token = token_of(port, "/api/v1/auth/register", &body);
    let files = [
        ("notes.txt".to_owned(), b"plain text\n".to_vec()),
        ("every byte.bin".to_owned(), (0..=255u8).collect()),
        ("großes 📦.bin".to_owned(), noise(7, 3 * 1024 * 1024 + 17)),
    ];
    let ids: Vec<String> = files.iter().map(|(n, b)| upload(port, &token, n, b)).collect();

    // Uploads keep arriving while the backup runs: the copy must still be consistent.
    let writer = {
        let token = token.clone();
        std::thread::spawn(move || {
            (0..20u64)
                .map(|i| {
                    let bytes = noise(100 + i, 40_000);
                    (upload(port, &token, &format!("during-{i}.bin"), &bytes), bytes)
                })
                .collect::<Vec<_>>()
        })
    };
    let out = server.cli(&["admin", "backup", target_arg]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("backup complete"), "{}", text(&out));
    let during = writer.join().expect("writer");
    assert!(target.join("homedisk.db").is_file() && target.join("secret.key").is_file());

    // The backup is not touched again, nor written into the live data.
    let again = server.cli(&["admin", "backup", target_arg]);
    assert!(!again.status.success());
    assert!(text(&again).contains("is not empty"), "{}", text(&again));
    let inside = server.data_dir().join("backup");
    let out = server.cli(&["admin", "backup", inside.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(text(&out).contains("inside the data directory"), "{}", text(&out));

    upload(port, &token, "after.txt", b"made after the backup");
    drop(server);

    let restored = Server::start_on(root, &[]);
    // The session rows and secret.key came along: the old token still works.
    for ((name, bytes), id) in files.iter().zip(&ids) {
        assert!(download(restored.port, &token, id) == *bytes, "{name} differs");
    }
    // A file uploaded during the backup is in it or not, but never without its bytes.
    let auth = format!("Bearer {token}");
    let (_, _, list) =
        http(restored.port, "GET", "/api/v1/files", &[("Authorization", &auth)], b"").expect("ls");
    let list = json(&list);
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(!names.contains(&"after.txt"), "{names:?}");
    for (id, bytes) in &during {
        if list["items"].as_array().expect("items").iter().any(|i| i["id"] == id.as_str()) {
            assert!(download(restored.port, &token, id) == *bytes, "{id} differs");
        }
    }
    let fsck = restored.cli(&["admin", "fsck"]);
    assert!(fsck.status.success(), "{}", text(&fsck));
}

#[test]
fn backup_refuses_postgres_and_s3_and_says_what_to_use() {
    let dir = tempfile::TempDir::new().expect("tmp");
    let run = |env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_homedisk"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOMEDISK_DATA_DIR", dir.path().join("data"))
            .env("HOMEDISK_SECRET_KEY", TEST_SECRET)
            .args(["admin", "backup"])
            .arg(dir.path().join("backup"));
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run homedisk")
    };
    let out = run(&[("HOMEDISK_DATABASE_URL", "postgres://homedisk@127.0.0.1:9/homedisk")]);
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_dump"), "{}", text(&out));
    let out = run(&[
        ("HOMEDISK_STORAGE_URL", "s3://homedisk"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "id"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("versioning or replication"), "{}", text(&out));
    assert!(!dir.path().join("backup").exists(), "nothing made");
}
