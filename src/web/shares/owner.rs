//! The owner's share pages: `GET /shares` (every link with its target, counts, state, expiry,
//! and a revoke button), `GET /shares/new?file=ID` (the form, for a folder too; a file's page
//! embeds the same form), `POST /shares` (makes the link and shows it once: only its
//! fingerprint is kept) and `POST /shares/{id}/revoke`. Thin over `shares::`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::password;
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::files;
use crate::db::models::shares as rows;
use crate::error::AppError;
use crate::http::auth::origin;
use crate::http::site::base_url;
use crate::shares::{self, Kind, NewShare, State, UploadCaps};
use crate::state::AppState;
use crate::web::i18n::ShareUi;
use crate::web::{CsrfForm, Locale, Nav, PageError, PageUser, display_time, html, redirect};

pub fn configure(cfg: &mut web::ServiceConfig) {
    super::edit::configure(cfg);
    cfg.route("/shares", web::get().to(list))
        .route("/shares", web::post().to(create))
        .route("/shares/new", web::get().to(new))
        .route("/shares/{id}/revoke", web::post().to(revoke));
}

/// One link in the owner's list.
struct Row {
    id: String,
    target: String,
    target_href: String,
    label: String,
    views: i64,
    downloads: String,
    state: State,
    expires: Option<String>,
    has_password: bool,
    /// The whole link to copy; `None` when it was sealed under a replaced key.
    url: Option<String>,
    upload: bool,
    /// An upload link's files and bytes received so far.
    received: String,
}

#[derive(Template)]
#[template(path = "shares/list.html")]
struct ListPage {
    nav: Nav,
    s: &'static ShareUi,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "shares/new.html")]
struct NewPage {
    nav: Nav,
    s: &'static ShareUi,
    file_id: String,
    name: String,
    is_folder: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "shares/created.html")]
struct CreatedPage {
    nav: Nav,
    s: &'static ShareUi,
    url: String,
}

/// `GET /shares`
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageUser(me): PageUser,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let owner = me.user.id.clone();
    let found = db::run(&state.db, move |conn| {
        let links = rows::list(conn, &owner, None)?;
        let mut out = Vec::with_capacity(links.len());
        for link in links {
            let file = files::find_owned_any_state(conn, &owner, &link.file_id)?;
            out.push((link, file));
        }
        Ok::<_, AppError>(out)
    })
    .await?;
    let now = Utc::now().naive_utc();
    let rows = found
        .into_iter()
        .map(|(link, file)| Row {
            id: link.id.clone(),
            target: file.name.clone(),
            target_href: if file.is_folder() {
                format!("/files?folder={}", file.id)
            } else {
                format!("/files/{}", file.id)
            },
            label: link.label.clone().unwrap_or_default(),
            views: link.view_count,
            downloads: match link.max_downloads {
                Some(max) => format!("{} / {max}", link.download_count),
                None => link.download_count.to_string(),
            },
            state: State::of(&link, now),
            expires: link.expires_at.map(display_time),
            has_password: link.password_hash.is_some(),
            url: shares::seal::unseal(&state.keys, &link)
                .map(|t| format!("{}{}", base_url(&req, &state.config), shares::url(&t))),
            upload: link.kind == Kind::Upload.as_str(),
            received: format!(
                "{} · {}",
                link.upload_count,
                crate::web::i18n::human_size(loc.lang, link.upload_bytes)
            ),
        })
        .collect();
    let page = ListPage { nav: Nav::user(&state, &me, &loc), s: loc.lang.shares(), rows };
    html(HttpResponse::Ok(), &page)
}

#[derive(Deserialize)]
struct NewQuery {
    file: String,
}

/// `GET /shares/new?file=ID`
async fn new(
    state: web::Data<AppState>,
    PageUser(me): PageUser,
    loc: Locale,
    q: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let (owner, id) = (me.user.id.clone(), FileId(q.into_inner().file));
    let file = db::run(&state.db, move |conn| Ok(files::find_owned(conn, &owner, &id)?)).await?;
    let page = NewPage {
        nav: Nav::user(&state, &me, &loc),
        s: loc.lang.shares(),
        file_id: file.id.to_string(),
        is_folder: file.is_folder(),
        name: file.name,
        error: None,
    };
    html(HttpResponse::Ok(), &page)
}

#[derive(Deserialize)]
pub struct ShareForm {
    file: String,
    label: Option<String>,
    password: Option<String>,
    /// `YYYY-MM-DD` from a date input: the link works to the end of that day (UTC).
    expires_on: Option<String>,
    max_downloads: Option<String>,
    /// A checkbox: absent when unticked.
    allow_download: Option<String>,
    hide_location: Option<String>,
    /// `view` (the default) or `upload` (folders only).
    kind: Option<String>,
    max_uploads: Option<String>,
    /// The byte cap of an upload link, in MB (10^6 bytes).
    max_upload_mb: Option<String>,
    uploader_folders: Option<String>,
    csrf_token: Option<String>,
}

crate::csrf_protected!(ShareForm, RevokeForm);

/// A form field with something in it.
fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A whole number typed in a form field, if any.
pub(super) fn number(v: &Option<String>) -> Result<Option<i64>, AppError> {
    filled(v)
        .map(|n| {
            n.parse::<i64>()
                .map_err(|_| AppError::BadRequest("a limit must be a whole number".into()))
        })
        .transpose()
}

/// A `YYYY-MM-DD` date field as the last second of that day (UTC).
pub(super) fn end_of_day(v: &Option<String>) -> Result<Option<chrono::NaiveDateTime>, AppError> {
    filled(v)
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(23, 59, 59).unwrap_or_default())
                .map_err(|_| AppError::BadRequest("the expiry must be a date".into()))
        })
        .transpose()
}

/// The byte cap of an upload link typed in MB.
pub(super) fn megabytes(v: &Option<String>) -> Result<Option<i64>, AppError> {
    Ok(number(v)?.map(|mb| mb.saturating_mul(1_000_000)))
}

/// The form's fields as a new link (the password not yet hashed).
fn read_form(form: &ShareForm) -> Result<NewShare, AppError> {
    Ok(NewShare {
        file: FileId(form.file.clone()),
        kind: Kind::parse(filled(&form.kind).unwrap_or("view"))?,
        label: form.label.clone(),
        password_hash: None,
        allow_download: form.allow_download.is_some(),
        hide_location: form.hide_location.is_some(),
        expires_at: end_of_day(&form.expires_on)?,
        max_downloads: number(&form.max_downloads)?,
        upload: UploadCaps {
            max_files: number(&form.max_uploads)?,
            max_bytes: megabytes(&form.max_upload_mb)?,
            uploader_folders: form.uploader_folders.is_some(),
        },
    })
}

/// `POST /shares`: makes the link and shows it this once.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    loc: Locale,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, ShareForm>,
) -> Result<HttpResponse, PageError> {
    let mut new = read_form(&form)?;
    if let Some(p) = form.password.filter(|p| !p.is_empty()) {
        let cost = state.config.bcrypt_cost;
        new.password_hash =
            Some(state.accounts().hashers.run(move || password::hash(&p, cost)).await??);
    }
    let (user, from, now) = (me.user.clone(), origin(&req), Utc::now().naive_utc());
    let keys = state.keys.clone();
    let (_, token) =
        db::run(&state.db, move |conn| shares::create(conn, (&user, &keys), new, &from, now))
            .await?;
    let url = format!("{}{}", base_url(&req, &state.config), shares::url(&token));
    let page = CreatedPage { nav: Nav::user(&state, &me, &loc), s: loc.lang.shares(), url };
    html(HttpResponse::build(StatusCode::CREATED), &page)
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf_token: Option<String>,
}

/// `POST /shares/{id}/revoke`
async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    CsrfForm { user: PageUser(me), .. }: CsrfForm<PageUser, RevokeForm>,
) -> Result<HttpResponse, PageError> {
    let (user, from, now) = (me.user.clone(), origin(&req), Utc::now().naive_utc());
    let id = id.into_inner();
    db::run(&state.db, move |conn| shares::revoke(conn, &user, &id, &from, now)).await?;
    Ok(redirect("/shares").finish())
}
