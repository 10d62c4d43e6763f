//! The secrets of two-factor login besides the TOTP key: recovery codes (ten per user, 80
//! random bits each, single use) and the `mfa_token` that carries a login from "the password
//! was right" to "and here is the code". Both are stored only as SHA-256: they are random and
//! long, so a fast hash is enough (bcrypt is for what people choose).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::auth::totp::{base32_decode, base32_encode};
use crate::error::AppError;

/// Recovery codes per user.
pub const RECOVERY_CODES: usize = 10;
/// Random bytes per recovery code (80 bits: 16 base32 characters).
const RECOVERY_BYTES: usize = 10;

fn random<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(bytes)
}

/// Ten new recovery codes, `xxxx-xxxx-xxxx-xxxx` in lower-case base32.
pub fn new_recovery_codes() -> Result<Vec<String>, AppError> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let text = base32_encode(&random::<RECOVERY_BYTES>()?).to_ascii_lowercase();
            let groups: Vec<&str> = (0..4).map(|i| &text[i * 4..i * 4 + 4]).collect();
            Ok(groups.join("-"))
        })
        .collect()
}

/// The SHA-256 of a recovery code as typed (any case, with or without dashes or spaces), or
/// `None` when it cannot be one.
pub fn recovery_digest(code: &str) -> Option<String> {
    let bytes = base32_decode(code.trim())?;
    (bytes.len() == RECOVERY_BYTES).then(|| sha256_hex(&bytes))
}

/// A new `mfa_token`: 256 random bits, base64url.
pub fn new_mfa_token() -> Result<String, AppError> {
    Ok(URL_SAFE_NO_PAD.encode(random::<32>()?))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_back_however_typed() {
        let codes = new_recovery_codes().expect("test value");
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let code = &codes[0];
        assert_eq!(code.len(), 19);
        let digest = recovery_digest(code).expect("test value");
        assert_eq!(recovery_digest(&code.to_uppercase().replace('-', " ")), Some(digest));
        assert_eq!(recovery_digest("123456"), None);
        assert_eq!(recovery_digest("not a code!"), None);
    }

    #[test]
    fn mfa_tokens_carry_256_bits() {
        let t = new_mfa_token().expect("test value");
        assert_eq!(URL_SAFE_NO_PAD.decode(&t).expect("test value").len(), 32);
        assert_ne!(t, new_mfa_token().expect("test value"));
    }
}
