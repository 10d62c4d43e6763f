//! Hearing the other nodes' writes (PostgreSQL): one thread per process keeps a connection of
//! its own that `LISTEN`s on [`CHANNEL`], where the triggers of the `grant_notify` migration
//! announce every committed change that can end a preview grant (`auth::grants`). Each
//! notification moves the pool's [`WriteEpoch`], as this process's own writes do, so the grant
//! cache stays exact across nodes up to the time a notification takes to arrive.
//!
//! It fails closed: [`Listening::is_live`] holds only while the connection is known to be up.
//! A heartbeat (`SELECT 1`) every [`HEARTBEAT`] renews a lease of [`LEASE`], so a connection
//! lost without a word (a cut network) stops being trusted within that; a closed one (a
//! restart, `pg_terminate_backend`) as soon as a read fails. The epoch moves when the
//! connection is lost and again when it is back (after `LISTEN`, before being trusted), so
//! nothing remembered across a gap is believed. Reconnecting backs off from [`FIRST_RETRY`] to
//! [`LAST_RETRY`].
//!
//! diesel reads notifications without blocking (`PgConnection::notifications_iter`: libpq's
//! `PQconsumeInput` and `PQnotifies`) and does not hand out the socket to wait on, so the
//! thread looks every [`POLL`]: that wait is most of the staleness bound measured in
//! docs/benchmarks.md. It does so only while the cache holds answers that a notification
//! could end ([`Listening::keeping`] wakes it); otherwise it only beats once a second, so an
//! idle node costs nothing (polling measured at 0.7–1.6 % of a core here, see there).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use secrecy::ExposeSecret;

use super::connection::{DatabaseUrl, WriteEpoch, scrub};

/// The channel the triggers notify (an identifier: no quoting needed).
pub const CHANNEL: &str = "homedisk_grants";

/// How the listener's connection shows in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "homedisk grant listener";

/// How often arrived notifications are read while the cache keeps answers.
const POLL: Duration = Duration::from_millis(2);

/// How often the connection is proved alive by a round trip.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// How long after its last proof the connection is believed.
const LEASE: Duration = Duration::from_secs(3);

/// The first wait before connecting again, doubled after each failure up to [`LAST_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// Whether this process hears, right now, the grant changes other nodes commit. The thread
/// behind it ends (closing its connection) soon after the last handle is dropped.
#[derive(Clone)]
pub struct Listening(Arc<Shared>);

struct Shared {
    origin: Instant,
    /// Milliseconds after `origin` until which the connection is believed; 0 while down.
    live_until: AtomicU64,
    /// Milliseconds after `origin` until which answers kept in memory may need ending: the
    /// listener polls until then.
    busy_until: AtomicU64,
    heard: AtomicU64,
    epoch: WriteEpoch,
    /// The listener's thread, unparked when the cache starts keeping answers again.
    thread: OnceLock<std::thread::Thread>,
}

impl Shared {
    fn millis(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.origin).as_millis()).unwrap_or(u64::MAX)
    }

    fn busy(&self) -> bool {
        self.busy_until.load(Ordering::SeqCst) > self.millis(Instant::now())
    }

    fn renew(&self, proved_at: Instant) {
        self.live_until.store(self.millis(proved_at + LEASE).max(1), Ordering::SeqCst);
    }

    /// Not trusted from now on, and nothing remembered so far either.
    fn go_dark(&self) {
        self.live_until.store(0, Ordering::SeqCst);
        self.epoch.bump();
    }
}

impl Listening {
    /// Starts listening on `url` (PostgreSQL), moving `epoch` at every notification.
    pub fn start(url: DatabaseUrl, epoch: WriteEpoch) -> std::io::Result<Listening> {
        let shared = Arc::new(Shared {
            origin: Instant::now(),
            live_until: AtomicU64::new(0),
            busy_until: AtomicU64::new(0),
            heard: AtomicU64::new(0),
            epoch,
            thread: OnceLock::new(),
        });
        let weak = Arc::downgrade(&shared);
        // The thread logs where its creator does (a test's own subscriber, say).
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        let thread = std::thread::Builder::new()
            .name("grant-listener".into())
            .spawn(move || tracing::dispatcher::with_default(&dispatch, || run(&weak, &url)))?;
        // Set before any answer can be kept: none is until the listener is live.
        let _ = shared.thread.set(thread.thread().clone());
        Ok(Listening(shared))
    }

    /// Says that an answer kept now lives until `until` at most: notifications are read every
    /// [`POLL`] until then (a dozing listener is woken at once).
    pub fn keeping(&self, until: Instant) {
        let shared = &self.0;
        // Rounded up: the listener stops polling only once every answer is past its end.
        let until = shared.millis(until).saturating_add(1);
        let before = shared.busy_until.fetch_max(until, Ordering::SeqCst);
        if before <= shared.millis(Instant::now())
            && let Some(thread) = shared.thread.get()
        {
            thread.unpark();
        }
    }

    /// Whether every grant change committed so far by any node has been or will within the
    /// staleness bound be heard: the connection is up and was proved so within the lease.
    pub fn is_live(&self) -> bool {
        let until = self.0.live_until.load(Ordering::SeqCst);
        let now = self.0.origin.elapsed().as_millis();
        u128::from(until) > now
    }

    /// Notifications heard so far.
    pub fn heard(&self) -> u64 {
        self.0.heard.load(Ordering::SeqCst)
    }
}

/// The thread: connect, listen until the connection fails, say so, wait, again; until the last
/// [`Listening`] is gone.
fn run(shared: &Weak<Shared>, url: &DatabaseUrl) {
    let mut retry = FIRST_RETRY;
    let mut down_since: Option<Instant> = None;
    loop {
        let proved_at = Instant::now();
        let attempt = connect(url);
        let Some(s) = shared.upgrade() else { return };
        match attempt {
            Ok(mut conn) => {
                // LISTEN has returned: from here on every commit is heard. Whatever was kept
                // before is not believed; then the cache may answer again.
                s.epoch.bump();
                s.renew(proved_at);
                match down_since.take() {
                    Some(t) => tracing::info!(
                        after_ms = t.elapsed().as_millis() as u64,
                        "grant cache: hearing the other nodes' writes again"
                    ),
                    None => tracing::debug!("grant cache: listening for the other nodes' writes"),
                }
                retry = FIRST_RETRY;
                drop(s);
                let Some(why) = serve(shared, &mut conn) else { return };
                let Some(s) = shared.upgrade() else { return };
                s.go_dark();
                tracing::warn!(
                    reason = %scrub(&why, url),
                    "grant cache: lost the connection that hears the other nodes' writes; \
                     every preview asks the database until it is back"
                );
                down_since = Some(Instant::now());
            }
            Err(why) => {
                let reason = scrub(&why, url);
                if down_since.is_none() {
                    down_since = Some(Instant::now());
                    tracing::warn!(%reason, "grant cache: cannot listen for the other nodes' writes; every preview asks the database until it can");
                } else {
                    tracing::debug!(%reason, retry_ms = retry.as_millis() as u64, "grant cache: still cannot listen");
                }
            }
        }
        if !wait(shared, retry) {
            return;
        }
        retry = (retry * 2).min(LAST_RETRY);
    }
}

/// A connection listening on [`CHANNEL`].
fn connect(url: &DatabaseUrl) -> Result<PgConnection, String> {
    let DatabaseUrl::Postgres(secret) = url else {
        return Err("notifications need PostgreSQL".into());
    };
    let mut conn = PgConnection::establish(secret.expose_secret()).map_err(|e| e.to_string())?;
    conn.batch_execute(&format!("SET application_name = '{APPLICATION_NAME}'; LISTEN {CHANNEL}"))
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Reads notifications until the connection fails (`Some(why)`) or the listener is no longer
/// wanted (`None`).
fn serve(shared: &Weak<Shared>, conn: &mut PgConnection) -> Option<String> {
    let mut next_beat = Instant::now() + HEARTBEAT;
    loop {
        let s = shared.upgrade()?;
        let mut heard = 0;
        for notification in conn.notifications_iter() {
            match notification {
                Ok(_) => heard += 1,
                Err(e) => return Some(e.to_string()),
            }
        }
        if heard > 0 {
            // The epoch first: whoever sees the count has seen the move.
            s.epoch.bump();
            s.heard.fetch_add(heard, Ordering::SeqCst);
        }
        let now = Instant::now();
        if now >= next_beat {
            if let Err(e) = conn.batch_execute("SELECT 1") {
                return Some(e.to_string());
            }
            s.renew(now);
            next_beat = now + HEARTBEAT;
            // What arrived during the round trip is read at once.
            continue;
        }
        // Dozing: no kept answer can need ending before it is next woken or beats.
        let nap = if s.busy() { POLL } else { next_beat.saturating_duration_since(now) };
        drop(s);
        std::thread::park_timeout(nap);
    }
}

/// Sleeps `how_long` in short steps; `false` when the listener is no longer wanted.
fn wait(shared: &Weak<Shared>, how_long: Duration) -> bool {
    let end = Instant::now() + how_long;
    while Instant::now() < end {
        if shared.strong_count() == 0 {
            return false;
        }
        std::thread::sleep(
            Duration::from_millis(50).min(end.saturating_duration_since(Instant::now())),
        );
    }
    shared.strong_count() > 0
}
