//! App passwords: created by the account holder after a recent login, shown once, stored as a
//! SHA-256; accepted in every header form the API reads and never in a URL; limited by scopes
//! and by a folder on every file route; revoked, expired or disabled → refused at once.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::files::{id_of, png_1x1};
use crate::helpers::{Resp, TestApp, TestUser, csrf_in, session_cookie, spawn_app};

const BOUNDARY: &str = "----homedisk-app-password-test";

/// A request carrying `auth` as its `Authorization` header.
pub(crate) fn with_auth(method: Method, uri: &str, auth: &str) -> TestRequest {
    TestRequest::default().method(method).uri(uri).insert_header(("Authorization", auth.to_owned()))
}

pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub(crate) fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// A multipart upload of one file to `uri`.
pub(crate) fn upload(uri: &str, auth: &str, name: &str, bytes: &[u8]) -> TestRequest {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    with_auth(Method::POST, uri, auth)
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body)
}

/// Creates an app password for `user` through the API; returns the whole answer.
pub(crate) async fn create<S, B>(app: &TestApp<S>, user: &TestUser, body: Value) -> Value
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = app
        .send(with_auth(Method::POST, "/api/v1/app-passwords", &bearer(&user.token)).set_json(body))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

pub(crate) async fn call<S, B>(
    app: &TestApp<S>,
    method: Method,
    uri: &str,
    auth: &str,
    body: Option<Value>,
) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = with_auth(method, uri, auth);
    app.send(match body {
        Some(b) => req.set_json(b),
        None => req,
    })
    .await
}

pub(crate) fn token_of(created: &Value) -> String {
    created["token"].as_str().expect("token").to_owned()
}

#[actix_web::test]
async fn an_app_password_works_in_every_header_form_and_never_in_a_url() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let created = create(&app, &alice, json!({ "name": "backup script" })).await;
    let token = token_of(&created);
    assert!(token.starts_with("hdk_") && token.len() == 100, "{token}");
    assert_eq!(created["scope"], "files:read files:write shares dav");

    for auth in [bearer(&token), basic("alice", &token), basic("ALICE", &token), basic(&token, "")]
    {
        let r = app.send(with_auth(Method::GET, "/api/v1/me", &auth)).await;
        assert_eq!(r.status, 200, "{auth}: {}", r.text());
        assert_eq!(r.json()["username"], "alice");
    }
    for header in ["token", "z-token"] {
        let r = app
            .send(TestRequest::get().uri("/api/v1/files").insert_header((header, token.clone())))
            .await;
        assert_eq!(r.status, 200, "{header}: {}", r.text());
    }
    // Another account's name with it, a changed secret, the account password over Basic.
    let bob = app.register("bob").await;
    let mut wrong = token.clone();
    wrong.replace_range(90..91, if &token[90..91] == "0" { "1" } else { "0" });
    for auth in [basic("bob", &token), bearer(&wrong), basic("alice", &alice.password)] {
        let r = app.send(with_auth(Method::GET, "/api/v1/me", &auth)).await;
        assert_eq!(r.status, 401, "{auth}: {}", r.text());
    }
    let _ = bob;
    // Never from a URL, not even on the one route that reads a query token.
    let photo = app.send(upload("/api/v1/files", &bearer(&token), "p.png", &png_1x1())).await;
    let photo = id_of(&photo.json()["items"][0]);
    let r = app.send(TestRequest::get().uri(&format!("/preview/{photo}?token={token}"))).await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r = app.send(TestRequest::get().uri(&format!("/api/v1/files?token={token}"))).await;
    assert_eq!(r.status, 401);
    // In a header, the preview route takes it (an app's image loader).
    let r = app
        .send(with_auth(Method::GET, &format!("/preview/{photo}?size=sm"), &bearer(&token)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // A session cookie holding it is not a session.
    let r = app.send(TestRequest::get().uri("/api/v1/me").cookie(session_cookie(&token))).await;
    assert_eq!(r.status, 401);
}

#[actix_web::test]
async fn scopes_allow_and_refuse_each_route_class() {
    let app = spawn_app().await;
    let admin = app.register("root").await; // the first account is the admin
    let reader =
        token_of(&create(&app, &admin, json!({ "name": "r", "scope": "files:read" })).await);
    let writer =
        token_of(&create(&app, &admin, json!({ "name": "w", "scope": "files:write" })).await);
    let all = token_of(&create(&app, &admin, json!({ "name": "all" })).await);

    let cases: &[(&str, Method, &str, Option<Value>, u16)] = &[
        (&reader, Method::GET, "/api/v1/files", None, 200),
        (&reader, Method::GET, "/api/v1/search?q=x", None, 200),
        (&reader, Method::POST, "/api/v1/folders", Some(json!({ "name": "no" })), 403),
        (&writer, Method::GET, "/api/v1/files", None, 403),
        (&writer, Method::POST, "/api/v1/folders", Some(json!({ "name": "yes" })), 201),
        // Never admin, even for an admin's app password.
        (&all, Method::GET, "/api/v1/admin/users", None, 403),
        // Never the account's credentials.
        (&all, Method::POST, "/api/v1/app-passwords", Some(json!({ "name": "x" })), 403),
        (&all, Method::GET, "/api/v1/app-passwords", None, 403),
        (
            &all,
            Method::PUT,
            "/api/v1/me/password",
            Some(
                json!({ "current_password": "correct horse battery", "new_password": "another horse 123" }),
            ),
            403,
        ),
        (&all, Method::GET, "/api/v1/sessions", None, 403),
        (&all, Method::POST, "/api/v1/auth/logout-all", None, 403),
    ];
    for (token, method, uri, body, want) in cases {
        let r = call(&app, method.clone(), uri, &bearer(token), body.clone()).await;
        assert_eq!(r.status.as_u16(), *want, "{method} {uri}: {}", r.text());
        if *want == 403 {
            assert_eq!(r.code(), "scope_insufficient", "{method} {uri}");
        }
    }
}

#[actix_web::test]
async fn revocation_expiry_and_disabling_take_effect_at_once() {
    let app = spawn_app().await;
    let admin = app.register("root").await;
    let alice = app.register("alice").await;
    let one = create(&app, &alice, json!({ "name": "one" })).await;
    let two = token_of(
        &create(&app, &alice, json!({ "name": "two", "expires_at": "2099-01-01T00:00:00Z" })).await,
    );
    let (one_id, one) = (one["id"].as_str().expect("id").to_owned(), token_of(&one));
    assert_eq!(call(&app, Method::GET, "/api/v1/me", &bearer(&one), None).await.status, 200);

    let listed =
        call(&app, Method::GET, "/api/v1/app-passwords", &bearer(&alice.token), None).await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert!(!listed.to_string().contains("hdk_"), "a secret in the list: {listed}");
    assert_eq!(listed["items"][1]["name"], "one");
    assert!(
        listed["items"][1]["last_used_at"].is_string()
            || listed["items"][1]["last_used_at"].is_null()
    );

    let r = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/app-passwords/{one_id}"),
        &bearer(&alice.token),
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let r = call(&app, Method::GET, "/api/v1/me", &bearer(&one), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_revoked".into()));
    // Someone else's (or a session's) id is not an app password of theirs.
    let r = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/app-passwords/{}", alice.session_id),
        &bearer(&alice.token),
        None,
    )
    .await;
    assert_eq!(r.status, 404);

    // Expired: move its end into the past.
    {
        use homedisk::db::schema::sessions::dsl::*;
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
        let mut conn = app.conn();
        diesel::update(sessions.filter(method.eq("app_password")).filter(revoked_at.is_null()))
            .set(expires_at.eq(past))
            .execute(&mut *conn)
            .expect("expire");
    }
    let r = call(&app, Method::GET, "/api/v1/me", &bearer(&two), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_expired".into()));

    // Disabled: a fresh one stops at once.
    let three = token_of(&create(&app, &alice, json!({ "name": "three" })).await);
    let r = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{}", alice.id),
        &bearer(&admin.token),
        Some(json!({ "state": "disabled" })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(&app, Method::GET, "/api/v1/me", &bearer(&three), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "user_disabled".into()));
}

#[actix_web::test]
async fn password_changes_and_logging_out_everywhere_keep_app_passwords_unless_asked() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let kept = token_of(&create(&app, &alice, json!({ "name": "kept" })).await);
    let new_password = "another horse 123";
    let r = call(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &bearer(&alice.token),
        Some(json!({ "current_password": alice.password, "new_password": new_password })),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(call(&app, Method::GET, "/api/v1/me", &bearer(&kept), None).await.status, 200);
    let r = call(&app, Method::POST, "/api/v1/auth/logout-all", &bearer(&alice.token), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(call(&app, Method::GET, "/api/v1/me", &bearer(&kept), None).await.status, 200);

    let session = app
        .post_json("/api/v1/auth/login", json!({ "login": "alice", "password": new_password }))
        .await
        .json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let r = call(&app, Method::PUT, "/api/v1/me/password", &bearer(&session), Some(json!({ "current_password": new_password, "new_password": "third horse 1234", "end_app_passwords": true }))).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = call(&app, Method::GET, "/api/v1/me", &bearer(&kept), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_revoked".into()));
}

#[actix_web::test]
async fn creating_one_needs_a_recent_login_and_valid_input() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x", "scope": "admin" }), "scope"),
        (json!({ "name": "x", "scope": "" }), "scope"),
        (json!({ "name": "x", "expires_at": "2001-01-01" }), "expires_at"),
        (json!({ "name": "x", "expires_at": "tomorrow" }), "expires_at"),
        (json!({ "name": "a\u{7}b" }), "name"),
    ] {
        let r = call(&app, Method::POST, "/api/v1/app-passwords", &auth, Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert!(
            r.json()["errors"][field].is_array() || r.text().contains(field),
            "{body}: {}",
            r.text()
        );
    }
    let r = call(
        &app,
        Method::POST,
        "/api/v1/app-passwords",
        &auth,
        Some(json!({ "name": "x", "folder": "nope" })),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = call(
        &app,
        Method::POST,
        "/api/v1/app-passwords",
        &auth,
        Some(json!({ "name": "x", "extra": 1 })),
    )
    .await;
    assert_eq!(r.status, 400);

    // A login older than ten minutes must be confirmed again.
    {
        use homedisk::db::schema::sessions::dsl::*;
        let old = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(11);
        diesel::update(sessions.find(&alice.session_id))
            .set(verified_at.eq(old))
            .execute(&mut *app.conn())
            .expect("age");
    }
    let r =
        call(&app, Method::POST, "/api/v1/app-passwords", &auth, Some(json!({ "name": "late" })))
            .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "reauth_required".into()));
    let r = call(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &auth,
        Some(json!({ "current_password": alice.password, "new_password": "another horse 123" })),
    )
    .await;
    assert_eq!(r.code(), "reauth_required");
}

#[actix_web::test]
async fn the_secret_is_never_stored_or_logged_in_clear() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let token = token_of(&create(&app, &alice, json!({ "name": "logger" })).await);
    for _ in 0..3 {
        call(&app, Method::GET, "/api/v1/files", &bearer(&token), None).await;
        call(&app, Method::GET, "/api/v1/files", &basic("alice", &token), None).await;
    }
    let secret = &token[36..];
    assert!(!app.log.text().contains(secret), "the secret reached the log");
    let mut conn = app.conn();
    let stored: Vec<String> = homedisk::db::schema::app_passwords::table
        .select(homedisk::db::schema::app_passwords::secret_sha256)
        .load(&mut *conn)
        .expect("rows");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], secret);
    let audit: Vec<Option<String>> = homedisk::db::schema::audit_log::table
        .select(homedisk::db::schema::audit_log::detail)
        .load(&mut *conn)
        .expect("audit");
    assert!(audit.iter().flatten().all(|d| !d.contains(secret)));
    assert!(audit.iter().flatten().any(|d| d.contains("logger")), "creation audited: {audit:?}");
}

#[actix_web::test]
async fn the_account_page_creates_one_shows_it_once_and_revokes_it() {
    let app = spawn_app().await;
    app.register("alice").await;
    let cookie = app.web_login("alice", crate::helpers::PASSWORD).await;
    let csrf = app.page_csrf("/account", &cookie).await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/account/app-passwords")
                .cookie(session_cookie(&cookie))
                .set_form([
                    ("name", "rclone"),
                    ("scope_files_read", "on"),
                    ("scope_dav", "on"),
                    ("folder", ""),
                    ("expires", ""),
                    ("csrf_token", csrf.as_str()),
                ]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let page = r.text();
    let start = page.find("hdk_").expect("the secret is shown");
    let token: String = page[start..].chars().take(100).collect();
    let r = app.send(with_auth(Method::GET, "/api/v1/files", &basic("alice", &token))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .send(
            with_auth(Method::POST, "/api/v1/folders", &basic("alice", &token))
                .set_json(json!({ "name": "x" })),
        )
        .await;
    assert_eq!(r.status, 403, "files:write was not ticked");

    // Listed under Devices and apps, without the secret; revoked like a session.
    let page =
        app.send(TestRequest::get().uri("/account").cookie(session_cookie(&cookie))).await.text();
    assert!(page.contains("rclone") && page.contains("app password"), "{page}");
    assert!(!page.contains("hdk_"));
    let listed = app
        .send(with_auth(Method::GET, "/api/v1/sessions", &format!("Bearer {cookie}")))
        .await
        .json();
    let row = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["name"] == "rclone")
        .expect("listed")
        .clone();
    assert_eq!(row["method"], "app_password");
    let id = row["id"].as_str().expect("id");
    let csrf = csrf_in(&page);
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("/account/sessions/{id}/revoke"))
                .cookie(session_cookie(&cookie))
                .set_form([("csrf_token", csrf.as_str())]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = app.send(with_auth(Method::GET, "/api/v1/files", &basic("alice", &token))).await;
    assert_eq!(r.status, 401);

    // No box ticked is refused with a message, not turned into "everything".
    let r = app
        .send(
            TestRequest::post()
                .uri("/account/app-passwords")
                .cookie(session_cookie(&cookie))
                .set_form([("name", "nothing"), ("csrf_token", csrf.as_str())]),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(!r.text().contains("hdk_"));
}

#[actix_web::test]
async fn a_nul_in_an_id_is_a_client_error_on_every_database() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let owner = bearer(&alice.token);
    let confined_to = id_of(
        &call(&app, Method::POST, "/api/v1/folders", &owner, Some(json!({ "name": "F" })))
            .await
            .json(),
    );
    let confined = bearer(&token_of(
        &create(&app, &alice, json!({ "name": "c", "folder": confined_to })).await,
    ));
    let cases: Vec<(&str, Method, &str, Option<Value>)> = vec![
        (
            &owner,
            Method::POST,
            "/api/v1/app-passwords",
            Some(json!({ "name": "x", "folder": "a\u{0}b" })),
        ),
        (&owner, Method::GET, "/api/v1/files/a%00b", None),
        (&owner, Method::GET, "/api/v1/files?folder=a%00b", None),
        (
            &owner,
            Method::POST,
            "/api/v1/folders",
            Some(json!({ "name": "n", "folder": "a\u{0}b" })),
        ),
        (&confined, Method::GET, "/api/v1/files?folder=%00", None),
        (&confined, Method::GET, "/api/v1/files/a%00b/content", None),
    ];
    for (auth, method, uri, body) in cases {
        let r = call(&app, method.clone(), uri, auth, body).await;
        assert!(r.status.is_client_error(), "{method} {uri}: {} {}", r.status, r.text());
    }
}
