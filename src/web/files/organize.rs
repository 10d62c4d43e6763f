//! Rename or move one file or folder from the file list: `GET /files/{id}/organize` (the page
//! the per-item menu and a folder's header lead to without JavaScript) and
//! `POST /files/{id}/organize` (`op=rename` with `name`, or `op=move` with `folder`).
//!
//! A refused name or target comes back next to its field: the page again with 422, or, when
//! `static/folders.js` sent the form (`Accept: application/json`), `{errors: {field: text}}`
//! with 422, so its dialog stays open with the message. Success goes back to `back`.

use super::collections::{local_path, with_notice};
use super::*;

struct PickChoice {
    id: String,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "files/organize.html")]
struct OrganizePage {
    nav: Nav,
    id: String,
    name: String,
    is_folder: bool,
    /// What the name field holds (the refused name after an error).
    typed: String,
    back: String,
    folders: Vec<PickChoice>,
    /// The top level is where it is now.
    at_top: bool,
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub(super) struct BackQuery {
    back: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct OrganizeForm {
    csrf_token: Option<String>,
    op: String,
    name: Option<String>,
    folder: Option<String>,
    back: Option<String>,
}

crate::csrf_protected!(OrganizeForm);

/// Whether the form came from a script that wants JSON rather than a page.
pub(super) fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The script's answer to a form that worked: where to go now.
pub(super) fn json_done(location: &str) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "ok": true, "location": location }))
}

/// The script's answer to refused fields: each field's first problem in the page's language,
/// worded as the pages word it ("Name is already used in this folder").
pub(super) fn json_errors(lang: crate::web::i18n::Lang, errors: &FieldErrors) -> HttpResponse {
    let t = lang.ui();
    let map: serde_json::Map<String, serde_json::Value> = errors
        .0
        .iter()
        .filter_map(|(field, messages)| {
            let label = match *field {
                "name" => t.name,
                "folder" => t.folder,
                _ => "",
            };
            let text = crate::web::i18n::translate(lang, messages.first()?);
            let line = if label.is_empty() { text.to_owned() } else { format!("{label} {text}") };
            Some(((*field).to_owned(), serde_json::Value::from(line)))
        })
        .collect();
    HttpResponse::UnprocessableEntity().json(serde_json::json!({ "errors": map }))
}

/// Where to go after a change when the form named no (safe) `back`: a folder's parent
/// listing, a file's page.
fn default_back(row: &FileRow) -> String {
    if row.is_folder() {
        match &row.parent_id {
            Some(p) => format!("/files?folder={p}"),
            None => "/files".into(),
        }
    } else {
        format!("/files/{}", row.id)
    }
}

/// `GET /files/{id}/organize?back=…`
pub(super) async fn page(
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    id: web::Path<String>,
    q: web::Query<BackQuery>,
) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let row = find(&state, &me, id.into_inner()).await?;
    let back = q.back.as_deref().and_then(local_path).unwrap_or_else(|| default_back(&row));
    let typed = row.name.clone();
    render(&state, &me, &loc, row, typed, back, FieldErrors::default()).await
}

async fn find(state: &AppState, me: &CurrentUser, id: String) -> Result<FileRow, AppError> {
    let owner = me.user.id.clone();
    db::run(&state.db, move |conn| Ok(rows::find_owned(conn, &owner, &FileId(id))?)).await
}

async fn render(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    row: FileRow,
    typed: String,
    back: String,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let owner = me.user.id.clone();
    let all = db::run(&state.db, move |conn| super::folder_choices(conn, &owner)).await?;
    let parent = row.parent_id.as_ref().map(ToString::to_string).unwrap_or_default();
    // Not itself, nor (for a folder) anything below it: those are refused anyway.
    let own_path = all.iter().find(|(id, _)| *id == row.id.as_str()).map(|(_, p)| format!("{p}/"));
    let folders = all
        .into_iter()
        .filter(|(id, label)| {
            id != row.id.as_str() && !own_path.as_deref().is_some_and(|p| label.starts_with(p))
        })
        .map(|(id, label)| PickChoice { current: id == parent, id, label })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = OrganizePage {
        nav: Nav::user(state, me, loc),
        id: row.id.to_string(),
        name: row.name.clone(),
        is_folder: row.is_folder(),
        typed,
        back,
        folders,
        at_top: parent.is_empty(),
        errors,
    };
    html(HttpResponse::build(status), &page)
}

/// `POST /files/{id}/organize` (`op`, `name` or `folder`, `back`)
pub(super) async fn apply(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, OrganizeForm>,
    loc: Locale,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let fid = FileId(id.into_inner());
    let name = form.name.as_deref().unwrap_or_default().trim().to_owned();
    let (new_name, new_parent, notice) = match form.op.as_str() {
        "rename" => (Some(name.clone()), None, "renamed"),
        "move" => (None, Some(folder_param(form.folder.as_deref())), "moved"),
        _ => return Err(AppError::BadRequest("op must be rename or move".into()).into()),
    };
    let (owner, f) = (me.user.id.clone(), fid.clone());
    let result = db::run(&state.db, move |conn| {
        let parent = new_parent.as_ref().map(Option::as_ref);
        files::rename_move(conn, &owner, &f, new_name.as_deref(), parent, Utc::now().naive_utc())
    })
    .await;
    let back = form.back.as_deref().and_then(local_path);
    match result {
        Ok(row) => {
            let to = with_notice(&back.unwrap_or_else(|| default_back(&row)), notice);
            Ok(if wants_json(&req) { json_done(&to) } else { redirect(&to).finish() })
        }
        Err(AppError::Validation(errors)) if wants_json(&req) => Ok(json_errors(loc.lang, &errors)),
        Err(AppError::Validation(errors)) => {
            let row = find(&state, &me, fid.to_string()).await?;
            let back = back.unwrap_or_else(|| default_back(&row));
            let typed = if form.op == "rename" { name } else { row.name.clone() };
            render(&state, &me, &loc, row, typed, back, errors).await
        }
        Err(other) => Err(other.into()),
    }
}
