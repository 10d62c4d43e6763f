//! Signing and verifying access tokens (HS256 JWTs).
//!
//! Verification is strict: the algorithm is pinned to HS256, `exp`/`sub`/`iss`/`aud` are
//! required and checked, every claim must have its exact type (the claims struct is
//! deserialized strictly, so a string `exp` or a missing `sid` fails), `typ` must be `access`,
//! and a `kid` header may only select one of the configured keys (current or previous).
//! `jku`/`jwk` headers are never consulted.

use chrono::{DateTime, NaiveDateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::auth::claims::{
    AUDIENCE, AccessClaims, ClientKind, ISSUER, PreviewClaims, PreviewSizes, TokenType,
    access_claims, preview_claims,
};
use crate::error::AppError;

/// Clock-skew allowance for `exp`.
pub const LEEWAY_SECONDS: u64 = 60;
/// Longer strings are refused before any parsing.
pub const MAX_TOKEN_LEN: usize = 4096;
/// No token lives longer than this (the longest configurable session is 365 days); one whose
/// `exp` lies further past its `iat` is refused.
pub const MAX_LIFETIME_SECONDS: i64 = 366 * 86_400;

struct Key {
    id: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn new(secret: &[u8]) -> Self {
        // The key id names the key without revealing it: a hash prefix of a derived value.
        let digest = Sha256::new().chain_update(b"homedisk-kid:").chain_update(secret).finalize();
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Key {
            id,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }
}

/// The signing key and the optional previous key still accepted during a rotation, plus the
/// key CSRF tokens are derived from.
pub struct Keys {
    current: Key,
    previous: Option<Key>,
    csrf: SecretString,
    /// The key entity tags are HMACs under (see `crate::etag`).
    etag: [u8; 32],
    validation: Validation,
}

impl Keys {
    pub fn new(current: &SecretString, previous: Option<&SecretString>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.leeway = LEEWAY_SECONDS;
        // A token that says it is not valid yet is refused (jsonwebtoken skips `nbf` unless told).
        validation.validate_nbf = true;
        let secret = current.expose_secret().as_bytes();
        let csrf = Sha256::new().chain_update(b"homedisk-csrf:").chain_update(secret).finalize();
        let etag = Sha256::new().chain_update(b"homedisk-etag:").chain_update(secret).finalize();
        Keys {
            current: Key::new(secret),
            previous: previous.map(|p| Key::new(p.expose_secret().as_bytes())),
            csrf: SecretString::from(csrf.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            etag: etag.into(),
            validation,
        }
    }

    /// The key CSRF tokens are HMACs under (derived from the signing key, never equal to it).
    pub fn csrf_key(&self) -> &[u8] {
        self.csrf.expose_secret().as_bytes()
    }

    /// The key entity tags are derived under (from the signing key, never equal to it).
    pub fn etag_key(&self) -> &[u8; 32] {
        &self.etag
    }

    /// The `kid` of the current signing key.
    pub fn current_kid(&self) -> &str {
        &self.current.id
    }

    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, AppError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.id.clone());
        jsonwebtoken::encode(&header, claims, &self.current.encoding).map_err(AppError::internal)
    }

    /// Verifies signature, algorithm, `iss`, `aud`, `exp` and claim types, and returns the claims.
    /// The current key is tried first, then the previous one (during a rotation); a `kid`
    /// header, when present, must name the key that verified the token.
    pub fn decode<C: serde::de::DeserializeOwned>(&self, token: &str) -> Result<C, AppError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(AppError::TokenInvalid);
        }
        let with = |key: &Key| -> Result<C, jsonwebtoken::errors::Error> {
            let data = jsonwebtoken::decode::<C>(token, &key.decoding, &self.validation)?;
            match data.header.kid.as_deref() {
                Some(kid) if kid != key.id => Err(ErrorKind::InvalidToken.into()),
                _ => Ok(data.claims),
            }
        };
        let result = match (with(&self.current), &self.previous) {
            (Err(e), Some(previous)) if *e.kind() == ErrorKind::InvalidSignature => with(previous),
            (result, _) => result,
        };
        result.map_err(|e: jsonwebtoken::errors::Error| match e.kind() {
            ErrorKind::ExpiredSignature => AppError::TokenExpired,
            _ => AppError::TokenInvalid,
        })
    }

    /// Decodes an access token; any other `typ` is refused.
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, AppError> {
        let claims: AccessClaims = self.decode(token)?;
        if claims.typ != TokenType::Access || claims.iss != ISSUER || claims.aud != AUDIENCE {
            return Err(AppError::TokenInvalid);
        }
        plausible_times(claims.iat, claims.exp)?;
        Ok(claims)
    }
}

impl Keys {
    /// Decodes a preview token; any other `typ` is refused.
    pub fn verify_preview(&self, token: &str) -> Result<PreviewClaims, AppError> {
        let claims: PreviewClaims = self.decode(token)?;
        if claims.typ != TokenType::Preview || claims.iss != ISSUER || claims.aud != AUDIENCE {
            return Err(AppError::TokenInvalid);
        }
        plausible_times(claims.iat, claims.exp)?;
        Ok(claims)
    }

    /// Which verifier a token needs, read from its payload *without* verifying it. This only
    /// chooses between [`Keys::verify_access`] and [`Keys::verify_preview`], each of which then
    /// verifies everything; a forged `typ` gains nothing.
    pub fn peek_type(token: &str) -> Result<TokenType, AppError> {
        use base64::Engine;
        #[derive(Deserialize)]
        struct Typ {
            typ: TokenType,
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(AppError::TokenInvalid);
        }
        let payload = token.split('.').nth(1).ok_or(AppError::TokenInvalid)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| AppError::TokenInvalid)?;
        let typ: Typ = serde_json::from_slice(&bytes).map_err(|_| AppError::TokenInvalid)?;
        Ok(typ.typ)
    }
}

/// `iat` not in the future (beyond the leeway) and `exp` within [`MAX_LIFETIME_SECONDS`] of it.
fn plausible_times(iat: i64, exp: i64) -> Result<(), AppError> {
    let now = Utc::now().timestamp();
    let leeway = LEEWAY_SECONDS as i64;
    if iat > now + leeway || exp.saturating_sub(iat) > MAX_LIFETIME_SECONDS + leeway {
        return Err(AppError::TokenInvalid);
    }
    Ok(())
}

/// RFC 3339 UTC with whole seconds, as every time in the API is written.
pub fn rfc3339(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::{FileId, SessionId, UserId};
    use chrono::Duration;

    fn keys(secret: &str) -> Keys {
        Keys::new(&SecretString::from(secret.to_owned()), None)
    }

    fn claims(exp_in: Duration) -> AccessClaims {
        let now = Utc::now().naive_utc();
        access_claims(
            &UserId("u1".into()),
            &SessionId("s1".into()),
            ClientKind::Api,
            "files:read".into(),
            now,
            now + exp_in,
        )
    }

    // jsonwebtoken with default features, or with both crypto back ends, compiles but panics
    // on the first sign or verify (no process-level CryptoProvider): this catches it.
    #[test]
    fn sign_then_verify() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let token = k.sign(&claims(Duration::hours(1))).expect("sign");
        let back = k.verify_access(&token).expect("verify");
        assert_eq!(back.sub.0, "u1");
        assert!(back.has_scope("files:read"));
        assert!(!back.has_scope("files"));
    }

    #[test]
    fn another_key_or_an_old_token_fails() {
        let a = keys("0123456789abcdef0123456789abcdef");
        let b = keys("fedcba9876543210fedcba9876543210");
        let token = a.sign(&claims(Duration::hours(1))).expect("sign");
        assert!(matches!(b.verify_access(&token), Err(AppError::TokenInvalid)));
        let old = a.sign(&claims(Duration::hours(-2))).expect("sign");
        assert!(matches!(a.verify_access(&old), Err(AppError::TokenExpired)));
    }

    #[test]
    fn preview_and_access_tokens_are_not_interchangeable() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let now = Utc::now().naive_utc();
        let preview = preview_claims(
            &UserId("u1".into()),
            &SessionId("s1".into()),
            &FileId("f1".into()),
            PreviewSizes::Thumbs,
            now,
            now + Duration::hours(1),
            "j1".into(),
        );
        let p = k.sign(&preview).expect("sign");
        assert_eq!(k.verify_preview(&p).expect("preview").fid.0, "f1");
        assert!(matches!(k.verify_access(&p), Err(AppError::TokenInvalid)));
        let a = k.sign(&claims(Duration::hours(1))).expect("sign");
        assert!(matches!(k.verify_preview(&a), Err(AppError::TokenInvalid)));
        assert_eq!(Keys::peek_type(&a).expect("typ"), TokenType::Access);
        assert_eq!(Keys::peek_type(&p).expect("typ"), TokenType::Preview);
        assert!(Keys::peek_type("not.a-token").is_err());
    }

    #[test]
    fn a_future_nbf_or_iat_and_an_absurd_lifetime_are_refused() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let now = Utc::now().timestamp();
        let with = |patch: serde_json::Value| {
            let mut c = serde_json::to_value(claims(Duration::hours(1))).expect("json");
            for (name, value) in patch.as_object().expect("object") {
                c[name] = value.clone();
            }
            k.sign(&c).expect("sign")
        };
        assert!(k.verify_access(&with(serde_json::json!({ "nbf": now - 10 }))).is_ok());
        for patch in [
            serde_json::json!({ "nbf": now + 3600 }),
            serde_json::json!({ "iat": now + 3600, "exp": now + 7200 }),
            serde_json::json!({ "exp": now + 20 * 365 * 86_400 }),
        ] {
            let token = with(patch.clone());
            assert!(matches!(k.verify_access(&token), Err(AppError::TokenInvalid)), "{patch}");
        }
    }

    #[test]
    fn the_previous_key_still_verifies_during_rotation() {
        let old_secret = SecretString::from("0123456789abcdef0123456789abcdef".to_owned());
        let new_secret = SecretString::from("fedcba9876543210fedcba9876543210".to_owned());
        let old = Keys::new(&old_secret, None);
        let rotated = Keys::new(&new_secret, Some(&old_secret));
        let token = old.sign(&claims(Duration::hours(1))).expect("sign");
        assert!(rotated.verify_access(&token).is_ok());
        assert_ne!(old.current_kid(), rotated.current_kid());
    }
}
