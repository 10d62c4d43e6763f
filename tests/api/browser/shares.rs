//! A share link in real browsers: the owner makes a password-protected link to a folder from
//! its page; a fresh browser with no account and no cookies opens it, gets the password form,
//! unlocks, sees the thumbnails load, opens the lightbox, and downloads the whole folder as a
//! ZIP with the unlock cookie alone. With `HOMEDISK_SCREENSHOTS`, the locked and unlocked
//! pages are photographed at both widths (`share-locked-*.png`, `share-gallery-*.png`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Browser, Harness, steps, ui};
use crate::helpers::PASSWORD;

const SHARE_PASSWORD: &str = "summer-by-the-sea";
const BOUNDARY: &str = "browser-share-boundary";

fn api(h: &Harness, method: &str, path: &str, token: &str, body: &Value) -> Value {
    let auth = format!("Bearer {token}");
    let headers = [("Content-Type", "application/json"), ("Authorization", auth.as_str())];
    let (status, _, bytes) =
        h.server.http(method, path, &headers, body.to_string().as_bytes()).expect("request");
    let answer = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!((200..300).contains(&status), "{method} {path}: {status} {answer}");
    answer
}

/// `POST path` with `body` and no credential (register, login): the token it answers.
fn token_from(h: &Harness, path: &str, body: &Value) -> String {
    let headers = [("Content-Type", "application/json")];
    let (status, _, bytes) =
        h.server.http("POST", path, &headers, body.to_string().as_bytes()).expect("request");
    let answer = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
    assert!((200..300).contains(&status), "POST {path}: {status} {answer}");
    answer["token"].as_str().expect("token").to_owned()
}

/// Chooses two sample pictures (made in `dir`) on an upload link's page, sends them, and waits
/// until `(what, condition)` holds.
async fn drop_two_pictures(visitor: &Browser, dir: &Path, (what, condition): (&str, &str)) {
    let files: Vec<String> =
        steps::sample_images(dir).iter().take(2).map(|p| p.display().to_string()).collect();
    visitor.fill("#drop-files", &files.join("\n")).await;
    visitor.click("#drop-form button[type='submit']").await;
    visitor.wait_until(what, condition).await;
}

fn upload(h: &Harness, token: &str, folder: &str, file: &PathBuf) {
    let name = file.file_name().and_then(|n| n.to_str()).expect("name");
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::fs::read(file).expect("read"));
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let auth = format!("Bearer {token}");
    let kind = format!("multipart/form-data; boundary={BOUNDARY}");
    let headers = [("Content-Type", kind.as_str()), ("Authorization", auth.as_str())];
    let path = format!("/api/v1/files?folder={folder}");
    let (status, _, bytes) = h.server.http("POST", &path, &headers, &body).expect("upload");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
}

#[actix_web::test]
async fn a_password_protected_folder_link_opens_in_a_browser_without_an_account() {
    let Some(h) =
        Harness::start("a_password_protected_folder_link_opens_in_a_browser_without_an_account")
    else {
        return;
    };
    let owner = h.browser().await;
    steps::register(&owner, "alice").await;
    let login = json!({ "login": "alice", "password": PASSWORD, "client": "app" });
    let token = token_from(&h, "/api/v1/auth/login", &login);
    let album = api(&h, "POST", "/api/v1/folders", &token, &json!({ "name": "Seaside" }));
    let album = album["id"].as_str().expect("id").to_owned();
    let dir = tempfile::tempdir().expect("temp dir");
    for file in steps::sample_images(dir.path()) {
        upload(&h, &token, &album, &file);
    }

    owner.goto(&format!("/files?folder={album}")).await;
    owner.click(&format!("a[href='/shares/new?file={album}']")).await;
    owner.wait_for("form[action='/shares']").await;
    owner.fill("#share-password", SHARE_PASSWORD).await;
    owner.click("form[action='/shares'] button[type='submit']").await;
    owner.wait_for("#share-url").await;
    let url = owner.eval("return document.querySelector('#share-url').value;").await;
    let url = url.as_str().expect("the link").to_owned();
    let path = url[url.find("/s/").expect("a /s/ link")..].to_owned();
    owner.close().await;

    let visitor = h.browser().await;
    visitor.goto(&path).await;
    visitor.wait_for("form[action$='/unlock']").await;
    assert!(!visitor.text("main").await.contains(".png"), "no names before the password");
    steps::snap(&visitor, "share-locked").await;
    visitor.fill("input[name='password']", "not the password").await;
    visitor.click("form[action$='/unlock'] button").await;
    visitor.wait_for("main .error").await;
    visitor.fill("input[name='password']", SHARE_PASSWORD).await;
    visitor.click("form[action$='/unlock'] button").await;
    let thumbs = visitor.wait_images_loaded("#items img.thumb", 3).await;
    assert!(thumbs.iter().all(|src| src.contains(&format!("{path}/thumb/"))), "{thumbs:?}");
    steps::snap(&visitor, "share-gallery").await;

    visitor.click("#items a[data-lightbox]").await;
    visitor.wait_images_loaded(ui::LIGHTBOX_IMAGE, 1).await;
    visitor.press("Escape").await;

    // The ZIP, with nothing but the unlock cookie the page set (limited to this link's path).
    let zip = visitor
        .eval(&format!(
            "return fetch('{path}/zip').then(async r => {{
                 const b = new Uint8Array(await r.arrayBuffer());
                 return [r.status, r.headers.get('content-type'), b.length, String.fromCharCode(b[0], b[1])];
             }});"
        ))
        .await;
    assert_eq!(zip[0], 200, "{zip}");
    assert_eq!(zip[3], "PK", "a ZIP: {zip}");
    assert!(zip[2].as_u64() > Some(1000), "with the images in it: {zip}");
    let elsewhere = visitor.eval("return fetch('/api/v1/me').then(r => r.status);").await;
    assert_eq!(elsewhere, 401, "the unlock is no account");

    // An upload link: the visitor drops two pictures, each gets its bar and "sent".
    let drop = json!({ "file": album, "kind": "upload", "uploader_folders": true });
    let drop = api(&h, "POST", "/api/v1/shares", &token, &drop);
    let drop_path = drop["url"].as_str().expect("url").to_owned();
    visitor.goto(&drop_path).await;
    visitor.wait_for("#drop-form").await;
    assert!(!visitor.text("main").await.contains(".png"), "the drop page names nothing there");
    steps::snap(&visitor, "share-drop").await;
    visitor.fill("#drop-uploader", "Bob").await;
    let sent = "document.querySelectorAll('#drop-list li.done').length === 2";
    drop_two_pictures(&visitor, dir.path(), ("two files sent", sent)).await;
    visitor.close().await;
    let inbox = api(&h, "GET", &format!("/api/v1/files?folder={album}"), &token, &Value::Null);
    let bob = inbox["items"].as_array().expect("items").iter().find(|i| i["name"] == "Bob");
    let bob = bob.expect("a folder for Bob")["id"].as_str().expect("id").to_owned();
    let theirs = api(&h, "GET", &format!("/api/v1/files?folder={bob}"), &token, &Value::Null);
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(2), "{theirs}");
}

/// An upload link past the per-address limit: the drop page says so in its own language with
/// the wait in minutes (the API's problem detail is English), and keeps the file that fit.
#[actix_web::test]
async fn the_drop_page_says_when_this_address_has_sent_enough_in_its_language() {
    let Some(h) = Harness::start_with(
        "the_drop_page_says_when_this_address_has_sent_enough_in_its_language",
        &[("HOMEDISK_LINK_UPLOADS_PER_HOUR", "1")],
    ) else {
        return;
    };
    let register = json!({ "username": "alice", "password": PASSWORD });
    let token = token_from(&h, "/api/v1/auth/register", &register);
    let inbox = api(&h, "POST", "/api/v1/folders", &token, &json!({ "name": "Inbox" }));
    let inbox = inbox["id"].as_str().expect("id").to_owned();
    let drop =
        api(&h, "POST", "/api/v1/shares", &token, &json!({ "file": inbox, "kind": "upload" }));
    let drop_path = drop["url"].as_str().expect("url").to_owned();

    let visitor = h.browser().await;
    visitor.goto(&drop_path).await;
    visitor.eval("document.cookie = 'homedisk_lang=zh-CN; path=/'; return true;").await;
    visitor.goto(&drop_path).await;
    visitor.wait_for("#drop-form").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let one_each = "document.querySelectorAll('#drop-list li.done').length === 1 && \
                    document.querySelectorAll('#drop-list li.failed').length === 1";
    drop_two_pictures(&visitor, dir.path(), ("one file sent, one refused", one_each)).await;
    let said = visitor.text("#drop-list li.failed .drop-status").await;
    assert!(said.contains("上传链接") && said.contains("分钟后再试"), "{said}");
    assert!(said.chars().any(|c| c.is_ascii_digit()), "the wait in minutes: {said}");
    visitor.close().await;
    let kept = api(&h, "GET", &format!("/api/v1/files?folder={inbox}"), &token, &Value::Null);
    assert_eq!(kept["items"].as_array().map(Vec::len), Some(1), "{kept}");
}
