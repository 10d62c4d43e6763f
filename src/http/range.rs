//! Reading the conditional and range headers of a download (RFC 9110 §13, §14): pure functions
//! over header text, so they can be tested and fuzzed without a server.
//!
//! Only what a download needs: one byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`); a request
//! for several ranges is answered with the whole file, which RFC 9110 allows ("a server MAY
//! ignore the Range header field"), and so is a Range header that does not parse.

use chrono::NaiveDateTime;

/// The longest header value looked at; a longer one is treated as absent or malformed.
const MAX_HEADER_LEN: usize = 1024;

/// What to send of a representation `len` bytes long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The whole thing (200).
    Full,
    /// Bytes `start..=end` (206); `end < len`.
    Part { start: u64, end: u64 },
    /// No range can be satisfied (416 with `Content-Range: bytes */len`).
    Unsatisfiable,
}

/// The plan for a `Range` header value over `len` bytes.
pub fn plan(range: Option<&str>, len: u64) -> Plan {
    let Some(value) = range.filter(|v| v.len() <= MAX_HEADER_LEN) else {
        return Plan::Full;
    };
    let Some(specs) = strip_prefix_ignore_case(value.trim(), "bytes=") else {
        return Plan::Full; // another unit: ignored
    };
    let mut specs = specs.split(',').map(str::trim).filter(|s| !s.is_empty());
    let (Some(spec), None) = (specs.next(), specs.next()) else {
        return Plan::Full; // none, or several ranges
    };
    match parse_spec(spec) {
        None => Plan::Full,
        Some(spec) => spec.resolve(len),
    }
}

/// One range as written: `a-b`, `a-` or `-n`.
#[derive(Debug, Clone, Copy)]
enum Spec {
    From { start: u64, end: Option<u64> },
    Last(u64),
}

fn parse_spec(spec: &str) -> Option<Spec> {
    let (first, last) = spec.split_once('-')?;
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // A number too large for u64 still means "past the end".
        Some(s.parse().unwrap_or(u64::MAX))
    };
    match (first.trim(), last.trim()) {
        ("", n) => number(n).map(Spec::Last),
        (a, "") => number(a).map(|start| Spec::From { start, end: None }),
        (a, b) => {
            let (start, end) = (number(a)?, number(b)?);
            (start <= end).then_some(Spec::From { start, end: Some(end) })
        }
    }
}

impl Spec {
    fn resolve(self, len: u64) -> Plan {
        match self {
            Spec::From { start, .. } if start >= len => Plan::Unsatisfiable,
            Spec::From { start, end } => {
                let end = end.unwrap_or(u64::MAX).min(len - 1);
                Plan::Part { start, end }
            }
            Spec::Last(0) => Plan::Unsatisfiable,
            Spec::Last(_) if len == 0 => Plan::Unsatisfiable,
            Spec::Last(n) => Plan::Part { start: len.saturating_sub(n), end: len - 1 },
        }
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// Whether an `If-Range` value still names this representation, so the Range applies: a
/// strong entity tag equal to `etag`, or an HTTP date equal to `last_modified` (whole seconds).
/// Anything else (a weak tag, another tag, a date that differs or does not parse) means "send
/// the whole file".
pub fn if_range_matches(value: &str, etag: &str, last_modified: NaiveDateTime) -> bool {
    let value = value.trim();
    if value.starts_with('"') {
        return value == etag;
    }
    if value.starts_with("W/") {
        return false;
    }
    http_date(value).is_some_and(|date| date == whole_seconds(last_modified))
}

/// Whether an `If-None-Match` list names `etag` (weak comparison) or is `*`.
pub fn none_match(value: &str, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    value.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == bare)
}

/// Whether an `If-Modified-Since` date says the client's copy is current (a date that does
/// not parse is ignored, as RFC 9110 asks).
pub fn not_modified_since(value: &str, last_modified: NaiveDateTime) -> bool {
    http_date(value).is_some_and(|since| whole_seconds(last_modified) <= since)
}

/// `last_modified` as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn format_http_date(t: NaiveDateTime) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn http_date(value: &str) -> Option<NaiveDateTime> {
    if value.len() > 64 {
        return None;
    }
    NaiveDateTime::parse_from_str(value.trim(), "%a, %d %b %Y %H:%M:%S GMT").ok()
}

fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    t.with_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_resolve_against_the_length() {
        assert_eq!(plan(Some("bytes=0-4"), 10), Plan::Part { start: 0, end: 4 });
        assert_eq!(plan(Some("bytes=5-"), 10), Plan::Part { start: 5, end: 9 });
        assert_eq!(plan(Some("bytes=-3"), 10), Plan::Part { start: 7, end: 9 });
        assert_eq!(plan(Some("bytes=-30"), 10), Plan::Part { start: 0, end: 9 });
        assert_eq!(plan(Some("bytes=8-100"), 10), Plan::Part { start: 8, end: 9 });
        assert_eq!(plan(Some("Bytes = 1-2"), 10), Plan::Full, "space before '=' is not allowed");
        assert_eq!(plan(Some("BYTES=1-2"), 10), Plan::Part { start: 1, end: 2 });
    }

    #[test]
    fn unsatisfiable_and_ignored_ranges() {
        assert_eq!(plan(Some("bytes=10-"), 10), Plan::Unsatisfiable);
        assert_eq!(plan(Some("bytes=-0"), 10), Plan::Unsatisfiable);
        assert_eq!(plan(Some("bytes=0-0"), 0), Plan::Unsatisfiable);
        assert_eq!(plan(Some("bytes=99999999999999999999999-"), 10), Plan::Unsatisfiable);
        for ignored in ["bytes=5-2", "bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes=", "", "-"] {
            assert_eq!(plan(Some(ignored), 10), Plan::Full, "{ignored}");
        }
        assert_eq!(plan(None, 10), Plan::Full);
        assert_eq!(plan(Some(&format!("bytes=0-{}", "9".repeat(2000))), 10), Plan::Full);
    }

    #[test]
    fn if_range_needs_the_same_strong_tag_or_date() {
        let t = NaiveDateTime::parse_from_str("2026-01-02 03:04:05", "%Y-%m-%d %H:%M:%S")
            .expect("time");
        assert!(if_range_matches("\"abc\"", "\"abc\"", t));
        assert!(!if_range_matches("W/\"abc\"", "\"abc\"", t));
        assert!(!if_range_matches("\"abd\"", "\"abc\"", t));
        assert!(if_range_matches(&format_http_date(t), "\"abc\"", t));
        assert!(!if_range_matches("Fri, 02 Jan 2026 03:04:06 GMT", "\"abc\"", t));
        assert!(!if_range_matches("yesterday", "\"abc\"", t));
    }

    #[test]
    fn conditional_gets() {
        let t = NaiveDateTime::parse_from_str("2026-01-02 03:04:05", "%Y-%m-%d %H:%M:%S")
            .expect("time");
        assert!(none_match("\"x\", \"abc\"", "\"abc\""));
        assert!(none_match("*", "\"abc\""));
        assert!(none_match("W/\"abc\"", "\"abc\""));
        assert!(!none_match("\"abd\"", "\"abc\""));
        assert!(not_modified_since(&format_http_date(t), t));
        assert!(!not_modified_since("Fri, 02 Jan 2026 03:04:04 GMT", t));
        assert!(!not_modified_since("garbage", t));
    }
}
