//! Which database, and how connections to it are made: the URL's scheme picks SQLite (the
//! embedded default) or PostgreSQL (several nodes); [`DbConn`] is either, and every query in
//! `models/` is written once for both.
//!
//! The pool's manager is ours rather than diesel's `ConnectionManager`: the derived
//! `MultiConnection::establish` tries each backend in turn (SQLite would happily open a file
//! named `postgres://…`) and reports failures only as a pool timeout 30 s later.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use secrecy::{ExposeSecret, SecretString};

/// One connection, to whichever database the instance uses.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Where the database is, read from `HOMEDISK_DATABASE_URL`.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// A file path (`sqlite://PATH` or `sqlite:PATH`).
    Sqlite(String),
    /// A libpq URL (`postgres://` or `postgresql://`), which may hold a password: it is only
    /// ever shown through [`DatabaseUrl::redacted`].
    Postgres(SecretString),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl DatabaseUrl {
    /// Reads a URL; `Err` says what is wrong with it, without repeating it (it may hold a
    /// password).
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(
                    "a sqlite:// URL needs a file path, as in sqlite://./data/homedisk.db".into()
                );
            }
            return Ok(DatabaseUrl::Sqlite(path.to_owned()));
        }
        if let Some(rest) =
            url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"))
        {
            if rest.is_empty() {
                return Err("a postgres:// URL needs a host, as in postgres://homedisk:PASSWORD@db.internal/homedisk".into());
            }
            if rest.chars().any(char::is_whitespace) {
                return Err("the URL contains a space; percent-encode it (%20)".into());
            }
            return Ok(DatabaseUrl::Postgres(SecretString::from(url.to_owned())));
        }
        let scheme = url.split_once("://").map_or("(none)", |(s, _)| s);
        Err(format!(
            "unsupported scheme `{scheme}`; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DATABASE"
        ))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
            DatabaseUrl::Postgres(url) => redact(url.expose_secret()),
        }
    }
}

/// `scheme://user:secret@host/…` → `scheme://user:***@host/…`; also hides `password=` in the
/// query string. The user info ends at the *last* `@`: a password may hold `/`, `?` or `@`
/// unencoded, and libpq's refusal of such a URL is exactly the error that gets printed.
fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (userinfo, rest) = match rest.rsplit_once('@') {
        Some((userinfo, rest)) => (Some(userinfo), rest),
        None => (None, rest),
    };
    let user = userinfo.map(|u| match u.split_once(':') {
        Some((user, _)) => format!("{user}:***@"),
        None => format!("{u}@"),
    });
    let tail = match rest.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => rest.to_owned(),
    };
    format!("{scheme}://{}{tail}", user.unwrap_or_default())
}

/// SQLite settings every connection needs: WAL so readers never wait for the writer, foreign
/// keys (off by default in SQLite), a busy timeout instead of instant `SQLITE_BUSY`, and
/// `synchronous=FULL` so a committed row survives power loss.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA foreign_keys = ON;
     PRAGMA busy_timeout = 5000;
     PRAGMA synchronous = FULL;";

/// Makes pooled connections: the backend from the URL, then its per-connection settings.
pub struct Manager {
    url: DatabaseUrl,
    statement_timeout: Duration,
    returns: WriteEpoch,
}

/// Counts connections given back to the pool after use, except those a caller promised only
/// read ([`return_quietly`]). Whatever a checkout wrote was committed before its connection
/// came back, so a value read before a query and unchanged afterwards proves that nothing
/// written in this process since could have changed what the query saw: the preview's grant
/// cache (`auth::grants`) trusts an answer only while the epoch it was read at still holds.
/// Counting returns rather than writes catches every write by construction, including ones
/// added later in code that never heard of the cache.
#[derive(Clone, Default)]
pub struct WriteEpoch(Arc<AtomicU64>);

impl WriteEpoch {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Moves the epoch for a write this process did not make: another node's, heard through
    /// PostgreSQL's notifications (`db::listen`), or one that may have gone unheard.
    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    /// Set only while [`return_quietly`] drops a connection on this thread.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Gives `conn` back without moving the epoch: for checkouts that ran only reads.
pub fn return_quietly(conn: r2d2::PooledConnection<Manager>) {
    QUIET.set(true);
    drop(conn);
    QUIET.set(false);
}

impl Manager {
    pub fn new(url: DatabaseUrl, statement_timeout: Duration) -> Self {
        Manager { url, statement_timeout, returns: WriteEpoch::default() }
    }

    /// The epoch of the pool this manager will serve.
    pub fn epoch(&self) -> WriteEpoch {
        self.returns.clone()
    }

    /// A new connection, set up; errors name the database without its password.
    pub fn open(&self) -> Result<DbConn, ConnectError> {
        let fail = |source: diesel::ConnectionError| ConnectError {
            url: self.url.redacted(),
            message: scrub(&source.to_string(), &self.url),
        };
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).map_err(fail)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(|e| fail(query_failed(e)))?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url.expose_secret()).map_err(fail)?;
                // Times are stored as UTC without zone; the session zone must not shift them.
                // The statement timeout bounds a query stuck behind a lock or a slow plan.
                conn.batch_execute(&format!(
                    "SET TIME ZONE 'UTC'; SET statement_timeout = {}",
                    self.statement_timeout.as_millis()
                ))
                .map_err(|e| fail(query_failed(e)))?;
                Ok(DbConn::Pg(conn))
            }
        }
    }
}

fn query_failed(e: diesel::result::Error) -> diesel::ConnectionError {
    diesel::ConnectionError::CouldntSetupConfiguration(e)
}

/// `message` with the URL's password removed, in case a driver quotes it.
pub(super) fn scrub(message: &str, url: &DatabaseUrl) -> String {
    let DatabaseUrl::Postgres(secret) = url else { return message.to_owned() };
    let full = secret.expose_secret();
    let mut out = message.replace(full, &url.redacted());
    let authority = full.split_once("://").map_or(full, |(_, r)| r);
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        out = out.replace(password, "***");
    }
    out
}

/// A connection that could not be made: which database (password hidden), and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {url}: {message}")]
pub struct ConnectError {
    pub url: String,
    pub message: String,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.open().map_err(|e| {
            r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e.to_string()))
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    /// r2d2 calls this on every return to the pool.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        if !QUIET.get() {
            self.returns.bump();
        }
        std::thread::panicking() || conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_passwords_never_show() {
        assert!(
            matches!(DatabaseUrl::parse("sqlite://./data/h.db"), Ok(DatabaseUrl::Sqlite(p)) if p == "./data/h.db")
        );
        assert!(
            matches!(DatabaseUrl::parse("sqlite:h.db"), Ok(DatabaseUrl::Sqlite(p)) if p == "h.db")
        );
        let pg =
            DatabaseUrl::parse("postgres://hd:s3cr3t@db:5432/homedisk?password=x2&sslmode=disable")
                .expect("valid");
        assert!(pg.is_postgres());
        let shown = format!("{pg:?} {}", pg.redacted());
        assert!(!shown.contains("s3cr3t") && !shown.contains("x2"), "{shown}");
        assert_eq!(
            pg.redacted(),
            "postgres://hd:***@db:5432/homedisk?password=***&sslmode=disable"
        );
        for bad in ["mysql://x", "postgres://", "sqlite://", "homedisk.db"] {
            let e = DatabaseUrl::parse(bad).expect_err(bad);
            assert!(!e.contains(":p@"), "{e}");
        }
        for odd in ["postgres://hd:pa/ss?w@db/x", "postgres://hd:p@ss@db:5432/x?sslmode=disable"] {
            let url = DatabaseUrl::parse(odd).expect("valid");
            let shown = url.redacted();
            assert!(!shown.contains("pa/ss") && !shown.contains("p@ss"), "{shown}");
            assert!(shown.starts_with("postgres://hd:***@db"), "{shown}");
        }
        let scrubbed = scrub("could not connect: password s3cr3t refused", &pg);
        assert!(!scrubbed.contains("s3cr3t"), "{scrubbed}");
    }
}
