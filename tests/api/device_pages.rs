//! The `/device` pages of device login: the redirect to log in, the code form (prefilled,
//! both languages, the guess limit, hostile input), CSRF, expiry on the page, the audit.

use actix_web::test::TestRequest;
use chrono::Utc;
use diesel::prelude::*;
use homedisk::db::schema::device_codes;

use crate::device_login::{decide, enter_code, hidden, new_request, poll};
use crate::helpers::{csrf_in, session_cookie, spawn_app};

#[actix_web::test]
async fn an_anonymous_visitor_is_sent_to_log_in_and_back() {
    let app = spawn_app().await;
    let r = app.send(TestRequest::get().uri("/device?code=BCDF-GHJK")).await;
    assert_eq!(r.status, 303);
    let location = r.header("location").expect("location");
    assert!(location.starts_with("/login?"), "{location}");
    assert!(location.contains("next=/device%3Fcode%3DBCDF-GHJK"), "{location}");
    let post =
        app.send(TestRequest::post().uri("/device").set_form([("user_code", "BCDF-GHJK")])).await;
    assert!(matches!(post.status.as_u16(), 303 | 401 | 403), "{}", post.status);
}

#[actix_web::test]
async fn the_code_page_is_prefilled_from_the_link_and_speaks_chinese() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let get = |uri: &str| TestRequest::get().uri(uri).cookie(session_cookie(&browser));
    let page = app.send(get("/device?code=bcdf-ghjk")).await.text();
    assert!(page.contains("value=\"bcdf-ghjk\""), "{page}");
    let page = app.send(get("/device?code=%22%3E%3Cscript%3Ex")).await.text();
    assert!(!page.contains("<script>x"), "{page}");
    let zh = app.send(get("/device").insert_header(("Accept-Language", "zh-CN"))).await.text();
    assert!(zh.contains("登录应用"), "{zh}");
}

#[actix_web::test]
async fn wrong_user_codes_are_limited_to_ten_per_ten_minutes() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (_, user_code) = new_request(&app, "target").await;
    let wrong = if user_code == "BBBB-BBBB" { "CCCC-CCCC" } else { "BBBB-BBBB" };
    for i in 0..10 {
        let r = enter_code(&app, &browser, wrong).await;
        assert_eq!(r.status, 400, "try {i}: {}", r.text());
        assert!(r.text().contains("That code is not right"), "{}", r.text());
    }
    let r = enter_code(&app, &browser, wrong).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    // The limit comes before the look-up: the right code waits too.
    assert_eq!(enter_code(&app, &browser, &user_code).await.status, 429);
}

#[actix_web::test]
async fn code_entry_and_decisions_need_the_csrf_token() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (device_code, user_code) = new_request(&app, "csrf").await;
    let post = |uri: &str, form: Vec<(&str, String)>| {
        TestRequest::post().uri(uri).cookie(session_cookie(&browser)).set_form(form)
    };
    let r = app.send(post("/device", vec![("user_code", user_code.clone())])).await;
    assert_eq!(r.status, 403);
    let confirm = enter_code(&app, &browser, &user_code).await.text();
    let id = hidden(&confirm, "id");
    for csrf in [None, Some("forged".to_owned())] {
        for decision in ["approve", "deny"] {
            let mut form = vec![("id", id.clone()), ("decision", decision.to_owned())];
            if let Some(c) = &csrf {
                form.push(("csrf_token", c.clone()));
            }
            assert_eq!(app.send(post("/device/decide", form)).await.status, 403);
        }
    }
    assert_eq!(poll(&app, &device_code).await.code(), "authorization_pending");
    let form =
        vec![("id", id), ("decision", "maybe".to_owned()), ("csrf_token", csrf_in(&confirm))];
    assert_eq!(app.send(post("/device/decide", form)).await.status, 400);
}

#[actix_web::test]
async fn an_expired_code_cannot_be_approved() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (device_code, user_code) = new_request(&app, "slow").await;
    let confirm = enter_code(&app, &browser, &user_code).await.text();
    let past = Utc::now().naive_utc() - chrono::Duration::seconds(1);
    diesel::update(device_codes::table)
        .set(device_codes::expires_at.eq(past))
        .execute(&mut app.conn())
        .expect("expire");
    let form = [
        ("id", hidden(&confirm, "id")),
        ("decision", "approve".into()),
        ("csrf_token", csrf_in(&confirm)),
    ];
    let r = app
        .send(
            TestRequest::post()
                .uri("/device/decide")
                .cookie(session_cookie(&browser))
                .set_form(form),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("expired"), "{}", r.text());
    let again = enter_code(&app, &browser, &user_code).await;
    assert_eq!(again.status, 400);
    assert!(again.text().contains("expired"));
    assert_eq!(poll(&app, &device_code).await.code(), "expired_token");
}

#[actix_web::test]
async fn decisions_are_audited_with_the_app_name() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (_, approved) = new_request(&app, "Approved app").await;
    let (_, denied) = new_request(&app, "Denied app").await;
    decide(&app, &browser, &approved, "approve").await;
    decide(&app, &browser, &denied, "deny").await;
    let rows: Vec<(String, Option<String>, Option<String>)> =
        homedisk::db::schema::audit_log::table
            .select((
                homedisk::db::schema::audit_log::event,
                homedisk::db::schema::audit_log::actor_name,
                homedisk::db::schema::audit_log::detail,
            ))
            .load(&mut app.conn())
            .expect("audit");
    let find = |event: &str| rows.iter().find(|r| r.0 == event).cloned().expect(event);
    let (_, actor, detail) = find("device_approved");
    assert_eq!(actor.as_deref(), Some("alice"));
    assert!(detail.unwrap_or_default().contains("Approved app"));
    assert!(find("device_denied").2.unwrap_or_default().contains("Denied app"));
}

#[actix_web::test]
async fn hostile_page_input_is_refused_with_4xx() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let csrf = app.page_csrf("/device", &browser).await;
    let post = |uri: &str, form: Vec<(&str, String)>| {
        TestRequest::post().uri(uri).cookie(session_cookie(&browser)).set_form(form)
    };
    for typed in ["x".repeat(10 * 1024), "BCDF\u{0}GHJK".into(), "<script>".into(), String::new()] {
        let r = app
            .send(post("/device", vec![("user_code", typed), ("csrf_token", csrf.clone())]))
            .await;
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(!r.text().contains("<script>"));
    }
    for id in ["x".repeat(10 * 1024), "not-an-id".into(), String::new()] {
        let form = vec![("id", id), ("decision", "approve".into()), ("csrf_token", csrf.clone())];
        let r = app.send(post("/device/decide", form)).await;
        assert!(r.status.is_client_error(), "{} {}", r.status, r.text());
    }
    let huge = vec![("user_code", "B".repeat(64 * 1024)), ("csrf_token", csrf.clone())];
    assert_eq!(app.send(post("/device", huge)).await.status, 413);
}

#[actix_web::test]
async fn approving_needs_a_recent_login_and_comes_back_with_the_code() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (device_code, user_code) = new_request(&app, "phone").await;
    {
        use homedisk::db::schema::sessions::dsl::*;
        let old = Utc::now().naive_utc() - chrono::Duration::minutes(11);
        diesel::update(sessions.filter(user_id.eq(&alice.id)))
            .set(verified_at.eq(old))
            .execute(&mut *app.conn())
            .expect("age the logins");
    }
    let r = enter_code(&app, &browser, &user_code).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location").expect("location");
    let letters: String = user_code.chars().filter(char::is_ascii_alphabetic).collect();
    assert_eq!(location, format!("/account/confirm?next=/device%3Fcode%3D{letters}"));
    // Nothing was decided: the app is still waiting.
    assert_eq!(poll(&app, &device_code).await.code(), "authorization_pending");
}
