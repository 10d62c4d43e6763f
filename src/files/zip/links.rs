//! Download links for the archive of a selection (`POST /api/v1/archives`): a GET-able URL
//! that browsers and download managers can fetch, resume and retry without a header.
//!
//! The URL names a row (`archives.id`) and carries a random secret (`?token=`, which the
//! access log redacts); the row keeps only the secret's SHA-256, the caller's session and the
//! selected ids. Every request checks, like a preview token: the secret, the row's expiry
//! (`HOMEDISK_ZIP_URL_TTL_SECONDS`, never past the session's own end), and the session
//! (alive, not revoked, user active). So a link dies with the session that made it: logout,
//! password change, disable, device revoke. A row and not a signed token because a selection
//! may be up to 1 000 ids, far more than a URL (or `MAX_TOKEN_LEN`) holds.

use chrono::{Duration, NaiveDateTime};

use crate::auth::secret::{self, digest};
use crate::auth::sessions;
use crate::db::DbConn;
use crate::db::ids::{FileId, SessionId, UserId};
use crate::db::models::archives::{self, ArchiveRow};
use crate::error::AppError;

/// A new link.
pub struct Minted {
    pub id: String,
    /// The site-relative URL, secret included.
    pub url: String,
    pub expires_at: NaiveDateTime,
}

/// Stores a link to the archive of `items` for `owner`, made by session `session` (which
/// ends at `session_end`), valid `ttl_seconds` at most.
pub fn mint(
    conn: &mut DbConn,
    owner: &UserId,
    (session, session_end): (&SessionId, NaiveDateTime),
    items: &[FileId],
    ttl_seconds: u64,
    now: NaiveDateTime,
) -> Result<Minted, AppError> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let secret = secret::random_hex()?;
    let ttl = Duration::seconds(i64::try_from(ttl_seconds).unwrap_or(i64::MAX / 2));
    let expires_at = (now + ttl).min(session_end);
    let row = ArchiveRow {
        id: id.clone(),
        owner_id: owner.clone(),
        session_id: session.clone(),
        secret_sha256: digest(&secret),
        items: serde_json::to_string(items).map_err(AppError::internal)?,
        created_at: now,
        expires_at,
    };
    crate::db::write(conn, |conn| -> Result<(), AppError> {
        archives::delete_expired(conn, now)?;
        archives::insert(conn, &row)?;
        Ok(())
    })?;
    let url = format!("/api/v1/archives/{id}?token={secret}");
    Ok(Minted { id, url, expires_at })
}

/// The owner and selection of link `id` when `secret` opens it now: a missing row or a wrong
/// secret is `NotFound` (nothing to probe), an expired link `token_expired`, and the
/// session's state what it would be on the API (`token_revoked`, `user_disabled`…).
pub fn open(
    conn: &mut DbConn,
    id: &str,
    secret: &str,
    now: NaiveDateTime,
) -> Result<(UserId, Vec<FileId>), AppError> {
    let row = archives::find(conn, id)?.ok_or(AppError::NotFound)?;
    if !secret::matches(secret, &row.secret_sha256) {
        return Err(AppError::NotFound);
    }
    if row.expires_at <= now {
        return Err(AppError::TokenExpired);
    }
    let (session, user) = sessions::find(conn, &row.session_id)?;
    sessions::validate(&session, &user, &row.owner_id, None, now)?;
    let items: Vec<FileId> = serde_json::from_str(&row.items).map_err(AppError::internal)?;
    Ok((row.owner_id, items))
}
