//! Sliding browser sessions: used within the idle limit a session outlives its first expiry
//! (and its cookie is re-issued); left idle it ends. "Keep me signed in" sets a persistent
//! cookie, a plain login a browser-session cookie.

use std::time::Duration;

use actix_web::test::TestRequest;

use crate::helpers::{PASSWORD, session_cookie, spawn_with};

/// A 5-second idle limit: a use is written (and the session renewed) every 1.25 s.
const SHORT: &[(&str, &str)] = &[("HOMEDISK_WEB_TOKEN_TTL_SECONDS", "5")];

#[actix_web::test]
async fn a_session_in_use_outlives_its_first_expiry_and_an_idle_one_ends() {
    let app = spawn_with(SHORT).await;
    app.register("alice").await;
    let mut used = app.web_login("alice", PASSWORD).await;
    let idle = app.web_login("alice", PASSWORD).await;
    let mut renewed = 0;
    // Over ten seconds of use, a page every 700 ms: twice the idle limit.
    for _ in 0..15 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let r = app.send(TestRequest::get().uri("/account").cookie(session_cookie(&used))).await;
        assert_eq!(r.status, 200, "the session in use stays alive");
        if let Some(c) = r.cookie("homedisk_session") {
            used = c;
            renewed += 1;
        }
    }
    assert!(renewed >= 2, "the cookie was re-issued as the session slid ({renewed})");
    let r = app.send(TestRequest::get().uri("/account").cookie(session_cookie(&idle))).await;
    assert_eq!(r.status, 303, "the idle session ended");
    assert_eq!(r.header("location"), Some("/login?notice=expired&next=/account"));
}

/// The session cookie's `Set-Cookie` line of a form login, with or without "keep me".
async fn login_cookie_line(keep: bool) -> String {
    let app = spawn_with(&[]).await;
    app.register("alice").await;
    let (anon, csrf) = app.anon_form("/login").await;
    let mut form = vec![("login", "alice"), ("password", PASSWORD), ("csrf_token", &csrf)];
    if keep {
        form.push(("keep", "on"));
    }
    let r = app
        .send(
            TestRequest::post()
                .uri("/login")
                .cookie(actix_web::cookie::Cookie::new("homedisk_csrf", anon))
                .set_form(form),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    r.set_cookies().into_iter().find(|c| c.starts_with("homedisk_session=")).expect("cookie")
}

#[actix_web::test]
async fn keep_me_signed_in_sets_a_persistent_cookie_and_a_plain_login_a_session_cookie() {
    let kept = login_cookie_line(true).await;
    let max_age: i64 = kept
        .split(';')
        .find_map(|p| p.trim().strip_prefix("Max-Age="))
        .unwrap_or_else(|| panic!("no Max-Age: {kept}"))
        .parse()
        .expect("number");
    assert!(max_age > 29 * 86_400, "about 30 days: {kept}");
    let plain = login_cookie_line(false).await;
    assert!(!plain.contains("Max-Age") && !plain.contains("Expires"), "{plain}");
    assert!(plain.contains("HttpOnly") && kept.contains("HttpOnly"));
}
