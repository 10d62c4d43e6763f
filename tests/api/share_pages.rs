//! The visitor's pages at `/s/{token}`: the password form until unlocked (no names, no Open
//! Graph tags), a folder with its thumbnails, subfolders and breadcrumbs that stop at the
//! shared folder, a file page with its download, clear pages for dead and used-up links, both
//! languages, and views counted once per visitor.

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::app_passwords::{bearer, call, upload};
use crate::files::{id_of, png_1x1};
use crate::helpers::{Resp, csrf_in, session_cookie, spawn_app};
use crate::shares::SHARE_PASSWORD;

#[actix_web::test]
async fn a_folder_link_asks_for_its_password_then_shows_the_gallery() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let mk = |name: &str, parent: Option<&str>| {
        call(
            &app,
            Method::POST,
            "/api/v1/folders",
            &auth,
            Some(json!({ "name": name, "folder": parent })),
        )
    };
    let album = id_of(&mk("Holiday album", None).await.json());
    let sub = id_of(&mk("Day one", Some(&album)).await.json());
    let private = id_of(&mk("Private", None).await.json());
    let into = |f: &str| format!("/api/v1/files?folder={f}");
    let photo = id_of(
        &app.send(upload(&into(&album), &auth, "beach.png", &png_1x1())).await.json()["items"][0],
    );
    app.send(upload(&into(&sub), &auth, "sunrise.png", &png_1x1())).await;
    app.send(upload(&into(&private), &auth, "diary.txt", b"dear diary")).await;
    let r = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &auth,
        Some(json!({ "file": album, "password": SHARE_PASSWORD })),
    )
    .await;
    let token = r.json()["token"].as_str().expect("token").to_owned();
    let base = format!("/s/{token}");

    let locked = app.send(TestRequest::get().uri(&base)).await;
    assert_eq!(locked.status, 401);
    let html = locked.text();
    assert!(
        html.contains("name=\"password\"") && html.contains(&format!("{base}/unlock")),
        "{html}"
    );
    assert!(
        !html.contains("beach.png") && !html.contains("Holiday album"),
        "nothing before the unlock"
    );
    assert!(!html.contains("og:title"), "no Open Graph tags for a link with a password");
    let anon = Cookie::new("homedisk_csrf", locked.cookie("homedisk_csrf").expect("csrf cookie"));
    let csrf = csrf_in(&html);

    let form = |password: &str| {
        TestRequest::post()
            .uri(&format!("{base}/unlock"))
            .cookie(anon.clone())
            .set_form([("password", password), ("csrf_token", csrf.as_str())])
    };
    let wrong = app.send(form("not it")).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("That password is not right."), "{}", wrong.text());
    let right = app.send(form(SHARE_PASSWORD)).await;
    assert_eq!(right.status, 303, "{}", right.text());
    assert_eq!(right.header("location"), Some(base.as_str()));
    let unlock = Cookie::new("homedisk_share", right.cookie("homedisk_share").expect("cookie"));

    let page = app.send(TestRequest::get().uri(&base).cookie(unlock.clone())).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("beach.png") && html.contains("Day one"), "{html}");
    assert!(html.contains(&format!("{base}/thumb/{photo}?size=md")), "thumbnails through the link");
    assert!(
        html.contains(&format!("{base}/zip")) && html.contains(&format!("{base}/file/{photo}"))
    );
    assert!(html.contains(&format!("{base}?folder={sub}")), "subfolders inside the share");
    assert!(!html.contains("diary") && !html.contains("Private"));
    assert_eq!(page.header("x-robots-tag"), Some("noindex, nofollow"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));

    let inner = app
        .send(TestRequest::get().uri(&format!("{base}?folder={sub}")).cookie(unlock.clone()))
        .await;
    assert_eq!(inner.status, 200);
    let html = inner.text();
    assert!(
        html.contains("sunrise.png") && html.contains(&format!("href=\"{base}\"")),
        "crumbs back to the shared folder"
    );
    assert!(!html.contains("href=\"/files"), "the crumbs stop at the shared folder");
    let outside = app
        .send(TestRequest::get().uri(&format!("{base}?folder={private}")).cookie(unlock.clone()))
        .await;
    assert_eq!(outside.status, 404, "a folder outside the share");
    assert!(outside.text().contains("This link does not work"));
    assert!(!outside.text().contains("diary"));
    assert!(!app.log.text().contains(SHARE_PASSWORD));
}

#[actix_web::test]
async fn a_file_link_shows_its_preview_in_both_languages_and_dead_links_say_why() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let photo = id_of(
        &app.send(upload("/api/v1/files", &auth, "beach.png", &png_1x1())).await.json()["items"][0],
    );
    let share = |body: Value| call(&app, Method::POST, "/api/v1/shares", &auth, Some(body));
    let r = share(json!({ "file": photo, "max_downloads": 1 })).await;
    let (id, token) = (id_of(&r.json()), r.json()["token"].as_str().expect("token").to_owned());
    let base = format!("/s/{token}");
    let page = app.send(TestRequest::get().uri(&base)).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("og:title") && html.contains("beach.png"), "{html}");
    assert!(
        html.contains(&format!("{base}/thumb/{photo}?size=lg"))
            && html.contains(&format!("{base}/file/{photo}"))
    );
    let zh =
        app.send(TestRequest::get().uri(&base).insert_header(("Accept-Language", "zh-CN"))).await;
    assert!(zh.text().contains("下载"), "{}", zh.text());

    // Views: once per visitor per 30 minutes, never for a link unfurler.
    let views = || async {
        call(&app, Method::GET, &format!("/api/v1/shares/{id}"), &auth, None).await.json()["view_count"].clone()
    };
    assert_eq!(views().await, 2, "two visitors without the cookie");
    let mark =
        Cookie::new("homedisk_share_view", page.cookie("homedisk_share_view").expect("view mark"));
    app.send(TestRequest::get().uri(&base).cookie(mark)).await;
    app.send(
        TestRequest::get().uri(&base).insert_header(("User-Agent", "Slackbot-LinkExpanding 1.0")),
    )
    .await;
    assert_eq!(views().await, 2, "the same visitor and a bot do not count");

    let r = app.send(TestRequest::get().uri(&format!("{base}/file/{photo}"))).await;
    assert_eq!(r.status, 200);
    let used = app.send(TestRequest::get().uri(&base)).await;
    assert_eq!(used.status, 410);
    assert!(used.text().contains("download limit"), "{}", used.text());
    let unknown = app.send(TestRequest::get().uri("/s/not-a-real-token-at-all")).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.text().contains("This link does not work"));
}

#[actix_web::test]
async fn the_owner_shares_from_the_file_page_lists_and_revokes() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let photo = id_of(
        &app.send(upload("/api/v1/files", &auth, "beach.png", &png_1x1())).await.json()["items"][0],
    );
    let session = app.web_login("alice", &alice.password).await;
    let detail = format!("/files/{photo}");
    let csrf = app.page_csrf(&detail, &session).await;
    let page = app.send(TestRequest::get().uri(&detail).cookie(session_cookie(&session))).await;
    assert!(page.text().contains("action=\"/shares\""), "the file page has the Share form");
    let made = app
        .send(TestRequest::post().uri("/shares").cookie(session_cookie(&session)).set_form([
            ("csrf_token", csrf.as_str()),
            ("file", photo.as_str()),
            ("label", "For Bob"),
            ("password", SHARE_PASSWORD),
            ("expires_on", "2099-12-31"),
            ("max_downloads", "5"),
            ("allow_download", "1"),
        ]))
        .await;
    assert_eq!(made.status, 201, "{}", made.text());
    let html = made.text();
    let start = html.find("/s/").expect("the link is shown once") + 3;
    let token: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(token.len() >= 43, "{token}");
    assert!(!html.contains(SHARE_PASSWORD));
    let r = app.send(TestRequest::get().uri(&format!("/s/{token}"))).await;
    assert_eq!(r.status, 401, "the password was set");

    let list = app.send(TestRequest::get().uri("/shares").cookie(session_cookie(&session))).await;
    assert_eq!(list.status, 200);
    let html = list.text();
    assert!(
        html.contains("beach.png") && html.contains("For Bob") && html.contains("0 / 5"),
        "{html}"
    );
    assert!(html.contains(&format!("/s/{token}")), "the owner can copy the link again");
    let id = {
        let r = call(&app, Method::GET, "/api/v1/shares", &auth, None).await;
        id_of(&r.json()["items"][0])
    };
    let csrf = app.page_csrf("/shares", &session).await;
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("/shares/{id}/revoke"))
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", csrf.as_str())]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = app.send(TestRequest::get().uri(&format!("/s/{token}"))).await;
    assert_eq!(r.status, 404, "revoked");
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("/shares/{id}/revoke"))
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", "forged")]),
        )
        .await;
    assert_eq!(r.status, 403, "the CSRF token is checked");
    let list = app.send(TestRequest::get().uri("/shares").cookie(session_cookie(&session))).await;
    assert!(list.text().contains("revoked"));
}

#[actix_web::test]
async fn the_unlock_form_needs_its_pages_csrf_token_and_apps_do_not() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let photo = id_of(
        &app.send(upload("/api/v1/files", &auth, "beach.png", &png_1x1())).await.json()["items"][0],
    );
    let body = json!({ "file": photo, "password": SHARE_PASSWORD });
    let r = call(&app, Method::POST, "/api/v1/shares", &auth, Some(body)).await;
    let base = format!("/s/{}", r.json()["token"].as_str().expect("token"));
    let unlock = format!("{base}/unlock");
    let locked = app.send(TestRequest::get().uri(&base)).await;
    assert_eq!(locked.status, 401);
    let anon = Cookie::new("homedisk_csrf", locked.cookie("homedisk_csrf").expect("csrf cookie"));
    let csrf = csrf_in(&locked.text());
    let refused = |r: &Resp, why: &str| {
        assert_eq!(r.status, 403, "{why}: {}", r.text());
        assert!(r.cookie("homedisk_share").is_none(), "{why}: nothing unlocked");
        assert!(r.text().contains("did not come from this site"), "{why}: {}", r.text());
        // The form again, with a token that works this time.
        assert!(r.text().contains("name=\"csrf_token\""), "{why}");
    };

    // What another site's form can send: no token, or one it made up, with the visitor's
    // cookie (or none).
    let post = || TestRequest::post().uri(&unlock);
    let r = app.send(post().set_form([("password", SHARE_PASSWORD)])).await;
    refused(&r, "no token, no cookie");
    let r = app.send(post().cookie(anon.clone()).set_form([("password", SHARE_PASSWORD)])).await;
    refused(&r, "no token");
    let forged = [("password", SHARE_PASSWORD), ("csrf_token", "Zm9yZ2Vk")];
    let r = app.send(post().cookie(anon.clone()).set_form(forged)).await;
    refused(&r, "a made-up token");
    let other = app.send(TestRequest::get().uri(&base)).await;
    let their_token = csrf_in(&other.text());
    let theirs = [("password", SHARE_PASSWORD), ("csrf_token", their_token.as_str())];
    let r = app.send(post().cookie(anon.clone()).set_form(theirs)).await;
    refused(&r, "another browser's token");
    let r = app
        .send(post().set_form([("password", SHARE_PASSWORD), ("csrf_token", csrf.as_str())]))
        .await;
    refused(&r, "the token without its cookie");
    let r = app
        .send(
            post()
                .cookie(anon.clone())
                .insert_header(("Accept-Language", "zh-CN"))
                .set_form([("password", SHARE_PASSWORD)]),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        r.text().contains("表单已过期或并非来自本站"),
        "in the visitor's language: {}",
        r.text()
    );
    let still = app.send(TestRequest::get().uri(&base).cookie(anon.clone())).await;
    assert_eq!(still.status, 401, "still locked");

    // The page's own form: unlocked.
    let mine = [("password", SHARE_PASSWORD), ("csrf_token", csrf.as_str())];
    let r = app.send(post().cookie(anon.clone()).set_form(mine)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.cookie("homedisk_share").is_some());

    // Apps send JSON without cookies or tokens, as before.
    let r = app.send(post().set_json(json!({ "password": SHARE_PASSWORD }))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["unlock_token"].is_string());
}
