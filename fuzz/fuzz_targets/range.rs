//! The download's header parsing (`homedisk::http::range`): `Range`, `If-Range`,
//! `If-None-Match`, `If-Modified-Since`, on hostile header text and any length.
//!
//! Invariants: no panic; a `Part` lies inside the representation (`start <= end < len`); a
//! representation of length 0 never gets a `Part`.
#![no_main]

use chrono::NaiveDateTime;
use homedisk::http::range::{self, Plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let len = u64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
    // Small lengths too, where the edge cases are.
    let len = if len % 3 == 0 { len % 64 } else { len };
    let text = String::from_utf8_lossy(&data[8..]);
    match range::plan(Some(&text), len) {
        Plan::Part { start, end } => {
            assert!(start <= end && end < len, "{text:?} over {len}: {start}-{end}");
        }
        Plan::Full | Plan::Unsatisfiable => {}
    }
    let modified =
        NaiveDateTime::parse_from_str("2026-01-02 03:04:05", "%Y-%m-%d %H:%M:%S").expect("time");
    let _ = range::if_range_matches(&text, "\"0123456789abcdef\"", modified);
    let _ = range::none_match(&text, "\"0123456789abcdef\"");
    let _ = range::not_modified_since(&text, modified);
});
