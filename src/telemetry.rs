//! Logging: the tracing subscriber, and what the access log (`http::access_log`) removes from
//! what it writes.
//!
//! The access log writes method, path, status, time and peer for every request. It never
//! writes headers (so no `Authorization` or cookies), and it redacts the values of query
//! parameters that may carry secrets (`token`, `access_token`, `z-token`, `password`): a
//! preview URL's `?token=` must not end up in a log file. Beyond those names, any part of the
//! path or query that looks like a credential (a JWT, an `hdk_` app password), however it is
//! spelled or wherever it sits, is replaced too. actix-web's own `Logger` is not used because
//! its default format prints the raw query string.

use std::borrow::Cow;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` or `info`, to stderr. Lines are written by a
/// logging thread, so a request never waits for the terminal or the log file (measured: the
/// access log's write was about 8 % of a cached preview's time). Keep the guard until exit:
/// dropping it flushes what is queued. When the queue is full, requests wait rather than lines
/// being dropped (an access log with holes is worse than a slower request). The thread writes
/// through a buffer it flushes whenever its queue is empty: under load one `write` carries many
/// lines instead of one each (the per-line write was 6 % of a cached preview's CPU), and a quiet
/// server still shows each line at once.
#[must_use = "dropping the guard stops the logging thread"]
pub fn init() -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal();
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("homedisk-log")
        .finish(std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
        .event_format(crate::http::access_line::Lines::new())
        .init();
    guard
}

const SECRET_PARAMS: &[&str] = &["token", "access_token", "z-token", "password"];

/// A share link's path with its token cut to its first four characters (`/s/AbCd…/file/…`):
/// enough to tell links apart in the log, far too little to open one.
pub fn shorten_share_token(path: &str) -> Cow<'_, str> {
    let Some(rest) = path.strip_prefix("/s/") else { return Cow::Borrowed(path) };
    let (token, tail) = rest.split_once('/').map_or((rest, ""), |(t, tail)| (t, tail));
    let short: String = token.chars().take(4).collect();
    let slash = if tail.is_empty() && !rest.contains('/') { "" } else { "/" };
    Cow::Owned(format!("/s/{short}…{slash}{tail}"))
}

/// The query string with secret parameter values replaced by `REDACTED`, appended to `out`.
/// Names are compared after decoding (`tok%65n` is `token` to the handlers too); a pair that
/// does not decode is redacted whole. The access log writes every request's query this way,
/// in one pass and with no allocation of its own.
pub fn redact_query_into(query: &str, out: &mut String) {
    let mut rest = query;
    loop {
        let (pair, next) = match memchr::memchr(b'&', rest.as_bytes()) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        match secret(pair) {
            Some(name) => {
                out.push_str(name);
                out.push_str("=REDACTED");
            }
            None => out.push_str(pair),
        }
        let Some(next) = next else { return };
        out.push('&');
        rest = next;
    }
}

/// The name of `pair` (`name=value`) when its value is to be redacted.
fn secret(pair: &str) -> Option<&str> {
    let name = memchr::memchr(b'=', pair.as_bytes()).map_or(pair, |i| &pair[..i]);
    let is_secret = |n: &str| {
        let n = n.trim();
        SECRET_PARAMS.iter().any(|s| n.eq_ignore_ascii_case(s))
    };
    // Decoded only when there is something to decode (this runs on every request).
    let secret = if name.bytes().any(|b| matches!(b, b'%' | b'+')) {
        form_urlencoded::parse(name.as_bytes()).next().is_none_or(|(n, _)| is_secret(&n))
    } else {
        is_secret(name)
    };
    (secret && !name.is_empty()).then_some(name)
}

/// Characters that end one piece of a path or query when looking for credentials in it.
fn is_delimiter(c: char) -> bool {
    matches!(c, '/' | '?' | '&' | '=' | ';' | ',' | ':' | '+' | ' ' | '@' | '|')
}

/// Whether a piece (already percent-decoded) looks like a credential: an app password
/// (`hdk_…`), or a JWT (`eyJ…` with two dots, as every JSON header in base64url starts).
fn looks_secret(piece: &str) -> bool {
    let lower = piece.to_ascii_lowercase();
    lower.contains("hdk_") || (piece.contains("eyJ") && piece.matches('.').count() >= 2)
}

/// `text` (a path or query) with every piece that looks like a credential replaced by
/// `REDACTED`. Pieces are compared after percent-decoding, so `ey%4A…` is caught too.
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    // The common case (no JWT prefix, no app password prefix, nothing percent-encoded) costs
    // one scan and no allocation beyond the copy: this runs on every request.
    let bytes = text.as_bytes();
    let suspicious = memchr::memchr(b'%', bytes).is_some()
        || memchr::memmem::find(bytes, b"eyJ").is_some()
        || memchr::memchr_iter(b'_', bytes)
            .any(|i| i >= 3 && bytes[i - 3..i].eq_ignore_ascii_case(b"hdk"));
    if !suspicious {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut piece = String::new();
    let flush = |piece: &mut String, out: &mut String| {
        let decoded = percent_decode(piece);
        if looks_secret(&decoded) {
            out.push_str("REDACTED");
        } else {
            out.push_str(piece);
        }
        piece.clear();
    };
    for c in text.chars() {
        if is_delimiter(c) {
            flush(&mut piece, &mut out);
            out.push(c);
        } else {
            piece.push(c);
        }
    }
    flush(&mut piece, &mut out);
    Cow::Owned(out)
}

fn percent_decode(s: &str) -> String {
    // form_urlencoded decodes `%XX` (and `+`, which is a delimiter here anyway).
    form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| if v.is_empty() { k.into_owned() } else { format!("{k}={v}") })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{redact_credentials, redact_query_into, shorten_share_token};

    /// The query redacted, borrowed when nothing was.
    fn redact_query(query: &str) -> Cow<'_, str> {
        let mut out = String::new();
        redact_query_into(query, &mut out);
        if out == query { Cow::Borrowed(query) } else { Cow::Owned(out) }
    }

    #[test]
    fn credential_shaped_values_are_redacted_anywhere() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert_eq!(redact_credentials(&format!("/preview/{jwt}")), "/preview/REDACTED");
        assert_eq!(redact_credentials(&format!("t0ken={jwt}&size=sm")), "t0ken=REDACTED&size=sm");
        assert_eq!(redact_credentials(&format!("x=Bearer:{jwt}")), "x=Bearer:REDACTED");
        let encoded = jwt.replacen("eyJ", "ey%4A", 1);
        assert_eq!(redact_credentials(&format!("a={encoded}")), "a=REDACTED");
        assert_eq!(redact_credentials("/files/hdk_abc123_secret"), "/files/REDACTED");
        assert_eq!(redact_credentials("pw=HDK_ABC"), "pw=REDACTED");
        assert_eq!(redact_credentials("/files/abc?sort=name"), "/files/abc?sort=name");
        assert_eq!(redact_credentials("/static/app.v1.js"), "/static/app.v1.js");
    }

    #[test]
    fn share_tokens_are_shortened() {
        let token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdef";
        assert_eq!(shorten_share_token(&format!("/s/{token}")), "/s/AbCd…");
        assert_eq!(shorten_share_token(&format!("/s/{token}/file/x")), "/s/AbCd…/file/x");
        assert_eq!(shorten_share_token("/api/v1/shares"), "/api/v1/shares");
    }

    #[test]
    fn secret_query_values_are_redacted() {
        assert_eq!(redact_query("size=sm&token=abc.def.ghi"), "size=sm&token=REDACTED");
        assert_eq!(redact_query("TOKEN=x&z-token=y"), "TOKEN=REDACTED&z-token=REDACTED");
        assert_eq!(redact_query("next=/files"), "next=/files");
        assert_eq!(redact_query("token"), "token=REDACTED");
        assert_eq!(redact_query("tok%65n=abc&size=sm"), "tok%65n=REDACTED&size=sm");
        assert_eq!(redact_query("%74oken=abc"), "%74oken=REDACTED");
        assert_eq!(redact_query("+token+=abc"), "+token+=REDACTED");
        assert_eq!(redact_query("&token=x&&size=sm&"), "&token=REDACTED&&size=sm&");
        assert!(matches!(redact_query("a=1&&b"), Cow::Borrowed("a=1&&b")));
    }
}
