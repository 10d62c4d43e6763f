//! The preview route's memory of database answers (`auth::grants`): repeated previews are
//! answered from it, and every way a grant ends refuses the very next request all the same.
//! Each test first proves the cache answered, then ends the grant, then asks once. On
//! PostgreSQL the same holds across two nodes on one database: a grant ended on one node is
//! refused by the other once its listener has heard the notification (`db::listen`), and a
//! node that cannot hear answers nothing from memory.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use serde_json::json;
use std::time::Duration;

use crate::helpers::{PASSWORD, TestApp, TestUser, spawn_app};
use crate::preview::{PreviewApi, jpeg_of, quadrants};

/// Asks for the preview until an answer comes from memory (a background write, such as the
/// thumbnail made after the upload, may invalidate the first few). On PostgreSQL the cache
/// answers once the listener is connected.
pub(crate) async fn warm<S, B>(app: &TestApp<S>, id: &str, token: &str)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    until("the grant cache is trusted", || app.state.grants.trusted()).await;
    for _ in 0..50 {
        let before = app.state.grants.hits();
        assert_eq!(app.preview(id, "sm", token).await.status, 200);
        if app.state.grants.hits() > before {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the preview was never answered from memory");
}

/// Waits until `holds` (checked every 10 ms, for 20 s at most: notifications take
/// milliseconds, a reconnection up to the listener's longest backoff).
pub(crate) async fn until(what: &str, mut holds: impl FnMut() -> bool) {
    for _ in 0..2000 {
        if holds() {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: still not so after 20 s");
}

/// alice, a second session of hers (an app), a photo and a preview token of each session.
async fn alice_with_photo<S, B>(app: &TestApp<S>) -> (TestUser, String, String, String, String)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let alice = app.register("alice").await;
    let phone = app.login_as(&alice, "app").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let mine = app.preview_token(&alice.token, &id, None).await;
    let phones = app.preview_token(&phone, &id, None).await;
    warm(app, &id, &mine).await;
    warm(app, &id, &phones).await;
    (alice, phone, id, mine, phones)
}

#[actix_web::test]
async fn logout_refuses_the_next_preview_answered_from_memory() {
    let app = spawn_app().await;
    let (alice, _, id, mine, phones) = alice_with_photo(&app).await;
    assert_eq!(app.post_bearer("/api/v1/auth/logout", &alice.token).await.status, 204);
    let r = app.preview(&id, "sm", &mine).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (401, "token_revoked"));
    warm(&app, &id, &phones).await;
}

#[actix_web::test]
async fn revoking_a_session_or_all_refuses_the_next_preview() {
    let app = spawn_app().await;
    let (alice, phone, id, mine, phones) = alice_with_photo(&app).await;
    let current = crate::preview::claims_of(&phone)["sid"].as_str().expect("sid").to_owned();
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/sessions/{current}"))
                .insert_header(("Authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.preview(&id, "sm", &phones).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (401, "token_revoked"));

    warm(&app, &id, &mine).await;
    assert_eq!(app.post_bearer("/api/v1/auth/logout-all", &alice.token).await.status, 204);
    let r = app.preview(&id, "sm", &mine).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (401, "token_revoked"));
}

#[actix_web::test]
async fn a_password_change_refuses_the_other_sessions_next_preview() {
    let app = spawn_app().await;
    let (alice, _, id, mine, phones) = alice_with_photo(&app).await;
    let r = app.change_password(&alice.token, PASSWORD, "a new password").await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.preview(&id, "sm", &phones).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (401, "token_revoked"));
    assert_eq!(app.preview(&id, "sm", &mine).await.status, 200, "this session goes on");
}

#[actix_web::test]
async fn disabling_the_user_refuses_the_next_preview() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let (alice, _, id, mine, _) = alice_with_photo(&app).await;
    let r = app
        .send(
            TestRequest::patch()
                .uri(&format!("/api/v1/admin/users/{}", alice.id))
                .insert_header(("Authorization", format!("Bearer {}", admin.token)))
                .set_json(json!({ "state": "disabled" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app.preview(&id, "sm", &mine).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (403, "user_disabled"));
}

#[actix_web::test]
async fn deleting_the_file_refuses_the_next_preview() {
    let app = spawn_app().await;
    let (alice, _, id, mine, _) = alice_with_photo(&app).await;
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/files/{id}"))
                .insert_header(("Authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    assert_eq!(app.preview(&id, "sm", &mine).await.status, 404);
}
