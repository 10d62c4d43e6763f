//! chromedriver: started on a random port, asked for its `/status`, killed on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{POLL, Tools, WAIT};
use crate::server::free_port;

/// A bodiless request on loopback: (status, body). For chromedriver's `/status`, and for
/// ending a session from `Drop`, where nothing async can run. chromedriver keeps the socket
/// open despite `Connection: close`, so the body is read by its `Content-Length`.
pub(super) fn plain_http(port: u16, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    json_http(port, method, path, None)
}

/// [`plain_http`] with a JSON body, for chromedriver's own commands that fantoccini does not
/// wrap (`/session/{id}/chromium/network_conditions`).
pub(super) fn json_http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(15)))?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n")?;
    match body {
        Some(body) => write!(
            s,
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?,
        None => write!(s, "\r\n")?,
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf)?;
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
            });
            if n == 0 || length.is_some_and(|len: usize| body.len() >= len) {
                let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
                return Ok((status, body.to_owned()));
            }
        }
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// A chromedriver on a random port, killed when the last user drops it. Its log stays in a
/// temp directory and is printed when a test panics.
pub struct Driver {
    child: Child,
    pub(super) port: u16,
    pub(super) log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Driver {
    pub(super) fn start(tools: &Tools) -> Driver {
        let dir = tempfile::TempDir::new().expect("tmp");
        let log = dir.path().join("chromedriver.log");
        // The port was free a moment ago; another test may take it first, so try a few.
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&tools.chromedriver)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", tools.chromedriver.display()));
            if driver_ready(port, &mut child, &log) {
                return Driver { child, port, log, _dir: dir };
            }
        }
        panic!("chromedriver exited at start-up five times:\n{}", tail(&log));
    }

    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Polls `/status` until the driver says it is ready; false if it exited (its port was taken).
fn driver_ready(port: u16, child: &mut Child, log: &Path) -> bool {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if plain_http(port, "GET", "/status")
            .is_ok_and(|(status, body)| status == 200 && body.contains("\"ready\":true"))
        {
            return true;
        }
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        std::thread::sleep(POLL);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not answer /status within {WAIT:?}:\n{}", tail(log));
}

/// The last 40 lines of a log file.
pub(super) fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- chromedriver log, last lines ----\n{}", tail(&self.log));
        }
    }
}
