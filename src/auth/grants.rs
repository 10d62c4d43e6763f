//! The preview route's memory of what the database last said about a (session, file) pair:
//! the session's user and client, and the file as `/preview` needs it. A hit saves the one
//! query of `auth::preview` (the image grid's hot path); the answer it gives is the one the
//! database would give, because:
//!
//! - an entry is trusted only while the pool's [`WriteEpoch`] still has the value it had
//!   *before* the query that filled it. Every connection given back after use moves the epoch,
//!   and a write is committed before its connection comes back, so the request after a
//!   logout, a revocation, a password change, a disabled account or a deleted, trashed or moved
//!   file always misses and asks the database (`tests/api/revocation.rs` covers each path);
//! - on PostgreSQL, where other nodes write where this process cannot see, their commits move
//!   the epoch too: triggers on the tables the lookup reads (`sessions`, `users`, `files`;
//!   migration `grant_notify`) notify a channel that every node listens on (`db::listen`).
//!   What another node commits is then believed a little longer than here: about 1 ms, a few
//!   under load (mostly the listener's 2 ms poll; docs/benchmarks.md). While that listener is
//!   not known to be connected, nothing is answered from memory or kept
//!   ([`GrantCache::watched`]); when it is back, the epoch moves before anything is trusted;
//! - only successful answers are kept, each at most [`TTL`] and never past its session's end.
//!   So a change that cannot end a successful answer (an insert: ids are never reused) need
//!   not move the epoch; a new condition in the lookup needs its column in the triggers.
//!
//! [`TTL`] bounds what the epoch cannot see: another process writing the SQLite file (the
//! `homedisk admin` commands), a notification lost with a connection before the loss is
//! noticed, and the noting of a session's use, postponed by at most that.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::auth::preview::PreviewFile;
use crate::db::ids::{FileId, SessionId, UserId};
use crate::db::{DatabaseUrl, Listening, WriteEpoch};

/// The longest an entry is believed.
pub const TTL: Duration = Duration::from_secs(1);

/// At most this many (session, file) pairs are remembered; then the memory starts over.
const MAX_ENTRIES: usize = 8192;

/// What the database said of a session and one of its user's files.
#[derive(Debug, Clone)]
pub struct Known {
    pub user: UserId,
    pub client: String,
    pub file: Arc<PreviewFile>,
}

struct Entry {
    epoch: u64,
    until: Instant,
    session_ends: NaiveDateTime,
    /// Shared with each answer: a hit copies nothing.
    known: Arc<Known>,
}

/// Entries by session, then file (foldhash: see Cargo.toml).
type Entries = foldhash::HashMap<SessionId, foldhash::HashMap<FileId, Entry>>;

/// The cache; [`GrantCache::off`] remembers nothing.
#[derive(Default)]
pub struct GrantCache {
    epoch: Option<WriteEpoch>,
    /// PostgreSQL: whether the other nodes' writes are heard (they move `epoch` then).
    listening: Option<Listening>,
    entries: Mutex<Entries>,
    len: AtomicU64,
    hits: AtomicU64,
}

/// The epoch read before a query, to be handed back with its answer.
#[derive(Debug, Clone, Copy)]
pub struct Stamp(Option<u64>);

impl GrantCache {
    /// A cache invalidated by `epoch`, the pool's: for a database only this process writes.
    pub fn on(epoch: WriteEpoch) -> Self {
        GrantCache { epoch: Some(epoch), ..Default::default() }
    }

    /// A cache invalidated by `epoch`, which `listening` also moves at every change another
    /// node commits; it answers and keeps nothing while `listening` is not live.
    pub fn watched(epoch: WriteEpoch, listening: Listening) -> Self {
        GrantCache { epoch: Some(epoch), listening: Some(listening), ..Default::default() }
    }

    /// The cache `url`'s database needs. SQLite has one process serving it (the data
    /// directory's lock), whose writes all move the epoch; several PostgreSQL nodes write where
    /// this one cannot see, and it hears what they commit through notifications.
    pub fn for_database(url: &DatabaseUrl, epoch: WriteEpoch) -> std::io::Result<Self> {
        if !url.is_postgres() {
            return Ok(GrantCache::on(epoch));
        }
        let listening = Listening::start(url.clone(), epoch.clone())?;
        Ok(GrantCache::watched(epoch, listening))
    }

    /// A cache that remembers nothing.
    pub fn off() -> Self {
        GrantCache::default()
    }

    /// What is known of `session` and `file`, if still true.
    pub fn get(
        &self,
        session: &SessionId,
        file: &FileId,
        now: NaiveDateTime,
    ) -> Option<Arc<Known>> {
        let epoch = self.trusted_epoch()?;
        let entries = self.lock();
        let e = entries.get(session)?.get(file)?;
        if e.epoch != epoch || Instant::now() >= e.until || now >= e.session_ends {
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(Arc::clone(&e.known))
    }

    /// To be read before the query whose answer [`put`](Self::put) will keep.
    pub fn stamp(&self) -> Stamp {
        Stamp(self.trusted_epoch())
    }

    /// The epoch, when what it says can be believed: always for a single process, and on
    /// PostgreSQL only while the listener is live (checked first: it goes dark before it
    /// moves the epoch, and moves the epoch before it is live again).
    fn trusted_epoch(&self) -> Option<u64> {
        let epoch = self.epoch.as_ref()?;
        if self.listening.as_ref().is_some_and(|l| !l.is_live()) {
            return None;
        }
        Some(epoch.current())
    }

    /// Keeps a successful answer read at `stamp`.
    pub fn put(
        &self,
        stamp: Stamp,
        session: &SessionId,
        session_ends: NaiveDateTime,
        file: &FileId,
        known: Known,
    ) {
        let Some(epoch) = stamp.0 else { return };
        let mut entries = self.lock();
        if self.len.load(Ordering::Relaxed) >= MAX_ENTRIES as u64 {
            entries.clear();
            self.len.store(0, Ordering::Relaxed);
        }
        let until = Instant::now() + TTL;
        if let Some(listening) = &self.listening {
            listening.keeping(until);
        }
        let entry = Entry { epoch, until, session_ends, known: Arc::new(known) };
        if entries.entry(session.clone()).or_default().insert(file.clone(), entry).is_none() {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Answers given from memory so far (tests check the cache is really used).
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Whether it may answer from memory right now: on, and on PostgreSQL listening.
    pub fn trusted(&self) -> bool {
        self.trusted_epoch().is_some()
    }

    /// Changes committed by any node and heard through notifications (PostgreSQL; 0 else).
    pub fn heard(&self) -> u64 {
        self.listening.as_ref().map_or(0, Listening::heard)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves the maps consistent (no entry half-written).
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            user: UserId("u".into()),
            client: "web".into(),
            file: Arc::new(PreviewFile {
                id: FileId("f".into()),
                name: "a.jpg".into(),
                is_folder: false,
                mime: None,
                sha256: None,
                modified_at: NaiveDateTime::default(),
            }),
        }
    }

    fn far() -> NaiveDateTime {
        chrono::Utc::now().naive_utc() + chrono::Duration::hours(1)
    }

    #[test]
    fn an_answer_is_kept_until_the_pool_is_used_again() {
        let manager =
            crate::db::Manager::new(crate::db::DatabaseUrl::Sqlite(":memory:".into()), TTL);
        let cache = GrantCache::on(manager.epoch());
        let pool = crate::db::DbPool::builder().max_size(1).build(manager).expect("pool");
        let (s, f, now) =
            (SessionId("s".into()), FileId("f".into()), chrono::Utc::now().naive_utc());
        let stamp = cache.stamp();
        cache.put(stamp, &s, far(), &f, known());
        assert!(cache.get(&s, &f, now).is_some());
        assert!(cache.get(&s, &FileId("g".into()), now).is_none());
        drop(pool.get().expect("a connection")); // any use of a connection, as a write would
        assert!(cache.get(&s, &f, now).is_none(), "a return to the pool invalidates");
        // An answer read before that use is not kept either.
        cache.put(stamp, &s, far(), &f, known());
        assert!(cache.get(&s, &f, now).is_none());
    }

    #[test]
    fn an_answer_never_outlives_its_session_and_off_keeps_nothing() {
        let cache = GrantCache::on(WriteEpoch::default());
        let (s, f, now) =
            (SessionId("s".into()), FileId("f".into()), chrono::Utc::now().naive_utc());
        cache.put(cache.stamp(), &s, now, &f, known());
        assert!(cache.get(&s, &f, now).is_none());
        let off = GrantCache::off();
        off.put(off.stamp(), &s, far(), &f, known());
        assert!(off.get(&s, &f, now).is_none());
    }
}
