//! Prometheus metrics, off unless `HOMEDISK_METRICS_BIND` is set: then a recorder is installed
//! and a listener of its own serves `GET /metrics` there (keep it on a private address; it
//! needs no login). Until a recorder is installed the per-request recording below costs one
//! atomic load: the `metrics` macros would still build their labels (a few allocations) for a
//! recorder that drops them, about 5 % of a cached preview's CPU.
//!
//! Labels never carry a token, a user name, a file name or a raw path: a route is its pattern
//! as registered (`/api/v1/files/{id}`, `/s/{token}`: the placeholder, not the value), a method
//! one of a fixed list, a reason an error code or a fixed word.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::http::Method;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const HTTP_REQUESTS: &str = "homedisk_http_requests_total";
const HTTP_DURATION: &str = "homedisk_http_request_duration_seconds";
const HTTP_ERRORS: &str = "homedisk_http_errors_total";
const UPLOADS: &str = "homedisk_uploads_total";
const UPLOAD_BYTES: &str = "homedisk_upload_bytes_total";
const UPLOAD_REFUSALS: &str = "homedisk_upload_refusals_total";
const LOGINS: &str = "homedisk_logins_total";
const THUMBNAILS: &str = "homedisk_thumbnails_total";
const THUMBNAIL_WAIT: &str = "homedisk_thumbnail_queue_wait_seconds";
const THUMBNAIL_DURATION: &str = "homedisk_thumbnail_render_seconds";
const POOL_WAIT: &str = "homedisk_db_pool_wait_seconds";
const POOL_CONNECTIONS: &str = "homedisk_db_pool_connections";
const STORAGE_ERRORS: &str = "homedisk_storage_errors_total";

/// Request latencies: from a cached preview (a fraction of a millisecond) to a large upload.
const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0];
/// Waits for a pooled connection or a thumbnail slot: zero almost always.
const WAIT_BUCKETS: &[f64] = &[0.0001, 0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static ON: AtomicBool = AtomicBool::new(false);

/// Whether a recorder is installed: callers skip the work of finding a label (the access log's
/// route pattern) when nobody records it.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// How often histograms are folded into their buckets. The exporter keeps every sample until
/// then; without this a server nobody scrapes would grow by 8 bytes a request.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the process's recorder (once; later calls return the same handle).
pub fn install() -> Result<PrometheusHandle, String> {
    if let Some(h) = HANDLE.get() {
        return Ok(h.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(THUMBNAIL_DURATION.into()), LATENCY_BUCKETS)
        })
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(POOL_WAIT.into()), WAIT_BUCKETS))
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(THUMBNAIL_WAIT.into()), WAIT_BUCKETS))
        .map_err(|e| e.to_string())?
        .build_recorder();
    let handle = recorder.handle();
    // Another thread may have won the race; its recorder is the installed one.
    if metrics::set_global_recorder(recorder).is_ok() {
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("homedisk-metrics".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            })
            .map_err(|e| format!("metrics upkeep thread: {e}"))?;
        let _ = HANDLE.set(handle);
        ON.store(true, Ordering::Relaxed);
        describe();
    }
    HANDLE.get().cloned().ok_or_else(|| "a metrics recorder of another kind is installed".into())
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by route pattern, method and status");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer, by route pattern and method"
    );
    describe_counter!(HTTP_ERRORS, "Error answers by route pattern and error code");
    describe_counter!(UPLOADS, "Files stored by an upload (API, page, WebDAV, tus, upload links)");
    describe_counter!(UPLOAD_BYTES, Unit::Bytes, "Bytes of the files stored by uploads");
    describe_counter!(UPLOAD_REFUSALS, "Uploads refused, by reason (an error code)");
    describe_counter!(LOGINS, "Password logins by result and reason");
    describe_counter!(THUMBNAILS, "Thumbnail requests by what answered them");
    describe_histogram!(THUMBNAIL_WAIT, Unit::Seconds, "Wait for a thumbnail slot");
    describe_histogram!(THUMBNAIL_DURATION, Unit::Seconds, "Decode, resize and encode time");
    describe_histogram!(POOL_WAIT, Unit::Seconds, "Wait for a pooled database connection");
    describe_gauge!(POOL_CONNECTIONS, "Pooled database connections, in use or idle");
    describe_counter!(STORAGE_ERRORS, "Blob store errors: unreachable (503) or other (500)");
}

/// The methods a label may name; anything else is `other`.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: &[&str] = &[
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "PROPFIND",
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
    ];
    KNOWN.iter().find(|m| **m == method.as_str()).copied().unwrap_or("other")
}

/// One answered request. `route` is the matched pattern; `None` (no route matched) is
/// `unmatched`. `code` is the error code of an error answer.
pub fn http_request(
    route: Option<&str>,
    method: &Method,
    status: u16,
    code: Option<&'static str>,
    took: Duration,
) {
    if !enabled() {
        return;
    }
    let route = route.unwrap_or("unmatched").to_owned();
    let method = method_label(method);
    counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status.to_string())
        .increment(1);
    histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method)
        .record(took.as_secs_f64());
    if let Some(code) = code {
        counter!(HTTP_ERRORS, "route" => route.clone(), "code" => code).increment(1);
        if is_upload_route(&route, method) {
            counter!(UPLOAD_REFUSALS, "reason" => code).increment(1);
        }
    }
}

/// The routes that take a file's bytes.
fn is_upload_route(route: &str, method: &str) -> bool {
    matches!(
        (method, route),
        ("POST", "/api/v1/files" | "/files/upload" | "/s/{token}/upload" | "/api/v1/uploads")
            | ("PATCH", "/api/v1/uploads/{id}")
    ) || (method == "PUT" && route.starts_with("/dav"))
}

/// A file stored by any upload path.
pub fn upload_stored(bytes: u64) {
    counter!(UPLOADS).increment(1);
    counter!(UPLOAD_BYTES).increment(bytes);
}

/// A password login: `success`, or `failure` with a fixed reason.
pub fn login(result: &'static str, reason: &'static str) {
    counter!(LOGINS, "result" => result, "reason" => reason).increment(1);
}

/// A thumbnail request answered by `source`: `memory`, `disk`, `bucket`, `decoded` or
/// `failed`.
pub fn thumbnail(source: &'static str) {
    if !enabled() {
        return;
    }
    counter!(THUMBNAILS, "source" => source).increment(1);
}

/// Time a thumbnail job waited for a slot, and took once it had one.
pub fn thumbnail_job(waited: Duration, took: Duration) {
    histogram!(THUMBNAIL_WAIT).record(waited.as_secs_f64());
    histogram!(THUMBNAIL_DURATION).record(took.as_secs_f64());
}

/// Time spent waiting for a pooled database connection.
pub fn pool_wait(waited: Duration) {
    histogram!(POOL_WAIT).record(waited.as_secs_f64());
}

/// A blob store error: `unreachable` or `other`.
pub fn storage_error(kind: &'static str) {
    counter!(STORAGE_ERRORS, "kind" => kind).increment(1);
}

/// The pool's connections right now (set when scraped).
pub fn pool_state(in_use: u32, idle: u32) {
    gauge!(POOL_CONNECTIONS, "state" => "in_use").set(in_use);
    gauge!(POOL_CONNECTIONS, "state" => "idle").set(idle);
}
