//! Issue #17, first run: the start-up log says where to go and how the first account is made;
//! `/` on an empty instance leads to "Create the administrator" (`/setup`), which is gone as
//! soon as any account exists.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{PASSWORD, Resp, TestApp, spawn_app, spawn_with};
use crate::server::Server;

const FIRST_ACCOUNT_LINE: &str = "the first account registered becomes the administrator";

#[test]
fn start_up_log_gives_the_url_and_on_an_empty_instance_the_first_account_rule() {
    let server = Server::start();
    let log = server.log_text();
    assert!(log.contains(&format!("open http://127.0.0.1:{}/", server.port)), "{log}");
    assert!(log.contains(FIRST_ACCOUNT_LINE), "{log}");
    assert!(log.contains("registration is open"), "{log}");

    let body = format!(r#"{{"username":"owner","password":"{PASSWORD}"}}"#);
    let (status, ..) = server
        .http(
            "POST",
            "/api/v1/auth/register",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
        .expect("register");
    assert_eq!(status, 201);
    let before = server.log_text().len();
    let server = server.crash_and_restart(&[]);
    let log = server.log_text();
    let after_restart = &log[before..];
    assert!(
        after_restart.contains(&format!("open http://127.0.0.1:{}/", server.port)),
        "{after_restart}"
    );
    assert!(!after_restart.contains(FIRST_ACCOUNT_LINE), "{after_restart}");
}

#[test]
fn start_up_log_on_an_empty_closed_instance_points_to_admin_create() {
    let server = Server::start_with(&[("HOMEDISK_REGISTRATION", "closed")]);
    let log = server.log_text();
    assert!(log.contains("homedisk admin create NAME"), "{log}");
    assert!(!log.contains(FIRST_ACCOUNT_LINE), "{log}");
}

#[actix_web::test]
async fn root_of_an_empty_instance_leads_to_create_the_administrator_in_both_languages() {
    let app = spawn_app().await;
    let r = app.send(TestRequest::get().uri("/")).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/setup"));

    let en = app.send(TestRequest::get().uri("/setup")).await;
    assert_eq!(en.status, 200);
    let html = en.text();
    assert!(html.contains("<h1>Create the administrator</h1>"), "{html}");
    assert!(html.contains(r#"action="/setup""#), "{html}");
    assert!(html.contains(r#"name="keep_open""#), "{html}");
    assert!(html.contains("csrf_token"), "{html}");
    let zh = app
        .send(TestRequest::get().uri("/setup").insert_header(("Accept-Language", "zh-CN,zh")))
        .await;
    let html = zh.text();
    assert!(html.contains("<h1>创建管理员</h1>"), "{html}");
    assert!(html.contains("允许其他人自行注册账户"), "{html}");
}

/// Posts the first-run form with a fresh CSRF binding; `keep_open` ticks the box.
async fn submit_setup<S, B>(app: &TestApp<S>, keep_open: bool) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (anon, csrf) = app.anon_form("/setup").await;
    let mut form = vec![
        ("username", "root"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("csrf_token", &csrf),
    ];
    if keep_open {
        form.push(("keep_open", "on"));
    }
    app.send(
        TestRequest::post().uri("/setup").cookie(Cookie::new("homedisk_csrf", anon)).set_form(form),
    )
    .await
}

#[actix_web::test]
async fn the_first_run_form_makes_an_administrator_and_then_is_gone() {
    let app = spawn_app().await;
    let r = submit_setup(&app, false).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/files"));
    let session = r.cookie("homedisk_session").expect("logged in");
    let admin = app
        .send(TestRequest::get().uri("/admin").cookie(Cookie::new("homedisk_session", session)))
        .await;
    assert_eq!(admin.status, 200, "the first account is the administrator");

    // The box was left unticked: registration is closed, as an admin setting.
    let r = app
        .post_json("/api/v1/auth/register", json!({"username": "stranger", "password": PASSWORD}))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "registration_closed");

    // The page is gone: GET goes to the login page, POST is not found, `/` logs in.
    let r = app.send(TestRequest::get().uri("/setup")).await;
    assert_eq!((r.status.as_u16(), r.header("location")), (303, Some("/login")));
    let r = app.send(TestRequest::post().uri("/setup").set_form([("username", "late")])).await;
    assert_eq!(r.status, 404);
    let r = app.send(TestRequest::get().uri("/")).await;
    assert_eq!(r.header("location"), Some("/login"));
}

#[actix_web::test]
async fn keeping_registration_open_on_the_first_run_leaves_it_open() {
    let app = spawn_app().await;
    let r = submit_setup(&app, true).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = app
        .post_json("/api/v1/auth/register", json!({"username": "friend", "password": PASSWORD}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["user"]["role"], "user");
}

#[actix_web::test]
async fn the_first_run_form_checks_csrf_like_registration() {
    let app = spawn_app().await;
    let (anon, _) = app.anon_form("/setup").await;
    let r = app
        .send(
            TestRequest::post().uri("/setup").cookie(Cookie::new("homedisk_csrf", anon)).set_form(
                [
                    ("username", "root"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("csrf_token", "forged"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.cookie("homedisk_session").is_none());
    // Still the first run: nothing was created.
    let r = app.send(TestRequest::get().uri("/")).await;
    assert_eq!(r.header("location"), Some("/setup"));
}

#[actix_web::test]
async fn an_empty_instance_with_registration_closed_points_to_the_command_line() {
    let app = spawn_with(&[("HOMEDISK_REGISTRATION", "closed")]).await;
    let page = app.send(TestRequest::get().uri("/setup")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("homedisk admin create NAME"), "{html}");
    assert!(!html.contains(r#"action="/setup""#), "no form: {html}");
}
