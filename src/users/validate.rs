//! Account field rules, shared by the API and the HTML forms.

use crate::auth::password::MAX_PASSWORD_BYTES;
use crate::error::FieldErrors;

pub const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 3..=32;
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=128;

pub fn username(name: &str, errors: &mut FieldErrors) {
    let len = name.chars().count();
    if !USERNAME_CHARS.contains(&len) {
        errors.add("username", "must be 3 to 32 characters");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        errors.add("username", "may contain only letters, digits, `_`, `.` and `-`");
    }
    // A name of digits alone could be someone's phone number, which also logs in.
    if !name.chars().any(|c| c.is_ascii_alphabetic()) {
        errors.add("username", "must contain at least one letter");
    }
}

pub fn password(field: &'static str, password: &str, errors: &mut FieldErrors) {
    let len = password.chars().count();
    if !PASSWORD_CHARS.contains(&len) {
        errors.add(field, "must be 8 to 128 characters");
    } else if password.len() > MAX_PASSWORD_BYTES {
        // bcrypt reads only 72 bytes (with a terminator); refuse rather than ignore the rest.
        errors.add(
            field,
            format!(
                "must be at most {MAX_PASSWORD_BYTES} bytes, bcrypt's limit (fewer characters if you use accents or emoji)"
            ),
        );
    }
}

/// A normalized (trimmed, lower-case) email, or a field error.
pub fn email(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if valid {
        Some(email)
    } else {
        errors.add("email", "is not a valid email address");
        None
    }
}

/// A phone number reduced to an optional `+` and 6 to 20 digits; spaces, dashes, dots and
/// brackets are dropped. `None` when it is not a phone number.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let kept: String =
        raw.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
    let digits = kept.strip_prefix('+').unwrap_or(&kept);
    let ok = (6..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit());
    ok.then_some(kept)
}

pub fn phone(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let phone = normalize_phone(raw);
    if phone.is_none() {
        errors.add(
            "phone",
            "is not a valid phone number (6 to 20 digits, optionally starting with +)",
        );
    }
    phone
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(f: impl FnOnce(&mut FieldErrors)) -> bool {
        let mut e = FieldErrors::default();
        f(&mut e);
        e.is_empty()
    }

    #[test]
    fn usernames() {
        assert!(ok(|e| username("alice_01.x-y", e)));
        assert!(!ok(|e| username("al", e)));
        assert!(!ok(|e| username(&"a".repeat(33), e)));
        assert!(!ok(|e| username("al ice", e)));
        assert!(!ok(|e| username("ålice", e)));
        assert!(!ok(|e| username("a/../b", e)));
        assert!(!ok(|e| username("5550108888", e)), "looks like a phone number");
        assert!(!ok(|e| username("___", e)));
    }

    #[test]
    fn passwords() {
        assert!(ok(|e| password("password", "12345678", e)));
        assert!(!ok(|e| password("password", "1234567", e)));
        assert!(ok(|e| password("password", &"a".repeat(71), e)));
        assert!(!ok(|e| password("password", &"a".repeat(72), e)));
        assert!(!ok(|e| password("password", &"é".repeat(40), e)), "80 bytes in 40 chars");
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(
            email(" Alice@Example.ORG ", &mut FieldErrors::default()).as_deref(),
            Some("alice@example.org")
        );
        for bad in ["alice", "a@b", "@x.org", "a b@x.org", "a@@x.org", "a@x..org"] {
            assert!(email(bad, &mut FieldErrors::default()).is_none(), "{bad}");
        }
        assert_eq!(normalize_phone("+1 (555) 010-9999").as_deref(), Some("+15550109999"));
        assert_eq!(normalize_phone("12345").as_deref(), None);
        assert_eq!(normalize_phone("+12-abc-4567").as_deref(), None);
    }
}
