//! The API's answers to a wrong method (405 with `Allow`, from the methods registered for the
//! address, so it cannot drift), `HEAD` wherever `GET` is, and auth bodies with a field the
//! API does not know (400 naming the expected fields).

use actix_web::http::Method;
use actix_web::test::TestRequest;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_wrong_method_is_405_with_allow_and_head_follows_get() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bearer = format!("Bearer {}", alice.token);
    let cases = [
        (Method::PUT, "/api/v1/files", "GET, HEAD, POST"),
        (
            Method::POST,
            "/api/v1/files/0b0e4f2a-0000-4000-8000-000000000000",
            "GET, HEAD, PATCH, DELETE",
        ),
        (Method::GET, "/api/v1/auth/login", "POST"),
        (Method::DELETE, "/api/v1/me", "GET, HEAD"),
        (Method::PATCH, "/api/v1/uploads", "OPTIONS, POST"),
        (Method::GET, "/api/v1/files/batch", "POST"),
        (Method::POST, "/preview/0b0e4f2a-0000-4000-8000-000000000000", "GET, HEAD"),
    ];
    for (method, uri, allow) in cases {
        let r = app
            .send(
                TestRequest::default()
                    .method(method.clone())
                    .uri(uri)
                    .insert_header(("Authorization", bearer.clone())),
            )
            .await;
        assert_eq!(r.status, 405, "{method} {uri}: {}", r.text());
        assert_eq!(r.header("allow"), Some(allow), "{method} {uri}");
        assert_eq!(r.code(), "method_not_allowed", "{method} {uri}");
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
    }
    // An address that does not exist is still 404, whatever the method.
    let r = app.send(TestRequest::put().uri("/api/v1/nowhere")).await;
    assert_eq!(r.status, 404);
    // HEAD answers like GET, without a body.
    let r = app
        .send(
            TestRequest::default()
                .method(Method::HEAD)
                .uri("/api/v1/me")
                .insert_header(("Authorization", bearer.clone())),
        )
        .await;
    assert_eq!(r.status, 200);
    // The batch route is not shadowed by `/files/{id}`.
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/files/batch")
                .insert_header(("Authorization", bearer))
                .set_json(serde_json::json!({ "op": "star", "ids": [] })),
        )
        .await;
    assert_ne!(r.status, 405, "{}", r.text());
    assert_ne!(r.status, 404, "{}", r.text());
}

#[actix_web::test]
async fn an_auth_body_with_an_unknown_field_is_400_naming_the_expected_ones() {
    let app = spawn_app().await;
    app.register("alice").await;
    for (uri, body) in [
        ("/api/v1/auth/login", r#"{"login":"alice","pasword":"correct horse battery"}"#),
        (
            "/api/v1/auth/register",
            r#"{"username":"bob","password":"correct horse battery","admin":true}"#,
        ),
    ] {
        let r = app
            .send(
                TestRequest::post()
                    .uri(uri)
                    .insert_header(("Content-Type", "application/json"))
                    .set_payload(body),
            )
            .await;
        assert_eq!(r.status, 400, "{uri}: {}", r.text());
        let detail = r.json()["detail"].as_str().unwrap_or_default().to_owned();
        assert!(detail.contains("unknown field"), "{uri}: {detail}");
        assert!(detail.contains("`password`"), "{uri}: the expected fields are named: {detail}");
    }
}
