//! The refresh flow for apps (`POST /api/v1/auth/refresh`): rotation, reuse detection, and
//! that a refresh token dies with its session.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, spawn_app, spawn_with};

/// Logs `alice` in as an `app` and returns the login answer.
async fn app_login<S, B>(app: &crate::helpers::TestApp<S>, login: &str) -> Value
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": login, "password": PASSWORD, "client": "app" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn token(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_else(|| panic!("no {field} in {v}")).to_owned()
}

#[actix_web::test]
async fn a_refresh_rotates_both_tokens_and_extends_the_session() {
    let app = spawn_app().await;
    app.register("alice").await;
    let login = app_login(&app, "alice").await;
    let first = token(&login, "refresh_token");
    assert!(first.starts_with("hdr_") && first.len() > 40, "{first}");

    // Back-date the session's expiry so the extension is visible.
    {
        use diesel::prelude::*;
        use homedisk::db::schema::sessions;
        let soon = chrono::Utc::now().naive_utc() + chrono::Duration::hours(1);
        diesel::update(sessions::table.find(token(&login, "session_id")))
            .set(sessions::expires_at.eq(soon))
            .execute(&mut app.conn())
            .expect("shorten");
    }
    let r = app.post_json("/api/v1/auth/refresh", json!({ "refresh_token": first })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let next = r.json();
    assert_eq!(next["session_id"], login["session_id"], "the same session");
    assert_eq!(next["client"], "app");
    assert_eq!(next["scope"], login["scope"]);
    assert_ne!(token(&next, "refresh_token"), first, "rotated");
    assert_ne!(token(&next, "token"), token(&login, "token"));
    let until = chrono::DateTime::parse_from_rfc3339(next["expires_at"].as_str().expect("exp"))
        .expect("rfc3339");
    assert!(until > chrono::Utc::now() + chrono::Duration::days(6), "extended by the app TTL");
    assert_eq!(app.me(&token(&next, "token")).await.status, 200);
    assert_eq!(app.me(&token(&login, "token")).await.status, 200, "old access token lives on");

    // The new refresh token works in turn.
    let again = app
        .post_json(
            "/api/v1/auth/refresh",
            json!({ "refresh_token": token(&next, "refresh_token") }),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    // A browser session gets none: it renews by use.
    let web = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "alice", "password": PASSWORD, "client": "web" }),
        )
        .await
        .json();
    assert!(web.get("refresh_token").is_none(), "{web}");
}

#[actix_web::test]
async fn reusing_a_rotated_refresh_token_ends_the_session_at_once() {
    let app = spawn_app().await;
    app.register("alice").await;
    let login = app_login(&app, "alice").await;
    let old = token(&login, "refresh_token");
    let fresh = app.post_json("/api/v1/auth/refresh", json!({ "refresh_token": old })).await.json();

    let r = app.post_json("/api/v1/auth/refresh", json!({ "refresh_token": old })).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "refresh_token_reused");
    // Every token of the session is dead: the thief's and the owner's alike.
    for access in [token(&login, "token"), token(&fresh, "token")] {
        let me = app.me(&access).await;
        assert_eq!(me.code(), "token_revoked");
        assert!(me.json()["detail"].as_str().unwrap_or_default().contains("used twice"));
    }
    let newest = app
        .post_json(
            "/api/v1/auth/refresh",
            json!({ "refresh_token": token(&fresh, "refresh_token") }),
        )
        .await;
    assert_eq!(newest.code(), "token_revoked");
    let log = app.log.text();
    let leaked: Vec<_> = log.lines().filter(|l| l.contains(&old)).collect();
    assert!(leaked.is_empty(), "the token never reaches the log: {leaked:?}");
    use diesel::prelude::*;
    use homedisk::db::schema::audit_log;
    let audited: i64 = audit_log::table
        .filter(audit_log::event.eq("refresh_token_reused"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(audited, 1, "the reuse is audited");
}

#[actix_web::test]
async fn a_refresh_after_logout_revoke_password_change_or_disable_is_refused() {
    let app = spawn_app().await;
    let admin = app.register("root").await; // the first account: administrator
    let alice = app.register("alice").await;

    let logged_out = app_login(&app, "alice").await;
    app.post_bearer("/api/v1/auth/logout", &token(&logged_out, "token")).await;
    let revoked = app_login(&app, "alice").await;
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/sessions/{}", token(&revoked, "session_id")))
                .insert_header(("Authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert_eq!(r.status, 204);
    for ended in [&logged_out, &revoked] {
        let r = app
            .post_json(
                "/api/v1/auth/refresh",
                json!({ "refresh_token": token(ended, "refresh_token") }),
            )
            .await;
        assert_eq!((r.status.as_u16(), r.code()), (401, "token_revoked".into()), "{}", r.text());
    }

    let before_change = app_login(&app, "alice").await;
    let r = app.change_password(&alice.token, PASSWORD, "another secret").await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/auth/refresh",
            json!({ "refresh_token": token(&before_change, "refresh_token") }),
        )
        .await;
    assert_eq!(r.code(), "token_revoked");

    let bob = app.register("bob").await;
    let bobs = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "bob", "password": PASSWORD, "client": "api" }),
        )
        .await
        .json();
    let r = app
        .send(
            TestRequest::patch()
                .uri(&format!("/api/v1/admin/users/{}", bob.id))
                .insert_header(("Authorization", format!("Bearer {}", admin.token)))
                .set_json(json!({ "state": "disabled" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/auth/refresh",
            json!({ "refresh_token": token(&bobs, "refresh_token") }),
        )
        .await;
    assert!(r.status == 401 || r.status == 403, "{}", r.text());
    assert!(["token_revoked", "user_disabled"].contains(&r.code().as_str()), "{}", r.text());
}

#[actix_web::test]
async fn a_refresh_never_passes_the_absolute_maximum() {
    let app = spawn_with(&[("HOMEDISK_SESSION_MAX_SECONDS", "864000")]).await; // 10 days
    app.register("alice").await;
    let login = app_login(&app, "alice").await;
    let sid = token(&login, "session_id");
    use diesel::prelude::*;
    use homedisk::db::schema::sessions;
    let now = chrono::Utc::now().naive_utc();
    // Logged in 9 days ago: a refresh may only reach day 10, not "now + 7 days".
    diesel::update(sessions::table.find(&sid))
        .set(sessions::created_at.eq(now - chrono::Duration::days(9)))
        .execute(&mut app.conn())
        .expect("age");
    let r = app
        .post_json(
            "/api/v1/auth/refresh",
            json!({ "refresh_token": token(&login, "refresh_token") }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let next = r.json();
    let until = chrono::DateTime::parse_from_rfc3339(next["expires_at"].as_str().expect("exp"))
        .expect("rfc3339")
        .naive_utc();
    assert!(until <= now + chrono::Duration::days(1) + chrono::Duration::seconds(5), "{until}");
    assert!(until > now + chrono::Duration::hours(23), "{until}");

    // Past the maximum: refused, and the session is over.
    diesel::update(sessions::table.find(&sid))
        .set((
            sessions::created_at.eq(now - chrono::Duration::days(11)),
            sessions::expires_at.eq(now - chrono::Duration::seconds(1)),
        ))
        .execute(&mut app.conn())
        .expect("age");
    let r = app
        .post_json(
            "/api/v1/auth/refresh",
            json!({ "refresh_token": token(&next, "refresh_token") }),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_expired".into()), "{}", r.text());
}

#[actix_web::test]
async fn malformed_refresh_bodies_are_400_and_unknown_tokens_401() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({ "refresh_token": "" }),
        json!({ "refresh_token": 42 }),
        json!({ "refresh_token": "hdr_x", "extra": 1 }),
    ] {
        let r = app.post_json("/api/v1/auth/refresh", body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
    }
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/refresh")
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{not json"),
        )
        .await;
    assert_eq!(r.status, 400);
    let unknown = format!("hdr_{}", "A".repeat(43));
    for t in [unknown.as_str(), "hdr_short", "not-a-refresh-token"] {
        let r = app.post_json("/api/v1/auth/refresh", json!({ "refresh_token": t })).await;
        assert_eq!((r.status.as_u16(), r.code()), (401, "token_invalid".into()), "{t}");
    }
}

#[actix_web::test]
async fn concurrent_refreshes_with_one_token_have_exactly_one_winner() {
    let app = spawn_app().await;
    app.register("alice").await;
    let login = app_login(&app, "alice").await;
    let presented = token(&login, "refresh_token");
    const THREADS: usize = 4;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (state, barrier, presented) =
                (app.state.clone(), barrier.clone(), presented.clone());
            std::thread::spawn(move || {
                let mut conn = state.db.get().expect("connection");
                barrier.wait();
                let now = chrono::Utc::now().naive_utc();
                homedisk::auth::refresh::rotate(
                    &mut conn,
                    &state.keys,
                    &state.config,
                    &presented,
                    &homedisk::audit::Origin::default(),
                    now,
                )
                .map(|s| s.refresh_token)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{:?}", results.iter().map(|r| r.as_ref().err()).collect::<Vec<_>>());
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, homedisk::error::AppError::RefreshTokenReused)),
        "the losers are reuse"
    );
    // A second presentation is reuse, so the session is over for everyone.
    assert_eq!(app.me(&token(&login, "token")).await.code(), "token_revoked");
}
