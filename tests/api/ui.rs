//! The pages' languages, error pages and static files, through the real app (no browser; the
//! browser tests are in `browser/`).

use actix_web::test::TestRequest;

use crate::helpers::{PASSWORD, session_cookie, spawn_app};

/// The `lang` attribute of a page's `<html>`.
fn html_lang(html: &str) -> &str {
    html.split("<html lang=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default()
}

#[actix_web::test]
async fn pages_speak_the_language_of_accept_language_and_default_to_english() {
    let app = spawn_app().await;
    let zh = app
        .send(TestRequest::get().uri("/login").insert_header(("Accept-Language", "zh-CN,zh;q=0.9")))
        .await;
    let html = zh.text();
    assert_eq!(html_lang(&html), "zh-CN");
    assert!(html.contains("登录 homedisk") && html.contains("用户名、邮箱或手机号"), "{html}");
    assert!(!html.contains("User name, email or phone"), "no English left: {html}");

    let fr =
        app.send(TestRequest::get().uri("/login").insert_header(("Accept-Language", "fr"))).await;
    assert_eq!(html_lang(&fr.text()), "en");
    assert!(fr.text().contains("User name, email or phone"));
    let none = app.send(TestRequest::get().uri("/register")).await;
    assert_eq!(html_lang(&none.text()), "en");
    assert!(none.text().contains("Create your account"));
}

#[actix_web::test]
async fn the_language_switcher_sets_a_cookie_that_wins_over_accept_language() {
    let app = spawn_app().await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/lang")
                .set_form([("lang", "zh-CN"), ("next", "/register?x=1")]),
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/register?x=1"));
    let cookie = r.cookie("homedisk_lang").expect("the language cookie");
    assert_eq!(cookie, "zh-CN");
    let set = r.set_cookies().join("\n");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");

    let page = app
        .send(
            TestRequest::get()
                .uri("/register")
                .insert_header(("Accept-Language", "en-US"))
                .cookie(actix_web::cookie::Cookie::new("homedisk_lang", "zh-CN")),
        )
        .await;
    assert_eq!(html_lang(&page.text()), "zh-CN");
    assert!(page.text().contains("创建账户"));
}

#[actix_web::test]
async fn the_language_switcher_refuses_foreign_places_and_unknown_languages() {
    let app = spawn_app().await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/lang")
                .set_form([("lang", "en"), ("next", "https://evil.example/")]),
        )
        .await;
    assert_eq!(r.header("location"), Some("/files"), "no open redirect");
    let r = app
        .send(TestRequest::post().uri("/lang").set_form([("lang", "klingon"), ("next", "/login")]))
        .await;
    assert_eq!(r.status, 303);
    assert!(r.cookie("homedisk_lang").is_none(), "an unknown language sets nothing");
    let r = app.send(TestRequest::post().uri("/lang").set_payload("%%%")).await;
    assert_eq!(r.status, 400, "a malformed form is a 400 page, not a crash: {}", r.text());
}

#[actix_web::test]
async fn error_pages_are_friendly_localized_and_keep_the_header_of_whoever_is_logged_in() {
    let app = spawn_app().await;
    let r = app.send(TestRequest::get().uri("/no/such/page")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let html = r.text();
    assert!(html.contains("Page not found") && html.contains("Go to your files"), "{html}");
    assert!(html.contains("href=\"/login\""), "an anonymous visitor is offered to log in");

    let zh = app
        .send(TestRequest::get().uri("/no/such/page").insert_header(("Accept-Language", "zh")))
        .await;
    assert_eq!(zh.status, 404);
    assert!(zh.text().contains("找不到页面"), "{}", zh.text());

    app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let mine = app
        .send(TestRequest::get().uri("/files/not-a-file").cookie(session_cookie(&session)))
        .await;
    assert_eq!(mine.status, 404);
    let html = mine.text();
    assert!(html.contains("Page not found"), "{html}");
    assert!(html.contains("Signed in as alice"), "the user's own menu: {html}");
    assert!(!html.contains("internal"), "{html}");
}

#[actix_web::test]
async fn a_bad_form_on_a_page_is_a_page_with_the_reason_in_the_users_language() {
    let app = spawn_app().await;
    app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    // No CSRF token: refused with the reason, on an HTML page.
    let r = app
        .send(
            TestRequest::post()
                .uri("/files/folders")
                .cookie(session_cookie(&session))
                .insert_header(("Accept-Language", "zh-CN"))
                .set_form([("name", "x")]),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let html = r.text();
    assert!(html.contains("表单已过期或并非来自本站"), "{html}");
}

#[actix_web::test]
async fn a_page_behind_login_sends_you_to_login_and_back() {
    let app = spawn_app().await;
    let r = app.send(TestRequest::get().uri("/files?folder=abc&sort=size")).await;
    assert_eq!(r.status, 303);
    let to = r.header("location").unwrap_or_default().to_owned();
    assert!(to.starts_with("/login?notice=login&next="), "{to}");
    assert!(to.contains("next=/files%3Ffolder%3Dabc%26sort%3Dsize"), "{to}");
    let login = app.send(TestRequest::get().uri(&to)).await;
    assert!(login.text().contains("Please log in to continue."));
    assert!(login.text().contains("value=\"/files?folder=abc&#38;sort=size\""), "{}", login.text());
}

#[actix_web::test]
async fn static_files_are_served_from_the_binary_with_their_types() {
    let app = spawn_app().await;
    for (path, ty) in [
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/static/app.js", "text/javascript; charset=utf-8"),
        ("/static/files.js", "text/javascript; charset=utf-8"),
        ("/static/lightbox.js", "text/javascript; charset=utf-8"),
        ("/static/upload.js", "text/javascript; charset=utf-8"),
        ("/static/icon.svg", "image/svg+xml"),
        ("/static/folder.svg", "image/svg+xml"),
        ("/static/empty.svg", "image/svg+xml"),
    ] {
        let r = app.send(TestRequest::get().uri(path)).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
        assert!(!r.body.is_empty(), "{path}");
    }
    let r = app.send(TestRequest::get().uri("/static/nope.js")).await;
    assert_eq!(r.status, 404);
}

#[actix_web::test]
async fn every_page_hands_its_scripts_their_strings_in_its_language() {
    let app = spawn_app().await;
    let r = app
        .send(TestRequest::get().uri("/login").insert_header(("Accept-Language", "zh-CN")))
        .await;
    let html = r.text();
    let attr = html
        .split("data-i18n=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a data-i18n attribute");
    // The attribute is HTML-escaped JSON.
    let json = attr.replace("&#34;", "\"").replace("&quot;", "\"").replace("&#38;", "&");
    let strings: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(strings["session_expired"], "登录已过期，请重新登录后继续。");
    assert_eq!(strings["image_n_of"], "第 {} 张，共 {} 张");
}
