//! Device login for apps (RFC 8628): `POST /api/v1/auth/device`, the `/device` approval
//! pages, and `POST /api/v1/auth/device/token`.

use actix_web::test::TestRequest;
use chrono::Utc;
use diesel::prelude::*;
use homedisk::db::schema::device_codes;
use serde_json::json;

use crate::helpers::spawn_app;

const REQUEST: &str = "/api/v1/auth/device";
const TOKEN: &str = "/api/v1/auth/device/token";

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
