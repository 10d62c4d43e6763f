//! CSRF tokens for cookie-authenticated requests.
//!
//! A CSRF token is an HMAC of a *binding* under a key derived from the signing key: the
//! session id when the browser is logged in, or the random `homedisk_csrf` cookie before it is
//! (login and registration forms). A cross-site page can neither read the binding nor compute
//! the HMAC. Forms send it as the `csrf_token` field; scripts as the `X-CSRF-Token` header.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::tokens::Keys;

pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// Pre-login binding cookie (random, HttpOnly, SameSite=Strict).
pub const ANON_COOKIE: &str = "homedisk_csrf";

fn mac(keys: &Keys, binding: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.csrf_key()).expect("HMAC takes any key size");
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    mac
}

/// The CSRF token for `binding`.
pub fn token(keys: &Keys, binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(keys, binding).finalize().into_bytes())
}

/// Constant-time check of a presented token against `binding`.
pub fn verify(keys: &Keys, binding: &str, presented: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(presented.trim()) {
        Ok(bytes) => mac(keys, binding).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// A fresh random value for the pre-login cookie.
pub fn new_anon_binding() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn a_token_only_verifies_for_its_binding() {
        let keys = Keys::new(&SecretString::from("k".repeat(32)), None);
        let t = token(&keys, "session-a");
        assert!(verify(&keys, "session-a", &t));
        assert!(!verify(&keys, "session-b", &t));
        assert!(!verify(&keys, "session-a", "garbage!"));
        assert!(!verify(&keys, "session-a", ""));
    }
}
