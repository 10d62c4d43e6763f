//! `GET /files`: one page of a folder's listing. Large folders come in pages of
//! [`PAGE_SIZE`] items, cut with the keyset cursor of `GET /api/v1/files` (`files::cursor`),
//! so page `n` costs what page 1 costs and rows added meanwhile are never shown twice; a
//! "show more" link (a plain link without JavaScript, loaded in place by `static/folders.js`)
//! leads on. The sort order travels with every link into a subfolder and up the breadcrumbs.

use super::*;

/// Items per page of a listing: enough for a screenful of thumbnails many times over, few
/// enough that a 5 000-file folder renders at once.
pub(super) const PAGE_SIZE: i64 = 200;

/// The photo facts of a page's pictures, by blob (`photo_facts`).
type Metas = std::collections::HashMap<String, crate::db::models::photo_meta::PhotoMeta>;

pub(super) struct Row {
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
pub(super) struct SortLink {
    label: &'static str,
    href: String,
    active: bool,
}

/// What the "New folder" form showed when it was refused: the name typed and why.
#[derive(Default)]
pub(super) struct NewFolderState {
    pub(super) name: String,
    pub(super) error: Option<String>,
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
    /// `&sort=…&order=…` for links into subfolders (empty for the default order).
    sort_suffix: String,
    /// The next page's URL, when this page left items out.
    more: Option<String>,
    /// The first page's URL, on a later page.
    first_page: Option<String>,
    new_folder: NewFolderState,
    /// This page's URL, percent-encoded for a `back=` parameter.
    back_q: String,
    /// The strings of `static/folders.js`, as JSON.
    folder_js: String,
    max_upload: String,
    /// The same limit in bytes, for the upload script's check before sending.
    max_upload_bytes: u64,
    /// Files from this many bytes on go up through tus (resumable).
    resumable_from: u64,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub(super) struct BrowseQuery {
    pub(super) folder: Option<String>,
    pub(super) sort: Option<String>,
    pub(super) order: Option<String>,
    pub(super) notice: Option<String>,
    pub(super) cursor: Option<String>,
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

/// `&sort=…&order=…` to carry into links, empty for the default (by name, ascending).
fn sort_suffix(sort: &str, order: &str) -> String {
    if sort == "name" && order == "asc" {
        String::new()
    } else {
        format!("&sort={sort}&order={order}")
    }
}

fn row(state: &AppState, me: &CurrentUser, loc: &Locale, f: &FileRow, metas: &Metas) -> Row {
    Row {
        id: f.id.to_string(),
        name: f.name.clone(),
        is_folder: f.is_folder(),
        size: if f.is_folder() { String::new() } else { human_size(loc.lang, f.size) },
        modified: display_time(f.modified_at),
        modified_iso: rfc3339(f.modified_at),
        thumb: preview_url(state, me, f, Size::Sm),
        large: preview_url(state, me, f, Size::Lg),
        icon: Kind::of(f.is_folder(), f.mime.as_deref(), &f.name).as_str(),
        starred: f.starred,
        photo: f
            .blob_sha256
            .as_deref()
            .and_then(|k| metas.get(k))
            .and_then(|m| photo::PhotoView::of(m, loc.lang)),
    }
}

/// `GET /files?folder=ID&sort=…&order=…&cursor=…`
pub(super) async fn browse(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    q: web::Query<BrowseQuery>,
) -> Result<HttpResponse, PageError> {
    render(&state, &me.0, &loc, &q, NewFolderState::default()).await
}

/// The listing page of `q`, with the "New folder" form as `new_folder` says (a refused name
/// comes back to this page, next to its field, with 422).
pub(super) async fn render(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    q: &BrowseQuery,
    new_folder: NewFolderState,
) -> Result<HttpResponse, PageError> {
    let order = files::parse_sort(q.sort.as_deref(), q.order.as_deref())?;
    let (owner, folder) = (me.user.id.clone(), folder_param(q.folder.as_deref()));
    let cursor = q.cursor.clone().filter(|c| !c.trim().is_empty());
    let c = cursor.clone();
    let (listing, trash_bytes, metas) = db::run(&state.db, move |conn| {
        let page = files::Page { cursor: c.as_deref(), limit: PAGE_SIZE };
        let listing = files::list_page(conn, &owner, folder.as_ref(), order, page)?;
        let metas = photo_facts(conn, &listing.items)?;
        Ok((listing, crate::db::models::trash::bytes(conn, &owner)?, metas))
    })
    .await?;
    let t = loc.lang.ui();
    let folder_id = listing.folder.as_ref().map(|f| f.id.to_string()).unwrap_or_default();
    let sort = match order.0 {
        rows::Sort::Name => "name",
        rows::Sort::Size => "size",
        rows::Sort::Date => "date",
        rows::Sort::Taken => "taken",
    };
    let dir = if order.1 { "desc" } else { "asc" };
    let suffix = sort_suffix(sort, dir);
    let base = if folder_id.is_empty() {
        format!("/files?sort={sort}&order={dir}")
    } else {
        format!("/files?folder={folder_id}&sort={sort}&order={dir}")
    };
    let status =
        if new_folder.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut nav = Nav::user(state, me, loc).with_trash(loc.lang, trash_bytes);
    if !nav.here.starts_with("/files") {
        // Rendered for a refused POST: the forms' `back` is this listing, not `/`.
        nav.here = base.clone();
    }
    let page = BrowsePage {
        back_q: crate::web::urlencode(&nav.here),
        nav,
        sorts: sort_links(t, loc.lang.photos().sort_taken, &folder_id, sort, dir),
        order: dir.into(),
        more: listing.next.as_ref().map(|n| format!("{base}&cursor={}", crate::web::urlencode(n))),
        first_page: cursor.map(|_| base.clone()),
        folder_name: listing
            .folder
            .as_ref()
            .map(|f| f.name.clone())
            .unwrap_or_else(|| t.your_files.into()),
        crumbs: sorted_crumbs(&listing.path, &suffix),
        sort_suffix: suffix,
        folder_id,
        on_file: false,
        rows: listing.items.iter().map(|f| row(state, me, loc, f, &metas)).collect(),
        new_folder,
        folder_js: loc.lang.folder_js_json(),
        max_upload: human_bytes(i64::try_from(state.config.max_upload_bytes).unwrap_or(i64::MAX)),
        max_upload_bytes: state.config.max_upload_bytes,
        resumable_from: state.config.resumable_upload_bytes,
        notice: notice_text(t, q.notice.as_deref()),
    };
    html(HttpResponse::build(status), &page)
}

#[cfg(test)]
mod tests {
    use super::sort_suffix;

    #[test]
    fn the_default_order_adds_nothing_to_links() {
        assert_eq!(sort_suffix("name", "asc"), "");
        assert_eq!(sort_suffix("date", "desc"), "&sort=date&order=desc");
        assert_eq!(sort_suffix("name", "desc"), "&sort=name&order=desc");
    }
}
