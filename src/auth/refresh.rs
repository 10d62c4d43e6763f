//! Refresh tokens for apps and scripts (`app`/`api` sessions): a login answers one next to
//! the access token; `POST /api/v1/auth/refresh` trades it for a new access token and a new
//! refresh token (rotation) and extends the session by its client's lifetime, never past its
//! absolute maximum (`auth::sliding::Limits::cap`).
//!
//! A refresh token works once. Presenting one that was already rotated means two parties hold
//! it (a thief, or a client that lost the answer of a refresh), so the whole session ends:
//! OAuth 2.0 Security BCP, "refresh token rotation". Two concurrent refreshes with one token
//! are the same case: the compare-and-set in `refresh_tokens::consume` lets one win, and the
//! other ends the session. Apps must therefore refresh from one place at a time.
//!
//! The token is `hdr_` and 256 random bits (base64url); only its SHA-256 is stored. It is
//! never logged (it travels in a JSON body, which no log records).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

use crate::audit::{self, Entry, Event, Origin};
use crate::auth::mfa::sha256_hex;
use crate::auth::sessions::{self, EndReason, Started, lifetime};
use crate::auth::sliding::Limits;
use crate::auth::tokens::{ClientKind, Keys, access_claims};
use crate::config::Config;
use crate::db::ids::SessionId;
use crate::db::models::refresh_tokens::{self as rows, RefreshToken};
use crate::db::models::sessions as session_rows;
use crate::db::{self, DbConn};
use crate::error::AppError;

/// What every refresh token starts with (so a log scrubber or a secret scanner can spot one).
pub const PREFIX: &str = "hdr_";
const RANDOM_BYTES: usize = 32;

/// Issues the first refresh token of session `session`, with the scope of its access tokens.
pub fn issue(
    conn: &mut DbConn,
    session: &SessionId,
    scope: &str,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let row = RefreshToken {
        token_sha256: sha256_hex(token.as_bytes()),
        session_id: session.clone(),
        created_at: now,
        used_at: None,
        scope: scope.to_owned(),
    };
    rows::insert(conn, &row)?;
    Ok(token)
}

/// The stored hash of `presented`, or `token_invalid` when it cannot be one of ours.
fn hash_of(presented: &str) -> Result<String, AppError> {
    let body = presented.strip_prefix(PREFIX).ok_or(AppError::TokenInvalid)?;
    match URL_SAFE_NO_PAD.decode(body) {
        Ok(bytes) if bytes.len() == RANDOM_BYTES => Ok(sha256_hex(presented.as_bytes())),
        _ => Err(AppError::TokenInvalid),
    }
}

/// What a presented token turned out to be.
enum Outcome {
    Rotated(Box<Started>),
    Reused(SessionId),
}

/// Trades `presented` for a new access token and refresh token (see the module header).
/// Errors: `token_invalid` (unknown), `refresh_token_reused` (already rotated: the session is
/// now revoked), and whatever the session's state says (`token_revoked`, `token_expired`,
/// `user_disabled`).
pub fn rotate(
    conn: &mut DbConn,
    keys: &Keys,
    config: &Config,
    presented: &str,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Started, AppError> {
    let hash = hash_of(presented)?;
    let outcome = db::write(conn, |conn| {
        let row = rows::find(conn, &hash)?.ok_or(AppError::TokenInvalid)?;
        if !rows::consume(conn, &hash, now)? {
            return Ok(Outcome::Reused(row.session_id));
        }
        renew(conn, keys, config, &row, now).map(|s| Outcome::Rotated(Box::new(s)))
    })?;
    match outcome {
        Outcome::Rotated(started) => Ok(*started),
        Outcome::Reused(sid) => {
            end_for_reuse(conn, &sid, origin, now)?;
            Err(AppError::RefreshTokenReused)
        }
    }
}

/// Extends the live session of `row` and mints its next pair of tokens.
fn renew(
    conn: &mut DbConn,
    keys: &Keys,
    config: &Config,
    row: &RefreshToken,
    now: NaiveDateTime,
) -> Result<Started, AppError> {
    let (mut session, user) = sessions::find(conn, &row.session_id)?;
    sessions::validate(&session, &user, &session.user_id, None, now)?;
    let client = ClientKind::parse(&session.client).ok_or(AppError::TokenInvalid)?;
    let until = (now + lifetime(config, client)).min(Limits::of(config).cap(session.created_at));
    if until <= now {
        return Err(AppError::TokenExpired);
    }
    session_rows::touch_until(conn, &session.id, now, until)?;
    (session.last_used_at, session.expires_at) = (now, until);
    let refresh_token = Some(issue(conn, &session.id, &row.scope, now)?);
    let claims = access_claims(&user.id, &session.id, client, row.scope.clone(), now, until);
    let token = keys.sign(&claims)?;
    Ok(Started { user, session, token, claims, refresh_token })
}

/// Ends the session whose rotated refresh token came back, and audits it.
fn end_for_reuse(
    conn: &mut DbConn,
    sid: &SessionId,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let reason = EndReason::RefreshReused.as_str();
    if session_rows::revoke_any(conn, sid, reason, now)? {
        if let Ok((_, user)) = sessions::find(conn, sid) {
            let entry = Entry::new(Event::RefreshTokenReused).by(&user).from(origin);
            audit::record_quietly(conn, &entry, now);
        }
        tracing::warn!(session = %sid, "refresh token reused: session revoked");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let good = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode([7u8; RANDOM_BYTES]));
        assert_eq!(hash_of(&good).expect("ok").len(), 64);
        let short = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode([7u8; 8]));
        for bad in ["", "hdr_", "hdk_abc", "hdr_!!!", short.as_str(), &good[4..]] {
            assert!(matches!(hash_of(bad), Err(AppError::TokenInvalid)), "{bad}");
        }
    }
}
