//! Access/preview token verification (`homedisk::auth::tokens`) on hostile strings.
//!
//! Every input is first verified as a whole (lossy UTF-8). Then the first byte picks a
//! structured mutation of one valid signed token, so the fuzzer gets past the signature check:
//!
//! - 0/1/2: the bytes replace the header / payload / signature segment as text;
//! - 3: the bytes are the payload JSON, base64url-encoded and correctly re-signed
//!   (reaches claims deserialization, `exp`/`iss`/`aud`/`typ` checks);
//! - 4: the bytes are the header JSON, re-signed (reaches `alg`/`kid` handling);
//! - 5: header JSON and payload JSON separated by the first `\n`, both re-signed;
//! - 6: the bytes are spliced into the token at an offset given by the next two bytes;
//! - 7: the bytes are appended to the token.
//!
//! Invariants: no panic; a verified access token is not a valid preview token and vice versa;
//! `peek_type` agrees with whichever verifier accepted the token.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use homedisk::auth::tokens::{self, ClientKind, Keys, TokenType};
use homedisk::db::ids::{SessionId, UserId};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use sha2::Sha256;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

struct Setup {
    keys: Keys,
    /// A valid access token, deterministic within a calendar year (fixed `jti`, see `year_start`).
    token: String,
    header: String,
    payload: String,
    signature: String,
}

/// 00:00 UTC on 1 January of the current year: the seed token's `iat`. Its `exp` is 366 days
/// later (the longest lifetime `plausible_times` accepts), so the token is valid all year and
/// identical all year: artifacts built on it reproduce until the year ends.
fn year_start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(Utc::now().year(), 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid date")
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let keys = Keys::new(&SecretString::from(SECRET.to_owned()), None);
        let iat = year_start();
        let mut claims = tokens::access_claims(
            &UserId("u1".into()),
            &SessionId("s1".into()),
            ClientKind::Api,
            "files:read files:write".into(),
            iat,
            iat + TimeDelta::seconds(tokens::MAX_LIFETIME_SECONDS),
        );
        claims.jti = "00000000-0000-4000-8000-000000000000".into();
        let token = keys.sign(&claims).expect("sign");
        let mut parts = token.split('.');
        let header = parts.next().expect("header").to_owned();
        let payload = parts.next().expect("payload").to_owned();
        let signature = parts.next().expect("signature").to_owned();
        if let Err(e) = keys.verify_access(&token) {
            panic!("harness bug: the seed token {token} does not verify: {e:?}");
        }
        if std::env::var_os("FUZZ_PRINT_TOKEN").is_some() {
            eprintln!("seed token: {token}");
        }
        Setup { keys, token, header, payload, signature }
    })
}

/// `header.payload.signature` with a correct HS256 signature under [`SECRET`].
fn signed(header_b64: &str, payload_b64: &str) -> String {
    let message = format!("{header_b64}.{payload_b64}");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(message.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{message}.{sig}")
}

fn check(keys: &Keys, token: &str) {
    let access = keys.verify_access(token);
    let preview = keys.verify_preview(token);
    let peek = Keys::peek_type(token);
    assert!(
        !(access.is_ok() && preview.is_ok()),
        "a token verified both as access and as preview: {token:?}"
    );
    if let Ok(claims) = &access {
        assert!(
            matches!(peek, Ok(TokenType::Access)),
            "verify_access accepted a token peek_type reads as {peek:?}: {token:?}"
        );
        let _ = claims.has_scope("files:read");
    }
    if preview.is_ok() {
        assert!(
            matches!(peek, Ok(TokenType::Preview)),
            "verify_preview accepted a token peek_type reads as {peek:?}: {token:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    check(&s.keys, &String::from_utf8_lossy(data));

    let Some((&mode, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let token = match mode % 8 {
        0 => format!("{}.{}.{}", text, s.payload, s.signature),
        1 => format!("{}.{}.{}", s.header, text, s.signature),
        2 => format!("{}.{}.{}", s.header, s.payload, text),
        3 => signed(&s.header, &URL_SAFE_NO_PAD.encode(rest)),
        4 => signed(&URL_SAFE_NO_PAD.encode(rest), &s.payload),
        5 => {
            let (h, p) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            signed(&URL_SAFE_NO_PAD.encode(h), &URL_SAFE_NO_PAD.encode(p))
        }
        6 => {
            let Some((off, tail)) = rest.split_first_chunk::<2>() else { return };
            let mut at = usize::from(u16::from_le_bytes(*off)) % (s.token.len() + 1);
            while !s.token.is_char_boundary(at) {
                at -= 1;
            }
            let mut t = s.token.clone();
            t.insert_str(at, &String::from_utf8_lossy(tail));
            t
        }
        _ => format!("{}{}", s.token, text),
    };
    check(&s.keys, &token);
});
