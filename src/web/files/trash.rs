//! `/trash`: what the user deleted, with restore, delete-for-good and empty (each asks first,
//! in a dialog with JavaScript or on a confirmation page without).

use super::*;
use crate::db::models::trash as trash_rows;
use crate::files::trash::{self, TrashItem};
use crate::settings;

struct TrashRow {
    id: String,
    name: String,
    is_folder: bool,
    /// The file-type icon (`static/icons/{icon}.svg`).
    icon: &'static str,
    size: String,
    deleted: String,
    deleted_iso: String,
    original_path: String,
    purge: String,
    purge_iso: String,
}

#[derive(Template)]
#[template(path = "files/trash.html")]
struct TrashPage {
    nav: Nav,
    rows: Vec<TrashRow>,
    retention_days: u32,
    trash_used: String,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "files/confirm_purge.html")]
struct ConfirmPurge {
    nav: Nav,
    /// `None`: empty the whole trash.
    id: Option<String>,
    name: String,
}

/// `GET /trash`
pub(super) async fn page(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    q: web::Query<detail::NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let (owner, st) = (me.user.id.clone(), state.clone());
    let (items, used, days) = db::run(&state.db, move |conn| {
        let days = settings::current(conn, &st.config)?.trash_retention_days;
        Ok((trash::list(conn, &owner, days)?, trash_rows::bytes(conn, &owner)?, days))
    })
    .await?;
    let t = loc.lang.ui();
    let row = |item: &TrashItem| TrashRow {
        id: item.row.id.to_string(),
        name: item.row.name.clone(),
        is_folder: item.row.is_folder(),
        icon: crate::files::kind::Kind::of(
            item.row.is_folder(),
            item.row.mime.as_deref(),
            &item.row.name,
        )
        .as_str(),
        size: human_size(loc.lang, item.size),
        deleted: item.row.trashed_at.map(display_time).unwrap_or_default(),
        deleted_iso: item.row.trashed_at.map(rfc3339).unwrap_or_default(),
        original_path: item.original_path.clone(),
        purge: display_time(item.purge_after),
        purge_iso: rfc3339(item.purge_after),
    };
    let page = TrashPage {
        nav: Nav::user(&state, &me, &loc).with_trash(loc.lang, used),
        rows: items.iter().map(row).collect(),
        retention_days: days,
        trash_used: human_size(loc.lang, used),
        notice: notice_text(t, q.notice.as_deref()).map(str::to_owned),
    };
    html(HttpResponse::Ok(), &page)
}

#[derive(Deserialize)]
pub(super) struct TrashForm {
    csrf_token: Option<String>,
    confirmed: Option<String>,
}

/// `POST /trash/{id}/restore`: back where it was (or to the top level), then to that folder.
pub(super) async fn restore(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), .. }: CsrfForm<PageUser, TrashForm>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (owner, id) = (me.user.id.clone(), FileId(id.into_inner()));
    let row = db::run(&state.db, move |conn| trash::restore(conn, &owner, &id, None)).await?;
    Ok(redirect(&folder_url(row.parent_id.as_ref(), "restored")).finish())
}

/// `POST /trash/{id}/purge`: asks first (unless `confirmed=yes`), then deletes for good.
pub(super) async fn purge(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, TrashForm>,
    id: web::Path<String>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let (owner, fid) = (me.user.id.clone(), FileId(id.into_inner()));
    if form.confirmed.as_deref() != Some("yes") {
        let o = owner.clone();
        let f = fid.clone();
        let row =
            db::run(&state.db, move |conn| Ok(rows::find_owned_any_state(conn, &o, &f)?)).await?;
        if !row.is_trash_root() {
            return Err(AppError::NotFound.into());
        }
        let page = ConfirmPurge {
            nav: Nav::user(&state, &me, &loc),
            id: Some(row.id.to_string()),
            name: row.name,
        };
        return html(HttpResponse::Ok(), &page);
    }
    let st = state.clone();
    db::run(&state.db, move |conn| {
        trash::purge(conn, st.storage.as_ref(), |sha| st.thumbs.forget(sha), &owner, &fid)
    })
    .await?;
    Ok(redirect("/trash?notice=purged").finish())
}

/// `POST /trash/empty`: asks first (unless `confirmed=yes`), then empties the trash.
pub(super) async fn empty(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, TrashForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    if form.confirmed.as_deref() != Some("yes") {
        let page =
            ConfirmPurge { nav: Nav::user(&state, &me, &loc), id: None, name: String::new() };
        return html(HttpResponse::Ok(), &page);
    }
    let (owner, st) = (me.user.id.clone(), state.clone());
    db::run(&state.db, move |conn| {
        trash::empty(conn, st.storage.as_ref(), |sha| st.thumbs.forget(sha), &owner)
    })
    .await?;
    Ok(redirect("/trash?notice=emptied").finish())
}

crate::csrf_protected!(TrashForm);
