//! Sending a thumbnail (or the generic icon of a file that is not an image): a keyed ETag,
//! 304 when the client has it, nosniff and the sandbox CSP. Shared by `/preview` and the
//! share links' thumbnail route.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;
use crate::http::range::none_match;
use crate::preview::{Size, Thumbnailer, is_previewable};
use crate::storage::Storage;

/// The generic picture of a file that is not an image.
const FILE_ICON: &[u8] = include_bytes!("../../static/file-icon.png");

/// The thumbnail of the blob `sha` (of type `mime`) at `size`, with `cache` as its
/// `Cache-Control`.
pub async fn send(
    req: &HttpRequest,
    thumbs: &Thumbnailer,
    storage: std::sync::Arc<dyn Storage>,
    (sha, mime, size): (&str, &str, Size),
    cache: HeaderValue,
) -> Result<HttpResponse, AppError> {
    let (bytes, content_type, etag) = if is_previewable(mime) {
        let thumb = thumbs.get(storage, sha, mime, size).await?;
        (thumb.bytes, thumb.content_type, thumb.etag)
    } else {
        (
            web::Bytes::from_static(FILE_ICON),
            "image/png",
            HeaderValue::from_static("\"file-icon-1\""),
        )
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| etag.to_str().is_ok_and(|etag| none_match(tags, etag)));
    let mut resp = if fresh {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok().content_type(content_type).body(bytes)
    };
    let headers = resp.headers_mut();
    headers.insert(header::CACHE_CONTROL, cache);
    headers.insert(header::ETAG, etag);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(resp)
}
