//! `actix_multipart::Multipart` (the version homedisk uses) over an arbitrary request body,
//! read the way `homedisk::http::multipart::store_parts` reads it: a part with its own
//! Content-Length ends the request; otherwise every field is read to its end, with its
//! Content-Disposition name and file name (`filename`, else `filename*`), the file name then
//! going through `homedisk::files::upload_name` and `validate_name`.
//!
//! Input layout:
//! - byte 0: bits 0-2 pick the boundary (and so the Content-Type header); bit 7 makes the
//!   body stream end with a payload error instead of a clean EOF;
//! - bytes 1-4: the chunk plan: the body is cut into chunks of `plan[i % 4]` bytes
//!   (0 = an empty chunk; if the whole plan is 0, one chunk);
//! - the rest: the body.
#![no_main]

use std::sync::OnceLock;

use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::http::header::{self, ContentDisposition, HeaderMap, HeaderValue};
use bytes::Bytes;
use futures_util::StreamExt;
use homedisk::files::{upload_name, validate_name};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [&str; 8] = [
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
    "multipart/form-data; boundary=a",
    "multipart/form-data; boundary=\"quoted boundary: with spaces\"",
    "multipart/form-data; boundary=---------------------------9051914041544843365972754266",
    "multipart/form-data; charset=utf-8; boundary=XyZ",
    "multipart/mixed; boundary=XyZ",
    "multipart/form-data; boundary=--",
];

/// No field loop runs longer than this (each iteration consumes input, so it never binds; a
/// guard against an unexpected non-advancing parser turning into a hang).
const MAX_ITEMS: usize = 100_000;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread().build().expect("current-thread runtime")
    })
}

/// As `homedisk::http::multipart::file_name`.
fn file_name(cd: &ContentDisposition) -> Option<String> {
    cd.get_filename().map(str::to_owned).or_else(|| {
        cd.get_filename_ext().map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
    })
}

fn chunks(plan: &[u8; 4], body: &[u8], fail_at_end: bool) -> Vec<Result<Bytes, PayloadError>> {
    let mut out = Vec::new();
    if plan.iter().all(|&n| n == 0) {
        out.push(Ok(Bytes::copy_from_slice(body)));
    } else {
        let mut pos = 0;
        let mut i = 0;
        while pos < body.len() {
            let n = usize::from(plan[i % 4]).min(body.len() - pos);
            out.push(Ok(Bytes::copy_from_slice(&body[pos..pos + n])));
            pos += n;
            i += 1;
        }
    }
    if fail_at_end {
        out.push(Err(PayloadError::Incomplete(None)));
    }
    out
}

async fn read_all(mut multipart: Multipart) {
    let mut items = 0;
    // Stop at the first error, as homedisk does (`field.map_err(malformed)?`): a Multipart
    // must not be polled again after it returned its final error.
    while let Some(field) = multipart.next().await {
        let Ok(mut field) = field else { return };
        // As store_parts: a part with its own Content-Length is refused, which ends the request.
        if homedisk::http::multipart::refuse_part_length(&field).is_err() {
            return;
        }
        if let Some(cd) = field.content_disposition() {
            let _ = cd.get_name();
            let _ = cd.get_filename();
            let _ = cd.get_filename_ext();
            let _ = cd.is_form_data();
            if let Some(name) = file_name(cd) {
                let cleaned = upload_name(&name);
                if validate_name("file", &cleaned).is_ok() {
                    assert!(!cleaned.contains(['/', '\\', '\0']), "accepted {cleaned:?}");
                    assert!(cleaned != "." && cleaned != "..", "accepted {cleaned:?}");
                }
            }
        }
        let _ = field.name();
        let _ = field.content_type();
        let mut len = 0usize;
        while let Some(chunk) = field.next().await {
            let Ok(chunk) = chunk else { return };
            len += chunk.len();
            items += 1;
            assert!(items < MAX_ITEMS, "the multipart parser does not advance");
        }
        let _ = len;
        items += 1;
        assert!(items < MAX_ITEMS, "the multipart parser does not advance");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Some((plan, body)) = rest.split_first_chunk::<4>() else { return };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPES[usize::from(selector & 7)]),
    );
    let stream = futures_util::stream::iter(chunks(plan, body, selector & 0x80 != 0));
    let multipart = Multipart::new(&headers, stream);
    runtime().block_on(read_all(multipart));
});
