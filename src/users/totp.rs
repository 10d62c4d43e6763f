//! Two-factor login, the account side: enrolment, confirming it, recovery codes, turning it
//! off (by the user, or an administrator resetting it), and checking a second factor.
//!
//! Turning 2FA on or off and regenerating codes need a recent proof of identity
//! (`auth::recent`), checked by the callers that hold the session (the API and the pages).

use chrono::{NaiveDateTime, Utc};

use crate::audit::{self, Entry, Event, Origin};
use crate::auth::{mfa, password, totp};
use crate::db::ids::{SessionId, UserId};
use crate::db::models::users::{self, User};
use crate::db::models::{mfa_challenges, recovery_codes, sessions, totp as totp_rows};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::users::Accounts;

/// What enrolment shows: the secret (as text and as a QR code) for the authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

const WRONG_CODE: &str =
    "is not a current code of your authenticator app or an unused recovery code";

fn wrong_code() -> AppError {
    AppError::Validation(FieldErrors::single("code", WRONG_CODE))
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Whether `user` has 2FA on.
pub fn enabled(conn: &mut DbConn, user: &UserId) -> Result<bool, AppError> {
    Ok(totp_rows::state(conn, user)?.enabled())
}

/// Starts (or restarts) enrolment with a new secret; `Conflict` when 2FA is already on.
pub fn enrol(conn: &mut DbConn, user: &User) -> Result<Enrolment, AppError> {
    let secret = totp::new_secret()?;
    if totp_rows::set_pending(conn, &user.id, &secret)? == 0 {
        return Err(AppError::Conflict(
            "two-factor login is already on; turn it off first to enrol a new authenticator".into(),
        ));
    }
    let otpauth_uri = totp::otpauth_uri(&user.username, &secret);
    let qr_svg = totp::qr_svg(&otpauth_uri)?;
    Ok(Enrolment { secret, otpauth_uri, qr_svg })
}

/// The secret of an enrolment in progress, for showing the page again (`None`: none).
pub fn pending(conn: &mut DbConn, user: &User) -> Result<Option<Enrolment>, AppError> {
    let state = totp_rows::state(conn, &user.id)?;
    let Some(secret) = state.pending.filter(|_| state.enabled_at.is_none()) else {
        return Ok(None);
    };
    let otpauth_uri = totp::otpauth_uri(&user.username, &secret);
    let qr_svg = totp::qr_svg(&otpauth_uri)?;
    Ok(Some(Enrolment { secret, otpauth_uri, qr_svg }))
}

/// Turns 2FA on with the first code of the new authenticator; returns the ten recovery codes
/// (shown once: only their digests are kept).
pub fn confirm(
    conn: &mut DbConn,
    user: &User,
    code: &str,
    origin: &Origin,
) -> Result<Vec<String>, AppError> {
    let now = now();
    let state = totp_rows::state(conn, &user.id)?;
    if state.enabled() {
        return Err(AppError::Conflict("two-factor login is already on".into()));
    }
    let pending = state.pending.ok_or_else(|| {
        AppError::Conflict("no enrolment in progress: start again with POST /api/v1/me/totp".into())
    })?;
    let step = totp::verify(&pending, code, now.and_utc().timestamp(), None).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "code",
            "is not the current code of your authenticator app",
        ))
    })?;
    let codes = mfa::new_recovery_codes()?;
    let digests = digests(&codes);
    db::write(conn, |conn| {
        if totp_rows::confirm(conn, &user.id, &pending, step, now)? == 0 {
            return Err(AppError::Conflict("the enrolment changed meanwhile; start again".into()));
        }
        recovery_codes::replace(conn, &user.id, &digests)?;
        audit::record(conn, &Entry::new(Event::TotpEnabled).by(user).from(origin), now)?;
        Ok(())
    })?;
    Ok(codes)
}

fn digests(codes: &[String]) -> Vec<String> {
    codes.iter().filter_map(|c| mfa::recovery_digest(c)).collect()
}

/// Checks and uses a second factor of `user`: a TOTP code (once per step, never an older
/// step than the last one used) or an unused recovery code. `Ok(false)`: wrong or used.
pub fn use_factor(conn: &mut DbConn, user: &UserId, code: &str) -> Result<bool, AppError> {
    let now = now();
    if totp::looks_like_totp(code) {
        let state = totp_rows::state(conn, user)?;
        let Some(secret) = state.secret.filter(|_| state.enabled_at.is_some()) else {
            return Ok(false);
        };
        let unix = now.and_utc().timestamp();
        return match totp::verify(&secret, code, unix, state.last_step) {
            Some(step) => Ok(totp_rows::use_step(conn, user, step)?),
            None => Ok(false),
        };
    }
    match mfa::recovery_digest(code) {
        Some(digest) => Ok(recovery_codes::use_code(conn, user, &digest, now)?),
        None => Ok(false),
    }
}

/// New recovery codes in place of the old ones, after a current code.
pub fn regenerate(
    conn: &mut DbConn,
    user: &User,
    code: &str,
    origin: &Origin,
) -> Result<Vec<String>, AppError> {
    if !enabled(conn, &user.id)? {
        return Err(AppError::Conflict("two-factor login is off".into()));
    }
    if !use_factor(conn, &user.id, code)? {
        return Err(wrong_code());
    }
    let codes = mfa::new_recovery_codes()?;
    let digests = digests(&codes);
    let now = now();
    db::write(conn, |conn| {
        recovery_codes::replace(conn, &user.id, &digests)?;
        let entry = Entry::new(Event::RecoveryCodesRegenerated).by(user).from(origin);
        audit::record(conn, &entry, now)?;
        Ok::<_, AppError>(())
    })?;
    Ok(codes)
}

/// Turns 2FA off: the secret, the recovery codes and open login challenges go.
fn clear(conn: &mut DbConn, user: &UserId) -> Result<(), AppError> {
    totp_rows::clear(conn, user)?;
    recovery_codes::delete_all(conn, user)?;
    mfa_challenges::delete_for_user(conn, user)?;
    Ok(())
}

/// Checks the password on the hashers pool (bcrypt) like `change_password`: a wrong one is
/// a field error on `password`.
async fn check_password(accounts: &Accounts, user: &UserId, given: String) -> Result<(), AppError> {
    let id = user.clone();
    let found = db::run(&accounts.db, move |conn| Ok(users::find(conn, &id)?)).await?;
    let right =
        accounts.hashers.run(move || password::verify(&given, &found.password_hash)).await?;
    if right {
        Ok(())
    } else {
        Err(AppError::Validation(FieldErrors::single("password", "is not your current password")))
    }
}

/// Turns 2FA off after the password and a current code (TOTP or recovery).
pub async fn disable(
    accounts: &Accounts,
    user: &User,
    password: String,
    code: String,
    origin: Origin,
) -> Result<(), AppError> {
    accounts.limiter.check_account(user.id.as_str(), None).await?;
    check_password(accounts, &user.id, password).await?;
    let user = user.clone();
    db::run(&accounts.db, move |conn| {
        if !enabled(conn, &user.id)? {
            return Err(AppError::Conflict("two-factor login is already off".into()));
        }
        if !use_factor(conn, &user.id, &code)? {
            return Err(wrong_code());
        }
        let now = now();
        db::write(conn, |conn| {
            clear(conn, &user.id)?;
            audit::record(conn, &Entry::new(Event::TotpDisabled).by(&user).from(&origin), now)?;
            Ok(())
        })
    })
    .await
}

/// An administrator turns `target`'s 2FA off (a lost phone and lost recovery codes).
pub fn admin_reset(
    conn: &mut DbConn,
    admin: Option<&User>,
    target: &User,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = now();
    db::write(conn, |conn| {
        clear(conn, &target.id)?;
        let mut entry = Entry::new(Event::TotpResetByAdmin).on(target).from(origin);
        if let Some(admin) = admin {
            entry = entry.by(admin);
        }
        audit::record(conn, &entry, now)?;
        Ok(())
    })
}

/// "Confirm it is you": the password, and a code when 2FA is on; then the session counts as
/// recently verified (`auth::recent`) for ten minutes.
pub async fn confirm_identity(
    accounts: &Accounts,
    user: &UserId,
    session: &SessionId,
    password: String,
    code: Option<String>,
) -> Result<(), AppError> {
    accounts.limiter.check_account(user.as_str(), None).await?;
    check_password(accounts, user, password).await?;
    let (user, session) = (user.clone(), session.clone());
    db::run(&accounts.db, move |conn| {
        if enabled(conn, &user)? {
            let code = code
                .filter(|c| !c.trim().is_empty())
                .ok_or_else(|| AppError::Validation(FieldErrors::single("code", "is required")))?;
            if !use_factor(conn, &user, &code)? {
                return Err(wrong_code());
            }
        }
        sessions::mark_verified(conn, &session, now())?;
        Ok(())
    })
    .await
}
