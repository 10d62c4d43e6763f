//! Sending a stored file: conditional requests (304), one byte range (206/416), and the headers
//! that keep uploaded content from running in the browser.
//!
//! Validators come from the user's own file row, never from the shared blob: two users who
//! uploaded the same bytes share one blob, and an `ETag` or `Last-Modified` read from it would
//! tell the second user that someone else already stored that exact file, and since when. So the
//! ETag is a keyed hash of the row id and the content hash, and `Last-Modified` is the row's
//! `modified_at`.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    HeaderValue,
};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use futures_util::stream;

use crate::blocking;
use crate::error::AppError;
use crate::files::location::{self, Patch};
use crate::http::range::{self, Plan};
use crate::storage::{BlobReader, Storage};

/// Bytes read from storage per step of the body stream.
const CHUNK: usize = 128 * 1024;

/// One file to send.
pub struct Download<'a> {
    /// The blob holding the bytes.
    pub key: &'a str,
    /// The name offered to save it as.
    pub name: &'a str,
    pub mime: Option<&'a str>,
    /// A strong ETag (quoted) derived from the file row (see the module docs).
    pub etag: String,
    pub modified_at: NaiveDateTime,
    /// `Cache-Control`.
    pub cache: HeaderValue,
    /// Bytes overwritten on the way out (`files::location`: a share link hiding where a photo
    /// was taken); empty for the bytes as stored. The length never changes.
    pub patches: Arc<Vec<Patch>>,
}

/// Types a browser may show inline: raster images, which cannot run script.
pub fn is_inline_safe(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png" | "image/gif" | "image/webp")
}

/// `Content-Disposition` with an ASCII fallback name and the exact UTF-8 name (RFC 6266).
pub(crate) fn disposition(name: &str, inline: bool) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| if c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\') { c } else { '_' })
        .collect();
    ContentDisposition {
        disposition: if inline { DispositionType::Inline } else { DispositionType::Attachment },
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// A redirect to a URL of the store that serves the blob `key` itself for `ttl`, as an
/// attachment named `name` (`HOMEDISK_S3_PRESIGNED_DOWNLOAD_MIN_BYTES`); `None` when the store
/// does not sign URLs. Such a URL cannot be revoked before it expires: it is off by default and
/// short-lived, and never used for previews (which stay behind homedisk's token checks).
pub async fn redirect_to_store(
    storage: Arc<dyn Storage>,
    key: &str,
    name: &str,
    ttl: std::time::Duration,
) -> Result<Option<HttpResponse>, AppError> {
    let (key, value) = (key.to_owned(), disposition(name, false).to_string());
    let url = blocking::run(move || storage.presigned_get(&key, ttl, &value))
        .await?
        .map_err(crate::storage::to_app_error)?;
    Ok(url.map(|url| {
        HttpResponse::Found()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    }))
}

fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Whether the client's cached copy is current (RFC 9110 §13.2.2: `If-None-Match` wins over
/// `If-Modified-Since`).
fn is_fresh(req: &HttpRequest, d: &Download<'_>) -> bool {
    if let Some(tags) = header_str(req, header::IF_NONE_MATCH) {
        return range::none_match(tags, &d.etag);
    }
    header_str(req, header::IF_MODIFIED_SINCE)
        .is_some_and(|since| range::not_modified_since(since, d.modified_at))
}

/// The answer for `d`: 200, 206, 304 or 416, HEAD without a body.
pub async fn send(
    req: &HttpRequest,
    storage: Arc<dyn Storage>,
    d: Download<'_>,
) -> Result<HttpResponse, AppError> {
    // A client whose copy is current gets its 304 without the blob being opened.
    let fresh = matches!(*req.method(), Method::GET | Method::HEAD) && is_fresh(req, &d);
    let mut resp = if fresh {
        HttpResponse::NotModified().finish()
    } else {
        let key = d.key.to_owned();
        let blob =
            blocking::run(move || storage.open(&key)).await?.map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => AppError::internal(format!("blob missing: {e}")),
                _ => crate::storage::to_app_error(e),
            })?;
        let len = blob.len;
        let plan = match header_str(req, header::IF_RANGE) {
            Some(v) if !range::if_range_matches(v, &d.etag, d.modified_at) => Plan::Full,
            _ => range::plan(header_str(req, header::RANGE), len),
        };
        match plan {
            Plan::Unsatisfiable => {
                return Ok(HttpResponse::RangeNotSatisfiable()
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                    .insert_header((header::ACCEPT_RANGES, "bytes"))
                    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .finish());
            }
            Plan::Full => bytes(StatusCode::OK, &d, blob, 0, len),
            Plan::Part { start, end } => {
                let mut resp = bytes(StatusCode::PARTIAL_CONTENT, &d, blob, start, end - start + 1);
                let range = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
                    .map_err(AppError::internal)?;
                resp.headers_mut().insert(header::CONTENT_RANGE, range);
                resp
            }
        }
    };
    let headers = resp.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_str(&d.etag).map_err(AppError::internal)?);
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_str(&range::format_http_date(d.modified_at))
            .map_err(AppError::internal)?,
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(header::CACHE_CONTROL, d.cache);
    Ok(resp)
}

/// `count` bytes of `blob` from `start` as `status`, typed so that only raster images are ever
/// shown inline (everything else is an `application/octet-stream` attachment). A HEAD answer
/// has the same headers and length and no body (actix-web does not send it).
fn bytes(
    status: StatusCode,
    d: &Download<'_>,
    blob: BlobReader,
    start: u64,
    count: u64,
) -> HttpResponse {
    let mime = d.mime.unwrap_or("application/octet-stream");
    let inline = is_inline_safe(mime);
    let content_type = if inline { mime } else { "application/octet-stream" };
    HttpResponse::build(status)
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition(d.name, inline)))
        .no_chunking(count)
        .streaming(body(blob, start, count, d.patches.clone()))
}

/// `count` bytes of `blob` from `start` (with `patches` applied), read on the blocking pool a
/// chunk at a time.
fn body(
    blob: BlobReader,
    start: u64,
    count: u64,
    patches: Arc<Vec<Patch>>,
) -> impl futures_util::Stream<Item = Result<Bytes, AppError>> {
    let state = (blob, start, count, true, patches);
    stream::try_unfold(state, |(mut blob, at, left, first, patches)| async move {
        if left == 0 {
            return Ok(None);
        }
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(CHUNK);
        let (blob, chunk) = blocking::run(move || -> std::io::Result<_> {
            if first {
                blob.seek(SeekFrom::Start(at))?;
            }
            let mut chunk = vec![0; want];
            blob.read_exact(&mut chunk)?;
            Ok((blob, chunk))
        })
        .await?
        .map_err(crate::storage::to_app_error)?;
        let mut chunk = chunk;
        location::apply(&patches, at, &mut chunk);
        let n = chunk.len() as u64;
        Ok(Some((Bytes::from(chunk), (blob, at + n, left - n, false, patches))))
    })
}

/// How the file page's inline route may send a file besides the attachment rules of [`send`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inline {
    /// `application/pdf`, for the browser's PDF viewer in a frame of our own pages.
    Pdf,
    /// An audio or video type, for `<audio>` / `<video>`.
    Media,
}

/// The CSP of a PDF sent inline: the downloads' policy (`sandbox; default-src 'none'`) with one
/// change, `frame-ancestors 'self'` (and `X-Frame-Options: SAMEORIGIN` instead of the `DENY`
/// every other answer carries), so that our own file page may frame it. Checked in Chromium 148 and
/// 156 (`tests/api/browser/viewers.rs`, and its screenshot): the PDF viewer renders under the
/// full sandbox, no `allow-scripts` needed. It stays safe: the bytes are `application/pdf` (sniffed at upload,
/// sent with `nosniff`), which a browser hands to its PDF viewer and never parses as HTML; the
/// sandbox would still give any document made from them an opaque origin without script; and
/// no other site may frame it.
const PDF_CSP: &str = "sandbox; default-src 'none'; frame-ancestors 'self'";

/// [`send`], except that a PDF, audio or video file (`inline`) goes with its own content
/// type and `Content-Disposition: inline`, for the file page's viewers. The type is the one
/// homedisk sniffed from the bytes, from a short list of types that cannot run script in our
/// origin; everything else is sent exactly as a download.
pub async fn send_inline(
    req: &HttpRequest,
    storage: Arc<dyn Storage>,
    d: Download<'_>,
    inline: Option<Inline>,
) -> Result<HttpResponse, AppError> {
    let (name, mime) = (d.name.to_owned(), d.mime.unwrap_or_default().to_owned());
    let mut resp = send(req, storage, d).await?;
    let Some(inline) = inline else { return Ok(resp) };
    let headers = resp.headers_mut();
    if headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&mime).map_err(AppError::internal)?,
        );
        let value = HeaderValue::from_str(&disposition(&name, true).to_string())
            .map_err(AppError::internal)?;
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if inline == Inline::Pdf {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PDF_CSP));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    }
    Ok(resp)
}
