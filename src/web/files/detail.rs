//! One file or folder: its page, rename, move, delete (with a confirmation page).

use super::*;
use crate::files::kind::{Kind, Viewer};
use crate::files::text_preview::{self, TextPreview};

struct FolderChoice {
    id: String,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "files/detail.html")]
struct DetailPage {
    nav: Nav,
    id: String,
    name: String,
    size: String,
    bytes: i64,
    mime: String,
    created: String,
    modified: String,
    /// The same times in RFC 3339, for `<time datetime>` (the page shows them in local time).
    created_iso: String,
    modified_iso: String,
    crumbs: Vec<Crumb>,
    on_file: bool,
    folders: Vec<FolderChoice>,
    errors: FieldErrors,
    notice: Option<&'static str>,
    /// Images: the `lg` preview and the original, through preview URLs.
    large: Option<String>,
    original: Option<String>,
    starred: bool,
    /// What the page shows of the content (see `view.rs`).
    viewer: ViewerBox,
    /// Pictures: what their metadata says (the owner's page: the location included).
    photo: Option<super::photo::PhotoView>,
}

/// The viewer part of a file's page.
struct ViewerBox {
    /// `image`, `pdf`, `text`, `video`, `audio` or `none` (the icon only).
    kind: &'static str,
    /// The file-type icon (`static/icons/{icon}.svg`).
    icon: &'static str,
    /// The text viewer's lines, when the file is text.
    lines: Vec<String>,
    /// The text viewer shows only the beginning of the file.
    truncated: bool,
    /// How much the text viewer shows, for its note.
    shown: String,
}

impl ViewerBox {
    async fn of(state: &AppState, row: &FileRow, loc: &Locale) -> Result<ViewerBox, AppError> {
        let icon = Kind::of(false, row.mime.as_deref(), &row.name).as_str();
        let mut kind = match Viewer::of(row.mime.as_deref()) {
            Viewer::Image => "image",
            Viewer::Pdf => "pdf",
            Viewer::Text => "text",
            Viewer::Video => "video",
            Viewer::Audio => "audio",
            Viewer::None => "none",
        };
        let (mut lines, mut truncated) = (Vec::new(), false);
        if kind == "text" {
            match view::text(state, row).await? {
                TextPreview::Text { lines: l, truncated: t } => (lines, truncated) = (l, t),
                TextPreview::Binary => kind = "binary",
            }
        }
        let limit = text_preview::MAX_BYTES.min(usize::try_from(row.size).unwrap_or(0));
        let shown = human_size(loc.lang, i64::try_from(limit).unwrap_or(i64::MAX));
        Ok(ViewerBox { kind, icon, lines, truncated, shown })
    }
}

#[derive(Deserialize)]
pub(super) struct NoticeQuery {
    pub(super) notice: Option<String>,
}

async fn find(state: &AppState, me: &CurrentUser, id: String) -> Result<FileRow, AppError> {
    let owner = me.user.id.clone();
    db::run(&state.db, move |conn| Ok(rows::find_owned(conn, &owner, &FileId(id))?)).await
}

async fn render_detail(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    row: FileRow,
    status: StatusCode,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let (owner, r) = (me.user.id.clone(), row.clone());
    let (path, all_folders, meta) = db::run(&state.db, move |conn| {
        let parent = files::folder(conn, &owner, r.parent_id.as_ref())?;
        let path = files::path_to(conn, &owner, parent.as_ref())?;
        let keys: Vec<&str> = r.blob_sha256.as_deref().into_iter().collect();
        let meta = files::photo::store::of_blobs(conn, &keys)?.pop();
        Ok((path, rows::folders(conn, &owner)?, meta))
    })
    .await?;
    let parent_id = row.parent_id.as_ref().map(ToString::to_string).unwrap_or_default();
    let mut folders = vec![FolderChoice {
        id: String::new(),
        label: String::new(),
        current: parent_id.is_empty(),
    }];
    folders.extend(all_folders.iter().filter(|f| f.id != row.id).map(|f| FolderChoice {
        id: f.id.to_string(),
        label: f.name.clone(),
        current: f.id.to_string() == parent_id,
    }));
    let page = DetailPage {
        nav: Nav::user(state, me, loc),
        id: row.id.to_string(),
        name: row.name.clone(),
        size: human_size(loc.lang, row.size),
        bytes: row.size,
        mime: row.mime.clone().unwrap_or_default(),
        created: display_time(row.created_at),
        modified: display_time(row.modified_at),
        created_iso: rfc3339(row.created_at),
        modified_iso: rfc3339(row.modified_at),
        crumbs: crumbs(&path),
        on_file: true,
        folders,
        errors,
        notice,
        large: preview_url(state, me, &row, Size::Lg),
        original: preview_url(state, me, &row, Size::Orig),
        starred: row.starred,
        viewer: ViewerBox::of(state, &row, loc).await?,
        photo: meta.and_then(|m| super::photo::PhotoView::of(&m, loc.lang)),
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /files/{id}`: a file's page (a folder's id opens the folder).
pub(super) async fn detail(
    state: web::Data<AppState>,
    me: PageUser,
    id: web::Path<String>,
    loc: Locale,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let row = find(&state, &me, id.into_inner()).await?;
    if row.is_folder() {
        return Ok(redirect(&format!("/files?folder={}", row.id)).finish());
    }
    let notice = notice_text(loc.lang.ui(), q.notice.as_deref());
    render_detail(&state, &me, &loc, row, StatusCode::OK, FieldErrors::default(), notice).await
}

#[derive(Deserialize)]
pub(super) struct RenameForm {
    name: Option<String>,
    csrf_token: Option<String>,
}

/// After a rename or move: a folder goes back to its listing, a file to its page.
fn after_change(row: &FileRow, notice: &str) -> HttpResponse {
    let to = if row.is_folder() {
        folder_url(Some(&row.id), notice)
    } else {
        format!("/files/{}?notice={notice}", row.id)
    };
    redirect(&to).finish()
}

/// Re-renders the page of `id` with field errors, or passes other errors on.
async fn field_errors(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    id: String,
    e: AppError,
) -> Result<HttpResponse, PageError> {
    match e {
        AppError::Validation(errors) => {
            let row = find(state, me, id).await?;
            render_detail(state, me, loc, row, StatusCode::BAD_REQUEST, errors, None).await
        }
        other => Err(other.into()),
    }
}

/// `POST /files/{id}/rename`
pub(super) async fn rename(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, RenameForm>,
    id: web::Path<String>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let (owner, fid, name) =
        (me.user.id.clone(), FileId(id.clone()), form.name.clone().unwrap_or_default());
    let result = db::run(&state.db, move |conn| {
        files::rename_move(conn, &owner, &fid, Some(name.trim()), None, Utc::now().naive_utc())
    })
    .await;
    match result {
        Ok(row) => Ok(after_change(&row, "renamed")),
        Err(e) => field_errors(&state, &me, &loc, id.into_inner(), e).await,
    }
}

#[derive(Deserialize)]
pub(super) struct MoveForm {
    folder: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /files/{id}/move` (`folder` empty: the top level)
pub(super) async fn move_to(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, MoveForm>,
    id: web::Path<String>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let (owner, fid, target) =
        (me.user.id.clone(), FileId(id.clone()), folder_param(form.folder.as_deref()));
    let result = db::run(&state.db, move |conn| {
        files::rename_move(conn, &owner, &fid, None, Some(target.as_ref()), Utc::now().naive_utc())
    })
    .await;
    match result {
        Ok(row) => Ok(after_change(&row, "moved")),
        Err(e) => field_errors(&state, &me, &loc, id.into_inner(), e).await,
    }
}

#[derive(Template)]
#[template(path = "files/confirm_delete.html")]
struct ConfirmDelete {
    nav: Nav,
    id: String,
    name: String,
    is_folder: bool,
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    csrf_token: Option<String>,
    confirmed: Option<String>,
}

/// `POST /files/{id}/delete`: asks first (unless `confirmed=yes`), then deletes.
pub(super) async fn delete(
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, DeleteForm>,
    id: web::Path<String>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let row = find(&state, &me, id.into_inner()).await?;
    if form.confirmed.as_deref() != Some("yes") {
        let page = ConfirmDelete {
            nav: Nav::user(&state, &me, &loc),
            id: row.id.to_string(),
            name: row.name.clone(),
            is_folder: row.is_folder(),
        };
        return html(HttpResponse::Ok(), &page);
    }
    let (owner, fid) = (me.user.id.clone(), row.id.clone());
    db::run(&state.db, move |conn| {
        files::trash::trash(conn, &owner, &fid, chrono::Utc::now().naive_utc())
    })
    .await?;
    Ok(redirect(&folder_url(row.parent_id.as_ref(), "deleted")).finish())
}

crate::csrf_protected!(RenameForm, MoveForm, DeleteForm);
