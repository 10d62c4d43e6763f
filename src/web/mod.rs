//! The HTML pages: thin adapters over the same domain functions as the API.
//!
//! Pages authenticate with the session cookie only ([`PageUser`]); a missing or dead session
//! redirects to `/login?next=…`. The admin pages take [`PageAdmin`] instead, which never
//! redirects: for anyone but an administrator they answer 404. Every form carries a CSRF token
//! (see `auth::csrf`), and errors render the error page ([`PageError`]) with the status of the
//! underlying `AppError`.

mod account;
mod admin;
mod assets;
mod auth;
mod cookies;
mod device;
mod errors;
mod extract;
mod files;
pub mod i18n;
mod nav;
mod register;
mod security;
mod shares;
mod two_factor;

pub use cookies::{anon_binding, removed_session_cookie};
pub(crate) use errors::capitalize;
pub use errors::{PageError, localize_errors};
pub use extract::{CsrfForm, CsrfProtected, PageAdmin, PageUser, admins_only, check_csrf};
pub use nav::{Nav, StorageMeter};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use askama::Template;

use crate::error::AppError;
pub use crate::files::human_bytes;
use crate::http::auth::cookie_token;
pub use i18n::Locale;

/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(MAX_FORM_BYTES).error_handler(|e, _| {
        let app = match e {
            actix_web::error::UrlencodedError::Overflow { .. } => {
                AppError::PayloadTooLarge("the form is too large".into())
            }
            other => AppError::BadRequest(format!("the form could not be read: {other}")),
        };
        PageError::App(app).into()
    }))
    .app_data(web::QueryConfig::default().error_handler(|e, _| {
        PageError::App(AppError::BadRequest(format!("bad query string: {e}"))).into()
    }))
    .route("/", web::get().to(index))
    .configure(auth::configure)
    .configure(register::configure)
    .configure(account::configure)
    .configure(device::configure)
    .configure(security::configure)
    .configure(two_factor::configure)
    .configure(files::configure)
    .configure(shares::configure)
    .configure(admin::configure)
    .configure(assets::configure)
    .configure(i18n::configure)
    .default_service(web::to(not_found));
}

/// `GET /`: the files page when logged in, else the login page, or on an instance without
/// accounts the first run's "Create the administrator" (`/setup`).
async fn index(req: HttpRequest, state: web::Data<crate::state::AppState>) -> HttpResponse {
    let to = if cookie_token(&req).is_some() {
        "/files"
    } else if register::no_accounts(&state)
        .await
        .inspect_err(AppError::log_if_internal)
        .unwrap_or(false)
    {
        "/setup"
    } else {
        "/login"
    };
    redirect(to).finish()
}

async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::App(AppError::NotFound))
}

/// A rendered page as a response (`builder` may already carry cookies).
pub fn html(
    mut builder: HttpResponseBuilder,
    page: &impl Template,
) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(AppError::internal)?;
    Ok(builder.content_type("text/html; charset=utf-8").body(body))
}

/// A 303 redirect (after a POST, the browser follows it with a GET).
pub fn redirect(to: &str) -> HttpResponseBuilder {
    let mut b = HttpResponse::SeeOther();
    b.insert_header((
        header::LOCATION,
        HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")),
    ));
    b
}

/// `next` if it is a path on this site, else `/files`. Refuses `//host`, `/\host`, schemes
/// and control characters, so the login page cannot be turned into an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\')
                && n.len() <= 2048 =>
        {
            n.to_owned()
        }
        _ => "/files".to_owned(),
    }
}

/// A time for people: `2026-11-23 09:27 UTC`.
pub fn display_time(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/account?x=1")), "/account?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/files", "{bad}");
        }
        assert_eq!(safe_next(None), "/files");
    }
}
