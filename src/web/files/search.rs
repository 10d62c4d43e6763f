//! `/search`: the results page of the header's search box (a GET form, so it works without
//! JavaScript): each hit with its folder, a type filter, and a "more" link carrying the cursor.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::files as rows;
use crate::error::AppError;
use crate::files::search::{self, Hit, Params};
use crate::preview::Size;
use crate::state::AppState;
use crate::web::i18n::{Ui, human_size};
use crate::web::{Locale, Nav, PageError, PageUser, display_time, html};

use super::preview_url;
use crate::files::kind::Kind;

/// An option of the type filter.
struct KindOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct FolderScope {
    id: String,
    name: String,
}

struct Row {
    name: String,
    href: String,
    is_folder: bool,
    /// Where it is (`/a/b`, or "Your files" at the root), and that folder's page.
    path: String,
    folder_href: String,
    size: String,
    modified: String,
    modified_iso: String,
    thumb: Option<String>,
    /// The file-type icon (`static/icons/{icon}.svg`, `files::kind::Kind`).
    icon: &'static str,
}

#[derive(Template)]
#[template(path = "files/search.html")]
struct SearchPage {
    nav: Nav,
    heading: String,
    q: String,
    kinds: Vec<KindOption>,
    folder: Option<FolderScope>,
    /// The same search without the folder limit.
    everywhere: String,
    error: Option<String>,
    searched: bool,
    rows: Vec<Row>,
    more: Option<String>,
}

fn kinds(t: &'static Ui, current: &str) -> Vec<KindOption> {
    [
        ("", t.type_any),
        ("image", t.type_image),
        ("video", t.type_video),
        ("audio", t.type_audio),
        ("document", t.type_document),
        ("folder", t.type_folder),
    ]
    .into_iter()
    .map(|(value, label)| KindOption { value, label, selected: value == current })
    .collect()
}

/// `/search?…` with these parameters (the empty ones left out).
fn search_url(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    format!("/search?{}", s.finish())
}

/// `GET /search?q=&type=&folder=&limit=&cursor=`
pub(super) async fn search_page(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    params: web::Query<Params>,
) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let params = params.into_inner();
    let t = loc.lang.ui();
    let q = params.q.clone().unwrap_or_default();
    let kind = params.kind.clone().unwrap_or_default();
    let folder_id = params.folder.clone().filter(|f| !f.trim().is_empty());
    let owner = me.user.id.clone();
    let scope = folder_id.clone().map(FileId);
    // The folder's name for "In … and its subfolders"; not found like the listing.
    let folder = db::run(&state.db, move |conn| crate::files::folder(conn, &owner, scope.as_ref()))
        .await?
        .map(|f| FolderScope { id: f.id.to_string(), name: f.name });

    let mut page = SearchPage {
        nav: Nav::user(&state, &me, &loc),
        heading: if q.trim().is_empty() {
            t.search.to_owned()
        } else {
            crate::web::i18n::fill(t.search_results_for, &[&q.trim()])
        },
        kinds: kinds(t, &kind),
        everywhere: search_url(&[("q", &q), ("type", &kind)]),
        folder,
        q: q.clone(),
        error: None,
        searched: false,
        rows: Vec::new(),
        more: None,
    };
    if q.trim().is_empty() {
        return html(HttpResponse::Ok(), &page);
    }
    let checked = match search::parse(&params) {
        Ok(s) => s,
        Err(AppError::Validation(errors)) => {
            page.error = errors.0.values().flatten().next().cloned();
            return html(HttpResponse::build(StatusCode::BAD_REQUEST), &page);
        }
        Err(e) => return Err(e.into()),
    };
    let owner = me.user.id.clone();
    let found = db::run(&state.db, move |conn| search::run(conn, &owner, &checked)).await?;
    page.searched = true;
    page.rows = found.hits.iter().map(|h| row(&state, &me, t, loc.lang, h)).collect();
    page.more = found.next_cursor.map(|cursor| {
        let limit = params.limit.clone().unwrap_or_default();
        let folder = folder_id.unwrap_or_default();
        search_url(&[
            ("q", &q),
            ("type", &kind),
            ("folder", &folder),
            ("limit", &limit),
            ("cursor", &cursor),
        ])
    });
    html(HttpResponse::Ok(), &page)
}

fn row(
    state: &AppState,
    me: &crate::http::auth::CurrentUser,
    t: &'static Ui,
    lang: crate::web::i18n::Lang,
    hit: &Hit,
) -> Row {
    let f: &rows::FileRow = &hit.row;
    let href =
        if f.is_folder() { format!("/files?folder={}", f.id) } else { format!("/files/{}", f.id) };
    let (path, folder_href) = match &f.parent_id {
        Some(parent) => (hit.path.clone(), format!("/files?folder={parent}")),
        None => (t.your_files.to_owned(), "/files".to_owned()),
    };
    Row {
        name: f.name.clone(),
        href,
        is_folder: f.is_folder(),
        path,
        folder_href,
        size: if f.is_folder() { String::new() } else { human_size(lang, f.size) },
        modified: display_time(f.modified_at),
        modified_iso: rfc3339(f.modified_at),
        thumb: preview_url(state, me, f, Size::Sm),
        icon: Kind::of(f.is_folder(), f.mime.as_deref(), &f.name).as_str(),
    }
}
