//! WebDAV at `/dav/` in-process: who may use it, what each method does to homedisk's files
//! (the same rules as the API: quota, trash, names, confinement), and hostile paths.
//! `dav_server.rs` covers what needs the real executable (chunked bodies, restarts); litmus
//! (`tests/litmus.sh`) and rclone (`tests/rclone.sh`) the protocol as clients see it.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::app_passwords::{basic, bearer, call, create, token_of};
use crate::helpers::{Resp, TestApp, TestUser, spawn_app, spawn_with};

pub(crate) fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("method")
}

/// One WebDAV request with `auth` (an `Authorization` value; empty: none).
pub(crate) async fn dav<S, B>(
    app: &TestApp<S>,
    verb: &str,
    path: &str,
    auth: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::default().method(method(verb)).uri(path);
    if !auth.is_empty() {
        req = req.insert_header(("Authorization", auth.to_owned()));
    }
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    app.send(req.set_payload(body.to_vec())).await
}

/// `Basic user:hdk_…` for a new app password of `user` with `scope` (and `folder`).
pub(crate) async fn app_password<S, B>(
    app: &TestApp<S>,
    user: &TestUser,
    scope: &str,
    folder: Option<&str>,
) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let created =
        create(app, user, json!({ "name": "dav", "scope": scope, "folder": folder })).await;
    basic(&user.username, &token_of(&created))
}

const PROPFIND_QUOTA: &[u8] = b"<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop>\
    <D:quota-available-bytes/><D:quota-used-bytes/></D:prop></D:propfind>";

#[actix_web::test]
async fn options_needs_no_credentials_and_the_rest_asks_for_basic() {
    let app = spawn_app().await;
    let r = dav(&app, "OPTIONS", "/dav/", "", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(r.header("dav").is_some_and(|d| d.contains('2')), "{:?}", r.headers);
    for verb in ["PROPFIND", "GET", "PUT", "MKCOL", "LOCK"] {
        let r = dav(&app, verb, "/dav/x", "", &[], b"").await;
        assert_eq!(r.status, 401, "{verb}");
        assert_eq!(
            r.header("www-authenticate"),
            Some("Basic realm=\"homedisk\", charset=\"UTF-8\"")
        );
    }
}

#[actix_web::test]
async fn the_account_password_is_refused_and_only_the_dav_scope_opens_it() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let r =
        dav(&app, "PROPFIND", "/dav/", &basic("alice", &alice.password), &[("depth", "0")], b"")
            .await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.header("www-authenticate").is_some_and(|h| h.starts_with("Basic")));

    let files_only = app_password(&app, &alice, "files:read files:write", None).await;
    let r = dav(&app, "PROPFIND", "/dav/", &files_only, &[("depth", "0")], b"").await;
    assert_eq!(r.status, 403, "{}", r.text());

    let with_dav = app_password(&app, &alice, "dav", None).await;
    let r = dav(&app, "PROPFIND", "/dav/", &with_dav, &[("depth", "0")], PROPFIND_QUOTA).await;
    assert_eq!(r.status, 207, "{}", r.text());
    assert!(r.text().contains("quota-available-bytes"), "{}", r.text());

    // A session token works as on the API.
    let r = dav(&app, "PROPFIND", "/dav/", &bearer(&alice.token), &[("depth", "0")], b"").await;
    assert_eq!(r.status, 207, "{}", r.text());
}

#[actix_web::test]
async fn a_revoked_app_password_is_refused_at_once() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let created = create(&app, &alice, json!({ "name": "phone", "scope": "dav" })).await;
    let auth = basic("alice", &token_of(&created));
    assert_eq!(dav(&app, "PROPFIND", "/dav/", &auth, &[("depth", "0")], b"").await.status, 207);
    let id = created["id"].as_str().expect("id");
    let r = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/app-passwords/{id}"),
        &bearer(&alice.token),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(dav(&app, "PROPFIND", "/dav/", &auth, &[("depth", "0")], b"").await.status, 401);
}

#[actix_web::test]
async fn each_user_sees_only_their_own_files() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let (a, b) = (bearer(&alice.token), bearer(&bob.token));
    assert_eq!(dav(&app, "PUT", "/dav/secret.txt", &b, &[], b"bob's").await.status, 201);
    assert_eq!(dav(&app, "GET", "/dav/secret.txt", &a, &[], b"").await.status, 404);
    let r = dav(&app, "GET", "/dav/secret.txt", &b, &[], b"").await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (200, "bob's"));
}

#[actix_web::test]
async fn a_confined_app_password_mounts_only_its_folder() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let owner = bearer(&alice.token);
    for path in ["/dav/Photos", "/dav/Private"] {
        assert_eq!(dav(&app, "MKCOL", path, &owner, &[], b"").await.status, 201);
    }
    assert_eq!(dav(&app, "PUT", "/dav/Photos/in.txt", &owner, &[], b"in").await.status, 201);
    assert_eq!(dav(&app, "PUT", "/dav/Private/out.txt", &owner, &[], b"out").await.status, 201);
    let listing = call(&app, Method::GET, "/api/v1/files", &owner, None).await.json();
    let photos = listing["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["name"] == "Photos"))
        .and_then(|i| i["id"].as_str())
        .expect("Photos")
        .to_owned();
    let phone = app_password(&app, &alice, "dav", Some(&photos)).await;

    let r = dav(&app, "PROPFIND", "/dav/", &phone, &[("depth", "1")], b"").await;
    assert_eq!(r.status, 207, "{}", r.text());
    assert!(r.text().contains("in.txt") && !r.text().contains("Private"), "{}", r.text());
    assert_eq!(dav(&app, "GET", "/dav/in.txt", &phone, &[], b"").await.text(), "in");
    for path in ["/dav/Private/out.txt", "/dav/../Private/out.txt", "/dav/Photos/in.txt"] {
        let status = dav(&app, "GET", path, &phone, &[], b"").await.status.as_u16();
        assert!(matches!(status, 400 | 403 | 404), "{path}: {status}");
    }
    // The mount itself cannot be deleted or moved away through it.
    assert_eq!(dav(&app, "DELETE", "/dav/", &phone, &[], b"").await.status, 403);
}

#[actix_web::test]
async fn a_put_over_the_quota_is_refused_and_leaves_nothing() {
    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "1000")]).await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let r = dav(&app, "PUT", "/dav/big.bin", &auth, &[], &[7u8; 4000]).await;
    assert_eq!(r.status, 507, "{}", r.text());
    assert_eq!(dav(&app, "GET", "/dav/big.bin", &auth, &[], b"").await.status, 404);
    assert_eq!(app.me(&alice.token).await.json()["storage_used"], 0);
    let tmp = app.state.config.data_dir.join("tmp");
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "temp files left in {}", tmp.display());
}

#[actix_web::test]
async fn a_put_over_an_existing_file_keeps_its_id_and_takes_the_client_time() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    assert_eq!(dav(&app, "PUT", "/dav/a.txt", &auth, &[], b"one").await.status, 201);
    let before = call(&app, Method::GET, "/api/v1/files", &auth, None).await.json();
    let r = dav(&app, "PUT", "/dav/a.txt", &auth, &[("x-oc-mtime", "1500000000")], b"second").await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(r.header("x-oc-mtime"), Some("accepted"));
    let after = call(&app, Method::GET, "/api/v1/files", &auth, None).await.json();
    assert_eq!(after["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(before["items"][0]["id"], after["items"][0]["id"]);
    assert_eq!(after["items"][0]["size"], 6);
    let r = dav(&app, "PROPFIND", "/dav/a.txt", &auth, &[("depth", "0")], b"").await;
    assert!(r.text().contains("Fri, 14 Jul 2017 02:40:00 GMT"), "{}", r.text());
    assert_eq!(app.me(&alice.token).await.json()["storage_used"], 6);
}

#[actix_web::test]
async fn move_honours_overwrite_and_copy_charges_the_quota_without_new_bytes() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    dav(&app, "PUT", "/dav/a.txt", &auth, &[], b"aaaa").await;
    dav(&app, "PUT", "/dav/b.txt", &auth, &[], b"bb").await;
    let to_b = [("destination", "http://localhost/dav/b.txt"), ("overwrite", "F")];
    assert_eq!(dav(&app, "MOVE", "/dav/a.txt", &auth, &to_b, b"").await.status, 412);
    assert_eq!(dav(&app, "GET", "/dav/b.txt", &auth, &[], b"").await.text(), "bb");
    let to_b = [("destination", "http://localhost/dav/b.txt"), ("overwrite", "T")];
    assert_eq!(dav(&app, "MOVE", "/dav/a.txt", &auth, &to_b, b"").await.status, 204);
    assert_eq!(dav(&app, "GET", "/dav/b.txt", &auth, &[], b"").await.text(), "aaaa");
    assert_eq!(dav(&app, "GET", "/dav/a.txt", &auth, &[], b"").await.status, 404);

    dav(&app, "MKCOL", "/dav/dir", &auth, &[], b"").await;
    dav(&app, "PUT", "/dav/dir/c.txt", &auth, &[], b"cccccc").await;
    let used = app.me(&alice.token).await.json()["storage_used"].as_i64();
    let blobs = || std::fs::read_dir(app.state.config.data_dir.join("blobs")).map(|d| d.count());
    let stored = blobs().ok();
    let to = [("destination", "http://localhost/dav/dir2/")];
    assert_eq!(dav(&app, "COPY", "/dav/dir/", &auth, &to, b"").await.status, 201);
    assert_eq!(dav(&app, "GET", "/dav/dir2/c.txt", &auth, &[], b"").await.text(), "cccccc");
    assert_eq!(app.me(&alice.token).await.json()["storage_used"].as_i64(), used.map(|u| u + 6));
    assert_eq!(blobs().ok(), stored, "a copy stores no new bytes");
}

#[actix_web::test]
async fn delete_puts_a_folder_in_the_trash_as_one_item() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    dav(&app, "MKCOL", "/dav/dir", &auth, &[], b"").await;
    dav(&app, "PUT", "/dav/dir/a.txt", &auth, &[], b"a").await;
    dav(&app, "PUT", "/dav/dir/b.txt", &auth, &[], b"b").await;
    assert_eq!(dav(&app, "DELETE", "/dav/dir/", &auth, &[], b"").await.status, 204);
    assert_eq!(dav(&app, "PROPFIND", "/dav/dir/", &auth, &[("depth", "0")], b"").await.status, 404);
    let trash = call(&app, Method::GET, "/api/v1/trash", &auth, None).await.json();
    let items = trash["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{trash}");
    assert_eq!(items[0]["name"], "dir");
}

#[actix_web::test]
async fn propfind_of_infinite_depth_is_refused() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let r =
        dav(&app, "PROPFIND", "/dav/", &bearer(&alice.token), &[("depth", "infinity")], b"").await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("propfind-finite-depth"), "{}", r.text());
}

#[actix_web::test]
async fn dead_properties_are_kept_and_follow_a_move() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    dav(&app, "PUT", "/dav/a.txt", &auth, &[], b"a").await;
    let set = br#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x-test"><D:set><D:prop><Z:colour>blue</Z:colour></D:prop></D:set></D:propertyupdate>"#;
    let r = dav(&app, "PROPPATCH", "/dav/a.txt", &auth, &[], set).await;
    assert_eq!(r.status, 207, "{}", r.text());
    let to = [("destination", "http://localhost/dav/b.txt")];
    assert_eq!(dav(&app, "MOVE", "/dav/a.txt", &auth, &to, b"").await.status, 201);
    let ask = br#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:x-test"><D:prop><Z:colour/></D:prop></D:propfind>"#;
    let r = dav(&app, "PROPFIND", "/dav/b.txt", &auth, &[("depth", "0")], ask).await;
    assert_eq!(r.status, 207, "{}", r.text());
    assert!(r.text().contains("blue"), "{}", r.text());
}

#[actix_web::test]
async fn hostile_paths_and_refused_names_answer_4xx_and_create_nothing() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    let long = "x".repeat(300);
    let deep = "/a".repeat(10_000);
    let paths = [
        "/dav/../etc/passwd".to_owned(),
        "/dav/%2e%2e/%2e%2e/etc/passwd".to_owned(),
        "/dav/nul%00byte".to_owned(),
        format!("/dav/{long}"),
        format!("/dav{deep}"),
        "/dav/line%0Abreak".to_owned(),
    ];
    for path in &paths {
        for verb in ["PUT", "MKCOL", "PROPFIND", "GET"] {
            let status =
                dav(&app, verb, path, &auth, &[("depth", "1")], b"x").await.status.as_u16();
            assert!(
                (400..500).contains(&status),
                "{verb} {}: {status}",
                &path[..path.len().min(40)]
            );
        }
    }
    let r = dav(&app, "PUT", &format!("/dav/{long}"), &auth, &[], b"x").await;
    assert!(r.text().contains("255 bytes"), "{}", r.text());
    let listing = call(&app, Method::GET, "/api/v1/files", &auth, None).await.json();
    assert_eq!(listing["items"].as_array().map(Vec::len), Some(0), "{listing}");

    // An app password made to keep them (a Mac that wants its resource forks back) stores them.
    let body = json!({ "name": "mac", "scope": "dav", "keep_mac_files": true });
    let created = create(&app, &alice, body).await;
    assert_eq!(created["keep_mac_files"], true);
    let mac = basic(&alice.username, &token_of(&created));
    assert_eq!(dav(&app, "PUT", "/dav/._photo.jpg", &mac, &[], b"fork").await.status, 201);
    let got = dav(&app, "GET", "/dav/._photo.jpg", &mac, &[], b"").await;
    assert_eq!((got.status.as_u16(), got.body.as_ref()), (200, b"fork".as_slice()));
    let listing = call(&app, Method::GET, "/api/v1/files", &auth, None).await.json();
    assert_eq!(listing["items"][0]["name"], "._photo.jpg", "{listing}");
    let other = app_password(&app, &alice, "dav", None).await;
    let r = dav(&app, "GET", "/dav/._photo.jpg", &other, &[], b"").await;
    assert_eq!(r.status, 404, "another app password still drops (and never sees) them");
}

#[actix_web::test]
async fn macos_metadata_files_are_answered_and_not_stored() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    assert_eq!(dav(&app, "PUT", "/dav/._photo.jpg", &auth, &[], b"fork").await.status, 201);
    assert_eq!(dav(&app, "PUT", "/dav/.DS_Store", &auth, &[], b"ds").await.status, 201);
    assert_eq!(dav(&app, "GET", "/dav/._photo.jpg", &auth, &[], b"").await.status, 404);
    let listing = call(&app, Method::GET, "/api/v1/files", &auth, None).await.json();
    assert_eq!(listing["items"].as_array().map(Vec::len), Some(0), "{listing}");
}

#[actix_web::test]
async fn failed_attempts_are_counted_by_the_login_limiter() {
    let app = spawn_with(&[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "2")]).await;
    let alice = app.register("alice").await;
    let guess = |n: usize| {
        TestRequest::default()
            .method(method("PROPFIND"))
            .uri("/dav/")
            .peer_addr(format!("198.51.100.{n}:40000").parse().expect("addr"))
            .insert_header(("Authorization", basic("alice", &alice.password)))
    };
    let first = app.send(guess(1)).await;
    assert_eq!(first.status, 401);
    let mut statuses = Vec::new();
    for n in 2..8 {
        statuses.push(app.send(guess(n)).await.status.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // The same allowance as logins: the account's own login now waits too.
    let login = TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr("198.51.100.99:40000".parse().expect("addr"))
        .set_json(json!({ "login": "alice", "password": alice.password }));
    assert_eq!(app.send(login).await.status, 429);
}

#[actix_web::test]
async fn the_account_page_shows_the_webdav_address_in_both_languages() {
    let app = spawn_app().await;
    app.register("alice").await;
    let cookie = app.web_login("alice", crate::helpers::PASSWORD).await;
    let page = |lang: &'static str| {
        TestRequest::get()
            .uri("/account")
            .insert_header(("Host", "disk.example.org"))
            .insert_header(("Accept-Language", lang))
            .cookie(crate::helpers::session_cookie(&cookie))
    };
    let en = app.send(page("en")).await.text();
    assert!(en.contains("http://disk.example.org/dav/"), "{en}");
    assert!(en.contains("href=\"/docs/webdav.md\""));
    let zh = app.send(page("zh-CN")).await.text();
    assert!(zh.contains("http://disk.example.org/dav/") && zh.contains("各客户端的连接方法"));
    let help = app.send(TestRequest::get().uri("/docs/webdav.md")).await;
    assert_eq!(help.status, 200);
    assert!(help.text().contains("BasicAuthLevel"));
}

#[actix_web::test]
async fn get_answers_ranges_and_conditional_requests() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let auth = bearer(&alice.token);
    dav(&app, "PUT", "/dav/abc.txt", &auth, &[], b"abcdefghij").await;
    let r = dav(&app, "GET", "/dav/abc.txt", &auth, &[("range", "bytes=2-4")], b"").await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (206, "cde"));
    let etag = dav(&app, "HEAD", "/dav/abc.txt", &auth, &[], b"").await;
    let etag = etag.header("etag").expect("ETag").to_owned();
    let r = dav(&app, "GET", "/dav/abc.txt", &auth, &[("if-none-match", &etag)], b"").await;
    assert_eq!(r.status, 304);
    dav(&app, "PUT", "/dav/abc.txt", &auth, &[], b"new bytes").await;
    let r = dav(&app, "GET", "/dav/abc.txt", &auth, &[("if-none-match", &etag)], b"").await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (200, "new bytes"));
}
