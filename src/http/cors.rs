//! CORS for the API and previews (`HOMEDISK_CORS_ORIGINS`), through actix-cors: only the
//! configured origins, never a wildcard, never credentials (a page on another origin calls the
//! API with a token in `Authorization`; cookies are never sent cross-origin, so the cookie
//! session and its CSRF protection stay same-origin). A request from another origin still
//! reaches the app but gets no CORS headers (so the browser keeps the answer from the page);
//! a preflight from one is refused. Off entirely when no origin is configured.

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::Condition;

/// Request headers an app on another origin may send.
const ALLOWED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "accept",
    "accept-language",
    "if-none-match",
    "if-match",
    "range",
    "x-share-unlock",
    "z-token",
    "token",
    "tus-resumable",
    "upload-length",
    "upload-offset",
    "upload-metadata",
    "upload-checksum",
    "upload-defer-length",
    "x-http-method-override",
    "x-requested-with",
];

/// Answer headers its scripts may read (the tus client needs `Location` and `Upload-Offset`).
const EXPOSED_HEADERS: &[&str] = &[
    "location",
    "etag",
    "content-disposition",
    "content-range",
    "retry-after",
    "www-authenticate",
    "allow",
    "upload-offset",
    "upload-length",
    "upload-expires",
    "tus-resumable",
    "tus-version",
    "tus-extension",
    "tus-max-size",
    "tus-checksum-algorithm",
    "homedisk-file-id",
];

/// The middleware for `origins` (does nothing when there are none).
pub fn layer(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers(ALLOWED_HEADERS.iter().map(|h| header::HeaderName::from_static(h)))
        .expose_headers(EXPOSED_HEADERS.iter().map(|h| header::HeaderName::from_static(h)))
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    Condition::new(!origins.is_empty(), cors)
}
