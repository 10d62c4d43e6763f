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
    // A clone of the URI shares its bytes; the redacted path and query borrow from it unless
    // something had to be cut out (this runs on every request).
    let uri = req.uri().clone();
    let peer = crate::http::auth::client_addr(req.request());
    // WebDAV is one default service, which names no pattern.
    let dav = req.path() == "/dav" || req.path().starts_with("/dav/");
    let res = next.call(req).await;
    // The route's pattern only labels metrics; finding it matches the path again.
    let metrics = crate::metrics::enabled();
    let (status, route, code) = match &res {
        Ok(r) => (
            r.status().as_u16(),
            metrics.then(|| r.request().match_pattern()).flatten(),
            r.response().extensions().get::<crate::error::ErrorCode>().map(|c| c.0),
        ),
        Err(e) => (e.as_response_error().status_code().as_u16(), None, None),
    };
    let route = route.or_else(|| dav.then(|| "/dav/{path}".to_owned()));
    crate::metrics::http_request(route.as_deref(), &method, status, code, started.elapsed());
    let peer = Peer(peer);
    let short = shorten_share_token(uri.path());
    let path = redact_credentials(&short);
    let query = uri.query().filter(|q| !q.is_empty()).map(redact_query);
    let query = query.as_deref().map(redact_credentials);
    let (mark, query) = match &query {
        Some(q) => ("?", q.as_ref()),
        None => ("", ""),
    };
    tracing::info!(
        target: crate::http::access_line::TARGET,
        %peer,
        status,
        ms = %format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        "{method} {path}{mark}{query}"
    );
    res
}

/// The client's address as the log prints it: `-` when unknown.
struct Peer(Option<std::net::IpAddr>);

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("-"),
        }
    }
}
