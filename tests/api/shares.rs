//! Share links, the owner's side: `/api/v1/shares` and `/api/v1/files/{id}/shares`. The token
//! is in the creation's answer only, the password in no answer, the log or the database
//! (only its bcrypt hash); app passwords need the `shares` scope and stay in their folder.

use actix_web::http::Method;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::app_passwords::{bearer, call, create, token_of, upload};
use crate::files::{id_of, png_1x1};
use crate::helpers::spawn_app;

pub(crate) const SHARE_PASSWORD: &str = "holiday-2026-share";

#[actix_web::test]
async fn a_link_shows_its_token_once_and_its_password_never() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let file = id_of(
        &app.send(upload("/api/v1/files", &auth, "a.png", &png_1x1())).await.json()["items"][0],
    );
    let body = json!({ "file": file, "password": SHARE_PASSWORD, "max_downloads": 3,
        "expires_at": "2099-01-01T00:00:00Z", "label": " Holiday ", "allow_download": false });
    let r = call(&app, Method::POST, "/api/v1/shares", &auth, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    let token = created["token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 43, "256 bits in base64url: {token}");
    assert_eq!(created["url"], format!("/s/{token}"));
    assert_eq!(created["has_password"], true);
    assert_eq!(created["label"], "Holiday");
    assert_eq!(created["allow_download"], false);
    assert_eq!(created["max_downloads"], 3);
    assert_eq!(created["kind"], "view");
    assert_eq!(created["state"], "active");
    let id = id_of(&created);

    let listed = call(&app, Method::GET, "/api/v1/shares", &auth, None).await;
    assert_eq!(listed.status, 200);
    let of_file =
        call(&app, Method::GET, &format!("/api/v1/files/{file}/shares"), &auth, None).await;
    assert_eq!(of_file.json()["items"][0]["id"], id.as_str());
    let one = call(&app, Method::GET, &format!("/api/v1/shares/{id}"), &auth, None).await;
    assert_eq!(one.json()["id"], id.as_str());
    let patch = json!({ "label": null, "max_downloads": null, "allow_download": true });
    let edited =
        call(&app, Method::PATCH, &format!("/api/v1/shares/{id}"), &auth, Some(patch)).await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert_eq!(edited.json()["label"], Value::Null);
    assert_eq!(edited.json()["max_downloads"], Value::Null);
    assert_eq!(edited.json()["has_password"], true, "a PATCH without password keeps it");
    for r in [&created, &listed.json(), &of_file.json(), &one.json(), &edited.json()] {
        assert!(!r.to_string().contains(SHARE_PASSWORD), "an answer shows the password: {r}");
        assert!(!r.to_string().contains("$2"), "an answer shows a hash: {r}");
    }
    for r in [&of_file.json()["items"][0], &one.json(), &edited.json()] {
        assert_eq!(r["url"], format!("/s/{token}"), "the owner can copy the link again: {r}");
    }

    let r = call(&app, Method::DELETE, &format!("/api/v1/shares/{id}"), &auth, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = call(&app, Method::DELETE, &format!("/api/v1/shares/{id}"), &auth, None).await;
    assert_eq!(r.status, 404, "revoked once");
    let one = call(&app, Method::GET, &format!("/api/v1/shares/{id}"), &auth, None).await;
    assert_eq!(one.json()["state"], "revoked");

    use homedisk::db::schema::shares::dsl as s;
    let (digest, sealed, hash): (String, Option<String>, Option<String>) = s::shares
        .select((s::token_sha256, s::token_sealed, s::password_hash))
        .first(&mut app.conn())
        .expect("row");
    assert_ne!(digest, token, "the token is stored as its digest");
    assert!(sealed.is_some_and(|s| s != token), "and sealed, never in clear");
    let hash = hash.expect("a hash");
    assert!(hash.starts_with("$2") && !hash.contains(SHARE_PASSWORD));
    let log = app.log.text();
    assert!(!log.contains(SHARE_PASSWORD), "the log holds the share password");
    assert!(!log.contains(&token), "the log holds the share token");

    let bob = app.register("bob").await;
    let r =
        call(&app, Method::GET, &format!("/api/v1/shares/{id}"), &bearer(&bob.token), None).await;
    assert_eq!(r.status, 404, "another user's link is missing");
    let r = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &bearer(&bob.token),
        Some(json!({ "file": file })),
    )
    .await;
    assert_eq!(r.status, 404, "nobody shares another user's file");
}

#[actix_web::test]
async fn bad_requests_are_refused_with_the_field() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let file = id_of(
        &app.send(upload("/api/v1/files", &auth, "a.png", &png_1x1())).await.json()["items"][0],
    );
    for (body, status) in [
        (json!({ "file": file, "kind": "upload" }), 400),
        (json!({ "file": file, "kind": "edit" }), 400),
        (json!({ "file": file, "expires_at": "2001-01-01T00:00:00Z" }), 400),
        (json!({ "file": file, "max_downloads": 0 }), 400),
        (json!({ "file": file, "token": "mine" }), 400),
        (json!({ "file": "no-such-file" }), 404),
    ] {
        let r = call(&app, Method::POST, "/api/v1/shares", &auth, Some(body.clone())).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
    }
}

#[actix_web::test]
async fn app_passwords_need_the_shares_scope_and_stay_in_their_folder() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let owner = bearer(&alice.token);
    let mk = |name: &str| {
        call(&app, Method::POST, "/api/v1/folders", &owner, Some(json!({ "name": name })))
    };
    let photos = id_of(&mk("Photos").await.json());
    let private = id_of(&mk("Private").await.json());
    let plain =
        create(&app, &alice, json!({ "name": "sync", "scope": "files:read files:write" })).await;
    let r = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &bearer(&token_of(&plain)),
        Some(json!({ "file": photos })),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "scope_insufficient".into()), "{}", r.text());
    let r = call(&app, Method::GET, "/api/v1/shares", &bearer(&token_of(&plain)), None).await;
    assert_eq!(r.status, 403);

    let scoped = create(
        &app,
        &alice,
        json!({ "name": "share-bot",
        "scope": "files:read files:write shares", "folder": photos }),
    )
    .await;
    let bot = bearer(&token_of(&scoped));
    let r =
        call(&app, Method::POST, "/api/v1/shares", &bot, Some(json!({ "file": private }))).await;
    assert_eq!(r.status, 404, "outside its folder: {}", r.text());
    let r = call(&app, Method::POST, "/api/v1/shares", &bot, Some(json!({ "file": photos }))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r =
        call(&app, Method::POST, "/api/v1/shares", &owner, Some(json!({ "file": private }))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let outside = id_of(&r.json());
    let r = call(&app, Method::GET, "/api/v1/shares", &bot, None).await;
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(1), "{}", r.text());
    let r = call(&app, Method::DELETE, &format!("/api/v1/shares/{outside}"), &bot, None).await;
    assert_eq!(r.status, 404, "a link outside its folder is not its to revoke");
}
