//! Tokens and passwords never reach the log.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{session_cookie, spawn_app};

#[actix_web::test]
async fn tokens_and_passwords_are_not_logged() {
    let app = spawn_app().await;
    let secret_password = "Unmistakable-Pass-9341";
    let r = app
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "alice", "password": secret_password }),
        )
        .await;
    let token = r.json()["token"].as_str().expect("token").to_owned();
    app.send(TestRequest::get().uri(&format!("/api/v1/me?size=sm&token={token}"))).await;
    app.me(&token).await;
    app.send(TestRequest::get().uri("/api/v1/me").insert_header(("z-token", token.clone()))).await;
    app.send(TestRequest::get().uri("/account").cookie(session_cookie(&token))).await;
    app.login("alice", secret_password).await;

    let log = app.log.text();
    assert!(log.contains("GET /api/v1/me"), "the access log is captured: {log}");
    assert!(log.contains("token=REDACTED"), "{log}");
    assert!(log.contains("size=sm"), "other parameters stay: {log}");
    let signature = token.rsplit('.').next().expect("signature");
    assert!(!log.contains(signature), "token leaked into the log: {log}");
    assert!(!log.contains(secret_password), "password leaked into the log");
}
