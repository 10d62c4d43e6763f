//! Resumable uploads (tus 1.0) at the protocol level: every status the spec names (412 wrong
//! version, 415 wrong body type, 409 wrong offset, 460 checksum mismatch with nothing kept,
//! 413 too large, 404 after termination or for anyone else, 410 after expiry), nothing in the
//! listing before the last byte, the file and `Homedisk-File-Id` after it, two uploads racing
//! for the last bytes of a quota, and the sweep of expired uploads.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app_passwords::{bearer, call};
use crate::helpers::{Resp, spawn_app, spawn_with};

const BASE: &str = "/api/v1/uploads";

pub(crate) fn tus(method: Method, uri: &str, auth: &str) -> TestRequest {
    TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("Authorization", auth.to_owned()))
        .insert_header(("Tus-Resumable", "1.0.0"))
}

pub(crate) fn create(auth: &str, length: usize, name: &str) -> TestRequest {
    let meta = format!("filename {}", STANDARD.encode(name));
    tus(Method::POST, BASE, auth)
        .insert_header(("Upload-Length", length.to_string()))
        .insert_header(("Upload-Metadata", meta))
}

pub(crate) fn patch(auth: &str, url: &str, offset: usize, bytes: &[u8]) -> TestRequest {
    tus(Method::PATCH, url, auth)
        .insert_header(("Upload-Offset", offset.to_string()))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .set_payload(bytes.to_vec())
}

pub(crate) fn location(r: &Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.text());
    r.header("location").expect("Location").to_owned()
}

/// Makes upload `id` an hour past its expiry.
pub(crate) fn expire(conn: &mut homedisk::db::DbConn, id: &str) {
    use diesel::prelude::*;
    use homedisk::db::schema::uploads::dsl as u;
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::hours(1);
    diesel::update(u::uploads.find(id)).set(u::expires_at.eq(past)).execute(conn).expect("age it");
}

pub(crate) fn offset(r: &Resp) -> Option<u64> {
    r.header("upload-offset").and_then(|v| v.parse().ok())
}

#[actix_web::test]
async fn every_status_of_the_protocol_and_nothing_visible_before_the_end() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let r = app.send(TestRequest::default().method(Method::OPTIONS).uri(BASE)).await;
    assert_eq!(r.status, 204, "OPTIONS needs no credentials");
    assert_eq!(r.header("tus-version"), Some("1.0.0"));
    assert!(
        r.header("tus-extension")
            .is_some_and(|e| e.contains("checksum") && e.contains("termination"))
    );

    let r = app.send(create(&auth, 10, "a.txt").insert_header(("Tus-Resumable", "0.2.2"))).await;
    assert_eq!(
        (r.status.as_u16(), r.header("tus-resumable")),
        (412, Some("1.0.0")),
        "{}",
        r.text()
    );
    let r = app.send(TestRequest::post().uri(BASE).insert_header(("Tus-Resumable", "1.0.0"))).await;
    assert_eq!(r.status, 401, "credentials as on the API");
    let r = app.send(tus(Method::POST, BASE, &auth).insert_header(("Upload-Length", "5"))).await;
    assert_eq!(r.status, 400, "a name is needed: {}", r.text());
    let r = app.send(create(&auth, 10, "bad\u{0}name")).await;
    assert_eq!(r.status, 400, "{}", r.text());

    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let created = app.send(create(&auth, data.len(), "big.bin")).await;
    let url = location(&created);
    assert!(created.header("upload-expires").is_some_and(|e| e.ends_with("GMT")), "expiration");
    let r = app.send(patch(&auth, &url, 0, &data[..100_000])).await;
    assert_eq!((r.status.as_u16(), offset(&r)), (204, Some(100_000)), "{}", r.text());
    let listing = call(&app, Method::GET, "/api/v1/files", &auth, None).await.json();
    assert_eq!(listing["items"], json!([]), "nothing visible before the last byte");

    let r = app.send(patch(&auth, &url, 5, &data[5..10])).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (409, "upload_offset"), "{}", r.text());
    let r = app
        .send(
            tus(Method::PATCH, &url, &auth)
                .insert_header(("Upload-Offset", "100000"))
                .insert_header(("Content-Type", "application/octet-stream"))
                .set_payload(data[100_000..100_010].to_vec()),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text());
    let wrong = format!("sha1 {}", STANDARD.encode([0u8; 20]));
    let r = app
        .send(
            patch(&auth, &url, 100_000, &data[100_000..200_000])
                .insert_header(("Upload-Checksum", wrong)),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (460, "checksum_mismatch"), "{}", r.text());
    let on_disk =
        app.state.config.data_dir.join("uploads").join(url.rsplit('/').next().unwrap_or(""));
    assert_eq!(
        std::fs::metadata(&on_disk).expect("the upload's file").len(),
        100_000,
        "nothing kept"
    );
    let r = app.send(tus(Method::HEAD, &url, &auth)).await;
    assert_eq!((r.status.as_u16(), offset(&r)), (200, Some(100_000)));
    assert_eq!(r.header("upload-length"), Some("300000"));
    let r = app.send(patch(&auth, &url, 100_000, &[7u8; 200_001])).await;
    assert_eq!(r.status, 413, "past the length: {}", r.text());

    let bob = app.register("bob").await;
    for method in [Method::HEAD, Method::DELETE] {
        let r = app.send(tus(method.clone(), &url, &bearer(&bob.token))).await;
        assert_eq!(r.status, 404, "{method} by someone else");
    }
    let other_session = app.login_as(&alice, "app").await;
    let r = app.send(tus(Method::HEAD, &url, &bearer(&other_session))).await;
    assert_eq!(r.status, 404, "an upload belongs to its session");

    let right = format!("sha256 {}", STANDARD.encode(Sha256::digest(&data[100_000..])));
    let r = app
        .send(
            patch(&auth, &url, 100_000, &data[100_000..]).insert_header(("Upload-Checksum", right)),
        )
        .await;
    assert_eq!((r.status.as_u16(), offset(&r)), (204, Some(300_000)), "{}", r.text());
    let id = r.header("homedisk-file-id").expect("the file's id").to_owned();
    let got = app
        .send(
            TestRequest::get()
                .uri(&format!("/api/v1/files/{id}/content"))
                .insert_header(("Authorization", auth.clone())),
        )
        .await;
    assert_eq!(got.body.as_ref(), data.as_slice());
    assert!(!on_disk.exists(), "the upload's file became the blob");
    let r = app.send(tus(Method::HEAD, &url, &auth)).await;
    assert_eq!(r.status, 404, "a finished upload is gone");

    // Creation with upload, an empty file, termination.
    let r = app
        .send(
            create(&auth, 3, "abc.txt")
                .insert_header(("Content-Type", "application/offset+octet-stream"))
                .set_payload(b"abc".to_vec()),
        )
        .await;
    assert_eq!((r.status.as_u16(), offset(&r)), (201, Some(3)), "{}", r.text());
    assert!(r.header("homedisk-file-id").is_some());
    let r = app.send(create(&auth, 0, "empty.txt")).await;
    assert!(r.header("homedisk-file-id").is_some(), "an empty file is complete at once");
    // Bytes this node does not hold (another node took them, or they were swept): 404.
    let elsewhere = location(&app.send(create(&auth, 10, "elsewhere.txt")).await);
    let dir = app.state.config.data_dir.join("uploads");
    std::fs::remove_file(dir.join(elsewhere.rsplit('/').next().expect("id"))).expect("rm");
    let r = app.send(patch(&auth, &elsewhere, 0, b"01234")).await;
    assert_eq!(r.status, 404, "{}", r.text());
    app.send(tus(Method::DELETE, &elsewhere, &auth)).await;
    let url = location(&app.send(create(&auth, 10, "gone.txt")).await);
    app.send(patch(&auth, &url, 0, b"01234")).await;
    let r = app.send(tus(Method::DELETE, &url, &auth)).await;
    assert_eq!(r.status, 204);
    for r in [
        app.send(tus(Method::HEAD, &url, &auth)).await,
        app.send(patch(&auth, &url, 5, b"56789")).await,
    ] {
        assert_eq!(r.status, 404, "after termination");
    }
    let names: Vec<String> =
        call(&app, Method::GET, "/api/v1/files", &auth, None).await.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().unwrap_or("").to_owned())
            .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(!names.contains(&"gone.txt".to_owned()));
}

#[actix_web::test]
async fn the_size_limit_the_quota_race_and_the_expiry_sweep() {
    let app = spawn_with(&[("HOMEDISK_MAX_UPLOAD_BYTES", "1000")]).await;
    let root = app.register("root").await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let r = app.send(create(&auth, 1001, "big.bin")).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("limit")));

    let quota = json!({ "quota": 100 });
    let r = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{}", alice.id),
        &bearer(&root.token),
        Some(quota),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app.send(create(&auth, 101, "over.bin")).await;
    assert_eq!(
        (r.status.as_u16(), r.code().as_str()),
        (413, "quota_exceeded"),
        "checked at creation"
    );
    let first = location(&app.send(create(&auth, 60, "one.bin")).await);
    let second = location(&app.send(create(&auth, 60, "two.bin")).await);
    let (a, b) = futures_util::join!(
        app.send(patch(&auth, &first, 0, &[1u8; 60])),
        app.send(patch(&auth, &second, 0, &[2u8; 60]))
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 413], "exactly one fits: {} / {}", a.text(), b.text());
    let used = app.me(&alice.token).await.json()["storage_used"].as_i64();
    assert_eq!(used, Some(60), "the quota held");

    // An upload idle past its expiry answers 410, and the sweep takes it and its bytes.
    let url = location(&app.send(create(&auth, 30, "old.bin")).await);
    app.send(patch(&auth, &url, 0, b"0123456789")).await;
    let id = url.rsplit('/').next().expect("id").to_owned();
    expire(&mut app.conn(), &id);
    let r = app.send(tus(Method::HEAD, &url, &auth)).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (410, "upload_gone"));
    let dir = app.state.config.data_dir.join("uploads");
    let live = location(&app.send(create(&auth, 30, "live.bin")).await);
    // An upload of a session that logged out can never be reached again: swept too.
    let phone = app.login_as(&alice, "app").await;
    let orphan = location(&app.send(create(&bearer(&phone), 30, "orphan.bin")).await);
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/logout")
                .insert_header(("Authorization", bearer(&phone))),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let now = chrono::Utc::now().naive_utc();
    let swept = homedisk::uploads::sweep(
        &mut app.conn(),
        &homedisk::uploads::Backend::of(&app.state.storage, &dir),
        now,
        100,
    )
    .expect("sweep");
    assert_eq!(swept, 2);
    assert!(!dir.join(orphan.rsplit('/').next().expect("id")).exists());
    assert!(!dir.join(&id).exists(), "its bytes went");
    let r = app.send(tus(Method::HEAD, &live, &auth)).await;
    assert_eq!(r.status, 200, "a live upload stays");
}

#[actix_web::test]
async fn a_second_writer_waits_its_turn_and_bytes_never_interleave() {
    use futures_util::StreamExt;
    use homedisk::uploads::{self, Caller, Chunk, Context};

    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let url = location(&app.send(create(&auth, 8, "one.bin")).await);
    let id = url.rsplit('/').next().expect("id").to_owned();
    let ctx = Context {
        db: app.state.db.clone(),
        storage: app.state.storage.clone(),
        dir: app.state.config.data_dir.join("uploads"),
        max_file_bytes: 1 << 20,
    };
    let who = Caller {
        owner: homedisk::db::ids::UserId(alice.id.clone()),
        session: alice.session_id.clone(),
        confined_to: None,
    };
    let now = chrono::Utc::now().naive_utc();
    // The first writer sends 4 bytes, then its body stays open until told to end.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<bytes::Bytes, String>>();
    tx.send(Ok(bytes::Bytes::from_static(b"AAAA"))).expect("send");
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece, rx))
    });
    let first = Chunk { body: body.boxed_local(), checksum: None };
    let (second_answer, first_answer) = futures_util::join!(
        async {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
            let body = futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"BBBB"))]);
            let second = Chunk { body: body.boxed_local(), checksum: None };
            let answer = uploads::append(&ctx, &who, &id, 0, second, now).await;
            drop(tx);
            answer
        },
        uploads::append(&ctx, &who, &id, 0, first, now),
    );
    assert!(matches!(second_answer, Err(homedisk::error::AppError::UploadBusy)), "423 while busy");
    assert_eq!(first_answer.expect("the first writer").offset, 4);
    let r = app.send(patch(&auth, &url, 4, b"CCCC")).await;
    assert_eq!((r.status.as_u16(), offset(&r)), (204, Some(8)), "{}", r.text());
    let id = r.header("homedisk-file-id").expect("file").to_owned();
    let got = app
        .send(
            TestRequest::get()
                .uri(&format!("/api/v1/files/{id}/content"))
                .insert_header(("Authorization", auth.clone())),
        )
        .await;
    assert_eq!(got.body.as_ref(), b"AAAACCCC", "only the first writer's bytes");
    let busy = homedisk::error::AppError::UploadBusy;
    assert_eq!(busy.code_and_status().1.as_u16(), 423);
}
