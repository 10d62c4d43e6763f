use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::helpers::{session_cookie, spawn_app};

#[actix_web::test]
async fn every_accepted_token_source_reaches_the_api() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let t = alice.token.clone();
    let basic = STANDARD.encode(format!("{t}:"));
    let basic_with_password = STANDARD.encode(format!("{t}:ignored"));
    let requests = [
        ("bearer", TestRequest::get().insert_header(("Authorization", format!("Bearer {t}")))),
        (
            "bearer lower-case",
            TestRequest::get().insert_header(("Authorization", format!("bearer {t}"))),
        ),
        ("basic", TestRequest::get().insert_header(("Authorization", format!("Basic {basic}")))),
        (
            "basic + password",
            TestRequest::get()
                .insert_header(("Authorization", format!("Basic {basic_with_password}"))),
        ),
        ("token header", TestRequest::get().insert_header(("token", t.clone()))),
        ("z-token header", TestRequest::get().insert_header(("z-token", t.clone()))),
        ("cookie", TestRequest::get().cookie(session_cookie(&t))),
    ];
    for (name, req) in requests {
        let r = app.send(req.uri("/api/v1/me")).await;
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        assert_eq!(r.json()["username"], "alice", "{name}");
    }
}

#[actix_web::test]
async fn an_access_token_in_the_query_string_is_ignored_by_the_api() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let r = app.send(TestRequest::get().uri(&format!("/api/v1/me?token={}", alice.token))).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_missing");
}

#[actix_web::test]
async fn no_token_and_unknown_schemes_are_401s_with_a_code() {
    let app = spawn_app().await;
    let r = app.send(TestRequest::get().uri("/api/v1/me")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_missing");
    assert!(r.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    for bad in ["Digest abc", "Basic !!!not-base64", "Bearer", "Basic "] {
        let r = app
            .send(TestRequest::get().uri("/api/v1/me").insert_header(("Authorization", bad)))
            .await;
        assert_eq!(r.status, 401, "{bad}");
        assert_eq!(r.code(), "token_invalid", "{bad}");
    }
}

#[actix_web::test]
async fn a_cookie_authenticated_unsafe_request_needs_the_csrf_header() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", &alice.password).await;

    let r = app
        .send(TestRequest::post().uri("/api/v1/auth/logout").cookie(session_cookie(&session)))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "csrf_failed");
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/logout")
                .cookie(session_cookie(&session))
                .insert_header(("X-CSRF-Token", "forged")),
        )
        .await;
    assert_eq!(r.code(), "csrf_failed");
    // The session survived both attempts.
    assert_eq!(
        app.send(TestRequest::get().uri("/api/v1/me").cookie(session_cookie(&session)))
            .await
            .status,
        200
    );

    let csrf = app.page_csrf("/account", &session).await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/logout")
                .cookie(session_cookie(&session))
                .insert_header(("X-CSRF-Token", csrf)),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        app.send(TestRequest::get().uri("/api/v1/me").cookie(session_cookie(&session)))
            .await
            .status,
        401
    );
}

#[actix_web::test]
async fn a_header_token_needs_no_csrf_token() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    assert_eq!(app.post_bearer("/api/v1/auth/logout", &alice.token).await.status, 204);
}

#[actix_web::test]
async fn the_admin_api_is_404_for_users_and_403_for_a_narrowed_admin_token() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let r = app.get_bearer("/api/v1/admin/users", &admin.token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(2));

    let r = app.get_bearer("/api/v1/admin/users", &bob.token).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
    let r = app.send(TestRequest::get().uri("/api/v1/admin/users")).await;
    assert_eq!(r.status, 401);

    let narrow = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "admin", "password": admin.password, "scope": "files:read" }),
        )
        .await;
    let token = narrow.json()["token"].as_str().expect("token").to_owned();
    let r = app.get_bearer("/api/v1/admin/users", &token).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "scope_insufficient");
}
