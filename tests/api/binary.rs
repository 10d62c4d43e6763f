//! The real executable: --help, start-up refusals, serving, SIGTERM, the admin command, and
//! that SQLite is linked in (no libsqlite3.so).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_homedisk");

fn homedisk(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOMEDISK_DATA_DIR", dir.join("data"))
        .env("HOMEDISK_BCRYPT_COST", "4")
        .current_dir(dir);
    c
}

/// One HTTP/1.1 request over a plain socket: (status, body).
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> std::io::Result<(u16, String)> {
    http_with(
        port,
        method,
        path,
        &[("Content-Type", "application/json")],
        body.unwrap_or("").as_bytes(),
    )
}

fn http_with(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    )?;
    for (name, value) in headers {
        write!(s, "{name}: {value}\r\n")?;
    }
    s.write_all(b"\r\n")?;
    s.write_all(body)?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

fn wait_ready(port: u16, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok((200, _)) = http(port, "GET", "/healthz", None) {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("homedisk exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("homedisk did not become ready");
}

fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("homedisk did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn help_lists_every_configuration_variable() {
    let out = Command::new(BIN).arg("--help").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for v in homedisk::config::VARIABLES {
        assert!(text.contains(v.name), "{} missing", v.name);
    }
    assert!(text.contains("admin create"));
}

#[test]
fn bad_configuration_stops_start_up_naming_the_variable() {
    let dir = tempfile::TempDir::new().expect("tmp");
    for (name, value) in [
        ("HOMEDISK_SECRET_KEY", "short"),
        ("HOMEDISK_BIND", "nowhere"),
        ("HOMEDISK_METRICS_BIND", "9464"),
        ("HOMEDISK_CORS_ORIGINS", "*"),
        ("HOMEDISK_BCRYPT_COST", "99"),
    ] {
        let out = homedisk(dir.path()).env(name, value).output().expect("run");
        assert!(!out.status.success(), "{name}={value} started");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = Command::new(BIN).arg("frobnicate").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serves_on_the_configured_port_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::TempDir::new().expect("tmp");
    let port = free_port();
    let mut child = homedisk(dir.path())
        .env("HOMEDISK_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_ready(port, &mut child);
    let (status, body) = http(
        port,
        "POST",
        "/api/v1/auth/register",
        Some(r#"{"username":"owner","password":"correct horse battery"}"#),
    )
    .expect("register");
    assert_eq!(status, 201, "{body}");
    let (status, _) = http(port, "GET", "/login", None).expect("login page");
    assert_eq!(status, 200);

    let term =
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(term.success());
    let exit = wait_exit(&mut child, Duration::from_secs(35));
    assert!(exit.success(), "exit after SIGTERM: {exit}");
    let mut log = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut log).expect("read log");
    assert!(log.contains("first account created: it is the administrator"), "{log}");
    assert!(log.contains("POST /api/v1/auth/register"), "{log}");
    assert!(!log.contains("correct horse battery"));

    use std::os::unix::fs::PermissionsExt;
    let key = dir.path().join("data/secret.key");
    assert_eq!(std::fs::metadata(key).expect("key").permissions().mode() & 0o777, 0o600);
}

#[test]
fn admin_create_makes_an_administrator_from_the_command_line() {
    let dir = tempfile::TempDir::new().expect("tmp");
    let mut child = homedisk(dir.path())
        .args(["admin", "create", "root", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"a long admin password\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created administrator `root`"));

    // The same data directory now has an admin that can log in.
    let config = homedisk::config::Config::from_lookup(|n| match n {
        "HOMEDISK_DATA_DIR" => Some(dir.path().join("data").to_string_lossy().into_owned()),
        "HOMEDISK_BCRYPT_COST" => Some("4".into()),
        _ => None,
    })
    .expect("config");
    let state = homedisk::startup::build_state(config).expect("state");
    let mut conn = state.db.get().expect("conn");
    let user =
        homedisk::users::find_for_login(&mut conn, "root").expect("query").expect("root exists");
    assert_eq!(user.role, "admin");
    assert!(homedisk::auth::password::verify("a long admin password", &user.password_hash));

    // A second account with that name is refused with a readable message.
    let out = homedisk(dir.path()).args(["admin", "create", "root"]).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already taken"));
}

#[test]
fn sqlite_and_libpq_are_linked_into_the_binary() {
    let Ok(out) = Command::new("ldd").arg(BIN).output() else {
        eprintln!("ldd not available; skipped");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("libsqlite3"), "the binary links the system SQLite:\n{text}");
    assert!(!text.contains("libpq"), "the binary links the system libpq:\n{text}");
    assert!(!text.contains("libssl"), "the binary links OpenSSL:\n{text}");
}

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(files_in(&path)) } else { out.push(path) }
    }
    out
}

#[test]
fn a_kill_during_a_large_upload_leaves_no_partial_file_and_no_row() {
    let dir = tempfile::TempDir::new().expect("tmp");
    let data = dir.path().join("data");
    let start = |port: u16| {
        homedisk(dir.path())
            .env("HOMEDISK_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let port = free_port();
    let mut server = start(port);
    wait_ready(port, &mut server);
    let (_, body) = http(
        port,
        "POST",
        "/api/v1/auth/register",
        Some(r#"{"username":"owner","password":"correct horse battery"}"#),
    )
    .expect("register");
    let token = serde_json::from_str::<serde_json::Value>(&body).expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();

    // Announce 100 MiB, send 8 MiB, and keep the connection open.
    let mut upload = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let boundary = "crash-test-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
    );
    write!(
        upload,
        "POST /api/v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{head}",
        100 << 20
    )
    .expect("headers");
    let chunk = vec![0x5au8; 1 << 20];
    for _ in 0..8 {
        upload.write_all(&chunk).expect("body");
    }
    upload.flush().expect("flush");

    // The upload is in progress: its bytes are in tmp/, nowhere else.
    let t = Instant::now();
    while files_in(&data.join("tmp"))
        .iter()
        .all(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) < (4 << 20))
    {
        assert!(t.elapsed() < Duration::from_secs(20), "the upload never reached tmp/");
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill").args(["-KILL", &server.id().to_string()]).status().expect("kill");
    server.wait().expect("wait");
    drop(upload);
    assert_eq!(files_in(&data.join("tmp")).len(), 1, "the crash left the partial upload in tmp/");

    // Restart on the same data: the partial upload is swept, and nothing of it is visible.
    let port = free_port();
    let mut server = start(port);
    wait_ready(port, &mut server);
    assert!(files_in(&data.join("tmp")).is_empty(), "tmp/ was swept at start-up");
    assert!(files_in(&data.join("blobs")).is_empty(), "no blob");
    let auth = format!("Bearer {token}");
    let (status, list) =
        http_with(port, "GET", "/api/v1/files", &[("Authorization", &auth)], b"").expect("list");
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&list).expect("json")["items"],
        serde_json::json!([]),
        "no row"
    );
    let (_, me) =
        http_with(port, "GET", "/api/v1/me", &[("Authorization", &auth)], b"").expect("me");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&me).expect("json")["storage_used"], 0);

    // And the disk works: a whole upload now succeeds.
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ok.txt\"\r\n\r\nfine\r\n--{boundary}--\r\n"
    );
    let ctype = format!("multipart/form-data; boundary={boundary}");
    let (status, _) = http_with(
        port,
        "POST",
        "/api/v1/files",
        &[("Authorization", &auth), ("Content-Type", &ctype)],
        body.as_bytes(),
    )
    .expect("upload");
    assert_eq!(status, 201);
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill");
    wait_exit(&mut server, Duration::from_secs(35));
}
