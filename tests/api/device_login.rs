//! Device login for apps (RFC 8628) from the app's side: `POST /api/v1/auth/device`, the
//! polls of `POST /api/v1/auth/device/token`, and the whole flow through approval. The steps
//! a browser takes (`enter_code`, `decide`) are shared with `device_pages.rs`.

use actix_web::test::TestRequest;
use chrono::Utc;
use diesel::prelude::*;
use homedisk::db::schema::device_codes;
use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_in, session_cookie, spawn_app};

const REQUEST: &str = "/api/v1/auth/device";
const TOKEN: &str = "/api/v1/auth/device/token";

/// What a test app is, for helpers that take one.
pub trait App {
    async fn send(&self, req: TestRequest) -> crate::helpers::Resp;
}

impl<S, B> App for TestApp<S>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    async fn send(&self, req: TestRequest) -> crate::helpers::Resp {
        TestApp::send(self, req).await
    }
}

/// An app asks: (device code, user code as shown).
pub(crate) async fn new_request(app: &impl App, name: &str) -> (String, String) {
    let r = app
        .send(
            TestRequest::post()
                .uri(REQUEST)
                .insert_header(("user-agent", "HomediskPhone/1.0"))
                .set_json(json!({ "client_name": name })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v: Value = r.json();
    let code = |k: &str| v[k].as_str().expect(k).to_owned();
    (code("device_code"), code("user_code"))
}

pub(crate) async fn poll(app: &impl App, device_code: &str) -> crate::helpers::Resp {
    let body = json!({ "device_code": device_code });
    app.send(TestRequest::post().uri(TOKEN).set_json(body)).await
}

/// The value of the hidden `name` field in a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// The browser with `session` types `user_code` at `/device`: the confirmation page.
pub(crate) async fn enter_code(
    app: &impl App,
    session: &str,
    user_code: &str,
) -> crate::helpers::Resp {
    let page = app.send(TestRequest::get().uri("/device").cookie(session_cookie(session))).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let csrf = csrf_in(&page.text());
    let form = [("user_code", user_code), ("csrf_token", &csrf)];
    app.send(TestRequest::post().uri("/device").cookie(session_cookie(session)).set_form(form))
        .await
}

/// The browser with `session` approves (or denies) the request of `user_code`; the outcome
/// page.
pub(crate) async fn decide(
    app: &impl App,
    session: &str,
    user_code: &str,
    decision: &str,
) -> crate::helpers::Resp {
    let confirm = enter_code(app, session, user_code).await;
    assert_eq!(confirm.status, 200, "{}", confirm.text());
    let html = confirm.text();
    let form = [
        ("id", hidden(&html, "id")),
        ("decision", decision.to_owned()),
        ("csrf_token", csrf_in(&html)),
    ];
    app.send(
        TestRequest::post().uri("/device/decide").cookie(session_cookie(session)).set_form(form),
    )
    .await
}

/// One approved and one denied device login, every request from `ip` with `ua`, decided by
/// the browser whose session cookie holds `session`; the app polls the approved one to its
/// session (audit events `device_approved`, `device_denied`, `login`). Gives the secrets
/// that must never be logged: both device codes and the app's token.
pub(crate) async fn approve_and_deny_from(
    app: &impl App,
    session: &str,
    ip: &str,
    ua: &str,
) -> Vec<String> {
    let peer: std::net::SocketAddr = format!("{ip}:40405").parse().expect("addr");
    let from = |req: TestRequest| req.peer_addr(peer).insert_header(("User-Agent", ua.to_owned()));
    let mut secrets = Vec::new();
    let mut approved = None;
    for decision in ["approve", "deny"] {
        let body = json!({ "client_name": format!("app to {decision}") });
        let r = app.send(from(TestRequest::post().uri(REQUEST).set_json(body))).await;
        let v: Value = r.json();
        let (device_code, user_code) = (v["device_code"].as_str(), v["user_code"].as_str());
        let (device_code, user_code) = (device_code.expect("dc"), user_code.expect("uc"));
        let page = |req: TestRequest| from(req).cookie(session_cookie(session));
        let csrf = csrf_in(&app.send(page(TestRequest::get().uri("/device"))).await.text());
        let form = [("user_code", user_code), ("csrf_token", &csrf)];
        let confirm = app.send(page(TestRequest::post().uri("/device").set_form(form))).await;
        let form = [
            ("id", &*hidden(&confirm.text(), "id")),
            ("decision", decision),
            ("csrf_token", &csrf),
        ];
        let done = app.send(page(TestRequest::post().uri("/device/decide").set_form(form))).await;
        assert_eq!(done.status, 200, "{}", done.text());
        secrets.push(device_code.to_owned());
        if decision == "approve" {
            approved = Some(device_code.to_owned());
        }
    }
    let body = json!({ "device_code": approved.expect("approved") });
    let r = app.send(from(TestRequest::post().uri(TOKEN).set_json(body))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    secrets.push(r.json()["token"].as_str().expect("token").to_owned());
    secrets
}

/// Lets the next poll of every request come "after the interval" without sleeping.
fn forget_last_poll(conn: &mut homedisk::db::PooledConn) {
    diesel::update(device_codes::table)
        .set(device_codes::last_poll_at.eq(None::<chrono::NaiveDateTime>))
        .execute(conn)
        .expect("reset last poll");
}

#[actix_web::test]
async fn a_request_answers_the_rfc_8628_fields() {
    let app = spawn_app().await;
    let r = app.post_json(REQUEST, json!({ "client_name": "My phone" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let device_code = v["device_code"].as_str().expect("device_code");
    assert!(device_code.len() >= 43, "256 bits: {device_code}");
    let user_code = v["user_code"].as_str().expect("user_code");
    assert_eq!(user_code.len(), 9, "{user_code}");
    assert_eq!(&user_code[4..5], "-");
    assert!(user_code.replace('-', "").chars().all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)));
    assert!(v["verification_uri"].as_str().expect("uri").ends_with("/device"), "{v}");
    assert!(v["verification_uri"].as_str().expect("uri").starts_with("http"), "{v}");
    assert_eq!(
        v["verification_uri_complete"].as_str().expect("complete"),
        format!("{}?code={user_code}", v["verification_uri"].as_str().expect("uri"))
    );
    assert_eq!(v["interval"], 5);
    assert_eq!(v["expires_in"], 600);
    // Stored hashed: the code itself is nowhere in the table.
    let stored: Vec<String> = device_codes::table
        .select(device_codes::device_code_sha256)
        .load(&mut app.conn())
        .expect("rows");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], device_code);
}

#[actix_web::test]
async fn polling_before_a_decision_is_pending_and_too_fast_is_slow_down_with_a_longer_interval() {
    let app = spawn_app().await;
    let v = app.post_json(REQUEST, json!({ "client_name": "cli" })).await.json();
    let code = json!({ "device_code": v["device_code"] });
    let r = app.post_json(TOKEN, code.clone()).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "authorization_pending".into()));
    let r = app.post_json(TOKEN, code.clone()).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "slow_down".into()));
    assert_eq!(r.json()["interval"], 10, "{}", r.text());
    let r = app.post_json(TOKEN, code.clone()).await;
    assert_eq!(r.code(), "slow_down");
    assert_eq!(r.json()["interval"], 15, "the interval keeps growing: {}", r.text());
    forget_last_poll(&mut app.conn());
    let r = app.post_json(TOKEN, code).await;
    assert_eq!(r.code(), "authorization_pending");
}

#[actix_web::test]
async fn an_expired_request_answers_expired_token() {
    let app = spawn_app().await;
    let v = app.post_json(REQUEST, json!({ "client_name": "cli" })).await.json();
    let past = Utc::now().naive_utc() - chrono::Duration::seconds(1);
    diesel::update(device_codes::table)
        .set(device_codes::expires_at.eq(past))
        .execute(&mut app.conn())
        .expect("expire");
    let r = app.post_json(TOKEN, json!({ "device_code": v["device_code"] })).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "expired_token".into()));
}

#[actix_web::test]
async fn an_unknown_device_code_is_invalid_grant() {
    let app = spawn_app().await;
    let r = app.post_json(TOKEN, json!({ "device_code": "not-a-code" })).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_grant".into()));
    let r = app.post_json(TOKEN, json!({ "device_code": "x".repeat(5000) })).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_grant".into()));
}

#[actix_web::test]
async fn hostile_requests_are_refused_with_4xx() {
    let app = spawn_app().await;
    let bodies = [
        json!({ "client_name": "x".repeat(10 * 1024) }),
        json!({ "client_name": "line\nbreak" }),
        json!({ "client_name": "nul\u{0}" }),
        json!({ "client_name": "evil\u{202E}gpj.exe" }),
        json!({ "client_name": "" }),
        json!({ "client_name": 42 }),
        json!({ "client_name": ["a"] }),
        json!({}),
        json!(null),
    ];
    for body in bodies {
        let r = app.post_json(REQUEST, body.clone()).await;
        assert!(r.status.is_client_error(), "{body}: {} {}", r.status, r.text());
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
    }
    for body in [json!({}), json!({ "device_code": 1 }), json!({ "device_code": "" })] {
        let r = app.post_json(TOKEN, body.clone()).await;
        assert!(r.status.is_client_error(), "{body}: {} {}", r.status, r.text());
    }
    for path in [REQUEST, TOKEN] {
        let not_json = TestRequest::post()
            .uri(path)
            .insert_header(("content-type", "application/json"))
            .set_payload("{not json");
        assert_eq!(app.send(not_json).await.status, 400);
        let form = TestRequest::post().uri(path).set_form([("client_name", "x")]);
        assert!(app.send(form).await.status.is_client_error());
        let huge = TestRequest::post()
            .uri(path)
            .insert_header(("content-type", "application/json"))
            .set_payload(vec![b' '; 64 * 1024]);
        assert!(app.send(huge).await.status.is_client_error());
    }
    let rows: i64 = device_codes::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(rows, 0, "nothing was stored for refused requests");
}

#[actix_web::test]
async fn an_approved_code_gives_one_app_session_of_the_approver() {
    let app = spawn_app().await;
    app.register("first-admin").await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (device_code, user_code) = new_request(&app, "Alice's phone").await;
    assert_eq!(poll(&app, &device_code).await.code(), "authorization_pending");

    let confirm = enter_code(&app, &browser, &user_code.to_lowercase().replace('-', "")).await;
    assert_eq!(confirm.status, 200, "{}", confirm.text());
    for shown in ["Alice&#39;s phone", &user_code, "HomediskPhone/1.0"] {
        assert!(confirm.text().contains(shown), "{shown} in {}", confirm.text());
    }
    let done = decide(&app, &browser, &user_code, "approve").await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("the app is now logged in"), "{}", done.text());

    forget_last_poll(&mut app.conn());
    let r = poll(&app, &device_code).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["client"], "app");
    assert_eq!(v["user"]["id"], alice.id.as_str());
    assert_eq!(v["scope"], "files:read files:write");
    let token = v["token"].as_str().expect("token");
    let me = app.me(token).await;
    assert_eq!((me.status.as_u16(), me.json()["username"].clone()), (200, json!("alice")));

    let list = app.get_bearer("/api/v1/sessions", token).await.json();
    let item = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["current"] == true)
        .expect("this session is listed")
        .clone();
    assert_eq!((item["client"].clone(), item["method"].clone()), (json!("app"), json!("device")));
    assert!(list["items"].as_array().expect("items").iter().all(|s| s["method"].is_string()));

    let again = poll(&app, &device_code).await;
    assert_eq!((again.status.as_u16(), again.code()), (400, "invalid_grant".into()));

    // The app never proved who it is: it cannot mint a lasting credential or take over 2FA
    // (a device approved by mistake or by phishing stays revocable and limited).
    for (path, body) in
        [("/api/v1/app-passwords", json!({ "name": "keep" })), ("/api/v1/me/totp", json!({}))]
    {
        let r = app
            .send(
                actix_web::test::TestRequest::post()
                    .uri(path)
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .set_json(body),
            )
            .await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "reauth_required".into()), "{path}");
    }

    let log = app.log.text();
    assert!(!log.contains(&device_code), "the device code reached the log");
    assert!(!log.contains(token), "the token reached the log");
}

#[actix_web::test]
async fn two_polls_at_once_get_one_session() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (device_code, user_code) = new_request(&app, "racer").await;
    assert_eq!(decide(&app, &browser, &user_code, "approve").await.status, 200);
    let (a, b) = tokio::join!(poll(&app, &device_code), poll(&app, &device_code));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
}

#[actix_web::test]
async fn a_denied_code_answers_access_denied_and_cannot_be_approved_after() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let browser = app.web_login("alice", &alice.password).await;
    let (device_code, user_code) = new_request(&app, "unknown app").await;
    let done = decide(&app, &browser, &user_code, "deny").await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("Request denied"));
    let r = poll(&app, &device_code).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "access_denied".into()));
    let again = enter_code(&app, &browser, &user_code).await;
    assert_eq!(again.status, 400);
    assert!(again.text().contains("already used"), "{}", again.text());
    assert_eq!(poll(&app, &device_code).await.code(), "access_denied");
}

#[actix_web::test]
async fn another_users_decision_cannot_replay_or_take_over_an_approval() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.register("mallory").await;
    let alice_browser = app.web_login("alice", &alice.password).await;
    let mallory_browser = app.web_login("mallory", crate::helpers::PASSWORD).await;
    let (device_code, user_code) = new_request(&app, "Alice's tablet").await;
    let confirm = enter_code(&app, &alice_browser, &user_code).await.text();
    let id = hidden(&confirm, "id");
    let form =
        [("id", id.clone()), ("decision", "approve".into()), ("csrf_token", csrf_in(&confirm))];
    let r = app
        .send(
            TestRequest::post()
                .uri("/device/decide")
                .cookie(session_cookie(&alice_browser))
                .set_form(form),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Mallory replays the decision with her own session and CSRF token: already decided.
    let csrf = app.page_csrf("/device", &mallory_browser).await;
    for decision in ["approve", "deny"] {
        let form =
            [("id", id.clone()), ("decision", decision.into()), ("csrf_token", csrf.clone())];
        let r = app
            .send(
                TestRequest::post()
                    .uri("/device/decide")
                    .cookie(session_cookie(&mallory_browser))
                    .set_form(form),
            )
            .await;
        assert_eq!(r.status, 400, "{decision}: {}", r.text());
    }
    forget_last_poll(&mut app.conn());
    let v = poll(&app, &device_code).await.json();
    assert_eq!(v["user"]["username"], "alice", "{v}");
    // A fresh request is not approved by the old decision.
    let (second, _) = new_request(&app, "Alice's tablet").await;
    assert_eq!(poll(&app, &second).await.code(), "authorization_pending");
}

#[actix_web::test]
async fn expired_requests_are_pruned_a_day_later() {
    let app = spawn_app().await;
    new_request(&app, "old").await;
    new_request(&app, "recent").await;
    let now = Utc::now().naive_utc();
    diesel::update(device_codes::table.filter(device_codes::client_name.eq("old")))
        .set(device_codes::expires_at.eq(now - chrono::Duration::hours(25)))
        .execute(&mut app.conn())
        .expect("age");
    let removed = homedisk::auth::device_flow::prune(&mut app.conn(), now).expect("prune");
    assert_eq!(removed, 1);
    let left: Vec<String> =
        device_codes::table.select(device_codes::client_name).load(&mut app.conn()).expect("rows");
    assert_eq!(left, ["recent"]);
}
