//! ZIP downloads: `GET /api/v1/files/{id}/zip` (a folder, for API clients and, through the
//! session cookie, a plain link in the web UI) and `POST /api/v1/archives` (a selection),
//! whose answer is a URL that works without a header: `GET /api/v1/archives/{id}?token=…`.
//! Thin: `files::zip` plans, `http::zip` sends.

use crate::api::endpoint::Endpoint;
use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::api::confine::{self, Use};
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::FileId;
use crate::error::{AppError, FieldErrors};
use crate::etag;
use crate::files::zip::{self, Archive, Context, Source, links};
use crate::http::auth::FilesReader;
use crate::http::zip::ZipDownload;
use crate::state::AppState;

/// Most ids one archive request may name (as a batch operation).
const MAX_IDS: usize = 1000;
/// Enough JSON for `MAX_IDS` ids (the API's default body limit holds about 400).
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let json =
        web::JsonConfig::default().limit(MAX_BODY_BYTES).error_handler(crate::api::json_error);
    cfg.service(Endpoint::at("/files/{id}/zip").get(folder))
        .service(Endpoint::at("/archives").data(json).post(create))
        .service(Endpoint::at("/archives/{id}").get(download));
}

fn context(state: &AppState) -> Context<'_> {
    Context { db: &state.db, storage: state.storage.clone(), limits: state.config.zip_limits }
}

/// The response for `archive`, validated by a tag derived from its digest.
fn send(
    req: &HttpRequest,
    state: &AppState,
    archive: Archive,
    cache: &'static str,
) -> HttpResponse {
    let etag = etag::keyed(state.keys.etag_key(), &["zip", &archive.digest]);
    let download = ZipDownload { archive, etag, cache: HeaderValue::from_static(cache) };
    crate::http::zip::send(req, state.storage.clone(), download)
}

/// `GET /api/v1/files/{id}/zip`
#[utoipa::path(get, path = "/api/v1/files/{id}/zip", tag = "files", params(("id" = String, Path, description = "A folder id")), responses((status = 200, description = "The folder as a ZIP (stored entries; `Range` works)", content_type = "application/zip"), (status = 206, description = "The range asked for", content_type = "application/zip"), (status = 304, description = "Not modified"), (status = 416, description = "Range not satisfiable")))]
async fn folder(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesReader,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = FileId(id.into_inner());
    confine::id(&state, &me, &id, Use::Read).await?;
    let source = Source::Folder(id);
    let now = Utc::now().naive_utc();
    let archive = zip::prepare(&context(&state), me.user.id.clone(), source, true, now).await?;
    Ok(send(&req, &state, archive, "private, no-cache"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    ids: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Created {
    id: String,
    url: String,
    /// The archive's length in bytes, as it would be sent now.
    size: u64,
    expires_at: String,
    name: String,
    entries: usize,
}

/// `POST /api/v1/archives` `{ids:[…]}`
#[utoipa::path(post, path = "/api/v1/archives", tag = "files", request_body = CreateRequest, responses((status = 201, description = "A link to the ZIP of these items", body = Created)))]
async fn create(
    state: web::Data<AppState>,
    me: FilesReader,
    body: web::Json<CreateRequest>,
) -> Result<HttpResponse, AppError> {
    let ids = selection(body.into_inner().ids)?;
    confine::ids(&state, &me, &ids, Use::Read).await?;
    let now = Utc::now().naive_utc();
    let (owner, source) = (me.user.id.clone(), Source::Selection(ids.clone()));
    // Planned now (without CRCs) so that a foreign id (404) or an archive over the limits
    // (413) is refused here, and the size is known.
    let archive = zip::prepare(&context(&state), owner.clone(), source, false, now).await?;
    let (sid, session_end, ttl) =
        (me.session.id.clone(), me.session.expires_at, state.config.zip_url_ttl_seconds);
    let minted = db::run(&state.db, move |conn| {
        links::mint(conn, &owner, (&sid, session_end), &ids, ttl, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(Created {
        id: minted.id,
        url: minted.url,
        size: archive.plan.len(),
        expires_at: rfc3339(minted.expires_at),
        name: archive.name,
        entries: archive.plan.entries.len(),
    }))
}

/// The ids of a selection: 1 to [`MAX_IDS`] of them.
fn selection(ids: Vec<String>) -> Result<Vec<FileId>, AppError> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(AppError::Validation(FieldErrors::single(
            "ids",
            format!("give 1 to {MAX_IDS} file or folder ids"),
        )));
    }
    Ok(ids.into_iter().map(FileId).collect())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LinkQuery {
    token: Option<String>,
}

/// `GET /api/v1/archives/{id}?token=…`: the link is the credential (see `files::zip::links`).
#[utoipa::path(get, path = "/api/v1/archives/{id}", tag = "files", security(()), params(("id" = String, Path, description = "An archive link id"), LinkQuery), responses((status = 200, description = "The ZIP", content_type = "application/zip"), (status = 206, description = "The range asked for", content_type = "application/zip"), (status = 304, description = "Not modified"), (status = 416, description = "Range not satisfiable")))]
async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, AppError> {
    let secret = query.into_inner().token.ok_or(AppError::TokenMissing)?;
    let now = Utc::now().naive_utc();
    let id = id.into_inner();
    let (owner, ids) = db::run(&state.db, move |conn| links::open(conn, &id, &secret, now)).await?;
    let archive = zip::prepare(&context(&state), owner, Source::Saved(ids), true, now).await?;
    Ok(send(&req, &state, archive, "private, no-store"))
}
