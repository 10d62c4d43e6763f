//! A cache of verified tokens, by their exact text, beside the keys that verify them: an image
//! grid reloading the same preview URLs does not verify each token's signature again. Only
//! the signature work is saved: expiry is checked on every use (with the same leeway), and the
//! session, the user and the file are still read from the database on every request, so
//! revocation stays immediate.

use std::sync::{Arc, Mutex};

use chrono::Utc;

use crate::auth::tokens::{Keys, LEEWAY_SECONDS, PreviewSizes, TokenType};
use crate::db::ids::{FileId, SessionId, UserId};
use crate::error::AppError;

/// The clock-skew allowance on `exp`, as in `Keys`.
const LEEWAY: i64 = LEEWAY_SECONDS as i64;

/// What a verified token allows, as far as previews are concerned.
#[derive(Debug, Clone)]
pub struct Verified {
    pub kind: TokenType,
    pub user: UserId,
    pub session: SessionId,
    /// Access tokens: the client type the session must have.
    pub client: Option<&'static str>,
    pub sizes: PreviewSizes,
    /// Preview tokens: the one file they open.
    pub file: Option<FileId>,
    /// Access tokens: whether they carry `files:read`.
    pub reads_files: bool,
    pub expires: i64,
}

/// Verified tokens by their text (foldhash: see Cargo.toml).
type TokenMap = foldhash::HashMap<String, Arc<Verified>>;

/// Tokens whose signature and claims were verified, by their exact text.
#[derive(Default)]
pub struct VerifiedTokens {
    /// Shared with each answer: a hit copies nothing.
    map: Mutex<TokenMap>,
}

/// At most this many verified tokens are remembered (then the memory starts over).
const MAX_VERIFIED: usize = 4096;

impl VerifiedTokens {
    pub fn get_or_verify(&self, keys: &Keys, token: &str) -> Result<Arc<Verified>, AppError> {
        let now = Utc::now().timestamp();
        let alive = |v: &Verified| now <= v.expires.saturating_add(LEEWAY);
        if let Some(v) = self.lock().get(token).filter(|v| alive(v)) {
            return Ok(v.clone());
        }
        let verified = Arc::new(verify(keys, token)?);
        let mut map = self.lock();
        if map.len() >= MAX_VERIFIED {
            map.retain(|_, v| alive(v));
            if map.len() >= MAX_VERIFIED {
                map.clear();
            }
        }
        map.insert(token.to_owned(), verified.clone());
        Ok(verified)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TokenMap> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Verifies the token as whichever kind it is (every check of `Keys`).
fn verify(keys: &Keys, token: &str) -> Result<Verified, AppError> {
    Ok(match Keys::peek_type(token)? {
        TokenType::Preview => {
            let c = keys.verify_preview(token)?;
            Verified {
                kind: TokenType::Preview,
                user: c.sub,
                session: c.sid,
                client: None,
                sizes: c.sz,
                file: Some(c.fid),
                reads_files: false,
                expires: c.exp,
            }
        }
        TokenType::Access => {
            let c = keys.verify_access(token)?;
            Verified {
                kind: TokenType::Access,
                reads_files: c.has_scope("files:read"),
                user: c.sub,
                session: c.sid,
                client: Some(c.cli.as_str()),
                sizes: PreviewSizes::All,
                file: None,
                expires: c.exp,
            }
        }
    })
}
