//! Device login for apps (RFC 8628): an app asks for a code pair, its user approves the short
//! `user_code` in a browser that is already logged in (`/device`), and the app, polling with
//! the long `device_code`, receives an `app` session. The app never sees the password or a
//! second-factor code.
//!
//! - The `device_code` is 256 random bits shown once to the app; only its SHA-256 is stored
//!   (high entropy: nothing to brute-force, so no bcrypt). It is never logged.
//! - The `user_code` is 8 letters of RFC 8628's 20 consonants (no vowels, so no words; 20^8 ≈
//!   2^34.6), shown `XXXX-XXXX` and read back case-insensitively, dashes and spaces ignored.
//!   That space is small enough to guess by script, so every look-up of a typed code counts
//!   against [`GUESS_BURST`] per account and per IP.
//! - Every status change is a conditional UPDATE (`db::models::device_codes`), so one approved
//!   code yields exactly one session.
//!
//! Plain functions over a connection: no HTTP here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

use crate::audit::{self, Detail, Entry, Event, Origin};
use crate::auth::method::AuthMethod;
use crate::auth::sessions::{self, SessionRequest, Started};
use crate::auth::tokens::{ClientKind, Keys};
use crate::config::Config;
use crate::db::DbConn;
use crate::db::models::device_codes::{self, DeviceCode, DeviceStatus};
use crate::db::models::login_limits;
use crate::db::models::users::{self, User, UserState};
use crate::error::{AppError, FieldErrors};
use diesel::result::{DatabaseErrorKind, Error as DbError};

/// How long a request waits for its user.
pub const LIFETIME: Duration = Duration::minutes(10);
/// The polling interval a request starts with, in seconds.
pub const INTERVAL_SECS: i32 = 5;
/// What `slow_down` adds to the interval (RFC 8628, 3.5).
pub const SLOW_DOWN_SECS: i32 = 5;
/// A ceiling on the interval, however often an app misbehaves.
const MAX_INTERVAL_SECS: i32 = 60;
/// Requests are removed this long after they expire (kept a while for the result page).
pub const KEPT_AFTER_EXPIRY: Duration = Duration::days(1);

/// RFC 8628, 6.1: consonants only, no vowels (no words), none easily confused.
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LEN: usize = 8;

/// Typed codes looked up at once, then one more a minute: 10 in any 10 minutes.
pub const GUESS_BURST: i64 = 10;
const GUESS_REFILL_MS: i64 = 60_000;

/// What the app is told once (`POST /api/v1/auth/device`).
#[derive(Debug)]
pub struct Issued {
    pub device_code: String,
    /// `XXXX-XXXX`.
    pub user_code: String,
    pub interval: i32,
    pub expires_in: i64,
}

/// A request's name, as the app gave it: 1 to 64 characters, trimmed, none of them control
/// or text-direction characters (the name is shown on the approval screen, where a forged
/// direction could make it read as something else).
pub fn validate_client_name(raw: Option<&str>) -> Result<String, AppError> {
    let name = raw.map(str::trim).unwrap_or_default();
    let problem = if name.is_empty() {
        Some("is required")
    } else if name.chars().count() > 64 {
        Some("must be 1 to 64 characters")
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters (such as line breaks)")
    } else if name.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')) {
        Some("must not contain text-direction override characters")
    } else {
        None
    };
    match problem {
        Some(p) => Err(AppError::Validation(FieldErrors::single("client_name", p))),
        None => Ok(name.to_owned()),
    }
}

/// `XXXX-XXXX` for people.
pub fn display_user_code(code: &str) -> String {
    match (code.get(..4), code.get(4..)) {
        (Some(a), Some(b)) => format!("{a}-{b}"),
        _ => code.to_owned(),
    }
}

/// A typed user code as stored (upper case, without dashes and spaces), or `None` when it
/// cannot be one.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{2010}'..='\u{2015}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = code.len() == USER_CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b));
    valid.then_some(code)
}

/// The stored form of a device code.
pub fn hash_device_code(device_code: &str) -> String {
    Sha256::digest(device_code.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(bytes)
}

fn new_user_code() -> Result<String, AppError> {
    // 256 is a multiple of 4 but not of 20: reject the bytes past the last whole cycle of the
    // alphabet, so every letter is equally likely.
    let mut code = String::with_capacity(USER_CODE_LEN);
    while code.len() < USER_CODE_LEN {
        for b in random_bytes::<16>()? {
            if b < 240 && code.len() < USER_CODE_LEN {
                code.push(ALPHABET[usize::from(b % 20)] as char);
            }
        }
    }
    Ok(code)
}

/// Records a new request from `origin` and returns its codes. A user code already held by a
/// kept row is drawn again (the unique index decides, so two nodes cannot both take one).
pub fn request(
    conn: &mut DbConn,
    client_name: &str,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Issued, AppError> {
    let device_code = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let mut row = DeviceCode {
        id: uuid::Uuid::new_v4().to_string(),
        device_code_sha256: hash_device_code(&device_code),
        user_code: String::new(),
        client_name: client_name.to_owned(),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.as_deref().map(|ua| cut(ua, 256).to_owned()),
        created_at: now,
        expires_at: now + LIFETIME,
        interval_secs: INTERVAL_SECS,
        last_poll_at: None,
        status: DeviceStatus::Pending.as_str().to_owned(),
        user_id: None,
        decided_at: None,
    };
    let mut attempts = 0;
    loop {
        row.user_code = new_user_code()?;
        match device_codes::insert(conn, &row) {
            Ok(_) => break,
            Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) if attempts < 5 => {
                attempts += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Issued {
        device_code,
        user_code: display_user_code(&row.user_code),
        interval: INTERVAL_SECS,
        expires_in: LIFETIME.num_seconds(),
    })
}

/// The app polls with its device code: the session once approved (exactly once), else the
/// RFC 8628 error that says what to do.
pub fn poll(
    conn: &mut DbConn,
    keys: &Keys,
    config: &Config,
    device_code: &str,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Started, AppError> {
    let row = device_codes::find_by_hash(conn, &hash_device_code(device_code))?
        .ok_or(AppError::InvalidGrant)?;
    match row.status() {
        DeviceStatus::Consumed => Err(AppError::InvalidGrant),
        _ if row.expires_at <= now => Err(AppError::ExpiredToken),
        DeviceStatus::Denied => Err(AppError::AccessDenied),
        DeviceStatus::Pending => Err(pending(conn, &row, now)?),
        DeviceStatus::Approved => redeem(conn, keys, config, &row, origin, now),
    }
}

/// A poll of a pending request: `slow_down` (with a longer interval) when it came sooner
/// than the interval after the previous poll, else `authorization_pending`.
fn pending(conn: &mut DbConn, row: &DeviceCode, now: NaiveDateTime) -> Result<AppError, AppError> {
    let too_soon = row
        .last_poll_at
        .is_some_and(|last| now - last < Duration::seconds(i64::from(row.interval_secs)));
    let interval = if too_soon {
        (row.interval_secs + SLOW_DOWN_SECS).min(MAX_INTERVAL_SECS)
    } else {
        row.interval_secs
    };
    device_codes::record_poll(conn, &row.id, interval, now)?;
    Ok(if too_soon {
        AppError::SlowDown { interval: u64::try_from(interval).unwrap_or(0) }
    } else {
        AppError::AuthorizationPending
    })
}

/// Turns an approved request into an `app` session of its approver, from the app's origin.
/// The code is used up first, by a conditional UPDATE that only one poll can win; the session
/// starts after (it opens its own transaction). If starting it fails, the code stays used:
/// the app starts over, which is safer than a code that could be redeemed twice.
fn redeem(
    conn: &mut DbConn,
    keys: &Keys,
    config: &Config,
    row: &DeviceCode,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Started, AppError> {
    let user_id = row.user_id.clone().ok_or(AppError::InvalidGrant)?;
    let user = users::find(conn, &user_id).map_err(|e| match e {
        DbError::NotFound => AppError::InvalidGrant,
        e => e.into(),
    })?;
    if user.state() != UserState::Active {
        return Err(AppError::UserDisabled);
    }
    if !device_codes::consume(conn, &row.id, now)? {
        return Err(AppError::InvalidGrant);
    }
    let request = SessionRequest {
        client: ClientKind::App,
        scope: None,
        origin: origin.clone(),
        method: AuthMethod::Device,
    };
    let started = sessions::start(conn, keys, config, &user, &request, now)?;
    let entry = Entry::new(Event::LoginSucceeded)
        .by(&user)
        .from(origin)
        .detail(Detail::DeviceLogin { app: row.client_name.clone() });
    audit::record_quietly(conn, &entry, now);
    Ok(started)
}

/// What a typed user code names, for the confirmation screen.
#[derive(Debug)]
pub enum Lookup {
    /// Waiting for a decision: show it and ask.
    Pending(Box<DeviceCode>),
    Expired,
    /// Already approved, denied or used.
    Decided,
    /// No such code (or not one at all).
    Unknown,
}

/// Looks up a code typed by `user` from `ip`. Each look-up, right or wrong, counts against
/// [`GUESS_BURST`] for the account and for the IP before the code is read: counting only
/// wrong ones would need a check and then a count, which parallel guesses could slip between.
pub fn lookup(
    conn: &mut DbConn,
    user: &User,
    ip: Option<&str>,
    typed: &str,
    now: NaiveDateTime,
) -> Result<Lookup, AppError> {
    count_guess(conn, &format!("device_code:user:{}", user.id), now)?;
    count_guess(conn, &format!("device_code:ip:{}", ip.unwrap_or("unknown")), now)?;
    let Some(code) = normalize_user_code(typed) else {
        return Ok(Lookup::Unknown);
    };
    Ok(match device_codes::find_by_user_code(conn, &code)? {
        None => Lookup::Unknown,
        Some(row) if row.expires_at <= now => Lookup::Expired,
        Some(row) if row.status() == DeviceStatus::Pending => Lookup::Pending(Box::new(row)),
        Some(_) => Lookup::Decided,
    })
}

fn count_guess(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> Result<(), AppError> {
    let now_ms = now.and_utc().timestamp_millis();
    match login_limits::take(conn, key, now_ms, GUESS_REFILL_MS, GUESS_BURST)? {
        None => Ok(()),
        Some(ms) => Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(ms).unwrap_or(1).div_ceil(1000).max(1),
        }),
    }
}

/// How a decision ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Approved,
    Denied,
    /// Too late: the request expired first.
    Expired,
    /// Someone (another tab, another user) decided first, or there is no such request.
    AlreadyDecided,
}

/// `user` (from `origin`, the browser) approves or denies request `id` (a row id, from the
/// confirmation form: random, so it cannot be guessed the way a user code could). Audited
/// with the app's name and where it asked from.
pub fn decide(
    conn: &mut DbConn,
    user: &User,
    id: &str,
    approve: bool,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Decided, AppError> {
    let to = if approve { DeviceStatus::Approved } else { DeviceStatus::Denied };
    if !device_codes::decide(conn, id, &user.id, to, now)? {
        return Ok(match device_codes::find(conn, id)? {
            Some(row) if row.status() == DeviceStatus::Pending && row.expires_at <= now => {
                Decided::Expired
            }
            _ => Decided::AlreadyDecided,
        });
    }
    let row = device_codes::find(conn, id)?.ok_or(AppError::NotFound)?;
    let event = if approve { Event::DeviceApproved } else { Event::DeviceDenied };
    let detail = Detail::DeviceRequest { app: row.client_name, ip: row.ip };
    audit::record_quietly(conn, &Entry::new(event).by(user).from(origin).detail(detail), now);
    Ok(if approve { Decided::Approved } else { Decided::Denied })
}

/// Removes requests that expired more than [`KEPT_AFTER_EXPIRY`] ago.
pub fn prune(conn: &mut DbConn, now: NaiveDateTime) -> diesel::QueryResult<usize> {
    device_codes::prune(conn, now - KEPT_AFTER_EXPIRY)
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_alphabet_and_read_back_however_typed() {
        for _ in 0..100 {
            let code = new_user_code().expect("random");
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
            let shown = display_user_code(&code);
            assert_eq!(normalize_user_code(&shown.to_lowercase()).as_deref(), Some(&*code));
        }
        assert_eq!(normalize_user_code(" bcdf-ghjk ").as_deref(), Some("BCDFGHJK"));
        for bad in ["", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF-GHJ1", "ÄBCD-FGHJ"] {
            assert_eq!(normalize_user_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn client_names_are_short_printable_text() {
        assert_eq!(validate_client_name(Some("  My phone ")).expect("valid"), "My phone");
        assert!(validate_client_name(Some(&"x".repeat(64))).is_ok());
        assert!(validate_client_name(Some("手机上的 homedisk")).is_ok());
        for bad in [None, Some(""), Some("   "), Some("a\nb"), Some("a\u{202E}b")] {
            assert!(validate_client_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_client_name(Some(&"x".repeat(65))).is_err());
    }

    #[test]
    fn the_stored_hash_is_not_the_code() {
        let h = hash_device_code("abc");
        assert_eq!(h.len(), 64);
        assert_ne!(h, "abc");
    }
}
