//! `/login`, `/logout`: the pages that start and end a browser session (`/register` and
//! `/setup` are in `register.rs`).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::sessions::{EndReason, Started};
use crate::auth::tokens::ClientKind;
use crate::config::Registration;
use crate::db;
use crate::error::AppError;
use crate::http::auth::{authenticate, cookie_token, origin};
use crate::http::cookies;
use crate::state::AppState;
use crate::users::{self, LoginInput};
use crate::web::i18n::Ui;
use crate::web::{
    CsrfForm, Locale, Nav, PageError, PageUser, anon_binding, html, redirect,
    removed_session_cookie, safe_next,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login_submit))
        .route("/logout", web::get().to(logout_page))
        .route("/logout", web::post().to(logout_submit));
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    nav: Nav,
    login: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
    registration_open: bool,
    /// "Keep me signed in" was ticked (kept when the form comes back with an error).
    keep: bool,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

/// The message a `?notice=` code stands for (codes, not text, so the URL cannot inject words).
fn notice_text(t: &'static Ui, code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "login" => t.notice_login,
        "expired" => t.notice_expired,
        "ended" => t.notice_ended,
        "elsewhere" => t.notice_elsewhere,
        "disabled" => t.notice_disabled,
        "logged_out" => t.notice_logged_out,
        "password_changed" => t.notice_password_changed,
        "mfa_expired" => t.notice_mfa_expired,
        _ => return None,
    })
}

/// A browser that is already logged in does not need the login page.
pub(super) async fn logged_in(req: &HttpRequest, state: &AppState) -> bool {
    match cookie_token(req) {
        Some(t) => authenticate(state, &t).await.is_ok(),
        None => false,
    }
}

/// The response after a successful login or registration: cookie, then on to `next`.
pub(super) fn start_browser_session(
    req: &HttpRequest,
    state: &AppState,
    started: Started,
    next: &str,
) -> HttpResponse {
    let device = cookies::device_after_login(req, &state.keys, &state.config, &started.user.id);
    let mut resp = redirect(next);
    resp.cookie(cookies::session(req, &state.config, started.token, &started.session));
    if let Some(c) = device {
        resp.cookie(c);
    }
    resp.finish()
}

/// `GET /login`
async fn login_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(q.next.as_deref());
    if logged_in(&req, &state).await {
        return Ok(redirect(&next).finish());
    }
    let (binding, cookie) = anon_binding(&req, &state.config);
    let loc = Locale::of(&req);
    let page = LoginPage {
        notice: notice_text(loc.lang.ui(), q.notice.as_deref()),
        nav: Nav::anonymous(&state, &binding, &loc),
        login: String::new(),
        next,
        error: None,
        registration_open: registration_open(&state).await,
        keep: false,
    };
    let mut b = HttpResponse::Ok();
    if let Some(c) = cookie {
        b.cookie(c);
    }
    html(b, &page)
}

#[derive(Deserialize)]
struct LoginForm {
    login: Option<String>,
    password: Option<String>,
    next: Option<String>,
    csrf_token: Option<String>,
    /// The "keep me signed in" checkbox (`on` when ticked).
    keep: Option<String>,
}

/// `POST /login`
async fn login_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let login = form.login.unwrap_or_default();
    let keep = form.keep.is_some();
    let (binding, new_cookie) = anon_binding(&req, &state.config);
    let csrf_ok = new_cookie.is_none()
        && form.csrf_token.as_deref().is_some_and(|t| csrf::verify(&state.keys, &binding, t));

    let error = if !csrf_ok {
        AppError::CsrfFailed
    } else if login.trim().is_empty() || form.password.as_deref().unwrap_or("").is_empty() {
        AppError::BadRequest("Enter your user name (or email or phone) and your password.".into())
    } else {
        let input = LoginInput {
            login: login.clone(),
            password: form.password.unwrap_or_default(),
            client: ClientKind::Web,
            scope: None,
            device: cookies::device_sent(&req),
            keep,
        };
        match users::login(&state.accounts(), input, origin(&req)).await {
            Ok(started) => return Ok(start_browser_session(&req, &state, started, &next)),
            Err(AppError::MfaRequired(token)) => {
                return Ok(crate::web::two_factor::handover(&req, &state.config, token, &next));
            }
            Err(
                e @ (AppError::InvalidCredentials
                | AppError::UserDisabled
                | AppError::RateLimited { .. }
                | AppError::Busy),
            ) => e,
            Err(other) => return Err(other.into()),
        }
    };
    let page = LoginPage {
        nav: Nav::anonymous(&state, &binding, &Locale::of(&req)),
        login,
        next,
        error: Some(error.to_string()),
        notice: None,
        registration_open: registration_open(&state).await,
        keep,
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

#[derive(Template)]
#[template(path = "auth/logout.html")]
struct LogoutPage {
    nav: Nav,
}

/// `GET /logout`: a confirmation button (logging out by GET would let any site log you out).
async fn logout_page(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    html(HttpResponse::Ok(), &LogoutPage { nav: Nav::user(&state, &me.0, &loc) })
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    pub csrf_token: Option<String>,
}

/// `POST /logout`: end this browser's session.
async fn logout_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), .. }: CsrfForm<PageUser, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (now, from) = (Utc::now().naive_utc(), crate::http::auth::origin(&req));
    db::run(&state.db, move |conn| {
        crate::auth::sessions::end(conn, &me.user, &me.session.id, EndReason::Logout, &from, now)?;
        Ok(())
    })
    .await?;
    Ok(redirect("/login?notice=logged_out").cookie(removed_session_cookie()).finish())
}

/// Whether self-service registration is open now (the admin setting, else the environment).
/// An unreadable setting reads as closed: the form then says so rather than failing the page.
pub(super) async fn registration_open(state: &web::Data<AppState>) -> bool {
    let st = state.clone();
    let current = db::run(&state.db, move |conn| crate::settings::current(conn, &st.config)).await;
    matches!(current, Ok(s) if s.registration == Registration::Open)
}

crate::csrf_protected!(CsrfOnly);
