//! `/api/v1/uploads`: resumable uploads over tus 1.0 (core, creation, creation-with-upload,
//! termination, checksum, expiration). Authenticated like the rest of the API with
//! `files:write` (a Bearer token, an app password, or the page's cookie with its CSRF
//! header); an upload belongs to its user and auth session. Thin over `uploads::`: this file
//! only reads and writes the protocol's headers.

use crate::api::endpoint::Endpoint;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{NaiveDateTime, Utc};
use futures_util::StreamExt;

use crate::db::ids::FileId;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::FilesWriter;
use crate::http::range::format_http_date;
use crate::state::AppState;
use crate::uploads::{self, Caller, Checksum, Chunk, Context, NewUpload, Progress};

const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,creation-with-upload,termination,checksum,expiration";
/// The header naming the file a finished upload became.
const FILE_ID: &str = "homedisk-file-id";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/uploads")
            .wrap(
                DefaultHeaders::new()
                    .add(("Tus-Resumable", TUS_VERSION))
                    .add((header::CACHE_CONTROL, "no-store"))
                    .add((
                        "Access-Control-Expose-Headers",
                        "Location, Upload-Offset, Upload-Length, Upload-Expires, Tus-Resumable, \
                         Homedisk-File-Id",
                    )),
            )
            .service(Endpoint::at("").on(Method::OPTIONS, options).post(create))
            .service(Endpoint::at("/{id}").on(Method::HEAD, status).patch(patch).delete(terminate)),
    );
}

fn context(state: &AppState) -> Context {
    Context {
        db: state.db.clone(),
        storage: state.storage.clone(),
        dir: state.config.data_dir.join("uploads"),
        max_file_bytes: state.config.max_upload_bytes,
    }
}

fn caller(me: &FilesWriter) -> Caller {
    Caller {
        owner: me.user.id.clone(),
        session: me.session.id.to_string(),
        confined_to: me.folder.clone(),
    }
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// Every request but OPTIONS names the protocol version (412 otherwise, with the one spoken).
fn check_version(req: &HttpRequest) -> Result<(), AppError> {
    match text(req.headers(), "tus-resumable") {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(AppError::TusVersion),
    }
}

fn number(req: &HttpRequest, name: &'static str) -> Result<Option<i64>, AppError> {
    text(req.headers(), name)
        .map(|v| {
            v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                AppError::Validation(FieldErrors::single(name, "must be a whole number"))
            })
        })
        .transpose()
}

/// `OPTIONS /api/v1/uploads`: what this server speaks (no credentials needed).
#[utoipa::path(options, path = "/api/v1/uploads", tag = "uploads", security(()), responses((status = 204, description = "`Tus-Version`, `Tus-Extension`, `Tus-Max-Size`, `Tus-Checksum-Algorithm`")))]
async fn options(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.config.max_upload_bytes.to_string()))
        .insert_header(("Tus-Checksum-Algorithm", "sha1,sha256"))
        .finish()
}

/// `POST /api/v1/uploads` (`Upload-Length`, `Upload-Metadata`: `filename`, optional `folder`;
/// a body of `application/offset+octet-stream` is the first chunk).
#[utoipa::path(post, path = "/api/v1/uploads", tag = "uploads", params(("Tus-Resumable" = String, Header, description = "The protocol version: `1.0.0`", example = "1.0.0"), ("Upload-Length" = u64, Header, description = "The file's size in bytes"), ("Upload-Metadata" = String, Header, description = "`filename` (required) and `folder`, each `key base64value`, comma-separated"), ("Upload-Checksum" = Option<String>, Header, description = "`sha1|sha256 base64digest` of the first chunk")), request_body(content = Option<Vec<u8>>, content_type = "application/offset+octet-stream", description = "Optional: the first chunk (creation-with-upload)"), responses((status = 201, description = "Created: `Location`, `Upload-Expires` (and `Upload-Offset` with a first chunk)")))]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesWriter,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    check_version(&req)?;
    if req.headers().contains_key("upload-defer-length") {
        return Err(AppError::BadRequest(
            "send `Upload-Length`: deferred lengths are not supported".into(),
        ));
    }
    let length = number(&req, "upload-length")?
        .ok_or_else(|| AppError::Validation(FieldErrors::single("upload-length", "is required")))?;
    let meta = uploads::parse_metadata(text(req.headers(), "upload-metadata").unwrap_or(""))?;
    let get = |k: &str| meta.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let name = get("filename").or_else(|| get("name")).ok_or_else(|| {
        AppError::Validation(FieldErrors::single("Upload-Metadata", "needs `filename`"))
    })?;
    let new = NewUpload {
        name: crate::files::upload_name(&name),
        folder: get("folder").filter(|f| !f.is_empty()).map(FileId),
        length: length as u64,
    };
    let (ctx, who, now) = (context(&state), caller(&me), Utc::now().naive_utc());
    let row = uploads::create(&ctx, &who, new, now).await?;
    let location = format!("/api/v1/uploads/{}", row.id);
    let with_body = text(req.headers(), "content-type") == Some("application/offset+octet-stream");
    // An empty file is complete at once; creation-with-upload sends the first chunk.
    let progress = if length == 0 || with_body {
        Some(uploads::append(&ctx, &who, &row.id, 0, chunk(&req, body)?, now).await?)
    } else {
        None
    };
    let mut resp = HttpResponse::Created();
    resp.insert_header((header::LOCATION, location));
    resp.insert_header(("Upload-Expires", format_http_date(row.expires_at)));
    if let Some(p) = &progress {
        answer_progress(&mut resp, p);
    }
    Ok(resp.finish())
}

/// The body of a PATCH (or a creation with upload) and its `Upload-Checksum`.
fn chunk(req: &HttpRequest, body: web::Payload) -> Result<Chunk<'static>, AppError> {
    let checksum = text(req.headers(), "upload-checksum").map(parse_checksum).transpose()?;
    Ok(Chunk { body: body.map(|r| r.map_err(|e| e.to_string())).boxed_local(), checksum })
}

fn parse_checksum(v: &str) -> Result<Checksum, AppError> {
    let bad = |m: &str| AppError::Validation(FieldErrors::single("upload-checksum", m.to_owned()));
    let (algo, digest) = v.split_once(' ').ok_or_else(|| bad("is `algorithm base64digest`"))?;
    let digest = STANDARD.decode(digest.trim()).map_err(|_| bad("the digest is not base64"))?;
    match algo {
        "sha1" => Ok(Checksum::Sha1(digest)),
        "sha256" => Ok(Checksum::Sha256(digest)),
        // The checksum extension's status for an algorithm it does not know.
        _ => Err(bad("the algorithm must be sha1 or sha256")),
    }
}

fn answer_progress(resp: &mut actix_web::HttpResponseBuilder, p: &Progress) {
    resp.insert_header(("Upload-Offset", p.offset.to_string()));
    resp.insert_header(("Upload-Expires", format_http_date(p.expires_at)));
    if let Some(file) = &p.file
        && let Ok(v) = HeaderValue::from_str(file.id.as_str())
    {
        resp.insert_header((FILE_ID, v));
    }
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// `HEAD /api/v1/uploads/{id}`: where the upload is.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path, description = "An upload id"), ("Tus-Resumable" = String, Header, description = "The protocol version: `1.0.0`", example = "1.0.0")), responses((status = 200, description = "`Upload-Offset`, `Upload-Length`, `Upload-Expires`")))]
async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    check_version(&req)?;
    let row = uploads::find(&context(&state), &caller(&me), &id, now()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Upload-Offset", row.received.to_string()))
        .insert_header(("Upload-Length", row.length.to_string()))
        .insert_header(("Upload-Expires", format_http_date(row.expires_at)))
        .finish())
}

/// `PATCH /api/v1/uploads/{id}` (`Upload-Offset`, `application/offset+octet-stream`,
/// optional `Upload-Checksum`) → 204 with the new `Upload-Offset` (and `Homedisk-File-Id`
/// when it was the last chunk).
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path, description = "An upload id"), ("Tus-Resumable" = String, Header, description = "The protocol version: `1.0.0`", example = "1.0.0"), ("Upload-Offset" = u64, Header, description = "Where this chunk starts"), ("Upload-Checksum" = Option<String>, Header, description = "`sha1|sha256 base64digest` of this chunk")), request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"), responses((status = 204, description = "Stored: the new `Upload-Offset` (and `Homedisk-File-Id` after the last chunk)")))]
async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    check_version(&req)?;
    if text(req.headers(), "content-type") != Some("application/offset+octet-stream") {
        return Err(AppError::UnsupportedMedia(
            "a PATCH body must be `application/offset+octet-stream`".into(),
        ));
    }
    let offset = number(&req, "upload-offset")?
        .ok_or_else(|| AppError::Validation(FieldErrors::single("upload-offset", "is required")))?;
    let chunk = chunk(&req, body)?;
    let progress =
        uploads::append(&context(&state), &caller(&me), &id, offset, chunk, now()).await?;
    let mut resp = HttpResponse::NoContent();
    answer_progress(&mut resp, &progress);
    Ok(resp.finish())
}

/// `DELETE /api/v1/uploads/{id}`: cancels it (204); its bytes go.
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path, description = "An upload id"), ("Tus-Resumable" = String, Header, description = "The protocol version: `1.0.0`", example = "1.0.0")), responses((status = 204, description = "Cancelled")))]
async fn terminate(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    check_version(&req)?;
    uploads::terminate(&context(&state), &caller(&me), &id, now()).await?;
    Ok(HttpResponse::NoContent().finish())
}
