//! The real homedisk executable on a random loopback port, on a fresh temp data directory,
//! killed when dropped. Its output goes to `server.log` in that directory; a test that panics
//! while a `Server` is alive gets the log printed, so a failure shows what the server said.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port that was free a moment ago (the kernel's pick for port 0).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// The homedisk executable, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    log: PathBuf,
    dir: std::rc::Rc<tempfile::TempDir>,
    /// The PostgreSQL database of a PostgreSQL run (`None`: SQLite in the data dir).
    database_url: Option<String>,
    /// Shared with the server a restart makes, like `dir`; dropped with the last of them.
    _database: std::rc::Rc<crate::database::DropOnExit>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- homedisk log ({}) ----\n{}", self.log.display(), self.log_text());
        }
    }
}

impl Server {
    /// Starts the server (bcrypt cost 4) and waits until `GET /healthz` answers 200.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Like [`Server::start`], with more environment variables (they win over the defaults).
    pub fn start_with(env: &[(&str, &str)]) -> Server {
        let dir = std::rc::Rc::new(tempfile::TempDir::new().expect("tmp"));
        let url = crate::database::fresh_url();
        let database = std::rc::Rc::new(crate::database::DropOnExit::new(url.clone()));
        Server::launch(dir, url, database, env, None)
    }

    /// Starts a server on SQLite in `dir/data` as it is (a restored backup, say), whatever
    /// database the rest of the suite runs on.
    pub fn start_on(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Server {
        let database = std::rc::Rc::new(crate::database::DropOnExit::new(None));
        Server::launch(std::rc::Rc::new(dir), None, database, env, None)
    }

    /// Whether this server runs on PostgreSQL (else SQLite in its data directory).
    pub fn on_postgres(&self) -> bool {
        self.database_url.is_some()
    }

    /// Kills this server with SIGKILL (no clean-up of any kind, as a crash or a power cut) and
    /// starts a new one on the same data directory with `env`.
    pub fn crash_and_restart(self, env: &[(&str, &str)]) -> Server {
        let mut old = self;
        old.crash();
        Server::launch(old.dir.clone(), old.database_url.clone(), old._database.clone(), env, None)
    }

    /// [`Server::crash_and_restart`] on the same port, for clients that keep the URLs they
    /// were given (resumable uploads).
    pub fn crash_and_restart_on_same_port(self, env: &[(&str, &str)]) -> Server {
        let mut server = self;
        server.restart_in_place(env);
        server
    }

    /// SIGKILL, then a new server on the same port and data in this one's place.
    pub fn restart_in_place(&mut self, env: &[(&str, &str)]) {
        self.crash();
        let (dir, url, db) = (self.dir.clone(), self.database_url.clone(), self._database.clone());
        *self = Server::launch(dir, url, db, env, Some(self.port));
    }

    /// SIGKILL, then wait for the process to be gone.
    pub fn crash(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn launch(
        dir: std::rc::Rc<tempfile::TempDir>,
        database_url: Option<String>,
        _database: std::rc::Rc<crate::database::DropOnExit>,
        env: &[(&str, &str)],
        port: Option<u16>,
    ) -> Server {
        let port = port.unwrap_or_else(free_port);
        let log = dir.path().join("server.log");
        let out =
            std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("server.log");
        let err = out.try_clone().expect("server.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_homedisk"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOMEDISK_DATA_DIR", dir.path().join("data"))
            .env("HOMEDISK_BCRYPT_COST", "4")
            .env("HOMEDISK_BIND", format!("127.0.0.1:{port}"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        if let Some(url) = &database_url {
            // Nodes on PostgreSQL must share a signing key (they refuse to start without).
            command
                .env("HOMEDISK_DATABASE_URL", url)
                .env("HOMEDISK_SECRET_KEY", crate::helpers::TEST_SECRET);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("spawn homedisk");
        let mut server = Server { child, port, log, dir, database_url, _database };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if server.http("GET", "/healthz", &[], b"").is_ok_and(|(status, ..)| status == 200) {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("homedisk exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("homedisk did not become ready within 20 s");
    }

    /// The data directory (`HOMEDISK_DATA_DIR`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs the homedisk command line with `args` on this server's data dir and database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_homedisk"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOMEDISK_DATA_DIR", self.data_dir())
            .args(args);
        if let Some(url) = &self.database_url {
            command
                .env("HOMEDISK_DATABASE_URL", url)
                .env("HOMEDISK_SECRET_KEY", crate::helpers::TEST_SECRET);
        }
        command.output().expect("run homedisk")
    }

    /// A connection pool on this server's database (for tests that look at its rows).
    pub fn database(&self) -> homedisk::db::DbPool {
        let options = crate::database::options(self.database_url.as_deref(), &self.data_dir());
        homedisk::db::connect(&options).expect("the server's database")
    }

    /// The most memory the process has had resident so far (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
        let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("kB");
        kib * 1024
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What the server has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// One HTTP/1.1 request on its own connection: (status, head, body as sent on the wire).
    pub fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<(u16, String, Vec<u8>)> {
        http(self.port, method, path, headers, body)
    }
}

/// One HTTP/1.1 request to `127.0.0.1:port` on its own connection: (status, head, body as sent
/// on the wire). A free function, so threads can use it without the `Server`.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(out.len());
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let body = out.get(split + 4..).unwrap_or_default().to_vec();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok((status, head, body))
}
