//! `/account/security`: two-factor login (status, enrolment with a QR code, recovery codes
//! shown once, new codes, turning it off), and `/account/confirm`, where a sensitive action
//! sends a user whose last proof of identity is more than ten minutes old (`auth::recent`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::{recent, totp as codes};
use crate::db;
use crate::db::models::recovery_codes;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{CurrentUser, origin};
use crate::state::AppState;
use crate::users::totp::{self, Enrolment};
use crate::web::auth::CsrfOnly;
use crate::web::{
    CsrfForm, Locale, Nav, PageError, PageUser, html, redirect, safe_next, urlencode,
};

const HERE: &str = "/account/security";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(HERE, web::get().to(security_page))
        .route("/account/security/totp", web::post().to(start))
        .route("/account/security/totp/confirm", web::post().to(confirm))
        .route("/account/security/totp/disable", web::post().to(disable))
        .route("/account/security/recovery-codes", web::post().to(regenerate))
        .route("/account/confirm", web::get().to(confirm_page))
        .route("/account/confirm", web::post().to(confirm_submit));
}

/// The enrolment as the page shows it.
struct EnrolView {
    secret: String,
    secret_grouped: String,
    qr_svg: String,
}

impl From<Enrolment> for EnrolView {
    fn from(e: Enrolment) -> Self {
        EnrolView { secret_grouped: codes::grouped(&e.secret), secret: e.secret, qr_svg: e.qr_svg }
    }
}

#[derive(Template)]
#[template(path = "account_security.html")]
struct SecurityPage {
    nav: Nav,
    enabled: bool,
    recovery_left: i64,
    enrol: Option<EnrolView>,
    /// Fresh recovery codes, shown this once.
    recovery_codes: Vec<String>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

/// What a page render needs besides the user.
#[derive(Default)]
struct View {
    enrol: Option<EnrolView>,
    recovery_codes: Vec<String>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn render(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    status: StatusCode,
    view: View,
) -> Result<HttpResponse, PageError> {
    let user = me.user.id.clone();
    let (enabled, recovery_left) = db::run(&state.db, move |conn| {
        Ok((totp::enabled(conn, &user)?, recovery_codes::count_unused(conn, &user)?))
    })
    .await?;
    let page = SecurityPage {
        nav: Nav::user(state, me, loc),
        enabled,
        recovery_left,
        enrol: view.enrol,
        recovery_codes: view.recovery_codes,
        errors: view.errors,
        notice: view.notice,
    };
    html(HttpResponse::build(status), &page)
}

/// Pages act only for the account holder (a cookie never carries an app password; this
/// says so in one place) and, for what changes 2FA, after a recent proof of identity.
fn sensitive(me: &CurrentUser) -> Result<(), AppError> {
    if me.is_app_password() {
        return Err(AppError::ScopeInsufficient("account"));
    }
    recent::require(&me.session, Utc::now().naive_utc())
}

/// The answer to a domain result: field errors re-render the page, an old login goes to
/// `/account/confirm` and comes back here, anything else is the error page.
async fn settle(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    result: Result<View, AppError>,
    mut on_error: View,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(view) => render(state, me, loc, StatusCode::OK, view).await,
        Err(AppError::ReauthRequired) => {
            Ok(redirect(&format!("/account/confirm?next={}", urlencode(HERE))).finish())
        }
        Err(AppError::Validation(errors)) => {
            on_error.errors = errors;
            render(state, me, loc, StatusCode::BAD_REQUEST, on_error).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /account/security`
async fn security_page(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    render(&state, &me.0, &loc, StatusCode::OK, View::default()).await
}

/// `POST /account/security/totp`: start enrolment → the QR code and the key.
async fn start(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), .. }: CsrfForm<PageUser, CsrfOnly>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let result = async {
        sensitive(&me)?;
        let user = me.user.clone();
        let e = db::run(&state.db, move |conn| totp::enrol(conn, &user)).await?;
        Ok(View { enrol: Some(e.into()), ..View::default() })
    }
    .await;
    settle(&state, &me, &loc, result, View::default()).await
}

#[derive(Deserialize)]
struct CodeForm {
    code: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /account/security/totp/confirm`: the first code → 2FA on, recovery codes shown.
async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, CodeForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let (user, from, code) = (me.user.clone(), origin(&req), form.code.unwrap_or_default());
    let result = async {
        sensitive(&me)?;
        let codes =
            db::run(&state.db, move |conn| totp::confirm(conn, &user, &code, &from)).await?;
        let notice = Some(loc.lang.ui().notice_totp_on);
        Ok(View { recovery_codes: codes, notice, ..View::default() })
    }
    .await;
    // A wrong code shows the same QR code again, with the error.
    let user = me.user.clone();
    let pending = db::run(&state.db, move |conn| totp::pending(conn, &user)).await?;
    let on_error = View { enrol: pending.map(EnrolView::from), ..View::default() };
    settle(&state, &me, &loc, result, on_error).await
}

/// `POST /account/security/recovery-codes`: a code → ten new recovery codes.
async fn regenerate(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, CodeForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let (user, from, code) = (me.user.clone(), origin(&req), form.code.unwrap_or_default());
    let result = async {
        sensitive(&me)?;
        let codes =
            db::run(&state.db, move |conn| totp::regenerate(conn, &user, &code, &from)).await?;
        Ok(View { recovery_codes: codes, ..View::default() })
    }
    .await;
    settle(&state, &me, &loc, result, View::default()).await
}

#[derive(Deserialize)]
struct DisableForm {
    password: Option<String>,
    code: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /account/security/totp/disable`: the password and a code → 2FA off.
async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, DisableForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let result = async {
        sensitive(&me)?;
        let (password, code) = (form.password.unwrap_or_default(), form.code.unwrap_or_default());
        totp::disable(&state.accounts(), &me.user, password, code, origin(&req)).await?;
        Ok(View { notice: Some(loc.lang.ui().notice_totp_off), ..View::default() })
    }
    .await;
    settle(&state, &me, &loc, result, View::default()).await
}

#[derive(Template)]
#[template(path = "account_confirm.html")]
struct ConfirmPage {
    nav: Nav,
    next: String,
    needs_code: bool,
    errors: FieldErrors,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn render_confirm(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    status: StatusCode,
    next: String,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let user = me.user.id.clone();
    let needs_code = db::run(&state.db, move |conn| totp::enabled(conn, &user)).await?;
    let page = ConfirmPage { nav: Nav::user(state, me, loc), next, needs_code, errors };
    html(HttpResponse::build(status), &page)
}

/// `GET /account/confirm?next=…`: the password again (and a code when 2FA is on).
async fn confirm_page(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(q.next.as_deref());
    render_confirm(&state, &me.0, &loc, StatusCode::OK, next, FieldErrors::default()).await
}

#[derive(Deserialize)]
struct ConfirmForm {
    password: Option<String>,
    code: Option<String>,
    next: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /account/confirm`: proves it is you for ten minutes, then back to `next`.
async fn confirm_submit(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, ConfirmForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(form.next.as_deref());
    if me.is_app_password() {
        return Err(AppError::ScopeInsufficient("account").into());
    }
    let password = form.password.unwrap_or_default();
    let (user, session) = (&me.user.id, &me.session.id);
    match totp::confirm_identity(&state.accounts(), user, session, password, form.code).await {
        Ok(()) => Ok(redirect(&next).finish()),
        Err(AppError::Validation(errors)) => {
            render_confirm(&state, &me, &loc, StatusCode::BAD_REQUEST, next, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

crate::csrf_protected!(CodeForm, DisableForm, ConfirmForm);
