//! WebDAV locks in the database (`dav_locks`), so they survive a restart and hold across
//! nodes: each operation reads the mount's live locks and decides with the same rules as
//! dav-server's in-memory `MemLs` (a lock covers its path, and below it when deep; an
//! exclusive lock excludes every other lock, a shared one only exclusive ones). Taking a lock
//! checks and inserts in one transaction under the owner's tree lock, so two nodes cannot both
//! grant conflicting locks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use dav_server::davpath::DavPath;
use dav_server::ls::{DavLock, DavLockSystem, LsFuture};
use futures_util::FutureExt;
use xmltree::Element;

use crate::db::models::dav_locks::{self, LockRow};
use crate::db::{self, DbConn, DbPool};
use crate::error::AppError;

use super::lock_rules::{Held, check_below, check_to_path, covers, names, path_names};
use super::meta::system_time;
use super::paths::Mount;

/// The path prefix dav-server strips (the lock root it reports carries it again).
pub const PREFIX: &str = "/dav";

/// The longest lock granted: a client asking for more (or `Infinite`) gets this, so a
/// forgotten lock ends by itself (RFC 4918 lets the server choose).
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone)]
pub struct DbLocks {
    db: DbPool,
    mount: Mount,
    /// The mount's live locks as read once in this request, for the checks and discoveries
    /// that only read (a PROPFIND of a folder asks for every child's locks); any change of
    /// locks forgets it.
    read: Arc<Mutex<Option<Vec<LockRow>>>>,
}

impl std::fmt::Debug for DbLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbLocks").field("mount", &self.mount).finish()
    }
}

fn to_dav(row: &LockRow) -> DavLock {
    let mut path = DavPath::new(&format!("{PREFIX}{}", row.path))
        .or_else(|_| DavPath::new("/"))
        .unwrap_or_else(|_| unreachable!("/ is a valid path"));
    let _ = path.set_prefix(PREFIX);
    DavLock {
        token: row.token.clone(),
        path: Box::new(path),
        principal: row.principal.clone(),
        owner: row.owner_xml.as_ref().and_then(|x| Element::parse(x.as_bytes()).ok()).map(Box::new),
        timeout_at: row.expires_at.map(system_time),
        timeout: row.timeout_secs.map(|s| Duration::from_secs(s.max(0) as u64)),
        shared: row.shared,
        deep: row.deep,
    }
}

impl DbLocks {
    pub fn new(db: DbPool, mount: Mount) -> Self {
        DbLocks { db, mount, read: Arc::default() }
    }

    /// Runs `f` over the mount's live locks, read once per request.
    async fn reading<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(Vec<Held>) -> T,
    {
        let cached = self.read.lock().ok().and_then(|c| c.clone());
        let rows = match cached {
            Some(rows) => rows,
            None => {
                let this = self.clone();
                let rows = db::run(&self.db, move |conn| {
                    let now = Utc::now().naive_utc();
                    Ok(dav_locks::live(conn, &this.mount.owner, &this.mount.key(), now)?)
                })
                .await?;
                if let Ok(mut c) = self.read.lock() {
                    *c = Some(rows.clone());
                }
                rows
            }
        };
        Ok(f(rows.into_iter().map(|row| Held { names: names(&row.path), row }).collect()))
    }

    fn load(&self, conn: &mut DbConn, now: NaiveDateTime) -> Result<Vec<Held>, AppError> {
        let rows = dav_locks::live(conn, &self.mount.owner, &self.mount.key(), now)?;
        Ok(rows.into_iter().map(|row| Held { names: names(&row.path), row }).collect())
    }

    /// Runs `f` over the mount's live locks in one write transaction.
    async fn with_locks<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, Vec<Held>, NaiveDateTime) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        if let Ok(mut c) = self.read.lock() {
            *c = None;
        }
        let this = self.clone();
        db::run(&self.db, move |conn| {
            db::write(conn, |conn| {
                db::lock_tree(conn, &this.mount.owner)?;
                let now = Utc::now().naive_utc();
                let held = this.load(conn, now)?;
                f(conn, held, now)
            })
        })
        .await
    }
}

/// A lock that stands for "the database could not answer": the request fails as locked
/// rather than proceeding unchecked.
fn unavailable(path: &DavPath) -> DavLock {
    DavLock {
        token: String::new(),
        path: Box::new(path.clone()),
        principal: None,
        owner: None,
        timeout_at: None,
        timeout: None,
        shared: false,
        deep: false,
    }
}

struct Wanted {
    path: String,
    names: Vec<String>,
    principal: Option<String>,
    owner_xml: Option<String>,
    timeout: Option<Duration>,
    shared: bool,
    deep: bool,
}

fn grant(
    conn: &mut DbConn,
    mount: &Mount,
    held: &[Held],
    want: Wanted,
    now: NaiveDateTime,
) -> Result<Result<LockRow, LockRow>, AppError> {
    if let Err(l) = check_to_path(held, &want.names, None, true, &[], want.shared) {
        return Ok(Err(l.clone()));
    }
    if want.deep
        && let Err(l) = check_below(held, &want.names, None, true, &[], want.shared)
    {
        return Ok(Err(l.clone()));
    }
    let secs = granted_secs(want.timeout);
    let row = LockRow {
        token: uuid::Uuid::new_v4().urn().to_string(),
        owner_id: mount.owner.clone(),
        mount: mount.key(),
        path: want.path,
        principal: want.principal,
        owner_xml: want.owner_xml,
        shared: want.shared,
        deep: want.deep,
        timeout_secs: Some(secs),
        expires_at: Some(now + chrono::Duration::seconds(secs)),
        created_at: now,
    };
    dav_locks::insert(conn, &row)?;
    Ok(Ok(row))
}

/// The seconds a lock is granted for: what the client asked, at most [`MAX_TIMEOUT`].
fn granted_secs(asked: Option<Duration>) -> i64 {
    let secs = asked.unwrap_or(MAX_TIMEOUT).min(MAX_TIMEOUT).as_secs();
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// The `<D:owner>` of a LOCK as text. dav-server renames it to the `D` prefix whatever the
/// client's was, so `D` is declared here (else the element could not be written).
fn owner_xml(owner: Option<&Element>) -> Option<String> {
    let mut owner = owner?.clone();
    owner.prefix = Some("D".into());
    owner.namespace = Some("DAV:".into());
    let mut namespaces = owner.namespaces.clone().unwrap_or_else(xmltree::Namespace::empty);
    namespaces.force_put("D", "DAV:");
    owner.namespaces = Some(namespaces);
    let mut out = Vec::new();
    owner.write(&mut out).ok()?;
    String::from_utf8(out).ok()
}

impl DavLockSystem for DbLocks {
    fn lock(
        &self,
        path: &DavPath,
        principal: Option<&str>,
        owner: Option<&Element>,
        timeout: Option<Duration>,
        shared: bool,
        deep: bool,
    ) -> LsFuture<'_, Result<DavLock, DavLock>> {
        let want = Wanted {
            path: path.as_url_string(),
            names: path_names(path),
            principal: principal.map(str::to_owned),
            owner_xml: owner_xml(owner),
            timeout,
            shared,
            deep,
        };
        let path = path.clone();
        let mount = self.mount.clone();
        async move {
            match self
                .with_locks(move |conn, held, now| grant(conn, &mount, &held, want, now))
                .await
            {
                Ok(Ok(row)) => Ok(to_dav(&row)),
                Ok(Err(row)) => Err(to_dav(&row)),
                Err(e) => {
                    e.log_if_internal();
                    Err(unavailable(&path))
                }
            }
        }
        .boxed()
    }

    fn unlock(&self, path: &DavPath, token: &str) -> LsFuture<'_, Result<(), ()>> {
        let (names, token) = (path_names(path), token.to_owned());
        async move {
            self.with_locks(move |conn, held, _| {
                let found = held.iter().any(|h| h.row.token == token && covers(&h.names, &names));
                if found {
                    dav_locks::delete(conn, &[token])?;
                }
                Ok(found)
            })
            .await
            .ok()
            .filter(|found| *found)
            .map(|_| ())
            .ok_or(())
        }
        .boxed()
    }

    fn refresh(
        &self,
        path: &DavPath,
        token: &str,
        timeout: Option<Duration>,
    ) -> LsFuture<'_, Result<DavLock, ()>> {
        let (names, token) = (path_names(path), token.to_owned());
        async move {
            self.with_locks(move |conn, held, now| {
                let Some(h) =
                    held.into_iter().find(|h| h.row.token == token && covers(&h.names, &names))
                else {
                    return Ok(None);
                };
                let mut row = h.row;
                let secs = granted_secs(timeout);
                row.timeout_secs = Some(secs);
                row.expires_at = Some(now + chrono::Duration::seconds(secs));
                dav_locks::set_timeout(conn, &row.token, row.timeout_secs, row.expires_at)?;
                Ok(Some(to_dav(&row)))
            })
            .await
            .ok()
            .flatten()
            .ok_or(())
        }
        .boxed()
    }

    fn check(
        &self,
        path: &DavPath,
        principal: Option<&str>,
        ignore_principal: bool,
        deep: bool,
        submitted_tokens: &[String],
    ) -> LsFuture<'_, Result<(), DavLock>> {
        let names = path_names(path);
        let principal = principal.map(str::to_owned);
        let tokens = submitted_tokens.to_vec();
        let path = path.clone();
        async move {
            let verdict = self
                .reading(move |held| {
                    let p = principal.as_deref();
                    let found = check_to_path(&held, &names, p, ignore_principal, &tokens, false)
                        .err()
                        .or_else(|| {
                            deep.then(|| {
                                check_below(&held, &names, p, ignore_principal, &tokens, false)
                                    .err()
                            })
                            .flatten()
                        });
                    found.map(to_dav)
                })
                .await;
            match verdict {
                Ok(None) => Ok(()),
                Ok(Some(lock)) => Err(lock),
                Err(e) => {
                    e.log_if_internal();
                    Err(unavailable(&path))
                }
            }
        }
        .boxed()
    }

    fn discover(&self, path: &DavPath) -> LsFuture<'_, Vec<DavLock>> {
        let names = path_names(path);
        async move {
            self.reading(move |held| {
                held.iter().filter(|h| covers(&h.names, &names)).map(|h| to_dav(&h.row)).collect()
            })
            .await
            .unwrap_or_default()
        }
        .boxed()
    }

    fn delete(&self, path: &DavPath) -> LsFuture<'_, Result<(), ()>> {
        let names = path_names(path);
        async move {
            self.with_locks(move |conn, held, _| {
                let gone: Vec<String> = held
                    .into_iter()
                    .filter(|h| covers(&names, &h.names))
                    .map(|h| h.row.token)
                    .collect();
                dav_locks::delete(conn, &gone)?;
                Ok(())
            })
            .await
            .map_err(|_| ())
        }
        .boxed()
    }
}

/// Removes expired locks (the jobs' sweep).
pub fn sweep(conn: &mut DbConn) -> Result<usize, AppError> {
    Ok(dav_locks::delete_expired(conn, Utc::now().naive_utc())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_owner_survives_the_database() {
        let el = Element::parse(
            &b"<lockinfo xmlns='DAV:'><owner>litmus test suite</owner></lockinfo>"[..],
        )
        .expect("well-formed");
        let mut owner = el.get_child("owner").expect("an owner").clone();
        owner.prefix = Some("D".into()); // as dav-server hands it over
        let text = owner_xml(Some(&owner));
        let back = Element::parse(text.expect("written").as_bytes()).expect("read back");
        assert_eq!(back.get_text().expect("text"), "litmus test suite");
    }
}
