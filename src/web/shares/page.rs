//! `GET /s/{token}[?folder=ID]`: what a visitor opens. A file: its preview (or its type and
//! size) and a download button. A folder: its contents as a grid of thumbnails (a list on
//! narrow screens and without images), subfolders inside the share with breadcrumbs that stop
//! at the shared folder, a download per file and "Download all (ZIP)". A link with a password
//! shows the password form until it is unlocked; a dead link says so, in the visitor's
//! language. Views are counted at most once per visitor per 30 minutes, never for bots that
//! unfurl links.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::gate;
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::files::FileRow;
use crate::db::models::shares as share_rows;
use crate::error::AppError;
use crate::files::kind::Kind as FileKind;
use crate::preview::is_previewable;
use crate::shares::browse::{self, Contents};
use crate::shares::unlock::{self as unlocks, VIEW_SECONDS};
use crate::shares::{Grant, Kind, Operation};
use crate::state::AppState;
use crate::web::i18n::{ShareUi, human_size, translate};
use crate::web::{Locale, Nav, PageError, anon_binding, capitalize, html};

/// The cookie marking a counted view, limited to the link's path.
const VIEW_COOKIE: &str = "homedisk_share_view";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(page));
}

/// One file or folder as shown to a visitor.
struct Entry {
    id: String,
    name: String,
    is_folder: bool,
    size: String,
    /// The thumbnail URL of an image.
    thumb: Option<String>,
    /// The file-type icon (`static/icons/{icon}.svg`, `files::kind::Kind`).
    icon: &'static str,
}

#[derive(Template)]
#[template(path = "shares/visit.html")]
struct VisitPage {
    nav: Nav,
    s: &'static ShareUi,
    base: String,
    title: String,
    /// The single shared file, when the link is to a file.
    file: Option<Entry>,
    crumbs: Vec<(String, String)>,
    items: Vec<Entry>,
    allow_download: bool,
    /// Open Graph tags: only for links without a password.
    open_graph: bool,
    /// `https://host`, for Open Graph URLs (link previews need absolute ones).
    origin: String,
}

#[derive(Template)]
#[template(path = "shares/locked.html")]
struct LockedPage {
    nav: Nav,
    s: &'static ShareUi,
    base: String,
    /// Why the form came back, in the visitor's language.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "shares/gone.html")]
struct GonePage {
    nav: Nav,
    s: &'static ShareUi,
    exhausted: bool,
}

#[derive(Deserialize)]
struct PageQuery {
    folder: Option<String>,
}

/// `GET /s/{token}`
async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    loc: Locale,
    token: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let base = format!("/s/{token}");
    let folder = query.into_inner().folder.filter(|f| !f.is_empty()).map(FileId);
    let grant = match gate(&req, &state, token, folder, Operation::Page).await {
        Ok((grant, _)) => grant,
        Err(e) => return refusal(&req, &state, &loc, &base, e),
    };
    let counted = count_view(&req, &state, &grant).await?;
    let mut builder = HttpResponse::Ok();
    if let Some(cookie) = counted {
        builder.cookie(cookie);
    }
    if grant.share.kind == Kind::Upload.as_str() {
        return html(builder, &super::drop::page(&loc, base, &grant, Vec::new()));
    }
    let contents = if grant.file.is_folder() {
        let g = grant.clone();
        Some(db::run(&state.db, move |conn| browse::contents(conn, &g)).await?)
    } else {
        None
    };
    let mut page = visit_page(&loc, base.clone(), &grant, contents);
    page.origin = crate::http::site::base_url(&req, &state.config);
    html(builder, &page)
}

/// The answer for a refused page: the password form (401; 403 when its CSRF token was not
/// this browser's, with a fresh one so the visitor can simply try again), or a clear page for a
/// link that does not work (404) or is used up (410); anything else is the usual error page.
///
/// The form carries the pre-login CSRF token of the login page (`web::anon_binding`): the
/// unlock sets a cookie, so another site must not be able to post it.
pub(super) fn refusal(
    req: &HttpRequest,
    state: &AppState,
    loc: &Locale,
    base: &str,
    e: AppError,
) -> Result<HttpResponse, PageError> {
    let s = loc.lang.shares();
    let (status, error) = match e {
        AppError::ShareLocked => (StatusCode::UNAUTHORIZED, None),
        AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, Some(s.wrong_password.into())),
        AppError::CsrfFailed => {
            (StatusCode::FORBIDDEN, Some(capitalize(translate(loc.lang, &e.to_string()))))
        }
        AppError::NotFound => {
            let page = GonePage { nav: Nav::bare(loc), s, exhausted: false };
            return html(HttpResponse::NotFound(), &page);
        }
        AppError::ShareExhausted => {
            let page = GonePage { nav: Nav::bare(loc), s, exhausted: true };
            return html(HttpResponse::build(StatusCode::GONE), &page);
        }
        other => return Err(PageError::App(other)),
    };
    let (binding, cookie) = anon_binding(req, &state.config);
    let nav = Nav::anonymous(state, &binding, loc);
    let mut builder = HttpResponse::build(status);
    if let Some(c) = cookie {
        builder.cookie(c);
    }
    html(builder, &LockedPage { nav, s, base: base.to_owned(), error })
}

fn entry(loc: &Locale, base: &str, row: &FileRow) -> Entry {
    let image = row.mime.as_deref().is_some_and(is_previewable);
    Entry {
        id: row.id.to_string(),
        name: row.name.clone(),
        is_folder: row.is_folder(),
        size: human_size(loc.lang, row.size),
        thumb: image.then(|| format!("{base}/thumb/{}?size=md", row.id)),
        icon: FileKind::of(row.is_folder(), row.mime.as_deref(), &row.name).as_str(),
    }
}

fn visit_page(loc: &Locale, base: String, grant: &Grant, contents: Option<Contents>) -> VisitPage {
    let (crumbs, items) = match contents {
        Some(c) => (
            c.crumbs.iter().map(|f| (f.id.to_string(), f.name.clone())).collect(),
            c.items.iter().map(|f| entry(loc, &base, f)).collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let file = (!grant.file.is_folder()).then(|| entry(loc, &base, &grant.file));
    VisitPage {
        nav: Nav::bare(loc),
        s: loc.lang.shares(),
        title: grant.share.label.clone().unwrap_or_else(|| grant.target.name.clone()),
        file,
        crumbs,
        items,
        allow_download: grant.share.allow_download,
        open_graph: grant.share.password_hash.is_none(),
        origin: String::new(),
        base,
    }
}

/// Counts this view unless this visitor's was counted in the last 30 minutes or it is a bot
/// unfurling the link; the cookie to set when it counted.
async fn count_view(
    req: &HttpRequest,
    state: &AppState,
    grant: &Grant,
) -> Result<Option<Cookie<'static>>, AppError> {
    let now = chrono::Utc::now().naive_utc();
    let id = grant.share.id.clone();
    let seen =
        req.cookie(VIEW_COOKIE).is_some_and(|c| unlocks::viewed(&state.keys, c.value(), &id, now));
    if seen || is_unfurler(req) {
        return Ok(None);
    }
    let counted = id.clone();
    db::run(&state.db, move |conn| Ok(share_rows::count_view(conn, &counted)?)).await?;
    let path = req.path().to_owned();
    Ok(Some(
        Cookie::build(VIEW_COOKIE, unlocks::view_mark(&state.keys, &id, now))
            .path(path)
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(crate::http::cookies::secure(req, &state.config))
            .max_age(CookieDuration::seconds(VIEW_SECONDS))
            .finish(),
    ))
}

/// Link preview fetchers of chat apps and social sites (they are not visitors).
fn is_unfurler(req: &HttpRequest) -> bool {
    let agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    ["bot", "facebookexternalhit", "slack", "whatsapp", "telegram", "discord", "preview", "embedly"]
        .iter()
        .any(|b| agent.contains(b))
}
