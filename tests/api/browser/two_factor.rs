//! Two-factor login in a real browser: set it up reading the key from the page, compute the
//! code with oathtool (as an authenticator app would), log out, log in with password + code.

use super::{Harness, steps, ui};
use crate::helpers::PASSWORD;
use crate::totp::{code_at, have_oathtool, now, room_in_step};

#[actix_web::test]
async fn two_factor_login_set_up_on_the_page_then_used_to_log_in() {
    if !have_oathtool() {
        return;
    }
    let Some(h) = Harness::start("two_factor_login_set_up_on_the_page_then_used_to_log_in") else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    room_in_step().await;
    b.goto(ui::SECURITY).await;
    b.click(ui::TOTP_START).await;
    b.wait_for(ui::TOTP_SECRET).await;
    let secret = b
        .eval(&format!("return document.querySelector('{}').dataset.secret;", ui::TOTP_SECRET))
        .await;
    let secret = secret.as_str().expect("the key on the page").to_owned();
    let shown = b.text_content(ui::TOTP_SECRET).await;
    assert_eq!(shown.replace(' ', ""), secret, "the key, grouped in fours");
    // The current step's code turns it on; the next step's is then free for the login.
    b.fill(&ui::field(ui::TOTP_CONFIRM_FORM, "code"), &code_at(&secret, now())).await;
    b.click(&ui::submit(ui::TOTP_CONFIRM_FORM)).await;
    b.wait_for(ui::RECOVERY_CODES).await;
    assert_eq!(b.find_all(ui::RECOVERY_CODES).await.len(), 10);
    steps::log_out(&b).await;

    b.goto(ui::LOGIN).await;
    b.fill(&ui::field(ui::LOGIN_FORM, "login"), "alice").await;
    b.fill(&ui::field(ui::LOGIN_FORM, "password"), PASSWORD).await;
    b.click(&ui::submit(ui::LOGIN_FORM)).await;
    b.wait_for_path(ui::LOGIN_2FA).await;
    b.fill(&ui::field(ui::LOGIN_2FA_FORM, "code"), &code_at(&secret, now() + 30)).await;
    b.click(&ui::submit(ui::LOGIN_2FA_FORM)).await;
    b.wait_for_path(ui::FILES).await;
    assert_eq!(b.text_content(ui::USER_NAME).await, "alice", "logged in with the code");
    b.close().await;
}
