//! The bytes of a share: `GET /s/{token}/file/{id}` (the original, Range, counted once per
//! download), `GET /s/{token}/thumb/{id}?size=sm|md|lg`, `GET /s/{token}/zip` (the shared
//! folder, counted like a download). Nothing is read from storage before the gate said yes.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::gate;
use crate::db::ids::FileId;
use std::sync::Arc;

use crate::blocking;
use crate::error::AppError;
use crate::etag;
use crate::files::location::{self, Patch, Plan};
use crate::files::zip::{self, Context, Source};
use crate::http::download::{self, Download};
use crate::http::zip::ZipDownload;
use crate::preview::Size;
use crate::shares::Operation;
use crate::state::AppState;

/// Downloads are checked with the server on every use (a revoked link stops at once).
const CACHE: &str = "private, no-cache";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/file/{file}", web::get().to(file))
        .route("/thumb/{file}", web::get().to(thumb))
        .route("/zip", web::get().to(folder_zip));
}

/// Whether this request starts a download, and so counts against the cap: a GET of the
/// whole file or of a range from byte 0. Later pieces (`bytes=N-` with N > 0, suffix
/// ranges) continue one already counted.
fn starts_download(req: &HttpRequest) -> bool {
    if req.method() != Method::GET {
        return false;
    }
    let Some(range) = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    match range.trim().strip_prefix("bytes=") {
        Some(spec) => spec.split(',').any(|part| part.trim().starts_with("0-")),
        // Not a byte range: the whole file is sent.
        None => true,
    }
}

/// `GET /s/{token}/file/{id}`
async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (token, id) = path.into_inner();
    let op = Operation::Download { counted: starts_download(&req) };
    let (grant, _) = gate(&req, &state, token, Some(FileId(id)), op).await?;
    let row = grant.file;
    let Some(sha) = row.blob_sha256.as_deref() else {
        return Err(AppError::BadRequest("a folder has no content to download".into()));
    };
    let patches = if grant.share.hide_location {
        without_location(&state, sha, row.mime.as_deref()).await?
    } else {
        Vec::new()
    };
    // The bytes sent differ from the stored ones when patched: so does their tag.
    let variant = if patches.is_empty() { "" } else { "no-location" };
    let download = Download {
        key: sha,
        name: &row.name,
        mime: row.mime.as_deref(),
        etag: etag::keyed(state.keys.etag_key(), &[row.id.as_str(), sha, variant]),
        modified_at: row.modified_at,
        cache: HeaderValue::from_static(CACHE),
        patches: Arc::new(patches),
    };
    download::send(&req, state.storage.clone(), download).await
}

/// The patches that take the location out of the blob `sha` (read as far as needed, on the
/// blocking pool); a file whose location cannot be taken out is refused.
async fn without_location(
    state: &AppState,
    sha: &str,
    mime: Option<&str>,
) -> Result<Vec<Patch>, AppError> {
    let (storage, key) = (state.storage.clone(), sha.to_owned());
    let mime = mime.unwrap_or("application/octet-stream").to_owned();
    let plan = blocking::run(move || {
        let mut blob = storage.open(&key)?;
        let len = blob.len;
        location::plan(&mime, &mut std::io::BufReader::with_capacity(64 * 1024, &mut blob), len)
    })
    .await?
    .map_err(crate::storage::to_app_error)?;
    match plan {
        Plan::Unchanged => Ok(Vec::new()),
        Plan::Patched(patches) => Ok(patches),
        Plan::Unknown => Err(AppError::ShareLocationKept),
    }
}

#[derive(Deserialize)]
struct ThumbQuery {
    size: Option<String>,
}

/// `GET /s/{token}/thumb/{id}?size=sm|md|lg`
async fn thumb(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ThumbQuery>,
) -> Result<HttpResponse, AppError> {
    // `orig` is the original: that is the file route, behind `allow_download`.
    let size = match Size::parse(query.size.as_deref())? {
        Size::Orig => return Err(AppError::BadRequest("size must be sm, md or lg".into())),
        size => size,
    };
    let (token, id) = path.into_inner();
    let (grant, _) = gate(&req, &state, token, Some(FileId(id)), Operation::Thumb).await?;
    let row = grant.file;
    let Some(sha) = row.blob_sha256.as_deref() else {
        return Err(AppError::UnsupportedMedia("a folder has no preview".into()));
    };
    let mime = row.mime.as_deref().unwrap_or("application/octet-stream");
    let cache = HeaderValue::from_static(CACHE);
    crate::http::thumb::send(&req, &state.thumbs, state.storage.clone(), (sha, mime, size), cache)
        .await
}

/// `GET /s/{token}/zip`: the shared folder's live contents.
async fn folder_zip(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::Zip { counted: starts_download(&req) };
    let (grant, now) = gate(&req, &state, token.into_inner(), None, op).await?;
    let ctx =
        Context { db: &state.db, storage: state.storage.clone(), limits: state.config.zip_limits };
    let source = Source::Folder(grant.target.id.clone());
    let options = (true, grant.share.hide_location);
    let archive =
        zip::prepare_with(&ctx, grant.share.owner_id.clone(), source, options, now).await?;
    let etag = etag::keyed(state.keys.etag_key(), &["zip", &archive.digest]);
    let download = ZipDownload { archive, etag, cache: HeaderValue::from_static(CACHE) };
    Ok(crate::http::zip::send(&req, state.storage.clone(), download))
}
