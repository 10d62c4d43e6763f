//! Sending a ZIP archive planned by `files::zip`: its length is known before the first byte,
//! so the answer has a `Content-Length` and honours one byte range (206/416), `If-Range`
//! (a strong entity tag only: the archive has no trustworthy date) and `If-None-Match`.
//! The body is produced a chunk at a time on the blocking pool (`files::zip::reader`).

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;

use crate::blocking;
use crate::error::AppError;
use crate::files::zip::Archive;
use crate::files::zip::layout::Plan;
use crate::files::zip::reader::Cursor;
use crate::http::download::disposition;
use crate::http::range::{self, Plan as Range};
use crate::storage::Storage;

/// Bytes produced per step of the body stream (many small entries share one step).
const CHUNK: usize = 256 * 1024;

/// An archive to send.
pub struct ZipDownload {
    pub archive: Archive,
    /// A strong ETag (quoted), derived from the archive's digest.
    pub etag: String,
    /// `Cache-Control`.
    pub cache: HeaderValue,
}

fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The answer: 200, 206, 304 or 416 (HEAD: the same headers, no body).
pub fn send(req: &HttpRequest, storage: Arc<dyn Storage>, z: ZipDownload) -> HttpResponse {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    let mut resp = if safe
        && header_str(req, header::IF_NONE_MATCH).is_some_and(|t| range::none_match(t, &z.etag))
    {
        HttpResponse::NotModified().finish()
    } else {
        ranged(req, storage, &z)
    };
    let headers = resp.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&z.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The link of a selection carries its credential in the URL: never sent on as a referrer.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, z.cache);
    resp
}

/// The whole archive or the one range asked for.
fn ranged(req: &HttpRequest, storage: Arc<dyn Storage>, z: &ZipDownload) -> HttpResponse {
    let plan = &z.archive.plan;
    let len = plan.len();
    // A date cannot validate an archive (a deletion inside changes no date): tags only.
    let wanted = match header_str(req, header::IF_RANGE) {
        Some(v) if v.trim() != z.etag => Range::Full,
        _ => range::plan(header_str(req, header::RANGE), len),
    };
    let (status, start, end) = match wanted {
        Range::Unsatisfiable => {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                .finish();
        }
        Range::Full => (StatusCode::OK, 0, len),
        Range::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end + 1),
    };
    let mut resp = HttpResponse::build(status);
    resp.content_type("application/zip")
        .insert_header((header::CONTENT_DISPOSITION, disposition(&z.archive.name, false)));
    if status == StatusCode::PARTIAL_CONTENT {
        resp.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{}/{len}", end - 1)));
    }
    resp.no_chunking(end - start).streaming(body(z.archive.plan.clone(), storage, start, end))
}

/// Bytes `start..end` of the archive, a chunk at a time on the blocking pool (the open blob
/// travels with the cursor from one chunk to the next).
fn body(
    plan: Arc<Plan>,
    storage: Arc<dyn Storage>,
    start: u64,
    end: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, AppError>> {
    stream::try_unfold(Cursor::new(start, end), move |mut cursor| {
        let (plan, storage) = (plan.clone(), storage.clone());
        async move {
            if cursor.done() {
                return Ok(None);
            }
            let (cursor, chunk) = blocking::run(move || {
                let chunk = cursor.next_chunk(&plan, storage.as_ref(), CHUNK);
                (cursor, chunk)
            })
            .await?;
            let chunk = chunk.map_err(|e| {
                // The status is sent already: the client sees a short body, the log why.
                tracing::warn!(error = %e, "a ZIP download stopped");
                crate::storage::to_app_error(e)
            })?;
            Ok(Some((Bytes::from(chunk), cursor)))
        }
    })
}
