//! Who may fetch `/preview/{id}`, and for how long the answer may be cached.
//!
//! The token is read from `?token=` first (so `<img src>` and image loaders that cannot send
//! headers work), then from the API's headers, then from the session cookie. It may be:
//! - a preview token: opens only its own file (any other id is 404, as if missing), and the
//!   original only when minted with `sz=all`;
//! - an access token with `files:read`: opens every file of its user, in every size. From the
//!   query only while `HOMEDISK_QUERY_ACCESS_TOKENS` is on; on every other route a query token
//!   is never read.
//!
//! Either way the session behind the token must be alive and the user active, exactly as on
//! the API. This is the hot path of the image grid, so the session and file lookups are
//! primary-key reads done inline when a connection is free (`db::read_inline`).

use chrono::{NaiveDateTime, Utc};
use sha2::Digest;

use std::sync::Arc;

use crate::auth::grants::{GrantCache, Known};
use crate::auth::sessions;
use crate::auth::tokens::{Keys, PreviewSizes, TokenType};
use crate::auth::verified::{Verified, VerifiedTokens};
use crate::db::ids::FileId;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::preview::Size;

/// A caller allowed to see `file` at the requested size.
#[derive(Debug)]
pub struct PreviewGrant {
    pub file: Arc<PreviewFile>,
    /// When the credential stops working (Unix seconds): no cache may keep the answer longer.
    pub expires: i64,
}

/// What `/preview` needs of the file.
#[derive(Debug, Clone)]
pub struct PreviewFile {
    pub id: FileId,
    pub name: String,
    pub is_folder: bool,
    pub mime: Option<String>,
    pub sha256: Option<String>,
    pub modified_at: NaiveDateTime,
}

/// What a verified token says, before the database is asked.
struct Claimed {
    /// The verified token, shared with the cache of verified tokens.
    token: Arc<Verified>,
}

/// What checking a preview needs of the application.
pub struct PreviewAuth<'a> {
    pub db: &'a DbPool,
    pub keys: &'a Keys,
    pub verified: &'a VerifiedTokens,
    /// What the database said recently (`auth::grants`).
    pub grants: &'a GrantCache,
    /// `HOMEDISK_QUERY_ACCESS_TOKENS`.
    pub query_access_tokens: bool,
}

/// The token as read at the door: its text, and whether it came from the URL's query.
pub struct Token<'a> {
    pub text: &'a str,
    pub from_query: bool,
}

/// Checks the caller's `token` for file `id` at `size`.
pub async fn authorize(
    ctx: &PreviewAuth<'_>,
    token: Token<'_>,
    id: FileId,
    size: Size,
) -> Result<PreviewGrant, AppError> {
    let Claimed { token: v } = claims(ctx, &token, &id)?;
    if size == Size::Orig && v.sizes == PreviewSizes::Thumbs {
        return Err(AppError::ScopeInsufficient("preview:orig"));
    }
    let now = Utc::now().naive_utc();
    let (user, client, expires) = (&v.user, v.client, v.expires);
    if let Some(known) = ctx.grants.get(&v.session, &id, now) {
        sessions::judge(&known_facts(&known), user, client)?;
        return Ok(PreviewGrant { file: Arc::clone(&known.file), expires });
    }
    // A miss: the lookup runs off this thread and needs its own copies.
    let (session, user) = (v.session.clone(), user.clone());
    let stamp = ctx.grants.stamp();
    let sid = session.clone();
    let (file, touch, known) = db::lookup_inline(ctx.db, move |conn| {
        let touch_before = now - sessions::touch_every();
        let Some(c) = db::models::sessions::preview_check(conn, &sid, &id, now, touch_before)?
        else {
            return Err(sessions::missing_is_revoked(diesel::result::Error::NotFound));
        };
        let facts = sessions::SessionFacts {
            user_id: &c.user_id,
            client: &c.client,
            revoked: c.revoked,
            revoked_reason: c.revoked_reason.as_deref(),
            expired: c.expired,
            user_active: c.user_active,
        };
        sessions::judge(&facts, &user, client)?;
        let (Some(kind), Some(name), Some(modified_at)) =
            (c.file_kind, c.file_name, c.file_modified_at)
        else {
            return Err(AppError::NotFound);
        };
        let file = Arc::new(PreviewFile {
            id,
            name,
            modified_at,
            is_folder: kind == "folder",
            mime: c.file_mime,
            sha256: c.file_sha256,
        });
        let known = Known { user: c.user_id, client: c.client, file: file.clone() };
        Ok((file, c.touch_due, (known, c.expires_at)))
    })
    .await?;
    let (known, session_ends) = known;
    ctx.grants.put(stamp, &session, session_ends, &known.file.id.clone(), known);
    if touch {
        // Noting the use is a write: off the request, on the blocking pool.
        let pool = ctx.db.clone();
        tokio::spawn(async move {
            let _ =
                db::run(&pool, move |conn| Ok(db::models::sessions::touch(conn, &session, now)?))
                    .await;
        });
    }
    Ok(PreviewGrant { file, expires })
}

/// A remembered answer as the facts [`sessions::judge`] weighs: it was kept only when the
/// session was alive and its user active.
fn known_facts(known: &Known) -> sessions::SessionFacts<'_> {
    sessions::SessionFacts {
        user_id: &known.user,
        client: &known.client,
        revoked: false,
        revoked_reason: None,
        expired: false,
        user_active: true,
    }
}

/// What the token allows on file `id`.
fn claims(ctx: &PreviewAuth<'_>, token: &Token<'_>, id: &FileId) -> Result<Claimed, AppError> {
    let v = ctx.verified.get_or_verify(ctx.keys, token.text)?;
    match v.kind {
        TokenType::Preview if v.file.as_ref() != Some(id) => {
            // Another file's token proves nothing about this id, and says nothing either.
            return Err(AppError::NotFound);
        }
        TokenType::Access if token.from_query && !ctx.query_access_tokens => {
            return Err(AppError::TokenInvalid);
        }
        TokenType::Access if !v.reads_files => {
            return Err(AppError::ScopeInsufficient("files:read"));
        }
        _ => {}
    }
    Ok(Claimed { token: v })
}

/// A signed preview URL (relative to the site) and its token.
#[derive(Debug, Clone)]
pub struct Minted {
    pub url: String,
    pub token: String,
    pub expires_at: chrono::NaiveDateTime,
}

/// How a preview token is minted: on request, for exactly the asked time, or for a listing,
/// where the same file gets the same URL for a while so browsers and apps can cache the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mint {
    /// Valid `ttl` seconds from now (at most `HOMEDISK_PREVIEW_TTL_SECONDS`).
    Exact(Option<u64>),
    /// Issued at the start of the current time slot (a sixth of the lifetime, at most ten
    /// minutes), so every listing within the slot gives the same URL; it still lives at least
    /// five sixths of the configured lifetime.
    Stable,
}

/// Mints a preview token for `file` by the session `session`: it opens `size` (and, for
/// `orig`, every size; otherwise the thumbnails only), and never outlives the session.
pub fn mint(
    keys: &Keys,
    max_ttl: u64,
    session: &crate::db::models::sessions::Session,
    file: &FileId,
    size: Size,
    how: Mint,
    now: chrono::NaiveDateTime,
) -> Result<Minted, AppError> {
    let secs = |n: u64| chrono::Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX / 2));
    let sizes = if size == Size::Orig { PreviewSizes::All } else { PreviewSizes::Thumbs };
    let (issued, ttl, jti) = match how {
        Mint::Exact(None) => (now, max_ttl, uuid::Uuid::new_v4().to_string()),
        Mint::Exact(Some(t)) if (1..=max_ttl).contains(&t) => {
            (now, t, uuid::Uuid::new_v4().to_string())
        }
        Mint::Exact(Some(_)) => {
            return Err(AppError::Validation(crate::error::FieldErrors::single(
                "ttl_seconds",
                format!("must be between 1 and {max_ttl} seconds"),
            )));
        }
        Mint::Stable => {
            let slot = i64::try_from((max_ttl / 6).clamp(1, 600)).unwrap_or(600);
            let start = now.and_utc().timestamp();
            let start = start - start.rem_euclid(slot);
            let issued = chrono::DateTime::from_timestamp(start, 0).map_or(now, |t| t.naive_utc());
            // Same slot, session, file and sizes: the same token, byte for byte.
            let jti = format!("{}:{}:{:?}:{start}", session.id, file, sizes);
            let digest = sha2::Sha256::digest(jti.as_bytes());
            (issued, max_ttl, digest[..16].iter().map(|b| format!("{b:02x}")).collect())
        }
    };
    let expires_at = (issued + secs(ttl)).min(session.expires_at);
    let claims = crate::auth::tokens::preview_claims(
        &session.user_id,
        &session.id,
        file,
        sizes,
        issued,
        expires_at,
        jti,
    );
    let token = keys.sign(&claims)?;
    let url = format!("/preview/{file}?size={}&token={token}", size.as_str());
    Ok(Minted { url, token, expires_at })
}
