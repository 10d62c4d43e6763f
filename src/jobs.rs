//! Background jobs: housekeeping that runs once per period for the whole instance. Every node
//! wakes up each minute and asks the database whether a job is due; only the node whose claim
//! succeeds runs it (`db::models::job_runs`), so two nodes never prune twice, and a node that
//! dies mid-period leaves the job to whichever node asks next.

use std::time::Duration;

use actix_web::web;

use crate::db::{self, models::job_runs};
use crate::error::AppError;
use crate::state::AppState;

/// How often each node asks whether a job is due.
const TICK: Duration = Duration::from_secs(60);

/// One periodic job: a name (its row in `job_runs`), its period and its work.
struct Job {
    name: &'static str,
    period: chrono::Duration,
    run: fn(&AppState, &mut db::DbConn) -> Result<(), AppError>,
}

const JOBS: &[Job] = &[
    Job { name: "audit_prune", period: chrono::Duration::hours(1), run: prune_audit_log },
    Job { name: "login_limits_prune", period: chrono::Duration::hours(1), run: prune_login_limits },
    Job { name: "orphan_blobs", period: chrono::Duration::days(1), run: remove_orphan_blobs },
    Job { name: "trash_purge", period: chrono::Duration::hours(1), run: purge_trash },
    Job { name: "device_codes_prune", period: chrono::Duration::hours(1), run: prune_device_codes },
    Job { name: "mfa_challenges_prune", period: chrono::Duration::hours(1), run: prune_challenges },
    Job { name: "uploads_sweep", period: chrono::Duration::hours(1), run: sweep_uploads },
    Job { name: "dav_locks_prune", period: chrono::Duration::hours(1), run: prune_dav_locks },
    Job { name: "photo_backfill", period: chrono::Duration::minutes(1), run: backfill_photos },
];

/// Stored bytes without a row younger than this are left alone by the daily sweep: an upload
/// on some node may be about to commit them (and `homedisk admin fsck --repair` uses the same
/// default).
const ORPHAN_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Runs forever on the server's runtime (spawned by `startup::run`).
pub async fn run(state: web::Data<AppState>) {
    let mut every = actix_web::rt::time::interval(TICK);
    loop {
        every.tick().await;
        for job in JOBS {
            let st = state.clone();
            let done = db::run(&state.db, move |conn| {
                let now = chrono::Utc::now().naive_utc();
                if job_runs::claim(conn, job.name, job.period, now)? {
                    (job.run)(&st, conn)?;
                }
                Ok(())
            })
            .await;
            if let Err(e) = done {
                tracing::warn!(job = job.name, error = %e, "background job failed");
            }
        }
    }
}

/// Removes audit entries past `HOMEDISK_AUDIT_RETENTION_DAYS`.
fn prune_audit_log(state: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    let days = state.config.audit_retention_days;
    let n = crate::audit::prune(conn, days, chrono::Utc::now().naive_utc())?;
    if n > 0 {
        tracing::info!(entries = n, days, "pruned old audit log entries");
    }
    Ok(())
}

/// Forgets login limits whose allowance is full again.
fn prune_login_limits(_: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    db::models::login_limits::prune(conn, chrono::Utc::now().timestamp_millis())?;
    Ok(())
}

/// Removes two-factor login challenges that expired (used or not, they open nothing then).
fn prune_challenges(_: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    crate::db::models::mfa_challenges::delete_expired(conn, chrono::Utc::now().naive_utc())?;
    Ok(())
}

/// Removes resumable uploads 24 h after their last bytes, with their bytes.
fn sweep_uploads(state: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    let dir = state.config.data_dir.join("uploads");
    let backend = crate::uploads::Backend::of(&state.storage, &dir);
    let n = crate::uploads::sweep(conn, &backend, chrono::Utc::now().naive_utc(), 1000)?;
    if n > 0 {
        tracing::info!(count = n, "removed expired resumable uploads");
    }
    Ok(())
}

/// Removes WebDAV locks whose timeout passed (they are ignored from that moment; this only
/// keeps the table small).
fn prune_dav_locks(_: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    crate::dav::locks::sweep(conn)?;
    Ok(())
}

/// Removes device login requests a day after they expired.
fn prune_device_codes(_: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    crate::auth::device_flow::prune(conn, chrono::Utc::now().naive_utc())?;
    Ok(())
}

/// Removes stored blobs no row references, stored more than a day ago (a node killed between
/// sending an upload's bytes and committing it leaves such bytes).
fn remove_orphan_blobs(state: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    let cutoff = std::time::SystemTime::now() - ORPHAN_GRACE;
    let removed = crate::files::gc::remove_orphan_blobs(conn, state.storage.as_ref(), cutoff)?;
    for key in &removed {
        state.thumbs.forget(key);
    }
    if !removed.is_empty() {
        tracing::info!(count = removed.len(), "removed stored blobs no file refers to");
    }
    Ok(())
}

/// Purges deleted items older than the trash retention (an admin setting, else
/// `HOMEDISK_TRASH_RETENTION_DAYS`), releasing their blobs like any purge.
pub fn purge_trash(state: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    let days = crate::settings::current(conn, &state.config)?.trash_retention_days;
    let cutoff = chrono::Utc::now().naive_utc() - chrono::Duration::days(i64::from(days));
    let purged = crate::files::trash::purge_expired(
        conn,
        state.storage.as_ref(),
        |sha| state.thumbs.forget(sha),
        cutoff,
    )?;
    if purged.entries > 0 {
        tracing::info!(
            entries = purged.entries,
            bytes = purged.bytes,
            blobs = purged.blobs_removed,
            days,
            "purged items past the trash retention"
        );
    }
    Ok(())
}

/// Reads the photo facts (EXIF) of pictures uploaded before homedisk kept them, a batch a
/// minute, so a large library is read in the background and new uploads never wait for it.
fn backfill_photos(state: &AppState, conn: &mut db::DbConn) -> Result<(), AppError> {
    let now = chrono::Utc::now().naive_utc();
    let n = crate::files::photo::store::backfill(conn, state.storage.as_ref(), 200, now)?;
    if n > 0 {
        tracing::info!(count = n, "read the metadata of earlier photos");
    }
    Ok(())
}
