//! The access log: method, path, status, time and peer for every request, with secrets
//! removed by `telemetry::redact_query` and `telemetry::redact_credentials`. It never writes
//! headers (so no `Authorization` or cookies).

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::telemetry::{redact_credentials, redact_query, shorten_share_token};

/// Access-log middleware (`middleware::from_fn(telemetry::access_log)`).
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = redact_credentials(&shorten_share_token(req.path()));
    let query = req.query_string();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", redact_credentials(&redact_query(query)))
    };
    let peer = crate::http::auth::client_ip(req.request()).unwrap_or_else(|| "-".into());
    // WebDAV is one default service, which names no pattern.
    let dav = req.path() == "/dav" || req.path().starts_with("/dav/");
    let res = next.call(req).await;
    let (status, route, code) = match &res {
        Ok(r) => (
            r.status().as_u16(),
            r.request().match_pattern(),
            r.response().extensions().get::<crate::error::ErrorCode>().map(|c| c.0),
        ),
        Err(e) => (e.as_response_error().status_code().as_u16(), None, None),
    };
    let route = route.or_else(|| dav.then(|| "/dav/{path}".to_owned()));
    crate::metrics::http_request(route.as_deref(), &method, status, code, started.elapsed());
    tracing::info!(
        target: "homedisk::access",
        %peer,
        status,
        ms = %format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        "{method} {path}{query}"
    );
    res
}
