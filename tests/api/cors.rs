//! CORS (`HOMEDISK_CORS_ORIGINS`): only the configured origins get CORS headers, on the API and
//! previews only, never credentials; a preflight from another origin is refused; nothing at all
//! when no origin is configured.

use actix_web::http::Method;
use actix_web::test::TestRequest;

use crate::helpers::{spawn_app, spawn_with};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.net";

fn preflight(uri: &str, origin: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(uri)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", "GET"))
        .insert_header(("Access-Control-Request-Headers", "authorization"))
}

#[actix_web::test]
async fn only_the_configured_origins_may_call_the_api_and_never_with_cookies() {
    let app = spawn_with(&[("HOMEDISK_CORS_ORIGINS", APP)]).await;
    let alice = app.register("alice").await;
    let bearer = format!("Bearer {}", alice.token);

    let r = app.send(preflight("/api/v1/files", APP)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), Some(APP));
    assert!(r.header("access-control-allow-methods").is_some_and(|m| m.contains("GET")));
    assert!(
        r.header("access-control-allow-headers").is_some_and(|h| h.contains("authorization")),
        "{:?}",
        r.header("access-control-allow-headers")
    );
    assert_eq!(r.header("access-control-allow-credentials"), None, "never credentials");

    let r = app.send(preflight("/api/v1/files", EVIL)).await;
    assert!(r.status.is_client_error(), "a preflight from another origin: {}", r.status);
    assert_eq!(r.header("access-control-allow-origin"), None);

    let me = |origin: &'static str| {
        TestRequest::get()
            .uri("/api/v1/me")
            .insert_header(("Origin", origin))
            .insert_header(("Authorization", bearer.clone()))
    };
    let r = app.send(me(APP)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(APP));
    assert!(r.header("vary").is_some_and(|v| v.to_ascii_lowercase().contains("origin")));
    assert!(
        r.header("access-control-expose-headers").is_some_and(|h| h.contains("upload-offset")),
        "a tus client on that origin can read the offset"
    );
    let r = app.send(me(EVIL)).await;
    assert_eq!(r.header("access-control-allow-origin"), None, "no CORS for another origin");

    // Previews too (an app's image loader), but never the pages.
    let r = app.send(preflight("/preview/0b0e4f2a-0000-4000-8000-000000000000", APP)).await;
    assert_eq!(r.header("access-control-allow-origin"), Some(APP));
    let r = app.send(TestRequest::get().uri("/login").insert_header(("Origin", APP))).await;
    assert_eq!(r.header("access-control-allow-origin"), None, "pages are same-origin only");
}

#[actix_web::test]
async fn without_configured_origins_there_is_no_cors_at_all() {
    let app = spawn_app().await;
    let r = app.send(preflight("/api/v1/files", APP)).await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.status, 405, "an OPTIONS the files address does not answer");
}
