//! How people reach this server: the base of absolute URLs (share links, the device-login
//! page, the WebDAV address, Open Graph tags) and whether a request came over HTTPS (the
//! cookies' `Secure`).
//!
//! `HOMEDISK_PUBLIC_URL`, when set, is the base of every absolute URL. Otherwise, and for the
//! scheme, it is the request's own `Host` and scheme, or what a trusted proxy
//! (`HOMEDISK_TRUSTED_PROXIES`) forwarded in `Forwarded`, `X-Forwarded-Host` and
//! `X-Forwarded-Proto`. Anyone else's forwarded headers are ignored: believed, they would let a
//! stranger's request put their host into a link its answer shows (a share link a user copies,
//! the address an app tells its user to open) and turn `Secure` on or off.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::config::Config;

/// `scheme://host[:port]`, without a trailing slash: where absolute URLs of this answer start.
pub fn base_url(req: &HttpRequest, config: &Config) -> String {
    if let Some(public) = &config.public_url {
        return public.clone();
    }
    let (scheme, host) = seen(req, config);
    format!("{scheme}://{host}")
}

/// Whether `req` reached the server over HTTPS (directly, or as a trusted proxy says).
pub fn is_https(req: &HttpRequest, config: &Config) -> bool {
    seen(req, config).0 == "https"
}

/// The scheme and host the client used, as far as the request can be believed.
fn seen(req: &HttpRequest, config: &Config) -> (String, String) {
    let peer = req.peer_addr().map(|a| a.ip());
    if peer.is_some_and(|ip| config.trusted_proxies.trusts(ip)) {
        // actix reads `Forwarded`, then `X-Forwarded-*`, then the request itself.
        let info = req.connection_info();
        return (info.scheme().to_owned(), info.host().to_owned());
    }
    // The same fallbacks as actix's `ConnectionInfo`, without the forwarded headers.
    let app = req.app_config();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_else(|| app.host());
    let scheme = req.uri().scheme_str().unwrap_or(if app.secure() { "https" } else { "http" });
    (scheme.to_owned(), host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn forged(peer: &str) -> HttpRequest {
        TestRequest::get()
            .uri("/")
            .peer_addr(format!("{peer}:4000").parse().expect("addr"))
            .insert_header(("Host", "disk.example.org"))
            .insert_header(("X-Forwarded-Host", "evil.example"))
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_http_request()
    }

    #[test]
    fn forwarded_host_and_scheme_count_only_from_a_trusted_proxy() {
        let config = crate::config::tests::with(&[("HOMEDISK_TRUSTED_PROXIES", "10.0.0.0/8")])
            .expect("valid");
        let direct = forged("203.0.113.5");
        assert_eq!(base_url(&direct, &config), "http://disk.example.org");
        assert!(!is_https(&direct, &config));
        let proxied = forged("10.0.0.2");
        assert_eq!(base_url(&proxied, &config), "https://evil.example");
        assert!(is_https(&proxied, &config));
        let standard = TestRequest::get()
            .peer_addr("10.0.0.2:4000".parse().expect("addr"))
            .insert_header(("Forwarded", "proto=https;host=disk.example.org"))
            .to_http_request();
        assert_eq!(base_url(&standard, &config), "https://disk.example.org");
    }

    #[test]
    fn the_public_url_wins_for_links_but_not_for_the_scheme_of_this_request() {
        let config = crate::config::tests::with(&[("HOMEDISK_PUBLIC_URL", "https://disk.example")])
            .expect("valid");
        let req = forged("203.0.113.5");
        assert_eq!(base_url(&req, &config), "https://disk.example");
        assert!(!is_https(&req, &config), "this request came over plain HTTP");
    }
}
