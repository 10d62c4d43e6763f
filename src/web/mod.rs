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
mod files;
pub mod i18n;

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, web,
};
use askama::Template;

use crate::auth::csrf;
use crate::auth::extractors::{CurrentUser, SESSION_COOKIE, app_state, authenticate, cookie_token};
use crate::auth::sessions::EndReason;
use crate::config::Config;
use crate::db::models::users::Role;
use crate::error::AppError;
pub use crate::files::human_bytes;
use crate::state::AppState;
pub use i18n::Locale;
use i18n::{AdminUi, Lang, Ui};

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
    .configure(account::configure)
    .configure(files::configure)
    .configure(admin::configure)
    .configure(assets::configure)
    .configure(i18n::configure)
    .default_service(web::to(not_found));
}

/// `GET /`: the files page when logged in, else the login page.
async fn index(req: HttpRequest) -> HttpResponse {
    let to = if cookie_token(&req).is_some() { "/files" } else { "/login" };
    redirect(to).finish()
}

async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::App(AppError::NotFound))
}

/// The header every page shows (who is logged in, their storage, the language switcher), the
/// CSRF token for its forms, and the translation table for its strings (`nav.t.key`).
pub struct Nav {
    pub username: Option<String>,
    pub is_admin: bool,
    pub csrf: String,
    pub lang: Lang,
    /// Where the language switcher comes back to.
    pub here: String,
    pub t: &'static Ui,
    pub ta: &'static AdminUi,
    pub storage: Option<StorageMeter>,
}

/// The storage bar in the header.
pub struct StorageMeter {
    pub used: String,
    pub quota: String,
    pub percent: u32,
}

impl Nav {
    pub fn user(state: &AppState, me: &CurrentUser, loc: &Locale) -> Self {
        let (used, quota) = (me.user.storage_used.max(0), me.user.quota.max(0));
        let percent = match (used, quota) {
            (0, _) => 0,
            (_, 0) => 100,
            // At least 1 % once anything is stored: the bar never looks empty when it is not.
            (u, q) => u32::try_from((u.saturating_mul(100) / q).clamp(1, 100)).unwrap_or(100),
        };
        Nav {
            username: Some(me.user.username.clone()),
            is_admin: is_admin(me),
            csrf: csrf::token(&state.keys, me.session.id.as_str()),
            storage: Some(StorageMeter {
                used: i18n::human_size(loc.lang, used),
                quota: i18n::human_size(loc.lang, quota),
                percent,
            }),
            ..Nav::bare(loc)
        }
    }
    pub fn anonymous(state: &AppState, binding: &str, loc: &Locale) -> Self {
        Nav { csrf: csrf::token(&state.keys, binding), ..Nav::bare(loc) }
    }
    /// No one logged in and no forms: the error pages.
    pub fn bare(loc: &Locale) -> Self {
        Nav {
            username: None,
            is_admin: false,
            csrf: String::new(),
            lang: loc.lang,
            here: loc.here.clone(),
            t: loc.lang.ui(),
            ta: loc.lang.admin(),
            storage: None,
        }
    }

    /// Whether this page is under `prefix` (for `aria-current` in the header).
    pub fn at(&self, prefix: &str) -> bool {
        let path = self.here.split('?').next().unwrap_or_default();
        path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
    }
    /// The user's initial, for the avatar in the menu.
    pub fn initial(&self) -> String {
        let first = self.username.as_deref().and_then(|n| n.chars().next()).unwrap_or('?');
        first.to_uppercase().collect()
    }
    pub fn langs(&self) -> &'static [Lang] {
        &Lang::ALL
    }
    pub fn fill1(&self, text: &str, a: impl std::fmt::Display) -> String {
        i18n::fill(text, &[&a])
    }
    pub fn fill2(
        &self,
        text: &str,
        a: impl std::fmt::Display,
        b: impl std::fmt::Display,
    ) -> String {
        i18n::fill(text, &[&a, &b])
    }
    /// A message of the domain (a form field's problem, an error) in this page's language.
    pub fn msg<'a>(&self, message: &'a str) -> &'a str {
        i18n::translate(self.lang, message)
    }
    /// The scripts' strings, as JSON (escaped by the template as an attribute value).
    pub fn js_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .lang
            .js()
            .entries()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    status: u16,
    title: &'static str,
    explanation: &'static str,
    detail: String,
}

impl ErrorPage {
    fn new(e: &AppError, loc: &Locale) -> Self {
        let status = e.code_and_status().1;
        let t = loc.lang.ui();
        let (title, explanation) = match status.as_u16() {
            400 => (t.error_400, t.error_400_text),
            401 => (t.error_401, t.error_401_text),
            403 => (t.error_403, t.error_403_text),
            404 => (t.error_404, t.error_404_text),
            409 => (t.error_409, t.error_409_text),
            413 => (t.error_413, t.error_413_text),
            415 => (t.error_415, t.error_415_text),
            422 => (t.error_422, t.error_422_text),
            429 => (t.error_429, t.error_429_text),
            500..=599 => (t.error_500, t.error_500_text),
            _ => (t.error_other, ""),
        };
        // Internal errors show no detail, and "not found" says nothing the title does not;
        // everything else is written for people.
        let detail = match e {
            AppError::NotFound | AppError::Internal(_) => String::new(),
            e => capitalize(i18n::translate(loc.lang, &e.to_string())),
        };
        ErrorPage { nav: Nav::bare(loc), status: status.as_u16(), title, explanation, detail }
    }

    /// The page as a response with the error's status and extra headers (`Retry-After`).
    fn respond(&self, e: &AppError) -> HttpResponse {
        let mut resp = HttpResponse::build(e.code_and_status().1);
        for h in e.extra_headers() {
            resp.insert_header(h);
        }
        match self.render() {
            Ok(body) => resp.content_type("text/html; charset=utf-8").body(body),
            Err(_) => resp.content_type("text/plain; charset=utf-8").body(self.detail.clone()),
        }
    }
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Middleware around the whole app: an error page answered by a page handler is rendered in
/// the language of the request (`ResponseError` does not see the request). API errors pass
/// through untouched.
pub async fn localize_errors<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(PageError::App(e)) = res.response().error().and_then(|e| e.as_error::<PageError>())
    else {
        return Ok(res.map_into_left_body());
    };
    // Only now: this middleware sits on every route, the image previews' hot path included.
    let loc = Locale::of(res.request());
    let mut page = ErrorPage::new(e, &loc);
    // Someone logged in keeps their header (their menu, their way back to their files).
    if let (Some(token), Ok(state)) = (cookie_token(res.request()), app_state(res.request()))
        && let Ok(me) = authenticate(&state, &token).await
    {
        page.nav = Nav::user(&state, &me, &loc);
    }
    let page = page.respond(e);
    Ok(res.into_response(page).map_into_right_body())
}

/// An error on a page: the error page, or a redirect to the login page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("login required")]
    Login { next: Option<String>, notice: &'static str },
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::App(e) => e.code_and_status().1,
            PageError::Login { .. } => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::Login { next, notice } => {
                let mut url = format!("/login?notice={notice}");
                if let Some(next) = next {
                    url.push_str("&next=");
                    url.push_str(&urlencode(next));
                }
                let mut gone = Cookie::new(SESSION_COOKIE, "");
                gone.set_path("/");
                gone.make_removal();
                redirect(&url).cookie(gone).finish()
            }
            PageError::App(e) => {
                e.log_if_internal();
                // English here; `localize_errors` renders it again in the request's language.
                let loc = Locale { lang: Lang::En, here: "/".into() };
                ErrorPage::new(e, &loc).respond(e)
            }
        }
    }
}

/// The logged-in user of a page, from the session cookie.
pub struct PageUser(pub CurrentUser);

impl FromRequest for PageUser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            // Come back here after logging in, if "here" can be reached by a GET.
            let next =
                (req.method() == actix_web::http::Method::GET).then(|| req.uri().to_string());
            let Some(token) = cookie_token(&req) else {
                return Err(PageError::Login { next, notice: "login" });
            };
            match authenticate(&state, &token).await {
                Ok(me) => Ok(PageUser(me)),
                Err(e) => {
                    let notice = match &e {
                        AppError::TokenExpired => "expired",
                        AppError::UserDisabled => "disabled",
                        AppError::TokenRevoked(Some(EndReason::SignedInElsewhere)) => "elsewhere",
                        AppError::TokenRevoked(_) => "ended",
                        e if e.is_authentication() => "login",
                        _ => return Err(PageError::App(e)),
                    };
                    Err(PageError::Login { next, notice })
                }
            }
        })
    }
}

/// Whether `me` may use the admin pages: the admin role, and a token carrying the `admin`
/// scope (the rule of the API's `AdminUser`). An account promoted while logged in gets the
/// scope, and so the admin pages, at its next login.
fn is_admin(me: &CurrentUser) -> bool {
    me.user.role() == Role::Admin && me.claims.has_scope("admin")
}

/// An administrator on a page, from the session cookie. For anyone else (no cookie, a dead
/// session, a disabled account, not an admin) it is the not-found page, never a redirect to
/// the login page: the admin area cannot be probed.
#[derive(Clone)]
pub struct PageAdmin(pub CurrentUser);

impl PageAdmin {
    async fn check(req: &HttpRequest) -> Result<Self, PageError> {
        let state = app_state(req)?;
        let token = cookie_token(req).ok_or(AppError::NotFound)?;
        let me = match authenticate(&state, &token).await {
            Ok(me) => me,
            Err(e) if e.is_authentication() || matches!(e, AppError::UserDisabled) => {
                return Err(AppError::NotFound.into());
            }
            Err(e) => return Err(e.into()),
        };
        if !is_admin(&me) {
            return Err(AppError::NotFound.into());
        }
        Ok(PageAdmin(me))
    }
}

impl FromRequest for PageAdmin {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already checked by `admins_only` for this request.
        let checked = req.extensions().get::<PageAdmin>().cloned();
        let req = req.clone();
        Box::pin(async move {
            match checked {
                Some(admin) => Ok(admin),
                None => PageAdmin::check(&req).await,
            }
        })
    }
}

/// Middleware for a scope of admin pages: checks the caller before any extractor reads the
/// query or the body, so for anyone else every route in it answers 404, even with a malformed
/// request that would otherwise be a 400 and give the area away. Handlers still take
/// [`PageAdmin`] (which then reuses this check).
pub async fn admins_only<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    match PageAdmin::check(req.request()).await {
        Ok(admin) => {
            req.extensions_mut().insert(admin);
            next.call(req).await.map(ServiceResponse::map_into_left_body)
        }
        // A response, not an `Err`, so the outer middleware (security headers) still applies.
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
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

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

use crate::http::cookies::secure;

/// The session cookie: HttpOnly, SameSite=Lax, Path=/, Secure per config, lasting as long as
/// the session.
pub fn session_cookie(
    req: &HttpRequest,
    config: &Config,
    token: String,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(req, config))
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

pub fn removed_session_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

/// The pre-login CSRF binding: the `homedisk_csrf` cookie, or a new one to set.
pub fn anon_binding(req: &HttpRequest, config: &Config) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(csrf::ANON_COOKIE).filter(|c| c.value().len() >= 16) {
        return (c.value().to_owned(), None);
    }
    let value = csrf::new_anon_binding();
    let cookie = Cookie::build(csrf::ANON_COOKIE, value.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req, config))
        .finish();
    (value, Some(cookie))
}

/// Checks a logged-in form's CSRF token.
pub fn check_csrf(
    state: &AppState,
    me: &CurrentUser,
    presented: Option<&str>,
) -> Result<(), PageError> {
    match presented {
        Some(p) if csrf::verify(&state.keys, me.session.id.as_str(), p) => Ok(()),
        _ => Err(PageError::App(AppError::CsrfFailed)),
    }
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
