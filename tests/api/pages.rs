//! The HTML pages: login, register, logout, account; cookies, CSRF and redirects.

use actix_web::cookie::Cookie;
use actix_web::test::TestRequest;

use crate::helpers::{PASSWORD, csrf_in, session_cookie, spawn_app, spawn_with};

#[actix_web::test]
async fn pages_without_a_session_redirect_to_login_with_next() {
    let app = spawn_app().await;
    for path in ["/account", "/files", "/logout"] {
        let r = app.send(TestRequest::get().uri(path)).await;
        assert_eq!(r.status, 303, "{path}");
        let location = r.header("location").unwrap_or_default();
        assert!(location.starts_with("/login?"), "{location}");
        assert!(location.contains(&format!("next={path}")), "{location}");
    }
    // Once an account exists; before, `/` leads to the first run (tests/api/first_run.rs).
    app.register("alice").await;
    let r = app.send(TestRequest::get().uri("/")).await;
    assert_eq!(r.header("location"), Some("/login"));
}

#[actix_web::test]
async fn web_login_sets_a_safe_cookie_and_follows_next() {
    let app = spawn_app().await;
    app.register("alice").await;
    let (anon, csrf) = app.anon_form("/login?next=/account").await;
    let r = app
        .send(
            TestRequest::post().uri("/login").cookie(Cookie::new("homedisk_csrf", anon)).set_form(
                [
                    ("login", "alice"),
                    ("password", PASSWORD),
                    ("csrf_token", &csrf),
                    ("next", "/account"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/account"));
    let set = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("homedisk_session="))
        .expect("session cookie");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    // Without "keep me signed in": a browser-session cookie (see `sliding.rs`).
    assert!(!set.contains("Max-Age="), "{set}");
    assert!(!set.contains("Secure"), "auto over plain HTTP: {set}");
    let session = r.cookie("homedisk_session").expect("value");
    let page = app.send(TestRequest::get().uri("/account").cookie(session_cookie(&session))).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("alice"));
}

#[actix_web::test]
async fn cookies_are_secure_when_configured_or_behind_https() {
    // `X-Forwarded-Proto` counts only from a trusted proxy: anyone can write it.
    for (setting, proto, peer, secure) in [
        ("true", None, "203.0.113.5", true),
        ("auto", Some("https"), "127.0.0.1", true),
        ("auto", Some("https"), "203.0.113.5", false),
        ("auto", None, "127.0.0.1", false),
        ("false", Some("https"), "127.0.0.1", false),
    ] {
        let app = spawn_with(&[
            ("HOMEDISK_COOKIE_SECURE", setting),
            ("HOMEDISK_TRUSTED_PROXIES", "127.0.0.1"),
        ])
        .await;
        app.register("alice").await;
        let (anon, csrf) = app.anon_form("/login").await;
        let mut req = TestRequest::post()
            .uri("/login")
            .peer_addr(format!("{peer}:40000").parse().expect("addr"))
            .cookie(Cookie::new("homedisk_csrf", anon))
            .set_form([("login", "alice"), ("password", PASSWORD), ("csrf_token", &csrf)]);
        if let Some(p) = proto {
            req = req.insert_header(("X-Forwarded-Proto", p));
        }
        let r = app.send(req).await;
        let set = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("homedisk_session="))
            .expect("cookie");
        assert_eq!(set.contains("Secure"), secure, "{setting}/{proto:?} from {peer}: {set}");
    }
}

#[actix_web::test]
async fn the_login_form_refuses_a_missing_or_foreign_csrf_token() {
    let app = spawn_app().await;
    app.register("alice").await;
    // No cookie, no token: the kind of POST another site could make.
    let r = app
        .send(
            TestRequest::post()
                .uri("/login")
                .set_form([("login", "alice"), ("password", PASSWORD)]),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.cookie("homedisk_session").is_none());
    assert!(r.text().contains("reload the page"));
    // A token made for another browser's cookie.
    let (_, other_csrf) = app.anon_form("/login").await;
    let (mine, _) = app.anon_form("/login").await;
    let r = app
        .send(
            TestRequest::post().uri("/login").cookie(Cookie::new("homedisk_csrf", mine)).set_form(
                [("login", "alice"), ("password", PASSWORD), ("csrf_token", &other_csrf)],
            ),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.cookie("homedisk_session").is_none());
}

#[actix_web::test]
async fn a_failed_login_keeps_the_login_but_never_the_password() {
    let app = spawn_app().await;
    app.register("alice").await;
    let (anon, csrf) = app.anon_form("/login").await;
    let r = app
        .send(
            TestRequest::post().uri("/login").cookie(Cookie::new("homedisk_csrf", anon)).set_form(
                [("login", "alice"), ("password", "Wrong-Secret-123"), ("csrf_token", &csrf)],
            ),
        )
        .await;
    assert_eq!(r.status, 401);
    let html = r.text();
    assert!(html.contains("value=\"alice\""), "{html}");
    assert!(!html.contains("Wrong-Secret-123"));
    assert!(html.contains("wrong"), "an inline error: {html}");
}

#[actix_web::test]
async fn next_never_leaves_the_site() {
    let app = spawn_app().await;
    app.register("alice").await;
    for evil in ["//evil.example/x", "https://evil.example", "/\\evil.example"] {
        let (anon, csrf) = app.anon_form("/login").await;
        let r = app
            .send(
                TestRequest::post()
                    .uri("/login")
                    .cookie(Cookie::new("homedisk_csrf", anon))
                    .set_form([
                        ("login", "alice"),
                        ("password", PASSWORD),
                        ("csrf_token", &csrf),
                        ("next", evil),
                    ]),
            )
            .await;
        assert_eq!(r.header("location"), Some("/files"), "{evil}");
    }
}

#[actix_web::test]
async fn the_register_form_shows_errors_inline_and_keeps_the_input() {
    let app = spawn_app().await;
    let (anon, csrf) = app.anon_form("/register").await;
    let form = |username: &str, password: &str, confirm: &str| {
        TestRequest::post()
            .uri("/register")
            .cookie(Cookie::new("homedisk_csrf", anon.clone()))
            .set_form([
                ("username", username.to_owned()),
                ("email", "not-an-email".to_owned()),
                ("phone", String::new()),
                ("password", password.to_owned()),
                ("password_confirm", confirm.to_owned()),
                ("csrf_token", csrf.clone()),
            ])
    };
    let r = app.send(form("x", "Secret-Pass-1", "Secret-Pass-1")).await;
    assert_eq!(r.status, 400);
    let html = r.text();
    assert!(html.contains("User name must be 3 to 32 characters"), "{html}");
    assert!(html.contains("Email is not a valid email address"), "{html}");
    assert!(html.contains("value=\"not-an-email\""));
    assert!(!html.contains("Secret-Pass-1"));

    let r = app.send(form("alice", "Secret-Pass-1", "Secret-Pass-2")).await;
    assert!(r.text().contains("does not match"));

    let ok = app
        .send(
            TestRequest::post()
                .uri("/register")
                .cookie(Cookie::new("homedisk_csrf", anon.clone()))
                .set_form([
                    ("username", "alice"),
                    ("password", "Secret-Pass-1"),
                    ("password_confirm", "Secret-Pass-1"),
                    ("csrf_token", &csrf),
                ]),
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert_eq!(ok.header("location"), Some("/files"));
    let session = ok.cookie("homedisk_session").expect("logged in");
    let files = app.send(TestRequest::get().uri("/files").cookie(session_cookie(&session))).await;
    assert_eq!(files.status, 200);
}

#[actix_web::test]
async fn closed_registration_says_so_on_the_page() {
    let app = spawn_with(&[("HOMEDISK_REGISTRATION", "closed")]).await;
    let r = app.send(TestRequest::get().uri("/register")).await;
    assert!(r.text().contains("Registration is closed"));
}

#[actix_web::test]
async fn logout_needs_a_post_with_the_csrf_token() {
    let app = spawn_app().await;
    app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let confirm =
        app.send(TestRequest::get().uri("/logout").cookie(session_cookie(&session))).await;
    assert_eq!(confirm.status, 200, "GET only asks");
    let r = app
        .send(
            TestRequest::post()
                .uri("/logout")
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", "forged")]),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.send(TestRequest::get().uri("/account").cookie(session_cookie(&session))).await.status,
        200
    );

    let csrf = csrf_in(&confirm.text());
    let r = app
        .send(
            TestRequest::post()
                .uri("/logout")
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.set_cookies().iter().any(|c| c.starts_with("homedisk_session=;")
        || c.starts_with("homedisk_session=") && c.contains("Max-Age=0")));
    let after = app.send(TestRequest::get().uri("/account").cookie(session_cookie(&session))).await;
    assert_eq!(after.status, 303);
    assert!(after.header("location").unwrap_or_default().contains("notice=ended"));
}

#[actix_web::test]
async fn the_account_page_lists_sessions_and_can_revoke_them() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let page = app.send(TestRequest::get().uri("/account").cookie(session_cookie(&session))).await;
    let html = page.text();
    assert!(html.contains("this device"), "{html}");
    assert!(html.contains(&alice.session_id), "the API session is listed");
    let csrf = csrf_in(&html);
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("/account/sessions/{}/revoke", alice.session_id))
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(app.me(&alice.token).await.code(), "token_revoked");
    // Without the CSRF token nothing happens.
    let other = app.login_as(&alice, "app").await;
    let sid = app.get_bearer("/api/v1/sessions", &other).await.json()["items"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|s| s["current"] == true)
                .map(|s| s["id"].as_str().unwrap_or_default().to_owned())
        })
        .expect("sid");
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("/account/sessions/{sid}/revoke"))
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", "")]),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.me(&other).await.status, 200);
}

#[actix_web::test]
async fn log_out_everywhere_from_the_page_ends_app_tokens_too() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/account", &session).await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/account/logout-all")
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(app.me(&alice.token).await.code(), "token_revoked");
    assert_eq!(
        app.send(TestRequest::get().uri("/files").cookie(session_cookie(&session))).await.status,
        303
    );
}

#[actix_web::test]
async fn changing_the_password_on_the_page_keeps_this_browser_logged_in() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/account", &session).await;
    let post = |current: &str, new: &str, confirm: &str| {
        TestRequest::post().uri("/account/password").cookie(session_cookie(&session)).set_form([
            ("current_password", current.to_owned()),
            ("new_password", new.to_owned()),
            ("new_password_confirm", confirm.to_owned()),
            ("csrf_token", csrf.clone()),
        ])
    };
    let r = app.send(post("nope nope nope", "brand new pass", "brand new pass")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("is not your current password"));
    let r = app.send(post(PASSWORD, "brand new pass", "brand new pass")).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Password changed"));
    assert_eq!(app.me(&alice.token).await.code(), "token_revoked");
    assert_eq!(
        app.send(TestRequest::get().uri("/account").cookie(session_cookie(&session))).await.status,
        200
    );
}

#[actix_web::test]
async fn signed_out_elsewhere_is_explained_on_the_login_page() {
    let app = spawn_with(&[("HOMEDISK_SINGLE_SESSION", "true")]).await;
    app.register("alice").await;
    let first = app.web_login("alice", PASSWORD).await;
    let _second = app.web_login("alice", PASSWORD).await;
    let r = app.send(TestRequest::get().uri("/account").cookie(session_cookie(&first))).await;
    assert_eq!(r.status, 303);
    let location = r.header("location").unwrap_or_default().to_owned();
    assert!(location.contains("notice=elsewhere"), "{location}");
    let login = app.send(TestRequest::get().uri(&location)).await;
    assert!(login.text().contains("signed in elsewhere"));
}

#[actix_web::test]
async fn an_oversized_form_is_refused_without_a_crash() {
    let app = spawn_app().await;
    let big = "x".repeat(64 * 1024);
    let r = app
        .send(
            TestRequest::post()
                .uri("/login")
                .set_form([("login", big.as_str()), ("password", "y")]),
        )
        .await;
    assert_eq!(r.status, 413);
}
