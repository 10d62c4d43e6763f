//! The one middleware around every route. What it does, from the inside out: re-issue a
//! renewed session cookie (`cookies::reissue`), compress what is worth it (`compress::encode`),
//! render a page's error in the reader's language (`web::localize_errors`), add the security
//! headers, and log the request (`access_log`).
//!
//! One layer, not five: each `middleware::from_fn` boxes the call to the service inside it,
//! and the image grid's previews go through all of them (the profile in docs/benchmarks.md).

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

use crate::http::access_log::Started;
use crate::http::{compress, cookies};

/// Headers on every response, unless the handler set its own. Pages load nothing from other
/// origins, cannot be framed, and never send a Referer (URLs may carry tokens).
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
    ),
    (header::CACHE_CONTROL, "no-store"),
];

/// The middleware (`middleware::from_fn(http::around::every_request)`).
pub async fn every_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Started::of(&req);
    // Read only when the answer is worth compressing (not on the preview's hot path).
    let accept = req.headers().get(header::ACCEPT_ENCODING).cloned();
    let res = match next.call(req).await {
        Ok(res) => answer(res, accept).await,
        Err(e) => Err(e),
    };
    started.finish(&res);
    res
}

/// Everything but the log, in the order the separate layers used to run.
async fn answer(
    res: ServiceResponse<impl MessageBody + 'static>,
    accept: Option<HeaderValue>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let res = cookies::reissue(res)?;
    let res = compress::encode(res, accept);
    let mut res = crate::web::localize_errors(res).await;
    let headers = res.headers_mut();
    for (name, value) in &SECURITY_HEADERS {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), HeaderValue::from_static(value));
        }
    }
    Ok(res)
}
