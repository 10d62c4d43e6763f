//! TOTP (RFC 6238) as authenticator apps compute it: HMAC-SHA-1, 30-second steps, 6 digits,
//! a 160-bit secret written in base32 without padding. SHA-1 is what every authenticator
//! supports by default; HMAC-SHA-1 is not weakened by SHA-1's collisions (RFC 6238 §1.2,
//! RFC 4226 appendix A), so compatibility costs nothing here.
//!
//! Pure functions: no clock, no database. Replay protection (a step is used at most once)
//! lives with the user row (`db::models::totp::use_step`).

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::AppError;

/// Seconds per step.
pub const PERIOD: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a secret (160 bits, RFC 4226 §4's recommendation).
pub const SECRET_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new random secret, base32 without padding (32 characters).
pub fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(base32_encode(&bytes))
}

/// RFC 4648 base32, upper case, no padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (any case; spaces, dashes and `=` padding ignored); `None` if not base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !matches!(c, b' ' | b'-' | b'=')) {
        let v = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The step a Unix time falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(PERIOD)
}

/// The HOTP value (RFC 4226 §5.3) of `key` at counter `step`, with `digits` digits.
pub fn code_at(key: &[u8], step: i64, digits: u32) -> u32 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes any key size");
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary =
        u32::from_be_bytes([hash[offset], hash[offset + 1], hash[offset + 2], hash[offset + 3]])
            & 0x7fff_ffff;
    binary % 10u32.pow(digits)
}

/// The step `code` is valid for at `unix_secs`, looking one step back and one ahead (clocks
/// drift, people type slowly), and only among steps after `last_used` (a code works once).
/// `None` for a wrong, reused or malformed code.
pub fn verify(secret_b32: &str, code: &str, unix_secs: i64, last_used: Option<i64>) -> Option<i64> {
    let code = normalize_code(code)?;
    let key = base32_decode(secret_b32)?;
    let now = step_at(unix_secs);
    let mut found = None;
    // Every candidate is computed, so the time taken does not say which step matched.
    for step in [now - 1, now, now + 1] {
        let fresh = last_used.is_none_or(|last| step > last);
        if code_at(&key, step, DIGITS) == code && fresh && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A six-digit code as typed (spaces allowed: apps show `123 456`), as a number.
fn normalize_code(code: &str) -> Option<u32> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether `code` looks like a TOTP code (six digits) rather than a recovery code.
pub fn looks_like_totp(code: &str) -> bool {
    normalize_code(code).is_some()
}

/// The `otpauth://` URI authenticator apps read from the QR code (Google Authenticator's
/// key URI format). The label and issuer are percent-encoded.
pub fn otpauth_uri(username: &str, secret_b32: &str) -> String {
    format!(
        "otpauth://totp/homedisk:{}?secret={secret_b32}&issuer=homedisk&algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
        percent(username)
    )
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The secret grouped in fours for people to type (`ABCD EFGH …`).
pub fn grouped(secret_b32: &str) -> String {
    let chars: Vec<char> = secret_b32.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// The QR code of `uri` as an inline SVG element (drawn on the server: the page needs no
/// script, and the secret never leaves for a QR service).
pub fn qr_svg(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(uri, qrcode::EcLevel::M)
        .map_err(AppError::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows: the 20-byte ASCII key "12345678901234567890",
    /// 8-digit codes.
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let key = b"12345678901234567890";
        let vectors = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        for (time, expected) in vectors {
            assert_eq!(code_at(key, step_at(time), 8), expected, "T = {time}");
        }
    }

    #[test]
    fn verify_accepts_the_neighbouring_steps_once_each() {
        let secret = base32_encode(b"12345678901234567890");
        let key = base32_decode(&secret).expect("test value");
        let t = 1_111_111_111;
        let now = step_at(t);
        let code = |s| format!("{:06}", code_at(&key, s, 6));
        assert_eq!(verify(&secret, &code(now), t, None), Some(now));
        assert_eq!(verify(&secret, &code(now - 1), t, None), Some(now - 1));
        assert_eq!(verify(&secret, &code(now + 1), t, None), Some(now + 1));
        assert_eq!(verify(&secret, &code(now - 2), t, None), None);
        assert_eq!(verify(&secret, &code(now), t, Some(now)), None, "replay");
        assert_eq!(verify(&secret, &code(now - 1), t, Some(now)), None, "older than used");
        let spaced = format!("{} {}", &code(now)[..3], &code(now)[3..]);
        assert_eq!(verify(&secret, &spaced, t, None), Some(now));
        assert_eq!(verify(&secret, "12345", t, None), None);
        assert_eq!(verify(&secret, "abcdef", t, None), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb-oi======").expect("test value"), b"foobar");
        assert!(base32_decode("MZ1W").is_none());
        let secret = new_secret().expect("test value");
        assert_eq!(secret.len(), 32);
        assert_eq!(base32_decode(&secret).expect("test value").len(), SECRET_BYTES);
    }

    #[test]
    fn the_uri_and_the_qr_code_name_the_account() {
        let uri = otpauth_uri("a b", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/homedisk:a%20b?secret=JBSWY3DPEHPK3PXP&issuer=homedisk&algorithm=SHA1&digits=6&period=30"
        );
        assert!(qr_svg(&uri).expect("test value").contains("<svg"));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
