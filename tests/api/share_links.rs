//! Share links, the visitor's side: every byte route against every state of the gate (no
//! unlock, a wrong password, another link's unlock, expired, revoked, exhausted, target
//! trashed, file moved out, owner disabled, downloads off) answers its exact status and never
//! a byte of the file; the cap holds under 20 simultaneous downloads; Range pieces count
//! once; the password and the token never reach the log.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::app_passwords::{bearer, call, upload};
use crate::files::{id_of, png_1x1};
use crate::helpers::{Resp, spawn_app};
use crate::shares::SHARE_PASSWORD;

/// In the shared text file, and so in every answer that hands out its bytes.
const MARKER: &str = "only-for-those-with-the-link-7f3a";

/// Sends `req` with the unlock value, if any, as `X-Share-Unlock`.
fn with_unlock(req: TestRequest, unlock: Option<&str>) -> TestRequest {
    match unlock {
        Some(u) => req.insert_header(("X-Share-Unlock", u)),
        None => req,
    }
}

/// Asserts that each of `paths` answers `status` and holds no byte of the file.
macro_rules! expect_all {
    ($app:expr, $paths:expr, $unlock:expr, $status:expr, $why:expr) => {
        for path in $paths.iter() {
            let r: Resp = $app.send(with_unlock(TestRequest::get().uri(path), $unlock)).await;
            assert_eq!(r.status.as_u16(), $status, "{}: {path}: {}", $why, r.text());
            if $status != 200 {
                assert!(!r.text().contains(MARKER), "{}: {path} handed out the file", $why);
            }
            assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
            assert!(r.header("x-robots-tag").is_some_and(|v| v.contains("noindex")), "{path}");
            assert!(r.header("cache-control").is_some_and(|v| v.contains("private")), "{path}");
        }
    };
}

#[actix_web::test]
async fn every_byte_route_answers_every_state_of_the_gate() {
    let app = spawn_app().await;
    let root = app.register("root").await; // the first account: the administrator
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let folder = |name: &str| {
        call(&app, Method::POST, "/api/v1/folders", &auth, Some(json!({ "name": name })))
    };
    let album = id_of(&folder("Album").await.json());
    let other = id_of(&folder("Other").await.json());
    let into = format!("/api/v1/files?folder={album}");
    let text =
        id_of(&app.send(upload(&into, &auth, "a.txt", MARKER.as_bytes())).await.json()["items"][0]);
    let image =
        id_of(&app.send(upload(&into, &auth, "p.png", &png_1x1())).await.json()["items"][0]);
    let share = |body: Value| call(&app, Method::POST, "/api/v1/shares", &auth, Some(body));
    let token_of = |r: &Value| r["token"].as_str().expect("token").to_owned();
    let paths = |t: &str| {
        [
            format!("/s/{t}/file/{text}"),
            format!("/s/{t}/thumb/{image}?size=sm"),
            format!("/s/{t}/zip"),
        ]
    };
    let unlock = |t: String, password: &'static str| {
        app.send(
            TestRequest::post()
                .uri(&format!("/s/{t}/unlock"))
                .set_json(json!({ "password": password })),
        )
    };

    // Locked: no unlock, a wrong password, another link's unlock.
    let locked =
        token_of(&share(json!({ "file": album, "password": SHARE_PASSWORD })).await.json());
    expect_all!(app, paths(&locked), None, 401, "no unlock");
    let r = unlock(locked.clone(), "wrong password").await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.cookie("homedisk_share").is_none(), "no cookie for a wrong password");
    let another =
        token_of(&share(json!({ "file": image, "password": SHARE_PASSWORD })).await.json());
    let r = unlock(another.clone(), SHARE_PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let foreign = r.json()["unlock_token"].as_str().expect("unlock_token").to_owned();
    expect_all!(app, paths(&locked), Some(foreign.as_str()), 401, "another link's unlock");
    let r = unlock(locked.clone(), SHARE_PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let cookie = r.cookie("homedisk_share").expect("cookie");
    let set = r.set_cookies().join("\n");
    assert!(set.contains(&format!("Path=/s/{locked}")) && set.contains("HttpOnly"), "{set}");
    let key = r.json()["unlock_token"].as_str().expect("unlock_token").to_owned();
    for path in paths(&locked) {
        let r = app.send(with_unlock(TestRequest::get().uri(&path), Some(&key))).await;
        assert_eq!(r.status, 200, "unlocked: {path}: {}", r.text());
        let by_cookie = TestRequest::get()
            .uri(&path)
            .cookie(actix_web::cookie::Cookie::new("homedisk_share", cookie.clone()));
        assert_eq!(app.send(by_cookie).await.status, 200, "the cookie unlocks {path}");
    }
    // A new password locks every unlocked visitor out again.
    let id = {
        let listed =
            call(&app, Method::GET, &format!("/api/v1/files/{album}/shares"), &auth, None).await;
        id_of(&listed.json()["items"][0])
    };
    let r = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/shares/{id}"),
        &auth,
        Some(json!({ "password": "a new one" })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    expect_all!(app, paths(&locked), Some(key.as_str()), 401, "the password changed");

    // Expired, revoked.
    let expired = share(json!({ "file": album })).await.json();
    {
        use homedisk::db::schema::shares::dsl as s;
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
        diesel::update(s::shares.find(id_of(&expired)))
            .set(s::expires_at.eq(past))
            .execute(&mut app.conn())
            .expect("expire");
    }
    expect_all!(app, paths(&token_of(&expired)), None, 404, "expired");
    let r = unlock(token_of(&expired), SHARE_PASSWORD).await;
    assert_eq!(r.status, 404, "no unlock of an expired link");
    let revoked = share(json!({ "file": album })).await.json();
    expect_all!(app, paths(&token_of(&revoked)), None, 200, "live before the revocation");
    call(&app, Method::DELETE, &format!("/api/v1/shares/{}", id_of(&revoked)), &auth, None).await;
    expect_all!(app, paths(&token_of(&revoked)), None, 404, "revoked");
    expect_all!(app, paths("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), None, 404, "unknown");

    // Exhausted: the one download allowed, then 410 everywhere.
    let capped = token_of(&share(json!({ "file": album, "max_downloads": 1 })).await.json());
    let r = app.send(TestRequest::get().uri(&format!("/s/{capped}/file/{text}"))).await;
    assert_eq!((r.status.as_u16(), r.text()), (200, MARKER.to_owned()));
    assert!(r.header("content-disposition").is_some_and(|v| v.starts_with("attachment")));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("content-security-policy").is_some_and(|v| v.contains("sandbox")));
    expect_all!(app, paths(&capped), None, 410, "exhausted");
    let r = app.send(TestRequest::get().uri(&format!("/s/{capped}/zip"))).await;
    assert_eq!(r.code(), "share_exhausted");

    // Downloads off: thumbnails yes, the original and the ZIP no.
    let view_only =
        token_of(&share(json!({ "file": album, "allow_download": false })).await.json());
    let [file_path, thumb_path, zip_path] = paths(&view_only);
    expect_all!(app, [file_path, zip_path], None, 403, "downloads off");
    expect_all!(app, [thumb_path], None, 200, "thumbnails of a view-only link");
    let r =
        app.send(TestRequest::get().uri(&format!("/s/{view_only}/thumb/{image}?size=orig"))).await;
    assert_eq!(r.status, 400, "orig is the original, not a thumbnail");

    // Moved out of the shared folder: gone from the share at once.
    let open = token_of(&share(json!({ "file": album })).await.json());
    expect_all!(app, paths(&open), None, 200, "live");
    let r = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/files/{text}"),
        &auth,
        Some(json!({ "folder": other })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    expect_all!(app, [format!("/s/{open}/file/{text}")], None, 404, "moved out");
    let r = app.send(TestRequest::get().uri(&format!("/s/{open}/zip"))).await;
    assert!(!r.text().contains(MARKER), "the ZIP leaves out what moved out");
    let r = app.send(TestRequest::get().uri(&format!("/s/{open}/file/{other}"))).await;
    assert_eq!(r.status, 404, "a folder outside the share");
    call(
        &app,
        Method::PATCH,
        &format!("/api/v1/files/{text}"),
        &auth,
        Some(json!({ "folder": album })),
    )
    .await;

    // The target trashed (and restored), the owner disabled.
    call(&app, Method::DELETE, &format!("/api/v1/files/{album}"), &auth, None).await;
    expect_all!(app, paths(&open), None, 404, "target trashed");
    let r = call(&app, Method::POST, &format!("/api/v1/trash/{album}/restore"), &auth, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    expect_all!(app, paths(&open), None, 200, "a restored target is shared again");
    let r = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{}", alice.id),
        &bearer(&root.token),
        Some(json!({ "state": "disabled" })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    expect_all!(app, paths(&open), None, 404, "owner disabled");

    let log = app.log.text();
    assert!(!log.contains(SHARE_PASSWORD), "the log holds the share password");
    for token in [&locked, &another, &open, &capped, &view_only] {
        assert!(!log.contains(token.as_str()), "the log holds a share token");
    }
    assert!(log.contains("/s/"), "the share routes were logged (shortened)");
}

#[actix_web::test]
async fn twenty_simultaneous_downloads_of_a_three_download_link_three_succeed() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let file = id_of(
        &app.send(upload("/api/v1/files", &auth, "a.txt", MARKER.as_bytes())).await.json()["items"]
            [0],
    );
    let r = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &auth,
        Some(json!({ "file": file, "max_downloads": 3 })),
    )
    .await;
    let token = r.json()["token"].as_str().expect("token").to_owned();
    let url = format!("/s/{token}/file/{file}");
    // Each request's gate runs on the blocking pool with its own pooled connection.
    let answers = join_all((0..20).map(|_| app.send(TestRequest::get().uri(&url)))).await;
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let gone = answers.iter().filter(|r| r.status == 410).count();
    assert_eq!((ok, gone), (3, 17), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    let r = call(&app, Method::GET, "/api/v1/shares", &auth, None).await;
    assert_eq!(r.json()["items"][0]["download_count"], 3);
    assert_eq!(r.json()["items"][0]["state"], "exhausted");
}

#[actix_web::test]
async fn range_pieces_of_one_download_count_once() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let file = id_of(
        &app.send(upload("/api/v1/files", &auth, "a.txt", MARKER.as_bytes())).await.json()["items"]
            [0],
    );
    let r = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &auth,
        Some(json!({ "file": file, "max_downloads": 2 })),
    )
    .await;
    let (id, token) = (id_of(&r.json()), r.json()["token"].as_str().expect("token").to_owned());
    let url = format!("/s/{token}/file/{file}");
    let count = || async {
        call(&app, Method::GET, &format!("/api/v1/shares/{id}"), &auth, None).await.json()["download_count"].clone()
    };
    for (range, status, counted) in [
        ("bytes=0-9", 206, 1),
        ("bytes=10-19", 206, 1),
        ("bytes=20-", 206, 1),
        ("bytes=-5", 206, 1),
    ] {
        let r = app.send(TestRequest::get().uri(&url).insert_header(("Range", range))).await;
        assert_eq!(r.status, status, "{range}: {}", r.text());
        assert_eq!(count().await, counted, "after {range}");
    }
    let r = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!((r.status.as_u16(), count().await), (200, json!(2)), "a full GET is a new download");
}

#[actix_web::test]
async fn the_cap_holds_for_twenty_threads_on_their_own_connections() {
    let app = crate::helpers::spawn_with(&[("HOMEDISK_DATABASE_POOL_SIZE", "24")]).await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let file = id_of(
        &app.send(upload("/api/v1/files", &auth, "a.txt", MARKER.as_bytes())).await.json()["items"]
            [0],
    );
    let body = json!({ "file": file, "max_downloads": 3 });
    let token = call(&app, Method::POST, "/api/v1/shares", &auth, Some(body)).await.json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(20));
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let (pool, barrier, token) = (app.state.db.clone(), barrier.clone(), token.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("a connection per thread");
                barrier.wait();
                let op = homedisk::shares::Operation::Download { counted: true };
                let now = chrono::Utc::now().naive_utc();
                homedisk::shares::authorize(&mut conn, &token, None, None, op, now)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    let granted = results.iter().filter(|r| r.is_ok()).count();
    let exhausted = results
        .iter()
        .filter(|r| matches!(r, Err(homedisk::error::AppError::ShareExhausted)))
        .count();
    assert_eq!((granted, exhausted), (3, 17), "{results:?}");
}
