//! Issue #11, in process: what hostile or unlucky input must not achieve. The cases that need
//! the real executable (memory, crashes, timing) are in `hostile_binary.rs`.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::files::upload_req;
use crate::helpers::{TestApp, TestUser, claims_for, session_cookie, spawn_app, spawn_with};

async fn upload<S, B>(app: &TestApp<S>, user: &TestUser, name: &str, bytes: &[u8]) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = app.send(upload_req(&user.token, name, bytes)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["items"][0]["id"].as_str().expect("id").to_owned()
}

fn content(token: &str, id: &str) -> TestRequest {
    TestRequest::get()
        .uri(&format!("/api/v1/files/{id}/content"))
        .insert_header(("Authorization", format!("Bearer {token}")))
}

#[actix_web::test]
async fn the_same_bytes_uploaded_by_two_users_get_validators_of_their_own() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let bytes = b"the same holiday photo, byte for byte".repeat(100);
    let a = upload(&app, &alice, "photo.jpg", &bytes).await;
    // Last-Modified has whole seconds: let the clock move on before Bob's copy.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = upload(&app, &bob, "photo.jpg", &bytes).await;

    let ra = app.send(content(&alice.token, &a)).await;
    let rb = app.send(content(&bob.token, &b)).await;
    assert_eq!((ra.status.as_u16(), rb.status.as_u16()), (200, 200));
    assert_eq!(ra.body, rb.body);
    let (ea, eb) = (ra.header("etag").expect("etag"), rb.header("etag").expect("etag"));
    assert_ne!(ea, eb, "an ETag shared across users tells Bob that Alice holds this file");
    let sha = crate::files::sha256_hex(&bytes);
    assert!(!ea.contains(&sha) && !eb.contains(&sha), "the ETag reveals the content hash");
    let (la, lb) = (ra.header("last-modified"), rb.header("last-modified"));
    assert_ne!(la, lb, "Bob's Last-Modified must be his upload's time, not the shared blob's");

    // Bob's validators work for Bob: 304, and a Range that honours If-Range.
    let r = app.send(content(&bob.token, &b).insert_header(("If-None-Match", eb))).await;
    assert_eq!(r.status, 304);
    let ranged = |if_range: &str| {
        content(&bob.token, &b)
            .insert_header(("Range", "bytes=0-2"))
            .insert_header(("If-Range", if_range.to_owned()))
    };
    let r = app.send(ranged(eb)).await;
    assert_eq!(r.status, 206);
    assert_eq!(&r.body[..], b"the");
    assert_eq!(app.send(ranged(ea)).await.status, 200, "Alice's tag is not Bob's");
}

/// A multipart body whose one file part declares `Content-Length: 3` but carries more.
fn lying_part_body() -> (String, Vec<u8>) {
    let boundary = "lying-part-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nhello world\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

#[actix_web::test]
async fn a_part_with_its_own_content_length_is_refused_not_truncated() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let (ctype, body) = lying_part_body();
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/files")
                .insert_header(("Authorization", format!("Bearer {}", alice.token)))
                .insert_header(("Content-Type", ctype))
                .set_payload(body),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["detail"].as_str().unwrap_or_default().contains("Content-Length"));
    let list = app.get_bearer("/api/v1/files", &alice.token).await;
    assert_eq!(list.json()["items"], json!([]), "nothing stored, not even `hel`");
}

fn login_from(ip: &str, login: &str, password: &str, device: Option<&str>) -> TestRequest {
    let mut req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{ip}:40000").parse().expect("addr"))
        .set_json(json!({ "login": login, "password": password }));
    if let Some(d) = device {
        req = req.cookie(actix_web::cookie::Cookie::new("homedisk_device", d.to_owned()));
    }
    req
}

#[actix_web::test]
async fn strangers_guessing_a_password_do_not_lock_the_owner_out_of_a_known_device() {
    let app = spawn_with(&[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "3")]).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    // Alice logged in from her laptop once: it holds a device cookie for her account.
    let r = app.send(login_from("192.0.2.10", "alice", &alice.password, None)).await;
    assert_eq!(r.status, 200);
    let laptop = r.cookie("homedisk_device").expect("a device cookie after login");
    let set = r.set_cookies().join("\n");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let r = app.send(login_from("192.0.2.11", "bob", &bob.password, None)).await;
    let bobs = r.cookie("homedisk_device").expect("bob's device cookie");

    // An attacker tries passwords from many addresses until the account's allowance is gone.
    let mut limited = false;
    for n in 0..12 {
        let r = app.send(login_from(&format!("203.0.113.{n}"), "alice", "guess!", None)).await;
        limited |= r.status == 429;
    }
    assert!(limited, "unknown devices are rate limited");
    // A new device of Alice's waits like the attacker…
    let r = app.send(login_from("192.0.2.20", "alice", &alice.password, None)).await;
    assert_eq!(r.status, 429);
    // …another account's device cookie is no way around it…
    let r = app.send(login_from("203.0.113.50", "alice", "guess!", Some(&bobs))).await;
    assert_eq!(r.status, 429);
    // …but her laptop logs in, from wherever it is now, and gets no second cookie.
    let r = app.send(login_from("198.51.100.7", "alice", &alice.password, Some(&laptop))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.cookie("homedisk_device").is_none());
}

#[actix_web::test]
async fn the_login_page_hands_out_a_device_cookie_too() {
    let app = spawn_app().await;
    app.register("alice").await;
    let (anon, csrf) = app.anon_form("/login").await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/login")
                .cookie(actix_web::cookie::Cookie::new("homedisk_csrf", anon))
                .set_form([
                    ("login", "alice"),
                    ("password", crate::helpers::PASSWORD),
                    ("csrf_token", &csrf),
                ]),
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.cookie("homedisk_device").is_some_and(|c| c.len() > 40));
}

#[actix_web::test]
async fn tokens_with_impossible_times_are_refused() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let now = chrono::Utc::now().timestamp();
    let mut cases = Vec::new();
    for patch in [
        json!({ "nbf": now + 3600 }),
        json!({ "exp": now + 10 * 365 * 86_400 }),
        // Within a year, but long past the session's end (an `api` session lasts 7 days).
        json!({ "exp": now + 300 * 86_400 }),
    ] {
        let mut claims = claims_for(&alice);
        for (k, v) in patch.as_object().expect("object") {
            claims[k] = v.clone();
        }
        cases.push((patch, app.mint(&claims)));
    }
    for (patch, token) in cases {
        let r = app.me(&token).await;
        assert_eq!(r.status, 401, "{patch}: {}", r.text());
        assert_eq!(r.code(), "token_invalid", "{patch}");
    }
    assert_eq!(app.me(&app.mint(&claims_for(&alice))).await.status, 200, "the control case");
}

#[actix_web::test]
async fn credential_shaped_values_never_reach_the_access_log() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let signature = alice.token.rsplit('.').next().expect("signature").to_owned();
    let encoded = alice.token.replacen("eyJ", "ey%4A", 1);
    for uri in [
        format!("/preview/{}", alice.token),
        format!("/api/v1/files?t0ken={}", alice.token),
        format!("/api/v1/files?x={encoded}"),
        "/files/hdk_0123456789abcdef?sort=name".to_owned(),
    ] {
        app.send(TestRequest::get().uri(&uri)).await;
    }
    let log = app.log.text();
    assert!(log.contains("/preview/REDACTED"), "{log}");
    assert!(!log.contains(&signature), "a token reached the log: {log}");
    assert!(!log.contains("hdk_0123"), "an app password reached the log: {log}");
}

#[actix_web::test]
async fn windows_reserved_and_trailing_dot_names_are_ordinary_names() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for name in ["CON", "aux.txt", "LPT1", "ends with a dot.", "space at the end "] {
        let r = app.send(upload_req(&alice.token, name, b"x")).await;
        assert_eq!(r.status, 201, "{name}: {}", r.text());
    }
}

/// A request as a stranger can send it: the real `Host`, and forwarded headers naming a host
/// of theirs and HTTPS, from `peer`.
fn with_forged_forwarding(req: TestRequest, peer: &str) -> TestRequest {
    req.peer_addr(format!("{peer}:40000").parse().expect("addr"))
        .insert_header(("Host", "disk.example.org"))
        .insert_header(("X-Forwarded-Host", "evil.example"))
        .insert_header(("X-Forwarded-Proto", "https"))
}

#[actix_web::test]
async fn absolute_links_use_forwarded_host_and_scheme_only_from_a_trusted_proxy() {
    let app = spawn_with(&[("HOMEDISK_TRUSTED_PROXIES", "10.0.0.0/8")]).await;
    let alice = app.register("alice").await;
    let auth = crate::app_passwords::bearer(&alice.token);
    let file = upload(&app, &alice, "notes.txt", b"notes").await;
    let made = crate::app_passwords::call(
        &app,
        actix_web::http::Method::POST,
        "/api/v1/shares",
        &auth,
        Some(json!({ "file": file })),
    )
    .await;
    let link = made.json()["url"].as_str().expect("url").to_owned();
    let session = app.web_login("alice", &alice.password).await;
    let device =
        || TestRequest::post().uri("/api/v1/auth/device").set_json(json!({ "client_name": "tv" }));
    let page = |path: &str| TestRequest::get().uri(path).cookie(session_cookie(&session));

    for (peer, base) in
        [("203.0.113.5", "http://disk.example.org"), ("10.0.0.2", "https://evil.example")]
    {
        let r = app.send(with_forged_forwarding(device(), peer)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let uri = r.json()["verification_uri"].as_str().expect("uri").to_owned();
        assert_eq!(uri, format!("{base}/device"), "from {peer}");
        let shares = app.send(with_forged_forwarding(page("/shares"), peer)).await;
        assert!(shares.text().contains(&format!("{base}{link}")), "from {peer}: {}", shares.text());
        let account = app.send(with_forged_forwarding(page("/account"), peer)).await;
        assert!(account.text().contains(&format!("{base}/dav/")), "from {peer}");
        if peer.starts_with("203.") {
            for r in [&shares, &account] {
                assert!(!r.text().contains("evil.example"), "a stranger's host is never shown");
            }
        }
    }
}

#[actix_web::test]
async fn the_public_url_wins_over_any_host_the_request_names() {
    let app = spawn_with(&[
        ("HOMEDISK_TRUSTED_PROXIES", "10.0.0.0/8"),
        ("HOMEDISK_PUBLIC_URL", "https://disk.example.net/"),
    ])
    .await;
    let device =
        TestRequest::post().uri("/api/v1/auth/device").set_json(json!({ "client_name": "tv" }));
    let r = app.send(with_forged_forwarding(device, "10.0.0.2")).await;
    assert_eq!(r.json()["verification_uri"], "https://disk.example.net/device");
}
