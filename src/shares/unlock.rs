//! What a visitor who typed a link's password carries: `{share id}.{password version}.{expiry}`
//! and an HMAC of it under the CSRF key (derived from the signing key) with its own
//! `share-unlock:` prefix, so no other signed value of the app can pass for one. The HttpOnly
//! cookie (limited to the link's path) and the `X-Share-Unlock` header hold the same value.
//!
//! Naming the password version is what makes a password change lock everyone out again: the
//! gate compares it with the link's current version. Nothing here is secret but the key; the
//! value says which link, never its token or password.
//!
//! The same signing, with a `share-view:` prefix, marks a visitor whose view was counted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::tokens::Keys;

/// How long an unlock lasts.
pub const UNLOCK_SECONDS: i64 = 12 * 3600;
/// A visitor's views of one link within this time count once.
pub const VIEW_SECONDS: i64 = 30 * 60;

/// A verified unlock: which link, for which password version, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlock {
    pub share_id: String,
    pub version: i32,
    /// Unix seconds.
    pub expires: i64,
}

fn mac(keys: &Keys, purpose: &str, body: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.csrf_key()).expect("HMAC takes any key size");
    mac.update(purpose.as_bytes());
    mac.update(b":");
    mac.update(body.as_bytes());
    mac
}

fn sign(keys: &Keys, purpose: &str, body: String) -> String {
    let tag = URL_SAFE_NO_PAD.encode(mac(keys, purpose, &body).finalize().into_bytes());
    format!("{body}.{tag}")
}

/// The body of `value` if its tag is right (constant-time), else `None`.
fn verified<'a>(keys: &Keys, purpose: &str, value: &'a str) -> Option<&'a str> {
    let (body, tag) = value.trim().rsplit_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    mac(keys, purpose, body).verify_slice(&tag).ok()?;
    Some(body)
}

/// The unlock value for `share_id` at `version`, valid [`UNLOCK_SECONDS`] from `now`.
pub fn issue(keys: &Keys, share_id: &str, version: i32, now: NaiveDateTime) -> String {
    let expires = now.and_utc().timestamp() + UNLOCK_SECONDS;
    sign(keys, "share-unlock", format!("{share_id}.{version}.{expires}"))
}

/// What a presented unlock says, if it was made by this server (expiry is the gate's to
/// judge, with the link's version).
pub fn read(keys: &Keys, value: &str) -> Option<Unlock> {
    let body = verified(keys, "share-unlock", value)?;
    let mut parts = body.split('.');
    let (id, version, expires) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Unlock {
        share_id: id.to_owned(),
        version: version.parse().ok()?,
        expires: expires.parse().ok()?,
    })
}

/// A mark that this visitor's view of `share_id` was counted, until [`VIEW_SECONDS`] from now.
pub fn view_mark(keys: &Keys, share_id: &str, now: NaiveDateTime) -> String {
    let expires = now.and_utc().timestamp() + VIEW_SECONDS;
    sign(keys, "share-view", format!("{share_id}.{expires}"))
}

/// Whether `value` is a live view mark for `share_id`.
pub fn viewed(keys: &Keys, value: &str, share_id: &str, now: NaiveDateTime) -> bool {
    let Some((id, expires)) = verified(keys, "share-view", value).and_then(|b| b.split_once('.'))
    else {
        return false;
    };
    id == share_id && expires.parse::<i64>().is_ok_and(|e| e > now.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn an_unlock_reads_back_and_a_forged_one_does_not() {
        let keys = Keys::new(&SecretString::from("k".repeat(32)), None);
        let now = chrono::Utc::now().naive_utc();
        let value = issue(&keys, "share-a", 3, now);
        let read_back = read(&keys, &value).expect("verifies");
        assert_eq!((read_back.share_id.as_str(), read_back.version), ("share-a", 3));
        let forged = value.replacen("share-a.3", "share-b.3", 1);
        assert!(read(&keys, &forged).is_none());
        assert!(read(&keys, "").is_none());
        let view = view_mark(&keys, "share-a", now);
        assert!(viewed(&keys, &view, "share-a", now));
        assert!(!viewed(&keys, &view, "share-b", now));
        assert!(read(&keys, &view).is_none(), "a view mark is no unlock");
    }
}
