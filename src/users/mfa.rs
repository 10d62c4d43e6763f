//! Two-factor login, the login side: after the right password an account with 2FA on gets a
//! challenge instead of a session. The client holds its `mfa_token` (256 random bits; this
//! side keeps the SHA-256), which can do one thing only: be exchanged, with a code, for the
//! session the password would have started. Five minutes, five wrong codes, one use.

use chrono::{Duration, NaiveDateTime, Utc};

use crate::audit::{self, Detail, Entry, Event, Origin};
use crate::auth::method::AuthMethod;
use crate::auth::mfa;
use crate::auth::sessions::{self, SessionRequest, Started};
use crate::auth::tokens::ClientKind;
use crate::db::models::mfa_challenges::{self, Challenge};
use crate::db::models::users::{self, User, UserState};
use crate::db::{self, DbConn};
use crate::error::{AppError, MfaToken};
use crate::users::Accounts;
use crate::users::totp;

/// How long a challenge waits for its code.
pub const LIFETIME: Duration = Duration::minutes(5);
/// Wrong codes a challenge survives; the fifth ends it.
pub const MAX_ATTEMPTS: i32 = 5;

/// Opens a challenge for `user`, whose password was just right; the error to answer with.
/// `keep` ("keep me signed in") rides on the challenge to the session the code starts.
pub fn challenge(
    conn: &mut DbConn,
    user: &User,
    client: ClientKind,
    scope: Option<String>,
    keep: bool,
    origin: &Origin,
    now: NaiveDateTime,
) -> AppError {
    let token = match mfa::new_mfa_token() {
        Ok(t) => t,
        Err(e) => return e,
    };
    let row = Challenge {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        secret_sha256: mfa::sha256_hex(token.as_bytes()),
        client: client.as_str().to_owned(),
        scope,
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.as_deref().map(|u| u.chars().take(256).collect()),
        created_at: now,
        expires_at: now + LIFETIME,
        attempts: 0,
        used_at: None,
        persistent: keep && client == ClientKind::Web,
    };
    let stored = db::write(conn, |conn| {
        mfa_challenges::delete_expired(conn, now)?;
        mfa_challenges::insert(conn, &row)
    });
    match stored {
        Ok(_) => AppError::MfaRequired(MfaToken(token)),
        Err(e) => e.into(),
    }
}

/// The open challenge `token` names, with its user; `MfaExpired` for anything else.
fn open(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> Result<(Challenge, User), AppError> {
    let digest = mfa::sha256_hex(token.trim().as_bytes());
    let row = mfa_challenges::find_by_digest(conn, &digest)?.ok_or(AppError::MfaExpired)?;
    if row.used_at.is_some() || row.expires_at <= now || row.attempts >= MAX_ATTEMPTS {
        return Err(AppError::MfaExpired);
    }
    let user = users::find(conn, &row.user_id)?;
    if user.state() != UserState::Active {
        return Err(AppError::UserDisabled);
    }
    Ok((row, user))
}

/// Exchanges `token` and a code (TOTP or recovery) for a session. Every try counts in the
/// login rate limits and against the challenge; after the fifth wrong one it is over
/// (`MfaExpired` from then on, even with the right code).
pub async fn complete(
    accounts: &Accounts,
    token: String,
    code: String,
    device: Option<String>,
    origin: Origin,
) -> Result<Started, AppError> {
    accounts.limiter.check_ip(origin.ip.as_deref().unwrap_or("unknown")).await?;
    let now = Utc::now().naive_utc();
    let (row, user) = db::run(&accounts.db, move |conn| open(conn, &token, now)).await?;
    let device = device.and_then(|c| crate::auth::device::recognise(&accounts.keys, &c, &user.id));
    accounts.limiter.check_account(user.id.as_str(), device.as_deref()).await?;
    let st = accounts.clone();
    db::run(&accounts.db, move |conn| {
        let now = Utc::now().naive_utc();
        // The attempt is counted first, in its own statement, whatever the code turns out to
        // be: at most MAX_ATTEMPTS tries reach the code check, however many run at once.
        if !mfa_challenges::take_attempt(conn, &row.id, MAX_ATTEMPTS, now)? {
            return Err(AppError::MfaExpired);
        }
        let verdict = db::write(conn, |conn| {
            // This try's own attempt is counted: the bound is one above the last allowed.
            if !mfa_challenges::consume(conn, &row.id, MAX_ATTEMPTS + 1, now)? {
                return Err(AppError::MfaExpired);
            }
            // A wrong code rolls the consumption back: the challenge stays open.
            if totp::use_factor(conn, &user.id, &code)? {
                Ok(())
            } else {
                Err(AppError::MfaInvalid)
            }
        });
        if let Err(AppError::MfaInvalid) = verdict {
            let entry = Entry::new(Event::LoginMfaFailed).on(&user).from(&origin);
            audit::record_quietly(conn, &entry.detail(Detail::WrongCode), now);
        }
        verdict?;
        let request = SessionRequest {
            client: ClientKind::parse(&row.client).unwrap_or(ClientKind::Api),
            scope: row.scope.clone(),
            origin,
            method: AuthMethod::PasswordTotp,
        };
        let mut started = sessions::start(conn, &st.keys, &st.config, &user, &request, now)?;
        if row.persistent {
            sessions::keep(conn, &st.keys, &st.config, &mut started, now)?;
        }
        let entry = Entry::new(Event::LoginSucceeded)
            .by(&user)
            .from(&request.origin)
            .detail(Detail::TwoFactorLogin { client: request.client });
        audit::record_quietly(conn, &entry, now);
        Ok(started)
    })
    .await
}
