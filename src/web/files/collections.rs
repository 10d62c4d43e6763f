//! `/starred` and `/recent`, and the star button of lists and file pages.

use super::*;
use crate::db::models::trash as collection_rows;
use crate::files::kind::Kind;

/// A starred or recent item, with the folder it is in.
struct CollectionRow {
    id: String,
    name: String,
    is_folder: bool,
    size: String,
    modified: String,
    modified_iso: String,
    thumb: Option<String>,
    /// The file-type icon (`static/icons/{icon}.svg`, `files::kind::Kind`).
    icon: &'static str,
    /// The containing folder: id (empty for the top level) and name.
    folder_id: String,
    folder_name: String,
}

#[derive(Template)]
#[template(path = "files/collection.html")]
struct CollectionPage {
    nav: Nav,
    title: &'static str,
    empty: &'static str,
    rows: Vec<CollectionRow>,
    notice: Option<&'static str>,
}

#[derive(Clone, Copy)]
enum Which {
    Starred,
    Recent,
}

/// `GET /starred`
pub(super) async fn starred(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    q: web::Query<detail::NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    render(state, me.0, loc, Which::Starred, q.into_inner()).await
}

/// `GET /recent`
pub(super) async fn recent(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    q: web::Query<detail::NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    render(state, me.0, loc, Which::Recent, q.into_inner()).await
}

async fn render(
    state: web::Data<AppState>,
    me: CurrentUser,
    loc: Locale,
    which: Which,
    q: detail::NoticeQuery,
) -> Result<HttpResponse, PageError> {
    let owner = me.user.id.clone();
    let (found, parents) = db::run(&state.db, move |conn| {
        let found = match which {
            Which::Starred => collection_rows::starred(conn, &owner)?,
            Which::Recent => collection_rows::recent(conn, &owner, 100)?,
        };
        let ids: Vec<FileId> = found.iter().filter_map(|f| f.parent_id.clone()).collect();
        let parents: std::collections::HashMap<FileId, String> =
            rows::names_of(conn, &owner, &ids)?.into_iter().collect();
        Ok((found, parents))
    })
    .await?;
    let t = loc.lang.ui();
    let rows = found
        .iter()
        .map(|f| CollectionRow {
            id: f.id.to_string(),
            name: f.name.clone(),
            is_folder: f.is_folder(),
            size: if f.is_folder() { String::new() } else { human_size(loc.lang, f.size) },
            modified: display_time(f.modified_at),
            modified_iso: rfc3339(f.modified_at),
            thumb: preview_url(&state, &me, f, Size::Sm),
            icon: Kind::of(f.is_folder(), f.mime.as_deref(), &f.name).as_str(),
            folder_id: f.parent_id.as_ref().map(ToString::to_string).unwrap_or_default(),
            folder_name: match &f.parent_id {
                Some(p) => parents.get(p).cloned().unwrap_or_default(),
                None => t.your_files.to_owned(),
            },
        })
        .collect();
    let (title, empty) = match which {
        Which::Starred => (t.starred_title, t.starred_empty),
        Which::Recent => (t.recent_title, t.recent_empty),
    };
    let page = CollectionPage {
        nav: Nav::user(&state, &me, &loc),
        title,
        empty,
        rows,
        notice: notice_text(t, q.notice.as_deref()),
    };
    html(HttpResponse::Ok(), &page)
}

#[derive(Deserialize)]
pub(super) struct StarForm {
    csrf_token: Option<String>,
    /// `1` stars, `0` unstars.
    on: Option<String>,
    /// Where to go back to (a local path), else the item's folder.
    back: Option<String>,
}

/// `POST /files/{id}/star` (`on=1|0`)
pub(super) async fn star(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, StarForm>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let on = form.on.as_deref() != Some("0");
    let (owner, fid) = (me.user.id.clone(), FileId(id.into_inner()));
    let row = db::run(&state.db, move |conn| {
        if collection_rows::set_starred(conn, &owner, std::slice::from_ref(&fid), on)? == 0 {
            return Err(AppError::NotFound);
        }
        Ok(rows::find_owned(conn, &owner, &fid)?)
    })
    .await?;
    let notice = if on { "starred" } else { "unstarred" };
    let to = match form.back.as_deref().and_then(local_path) {
        Some(back) => with_notice(&back, notice),
        None => folder_url(row.parent_id.as_ref(), notice),
    };
    Ok(redirect(&to).finish())
}

/// `back` when it is a path on this site (never another origin: see `web::safe_next`).
pub(super) fn local_path(back: &str) -> Option<String> {
    let safe = crate::web::safe_next(Some(back));
    (safe == back).then_some(safe)
}

/// `path` with `notice=…` set (replacing a notice it had).
pub(super) fn with_notice(path: &str, notice: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut parts: Vec<&str> =
        query.split('&').filter(|p| !p.is_empty() && !p.starts_with("notice=")).collect();
    let pair = format!("notice={notice}");
    parts.push(&pair);
    format!("{base}?{}", parts.join("&"))
}

crate::csrf_protected!(StarForm);
