//! `/files`: browse a folder, upload (a plain form, or per-file progress through the API with
//! `static/upload.js`), new folder, and a page per file with rename, move and delete.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::preview::{self, Mint};
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::files::{self as rows, FileRow};
use crate::error::{AppError, FieldErrors};
use crate::files::kind::Kind;
use crate::files::{self, human_bytes};
use crate::http::auth::CurrentUser;
use crate::http::multipart as upload;
use crate::preview::{Size, is_previewable};
use crate::state::AppState;
use crate::web::i18n::{Ui, human_size};
use crate::web::{
    CsrfForm, Locale, Nav, PageError, PageUser, check_csrf, display_time, html, redirect,
};

mod batch;
mod browse;
mod collections;
mod detail;
mod organize;
mod photo;
mod search;
mod trash;
mod view;

use detail::{delete, detail, move_to, rename};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/files", web::get().to(browse::browse))
        .route("/files/upload", web::post().to(upload_form))
        .route("/files/folders", web::post().to(new_folder))
        .route("/files/batch", web::post().to(batch::run))
        .route("/files/{id}/star", web::post().to(collections::star))
        .route("/starred", web::get().to(collections::starred))
        .route("/recent", web::get().to(collections::recent))
        .route("/trash", web::get().to(trash::page))
        .route("/trash/empty", web::post().to(trash::empty))
        .route("/trash/{id}/restore", web::post().to(trash::restore))
        .route("/trash/{id}/purge", web::post().to(trash::purge))
        .route("/files/{id}", web::get().to(detail))
        .route("/files/{id}/rename", web::post().to(rename))
        .route("/files/{id}/move", web::post().to(move_to))
        .route("/files/{id}/delete", web::post().to(delete))
        .route("/files/{id}/inline", web::get().to(view::inline))
        .route("/files/{id}/inline", web::head().to(view::inline))
        .route("/files/{id}/organize", web::get().to(organize::page))
        .route("/files/{id}/organize", web::post().to(organize::apply))
        .route("/search", web::get().to(search::search_page));
}

struct Crumb {
    id: String,
    name: String,
    /// This folder's listing, and the top level's, in the listing's sort order.
    href: String,
    root_href: String,
}

fn notice_text(t: &'static Ui, code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "uploaded" => t.notice_uploaded,
        "folder" => t.notice_folder,
        "deleted" => t.notice_deleted,
        "renamed" => t.notice_renamed,
        "moved" => t.notice_moved,
        "restored" => t.notice_restored,
        "purged" => t.notice_purged,
        "emptied" => t.notice_emptied,
        "copied" => t.notice_copied,
        "starred" => t.notice_starred,
        "unstarred" => t.notice_unstarred,
        "nothing_selected" => t.nothing_selected,
        "share_one" => t.share_one,
        _ => return None,
    })
}

fn folder_param(raw: Option<&str>) -> Option<FileId> {
    raw.map(str::trim).filter(|f| !f.is_empty()).map(|f| FileId(f.to_owned()))
}

/// `/files?folder=ID` with `&notice=…` when given.
fn folder_url(folder: Option<&FileId>, notice: &str) -> String {
    match folder {
        Some(f) => format!("/files?folder={f}&notice={notice}"),
        None => format!("/files?notice={notice}"),
    }
}

fn crumbs(path: &[FileRow]) -> Vec<Crumb> {
    sorted_crumbs(path, "")
}

/// The breadcrumbs of `path`, whose links keep the sort order (`suffix`: `&sort=…&order=…`).
fn sorted_crumbs(path: &[FileRow], suffix: &str) -> Vec<Crumb> {
    let root_href =
        if suffix.is_empty() { "/files".to_owned() } else { format!("/files?{}", &suffix[1..]) };
    path.iter()
        .map(|f| Crumb {
            id: f.id.to_string(),
            name: f.name.clone(),
            href: format!("/files?folder={}{suffix}", f.id),
            root_href: root_href.clone(),
        })
        .collect()
}

/// The photo facts of the pictures among `items`, by blob.
fn photo_facts(
    conn: &mut db::DbConn,
    items: &[FileRow],
) -> Result<std::collections::HashMap<String, crate::db::models::photo_meta::PhotoMeta>, AppError> {
    let keys: Vec<&str> = items
        .iter()
        .filter(|f| f.mime.as_deref().is_some_and(is_previewable))
        .filter_map(|f| f.blob_sha256.as_deref())
        .collect();
    let mut found = std::collections::HashMap::new();
    // A bounded number of keys per query (one bound parameter each).
    for chunk in keys.chunks(500) {
        for m in files::photo::store::of_blobs(conn, chunk)? {
            found.insert(m.sha256.clone(), m);
        }
    }
    Ok(found)
}

/// A preview URL of `row` at `size` for the page's `<img>` tags, when it is an image. The URL
/// stays the same for a while (see `Mint::Stable`), so the browser's cache works across pages.
fn preview_url(state: &AppState, me: &CurrentUser, row: &FileRow, size: Size) -> Option<String> {
    if !row.mime.as_deref().is_some_and(is_previewable) {
        return None;
    }
    let minted = preview::mint(
        &state.keys,
        state.config.preview_ttl_seconds,
        &me.session,
        &row.id,
        size,
        Mint::Stable,
        Utc::now().naive_utc(),
    );
    match minted {
        Ok(m) => Some(m.url),
        Err(e) => {
            e.log_if_internal();
            None
        }
    }
}

#[derive(Deserialize)]
struct FolderOnly {
    folder: Option<String>,
}

/// `POST /files/upload?folder=ID`: the form upload (no JavaScript). The `csrf_token` field
/// must come first, before the files, so the token is checked before any byte is stored.
async fn upload_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: PageUser,
    q: web::Query<FolderOnly>,
    mut payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let first = match payload.next().await {
        Some(Ok(field)) => field,
        _ => {
            return Err(
                AppError::BadRequest("the upload form was empty or malformed".into()).into()
            );
        }
    };
    let is_csrf =
        first.content_disposition().and_then(|cd| cd.get_name()) == Some(csrf::FORM_FIELD);
    let token = if is_csrf { read_small(first).await? } else { String::new() };
    check_csrf(&state, &me, Some(&token))?;

    let limits = upload::precheck(&state, &me.user.id, upload::content_length(&req)).await?;
    let folder = folder_param(q.folder.as_deref());
    upload::store_parts(
        state.into_inner(),
        (&me.user.id, None),
        folder.clone(),
        limits,
        &mut payload,
    )
    .await?;
    Ok(redirect(&folder_url(folder.as_ref(), "uploaded")).finish())
}

async fn read_small(mut field: actix_multipart::Field) -> Result<String, PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))?;
        bytes.extend_from_slice(&chunk);
        if bytes.len() > 256 {
            return Err(AppError::BadRequest("a form field is too long".into()).into());
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Deserialize)]
struct NewFolderForm {
    name: Option<String>,
    folder: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /files/folders`: a refused name comes back next to the field (the listing again
/// with 422, or JSON for `static/folders.js`; see `organize`).
async fn new_folder(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, NewFolderForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let parent = folder_param(form.folder.as_deref());
    let (owner, p) = (me.user.id.clone(), parent.clone());
    let name = form.name.unwrap_or_default().trim().to_owned();
    let typed = name.clone();
    let result = db::run(&state.db, move |conn| {
        files::create_folder(conn, &owner, p.as_ref(), &name, Utc::now().naive_utc())
    })
    .await;
    let errors = match result {
        Ok(_) if organize::wants_json(&req) => {
            return Ok(organize::json_done(&folder_url(parent.as_ref(), "folder")));
        }
        Ok(_) => return Ok(redirect(&folder_url(parent.as_ref(), "folder")).finish()),
        Err(AppError::Validation(errors)) => errors,
        Err(other) => return Err(other.into()),
    };
    if organize::wants_json(&req) {
        return Ok(organize::json_errors(loc.lang, &errors));
    }
    let t = loc.lang.ui();
    let error = match (errors.first("name"), errors.first("folder")) {
        (Some(e), _) => format!("{} {}", t.name, crate::web::i18n::translate(loc.lang, e)),
        (None, Some(e)) => format!("{} {}", t.folder, crate::web::i18n::translate(loc.lang, e)),
        (None, None) => errors.to_string(),
    };
    let q = browse::BrowseQuery { folder: form.folder, ..Default::default() };
    browse::render(
        &state,
        &me,
        &loc,
        &q,
        browse::NewFolderState { name: typed, error: Some(error) },
    )
    .await
}

crate::csrf_protected!(NewFolderForm);

/// Every folder of `owner` as `(id, path)`, sorted by path (`/Photos/2024`): the choices of a
/// folder picker.
pub(crate) fn folder_choices(
    conn: &mut crate::db::DbConn,
    owner: &crate::db::ids::UserId,
) -> Result<Vec<(String, String)>, AppError> {
    use std::collections::HashMap;
    let all = crate::db::models::files::folders(conn, owner)?;
    let by_id: HashMap<&FileId, &FileRow> = all.iter().map(|f| (&f.id, f)).collect();
    let path_of = |f: &FileRow| {
        let mut names = vec![f.name.as_str()];
        let mut next = f.parent_id.as_ref();
        while let Some(p) = next.and_then(|p| by_id.get(p)) {
            names.push(&p.name);
            next = p.parent_id.as_ref();
            if names.len() > 64 {
                break;
            }
        }
        names.reverse();
        format!("/{}", names.join("/"))
    };
    let mut choices: Vec<(String, String)> =
        all.iter().map(|f| (f.id.to_string(), path_of(f))).collect();
    choices.sort_by_key(|(_, label)| label.to_lowercase());
    Ok(choices)
}
