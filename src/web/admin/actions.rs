//! What an administrator does to one account, from the forms on its page: state, role, quota,
//! end every session, reset the password, delete (after a page naming what will be lost).
//! Each is one call into `users::admin`, which applies and audits it; then a redirect with a
//! notice ([`after`]), or the account's page saying why not ([`refused`]).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::user::refused;
use super::{human_size, parse_size};
use crate::db;
use crate::db::ids::UserId;
use crate::db::models::users::{self, Role, UserState};
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{CurrentUser, origin};
use crate::state::AppState;
use crate::users::admin::{self as accounts, UserChanges};
use crate::web::i18n;
use crate::web::{
    CsrfForm, Locale, Nav, PageAdmin, PageError, html, redirect, removed_session_cookie,
};

/// What an action did, for the redirect after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Done {
    Disabled,
    Enabled,
    Promoted,
    Demoted,
    Quota,
    LoggedOut,
    Password,
    Deleted,
    TotpReset,
}

impl Done {
    fn code(self) -> &'static str {
        match self {
            Done::Disabled => "disabled",
            Done::Enabled => "enabled",
            Done::Promoted => "promoted",
            Done::Demoted => "demoted",
            Done::Quota => "quota",
            Done::LoggedOut => "logged_out",
            Done::Password => "password",
            Done::Deleted => "deleted",
            Done::TotpReset => "totp_reset",
        }
    }
}

/// Where to go after an action on `target`: back to its page (the list after a delete). An
/// administrator acting on their own account may have just ended this session or given up the
/// admin pages; then they leave the admin area.
fn after(me: &CurrentUser, target: &UserId, done: Done) -> HttpResponse {
    let leave = |notice: &str| {
        redirect(&format!("/login?notice={notice}")).cookie(removed_session_cookie()).finish()
    };
    if *target == me.user.id {
        match done {
            Done::Disabled => return leave("disabled"),
            Done::LoggedOut | Done::Deleted => return leave("ended"),
            Done::Password => return leave("password_changed"),
            Done::Demoted => return redirect("/files").finish(),
            _ => {}
        }
    }
    if done == Done::Deleted {
        return redirect("/admin/users?notice=deleted").finish();
    }
    redirect(&format!("/admin/users/{target}?notice={}", done.code())).finish()
}

/// Applies `changes` to account `id`, then [`after`]; or shows why not on its page.
#[allow(clippy::too_many_arguments)]
async fn change(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    me: &CurrentUser,
    loc: &Locale,
    id: &str,
    changes: Result<UserChanges, AppError>,
    done: Done,
    typed_quota: Option<String>,
) -> Result<HttpResponse, PageError> {
    let changes = match changes {
        Ok(c) => c,
        Err(e) => return refused(state, me, loc, id, e, typed_quota).await,
    };
    let (admin, target, from) = (me.user.clone(), UserId(id.to_owned()), origin(req));
    let result = db::run(&state.db, move |conn| {
        accounts::update_user(conn, &admin, &target, &changes, &from, Utc::now().naive_utc())
    })
    .await;
    match result {
        Ok(user) => Ok(after(me, &user.id, done)),
        Err(e) => refused(state, me, loc, id, e, typed_quota).await,
    }
}

#[derive(Deserialize)]
pub(super) struct StateForm {
    state: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/state` (`state=active|disabled`)
pub(super) async fn set_state(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, form }: CsrfForm<PageAdmin, StateForm>,
    loc: Locale,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let new = UserState::parse(form.state.as_deref().unwrap_or_default().trim());
    let done = if matches!(new, Ok(UserState::Disabled)) { Done::Disabled } else { Done::Enabled };
    let changes = new.map(|s| UserChanges { state: Some(s), ..UserChanges::default() });
    change(&req, &state, &admin.0, &loc, &id, changes, done, None).await
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    role: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/role` (`role=user|admin`)
pub(super) async fn set_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, form }: CsrfForm<PageAdmin, RoleForm>,
    loc: Locale,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let new = Role::parse(form.role.as_deref().unwrap_or_default().trim());
    let done = if matches!(new, Ok(Role::Admin)) { Done::Promoted } else { Done::Demoted };
    let changes = new.map(|r| UserChanges { role: Some(r), ..UserChanges::default() });
    change(&req, &state, &admin.0, &loc, &id, changes, done, None).await
}

#[derive(Deserialize)]
pub(super) struct QuotaForm {
    quota: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/quota` (`quota=2GiB`, `500MiB` or bytes)
pub(super) async fn set_quota(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, form }: CsrfForm<PageAdmin, QuotaForm>,
    loc: Locale,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let typed = form.quota.unwrap_or_default();
    let changes = parse_size(loc.lang.admin(), "quota", &typed)
        .map(|q| UserChanges { quota: i64::try_from(q).ok(), ..UserChanges::default() });
    change(&req, &state, &admin.0, &loc, &id, changes, Done::Quota, Some(typed)).await
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/logout`: ends every session of the account.
pub(super) async fn force_logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, .. }: CsrfForm<PageAdmin, CsrfOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let (who, target, from) = (me.user.clone(), UserId(id.into_inner()), origin(&req));
    let t = target.clone();
    db::run(&state.db, move |conn| {
        accounts::end_sessions(conn, &who, &t, &from, Utc::now().naive_utc())
    })
    .await?;
    Ok(after(&me, &target, Done::LoggedOut))
}

/// `POST /admin/users/{id}/reset-2fa`: turns the account's two-factor login off.
pub(super) async fn reset_2fa(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, .. }: CsrfForm<PageAdmin, CsrfOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let (who, target, from) = (me.user.clone(), UserId(id.into_inner()), origin(&req));
    let t = target.clone();
    db::run(&state.db, move |conn| {
        let user = users::find(conn, &t)?;
        crate::users::totp::admin_reset(conn, Some(&who), &user, &from)
    })
    .await?;
    Ok(after(&me, &target, Done::TotpReset))
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    new_password: Option<String>,
    new_password_confirm: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/password`: a new password; every session of the account ends.
pub(super) async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, form }: CsrfForm<PageAdmin, PasswordForm>,
    loc: Locale,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let new = form.new_password.unwrap_or_default();
    let target = UserId(id.into_inner());
    let result = if form.new_password_confirm.as_deref() != Some(new.as_str()) {
        Err(AppError::Validation(FieldErrors::single(
            "new_password_confirm",
            "does not match the new password",
        )))
    } else {
        let st = state.clone().into_inner();
        accounts::reset_password(&st.accounts(), me.user.clone(), target.clone(), new, origin(&req))
            .await
    };
    match result {
        Ok(()) => Ok(after(&me, &target, Done::Password)),
        Err(e) => refused(&state, &me, &loc, target.as_str(), e, None).await,
    }
}

#[derive(Template)]
#[template(path = "admin/confirm_delete.html")]
struct ConfirmDeletePage {
    nav: Nav,
    section: &'static str,
    id: String,
    username: String,
    /// “2 files”.
    files: String,
    size: String,
    bytes: i64,
    is_me: bool,
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    csrf_token: Option<String>,
    confirmed: Option<String>,
}

/// `POST /admin/users/{id}/delete`: first a page naming what will be lost; with
/// `confirmed=yes`, the account goes with its files, folders and sessions.
pub(super) async fn delete_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, form }: CsrfForm<PageAdmin, DeleteForm>,
    loc: Locale,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let target = UserId(id.into_inner());
    if form.confirmed.as_deref() != Some("yes") {
        let t = target.clone();
        let (u, lost) = db::run(&state.db, move |conn| {
            let u = users::find(conn, &t)?;
            let lost = accounts::deletion_preview(conn, &u.id)?;
            Ok((u, lost))
        })
        .await?;
        let ta = loc.lang.admin();
        let n_files = if lost.files == 1 { ta.n_files_one } else { ta.n_files };
        let page = ConfirmDeletePage {
            nav: Nav::user(&state, &me, &loc),
            section: "user",
            id: u.id.to_string(),
            is_me: u.id == me.user.id,
            username: u.username,
            files: i18n::fill(n_files, &[&lost.files]),
            size: human_size(loc.lang, lost.bytes),
            bytes: lost.bytes,
        };
        return html(HttpResponse::Ok(), &page);
    }
    let (st, who, t, from) = (state.clone(), me.user.clone(), target.clone(), origin(&req));
    let result = db::run(&state.db, move |conn| {
        let now = Utc::now().naive_utc();
        accounts::delete_user(conn, st.storage.as_ref(), &st.thumbs, &who, &t, &from, now)
    })
    .await;
    match result {
        Ok(_) => Ok(after(&me, &target, Done::Deleted)),
        Err(e) => refused(&state, &me, &loc, target.as_str(), e, None).await,
    }
}

crate::csrf_protected!(StateForm, RoleForm, QuotaForm, CsrfOnly, PasswordForm, DeleteForm);
