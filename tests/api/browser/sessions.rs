//! Staying signed in: a browser in use stays signed in across several idle limits ("a day"
//! scaled down to a 5-second limit, the cookie re-issued as the session slides), one left idle
//! past the limit is asked to sign in again, and "keep me signed in" makes the cookie outlive
//! the browser session.

use std::time::Duration;

use actix_web::rt::time::sleep;

use super::{Harness, steps, ui};
use crate::helpers::PASSWORD;

const SESSION: &str = "homedisk_session";

#[actix_web::test]
async fn a_browser_in_use_stays_signed_in_and_an_idle_one_is_signed_out() {
    let idle_limit = [("HOMEDISK_WEB_TOKEN_TTL_SECONDS", "5")];
    let Some(h) = Harness::start_with("a_browser_in_use_stays_signed_in", &idle_limit) else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    assert!(!b.cookie_persistent(SESSION).await, "a plain sign-in: a browser-session cookie");

    // Fifteen seconds of use, a page a second: three idle limits.
    for _ in 0..15 {
        sleep(Duration::from_secs(1)).await;
        b.goto(ui::FILES).await;
        b.wait_for_path(ui::FILES).await;
    }

    // Left alone past the limit: the next page asks to sign in again.
    sleep(Duration::from_secs(7)).await;
    b.goto(ui::FILES).await;
    b.wait_for_path(ui::LOGIN).await;

    b.fill(&ui::field(ui::LOGIN_FORM, "login"), "alice").await;
    b.fill(&ui::field(ui::LOGIN_FORM, "password"), PASSWORD).await;
    b.click("#keep").await;
    b.click(&ui::submit(ui::LOGIN_FORM)).await;
    b.wait_for_path(ui::FILES).await;
    assert!(b.cookie_persistent(SESSION).await, "keep me signed in: a persistent cookie");
    b.close().await;
}
