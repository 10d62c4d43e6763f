//! `/api/v1/files`, `/api/v1/folders`: list, upload, metadata, rename/move, delete, download.
//! Every query is scoped to the caller: another user's id answers 404 like a missing one.

use crate::api::endpoint::Endpoint;
use actix_multipart::Multipart;
use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::api::confine::{self, Use};
use crate::api::views::{FileItem, FolderRef, Items, Listing};
use crate::auth::preview::{self, Mint};
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::files::{self, FileRow};
use crate::error::{AppError, FieldErrors};
use crate::etag;
use crate::files as domain;
use crate::http::auth::{CurrentUser, FilesReader, FilesWriter};
use crate::http::download::{self, Download};
use crate::http::multipart as upload;
use crate::preview::{Size, is_previewable};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/files").get(list).post(upload))
        .service(Endpoint::at("/files/{id}").get(metadata).patch(update).delete(delete))
        .service(Endpoint::at("/files/{id}/content").get(content))
        .service(Endpoint::at("/files/{id}/preview-url").post(preview_url))
        .service(Endpoint::at("/folders").post(create_folder));
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub folder: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Items in a page of `GET /api/v1/files` when `limit` is not given, and the most one may ask.
const DEFAULT_PAGE: i64 = 500;
const MAX_PAGE: i64 = 1000;

impl ListQuery {
    pub fn folder_id(&self) -> Option<FileId> {
        self.folder
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| FileId(f.to_owned()))
    }
}

/// `GET /api/v1/files?folder=ID&sort=name|date|size|taken&order=asc|desc&limit=N&cursor=C`: a page
/// of at most `limit` items (500 by default, at most 1000) and `next_cursor` for the next.
#[utoipa::path(get, path = "/api/v1/files", tag = "files", params(ListQuery), responses((status = 200, description = "A page of a folder", body = Listing)))]
async fn list(
    state: web::Data<AppState>,
    me: FilesReader,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Listing>, AppError> {
    let order = domain::parse_sort(query.sort.as_deref(), query.order.as_deref())?;
    let limit = match query.limit.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => DEFAULT_PAGE,
        Some(raw) => raw.parse().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "limit",
                format!("must be a whole number from 1 to {MAX_PAGE}"),
            ))
        })?,
    };
    let folder = confine::folder(&state, &me, query.folder_id()).await?;
    let (owner, cursor) = (me.user.id.clone(), query.cursor.clone());
    let listing = db::run(&state.db, move |conn| {
        let page = domain::Page { cursor: cursor.as_deref().filter(|c| !c.is_empty()), limit };
        domain::list_page(conn, &owner, folder.as_ref(), order, page)
    })
    .await?;
    let as_ref = |f: &FileRow| FolderRef { id: f.id.to_string(), name: f.name.clone() };
    // A confined caller's path starts at its own folder: the names above it are not its own.
    let above = match &me.folder {
        Some(root) => listing.path.iter().position(|f| f.id == *root).unwrap_or(0),
        None => 0,
    };
    Ok(web::Json(Listing {
        items: with_photos(&state, &listing.items, with_previews(&state, &me, &listing.items)?)
            .await?,
        folder: listing.folder.as_ref().map(as_ref),
        path: listing.path[above..].iter().map(as_ref).collect(),
        next_cursor: listing.next,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FolderQuery {
    folder: Option<String>,
}

/// `POST /api/v1/files` (multipart: `file` parts, optional `folder` first; or `?folder=ID`)
#[utoipa::path(post, path = "/api/v1/files", tag = "files", params(FolderQuery), request_body(content = crate::api::openapi::UploadForm, content_type = "multipart/form-data"), responses((status = 201, description = "The stored files", body = Items<FileItem>)))]
async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesWriter,
    query: web::Query<FolderQuery>,
    mut payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let limits = upload::precheck(&state, &me.user.id, upload::content_length(&req)).await?;
    let folder = query.folder.as_deref().filter(|f| !f.is_empty()).map(|f| FileId(f.to_owned()));
    let to = (&me.user.id, me.folder.clone());
    let rows =
        upload::store_parts(state.clone().into_inner(), to, folder, limits, &mut payload).await?;
    let items = with_photos(&state, &rows, with_previews(&state, &me, &rows)?).await?;
    Ok(HttpResponse::Created().json(Items { items }))
}

async fn find(state: &AppState, me: &CurrentUser, id: String) -> Result<FileRow, AppError> {
    let id = FileId(id);
    confine::id(state, me, &id, Use::Read).await?;
    let owner = me.user.id.clone();
    db::run(&state.db, move |conn| Ok(files::find_owned(conn, &owner, &id)?)).await
}

/// `GET /api/v1/files/{id}`
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path, description = "A file or folder id")), responses((status = 200, description = "The item", body = FileItem)))]
async fn metadata(
    state: web::Data<AppState>,
    me: FilesReader,
    id: web::Path<String>,
) -> Result<web::Json<FileItem>, AppError> {
    let row = find(&state, &me, id.into_inner()).await?;
    let rows = std::slice::from_ref(&row);
    Ok(web::Json(with_photos(&state, rows, with_previews(&state, &me, rows)?).await?.remove(0)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = FileChange)]
struct UpdateBody {
    name: Option<String>,
    /// The new folder; `null` moves to the root.
    #[serde(default, deserialize_with = "crate::api::present")]
    folder: Option<Option<String>>,
}

/// `PATCH /api/v1/files/{id}` `{name?, folder?}`: rename and/or move.
#[utoipa::path(patch, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path, description = "A file or folder id")), request_body = UpdateBody, responses((status = 200, description = "Renamed and/or moved", body = FileItem), (status = 409, description = "`conflict`: the name is taken there, or a folder would move into itself", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn update(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
    body: web::Json<UpdateBody>,
) -> Result<web::Json<FileItem>, AppError> {
    let body = body.into_inner();
    let (owner, id) = (me.user.id.clone(), FileId(id.into_inner()));
    confine::id(&state, &me, &id, Use::Change).await?;
    let parent = match body.folder.map(|f| f.filter(|f| !f.is_empty()).map(FileId)) {
        // For a confined caller "the top level" is its own folder.
        Some(asked) => Some(confine::folder(&state, &me, asked).await?),
        None => None,
    };
    let row = db::run(&state.db, move |conn| {
        domain::rename_move(
            conn,
            &owner,
            &id,
            body.name.as_deref(),
            parent.as_ref().map(Option::as_ref),
            Utc::now().naive_utc(),
        )
    })
    .await?;
    Ok(web::Json(FileItem::from(&row)))
}

/// `DELETE /api/v1/files/{id}`: a file, or a folder and everything in it, to the trash (204).
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path, description = "A file or folder id")), responses((status = 204, description = "Moved to the trash")))]
async fn delete(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (me.user.id.clone(), FileId(id.into_inner()));
    confine::id(&state, &me, &id, Use::Change).await?;
    db::run(&state.db, move |conn| domain::trash::trash(conn, &owner, &id, Utc::now().naive_utc()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct FolderBody {
    #[schema(required = true)]
    name: Option<String>,
    folder: Option<String>,
}

/// `POST /api/v1/folders` `{name, folder?}` (201)
#[utoipa::path(post, path = "/api/v1/folders", tag = "files", request_body = FolderBody, responses((status = 201, description = "The new folder", body = FileItem), (status = 409, description = "`conflict`: the name is taken", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn create_folder(
    state: web::Data<AppState>,
    me: FilesWriter,
    body: web::Json<FolderBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let owner = me.user.id.clone();
    let parent =
        confine::folder(&state, &me, body.folder.filter(|f| !f.is_empty()).map(FileId)).await?;
    let row = db::run(&state.db, move |conn| {
        domain::create_folder(
            conn,
            &owner,
            parent.as_ref(),
            body.name.as_deref().unwrap_or(""),
            Utc::now().naive_utc(),
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(FileItem::from(&row)))
}

/// The bytes of a file row (Range, conditional requests; see `http::download`).
pub async fn serve(
    req: &HttpRequest,
    state: &AppState,
    row: &FileRow,
) -> Result<HttpResponse, AppError> {
    let Some(sha) = row.blob_sha256.as_deref() else {
        return Err(AppError::BadRequest("a folder has no content to download".into()));
    };
    let s3 = &state.config.s3;
    if s3.presigned_min_bytes.is_some_and(|min| u64::try_from(row.size).unwrap_or(0) >= min) {
        let storage = state.storage.clone();
        if let Some(redirect) =
            download::redirect_to_store(storage, sha, &row.name, s3.presigned_ttl).await?
        {
            return Ok(redirect);
        }
    }
    let download = Download {
        key: sha,
        name: &row.name,
        mime: row.mime.as_deref(),
        etag: etag::keyed(state.keys.etag_key(), &[row.id.as_str(), sha]),
        modified_at: row.modified_at,
        cache: HeaderValue::from_static("private, no-cache"),
        patches: Default::default(),
    };
    download::send(req, state.storage.clone(), download).await
}

/// `GET /api/v1/files/{id}/content`
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files", params(("id" = String, Path, description = "A file id")), responses((status = 200, description = "The bytes (`Range`, `If-None-Match` and `If-Modified-Since` are honoured)", content_type = "*/*"), (status = 206, description = "The range asked for", content_type = "*/*"), (status = 302, description = "Redirect to the blob store (large files on S3)"), (status = 304, description = "Not modified"), (status = 416, description = "Range not satisfiable")))]
async fn content(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesReader,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let row = find(&state, &me, id.into_inner()).await?;
    serve(&req, &state, &row).await
}

/// The API view of `rows`, images with a ready `sm` preview URL (stable for a while, so
/// clients can cache the image by URL).
pub(crate) fn with_previews(
    state: &AppState,
    me: &CurrentUser,
    rows: &[FileRow],
) -> Result<Vec<FileItem>, AppError> {
    let now = Utc::now().naive_utc();
    rows.iter()
        .map(|row| {
            let mut item = FileItem::from(row);
            if row.mime.as_deref().is_some_and(is_previewable) {
                let minted = preview::mint(
                    &state.keys,
                    state.config.preview_ttl_seconds,
                    &me.session,
                    &row.id,
                    Size::Sm,
                    Mint::Stable,
                    now,
                )?;
                item.preview_url = Some(minted.url);
            }
            Ok(item)
        })
        .collect()
}

/// `items` (made from `rows`, in the same order) with the photo fields of their blobs.
pub(crate) async fn with_photos(
    state: &AppState,
    rows: &[FileRow],
    items: Vec<FileItem>,
) -> Result<Vec<FileItem>, AppError> {
    let keys: Vec<String> = rows.iter().filter_map(|r| r.blob_sha256.clone()).collect();
    if keys.is_empty() {
        return Ok(items);
    }
    let found = db::run(&state.db, move |conn| {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        domain::photo::store::of_blobs(conn, &keys)
    })
    .await?;
    let by_blob: std::collections::HashMap<_, _> =
        found.iter().map(|m| (m.sha256.as_str(), m)).collect();
    Ok(items
        .into_iter()
        .zip(rows)
        .map(|(item, row)| match row.blob_sha256.as_deref().and_then(|k| by_blob.get(k)) {
            Some(meta) => item.with_photo(meta),
            None => item,
        })
        .collect())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PreviewUrlRequest {
    size: Option<String>,
    ttl_seconds: Option<u64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct PreviewUrlView {
    url: String,
    token: String,
    expires_at: String,
}

/// `POST /api/v1/files/{id}/preview-url` `{size?, ttl_seconds?}` → `{url, token, expires_at}`.
/// An empty body is fine: `sm`, the configured lifetime.
#[utoipa::path(post, path = "/api/v1/files/{id}/preview-url", tag = "files", params(("id" = String, Path, description = "An image file id")), request_body(content = Option<PreviewUrlRequest>, description = "May be empty: `sm`, the configured lifetime"), responses((status = 200, description = "A URL that opens this image's preview", body = PreviewUrlView)))]
async fn preview_url(
    state: web::Data<AppState>,
    me: FilesReader,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<web::Json<PreviewUrlView>, AppError> {
    let body: PreviewUrlRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PreviewUrlRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            AppError::BadRequest(format!("the body is not valid JSON for this request: {e}"))
        })?
    };
    let size = Size::parse(body.size.as_deref())?;
    let row = find(&state, &me, id.into_inner()).await?;
    if !row.mime.as_deref().is_some_and(is_previewable) {
        return Err(AppError::UnsupportedMedia(
            "only images (JPEG, PNG, GIF, WebP) have previews".into(),
        ));
    }
    let minted = preview::mint(
        &state.keys,
        state.config.preview_ttl_seconds,
        &me.session,
        &row.id,
        size,
        Mint::Exact(body.ttl_seconds),
        Utc::now().naive_utc(),
    )?;
    Ok(web::Json(PreviewUrlView {
        url: minted.url,
        token: minted.token,
        expires_at: rfc3339(minted.expires_at),
    }))
}
