//! Device login in a real browser: an app asks for a code, its user follows the link while
//! logged out, logs in, lands back on `/device` with the code filled in, and approves; the
//! app's next poll gets its session. With `HOMEDISK_SCREENSHOTS`, each step is photographed
//! at desktop and phone widths (`device-code-*.png`, `device-confirm-*.png`,
//! `device-done-*.png`).

use serde_json::{Value, json};

use super::{Harness, steps, ui};
use crate::helpers::PASSWORD;

const CODE_FORM: &str = "form[action='/device']";
const DECIDE_FORM: &str = "form[action='/device/decide']";
const APPROVE: &str = "form[action='/device/decide'] button[value='approve']";

fn post_json(h: &Harness, path: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let (status, _, bytes) = h
        .server
        .http("POST", path, &[("Content-Type", "application/json")], body.as_bytes())
        .expect("request");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn an_app_is_approved_through_the_link_after_logging_in() {
    let Some(h) = Harness::start("an_app_is_approved_through_the_link_after_logging_in") else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    steps::log_out(&b).await;

    let (status, asked) = post_json(&h, "/api/v1/auth/device", &json!({ "client_name": "Phone" }));
    assert_eq!(status, 200, "{asked}");
    let link = asked["verification_uri_complete"].as_str().expect("link");
    let user_code = asked["user_code"].as_str().expect("user code");
    let path = &link[link.find("/device").expect("a /device link")..];

    b.goto(path).await;
    b.wait_for_path(ui::LOGIN).await;
    b.fill(&ui::field(ui::LOGIN_FORM, "login"), "alice").await;
    b.fill(&ui::field(ui::LOGIN_FORM, "password"), PASSWORD).await;
    b.click(&ui::submit(ui::LOGIN_FORM)).await;
    b.wait_for_path(path).await;
    let typed = b.eval("return document.querySelector(\"[name='user_code']\").value;").await;
    assert_eq!(typed, Value::String(user_code.to_owned()), "the code came with the link");
    steps::snap(&b, "device-code").await;

    b.click(&ui::submit(CODE_FORM)).await;
    b.wait_for(DECIDE_FORM).await;
    assert!(b.text("main").await.contains("Phone"), "the app's name is shown");
    steps::snap(&b, "device-confirm").await;
    b.click(APPROVE).await;
    b.wait_for_path("/device/decide").await;
    assert_eq!(b.text(ui::HEADING).await, "The app is logged in");
    steps::snap(&b, "device-done").await;

    let device_code = json!({ "device_code": asked["device_code"] });
    let (status, answer) = post_json(&h, "/api/v1/auth/device/token", &device_code);
    assert_eq!((status, answer["client"].clone()), (200, json!("app")), "{answer}");
    b.close().await;
}
