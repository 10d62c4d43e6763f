//! `/account`: profile, password change, the session list, logging out everywhere.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::app_passwords::{self, Request};
use crate::auth::claims::ClientKind;
use crate::auth::method::AuthMethod;
use crate::auth::recent;
use crate::auth::sessions::EndReason;
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::SessionId;
use crate::db::models::app_passwords as app_password_rows;
use crate::db::models::sessions;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{CurrentUser, origin};
use crate::http::site::base_url;
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
        .route("/account/logout-all", web::post().to(logout_all))
        .route("/account/app-passwords", web::post().to(create_app_password))
        .route("/docs/webdav.md", web::get().to(webdav_help));
}

struct SessionRow {
    id: String,
    client: String,
    /// An app password's name.
    name: String,
    /// How it was verified, in words.
    method: &'static str,
    created_at: String,
    last_used_at: String,
    /// RFC 3339, for `<time datetime>`.
    created_iso: String,
    last_used_iso: String,
    user_agent: String,
    /// The device in words ("Chrome on Linux"), from the User-Agent.
    device: String,
    ip: String,
    current: bool,
}

/// A User-Agent as a device name in the page's language ("Chrome on Linux", "Linux 上的
/// Chrome"); the raw string when nothing in it is recognised.
pub(crate) fn device_words(t: &crate::web::i18n::Ui, user_agent: Option<&str>) -> String {
    use crate::auth::device_name::{Words, describe};
    describe(user_agent, &Words { on: t.device_on, app: t.device_app, unknown: t.device_unknown })
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
    /// The folders an app password may be confined to: `(id, path)`.
    folders: Vec<(String, String)>,
    /// An app password just created, shown this once.
    created: Option<NewAppPassword>,
    /// The WebDAV address, from the host this page was asked for.
    dav_url: String,
    d: &'static crate::web::i18n::DavUi,
}

/// An app password just created: its name, its secret and this server's address (for the
/// example command).
pub(crate) struct NewAppPassword {
    pub name: String,
    pub token: String,
    pub base: String,
}

/// What a render of the account page adds to the account itself.
#[derive(Default)]
pub(crate) struct Extras {
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    pub created: Option<NewAppPassword>,
}

pub(crate) async fn render_account(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    me: &CurrentUser,
    loc: &Locale,
    status: actix_web::http::StatusCode,
    extras: Extras,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now().naive_utc();
    let user = me.user.id.clone();
    let (rows, names, folders) = db::run(&state.db, move |conn| {
        let rows = sessions::list_live(conn, &user, now)?;
        let names = app_password_rows::names_of(conn, &user, now)?;
        Ok((rows, names, crate::web::files::folder_choices(conn, &user)?))
    })
    .await?;
    let names: std::collections::HashMap<_, _> = names.into_iter().collect();
    let t = loc.lang.ui();
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
                name: names.get(&s.id).cloned().unwrap_or_default(),
                method: match AuthMethod::parse(&s.method) {
                    AuthMethod::Password => t.method_password,
                    AuthMethod::PasswordTotp => t.method_password_totp,
                    AuthMethod::Device => t.method_device,
                    AuthMethod::AppPassword => t.method_app_password,
                },
                id: s.id.to_string(),
                client: match ClientKind::parse(&s.client) {
                    Some(ClientKind::Web) => t.client_web.to_owned(),
                    Some(ClientKind::App) => t.client_app.to_owned(),
                    Some(ClientKind::Api) => t.client_api.to_owned(),
                    None => s.client,
                },
                created_at: display_time(s.created_at),
                last_used_at: display_time(s.last_used_at),
                created_iso: rfc3339(s.created_at),
                last_used_iso: rfc3339(s.last_used_at),
                device: device_words(t, s.user_agent.as_deref()),
                user_agent: s.user_agent.unwrap_or_default(),
                ip: s.ip.unwrap_or_default(),
            })
            .collect(),
        errors: extras.errors,
        notice: extras.notice,
        folders,
        created: extras.created,
        dav_url: format!("{}/dav/", base_url(req, &state.config)),
        d: loc.lang.dav(),
    };
    let mut b = HttpResponse::build(status);
    // A page showing a new secret is kept by no cache and no history.
    b.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    html(b, &page)
}

/// `GET /docs/webdav.md`: how to connect WebDAV clients (linked from `/account`).
async fn webdav_help() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(include_str!("../../docs/webdav.md"))
}

/// `GET /account`
async fn account_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let ok = actix_web::http::StatusCode::OK;
    render_account(&req, &state, &me.0, &loc, ok, Extras::default()).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: Option<String>,
    new_password: Option<String>,
    new_password_confirm: Option<String>,
    /// The "end app passwords too" box.
    end_app_passwords: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /account/password`: change the password; other sessions end, this one stays.
async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, PasswordForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    recent::require(&me.session, Utc::now().naive_utc())
        .map_err(|_| PageError::Reauth { next: "/account".into() })?;
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
            form.end_app_passwords.is_some(),
            origin(&req),
        )
        .await
    };
    match result {
        Ok(()) => {
            let notice = Some(loc.lang.ui().notice_password_changed_here);
            let ok = actix_web::http::StatusCode::OK;
            render_account(&req, &state, &me, &loc, ok, Extras { notice, ..Extras::default() })
                .await
        }
        Err(AppError::Validation(errors)) => {
            let status = actix_web::http::StatusCode::BAD_REQUEST;
            render_account(&req, &state, &me, &loc, status, Extras { errors, ..Extras::default() })
                .await
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

#[derive(Deserialize)]
struct AppPasswordForm {
    name: Option<String>,
    /// One box per scope, present when ticked.
    scope_files_read: Option<String>,
    scope_files_write: Option<String>,
    scope_shares: Option<String>,
    scope_dav: Option<String>,
    folder: Option<String>,
    expires: Option<String>,
    /// A checkbox: WebDAV keeps macOS metadata files.
    keep_mac_files: Option<String>,
    csrf_token: Option<String>,
}

crate::csrf_protected!(AppPasswordForm);

/// `POST /account/app-passwords`: create one and show its secret once, on this answer (never
/// in a URL, never again). Needs a recent login.
async fn create_app_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, AppPasswordForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now().naive_utc();
    recent::require(&me.session, now)
        .map_err(|_| PageError::Reauth { next: "/account#app-passwords".into() })?;
    let ticked = [
        (&form.scope_files_read, "files:read"),
        (&form.scope_files_write, "files:write"),
        (&form.scope_shares, "shares"),
        (&form.scope_dav, "dav"),
    ];
    let scopes: Vec<&str> =
        ticked.iter().filter(|(on, _)| on.is_some()).map(|(_, scope)| *scope).collect();
    let expires_at = match form.expires.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(crate::api::app_passwords::parse_expiry("expires", e)?),
        None => None,
    };
    let request = Request {
        name: form.name.unwrap_or_default(),
        // No box ticked is a mistake, not "everything".
        scope: Some(scopes.join(" ")),
        folder: form.folder.filter(|f| !f.is_empty()).map(crate::db::ids::FileId),
        expires_at,
        keep_mac_files: form.keep_mac_files.is_some(),
    };
    let (user, from) = (me.user.clone(), origin(&req));
    let created =
        db::run(&state.db, move |conn| app_passwords::create(conn, &user, &request, &from, now))
            .await;
    let (status, extras) = match created {
        Ok(c) => {
            let base = base_url(&req, &state.config);
            let created = NewAppPassword { name: c.row.name, token: c.token, base };
            (StatusCode::CREATED, Extras { created: Some(created), ..Extras::default() })
        }
        Err(AppError::Validation(errors)) => {
            (StatusCode::BAD_REQUEST, Extras { errors, ..Extras::default() })
        }
        Err(other) => return Err(other.into()),
    };
    render_account(&req, &state, &me, &loc, status, extras).await
}
