//! Keeping a link's token so that its owner can copy it again, while the database alone still
//! names no working link: the row holds the token XORed with an HMAC of the link's id under
//! the server's key (a one-time pad only the server can make). [`unseal`] checks the result
//! against the stored SHA-256, so a token sealed under an older key (after a key rotation) is
//! simply not shown again, never shown wrong.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::secret;
use crate::auth::tokens::Keys;
use crate::db::models::shares::ShareRow;

/// The pad for link `id`: 32 bytes, as long as a token's.
fn pad(keys: &Keys, id: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.csrf_key()).expect("HMAC takes any key size");
    mac.update(b"share-token:");
    mac.update(id.as_bytes());
    mac.finalize().into_bytes().into()
}

fn xor(keys: &Keys, id: &str, bytes: &[u8]) -> Vec<u8> {
    bytes.iter().zip(pad(keys, id).iter().cycle()).map(|(b, p)| b ^ p).collect()
}

/// `token` (base64url of 32 bytes) sealed for link `id`; `None` for a token of another shape.
pub fn seal(keys: &Keys, id: &str, token: &str) -> Option<String> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok().filter(|r| r.len() == 32)?;
    Some(URL_SAFE_NO_PAD.encode(xor(keys, id, &raw)))
}

/// The token of `row`, if it was sealed under the current key.
pub fn unseal(keys: &Keys, row: &ShareRow) -> Option<String> {
    let sealed = URL_SAFE_NO_PAD.decode(row.token_sealed.as_deref()?).ok()?;
    let token = URL_SAFE_NO_PAD.encode(xor(keys, &row.id, &sealed));
    secret::matches(&token, &row.token_sha256).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn row(id: &str, token: &str, sealed: Option<String>) -> ShareRow {
        let now = chrono::Utc::now().naive_utc();
        ShareRow {
            id: id.into(),
            token_sha256: secret::digest(token),
            owner_id: crate::db::ids::UserId("u".into()),
            file_id: crate::db::ids::FileId("f".into()),
            kind: "view".into(),
            label: None,
            password_hash: None,
            password_version: 0,
            allow_download: true,
            hide_location: false,
            expires_at: None,
            max_downloads: None,
            download_count: 0,
            view_count: 0,
            max_uploads: None,
            max_upload_bytes: None,
            upload_count: 0,
            upload_bytes: 0,
            uploader_folders: false,
            token_sealed: sealed,
            created_at: now,
            revoked_at: None,
        }
    }

    #[test]
    fn a_sealed_token_opens_under_its_key_only() {
        let keys = Keys::new(&SecretString::from("k".repeat(32)), None);
        let other = Keys::new(&SecretString::from("o".repeat(32)), None);
        let token = URL_SAFE_NO_PAD.encode([9u8; 32]);
        let sealed = seal(&keys, "share-a", &token).expect("sealed");
        assert_ne!(sealed, token, "never in clear");
        assert_eq!(
            unseal(&keys, &row("share-a", &token, Some(sealed.clone()))),
            Some(token.clone())
        );
        assert_eq!(
            unseal(&other, &row("share-a", &token, Some(sealed.clone()))),
            None,
            "a new key"
        );
        assert_eq!(unseal(&keys, &row("share-b", &token, Some(sealed))), None, "another link's");
        assert_eq!(unseal(&keys, &row("share-a", &token, None)), None);
        assert_eq!(seal(&keys, "share-a", "not base64!"), None);
    }
}
