//! `GET|POST /shares/{id}/edit`: the owner changes a live link (label, password, expiry,
//! limits, downloads, locations; an upload link's caps). A new or removed password locks out
//! every visitor who unlocked the old one. Thin over `shares::update`.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::owner::{end_of_day, megabytes, number};
use crate::auth::password;
use crate::db;
use crate::db::models::shares::{self as rows, ShareChanges, ShareRow};
use crate::error::AppError;
use crate::shares::{self, Kind};
use crate::state::AppState;
use crate::web::i18n::ShareUi;
use crate::web::{CsrfForm, Locale, Nav, PageError, PageUser, html, redirect};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/shares/{id}/edit", web::get().to(form))
        .route("/shares/{id}/edit", web::post().to(save));
}

#[derive(Template)]
#[template(path = "shares/edit.html")]
struct EditPage {
    nav: Nav,
    s: &'static ShareUi,
    id: String,
    label: String,
    has_password: bool,
    expires_on: String,
    max_downloads: String,
    allow_download: bool,
    hide_location: bool,
    upload: bool,
    max_uploads: String,
    max_upload_mb: String,
    uploader_folders: bool,
}

fn end_of_day_of(d: chrono::NaiveDate) -> chrono::NaiveDateTime {
    d.and_hms_opt(23, 59, 59).unwrap_or_default()
}

fn opt(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// `GET /shares/{id}/edit`
async fn form(
    state: web::Data<AppState>,
    PageUser(me): PageUser,
    loc: Locale,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (owner, id) = (me.user.id.clone(), id.into_inner());
    let row: ShareRow =
        db::run(&state.db, move |conn| Ok(rows::find_owned(conn, &owner, &id)?)).await?;
    if row.revoked_at.is_some() {
        return Err(AppError::NotFound.into());
    }
    let page = EditPage {
        nav: Nav::user(&state, &me, &loc),
        s: loc.lang.shares(),
        label: row.label.clone().unwrap_or_default(),
        has_password: row.password_hash.is_some(),
        expires_on: row.expires_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        max_downloads: opt(row.max_downloads),
        allow_download: row.allow_download,
        hide_location: row.hide_location,
        upload: row.kind == Kind::Upload.as_str(),
        max_uploads: opt(row.max_uploads),
        max_upload_mb: opt(row.max_upload_bytes.map(|b| (b + 999_999) / 1_000_000)),
        uploader_folders: row.uploader_folders,
        id: row.id,
    };
    html(HttpResponse::Ok(), &page)
}

#[derive(Deserialize)]
pub struct EditForm {
    label: Option<String>,
    password: Option<String>,
    remove_password: Option<String>,
    expires_on: Option<String>,
    max_downloads: Option<String>,
    allow_download: Option<String>,
    hide_location: Option<String>,
    max_uploads: Option<String>,
    max_upload_mb: Option<String>,
    uploader_folders: Option<String>,
    csrf_token: Option<String>,
}

crate::csrf_protected!(EditForm);

/// `POST /shares/{id}/edit`: every field as the form shows it (an empty one clears it).
async fn save(
    state: web::Data<AppState>,
    id: web::Path<String>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, EditForm>,
) -> Result<HttpResponse, PageError> {
    let new_password = form.password.clone().filter(|p| !p.is_empty());
    let password_hash = match (new_password, form.remove_password.is_some()) {
        (_, true) => Some(None),
        (Some(p), false) => {
            let cost = state.config.bcrypt_cost;
            Some(Some(state.accounts().hashers.run(move || password::hash(&p, cost)).await??))
        }
        (None, false) => None,
    };
    let changes = ShareChanges {
        label: Some(shares::clean_label(form.label.clone())),
        password_hash,
        allow_download: Some(form.allow_download.is_some()),
        hide_location: Some(form.hide_location.is_some()),
        expires_at: Some(end_of_day(&form.expires_on)?),

        max_downloads: Some(number(&form.max_downloads)?),
        max_uploads: Some(number(&form.max_uploads)?),
        max_upload_bytes: Some(megabytes(&form.max_upload_mb)?),
        uploader_folders: Some(form.uploader_folders.is_some()),
    };
    let (user, id, now) = (me.user.clone(), id.into_inner(), Utc::now().naive_utc());
    let mut changes = changes;
    db::run(&state.db, move |conn| {
        // An expiry left as it was is no change (it may be past already: the owner may be
        // editing something else of an expired link).
        let current = rows::find_owned(conn, &user.id, &id)?;
        if changes.expires_at == Some(current.expires_at.map(|t| end_of_day_of(t.date()))) {
            changes.expires_at = None;
        }
        let changed = changes.password_hash.is_some();
        shares::update(conn, &user, &id, &changes, changed, now)
    })
    .await?;
    Ok(redirect("/shares").finish())
}
