//! The access log: method, path, status, time and peer for every request, with secrets
//! removed by `telemetry::redact_query_into` and `telemetry::redact_credentials`. It never writes
//! headers (so no `Authorization` or cookies).

use std::borrow::Cow;
use std::fmt::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use actix_web::Error;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, Uri};

use crate::telemetry::{redact_credentials, redact_query_into, shorten_share_token};

/// What the log line needs of a request, taken before it goes in.
pub struct Started {
    at: Instant,
    method: Method,
    /// A clone of the URI shares its bytes; the redacted path and query borrow from it unless
    /// something had to be cut out (this runs on every request).
    uri: Uri,
    peer: Option<IpAddr>,
}

impl Started {
    pub fn of(req: &ServiceRequest) -> Self {
        Started {
            at: Instant::now(),
            method: req.method().clone(),
            uri: req.uri().clone(),
            peer: crate::http::auth::client_addr(req.request()),
        }
    }

    /// Logs the answer `res` (and counts it, when metrics are on). Part of the middleware
    /// around every route (`http::around`).
    pub fn finish<B>(self, res: &Result<ServiceResponse<B>, Error>) {
        let Started { at, method, uri, peer } = self;
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
        if metrics {
            let route = route.or_else(|| unpatterned(uri.path()).map(str::to_owned));
            crate::metrics::http_request(route.as_deref(), &method, status, code, at.elapsed());
        }
        LINE.with_borrow_mut(|line| {
            line.clear();
            line_of(line, &method, &uri, peer, status, at.elapsed());
            // One message, the fields written into it as the default format would print them:
            // tracing visits and formats each field on its own, and `format_args!` with a
            // dozen pieces was a third of the line's cost.
            tracing::info!(target: crate::http::access_line::TARGET, "{}", line.as_str());
        });
    }
}

/// The metrics label of an address that no actix pattern names: WebDAV is one default
/// service, and a preview's id is read from the rest of its path (`api::preview`).
fn unpatterned(path: &str) -> Option<&'static str> {
    if path == "/dav" || path.starts_with("/dav/") {
        return Some("/dav/{path}");
    }
    let rest = path.strip_prefix("/preview")?;
    crate::api::preview::id_in(rest).map(|_| "/preview/{id}")
}

thread_local! {
    /// The line being put together (`access_line` has its own for the event's output).
    static LINE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// `GET /path?query peer=… status=… ms=…`, appended to `line`, secrets removed.
fn line_of(
    line: &mut String,
    method: &Method,
    uri: &Uri,
    peer: Option<IpAddr>,
    status: u16,
    took: Duration,
) {
    line.push_str(method.as_str());
    line.push(' ');
    let path = shorten_share_token(uri.path());
    line.push_str(&redact_credentials(&path));
    if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
        line.push('?');
        let start = line.len();
        redact_query_into(query, line);
        if let Cow::Owned(clean) = redact_credentials(&line[start..]) {
            line.truncate(start);
            line.push_str(&clean);
        }
    }
    line.push_str(" peer=");
    match peer {
        Some(IpAddr::V4(ip)) => {
            for (i, octet) in ip.octets().into_iter().enumerate() {
                if i > 0 {
                    line.push('.');
                }
                line.push_str(itoa::Buffer::new().format(octet));
            }
        }
        Some(ip) => {
            let _ = write!(line, "{ip}");
        }
        None => line.push('-'),
    }
    line.push_str(" status=");
    line.push_str(itoa::Buffer::new().format(status));
    line.push_str(" ms=");
    push_millis(line, took);
}

/// A duration in milliseconds with two decimals (`1.27`), rounded, from integers: a float's
/// `{:.2}` was a twentieth of the log line's cost.
fn push_millis(line: &mut String, took: Duration) {
    let hundredths = (took.as_micros() + 5) / 10;
    line.push_str(itoa::Buffer::new().format(hundredths / 100));
    line.push('.');
    let cents = (hundredths % 100) as u8;
    line.push(char::from(b'0' + cents / 10));
    line.push(char::from(b'0' + cents % 10));
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::Duration;

    use actix_web::http::{Method, Uri};

    use super::{line_of, push_millis};

    #[test]
    fn milliseconds_have_two_rounded_decimals() {
        let ms = |us| {
            let mut s = String::new();
            push_millis(&mut s, Duration::from_micros(us));
            s
        };
        assert_eq!(ms(0), "0.00");
        assert_eq!(ms(4), "0.00");
        assert_eq!(ms(5), "0.01");
        assert_eq!(ms(1_274), "1.27");
        assert_eq!(ms(1_275), "1.28");
        assert_eq!(ms(999_995), "1000.00");
        assert_eq!(ms(12_345_678), "12345.68");
    }

    #[test]
    fn a_line_has_the_request_without_its_secrets() {
        let line = |method: Method, uri: &str, peer: Option<&str>, status| {
            let mut s = String::new();
            let peer = peer.map(|p| p.parse::<IpAddr>().expect("an address"));
            let uri: Uri = uri.parse().expect("a URI");
            line_of(&mut s, &method, &uri, peer, status, Duration::from_micros(1_274));
            s
        };
        assert_eq!(
            line(Method::GET, "/preview/f1?size=sm&token=eyJa.b.c", Some("127.0.0.1"), 200),
            "GET /preview/f1?size=sm&token=REDACTED peer=127.0.0.1 status=200 ms=1.27"
        );
        assert_eq!(
            line(Method::HEAD, "/s/AbCdEfGh/file?x=eyJa.b.c", Some("::1"), 404),
            "HEAD /s/AbCd…/file?x=REDACTED peer=::1 status=404 ms=1.27"
        );
        assert_eq!(
            line(Method::POST, "/api/v1/x/hdk_secret?", None, 201),
            "POST /api/v1/x/REDACTED peer=- status=201 ms=1.27"
        );
        assert_eq!(
            line(Method::GET, "/files?next=%2Ffiles", Some("10.20.0.255"), 303),
            "GET /files?next=%2Ffiles peer=10.20.0.255 status=303 ms=1.27"
        );
    }
}
