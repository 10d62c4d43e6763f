//! `POST /s/{token}/unlock`: the visitor sends the link's password (a form field or JSON
//! `password`; never in a URL). Right: an HttpOnly cookie limited to `/s/{token}` for 12 h
//! (a form is sent back to the link with 303), and for JSON callers `{unlock_token}` to send
//! as `X-Share-Unlock`. Attempts are limited per IP and per link by the login limiter (429
//! with `Retry-After`); the limit slows guessing without locking the link for everyone, since
//! a right password from an address that is not limited still passes.
//!
//! The form carries the pre-login CSRF token, as the login form does (`web::anon_binding`):
//! it sets a cookie, and another site's form must neither unlock a link in the visitor's
//! browser nor spend the link's allowance of attempts. JSON needs none: a browser sends JSON
//! across sites only after a CORS preflight, which never allows cookies (`http::cors`), and
//! apps hold no cookie to abuse.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::page::refusal;
use super::{UNLOCK_COOKIE, gate};
use crate::auth::{csrf, password};
use crate::db;
use crate::error::AppError;
use crate::shares::unlock::{self as unlocks, UNLOCK_SECONDS};
use crate::shares::{self, Operation};
use crate::state::AppState;
use crate::web::{Locale, anon_binding};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/unlock", web::post().to(unlock));
}

#[derive(Deserialize)]
struct UnlockBody {
    #[serde(default)]
    password: String,
    /// The form's CSRF token (JSON callers send none).
    #[serde(skip)]
    csrf_token: Option<String>,
}

/// The body as JSON or as a form, by its type.
fn body_of(req: &HttpRequest, body: &[u8]) -> Result<(UnlockBody, bool), AppError> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let parsed = if json {
        serde_json::from_slice(body)
            .map_err(|_| AppError::BadRequest("send {\"password\": …}".into()))
    } else {
        let field = |wanted: &str| {
            form_urlencoded::parse(body)
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| value.into_owned())
        };
        Ok(UnlockBody {
            password: field("password").unwrap_or_default(),
            csrf_token: field(csrf::FORM_FIELD),
        })
    };
    Ok((parsed?, json))
}

/// Whether a form's CSRF token was made for the pre-login cookie this browser sent (without
/// that cookie, no token is right: another site's page cannot have read one).
fn form_csrf_ok(req: &HttpRequest, state: &AppState, body: &UnlockBody) -> bool {
    let (binding, fresh) = anon_binding(req, &state.config);
    fresh.is_none()
        && body.csrf_token.as_deref().is_some_and(|t| csrf::verify(&state.keys, &binding, t))
}

/// `POST /s/{token}/unlock`: JSON callers get problem details; a form gets the password
/// page again (401, or 403 for a CSRF token that is not this browser's) or the page saying
/// why the link does not work.
async fn unlock(
    req: HttpRequest,
    state: web::Data<AppState>,
    loc: Locale,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let token = token.into_inner();
    let (body, json) = body_of(&req, &body)?;
    let trusted = json || form_csrf_ok(&req, &state, &body);
    match attempt(&req, &state, &token, body, trusted, json).await {
        Ok(resp) => Ok(resp),
        Err(e) if json => Err(e.into()),
        Err(e) => Ok(refusal(&req, &state, &loc, &format!("/s/{token}"), e)?),
    }
}

/// Tries the password; `csrf_ok` says the request may set the visitor's cookie at all (checked
/// after the gate, so a dead link still says so, and before the limiter and bcrypt, so a
/// forged post costs nothing and counts for nothing).
async fn attempt(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    body: UnlockBody,
    csrf_ok: bool,
    json: bool,
) -> Result<HttpResponse, AppError> {
    let token = token.to_owned();
    let (grant, now) = gate(req, state, token.clone(), None, Operation::Unlock).await?;
    if !csrf_ok {
        return Err(AppError::CsrfFailed);
    }
    let share = grant.share;
    let limiter = &state.login_limiter;
    limiter.check_ip(&crate::http::auth::client_ip(req).unwrap_or_default()).await?;
    limiter.check_account(&format!("share:{}", share.id), None).await?;
    if let Some(hash) = share.password_hash.clone() {
        let typed = body.password;
        let right = state.hashers.run(move || password::verify(&typed, &hash)).await?;
        if !right {
            let (from, failed) = (crate::http::auth::origin(req), share.clone());
            db::run(&state.db, move |conn| shares::password_failed(conn, &failed, &from, now))
                .await?;
            return Err(AppError::InvalidCredentials);
        }
    }
    let value = unlocks::issue(&state.keys, &share.id, share.password_version, now);
    let cookie = Cookie::build(UNLOCK_COOKIE, value.clone())
        .path(format!("/s/{token}"))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(crate::http::cookies::secure(req, &state.config))
        .max_age(CookieDuration::seconds(UNLOCK_SECONDS))
        .finish();
    if json {
        return Ok(HttpResponse::Ok()
            .cookie(cookie)
            .json(serde_json::json!({ "unlock_token": value, "expires_in": UNLOCK_SECONDS })));
    }
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, format!("/s/{token}")))
        .finish())
}
