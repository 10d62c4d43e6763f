//! Password hashing with bcrypt, through its non-truncating API: bcrypt only reads 72 bytes,
//! and a longer password is refused rather than silently cut (see `users::validate`).

use crate::error::{AppError, FieldErrors};

/// bcrypt reads at most this many bytes of a password.
pub const MAX_PASSWORD_BYTES: usize = 72;

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
        let long = "a".repeat(73);
        assert!(matches!(hash(&long, 4), Err(AppError::Validation(_))));
        let h = hash(&"a".repeat(72), 4).expect("72 bytes is fine");
        assert!(!verify(&long, &h), "the 73rd byte must not be ignored");
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        assert!(!verify("anything", "not-a-hash"));
    }
}
