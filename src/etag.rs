//! Entity tags that name content without revealing anything about it: an HMAC under a key
//! derived from the signing key, over the parts that identify the bytes (a file row and its
//! content hash, or a thumbnail's blob and size). A plain content hash as the tag would let a
//! user compare it with hashes of files they guess another user holds.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `"…"`: 128 bits of HMAC-SHA256 under `key` over `parts` (each ended by a 0 byte, so
/// `("ab", "c")` and `("a", "bc")` differ), in hex.
pub fn keyed(key: &[u8], parts: &[&str]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key size");
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    let digest = mac.finalize().into_bytes();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[cfg(test)]
mod tests {
    use super::keyed;

    #[test]
    fn tags_depend_on_key_and_every_part() {
        let a = keyed(b"k1", &["file", "sha"]);
        assert_eq!(a.len(), 34);
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert_eq!(a, keyed(b"k1", &["file", "sha"]));
        assert_ne!(a, keyed(b"k2", &["file", "sha"]));
        assert_ne!(a, keyed(b"k1", &["file2", "sha"]));
        assert_ne!(keyed(b"k", &["ab", "c"]), keyed(b"k", &["a", "bc"]));
        assert!(!a.contains("sha"));
    }
}
