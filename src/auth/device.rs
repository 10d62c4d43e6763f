//! Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser
//! or app that once logged in to an account gets a cookie naming that account, signed by the
//! server. Login attempts that carry it are limited per device; attempts without it share the
//! account's allowance for unknown devices. So a stranger who floods an account with wrong
//! passwords exhausts only the unknown-device allowance, and the owner logs in from a device
//! they used before as if nothing happened.
//!
//! The value is `{user id}.{random}.{HMAC}`; the HMAC is under the CSRF key (itself derived
//! from the signing key) with its own `device:` prefix, so a device cookie is worth nothing as
//! a CSRF token and the other way round.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::tokens::Keys;
use crate::db::ids::UserId;

pub const COOKIE: &str = "homedisk_device";
/// How long a device stays recognised after its last login (seconds): one year.
pub const MAX_AGE_SECS: i64 = 365 * 86_400;

fn mac(keys: &Keys, user: &str, nonce: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.csrf_key()).expect("HMAC takes any key size");
    mac.update(b"device:");
    mac.update(user.as_bytes());
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac
}

/// A new device cookie value for `user`.
pub fn issue(keys: &Keys, user: &UserId) -> String {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let tag = URL_SAFE_NO_PAD.encode(mac(keys, user.as_str(), &nonce).finalize().into_bytes());
    format!("{}.{nonce}.{tag}", user.as_str())
}

/// The device's id when `value` is a device cookie this server issued to `user`.
pub fn recognise(keys: &Keys, value: &str, user: &UserId) -> Option<String> {
    if value.len() > 256 {
        return None;
    }
    let mut parts = value.split('.');
    let (Some(owner), Some(nonce), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if owner != user.as_str() {
        return None;
    }
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    mac(keys, owner, nonce).verify_slice(&tag).ok()?;
    Some(nonce.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn a_device_cookie_names_one_account_and_cannot_be_forged() {
        let keys = Keys::new(&SecretString::from("k".repeat(32)), None);
        let other = Keys::new(&SecretString::from("j".repeat(32)), None);
        let alice = UserId("alice-id".into());
        let cookie = issue(&keys, &alice);
        let device = recognise(&keys, &cookie, &alice).expect("recognised");
        assert_eq!(device.len(), 32);
        assert!(recognise(&keys, &cookie, &UserId("bob-id".into())).is_none());
        assert!(recognise(&other, &cookie, &alice).is_none());
        let forged = cookie.replace(&device, &"0".repeat(32));
        assert!(recognise(&keys, &forged, &alice).is_none());
        for bad in ["", "alice-id", "alice-id..", "alice-id.x.y.z", &"a".repeat(300)] {
            assert!(recognise(&keys, bad, &alice).is_none(), "{bad}");
        }
    }
}
