//! Two-factor login on the pages: `/login` → `/login/2fa` with the challenge in a cookie
//! limited to that path, `/account/security` (enrol, recovery codes shown once, turn off),
//! `/account/confirm` after an old login, and "keep me signed in" carried across the code
//! page. Codes come from `oathtool` (see `totp.rs`).

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use homedisk::db::schema::sessions;

use crate::helpers::TestApp;

use crate::helpers::{csrf_in, session_cookie, spawn_app};
use crate::totp::{bearer, code_at, enrol, have_oathtool, now, room_in_step, wrong_code};

/// The value of `name="…" data-secret="…"` style attributes: the enrolment key on the page.
fn secret_in(html: &str) -> String {
    let marker = "data-secret=\"";
    let start = html.find(marker).expect("the key is on the page") + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

#[actix_web::test]
async fn the_login_page_asks_for_the_code_on_its_own_page() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let (secret, _) = enrol!(app, alice);

    let (anon, csrf) = app.anon_form("/login").await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/login")
                .cookie(Cookie::new("homedisk_csrf", anon.clone()))
                .set_form([
                    ("login", "alice"),
                    ("password", alice.password.as_str()),
                    ("csrf_token", &csrf),
                    ("next", "/account"),
                ]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/login/2fa?next=/account"));
    assert!(r.cookie("homedisk_session").is_none(), "no session before the code");
    let set = r.set_cookies().into_iter().find(|c| c.starts_with("homedisk_mfa=")).expect("cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/login/2fa", "Max-Age=300"] {
        assert!(set.contains(part), "{part} in {set}");
    }
    let mfa = r.cookie("homedisk_mfa").expect("mfa cookie");
    assert!(!r.header("location").unwrap_or_default().contains(&mfa));

    let with = |req: TestRequest| {
        req.cookie(Cookie::new("homedisk_csrf", anon.clone()))
            .cookie(Cookie::new("homedisk_mfa", mfa.clone()))
    };
    let page = app.send(with(TestRequest::get().uri("/login/2fa?next=/account"))).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("autocomplete=\"one-time-code\"") && html.contains("inputmode=\"numeric\"")
    );
    assert!(html.contains("name=\"recovery_code\""));
    let csrf = csrf_in(&html);
    let post = |code: String| {
        with(TestRequest::post().uri("/login/2fa")).set_form([
            ("code", code.as_str()),
            ("csrf_token", csrf.as_str()),
            ("next", "/account"),
        ])
    };
    let r = app.send(post(wrong_code(&secret))).await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.text().contains("the code is wrong or was already used"));
    let r = app.send(post(code_at(&secret, now()))).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/account"));
    let session = r.cookie("homedisk_session").expect("session cookie");
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("homedisk_mfa=;") || c.starts_with("homedisk_mfa=\"\""))
    );
    let account =
        app.send(TestRequest::get().uri("/account").cookie(session_cookie(&session))).await;
    assert_eq!(account.status, 200);
    assert!(account.text().contains("href=\"/account/security\""));

    // The used challenge sends the browser back to the password.
    let r = app.send(post(code_at(&secret, now() + 30))).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?notice=mfa_expired&next=/account"));
    let r = app.send(TestRequest::get().uri("/login/2fa")).await;
    assert_eq!(r.status, 303, "no cookie: back to /login");
}

/// Logs alice in through `/login` (with "keep me signed in" or not) and `/login/2fa`; the
/// `Set-Cookie` line of the session cookie. The code form also sends `keep=on`, which must
/// change nothing: the choice is the password form's, kept with the challenge on the server.
async fn two_factor_login_cookie<S, B>(
    app: &TestApp<S>,
    pw: &str,
    secret: &str,
    keep: bool,
) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (anon, csrf) = app.anon_form("/login").await;
    let mut form =
        vec![("login", "alice"), ("password", pw), ("csrf_token", &csrf), ("next", "/files")];
    if keep {
        form.push(("keep", "on"));
    }
    let login = TestRequest::post().uri("/login").set_form(form);
    let r = app.send(login.cookie(Cookie::new("homedisk_csrf", anon.clone()))).await;
    assert_eq!(r.header("location"), Some("/login/2fa?next=/files"), "{}", r.text());
    assert!(r.cookie("homedisk_session").is_none(), "no session before the code");
    let mfa = Cookie::new("homedisk_mfa", r.cookie("homedisk_mfa").expect("mfa cookie"));
    let with = |req: TestRequest| {
        req.cookie(Cookie::new("homedisk_csrf", anon.clone())).cookie(mfa.clone())
    };
    let page = app.send(with(TestRequest::get().uri("/login/2fa?next=/files"))).await;
    let csrf = csrf_in(&page.text());
    let code = code_at(secret, now());
    let form = [("code", code.as_str()), ("csrf_token", &csrf), ("next", "/files"), ("keep", "on")];
    let r = app.send(with(TestRequest::post().uri("/login/2fa")).set_form(form)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    r.set_cookies().into_iter().find(|c| c.starts_with("homedisk_session=")).expect("cookie")
}

#[actix_web::test]
async fn keep_me_signed_in_survives_the_code_page() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    for keep in [true, false] {
        let app = spawn_app().await;
        let alice = app.register("alice").await;
        let (secret, _) = enrol!(app, alice);
        let line = two_factor_login_cookie(&app, &alice.password, &secret, keep).await;
        let (persistent, expires_at): (bool, chrono::NaiveDateTime) = sessions::table
            .filter(sessions::method.eq("password+totp"))
            .select((sessions::persistent, sessions::expires_at))
            .first(&mut app.conn())
            .expect("the session of the code");
        let idle = expires_at - Utc::now().naive_utc();
        let max_age = line.split(';').find_map(|p| p.trim().strip_prefix("Max-Age="));
        if keep {
            let max_age: i64 =
                max_age.unwrap_or_else(|| panic!("no Max-Age: {line}")).parse().expect("n");
            assert!(max_age > 29 * 86_400, "about 30 days: {line}");
            assert!(persistent && idle > Duration::days(29), "the long idle limit: {idle}");
        } else {
            assert!(max_age.is_none() && !line.contains("Expires"), "a session cookie: {line}");
            assert!(!persistent && idle <= Duration::days(1), "the plain idle limit: {idle}");
        }
        assert!(line.contains("HttpOnly"), "{line}");
    }
}

#[actix_web::test]
async fn the_security_page_enrols_shows_the_codes_once_and_turns_2fa_off() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", &alice.password).await;
    let get = || TestRequest::get().uri("/account/security").cookie(session_cookie(&session));
    let page = app.send(get()).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Off: your password alone logs you in."));
    let csrf = csrf_in(&page.text());
    let post = |path: &str, form: &[(&str, &str)]| {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", csrf.as_str()));
        let fields: Vec<(String, String)> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        TestRequest::post().uri(path).cookie(session_cookie(&session)).set_form(fields)
    };

    let r = app.send(post("/account/security/totp", &[])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("<svg"));
    let secret = secret_in(&r.text());
    let wrong = wrong_code(&secret);
    let r = app.send(post("/account/security/totp/confirm", &[("code", &wrong)])).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(secret_in(&r.text()), secret, "the same key again after a wrong code");
    let code = code_at(&secret, now() - 30);
    let r = app.send(post("/account/security/totp/confirm", &[("code", &code)])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let shown = r.text().matches("<li><code>").count();
    assert_eq!(shown, 10, "{}", r.text());
    let page = app.send(get()).await.text();
    assert!(page.contains("Unused recovery codes: 10"));
    assert!(!page.contains("<li><code>"), "codes are shown once");
    assert_eq!(app.me(&alice.token).await.json()["totp_enabled"], true);

    let code = code_at(&secret, now());
    let r = app
        .send(post(
            "/account/security/totp/disable",
            &[("password", "wrong one!"), ("code", &code)],
        ))
        .await;
    assert_eq!(r.status, 400);
    let pw = alice.password.clone();
    let r = app
        .send(post("/account/security/totp/disable", &[("password", &pw), ("code", &code)]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Two-factor login is off."));
    assert_eq!(app.me(&alice.token).await.json()["totp_enabled"], false);
}

#[actix_web::test]
async fn an_old_login_confirms_the_password_and_comes_back() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", &alice.password).await;
    let csrf = app.page_csrf("/account/security", &session).await;
    let old = Utc::now().naive_utc() - Duration::minutes(11);
    diesel::update(sessions::table.filter(sessions::method.eq("password")))
        .set((sessions::verified_at.eq(old), sessions::created_at.eq(old)))
        .execute(&mut app.conn())
        .expect("age the sessions");
    let start = || {
        TestRequest::post()
            .uri("/account/security/totp")
            .cookie(session_cookie(&session))
            .set_form([("csrf_token", csrf.as_str())])
    };
    let r = app.send(start()).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/account/confirm?next=/account/security"));
    let page = app
        .send(
            TestRequest::get()
                .uri("/account/confirm?next=/account/security")
                .cookie(session_cookie(&session)),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("name=\"code\""), "no code asked while 2FA is off");
    let confirm = |password: &str| {
        TestRequest::post().uri("/account/confirm").cookie(session_cookie(&session)).set_form([
            ("password", password),
            ("next", "/account/security"),
            ("csrf_token", csrf.as_str()),
        ])
    };
    assert_eq!(app.send(confirm("not the password")).await.status, 400);
    let r = app.send(confirm(&alice.password)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/account/security"));
    let r = app.send(start()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // The API token of the same user was aged too; it is refused, not helped by the page.
    let r = app.send(bearer(TestRequest::post().uri("/api/v1/me/totp"), &alice.token)).await;
    assert_eq!(r.code(), "reauth_required");
}

#[actix_web::test]
async fn the_admin_user_page_turns_2fa_off() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_app().await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let path = format!("/admin/users/{}", bob.id);
    let session = app.web_login("root", &root.password).await;
    let page = app.send(TestRequest::get().uri(&path).cookie(session_cookie(&session))).await;
    assert!(!page.text().contains("/reset-2fa"), "no button while 2FA is off");
    let _ = enrol!(app, bob);
    let page = app.send(TestRequest::get().uri(&path).cookie(session_cookie(&session))).await;
    assert!(page.text().contains(&format!("action=\"{path}/reset-2fa\"")));
    let csrf = csrf_in(&page.text());
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("{path}/reset-2fa"))
                .cookie(session_cookie(&session))
                .set_form([("csrf_token", csrf.as_str())]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some(format!("{path}?notice=totp_reset").as_str()));
    assert_eq!(app.me(&bob.token).await.json()["totp_enabled"], false);
}
