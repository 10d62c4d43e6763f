//! Who may use `/dav/`: HTTP Basic with the user name and an app password carrying `dav`, or
//! an access token (`Bearer`) as on the API. The account password is refused (a second
//! factor could not be asked for), cookies are not read (a page could not forge a WebDAV
//! request then), and every failed attempt is counted by the login limiter.

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::db::models::users;
use crate::error::AppError;
use crate::http::auth::{self, CurrentUser, Source};
use crate::state::AppState;

/// The `WWW-Authenticate` of a refused WebDAV request: clients (Windows, Finder, rclone)
/// then ask for a user name and password.
pub const CHALLENGE: &str = "Basic realm=\"homedisk\", charset=\"UTF-8\"";

/// The caller of a WebDAV request, with the scope the method needs.
pub async fn caller(req: &HttpRequest, state: &AppState) -> Result<CurrentUser, AppError> {
    let current = match credential(req, state).await {
        Ok(current) => current,
        Err(e) if e.is_authentication() && !matches!(e, AppError::TokenMissing) => {
            count_failure(req, state).await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if current.is_app_password() {
        current.require_scope("dav")?;
    } else {
        current.require_scope("files:read")?;
        if !reads_only(req.method()) {
            current.require_scope("files:write")?;
        }
    }
    Ok(current)
}

async fn credential(req: &HttpRequest, state: &AppState) -> Result<CurrentUser, AppError> {
    match auth::api_token(req)? {
        Some((token, Source::Header)) => auth::authenticate_header(req, state, &token).await,
        _ => Err(AppError::TokenMissing),
    }
}

fn reads_only(method: &Method) -> bool {
    matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS" | "PROPFIND")
}

/// Counts a failed attempt against the client's address and the account it named, as a
/// failed login is; past the limit the answer is 429 with `Retry-After`.
async fn count_failure(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    if let Some(ip) = auth::client_ip(req) {
        state.login_limiter.check_ip(&ip).await?;
    }
    if let Some(name) = basic_user(req) {
        // The same key as a login's (the account's id, else the name as typed), so WebDAV
        // guesses and login guesses share one allowance.
        let lookup = name.clone();
        let user =
            crate::db::run(&state.db, move |conn| Ok(users::find_by_username(conn, &lookup)?))
                .await?;
        let key = user.map_or_else(|| name.trim().to_lowercase(), |u| u.id.to_string());
        state.login_limiter.check_account(&key, None).await?;
    }
    Ok(())
}

/// The user name of an HTTP Basic header, if it names one (never the password).
fn basic_user(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let text = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
    let user = text.split_once(':').map_or(text.as_str(), |(u, _)| u);
    (!user.is_empty() && !user.starts_with("hdk_")).then(|| user.to_owned())
}
