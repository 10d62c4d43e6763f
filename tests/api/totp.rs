//! Two-factor login (TOTP, RFC 6238): enrolment, login with a code through the API, replay,
//! the five-wrong-codes limit, recovery codes, turning it off, the admin reset (API and
//! command line), the ten-minute re-authentication, and app passwords kept out.
//!
//! Codes are computed by `oathtool` (Debian package `oathtool`), never by our own code. Without
//! it these tests are skipped with a message, unless `HOMEDISK_TOTP_TOOLS=required` (as in
//! CI) makes that an error.

use std::process::Command;

use actix_web::test::TestRequest;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use homedisk::db::schema::{recovery_codes, sessions};
use serde_json::{Value, json};

use crate::helpers::{TestUser, spawn_app};

/// Whether `oathtool` runs; a skip message or a panic when the tools are required.
pub fn have_oathtool() -> bool {
    let ok = Command::new("oathtool").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("HOMEDISK_TOTP_TOOLS").as_deref() == Ok("required") {
            panic!("oathtool is missing and HOMEDISK_TOTP_TOOLS=required (apt install oathtool)");
        }
        eprintln!(
            "skipping a TOTP test: oathtool is not installed (HOMEDISK_TOTP_TOOLS=required makes this an error)"
        );
    }
    ok
}

/// The code of `secret` at Unix time `at`, as oathtool computes it.
pub fn code_at(secret: &str, at: i64) -> String {
    let out = Command::new("oathtool")
        .args(["--totp", "-b", secret, "--now", &format!("@{at}")])
        .output()
        .expect("oathtool runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8").trim().to_owned()
}

pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// Waits, if needed, until the current 30-second step has at least 8 s left, so a test
/// using the previous, current and next steps' codes does not see the step change under it.
pub async fn room_in_step() {
    let into = now().rem_euclid(30);
    if into > 22 {
        tokio::time::sleep(std::time::Duration::from_secs((31 - into) as u64)).await;
    }
}

/// A six-digit code valid for none of the steps around now.
pub fn wrong_code(secret: &str) -> String {
    let t = now();
    let valid: Vec<String> = (-2..=2).map(|k| code_at(secret, t + 30 * k)).collect();
    (0..10).map(|d| d.to_string().repeat(6)).find(|c| !valid.contains(c)).expect("a wrong code")
}

pub fn bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

/// Turns 2FA on for `user` through the API, confirming with the previous step's code (so the
/// current and the next step are still free); returns (secret, recovery codes).
macro_rules! enrol {
    ($app:expr, $user:expr) => {{
        let r = $app.send(crate::totp::bearer(TestRequest::post().uri("/api/v1/me/totp"), &$user.token)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        let secret = v["secret"].as_str().expect("secret").to_owned();
        assert_eq!(secret.len(), 32);
        let uri = v["otpauth_uri"].as_str().expect("uri");
        assert!(uri.starts_with(&format!("otpauth://totp/homedisk:{}?secret={secret}", $user.username)));
        assert!(uri.contains("issuer=homedisk&algorithm=SHA1&digits=6&period=30"), "{uri}");
        assert!(v["qr_svg"].as_str().expect("svg").contains("<svg"));
        let code = crate::totp::code_at(&secret, crate::totp::now() - 30);
        let r = $app
            .send(
                crate::totp::bearer(TestRequest::post().uri("/api/v1/me/totp/confirm"), &$user.token)
                    .set_json(serde_json::json!({ "code": code })),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let codes: Vec<String> = r.json()["recovery_codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|c| c.as_str().expect("code").to_owned())
            .collect();
        assert_eq!(codes.len(), 10);
        (secret, codes)
    }};
}
pub(crate) use enrol;

/// The audit events of two-factor login (the others are in `admin.rs`).
pub const EVENTS: [&str; 5] = [
    "totp_enabled",
    "totp_disabled",
    "totp_reset_by_admin",
    "recovery_codes_regenerated",
    "login_mfa_failed",
];

pub fn mfa_token(r: &crate::helpers::Resp) -> String {
    assert_eq!(r.status, 401, "{}", r.text());
    let v = r.json();
    assert_eq!(v["code"], "mfa_required", "{v}");
    assert_eq!(v["methods"], json!(["totp", "recovery_code"]));
    v["mfa_token"].as_str().expect("mfa_token").to_owned()
}

pub fn login_body(user: &TestUser) -> Value {
    json!({ "login": user.username, "password": user.password })
}

#[actix_web::test]
async fn a_code_finishes_the_login_and_is_never_accepted_twice() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let (secret, codes) = enrol!(app, alice);
    assert_eq!(app.me(&alice.token).await.json()["totp_enabled"], true);

    let r = app.post_json("/api/v1/auth/login", login_body(&alice)).await;
    let token = mfa_token(&r);
    let code = code_at(&secret, now());
    let r =
        app.post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": token, "code": code })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["user"]["username"], "alice");
    let sid = v["session_id"].as_str().expect("sid").to_owned();
    let method: String = sessions::table
        .find(&sid)
        .select(sessions::method)
        .get_result(&mut app.conn())
        .expect("session");
    assert_eq!(method, "password+totp");
    assert_eq!(app.me(v["token"].as_str().expect("token")).await.status, 200);

    // The used token is dead; a new login cannot reuse the code.
    let again =
        app.post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": token, "code": code })).await;
    assert_eq!((again.status.as_u16(), again.code()), (401, "mfa_expired".into()));
    let token = mfa_token(&app.post_json("/api/v1/auth/login", login_body(&alice)).await);
    let replay =
        app.post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": token, "code": code })).await;
    assert_eq!((replay.status.as_u16(), replay.code()), (401, "mfa_invalid".into()));
    // The next step's code (a clock a little ahead) still works, once.
    let next = code_at(&secret, now() + 30);
    let r =
        app.post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": token, "code": next })).await;
    assert_eq!(r.status, 200, "{}", r.text());

    let log = app.log.text();
    for secret_text in [secret.as_str(), token.as_str(), codes[0].as_str()] {
        assert!(!log.contains(secret_text), "{secret_text} in the log");
    }
    // Six digits alone also occur in timestamps; a logged code would stand as a value.
    for c in [&code, &next] {
        for shape in [format!("\"{c}\""), format!("={c}"), format!(": {c}")] {
            assert!(!log.contains(&shape), "{shape} in the log");
        }
    }
}

#[actix_web::test]
async fn the_fifth_wrong_code_ends_the_challenge() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let (secret, _) = enrol!(app, alice);
    let token = mfa_token(&app.post_json("/api/v1/auth/login", login_body(&alice)).await);
    let wrong = wrong_code(&secret);
    for _ in 0..5 {
        let r = app
            .post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": token, "code": wrong }))
            .await;
        assert_eq!((r.status.as_u16(), r.code()), (401, "mfa_invalid".into()), "{}", r.text());
    }
    let right = code_at(&secret, now());
    let r =
        app.post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": token, "code": right })).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "mfa_expired".into()), "{}", r.text());
    assert!(r.json()["detail"].as_str().expect("detail").contains("log in again"));
    // A new login with the same right code works: the dead challenge did not use it.
    let token = mfa_token(&app.post_json("/api/v1/auth/login", login_body(&alice)).await);
    let r =
        app.post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": token, "code": right })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let audit = app.get_bearer("/api/v1/admin/audit?event=login_mfa_failed", &alice.token).await;
    assert_eq!(audit.status, 200, "{}", audit.text());
    assert!(audit.text().matches("login_mfa_failed").count() >= 5, "{}", audit.text());
}

#[actix_web::test]
async fn a_recovery_code_works_once_and_regenerating_replaces_them_all() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let (secret, codes) = enrol!(app, alice);
    let token = mfa_token(&app.post_json("/api/v1/auth/login", login_body(&alice)).await);
    let body = json!({ "mfa_token": token, "recovery_code": codes[3].to_uppercase() });
    let r = app.post_json("/api/v1/auth/login/mfa", body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let token = mfa_token(&app.post_json("/api/v1/auth/login", login_body(&alice)).await);
    let r = app
        .post_json(
            "/api/v1/auth/login/mfa",
            json!({ "mfa_token": token, "recovery_code": codes[3] }),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "mfa_invalid".into()));

    let regen = |code: String| {
        bearer(TestRequest::post().uri("/api/v1/me/totp/recovery-codes"), &alice.token)
            .set_json(json!({ "code": code }))
    };
    let r = app.send(regen("000000".into())).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = app.send(regen(code_at(&secret, now()))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let fresh: Vec<String> =
        serde_json::from_value(r.json()["recovery_codes"].clone()).expect("codes");
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    let r = app
        .post_json(
            "/api/v1/auth/login/mfa",
            json!({ "mfa_token": token, "recovery_code": codes[0] }),
        )
        .await;
    assert_eq!(r.code(), "mfa_invalid", "old codes are dead");
    let r = app
        .post_json(
            "/api/v1/auth/login/mfa",
            json!({ "mfa_token": token, "recovery_code": fresh[0] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[actix_web::test]
async fn turning_2fa_off_needs_the_password_and_a_code() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let (secret, codes) = enrol!(app, alice);
    let off = |body: Value| {
        bearer(TestRequest::delete().uri("/api/v1/me/totp"), &alice.token).set_json(body)
    };
    let code = code_at(&secret, now());
    let r = app.send(off(json!({ "password": "wrong password", "code": code }))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["errors"]["password"].is_array());
    let r = app.send(off(json!({ "password": alice.password, "code": wrong_code(&secret) }))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["errors"]["code"].is_array());
    let r = app.send(off(json!({ "password": alice.password }))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    // A recovery code will do as well as a TOTP code.
    let r = app.send(off(json!({ "password": alice.password, "code": codes[9] }))).await;
    assert_eq!(r.status, 204, "{}", r.text());

    assert_eq!(app.me(&alice.token).await.json()["totp_enabled"], false);
    assert_eq!(app.login(&alice.username, &alice.password).await.status, 200);
    let left: i64 = recovery_codes::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(left, 0);
    let r = app.send(bearer(TestRequest::post().uri("/api/v1/me/totp"), &alice.token)).await;
    assert_eq!(r.status, 200, "enrolment can start again: {}", r.text());
}

#[actix_web::test]
async fn enrolling_again_while_on_is_a_conflict_and_a_wrong_first_code_is_refused() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let r = app.send(bearer(TestRequest::post().uri("/api/v1/me/totp"), &alice.token)).await;
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();
    let confirm = |code: String| {
        bearer(TestRequest::post().uri("/api/v1/me/totp/confirm"), &alice.token)
            .set_json(json!({ "code": code }))
    };
    let r = app.send(confirm(wrong_code(&secret))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(app.me(&alice.token).await.json()["totp_enabled"], false);
    assert_eq!(app.send(confirm(code_at(&secret, now()))).await.status, 200);
    let r = app.send(bearer(TestRequest::post().uri("/api/v1/me/totp"), &alice.token)).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "conflict".into()));
}

#[actix_web::test]
async fn managing_2fa_needs_a_login_within_ten_minutes_and_confirming_fixes_it() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let old = Utc::now().naive_utc() - Duration::minutes(11);
    diesel::update(sessions::table.find(&alice.session_id))
        .set((sessions::verified_at.eq(old), sessions::created_at.eq(old)))
        .execute(&mut app.conn())
        .expect("age the session");
    let enrol = || bearer(TestRequest::post().uri("/api/v1/me/totp"), &alice.token);
    let r = app.send(enrol()).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "reauth_required".into()));

    let confirm = |body: Value| {
        bearer(TestRequest::post().uri("/api/v1/auth/confirm"), &alice.token).set_json(body)
    };
    assert_eq!(app.send(confirm(json!({ "password": "not it at all" }))).await.status, 400);
    let r = app.send(confirm(json!({ "password": alice.password }))).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.send(enrol()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();
    let r = app
        .send(
            bearer(TestRequest::post().uri("/api/v1/me/totp/confirm"), &alice.token)
                .set_json(json!({ "code": code_at(&secret, now() - 30) })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // With 2FA on, confirming takes a code too.
    diesel::update(sessions::table.find(&alice.session_id))
        .set(sessions::verified_at.eq(old))
        .execute(&mut app.conn())
        .expect("age the session");
    let r = app.send(confirm(json!({ "password": alice.password }))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["errors"]["code"].is_array());
    let body = json!({ "password": alice.password, "code": code_at(&secret, now()) });
    assert_eq!(app.send(confirm(body)).await.status, 204);
    let r = app
        .send(
            bearer(TestRequest::post().uri("/api/v1/me/totp/recovery-codes"), &alice.token)
                .set_json(json!({ "code": code_at(&secret, now() + 30) })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[actix_web::test]
async fn an_app_password_cannot_manage_2fa() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    diesel::update(sessions::table.find(&alice.session_id))
        .set(sessions::method.eq("app_password"))
        .execute(&mut app.conn())
        .expect("make it an app password");
    for (method, path) in [
        ("POST", "/api/v1/me/totp"),
        ("POST", "/api/v1/me/totp/confirm"),
        ("POST", "/api/v1/me/totp/recovery-codes"),
        ("DELETE", "/api/v1/me/totp"),
        ("POST", "/api/v1/auth/confirm"),
    ] {
        let req = match method {
            "DELETE" => TestRequest::delete(),
            _ => TestRequest::post(),
        };
        // Each body as its route expects it (unknown fields are refused with 400 first).
        let body = if path.starts_with("/api/v1/me/totp/") {
            json!({ "code": "123456" })
        } else {
            json!({ "code": "123456", "password": alice.password })
        };
        let r = app.send(bearer(req.uri(path), &alice.token).set_json(body)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "scope_insufficient".into()), "{path}");
    }
}

#[actix_web::test]
async fn an_unknown_mfa_token_is_refused() {
    let app = spawn_app().await;
    let r = app
        .post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": "nope", "code": "123456" }))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "mfa_expired".into()));
    let r = app.post_json("/api/v1/auth/login/mfa", json!({ "mfa_token": "nope" })).await;
    assert_eq!(r.status, 400);
}
