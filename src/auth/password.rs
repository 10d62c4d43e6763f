//! Password hashing with bcrypt, through its non-truncating API: bcrypt only reads 72 bytes
//! of key (the password plus a NUL terminator), and a longer password is refused rather than
//! silently cut (see `users::validate`).

use crate::error::{AppError, FieldErrors};

/// The longest password bcrypt uses whole: its 72-byte key holds the password and a NUL.
pub const MAX_PASSWORD_BYTES: usize = 71;

/// Hashes `password` at `cost`. Blocking (tens of ms to a second): call it off the executor.
pub fn hash(password: &str, cost: u32) -> Result<String, AppError> {
    bcrypt::non_truncating_hash(password, cost).map_err(|e| match e {
        bcrypt::BcryptError::Truncation(_) => AppError::Validation(FieldErrors::single(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        )),
        other => AppError::internal(other),
    })
}

/// True when `password` matches `hash`. A malformed hash or an over-long password is simply
/// "no match". Blocking, like [`hash`].
pub fn verify(password: &str, hash: &str) -> bool {
    bcrypt::non_truncating_verify(password, hash).unwrap_or(false)
}

/// A hash of a random password, verified against when the login names no account, so that an
/// unknown user and a wrong password cost the same time.
pub fn dummy_hash(cost: u32) -> Result<String, AppError> {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
    let password: String = random.iter().map(|b| format!("{b:02x}")).collect();
    hash(&password, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse battery", 4).expect("hash");
        assert!(h.starts_with("$2"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
    }

    #[test]
    fn passwords_over_72_bytes_are_refused_not_truncated() {
        let long = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(matches!(hash(&long, 4), Err(AppError::Validation(_))));
        let h = hash(&"a".repeat(MAX_PASSWORD_BYTES), 4).expect("at the limit is fine");
        assert!(!verify(&long, &h), "the byte past the limit must not be ignored");
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        assert!(!verify("anything", "not-a-hash"));
    }
}
