//! Who is calling: the extractors that put authentication in a handler's signature.
//!
//! - [`CurrentUser`]: JSON API. Reads the token from `Authorization: Bearer`, HTTP Basic (the
//!   token as user name), the legacy `token` and `z-token` headers, then the session cookie.
//!   A cookie-authenticated unsafe request also needs the `X-CSRF-Token` header.
//! - [`AdminUser`]: a `CurrentUser` with the admin role and scope; anyone else gets 404.
//! - Pages use `web::PageUser`, which reads the cookie only (see [`authenticate`]).
//!
//! Every extractor checks the session behind the token on every request, so logout,
//! revocation and disabling take effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderName};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;

use crate::audit::Origin;
use crate::auth::sessions;
use crate::auth::tokens::AccessClaims;
use crate::auth::{app_passwords, csrf};
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::sessions::Session;
use crate::db::models::users::{Role, User};
use crate::error::AppError;
use crate::state::AppState;

/// The cookie that carries a browser's access token.
pub const SESSION_COOKIE: &str = "homedisk_session";

/// An authenticated caller: the user, the live session and the token's claims.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    pub claims: AccessClaims,
    /// The folder an app password confines every file operation to (`None`: the whole
    /// account). See `api::confine`.
    pub folder: Option<FileId>,
    /// An app password that asks WebDAV to keep macOS metadata files (`._name`, `.DS_Store`).
    pub keep_mac_files: bool,
}

impl CurrentUser {
    /// Whether the caller authenticated with an app password (`hdk_…`).
    pub fn is_app_password(&self) -> bool {
        crate::auth::method::AuthMethod::parse(&self.session.method)
            == crate::auth::method::AuthMethod::AppPassword
    }

    pub fn require_scope(&self, scope: &'static str) -> Result<(), AppError> {
        if self.claims.has_scope(scope) { Ok(()) } else { Err(AppError::ScopeInsufficient(scope)) }
    }
}

/// A caller whose token may read files (`files:read`); anyone else gets 403
/// `scope_insufficient`. Dereferences to the [`CurrentUser`].
#[derive(Debug, Clone)]
pub struct FilesReader(pub CurrentUser);

/// A caller whose token may change files (`files:write`); anyone else gets 403
/// `scope_insufficient`. Dereferences to the [`CurrentUser`].
#[derive(Debug, Clone)]
pub struct FilesWriter(pub CurrentUser);

macro_rules! scoped_user {
    ($wrapper:ident, $scope:literal) => {
        impl std::ops::Deref for $wrapper {
            type Target = CurrentUser;
            fn deref(&self) -> &CurrentUser {
                &self.0
            }
        }

        impl FromRequest for $wrapper {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let current = CurrentUser::from_request(req, payload);
                Box::pin(async move {
                    let current = current.await?;
                    current.require_scope($scope)?;
                    Ok($wrapper(current))
                })
            }
        }
    };
}

scoped_user!(FilesReader, "files:read");
scoped_user!(FilesWriter, "files:write");

/// A caller acting as the account holder, not through an app password: only they may manage
/// credentials (app passwords, two-factor login, the password). An app password gets 403
/// `scope_insufficient` (it could otherwise mint a lasting credential or lock the owner out).
#[derive(Debug, Clone)]
pub struct AccountHolder(pub CurrentUser);

impl std::ops::Deref for AccountHolder {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl FromRequest for AccountHolder {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let current = current.await?;
            if current.is_app_password() {
                return Err(AppError::NotForAppPasswords(
                    "an app password cannot manage the account (app passwords, password, \
                     two-factor login, sessions); log in with the account password",
                ));
            }
            Ok(AccountHolder(current))
        })
    }
}

/// The caller must be an admin, with a token carrying the `admin` scope. For anyone else
/// the admin area does not exist (404), so it cannot be probed.
#[derive(Debug, Clone)]
pub struct AdminUser(pub CurrentUser);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Header,
    Cookie,
}

/// The app state, or an internal error if the app was built without it.
pub fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("AppState missing"))
}

/// Where the request came from, for the session list.
pub fn origin(req: &HttpRequest) -> Origin {
    Origin {
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: client_ip(req),
    }
}

/// The client's address: the peer's, or what a trusted proxy forwarded for
/// (`HOMEDISK_TRUSTED_PROXIES`; anyone else's `X-Forwarded-For` is ignored).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    client_addr(req).map(|ip| ip.to_string())
}

/// [`client_ip`] as an address, for who only prints it (the access log, on every request).
pub fn client_addr(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    // A constant name: looked up by `&str`, actix would parse (and allocate) it each time.
    const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
    let forwarded = req.headers().get_all(FORWARDED_FOR).filter_map(|v| v.to_str().ok());
    match req.app_data::<actix_web::web::Data<crate::state::AppState>>() {
        Some(state) => state.config.trusted_proxies.client(peer, forwarded),
        None => peer,
    }
}

/// The token from the headers the API accepts, then the cookie.
pub(crate) fn api_token(req: &HttpRequest) -> Result<Option<(String, Source)>, AppError> {
    let headers = req.headers();
    if let Some(value) = headers.get(AUTHORIZATION) {
        let value = value.to_str().map_err(|_| AppError::TokenInvalid)?.trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let token = if scheme.eq_ignore_ascii_case("bearer") {
            rest.trim().to_owned()
        } else if scheme.eq_ignore_ascii_case("basic") {
            basic_token(rest.trim())?
        } else {
            return Err(AppError::TokenInvalid);
        };
        return Ok(Some((token, Source::Header)));
    }
    for name in ["token", "z-token"] {
        if let Some(value) = headers.get(name) {
            let token = value.to_str().map_err(|_| AppError::TokenInvalid)?.trim().to_owned();
            return Ok(Some((token, Source::Header)));
        }
    }
    Ok(cookie_token(req).map(|t| (t, Source::Cookie)))
}

/// The credential in an HTTP Basic header: an app password as the password (`user:hdk_…`,
/// as WebDAV clients and `curl -u` send it) or as the user name (`hdk_…:`), else the token as
/// the user name (the seed recipes' form; the password is then ignored). The account
/// password is never accepted here: `alice:password` reads as the token `alice`, which fails.
fn basic_token(encoded: &str) -> Result<String, AppError> {
    let decoded = STANDARD.decode(encoded).map_err(|_| AppError::TokenInvalid)?;
    let text = String::from_utf8(decoded).map_err(|_| AppError::TokenInvalid)?;
    let (user, password) = text.split_once(':').unwrap_or((text.as_str(), ""));
    if app_passwords::is_app_password(password) {
        if !user.is_empty() && !app_passwords::is_app_password(user) {
            // The user name must then be the account's: checked with the secret.
            return Ok(format!("{password}{BASIC_USER_SEPARATOR}{user}"));
        }
        return Ok(password.to_owned());
    }
    // A token has dots (a JWT); a user name with a password is someone trying the account
    // password, which deserves a clear refusal rather than "token invalid".
    if !user.contains('.') && !password.is_empty() {
        return Err(AppError::AccountPasswordOverBasic);
    }
    Ok(user.to_owned())
}

/// Joins an app password and the Basic user name it came with (a character no token or
/// user name holds); `authenticate_header` splits them again.
const BASIC_USER_SEPARATOR: char = '\n';

/// The access token from the session cookie, if any.
pub fn cookie_token(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|v| !v.is_empty())
}

/// Verifies `token` and checks its session and user in the database.
pub async fn authenticate(state: &AppState, token: &str) -> Result<CurrentUser, AppError> {
    let claims = state.keys.verify_access(token)?;
    let now = Utc::now().naive_utc();
    let checked = claims.clone();
    let limits = crate::auth::sliding::Limits::of(&state.config);
    let (session, user) =
        db::run(&state.db, move |conn| sessions::check(conn, &checked, &limits, now)).await?;
    Ok(CurrentUser { user, session, claims, folder: None, keep_mac_files: false })
}

/// Authenticates the session cookie's `token` as [`authenticate`] does, and when its session
/// now lasts longer than the token (a sliding browser session was renewed, here or on another
/// node) notes a fresh token for `cookies::reissue` to set.
pub async fn authenticate_cookie(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
) -> Result<CurrentUser, AppError> {
    let current = authenticate(state, token).await?;
    if current.session.expires_at.and_utc().timestamp() > current.claims.exp {
        let now = Utc::now().naive_utc();
        let claims = sessions::renewed_claims(&current.claims, current.session.expires_at, now);
        let token = state.keys.sign(&claims)?;
        let cookie = crate::http::cookies::session(req, &state.config, token, &current.session);
        req.extensions_mut().insert(crate::http::cookies::Reissue(cookie));
    }
    Ok(current)
}

/// Authenticates a credential sent in a header: an app password, or a token as
/// [`authenticate`] does. (The cookie only ever holds a token: see `CurrentUser`.)
pub async fn authenticate_header(
    req: &HttpRequest,
    state: &AppState,
    credential: &str,
) -> Result<CurrentUser, AppError> {
    if !app_passwords::is_app_password(credential) {
        return authenticate(state, credential).await;
    }
    let (secret, basic_user) = match credential.split_once(BASIC_USER_SEPARATOR) {
        Some((secret, user)) => (secret.to_owned(), Some(user.to_owned())),
        None => (credential.to_owned(), None),
    };
    let (now, from) = (Utc::now().naive_utc(), origin(req));
    let found =
        db::run(&state.db, move |conn| app_passwords::authenticate(conn, &secret, &from, now))
            .await?;
    if basic_user.is_some_and(|u| !u.eq_ignore_ascii_case(&found.user.username)) {
        return Err(AppError::TokenInvalid);
    }
    Ok(CurrentUser {
        user: found.user,
        session: found.session,
        claims: found.claims,
        folder: found.folder,
        keep_mac_files: found.keep_mac_files,
    })
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            let (token, source) = api_token(&req)?.ok_or(AppError::TokenMissing)?;
            let current = match source {
                Source::Header => authenticate_header(&req, &state, &token).await?,
                Source::Cookie => authenticate_cookie(&req, &state, &token).await?,
            };
            if source == Source::Cookie && !req.method().is_safe() {
                let presented = req.headers().get(csrf::HEADER).and_then(|v| v.to_str().ok());
                let binding = current.session.id.as_str();
                if !presented.is_some_and(|p| csrf::verify(&state.keys, binding, p)) {
                    return Err(AppError::CsrfFailed);
                }
            }
            Ok(current)
        })
    }
}

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Already checked by `admin_gate` for this request: no second database lookup.
        if let Some(admin) = req.extensions().get::<AdminUser>().cloned() {
            return Box::pin(async move { Ok(admin) });
        }
        let current = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let current = current.await?;
            if current.user.role() != Role::Admin {
                return Err(AppError::NotFound);
            }
            current.require_scope("admin")?;
            Ok(AdminUser(current))
        })
    }
}

/// Middleware for a whole admin area: the caller is checked before anything else of the
/// request is read, so a non-admin gets the same 404 whatever the path, query or body (a
/// malformed body must not reveal that the route exists). The checked `AdminUser` is kept
/// for the handler's own extractor.
pub async fn admin_gate<B: actix_web::body::MessageBody>(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::EitherBody<B>>, actix_web::Error> {
    match req.extract::<AdminUser>().await {
        Ok(admin) => {
            req.extensions_mut().insert(admin);
            next.call(req).await.map(actix_web::dev::ServiceResponse::map_into_left_body)
        }
        // Answered here, as a response (not an error), like any handler's refusal.
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}
