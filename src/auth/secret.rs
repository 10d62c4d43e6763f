//! High-entropy secrets (app passwords, archive links): made from the OS's random source,
//! stored only as SHA-256 (no bcrypt: 256 random bits cannot be guessed, so a fast hash is
//! enough, and it is cheap enough to check on every request), compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::AppError;

/// `n` random bytes.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(bytes)
}

/// 32 random bytes (256 bits), hex.
pub fn random_hex() -> Result<String, AppError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// The SHA-256 of `secret`, hex: what is stored.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` is the one whose digest is `stored`, in time that does not depend on
/// where they differ.
pub fn matches(secret: &str, stored: &str) -> bool {
    let computed = digest(secret);
    computed.len() == stored.len() && bool::from(computed.as_bytes().ct_eq(stored.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_its_digest_and_nothing_else() {
        let s = random_hex().expect("the OS random source");
        assert_eq!(s.len(), 64);
        let stored = digest(&s);
        assert!(matches(&s, &stored));
        assert!(!matches(&format!("{s}x"), &stored));
        assert!(!matches(&s, &stored[..63]));
        assert_ne!(random_hex().expect("the OS random source"), s);
    }
}
