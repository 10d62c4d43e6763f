//! Prometheus metrics (`HOMEDISK_METRICS_BIND`) on the real executable: its own listener (the
//! app's port has no `/metrics`), the numbers an operator graphs (requests by route pattern,
//! logins by reason, uploads and refusals, the database pool), no label carrying a token, a
//! user name, a file name or an id, and an exposition `promtool check metrics` accepts
//! (required when `HOMEDISK_METRICS_TOOLS=required`, as in CI).

use crate::server::{Server, free_port, http};

const BOUNDARY: &str = "metrics-test-boundary";

fn multipart(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("JSON")
}

/// The value of the sample `name{labels}` exactly as exposed, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[test]
fn metrics_count_what_an_operator_graphs_and_name_no_secret() {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = Server::start_with(&[
        ("HOMEDISK_METRICS_BIND", &bind),
        ("HOMEDISK_MAX_UPLOAD_BYTES", "50000"),
    ]);
    let json_type = [("Content-Type", "application/json")];
    let (status, _, body) = server
        .http(
            "POST",
            "/api/v1/auth/register",
            &json_type,
            br#"{"username":"metricsuser","password":"correct horse battery"}"#,
        )
        .expect("register");
    assert_eq!(status, 201);
    let token = json(&body)["token"].as_str().expect("token").to_owned();
    let wrong = br#"{"login":"metricsuser","password":"not the password"}"#;
    assert_eq!(server.http("POST", "/api/v1/auth/login", &json_type, wrong).expect("login").0, 401);
    let right = br#"{"login":"metricsuser","password":"correct horse battery"}"#;
    assert_eq!(server.http("POST", "/api/v1/auth/login", &json_type, right).expect("login").0, 200);

    let auth = format!("Bearer {token}");
    let form = format!("multipart/form-data; boundary={BOUNDARY}");
    let headers = [("Authorization", auth.as_str()), ("Content-Type", form.as_str())];
    let bytes = vec![7u8; 1234];
    let (status, _, body) = server
        .http("POST", "/api/v1/files", &headers, &multipart("holiday-secret.bin", &bytes))
        .expect("upload");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let id = json(&body)["items"][0]["id"].as_str().expect("id").to_owned();
    // A picture whose thumbnail is made once, then served from memory.
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(600, 400, image::Rgb([9, 99, 199])))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let (status, _, body) =
        server.http("POST", "/api/v1/files", &headers, &multipart("beach.png", &png)).expect("png");
    assert_eq!(status, 201);
    let picture = json(&body)["items"][0]["id"].as_str().expect("id").to_owned();
    let preview = format!("/preview/{picture}?size=md&token={token}");
    for _ in 0..2 {
        assert_eq!(server.http("GET", &preview, &[], b"").expect("preview").0, 200);
    }
    let big = vec![1u8; 60_000];
    let (status, _, _) = server
        .http("POST", "/api/v1/files", &headers, &multipart("too-big.bin", &big))
        .expect("upload");
    assert_eq!(status, 413);
    // An id in the path, a token in the query (refused there: the API wants a header):
    // neither may reach a label.
    let path = format!("/api/v1/files/{id}?token={token}");
    assert_eq!(server.http("GET", &path, &[], b"").expect("get").0, 401);
    let with_header = [("Authorization", auth.as_str())];
    let path = format!("/api/v1/files/{id}");
    assert_eq!(server.http("GET", &path, &with_header, b"").expect("get").0, 200);
    let (status, _, _) = server.http("GET", "/metrics", &[], b"").expect("app port");
    assert_eq!(status, 404, "the app's own port serves no metrics");

    let (status, head, body) = http(port, "GET", "/metrics", &[], b"").expect("scrape");
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: text/plain"), "{head}");
    let text = String::from_utf8(body).expect("UTF-8");
    let expect = |series: &str, value: f64| {
        assert_eq!(sample(&text, series), Some(value), "{series} in:\n{text}");
    };
    expect(r#"homedisk_logins_total{result="failure",reason="wrong_password"}"#, 1.0);
    expect(r#"homedisk_logins_total{result="success",reason="password"}"#, 1.0);
    expect("homedisk_uploads_total", 2.0);
    expect("homedisk_upload_bytes_total", (1234 + png.len()) as f64);
    // `md` decoded once, then from memory; the upload's own warm-up of `sm` may have run too.
    let decoded = sample(&text, r#"homedisk_thumbnails_total{source="decoded"}"#);
    assert!(matches!(decoded, Some(1.0 | 2.0)), "{text}");
    expect(r#"homedisk_thumbnails_total{source="memory"}"#, 1.0);
    assert_eq!(sample(&text, "homedisk_thumbnail_render_seconds_count"), decoded);
    expect(r#"homedisk_upload_refusals_total{reason="payload_too_large"}"#, 1.0);
    expect(r#"homedisk_http_requests_total{route="/preview/{id}",method="GET",status="200"}"#, 2.0);
    expect(
        r#"homedisk_http_requests_total{route="/api/v1/files",method="POST",status="201"}"#,
        2.0,
    );
    for status in [200, 401] {
        let series = format!(
            r#"homedisk_http_requests_total{{route="/api/v1/files/{{id}}",method="GET",status="{status}"}}"#
        );
        expect(&series, 1.0);
    }
    assert!(
        sample(&text, r#"homedisk_db_pool_connections{state="idle"}"#).is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(text.contains("homedisk_http_request_duration_seconds_bucket{"), "{text}");
    let secrets = [
        token.as_str(),
        "hdk_",
        "holiday-secret",
        "too-big",
        "beach",
        "metricsuser",
        &id,
        &picture,
    ];
    for secret in secrets.into_iter().chain(["token="]) {
        assert!(!text.contains(secret), "the metrics name `{secret}`:\n{text}");
    }
    promtool_check(&text);
}

/// `promtool check metrics` on the exposition: exit 0 (lint problems are printed, not fatal;
/// a text it cannot parse is).
fn promtool_check(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var("HOMEDISK_METRICS_TOOLS").as_deref() != Ok("required"),
                "promtool is missing and HOMEDISK_METRICS_TOOLS=required (apt install prometheus): {e}"
            );
            eprintln!(
                "skipping promtool: {e} (HOMEDISK_METRICS_TOOLS=required makes this an error)"
            );
            return;
        }
    };
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("promtool");
    let said =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "promtool check metrics failed:\n{said}");
    assert!(!said.contains("error"), "promtool: {said}");
}
