//! WebDAV against the real executable: a chunked PUT without a length (as macOS Finder sends
//! it) and locks that outlive the process.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::server::Server;

/// Registers `alice` and returns `Basic alice:hdk_…` for a new app password with `dav`.
fn dav_credentials(server: &Server) -> String {
    let body = br#"{"username":"alice","password":"correct horse battery"}"#;
    let json = [("Content-Type", "application/json")];
    let (status, _, out) =
        server.http("POST", "/api/v1/auth/register", &json, body).expect("register");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&out));
    let token = serde_json::from_slice::<serde_json::Value>(&out).expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let bearer = format!("Bearer {token}");
    let headers = [("Content-Type", "application/json"), ("Authorization", bearer.as_str())];
    let body = br#"{"name":"dav","scope":"dav"}"#;
    let (status, _, out) =
        server.http("POST", "/api/v1/app-passwords", &headers, body).expect("app password");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&out));
    let hdk = serde_json::from_slice::<serde_json::Value>(&out).expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    format!("Basic {}", STANDARD.encode(format!("alice:{hdk}")))
}

/// A PUT whose body is sent chunked, with no `Content-Length`; returns the status line.
fn chunked_put(port: u16, path: &str, auth: &str, chunks: &[&[u8]]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(
        s,
        "PUT {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: {auth}\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    )
    .expect("head");
    for chunk in chunks {
        write!(s, "{:x}\r\n", chunk.len()).expect("size");
        s.write_all(chunk).expect("chunk");
        s.write_all(b"\r\n").expect("crlf");
        s.flush().expect("flush");
    }
    s.write_all(b"0\r\n\r\n").expect("end");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn a_chunked_put_without_a_length_is_stored_whole() {
    let server = Server::start();
    let auth = dav_credentials(&server);
    let part = vec![b'z'; 100_000];
    let status = chunked_put(server.port, "/dav/finder.bin", &auth, &[&part, &part, b"end"]);
    assert!(status.contains(" 201 "), "{status}");
    let (status, _, body) =
        server.http("GET", "/dav/finder.bin", &[("Authorization", &auth)], b"").expect("get");
    assert_eq!(status, 200);
    assert_eq!(body.len(), 200_003);
    assert!(body.ends_with(b"end"));
}

const LOCKINFO: &[u8] = br#"<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>test</D:owner></D:lockinfo>"#;

#[test]
fn a_lock_outlives_a_restart() {
    let server = Server::start();
    let auth = dav_credentials(&server);
    let a = [("Authorization", auth.as_str())];
    let (status, ..) = server.http("PUT", "/dav/doc.txt", &a, b"v1").expect("put");
    assert_eq!(status, 201);
    let headers = [("Authorization", auth.as_str()), ("Timeout", "Second-3600")];
    let (status, head, body) =
        server.http("LOCK", "/dav/doc.txt", &headers, LOCKINFO).expect("lock");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let token = head
        .lines()
        .find_map(|l| l.strip_prefix("lock-token: ").or_else(|| l.strip_prefix("Lock-Token: ")))
        .expect("Lock-Token")
        .trim()
        .to_owned();

    let server = server.crash_and_restart(&[]);
    let (status, ..) = server.http("PUT", "/dav/doc.txt", &a, b"v2").expect("put");
    assert_eq!(status, 423, "the lock is still held after the restart");
    let held = format!("({token})");
    let with_token = [("Authorization", auth.as_str()), ("If", held.as_str())];
    let (status, ..) = server.http("PUT", "/dav/doc.txt", &with_token, b"v2").expect("put");
    assert_eq!(status, 204);
    let unlock = [("Authorization", auth.as_str()), ("Lock-Token", token.as_str())];
    let (status, ..) = server.http("UNLOCK", "/dav/doc.txt", &unlock, b"").expect("unlock");
    assert_eq!(status, 204);
    let (status, ..) = server.http("PUT", "/dav/doc.txt", &a, b"v3").expect("put");
    assert_eq!(status, 204);
}
