//! Upload links: a visitor drops files into the shared folder without an account and without
//! seeing it. Files land (renamed beside a same-named file, which the visitor is never told),
//! are charged to the owner's quota and counted against the link's caps (files, bytes), a
//! refused file leaves nothing behind, and no page, route or answer names what is there.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::app_passwords::{bearer, call, upload};
use crate::files::id_of;
use crate::helpers::{Resp, TestApp, spawn_app, spawn_with};
use crate::shares::SHARE_PASSWORD;

const BOUNDARY: &str = "drop-boundary-5f1c";
/// The name and content of the file already in the folder: never shown to a visitor.
const SECRET: &str = "secret-plan.txt";

/// Makes the folder `Inbox` with `auth` and gives its id.
async fn inbox<S, B>(app: &TestApp<S>, auth: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let body = Some(json!({ "name": "Inbox" }));
    id_of(&call(app, Method::POST, "/api/v1/folders", auth, body).await.json())
}

/// A drop to `url`: text parts, then file parts, as a browser's form sends them.
fn drop_req(url: &str, texts: &[(&str, &str)], files: &[(&str, &[u8])], json: bool) -> TestRequest {
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let req = TestRequest::post()
        .uri(&format!("{url}/upload"))
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body);
    if json { req.insert_header(("accept", "application/json")) } else { req }
}

fn names(listing: &Value) -> Vec<String> {
    let items = listing["items"].as_array().cloned().unwrap_or_default();
    let mut names: Vec<String> =
        items.iter().filter_map(|i| i["name"].as_str().map(str::to_owned)).collect();
    names.sort();
    names
}

fn assert_silent(r: &Resp, what: &str) {
    let text = r.text();
    assert!(!text.contains("secret-plan"), "{what} names a file of the folder: {text}");
    assert!(!text.contains("(1)"), "{what} tells of a same-named file: {text}");
}

#[actix_web::test]
async fn an_upload_link_takes_files_counts_them_and_shows_nothing() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let inbox = inbox(&app, &auth).await;
    let into = format!("/api/v1/files?folder={inbox}");
    let secret =
        id_of(&app.send(upload(&into, &auth, SECRET, b"the plan")).await.json()["items"][0]);
    let file_link = call(
        &app,
        Method::POST,
        "/api/v1/shares",
        &auth,
        Some(json!({ "file": secret, "kind": "upload" })),
    )
    .await;
    assert_eq!(file_link.status, 400, "an upload link needs a folder: {}", file_link.text());
    let body =
        json!({ "file": inbox, "kind": "upload", "max_uploads": 3, "max_upload_bytes": 100 });
    let created = call(&app, Method::POST, "/api/v1/shares", &auth, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    assert_eq!(
        (created["kind"].as_str(), created["max_uploads"].as_i64()),
        (Some("upload"), Some(3))
    );
    let url = created["url"].as_str().expect("url").to_owned();

    let page = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains(&format!("action=\"{url}/upload\"")), "the drop form");
    assert_silent(&page, "the drop page");
    for path in [
        format!("{url}?folder={inbox}"),
        format!("{url}/file/{secret}"),
        format!("{url}/thumb/{secret}?size=sm"),
        format!("{url}/zip"),
    ] {
        let r = app.send(TestRequest::get().uri(&path)).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("the plan"), "{path} handed out the file");
    }

    let r = app
        .send(drop_req(&url, &[], &[(SECRET, b"mine"), ("photo.jpg", b"0123456789")], true))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(!r.text().contains("(1)"), "the answer tells of a same-named file: {}", r.text());
    let got = r.json();
    assert_eq!(got["received"][0]["name"], SECRET, "the name as sent");
    assert_eq!(got["received"][1]["size"], 10);
    let listing = call(&app, Method::GET, &into, &auth, None).await.json();
    assert_eq!(names(&listing), ["photo.jpg", "secret-plan (1).txt", SECRET]);
    let me = app.me(&alice.token).await.json();
    assert_eq!(me["storage_used"], 8 + 4 + 10, "charged to the owner");

    // The byte cap: 14 of 100 used; 90 more bytes do not fit, and take nothing.
    let r = app.send(drop_req(&url, &[], &[("big.bin", &[7u8; 90])], true)).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("86 bytes")), "{}", r.text());
    assert_eq!(names(&call(&app, Method::GET, &into, &auth, None).await.json()).len(), 3);
    assert_eq!(app.me(&alice.token).await.json()["storage_used"], 22, "nothing charged");

    // The file cap: the third file fits, a fourth finds the link used up.
    let r = app.send(drop_req(&url, &[], &[("three.txt", b"3")], false)).await;
    assert_eq!(r.status, 200, "a form gets the thanks page: {}", r.text());
    assert!(r.text().contains("three.txt"));
    assert_silent(&r, "the thanks page");
    let r = app.send(drop_req(&url, &[], &[("four.txt", b"4")], true)).await;
    assert_eq!(r.status, 410, "{}", r.text());
    assert_eq!(r.code(), "share_exhausted");
    let one =
        call(&app, Method::GET, &format!("/api/v1/shares/{}", id_of(&created)), &auth, None).await;
    let one = one.json();
    assert_eq!((one["upload_count"].as_i64(), one["upload_bytes"].as_i64()), (Some(3), Some(15)));
    assert_eq!(one["state"], "exhausted");
    let page = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(page.status, 410, "a used-up link says so");
}

#[actix_web::test]
async fn the_owners_quota_and_the_visitors_name_decide_where_files_go() {
    let app = spawn_app().await;
    let root = app.register("root").await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let inbox = inbox(&app, &auth).await;
    let body = json!({ "file": inbox, "kind": "upload", "uploader_folders": true,
        "password": SHARE_PASSWORD });
    let created = call(&app, Method::POST, "/api/v1/shares", &auth, Some(body)).await.json();
    let url = created["url"].as_str().expect("url").to_owned();

    let r = app.send(drop_req(&url, &[("uploader", "Bob")], &[("a.txt", b"a")], true)).await;
    assert_eq!(r.status, 401, "locked until unlocked: {}", r.text());
    let unlock = app
        .send(
            TestRequest::post()
                .uri(&format!("{url}/unlock"))
                .set_json(json!({ "password": SHARE_PASSWORD })),
        )
        .await
        .json()["unlock_token"]
        .as_str()
        .expect("unlock token")
        .to_owned();
    let send = |texts: &'static [(&'static str, &'static str)],
                name: &'static str,
                bytes: &'static [u8]| {
        app.send(
            drop_req(&url, texts, &[(name, bytes)], true)
                .insert_header(("X-Share-Unlock", unlock.clone())),
        )
    };
    let r = send(&[], "a.txt", b"a").await;
    assert_eq!(r.status, 400, "the name comes first: {}", r.text());
    let r = send(&[("uploader", "../up")], "a.txt", b"a").await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = send(&[("uploader", "Bob")], "a.txt", b"a").await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = send(&[("uploader", "Bob")], "b.txt", b"b").await;
    assert_eq!(r.status, 201, "{}", r.text());
    let listing =
        call(&app, Method::GET, &format!("/api/v1/files?folder={inbox}"), &auth, None).await.json();
    assert_eq!(names(&listing), ["Bob"], "one folder per visitor");
    let bob = id_of(&listing["items"][0]);
    let theirs =
        call(&app, Method::GET, &format!("/api/v1/files?folder={bob}"), &auth, None).await.json();
    assert_eq!(names(&theirs), ["a.txt", "b.txt"]);

    // The owner's storage is full: the visitor hears it is full, not how full.
    let used = app.me(&alice.token).await.json()["storage_used"].as_i64().expect("used");
    let quota = json!({ "quota": used + 5 });
    let r = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{}", alice.id),
        &bearer(&root.token),
        Some(quota),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = send(&[("uploader", "Bob")], "big.txt", b"0123456789").await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (413, "quota_exceeded"), "{}", r.text());
    let detail = r.json()["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("no room") && !detail.contains("quota"), "{detail}");
    let theirs =
        call(&app, Method::GET, &format!("/api/v1/files?folder={bob}"), &auth, None).await.json();
    assert_eq!(names(&theirs).len(), 2, "nothing half-stored");

    // A view link takes nothing.
    let view = call(&app, Method::POST, "/api/v1/shares", &auth, Some(json!({ "file": inbox })))
        .await
        .json();
    let r =
        app.send(drop_req(view["url"].as_str().expect("url"), &[], &[("x.txt", b"x")], true)).await;
    assert_eq!(r.status, 404, "{}", r.text());
}

#[actix_web::test]
async fn one_address_may_send_only_so_much_through_upload_links_an_hour() {
    let app = spawn_with(&[
        ("HOMEDISK_LINK_UPLOADS_PER_HOUR", "3"),
        ("HOMEDISK_LINK_UPLOAD_BYTES_PER_HOUR", "100KiB"),
    ])
    .await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let inbox = inbox(&app, &auth).await;
    let into = format!("/api/v1/files?folder={inbox}");
    let body = json!({ "file": inbox, "kind": "upload" });
    let created = call(&app, Method::POST, "/api/v1/shares", &auth, Some(body)).await.json();
    let url = created["url"].as_str().expect("url").to_owned();
    let from = |ip: &str, name: &str, bytes: &[u8], json: bool| {
        drop_req(&url, &[], &[(name, bytes)], json)
            .peer_addr(format!("{ip}:40000").parse().expect("addr"))
    };

    // Three uploads an hour from one address…
    for n in 0..3 {
        let r = app.send(from("192.0.2.1", &format!("{n}.txt"), b"hello", true)).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let r = app.send(from("192.0.2.1", "3.txt", b"hello", true)).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (429, "rate_limited"), "{}", r.text());
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((60..=3600).contains(&retry), "a third of an hour or so: {retry}");
    let detail = r.json()["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("upload links") && detail.contains("min"), "{detail}");
    let page = app.send(from("192.0.2.1", "3.txt", b"hello", false)).await;
    assert_eq!(page.status, 429, "the form gets the error page");
    assert!(page.header("retry-after").is_some());
    assert!(page.text().contains("upload links"), "{}", page.text());
    let zh = app
        .send(
            from("192.0.2.1", "3.txt", b"hello", false)
                .cookie(actix_web::cookie::Cookie::new("homedisk_lang", "zh-CN")),
        )
        .await;
    assert_eq!(zh.status, 429);
    let text = zh.text();
    assert!(
        text.contains("上传链接") && text.contains("分钟后再试"),
        "in the page's language: {text}"
    );
    // The wait in whole minutes (it may have ticked down by one since the answer above).
    let minutes = retry.div_ceil(60);
    let said = [minutes, minutes - 1].map(|m| format!("{m} 分钟"));
    assert!(said.iter().any(|m| text.contains(m.as_str())), "{said:?} in {text}");
    // …but another address is not held up by it.
    let r = app.send(from("192.0.2.2", "other.txt", b"hello", true)).await;
    assert_eq!(r.status, 201, "{}", r.text());

    // 100 KiB an hour from one address: a second 60 KiB waits, a smaller one fits.
    let big = vec![7u8; 60 << 10];
    let r = app.send(from("192.0.2.3", "a.bin", &big, true)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = app.send(from("192.0.2.3", "b.bin", &big, true)).await;
    assert_eq!(r.status, 429, "{}", r.text());
    let r = app.send(from("192.0.2.3", "c.bin", &[7u8; 20 << 10], true)).await;
    assert_eq!(r.status, 201, "{}", r.text());

    let listing = call(&app, Method::GET, &into, &auth, None).await.json();
    assert_eq!(
        names(&listing),
        ["0.txt", "1.txt", "2.txt", "a.bin", "c.bin", "other.txt"],
        "nothing of a refused upload is kept"
    );
}

#[actix_web::test]
async fn the_upload_limit_holds_across_nodes_sharing_the_database() {
    let limits = [("HOMEDISK_LINK_UPLOADS_PER_HOUR", "3")];
    let first = spawn_with(&limits).await;
    // SQLite has one node: nothing to share.
    let homedisk::db::DatabaseUrl::Postgres(url) = &first.state.config.database.url else {
        return;
    };
    let url = secrecy::ExposeSecret::expose_secret(url).to_owned();
    let second = spawn_with(&[limits[0], ("HOMEDISK_DATABASE_URL", url.as_str())]).await;
    let alice = first.register("alice").await;
    let auth = bearer(&alice.token);
    let inbox = inbox(&first, &auth).await;
    let body = json!({ "file": inbox, "kind": "upload" });
    let created = call(&first, Method::POST, "/api/v1/shares", &auth, Some(body)).await.json();
    let link = created["url"].as_str().expect("url").to_owned();
    let mut statuses = Vec::new();
    for n in 0..5 {
        let req = drop_req(&link, &[], &[(&format!("{n}.txt"), b"hi")], true)
            .peer_addr("192.0.2.9:40000".parse().expect("addr"));
        let r = if n % 2 == 1 { second.send(req).await } else { first.send(req).await };
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429], "3 an hour, whichever node answers");
}
