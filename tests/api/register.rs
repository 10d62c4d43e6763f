use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, spawn_with};

#[actix_web::test]
async fn register_returns_a_token_and_the_first_account_is_admin() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "alice", "password": PASSWORD, "email": "Alice@Example.org", "phone": "+1 555 010 9999" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["token"].as_str().is_some_and(|t| t.split('.').count() == 3));
    assert!(v["expires_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(v["user"]["username"], "alice");
    assert_eq!(v["user"]["email"], "alice@example.org");
    assert_eq!(v["user"]["phone"], "+15550109999");
    assert_eq!(v["user"]["role"], "admin");
    assert_eq!(v["user"]["state"], "active");
    assert_eq!(v["user"]["quota"], 10_i64 << 30);
    assert!(v["user"].get("password_hash").is_none());

    let bob = app.register("bob").await;
    let me = app.me(&bob.token).await.json();
    assert_eq!(me["role"], "user");
    for field in
        ["id", "username", "email", "phone", "role", "state", "created_at", "storage_used", "quota"]
    {
        assert!(me.get(field).is_some(), "missing {field}");
    }
}

#[actix_web::test]
async fn the_password_is_stored_only_as_a_bcrypt_hash() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let stored =
        homedisk::db::models::users::find(&mut app.conn(), &homedisk::db::ids::UserId(alice.id))
            .expect("user")
            .password_hash;
    assert!(stored.starts_with("$2"), "{stored}");
    assert!(!stored.contains(PASSWORD));
}

#[actix_web::test]
async fn invalid_fields_get_one_error_each() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "a/", "password": "short", "email": "not-an-email", "phone": "12ab" }),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "validation_failed");
    let errors = &r.json()["errors"];
    for field in ["username", "password", "email", "phone"] {
        assert!(
            errors[field].as_array().is_some_and(|a| !a.is_empty()),
            "no error for {field}: {errors}"
        );
    }
    let missing = app.post_json("/api/v1/auth/register", json!({})).await;
    assert_eq!(missing.code(), "validation_failed");
    assert!(missing.json()["errors"]["password"].is_array());
}

#[actix_web::test]
async fn duplicates_are_field_errors_not_500s() {
    let app = spawn_app().await;
    let first = app
        .post_json("/api/v1/auth/register", json!({ "username": "alice", "password": PASSWORD, "email": "a@x.org", "phone": "+15550100" }))
        .await;
    assert_eq!(first.status, 201);
    let again = app
        .post_json("/api/v1/auth/register", json!({ "username": "ALICE", "password": PASSWORD, "email": "A@X.org", "phone": "+1 555 0100" }))
        .await;
    assert_eq!(again.status, 400, "{}", again.text());
    let errors = &again.json()["errors"];
    assert!(errors["username"].is_array(), "{errors}");
    assert!(errors["email"].is_array(), "{errors}");
    assert!(errors["phone"].is_array(), "{errors}");
}

#[actix_web::test]
async fn passwords_over_72_bytes_are_refused_not_truncated() {
    let app = spawn_app().await;
    // 72 and 73 ASCII bytes, and 40 two-byte characters (80 bytes, only 40 characters).
    for password in ["a".repeat(72), "a".repeat(73), "é".repeat(40)] {
        let r = app
            .post_json(
                "/api/v1/auth/register",
                json!({ "username": "alice", "password": password }),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text());
        let msg = r.json()["errors"]["password"][0].as_str().unwrap_or_default().to_owned();
        assert!(msg.contains("at most 71 bytes"), "{msg}");
    }
    // 71 bytes (bcrypt's 72 with its terminator) is fine, and one more byte must not log in.
    let at_limit = "b".repeat(71);
    let r = app
        .post_json("/api/v1/auth/register", json!({ "username": "alice", "password": at_limit }))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(app.login("alice", &format!("{at_limit}x")).await.status, 401);
}

#[actix_web::test]
async fn a_huge_body_is_a_fast_413_and_bad_bodies_are_400_or_415() {
    let app = spawn_app().await;
    let huge = "p".repeat(1 << 20);
    let r = app
        .post_json("/api/v1/auth/register", json!({ "username": "alice", "password": huge }))
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "payload_too_large");

    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .insert_header(("content-type", "application/json"))
                .set_payload("{not json"),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "bad_request");

    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .insert_header(("content-type", "text/plain"))
                .set_payload("login=a"),
        )
        .await;
    assert_eq!(r.status, 415);
    assert_eq!(r.code(), "unsupported_media");

    let r = app.post_json("/api/v1/auth/register", json!({ "username": 5, "password": [] })).await;
    assert_eq!(r.status, 400);
}

#[actix_web::test]
async fn closed_registration_refuses_self_service_accounts() {
    let app = spawn_with(&[("HOMEDISK_REGISTRATION", "closed")]).await;
    let r = app
        .post_json("/api/v1/auth/register", json!({ "username": "alice", "password": PASSWORD }))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "registration_closed");
}

#[actix_web::test]
async fn the_cli_path_creates_an_admin_even_when_others_exist() {
    let app = spawn_app().await;
    app.register("first").await;
    let account = homedisk::users::validate_registration(&homedisk::users::RegisterInput {
        username: "root".into(),
        password: PASSWORD.into(),
        ..Default::default()
    })
    .expect("valid");
    let hash = homedisk::auth::password::hash(PASSWORD, 4).expect("hash");
    let user = homedisk::users::insert_account(
        &mut app.conn(),
        &account,
        &hash,
        1 << 30,
        true,
        chrono::Utc::now().naive_utc(),
    )
    .expect("insert");
    assert_eq!(user.role, "admin");
    assert_eq!(app.login("root", PASSWORD).await.status, 200);
}
