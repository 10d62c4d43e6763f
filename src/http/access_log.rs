//! The access log: method, path, status, time and peer for every request, with secrets
//! removed by `telemetry::redact_query` and `telemetry::redact_credentials`. It never writes
//! headers (so no `Authorization` or cookies).

use std::time::Instant;

use actix_web::Error;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, Uri};

use crate::telemetry::{redact_credentials, redact_query, shorten_share_token};

/// What the log line needs of a request, taken before it goes in.
pub struct Started {
    at: Instant,
    method: Method,
    /// A clone of the URI shares its bytes; the redacted path and query borrow from it unless
    /// something had to be cut out (this runs on every request).
    uri: Uri,
    peer: Option<std::net::IpAddr>,
    /// WebDAV is one default service, which names no pattern.
    dav: bool,
}

impl Started {
    pub fn of(req: &ServiceRequest) -> Self {
        Started {
            at: Instant::now(),
            method: req.method().clone(),
            uri: req.uri().clone(),
            peer: crate::http::auth::client_addr(req.request()),
            dav: req.path() == "/dav" || req.path().starts_with("/dav/"),
        }
    }

    /// Logs the answer `res` (and counts it, when metrics are on). Part of the middleware
    /// around every route (`http::around`).
    pub fn finish<B>(self, res: &Result<ServiceResponse<B>, Error>) {
        let Started { at, method, uri, peer, dav } = self;
        // The route's pattern only labels metrics; finding it matches the path again.
        let metrics = crate::metrics::enabled();
        let (status, route, code) = match res {
            Ok(r) => (
                r.status().as_u16(),
                metrics.then(|| r.request().match_pattern()).flatten(),
                r.response().extensions().get::<crate::error::ErrorCode>().map(|c| c.0),
            ),
            Err(e) => (e.as_response_error().status_code().as_u16(), None, None),
        };
        let route = route.or_else(|| dav.then(|| "/dav/{path}".to_owned()));
        crate::metrics::http_request(route.as_deref(), &method, status, code, at.elapsed());
        let peer = Peer(peer);
        let short = shorten_share_token(uri.path());
        let path = redact_credentials(&short);
        let query = uri.query().filter(|q| !q.is_empty()).map(redact_query);
        let query = query.as_deref().map(redact_credentials);
        let (mark, query) = match &query {
            Some(q) => ("?", q.as_ref()),
            None => ("", ""),
        };
        // One message with the fields written into it, as the default format would print them
        // as fields: tracing visits and formats each field on its own, a third of the line.
        let ms = Millis(at.elapsed());
        tracing::info!(
            target: crate::http::access_line::TARGET,
            "{method} {path}{mark}{query} peer={peer} status={status} ms={ms}"
        );
    }
}

/// A duration in milliseconds with two decimals (`1.27`), rounded, from integers: a float's
/// `{:.2}` was a twentieth of the log line's cost.
struct Millis(std::time::Duration);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hundredths = (self.0.as_micros() + 5) / 10;
        write!(f, "{}.{:02}", hundredths / 100, hundredths % 100)
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Millis;

    #[test]
    fn milliseconds_have_two_rounded_decimals() {
        let ms = |us| Millis(Duration::from_micros(us)).to_string();
        assert_eq!(ms(0), "0.00");
        assert_eq!(ms(4), "0.00");
        assert_eq!(ms(5), "0.01");
        assert_eq!(ms(1_274), "1.27");
        assert_eq!(ms(1_275), "1.28");
        assert_eq!(ms(999_995), "1000.00");
        assert_eq!(ms(12_345_678), "12345.68");
    }
}
