//! Two-factor login, the administrator's side and the record: the admin reset (API and the
//! real binary's `homedisk admin reset-2fa`), every 2FA event in the audit log, and racing
//! logins with one code. Codes come from `oathtool` (see `totp.rs`).

use std::process::Command;

use actix_web::test::TestRequest;
use chrono::Utc;
use diesel::prelude::*;
use homedisk::db::schema::users;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::totp::{
    EVENTS, bearer, enrol, have_oathtool, login_body, mfa_token, room_in_step, wrong_code,
};

#[actix_web::test]
async fn an_admin_resets_2fa_and_others_cannot() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let _ = enrol!(app, bob);
    let reset = |token: &str| {
        bearer(TestRequest::post().uri(&format!("/api/v1/admin/users/{}/reset-2fa", bob.id)), token)
    };
    assert_eq!(app.send(reset(&bob.token)).await.status, 404);
    let r = app.send(reset(&root.token)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(app.login(&bob.username, &bob.password).await.status, 200);
    let audit = app.get_bearer("/api/v1/admin/audit?event=totp_reset_by_admin", &root.token).await;
    assert!(audit.text().contains("bob"), "{}", audit.text());
}

#[test]
fn admin_reset_2fa_on_the_command_line() {
    let dir = tempfile::TempDir::new().expect("tmp");
    let bin = env!("CARGO_BIN_EXE_homedisk");
    let run = |args: &[&str]| {
        Command::new(bin)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOMEDISK_DATA_DIR", dir.path().join("data"))
            .env("HOMEDISK_BCRYPT_COST", "4")
            .args(args)
            .output()
            .expect("run")
    };
    let out = run(&["admin", "create", "root"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let config = homedisk::config::Config::from_lookup(|n| match n {
        "HOMEDISK_DATA_DIR" => Some(dir.path().join("data").to_string_lossy().into_owned()),
        "HOMEDISK_BCRYPT_COST" => Some("4".into()),
        _ => None,
    })
    .expect("config");
    {
        let state = homedisk::startup::build_state(config).expect("state");
        let mut conn = state.db.get().expect("conn");
        diesel::update(users::table.filter(users::username.eq("root")))
            .set((
                users::totp_secret.eq("JBSWY3DPEHPK3PXP"),
                users::totp_enabled_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut conn)
            .expect("turn 2FA on");
    }
    let out = run(&["admin", "reset-2fa", "root"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("two-factor login of `root` is off"));
    let out = run(&["admin", "reset-2fa", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account is named"));
}

#[actix_web::test]
async fn every_2fa_event_is_audited_with_who_and_no_secret() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let root = app.register("root").await;
    let (secret, codes) = enrol!(app, root);
    let regen = bearer(TestRequest::post().uri("/api/v1/me/totp/recovery-codes"), &root.token)
        .set_json(json!({ "code": codes[0] }));
    let fresh = app.send(regen).await.json()["recovery_codes"].clone();
    let token = mfa_token(&app.post_json("/api/v1/auth/login", login_body(&root)).await);
    let wrong = wrong_code(&secret);
    let body = json!({ "mfa_token": token, "code": wrong });
    assert_eq!(app.post_json("/api/v1/auth/login/mfa", body).await.code(), "mfa_invalid");
    let off = bearer(TestRequest::delete().uri("/api/v1/me/totp"), &root.token)
        .set_json(json!({ "password": root.password, "code": fresh[0] }));
    assert_eq!(app.send(off).await.status, 204);
    let _ = enrol!(app, root);
    let path = format!("/api/v1/admin/users/{}/reset-2fa", root.id);
    assert_eq!(app.send(bearer(TestRequest::post().uri(&path), &root.token)).await.status, 204);

    let r = app.get_bearer("/api/v1/admin/audit?limit=200", &root.token).await;
    let text = r.text();
    for event in EVENTS {
        let entry = r.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|e| e["event"] == event)
            .cloned()
            .unwrap_or_else(|| panic!("{event} recorded: {text}"));
        let who = if event == "login_mfa_failed" { &entry["target"] } else { &entry["actor"] };
        assert_eq!(who, "root", "{entry}");
    }
    for secret_text in [secret.as_str(), token.as_str(), codes[0].as_str()] {
        assert!(!text.contains(secret_text), "{secret_text} in the audit log");
    }
}

/// Six logins with the same code at the same moment, each on its own connection (real
/// concurrent transactions on the PostgreSQL run): the code counts once, and so does a
/// recovery code.
#[test]
fn racing_logins_cannot_share_a_code_or_a_recovery_code() {
    use homedisk::db::ids::UserId;
    use homedisk::db::models::{recovery_codes, users as user_rows};
    use std::sync::Barrier;
    if !have_oathtool() {
        return;
    }
    let dir = tempfile::TempDir::new().expect("tmp");
    let url = crate::database::fresh_url();
    let mut options = crate::database::options(url.as_deref(), dir.path());
    options.pool_size = 8;
    let pool = homedisk::db::connect(&options).expect("database");
    let (id, now) = (UserId::generate(), Utc::now().naive_utc());
    let mut conn = pool.get().expect("conn");
    let new = user_rows::NewUser {
        id: &id,
        username: "racer",
        email: None,
        phone: None,
        password_hash: "x",
        role: "user",
        quota: 1 << 20,
        created_at: now,
    };
    user_rows::insert(&mut conn, &new).expect("user");
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    diesel::update(users::table.find(&id))
        .set((users::totp_secret.eq(secret), users::totp_enabled_at.eq(now)))
        .execute(&mut conn)
        .expect("2FA on");
    let recovery = homedisk::auth::mfa::new_recovery_codes().expect("codes");
    let digest = homedisk::auth::mfa::recovery_digest(&recovery[0]).expect("digest");
    recovery_codes::replace(&mut conn, &id, &[digest]).expect("stored");
    drop(conn);

    let code = crate::totp::code_at(secret, crate::totp::now());
    for attempt in [code.as_str(), recovery[0].as_str()] {
        let barrier = Barrier::new(6);
        let won = std::thread::scope(|s| {
            let runs: Vec<_> = (0..6)
                .map(|_| {
                    let (pool, barrier, id) = (&pool, &barrier, &id);
                    s.spawn(move || {
                        let mut conn = pool.get().expect("conn");
                        barrier.wait();
                        homedisk::users::totp::use_factor(&mut conn, id, attempt).expect("query")
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().expect("thread")).filter(|won| *won).count()
        });
        assert_eq!(won, 1, "{attempt} accepted once");
    }
}
