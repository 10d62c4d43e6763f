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
mod collections;
mod detail;
mod photo;
mod search;
mod trash;
mod view;

use detail::{delete, detail, move_to, rename};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/files", web::get().to(browse))
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
        .route("/search", web::get().to(search::search_page));
}

struct Crumb {
    id: String,
    name: String,
}

struct Row {
    id: String,
    name: String,
    is_folder: bool,
    size: String,
    modified: String,
    modified_iso: String,
    /// Images: an `sm` preview URL, and the `lg` one for the lightbox.
    thumb: Option<String>,
    large: Option<String>,
    /// The file-type icon (`static/icons/{icon}.svg`, `files::kind::Kind`).
    icon: &'static str,
    starred: bool,
    /// Pictures: what their metadata says, for the lightbox's details.
    photo: Option<photo::PhotoView>,
}

/// A "sort by" link of the listing.
struct SortLink {
    label: &'static str,
    href: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "files/browse.html")]
struct BrowsePage {
    nav: Nav,
    folder_id: String,
    folder_name: String,
    crumbs: Vec<Crumb>,
    /// Whether the breadcrumbs end at a file (its page) rather than at a folder.
    on_file: bool,
    rows: Vec<Row>,
    sorts: Vec<SortLink>,
    order: String,
    max_upload: String,
    /// The same limit in bytes, for the upload script's check before sending.
    max_upload_bytes: u64,
    /// Files from this many bytes on go up through tus (resumable).
    resumable_from: u64,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct BrowseQuery {
    folder: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    notice: Option<String>,
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

/// The "sort by" links: each sorts ascending, or flips the order when it is the current one.
fn sort_links(
    t: &'static Ui,
    taken: &'static str,
    folder: &str,
    sort: &str,
    order: &str,
) -> Vec<SortLink> {
    [("name", t.sort_name), ("size", t.sort_size), ("date", t.sort_date), ("taken", taken)]
        .into_iter()
        .map(|(key, label)| {
            let active = sort == key;
            let next_order = if active && order == "asc" { "desc" } else { "asc" };
            let folder =
                if folder.is_empty() { String::new() } else { format!("folder={folder}&") };
            SortLink {
                label,
                href: format!("/files?{folder}sort={key}&order={next_order}"),
                active,
            }
        })
        .collect()
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
    path.iter().map(|f| Crumb { id: f.id.to_string(), name: f.name.clone() }).collect()
}

/// `GET /files?folder=ID&sort=…&order=…`
async fn browse(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    q: web::Query<BrowseQuery>,
) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let (sort, descending) = files::parse_sort(q.sort.as_deref(), q.order.as_deref())?;
    let (owner, folder) = (me.user.id.clone(), folder_param(q.folder.as_deref()));
    let (listing, trash_bytes, metas) = db::run(&state.db, move |conn| {
        let listing = files::list(conn, &owner, folder.as_ref(), sort, descending)?;
        let metas = photo_facts(conn, &listing.items)?;
        Ok((listing, crate::db::models::trash::bytes(conn, &owner)?, metas))
    })
    .await?;
    let t = loc.lang.ui();
    let folder_id = listing.folder.as_ref().map(|f| f.id.to_string()).unwrap_or_default();
    let sort = match sort {
        rows::Sort::Name => "name",
        rows::Sort::Size => "size",
        rows::Sort::Date => "date",
        rows::Sort::Taken => "taken",
    };
    let order = if descending { "desc" } else { "asc" };
    let page = BrowsePage {
        nav: Nav::user(&state, &me, &loc).with_trash(loc.lang, trash_bytes),
        sorts: sort_links(t, loc.lang.photos().sort_taken, &folder_id, sort, order),
        order: order.into(),
        folder_id,
        folder_name: listing
            .folder
            .as_ref()
            .map(|f| f.name.clone())
            .unwrap_or_else(|| t.your_files.into()),
        crumbs: crumbs(&listing.path),
        on_file: false,
        rows: listing
            .items
            .iter()
            .map(|f| Row {
                id: f.id.to_string(),
                name: f.name.clone(),
                is_folder: f.is_folder(),
                size: if f.is_folder() { String::new() } else { human_size(loc.lang, f.size) },
                modified: display_time(f.modified_at),
                modified_iso: rfc3339(f.modified_at),
                thumb: preview_url(&state, &me, f, Size::Sm),
                large: preview_url(&state, &me, f, Size::Lg),
                icon: Kind::of(f.is_folder(), f.mime.as_deref(), &f.name).as_str(),
                starred: f.starred,
                photo: f
                    .blob_sha256
                    .as_deref()
                    .and_then(|k| metas.get(k))
                    .and_then(|m| photo::PhotoView::of(m, loc.lang)),
            })
            .collect(),
        max_upload: human_bytes(i64::try_from(state.config.max_upload_bytes).unwrap_or(i64::MAX)),
        max_upload_bytes: state.config.max_upload_bytes,
        resumable_from: state.config.resumable_upload_bytes,
        notice: notice_text(t, q.notice.as_deref()),
    };
    html(HttpResponse::Ok(), &page)
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

/// `POST /files/folders`
async fn new_folder(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, NewFolderForm>,
) -> Result<HttpResponse, PageError> {
    let parent = folder_param(form.folder.as_deref());
    let (owner, p) = (me.user.id.clone(), parent.clone());
    let name = form.name.unwrap_or_default().trim().to_owned();
    db::run(&state.db, move |conn| {
        files::create_folder(conn, &owner, p.as_ref(), &name, Utc::now().naive_utc())
    })
    .await?;
    Ok(redirect(&folder_url(parent.as_ref(), "folder")).finish())
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
