//! `/account`: profile, password change, the session list, logging out everywhere.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::sessions::EndReason;
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::SessionId;
use crate::db::models::sessions;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{CurrentUser, origin};
use crate::state::AppState;
use crate::users;
use crate::web::auth::CsrfOnly;
use crate::web::i18n::human_size;
use crate::web::{
    CsrfForm, Locale, Nav, PageError, PageUser, display_time, html, redirect,
    removed_session_cookie,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(account_page))
        .route("/account/password", web::post().to(change_password))
        .route("/account/sessions/{id}/revoke", web::post().to(revoke_session))
        .route("/account/logout-all", web::post().to(logout_all));
}

struct SessionRow {
    id: String,
    client: String,
    created_at: String,
    last_used_at: String,
    /// RFC 3339, for `<time datetime>`.
    created_iso: String,
    last_used_iso: String,
    user_agent: String,
    ip: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Nav,
    username: String,
    email: String,
    phone: String,
    is_admin_role: bool,
    created_at: String,
    created_iso: String,
    storage_used: String,
    quota: String,
    sessions: Vec<SessionRow>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn render_account(
    state: &web::Data<AppState>,
    me: &CurrentUser,
    loc: &Locale,
    status: actix_web::http::StatusCode,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now().naive_utc();
    let user = me.user.id.clone();
    let rows = db::run(&state.db, move |conn| Ok(sessions::list_live(conn, &user, now)?)).await?;
    let u = &me.user;
    let page = AccountPage {
        nav: Nav::user(state, me, loc),
        username: u.username.clone(),
        email: u.email.clone().unwrap_or_default(),
        phone: u.phone.clone().unwrap_or_default(),
        is_admin_role: u.role() == crate::db::models::users::Role::Admin,
        created_at: display_time(u.created_at),
        created_iso: rfc3339(u.created_at),
        storage_used: human_size(loc.lang, u.storage_used),
        quota: human_size(loc.lang, u.quota),
        sessions: rows
            .into_iter()
            .map(|s| SessionRow {
                current: s.id == me.session.id,
                id: s.id.to_string(),
                client: s.client,
                created_at: display_time(s.created_at),
                last_used_at: display_time(s.last_used_at),
                created_iso: rfc3339(s.created_at),
                last_used_iso: rfc3339(s.last_used_at),
                user_agent: s.user_agent.unwrap_or_default(),
                ip: s.ip.unwrap_or_default(),
            })
            .collect(),
        errors,
        notice,
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /account`
async fn account_page(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let ok = actix_web::http::StatusCode::OK;
    render_account(&state, &me.0, &loc, ok, FieldErrors::default(), None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: Option<String>,
    new_password: Option<String>,
    new_password_confirm: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /account/password`: change the password; other sessions end, this one stays.
async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, PasswordForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let new = form.new_password.unwrap_or_default();
    let result = if form.new_password_confirm.as_deref() != Some(new.as_str()) {
        Err(AppError::Validation(FieldErrors::single(
            "new_password_confirm",
            "does not match the new password",
        )))
    } else {
        users::change_password(
            &state.accounts(),
            &me.user.id,
            &me.session.id,
            form.current_password.unwrap_or_default(),
            new,
            origin(&req),
        )
        .await
    };
    match result {
        Ok(()) => {
            render_account(
                &state,
                &me,
                &loc,
                actix_web::http::StatusCode::OK,
                FieldErrors::default(),
                Some(loc.lang.ui().notice_password_changed_here),
            )
            .await
        }
        Err(AppError::Validation(errors)) => {
            let status = actix_web::http::StatusCode::BAD_REQUEST;
            render_account(&state, &me, &loc, status, errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/sessions/{id}/revoke`
async fn revoke_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), .. }: CsrfForm<PageUser, CsrfOnly>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = SessionId(path.into_inner());
    let current = id == me.session.id;
    let (now, from) = (Utc::now().naive_utc(), origin(&req));
    let user = me.user.clone();
    let revoked = db::run(&state.db, move |conn| {
        let reason = if current { EndReason::Logout } else { EndReason::Revoked };
        crate::auth::sessions::end(conn, &user, &id, reason, &from, now)
    })
    .await?;
    if !revoked {
        return Err(AppError::NotFound.into());
    }
    if current {
        return Ok(redirect("/login?notice=logged_out").cookie(removed_session_cookie()).finish());
    }
    Ok(redirect("/account").finish())
}

/// `POST /account/logout-all`: end every session of this user, this one included.
async fn logout_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), .. }: CsrfForm<PageUser, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (now, from) = (Utc::now().naive_utc(), origin(&req));
    db::run(&state.db, move |conn| {
        crate::auth::sessions::end_all(conn, &me.user, &from, now)?;
        Ok(())
    })
    .await?;
    Ok(redirect("/login?notice=logged_out").cookie(removed_session_cookie()).finish())
}

crate::csrf_protected!(PasswordForm);
