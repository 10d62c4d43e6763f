//! Account operations: register, log in, change password.
//!
//! The async functions run their database and bcrypt work in one hop to the blocking pool
//! (`db::run`); the sync ones take a connection and are what the CLI and tests call directly.

use chrono::{NaiveDateTime, Utc};

use crate::audit::{self, Detail, Entry, Event, LoginFailure, Origin};
use crate::auth::method::AuthMethod;
use crate::auth::sessions::{self, EndReason, SessionRequest, Started};
use crate::auth::tokens::ClientKind;
use crate::auth::{device, password};
use crate::config::Registration;
use crate::db::ids::{SessionId, UserId};
use crate::db::models::sessions::{self as session_rows, Ending};
use crate::db::models::users::{self, NewUser, Role, User};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::settings;
use crate::users::Accounts;
use crate::users::validate;

/// What a registration form or request carries.
#[derive(Debug, Clone, Default)]
pub struct RegisterInput {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A registration that passed validation (email and phone normalized).
#[derive(Debug, Clone)]
pub struct ValidAccount {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

pub fn validate_registration(input: &RegisterInput) -> Result<ValidAccount, AppError> {
    let mut errors = FieldErrors::default();
    let username = input.username.trim().to_owned();
    validate::username(&username, &mut errors);
    validate::password("password", &input.password, &mut errors);
    let blank = |v: &Option<String>| {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    };
    let email = blank(&input.email).and_then(|e| validate::email(&e, &mut errors));
    let phone = blank(&input.phone).and_then(|p| validate::phone(&p, &mut errors));
    errors.into_result()?;
    Ok(ValidAccount { username, password: input.password.clone(), email, phone })
}

/// Field errors for a username, email or phone that another account already has.
pub fn duplicates(conn: &mut DbConn, account: &ValidAccount) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    if users::find_by_username(conn, &account.username)?.is_some() {
        errors.add("username", "is already taken");
    }
    if let Some(email) = &account.email
        && users::find_by_email(conn, email)?.is_some()
    {
        errors.add("email", "is already registered to another account");
    }
    if let Some(phone) = &account.phone
        && users::find_by_phone(conn, phone)?.is_some()
    {
        errors.add("phone", "is already registered to another account");
    }
    Ok(errors)
}

/// Inserts a validated account with an already computed hash. The first account of an empty
/// instance becomes admin (and the log says so); `force_admin` makes this one admin anyway.
pub fn insert_account(
    conn: &mut DbConn,
    account: &ValidAccount,
    password_hash: &str,
    quota: u64,
    force_admin: bool,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    let result = db::write(conn, |conn| {
        duplicates(conn, account)?.into_result()?;
        // Two registrations on an empty instance must not both count zero accounts.
        db::lock_accounts(conn)?;
        let first = users::count(conn)? == 0;
        let role = if first || force_admin { Role::Admin } else { Role::User };
        let user = users::insert(
            conn,
            &NewUser {
                id: &UserId::generate(),
                username: &account.username,
                email: account.email.as_deref(),
                phone: account.phone.as_deref(),
                password_hash,
                role: role.as_str(),
                quota: i64::try_from(quota).unwrap_or(i64::MAX),
                created_at: now,
            },
        )?;
        if first {
            tracing::info!(username = %user.username, "first account created: it is the administrator");
        }
        Ok::<_, AppError>(user)
    });
    result.map_err(|e| match db::unique_violation(&e).as_deref() {
        // Two registrations racing for the same name: the loser gets the same field error.
        Some(column) => {
            let field = match column {
                "users.email" => "email",
                "users.phone" => "phone",
                _ => "username",
            };
            AppError::Validation(FieldErrors::single(field, "is already taken"))
        }
        None => e,
    })
}

/// Registers an account and logs it in (self-service: refused when registration is closed).
/// bcrypt runs on the blocking pool without holding a database connection.
pub async fn register(
    accounts: &Accounts,
    input: RegisterInput,
    client: ClientKind,
    origin: Origin,
) -> Result<Started, AppError> {
    let st = accounts.clone();
    let settings = db::run(&accounts.db, move |conn| settings::current(conn, &st.config)).await?;
    if settings.registration == Registration::Closed {
        return Err(AppError::RegistrationClosed);
    }
    // bcrypt makes registration expensive: the same per-IP limit as login guards it.
    accounts.limiter.check_ip(origin.ip.as_deref().unwrap_or("unknown")).await?;
    let account = validate_registration(&input)?;
    let checked = account.clone();
    db::run(&accounts.db, move |conn| duplicates(conn, &checked)?.into_result()).await?;
    let (password, cost) = (account.password.clone(), accounts.config.bcrypt_cost);
    let hash = accounts.hashers.run(move || password::hash(&password, cost)).await??;
    let st = accounts.clone();
    db::run(&accounts.db, move |conn| {
        let now = Utc::now().naive_utc();
        let user = insert_account(conn, &account, &hash, settings.default_quota, false, now)?;
        audit::record_quietly(conn, &Entry::new(Event::Registered).by(&user).from(&origin), now);
        let request = SessionRequest { client, scope: None, origin, method: AuthMethod::Password };
        sessions::start(conn, &st.keys, &st.config, &user, &request, now)
    })
    .await
}

/// What a login form or request carries. `login` is a username, email or phone.
#[derive(Debug, Clone)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
    pub client: ClientKind,
    /// A narrower scope than the account allows (space-separated), if wanted.
    pub scope: Option<String>,
    /// The device cookie the client sent, if any (see `auth::device`).
    pub device: Option<String>,
    /// "Keep me signed in" (browser sessions only): the long idle limit and a persistent
    /// cookie, also when the login goes through a two-factor code first.
    pub keep: bool,
}

/// Finds the account a login names: username first, then email, then phone.
pub fn find_for_login(conn: &mut DbConn, login: &str) -> Result<Option<User>, AppError> {
    let login = login.trim();
    if let Some(user) = users::find_by_username(conn, login)? {
        return Ok(Some(user));
    }
    if login.contains('@') {
        return Ok(users::find_by_email(conn, &login.to_lowercase())?);
    }
    match validate::normalize_phone(login) {
        Some(phone) => Ok(users::find_by_phone(conn, &phone)?),
        None => Ok(None),
    }
}

/// What the bcrypt work of a login found.
enum Verdict {
    /// The password is right; `rehash` is its hash at the current cost when the stored one
    /// was made at another.
    Right {
        rehash: Option<String>,
    },
    Wrong,
}

/// Checks `password` against `stored` (the dummy hash when the login names no account). Every
/// path does about the work of one hash at the current `cost`: a hash stored at a lower cost
/// (before `HOMEDISK_BCRYPT_COST` was raised) is re-hashed when the password is right and
/// padded with a check against the dummy hash when it is wrong, so the answer's timing says
/// neither whether the account exists nor how old its password is.
fn check_password(
    password: &str,
    stored: Option<&str>,
    dummy: &str,
    cost: u32,
    may_rehash: bool,
) -> Verdict {
    let Some(stored) = stored else {
        password::verify(password, dummy);
        return Verdict::Wrong;
    };
    let right = password::verify(password, stored);
    let stored_cost = password::cost_of(stored);
    let stale = stored_cost != Some(cost);
    let cheaper = stored_cost.is_none_or(|c| c < cost);
    if right && may_rehash && stale {
        return Verdict::Right { rehash: password::hash(password, cost).ok() };
    }
    if cheaper {
        password::verify(password, dummy);
    }
    if right { Verdict::Right { rehash: None } } else { Verdict::Wrong }
}

/// Checks the credentials and starts a session. An unknown login and a wrong password give
/// the same error after the same bcrypt work; a disabled account is told so only after the
/// right password. Rate limits: per IP first, then per account (see `LoginLimiter`), where a
/// device that logged in to the account before has its own allowance.
pub async fn login(
    accounts: &Accounts,
    input: LoginInput,
    origin: Origin,
) -> Result<Started, AppError> {
    let limited = |e: AppError| {
        crate::metrics::login("failure", "rate_limited");
        e
    };
    accounts.limiter.check_ip(origin.ip.as_deref().unwrap_or("unknown")).await.map_err(limited)?;
    let login = input.login.clone();
    let user = db::run(&accounts.db, move |conn| find_for_login(conn, &login)).await?;
    let account_key =
        user.as_ref().map_or_else(|| input.login.trim().to_lowercase(), |u| u.id.to_string());
    let device = match (&user, input.device.as_deref()) {
        (Some(u), Some(cookie)) => device::recognise(&accounts.keys, cookie, &u.id),
        _ => None,
    };
    accounts.limiter.check_account(&account_key, device.as_deref()).await.map_err(limited)?;

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let active = user.as_ref().is_some_and(|u| u.state() == users::UserState::Active);
    let (password, dummy, cost) =
        (input.password, accounts.dummy_hash.clone(), accounts.config.bcrypt_cost);
    let verdict = accounts
        .hashers
        .run(move || check_password(&password, stored.as_deref(), &dummy, cost, active))
        .await?;
    let (matches, rehash) = match verdict {
        Verdict::Right { rehash } => (true, rehash),
        Verdict::Wrong => (false, None),
    };
    let failure = match &user {
        Some(_) if !matches => Some(LoginFailure::WrongPassword),
        None => Some(LoginFailure::UnknownAccount),
        Some(_) if !active => Some(LoginFailure::AccountDisabled),
        Some(_) => None,
    };
    if let Some(reason) = failure {
        crate::metrics::login("failure", reason.as_str());
        record_failure(accounts, &input.login, user.as_ref(), &origin, reason).await?;
        return Err(match user {
            Some(_) if matches => AppError::UserDisabled,
            _ => AppError::InvalidCredentials,
        });
    }
    let user = user.ok_or(AppError::InvalidCredentials)?;
    let st = accounts.clone();
    db::run(&accounts.db, move |conn| {
        let now = Utc::now().naive_utc();
        if let Some(new) = rehash {
            users::upgrade_password_hash(conn, &user.id, &user.password_hash, &new)?;
        }
        if crate::users::totp::enabled(conn, &user.id)? {
            // No session yet: the client comes back with a code (`users::mfa::complete`).
            let (client, scope, keep) = (input.client, input.scope, input.keep);
            let pending =
                crate::users::mfa::challenge(conn, &user, client, scope, keep, &origin, now);
            return Err(pending);
        }
        let request = SessionRequest {
            client: input.client,
            scope: input.scope,
            origin,
            method: AuthMethod::Password,
        };
        let mut started = sessions::start(conn, &st.keys, &st.config, &user, &request, now)?;
        if input.keep && request.client == ClientKind::Web {
            sessions::keep(conn, &st.keys, &st.config, &mut started, now)?;
        }
        let entry = Entry::new(Event::LoginSucceeded)
            .by(&user)
            .from(&request.origin)
            .detail(Detail::PasswordLogin { client: request.client });
        audit::record_quietly(conn, &entry, now);
        Ok(started)
    })
    .await
    .inspect(|_| crate::metrics::login("success", "password"))
    .inspect_err(|e| {
        if matches!(e, AppError::MfaRequired(_)) {
            crate::metrics::login("challenge", "two_factor");
        }
    })
}

/// Writes a failed login to the audit log (the login tried, the account if any, why).
async fn record_failure(
    accounts: &Accounts,
    login: &str,
    user: Option<&User>,
    origin: &Origin,
    reason: LoginFailure,
) -> Result<(), AppError> {
    let mut entry = Entry::new(Event::LoginFailed).login(login).from(origin);
    if let Some(u) = user {
        entry = entry.on(u);
    }
    let entry = entry.detail(Detail::LoginFailed { reason });
    db::run(&accounts.db, move |conn| {
        audit::record_quietly(conn, &entry, Utc::now().naive_utc());
        Ok(())
    })
    .await
}

/// Changes the password after checking the current one, and ends the user's other sessions
/// (and app passwords, when `end_app_passwords`).
pub async fn change_password(
    accounts: &Accounts,
    user: &UserId,
    keep: &SessionId,
    current_password: String,
    new_password: String,
    end_app_passwords: bool,
    origin: Origin,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    validate::password("new_password", &new_password, &mut errors);
    errors.into_result()?;
    let (user, keep) = (user.clone(), keep.clone());
    let id = user.clone();
    let found = db::run(&accounts.db, move |conn| Ok(users::find(conn, &id)?)).await?;
    let cost = accounts.config.bcrypt_cost;
    let hash = accounts
        .hashers
        .run(move || {
            if !password::verify(&current_password, &found.password_hash) {
                return Err(AppError::Validation(FieldErrors::single(
                    "current_password",
                    "is not your current password",
                )));
            }
            password::hash(&new_password, cost)
        })
        .await??;
    db::run(&accounts.db, move |conn| {
        let now = Utc::now().naive_utc();
        db::write(conn, |conn| {
            users::set_password_hash(conn, &user, &hash)?;
            let others =
                Ending { keep: Some(&keep), client: None, app_passwords: end_app_passwords };
            let reason = EndReason::PasswordChanged.as_str();
            let ended = session_rows::revoke_all(conn, &user, others, reason, now)?;
            // The password was just proved: this session may go on with sensitive actions.
            session_rows::mark_verified(conn, &keep, now)?;
            let me = users::find(conn, &user)?;
            let entry = Entry::new(Event::PasswordChanged)
                .by(&me)
                .from(&origin)
                .detail(Detail::OtherSessionsEnded { count: ended });
            audit::record(conn, &entry, now)?;
            Ok(())
        })
    })
    .await
}
