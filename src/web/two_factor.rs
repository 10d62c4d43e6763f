//! `/login/2fa`: the code after the password, for accounts with two-factor login on.
//!
//! `/login` with the right password hands over the challenge in the `homedisk_mfa` cookie
//! (HttpOnly, SameSite=Strict, `Path=/login/2fa`, five minutes): never in the URL, where the
//! access log, the history and `Referer` would keep it.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf;
use crate::config::Config;
use crate::error::{AppError, MfaToken};
use crate::http::auth::origin;
use crate::http::cookies::{self, secure};
use crate::state::AppState;
use crate::users::mfa;
use crate::web::auth::start_browser_session;
use crate::web::{Locale, Nav, PageError, anon_binding, html, redirect, safe_next, urlencode};

/// The cookie that carries the `mfa_token` from `/login` to `/login/2fa`.
const MFA_COOKIE: &str = "homedisk_mfa";
const MFA_PATH: &str = "/login/2fa";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(MFA_PATH, web::get().to(page)).route(MFA_PATH, web::post().to(submit));
}

/// Where `/login` sends a browser whose password was right: the challenge in the cookie.
pub fn handover(req: &HttpRequest, config: &Config, token: MfaToken, next: &str) -> HttpResponse {
    let cookie = Cookie::build(MFA_COOKIE, token.0)
        .path(MFA_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req, config))
        .max_age(CookieDuration::seconds(mfa::LIFETIME.num_seconds()))
        .finish();
    redirect(&format!("{MFA_PATH}?next={}", urlencode(next))).cookie(cookie).finish()
}

fn removed_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(MFA_COOKIE, "").path(MFA_PATH).http_only(true).finish();
    c.make_removal();
    c
}

/// Back to the password: the challenge is gone (or never was).
fn restart(next: &str) -> HttpResponse {
    let to = format!("/login?notice=mfa_expired&next={}", urlencode(next));
    redirect(&to).cookie(removed_cookie()).finish()
}

#[derive(Template)]
#[template(path = "auth/two_factor.html")]
struct TwoFactorPage {
    nav: Nav,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// `GET /login/2fa`
async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(q.next.as_deref());
    if req.cookie(MFA_COOKIE).is_none() {
        return Ok(restart(&next));
    }
    let (binding, cookie) = anon_binding(&req, &state.config);
    let page = TwoFactorPage {
        nav: Nav::anonymous(&state, &binding, &Locale::of(&req)),
        next,
        error: None,
    };
    let mut b = HttpResponse::Ok();
    if let Some(c) = cookie {
        b.cookie(c);
    }
    html(b, &page)
}

#[derive(Deserialize)]
struct CodeForm {
    code: Option<String>,
    recovery_code: Option<String>,
    next: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /login/2fa`: the code (or a recovery code) → the session cookie, then `next`.
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let Some(token) = req.cookie(MFA_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(restart(&next));
    };
    let (binding, new_cookie) = anon_binding(&req, &state.config);
    let csrf_ok = new_cookie.is_none()
        && form.csrf_token.as_deref().is_some_and(|t| csrf::verify(&state.keys, &binding, t));
    let code = [form.code, form.recovery_code].into_iter().flatten().find(|c| !c.trim().is_empty());
    let error = match (csrf_ok, code) {
        (false, _) => AppError::CsrfFailed,
        (true, None) => AppError::MfaInvalid,
        (true, Some(code)) => {
            let device = cookies::device_sent(&req);
            match mfa::complete(&state.accounts(), token, code, device, origin(&req)).await {
                Ok(started) => {
                    let mut resp = start_browser_session(&req, &state, started, &next);
                    resp.add_cookie(&removed_cookie()).map_err(AppError::internal)?;
                    return Ok(resp);
                }
                Err(AppError::MfaExpired | AppError::UserDisabled) => return Ok(restart(&next)),
                Err(e @ (AppError::MfaInvalid | AppError::RateLimited { .. } | AppError::Busy)) => {
                    e
                }
                Err(other) => return Err(other.into()),
            }
        }
    };
    let page = TwoFactorPage {
        nav: Nav::anonymous(&state, &binding, &Locale::of(&req)),
        next,
        error: Some(error.to_string()),
    };
    let mut b = HttpResponse::build(error.code_and_status().1);
    for h in error.extra_headers() {
        b.insert_header(h);
    }
    if let Some(c) = new_cookie {
        b.cookie(c);
    }
    html(b, &page)
}
