//! Sessions: starting one at login, checking the one behind a token on every request, and
//! ending them (logout, logout everywhere, revoke, password change, single-session mode).
//!
//! Plain functions over a connection: no HTTP here.

use chrono::{Duration, NaiveDateTime};

use crate::audit::{self, Detail, Entry, Event, Origin};
use crate::auth::method::AuthMethod;
use crate::auth::tokens::{AccessClaims, ClientKind, Keys, access_claims};
use crate::config::Config;
use crate::db::ids::{SessionId, UserId};
use crate::db::models::sessions::{self, Ending, NewSession, Session};
use crate::db::models::users::{self, Role, User, UserState};
use crate::db::{self, DbConn};
use crate::error::AppError;

pub use crate::auth::end_reason::EndReason;
use crate::auth::refresh;
use crate::auth::sliding::Limits;

/// The scopes a user's tokens carry.
pub fn scopes_for(user: &User) -> String {
    match user.role() {
        Role::Admin => "files:read files:write admin".into(),
        Role::User => "files:read files:write".into(),
    }
}

/// The scope a new token gets: everything the user may do, or the subset `requested`
/// (space-separated), so an app can hold a token that can only read, say.
pub fn grant_scope(user: &User, requested: Option<&str>) -> Result<String, AppError> {
    let allowed = scopes_for(user);
    let Some(requested) = requested.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(allowed);
    };
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested.split_whitespace() {
        if !allowed.split(' ').any(|a| a == scope) {
            return Err(AppError::Validation(crate::error::FieldErrors::single(
                "scope",
                format!("`{scope}` is not available to this account (allowed: {allowed})"),
            )));
        }
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    Ok(granted.join(" "))
}

/// Session lifetime for a client type.
pub fn lifetime(config: &Config, client: ClientKind) -> Duration {
    let secs = match client {
        ClientKind::Web => config.web_token_ttl_seconds,
        ClientKind::App => config.app_token_ttl_seconds,
        ClientKind::Api => config.api_token_ttl_seconds,
    };
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 2))
}

/// What a new session is for: the client type, an optional narrower scope, and where the
/// login came from.
#[derive(Debug, Clone)]
pub struct SessionRequest {
    pub client: ClientKind,
    pub scope: Option<String>,
    pub origin: Origin,
    /// How the user proved who they are (shown in the session list).
    pub method: AuthMethod,
}

/// A freshly started session and its token.
pub struct Started {
    pub user: User,
    pub session: Session,
    pub token: String,
    pub claims: AccessClaims,
    /// For `app` and `api` sessions: the refresh token (`auth::refresh`), shown once.
    pub refresh_token: Option<String>,
}

/// Starts a session for `user` (already authenticated) and signs its access token.
/// In single-session mode the user's other sessions of this client type end first.
pub fn start(
    conn: &mut DbConn,
    keys: &Keys,
    config: &Config,
    user: &User,
    request: &SessionRequest,
    now: NaiveDateTime,
) -> Result<Started, AppError> {
    let SessionRequest { client, scope, origin, method } = request;
    let client = *client;
    let scope = grant_scope(user, scope.as_deref())?;
    let id = SessionId::generate();
    let expires_at = (now + lifetime(config, client)).min(Limits::of(config).cap(now));
    let (session, refresh_token) = db::write(conn, |conn| {
        if config.single_session {
            let others = Ending { client: Some(client.as_str()), ..Ending::default() };
            sessions::revoke_all(
                conn,
                &user.id,
                others,
                EndReason::SignedInElsewhere.as_str(),
                now,
            )?;
        }
        users::touch_last_login(conn, &user.id, now)?;
        let session = sessions::insert(
            conn,
            &NewSession {
                id: &id,
                user_id: &user.id,
                client: client.as_str(),
                created_at: now,
                last_used_at: now,
                expires_at,
                user_agent: origin.user_agent.as_deref().map(|s| truncate(s, 256)),
                ip: origin.ip.as_deref(),
                method: method.as_str(),
                verified_at: Some(proved_at(*method, now)),
                persistent: false,
            },
        )?;
        // Browsers renew by use (`auth::sliding`); apps and scripts with a refresh token.
        let refresh = match client {
            ClientKind::Web => None,
            ClientKind::App | ClientKind::Api => Some(refresh::issue(conn, &id, &scope, now)?),
        };
        Ok::<_, AppError>((session, refresh))
    })?;
    let claims = access_claims(&user.id, &id, client, scope, now, expires_at);
    let token = keys.sign(&claims)?;
    let mut user = user.clone();
    user.last_login_at = Some(now);
    Ok(Started { user, session, token, claims, refresh_token })
}

/// "Keep me signed in": makes the browser session `started` persistent (the long idle limit,
/// a persistent cookie) and re-signs its token for the longer expiry.
pub fn keep(
    conn: &mut DbConn,
    keys: &Keys,
    config: &Config,
    started: &mut Started,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let limits = Limits::of(config);
    let until = (now + limits.keep_idle).min(limits.cap(started.session.created_at));
    sessions::keep(conn, &started.session.id, until)?;
    started.session.persistent = true;
    started.session.expires_at = until;
    started.claims = renewed_claims(&started.claims, until, now);
    started.token = keys.sign(&started.claims)?;
    Ok(())
}

/// The claims of a token re-issued for a renewed session: the same session, client and
/// scope, a new expiry and id.
pub fn renewed_claims(
    old: &AccessClaims,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> AccessClaims {
    access_claims(&old.sub, &old.sid, old.cli, old.scope.clone(), now, until)
}

/// When a new session's user last proved who they are, for "sensitive actions ask again":
/// now for a login with the password. A device login is not a proof: the app never saw the
/// password or a code (a browser approved it), so like an app password it counts as never,
/// and an app talked into being approved cannot mint an app password or enrol 2FA.
fn proved_at(method: AuthMethod, now: NaiveDateTime) -> NaiveDateTime {
    match method {
        AuthMethod::Password | AuthMethod::PasswordTotp => now,
        AuthMethod::Device | AuthMethod::AppPassword => chrono::DateTime::UNIX_EPOCH.naive_utc(),
    }
}

/// Ends session `id` of `user` (`Logout` for the caller's own, `Revoked` for another of
/// their devices) and audits it. `false`: not one of the user's live sessions.
pub fn end(
    conn: &mut DbConn,
    user: &User,
    id: &SessionId,
    reason: EndReason,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let ended = sessions::revoke(conn, &user.id, id, reason.as_str(), now)?;
    if ended {
        let event = if reason == EndReason::Logout { Event::Logout } else { Event::SessionRevoked };
        audit::record_quietly(conn, &Entry::new(event).by(user).from(origin), now);
    }
    Ok(ended)
}

/// Ends every session of `user` ("log out everywhere") and audits it.
pub fn end_all(
    conn: &mut DbConn,
    user: &User,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let reason = EndReason::LogoutAll.as_str();
    let n = sessions::revoke_all(conn, &user.id, Ending::default(), reason, now)?;
    let detail = Detail::LoggedOutEverywhere { count: n };
    let entry = Entry::new(Event::LogoutAll).by(user).from(origin).detail(detail);
    audit::record_quietly(conn, &entry, now);
    Ok(n)
}

/// Used time is written at most this often, so a busy client does not write on every request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Checks the session a verified token names: it must exist, belong to the token's subject,
/// be neither revoked nor expired, and its user must be active. Notes the use at most once a
/// minute (more often for a short idle limit), and then renews a browser session
/// (`auth::sliding`).
pub fn check(
    conn: &mut DbConn,
    claims: &AccessClaims,
    limits: &Limits,
    now: NaiveDateTime,
) -> Result<(Session, User), AppError> {
    let (mut session, user) = find(conn, &claims.sid)?;
    validate(&session, &user, &claims.sub, Some(claims.cli.as_str()), now)?;
    // A token never outlives its session: one that claims to (years past the session's end)
    // was not minted by this server's rules, whatever its signature says.
    let session_end = session.expires_at.and_utc().timestamp();
    if claims.exp > session_end + crate::auth::tokens::LEEWAY_SECONDS as i64 {
        return Err(AppError::TokenInvalid);
    }
    if now - session.last_used_at >= limits.touch_every(&session) {
        match limits.renewed(&session, now) {
            Some(until) => {
                sessions::touch_until(conn, &session.id, now, until)?;
                session.expires_at = until;
            }
            None => sessions::touch(conn, &session.id, now)?,
        }
        session.last_used_at = now;
    }
    Ok((session, user))
}

/// The session `sid` and its user; a missing session reads as revoked.
pub fn find(conn: &mut DbConn, sid: &SessionId) -> Result<(Session, User), AppError> {
    sessions::find_with_user(conn, sid).map_err(missing_is_revoked)
}

/// A session that is not there reads as revoked.
pub fn missing_is_revoked(e: diesel::result::Error) -> AppError {
    match e {
        diesel::result::Error::NotFound => AppError::TokenRevoked(None),
        e => e.into(),
    }
}

/// Whether a token of `subject` (and of client type `client`, when the token says) may use
/// `session` now.
pub fn validate(
    session: &Session,
    user: &User,
    subject: &UserId,
    client: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    judge(
        &SessionFacts {
            user_id: &session.user_id,
            client: &session.client,
            revoked: session.revoked_at.is_some(),
            revoked_reason: session.revoked_reason.as_deref(),
            expired: session.expires_at <= now,
            user_active: user.state() == UserState::Active,
        },
        subject,
        client,
    )
}

/// What decides whether a session may be used, however it was read (whole rows, or the
/// `/preview` check that compares times in SQL).
pub struct SessionFacts<'a> {
    pub user_id: &'a UserId,
    pub client: &'a str,
    pub revoked: bool,
    pub revoked_reason: Option<&'a str>,
    pub expired: bool,
    pub user_active: bool,
}

/// The rules, in the order their errors take precedence.
pub fn judge(
    facts: &SessionFacts<'_>,
    subject: &UserId,
    client: Option<&str>,
) -> Result<(), AppError> {
    if facts.user_id != subject || client.is_some_and(|c| c != facts.client) {
        return Err(AppError::TokenInvalid);
    }
    if facts.revoked {
        return Err(AppError::TokenRevoked(facts.revoked_reason.and_then(EndReason::parse)));
    }
    if facts.expired {
        return Err(AppError::TokenExpired);
    }
    if !facts.user_active {
        return Err(AppError::UserDisabled);
    }
    Ok(())
}

/// How long after its last noted use a session's use is noted again.
pub fn touch_every() -> Duration {
    TOUCH_EVERY
}

/// Whether the session's last use is old enough to be written again.
pub fn touch_due(session: &Session, now: NaiveDateTime) -> bool {
    now - session.last_used_at >= TOUCH_EVERY
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}
