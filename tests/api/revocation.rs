//! Every way a session ends takes effect on the very next request.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, spawn_with};

#[actix_web::test]
async fn logout_ends_only_this_session() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let other = app.login_as(&alice, "app").await;
    assert_eq!(app.post_bearer("/api/v1/auth/logout", &alice.token).await.status, 204);
    let r = app.me(&alice.token).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
    assert!(r.json()["detail"].as_str().unwrap_or_default().contains("logged out"));
    assert_eq!(app.me(&other).await.status, 200);
}

#[actix_web::test]
async fn logout_all_ends_every_session() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let app_token = app.login_as(&alice, "app").await;
    let web_token = app.login_as(&alice, "web").await;
    assert_eq!(app.post_bearer("/api/v1/auth/logout-all", &app_token).await.status, 204);
    for t in [&alice.token, &app_token, &web_token] {
        assert_eq!(app.me(t).await.code(), "token_revoked");
    }
    // A fresh login works again.
    assert_eq!(app.login("alice", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn the_session_list_marks_this_device_and_a_session_can_be_revoked() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let phone = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .insert_header(("User-Agent", "HomediskPhone/1.0"))
                .peer_addr("192.0.2.7:5555".parse().expect("addr"))
                .set_json(json!({ "login": "alice", "password": PASSWORD, "client": "app" })),
        )
        .await
        .json();
    let phone_token = phone["token"].as_str().expect("token").to_owned();
    let phone_sid = phone["session_id"].as_str().expect("sid").to_owned();

    let list = app.get_bearer("/api/v1/sessions", &alice.token).await.json();
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let current: Vec<_> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], alice.session_id);
    let p = items.iter().find(|s| s["id"] == phone_sid.as_str()).expect("phone session listed");
    assert_eq!(p["client"], "app");
    assert_eq!(p["user_agent"], "HomediskPhone/1.0");
    assert_eq!(p["ip"], "192.0.2.7");
    for field in ["created_at", "last_used_at", "expires_at"] {
        assert!(p[field].as_str().is_some_and(|t| t.ends_with('Z')), "{field}");
    }

    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/sessions/{phone_sid}"))
                .insert_header(("Authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(app.me(&phone_token).await.code(), "token_revoked");
    assert_eq!(app.me(&alice.token).await.status, 200);
    let after = app.get_bearer("/api/v1/sessions", &alice.token).await.json();
    assert_eq!(after["items"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn another_users_session_cannot_be_revoked_or_seen() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/sessions/{}", alice.session_id))
                .insert_header(("Authorization", format!("Bearer {}", bob.token))),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
    assert_eq!(app.me(&alice.token).await.status, 200);
    let bobs = app.get_bearer("/api/v1/sessions", &bob.token).await.json();
    assert!(
        bobs["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|s| s["id"] != alice.session_id.as_str())
    );
}

#[actix_web::test]
async fn a_password_change_ends_the_other_sessions_but_keeps_this_one() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let other = app.login_as(&alice, "app").await;
    let r = app.change_password(&alice.token, "wrong password", "a new password").await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["current_password"].is_array());
    let r = app.change_password(&alice.token, PASSWORD, "short").await;
    assert!(r.json()["errors"]["new_password"].is_array());
    assert_eq!(app.me(&other).await.status, 200, "failed changes end nothing");

    let r = app.change_password(&alice.token, PASSWORD, "a new password").await;
    assert_eq!(r.status, 204, "{}", r.text());
    let gone = app.me(&other).await;
    assert_eq!(gone.code(), "token_revoked");
    assert!(gone.json()["detail"].as_str().unwrap_or_default().contains("password was changed"));
    assert_eq!(app.me(&alice.token).await.status, 200);
    assert_eq!(app.login("alice", PASSWORD).await.status, 401);
    assert_eq!(app.login("alice", "a new password").await.status, 200);
}

#[actix_web::test]
async fn single_session_mode_signs_out_the_older_session_of_the_same_client_type() {
    let app = spawn_with(&[("HOMEDISK_SINGLE_SESSION", "true")]).await;
    let alice = app.register("alice").await; // an `api` session
    let web = app.login_as(&alice, "web").await;
    let phone1 = app.login_as(&alice, "app").await;
    let phone2 = app.login_as(&alice, "app").await;
    let r = app.me(&phone1).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
    assert!(
        r.json()["detail"].as_str().unwrap_or_default().contains("signed in elsewhere"),
        "{}",
        r.text()
    );
    assert_eq!(app.me(&phone2).await.status, 200);
    assert_eq!(app.me(&web).await.status, 200, "other client types are untouched");
    assert_eq!(app.me(&alice.token).await.status, 200);
}

#[actix_web::test]
async fn without_single_session_mode_sessions_coexist() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let a = app.login_as(&alice, "app").await;
    let b = app.login_as(&alice, "app").await;
    assert_eq!(app.me(&a).await.status, 200);
    assert_eq!(app.me(&b).await.status, 200);
}

/// A Chrome on Linux User-Agent, as the browser tests' Chromium sends it.
const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[actix_web::test]
async fn the_session_list_names_each_device_in_words() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let login = |ua: &'static str, client: &'static str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .insert_header(("User-Agent", ua))
            .set_json(json!({ "login": "alice", "password": PASSWORD, "client": client }))
    };
    let mut sids = Vec::new();
    for (ua, client) in [
        (CHROME_LINUX, "web"),
        ("homedisk-app/1.4 (Android 14; Pixel 8)", "app"),
        ("HomediskPhone/1.0", "api"),
    ] {
        let r = app.send(login(ua, client)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        sids.push(r.json()["session_id"].as_str().expect("sid").to_owned());
    }
    let list = app.get_bearer("/api/v1/sessions", &alice.token).await.json();
    let device = |sid: &str| {
        let items = list["items"].as_array().expect("items");
        let item = items.iter().find(|s| s["id"] == sid).expect("listed");
        item["device"].as_str().expect("device is a string").to_owned()
    };
    assert_eq!(device(&sids[0]), "Chrome on Linux");
    assert_eq!(device(&sids[1]), "homedisk app on Android");
    assert_eq!(device(&sids[2]), "HomediskPhone/1.0", "unrecognised: the User-Agent itself");
    assert_eq!(device(&alice.session_id), "Unknown device", "registered without a User-Agent");
    let doc = app.send(TestRequest::get().uri("/api/v1/openapi.json")).await.json();
    let schema = &doc["components"]["schemas"]["SessionView"];
    assert_eq!(schema["properties"]["device"]["type"], "string", "{schema}");
    assert!(schema["required"].as_array().expect("required").contains(&json!("device")));

    // The page says the same in the reader's language; the API stays in English.
    let session = app.web_login("alice", PASSWORD).await;
    let page = |lang: &str| {
        TestRequest::get()
            .uri("/account")
            .cookie(crate::helpers::session_cookie(&session))
            .cookie(actix_web::cookie::Cookie::new("homedisk_lang", lang.to_owned()))
    };
    let en = app.send(page("en")).await.text();
    assert!(en.contains("Chrome on Linux"), "{en}");
    // The kind of client in words too, not the API's `web`/`app`/`api`.
    for kind in
        ["<strong>Web browser</strong>", "<strong>App</strong>", "<strong>API client</strong>"]
    {
        assert!(en.contains(kind), "{kind} in {en}");
    }
    let zh = app.send(page("zh-CN")).await.text();
    assert!(zh.contains("Linux 上的 Chrome") && zh.contains("Android 上的 homedisk 应用"), "{zh}");
    for kind in
        ["<strong>网页浏览器</strong>", "<strong>应用</strong>", "<strong>API 客户端</strong>"]
    {
        assert!(zh.contains(kind), "{kind} in {zh}");
    }
}
