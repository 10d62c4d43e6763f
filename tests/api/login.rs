use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, spawn_with};

#[actix_web::test]
async fn login_works_with_username_email_or_phone_and_the_aliases() {
    let app = spawn_app().await;
    let r = app
        .post_json("/api/v1/auth/register", json!({ "username": "alice", "password": PASSWORD, "email": "alice@example.org", "phone": "+86 138 0013 8000" }))
        .await;
    assert_eq!(r.status, 201);
    for login in [
        "alice",
        "ALICE",
        "alice@example.org",
        "Alice@Example.org",
        "+8613800138000",
        "+86 138-0013-8000",
    ] {
        let r = app.login(login, PASSWORD).await;
        assert_eq!(r.status, 200, "login {login}: {}", r.text());
        let v = r.json();
        assert_eq!(v["user"]["username"], "alice");
        assert_eq!(v["token_type"], "Bearer");
        assert!(v["expires_at"].is_string());
    }
    for field in ["username", "email", "phone"] {
        let value = match field {
            "username" => "alice",
            "email" => "alice@example.org",
            _ => "+8613800138000",
        };
        let r = app
            .post_json("/api/v1/auth/login", json!({ field: value, "password": PASSWORD }))
            .await;
        assert_eq!(r.status, 200, "alias {field}: {}", r.text());
    }
}

#[actix_web::test]
async fn client_types_get_their_own_lifetimes_and_bad_ones_are_refused() {
    let app = spawn_with(&[
        ("HOMEDISK_WEB_TOKEN_TTL_SECONDS", "3600"),
        ("HOMEDISK_APP_TOKEN_TTL_SECONDS", "7200"),
    ])
    .await;
    let alice = app.register("alice").await;
    let now = chrono::Utc::now();
    for (client, secs) in [("web", 3600), ("app", 7200)] {
        let r = app
            .post_json(
                "/api/v1/auth/login",
                json!({ "login": "alice", "password": alice.password, "client": client }),
            )
            .await;
        let v = r.json();
        assert_eq!(v["client"], client);
        let exp =
            chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().expect("expires_at"))
                .expect("rfc3339");
        let lifetime = (exp.with_timezone(&chrono::Utc) - now).num_seconds();
        assert!((secs - 5..=secs + 5).contains(&lifetime), "{client}: {lifetime}");
    }
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "alice", "password": alice.password, "client": "fridge" }),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["client"].is_array());
}

#[actix_web::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.register("alice").await;
    let wrong = app.login("alice", "wrong password!").await;
    let unknown = app.login("nobody", "wrong password!").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body, "the bodies must not tell the cases apart");
    assert_eq!(wrong.code(), "invalid_credentials");
}

#[actix_web::test]
async fn an_unknown_user_costs_a_bcrypt_verification_too() {
    // Not a speed test: a lower bound only (a slow machine can only make it slower).
    // At cost 10 one bcrypt check takes milliseconds; a login that skipped it would take
    // microseconds.
    let app = spawn_with(&[("HOMEDISK_BCRYPT_COST", "10")]).await;
    let hash = homedisk::auth::password::hash("whatever-password", 10).expect("hash");
    let one_check = (0..5)
        .map(|_| {
            let t = Instant::now();
            homedisk::auth::password::verify("another-password", &hash);
            t.elapsed()
        })
        .min()
        .unwrap_or(Duration::ZERO);
    let t = Instant::now();
    let r = app.login("nobody-at-all", "some password").await;
    let elapsed = t.elapsed();
    assert_eq!(r.status, 401);
    // A quarter leaves room for a check measured while the machine was busy; skipping bcrypt
    // would be hundreds of times faster than that.
    assert!(
        elapsed >= one_check / 4,
        "unknown user took {elapsed:?}, one bcrypt check {one_check:?}"
    );
}

#[actix_web::test]
async fn a_disabled_user_cannot_log_in_and_their_tokens_stop_working() {
    let app = spawn_app().await;
    app.register("admin").await;
    let bob = app.register("bob").await;
    homedisk::db::models::users::set_state(
        &mut app.conn(),
        &homedisk::db::ids::UserId(bob.id.clone()),
        homedisk::db::models::users::UserState::Disabled,
    )
    .expect("disable");
    let r = app.me(&bob.token).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "user_disabled");
    let r = app.login("bob", PASSWORD).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "user_disabled");
    // A wrong password still says only "wrong credentials".
    assert_eq!(app.login("bob", "not the password").await.code(), "invalid_credentials");
}

#[actix_web::test]
async fn login_can_ask_for_a_narrower_scope_but_not_a_wider_one() {
    let app = spawn_app().await;
    app.register("admin").await;
    let bob = app.register("bob").await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "bob", "password": bob.password, "scope": "files:read" }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["scope"], "files:read");
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "bob", "password": bob.password, "scope": "files:read admin" }),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["scope"].is_array());
}

#[actix_web::test]
async fn the_login_answer_never_contains_the_password_or_its_hash() {
    let app = spawn_app().await;
    app.register("alice").await;
    let text = app.login("alice", PASSWORD).await.text();
    assert!(!text.contains(PASSWORD));
    assert!(!text.contains("$2b$"));
}

#[actix_web::test]
async fn a_user_name_cannot_take_over_someone_elses_phone_login() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "alice", "password": PASSWORD, "phone": "5550108888" }),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = app
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "5550108888", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["username"].is_array());
    assert_eq!(app.login("5550108888", PASSWORD).await.json()["user"]["username"], "alice");
}
