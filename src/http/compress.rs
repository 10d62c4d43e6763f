//! Response compression (brotli or gzip, as the client accepts) for what homedisk writes
//! itself: pages, JSON, problems, scripts, styles, WebDAV's XML. Never for a file's bytes (a
//! download, a preview, a ZIP: they carry `Content-Disposition` or a media type not listed here,
//! and most are compressed already), never for a `206` (actix leaves ranges alone), so `Range`
//! and `ETag` keep meaning the stored bytes.

use actix_http::encoding::Encoder;
use actix_web::body::MessageBody;
use actix_web::dev::{ResponseHead, ServiceResponse};
use actix_web::http::header::{self, ContentEncoding, HeaderValue};

/// Media types worth compressing (the part before any `;`).
const COMPRESSIBLE: &[&str] = &[
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/xml",
    "text/xml",
    "image/svg+xml",
];

/// Compresses `res` as `accept` (the request's `Accept-Encoding`) allows, if its type is
/// worth it. Part of the middleware around every route (`http::around`), which reads the
/// header before the request goes in.
pub fn encode<B: MessageBody>(
    res: ServiceResponse<B>,
    accept: Option<HeaderValue>,
) -> ServiceResponse<Encoder<B>> {
    res.map_body(move |head, body| {
        let encoding = if compressible(head) {
            head.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
            accept.as_ref().and_then(|v| v.to_str().ok()).map_or(ContentEncoding::Identity, choose)
        } else {
            ContentEncoding::Identity
        };
        Encoder::response(encoding, head, body)
    })
}

/// Brotli if the client takes it, else gzip, else none (`q=0` refuses a coding; `*` takes any).
fn choose(accept: &str) -> ContentEncoding {
    // (coding, accepted) for every item: `q=0` refuses.
    let items = accept.split(',').map(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
        });
        (coding, !refused)
    });
    let items: Vec<(&str, bool)> = items.collect();
    // A coding named outright decides; otherwise `*` does.
    let takes = |name: &str| {
        let named = items.iter().find(|(c, _)| c.eq_ignore_ascii_case(name));
        let any = items.iter().find(|(c, _)| *c == "*");
        named.or(any).is_some_and(|(_, ok)| *ok)
    };
    if takes("br") {
        ContentEncoding::Brotli
    } else if takes("gzip") {
        ContentEncoding::Gzip
    } else {
        ContentEncoding::Identity
    }
}

fn compressible(head: &ResponseHead) -> bool {
    let headers = head.headers();
    if headers.contains_key(header::CONTENT_DISPOSITION)
        || headers.contains_key(header::CONTENT_ENCODING)
    {
        return false;
    }
    let Some(kind) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let kind = kind.split(';').next().unwrap_or_default().trim();
    COMPRESSIBLE.iter().any(|k| k.eq_ignore_ascii_case(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_chooses_and_q_0_refuses() {
        assert_eq!(choose("gzip, deflate, br, zstd"), ContentEncoding::Brotli);
        assert_eq!(choose("gzip"), ContentEncoding::Gzip);
        assert_eq!(choose("br;q=0, gzip;q=0.5"), ContentEncoding::Gzip);
        assert_eq!(choose("identity"), ContentEncoding::Identity);
        assert_eq!(choose("*"), ContentEncoding::Brotli);
        assert_eq!(choose("*;q=0"), ContentEncoding::Identity);
        assert_eq!(choose("br;q=0, *"), ContentEncoding::Gzip);
        assert_eq!(choose(""), ContentEncoding::Identity);
    }
}
