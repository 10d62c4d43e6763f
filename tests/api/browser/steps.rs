//! What a person does in the browser, as steps the tests share. Each step ends by waiting for
//! the page it leads to, so the next step starts on a loaded page.

use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage, Rgba, RgbaImage};

use super::{Browser, ui};
use crate::helpers::PASSWORD;

/// Registers `username` through `/register` and checks the browser lands logged in.
pub async fn register(b: &Browser, username: &str) {
    b.goto(ui::REGISTER).await;
    let form = ui::REGISTER_FORM;
    b.fill(&ui::field(form, "username"), username).await;
    b.fill(&ui::field(form, "email"), &format!("{username}@example.com")).await;
    b.fill(&ui::field(form, "phone"), "+1 555 0100").await;
    b.fill(&ui::field(form, "password"), PASSWORD).await;
    b.fill(&ui::field(form, "password_confirm"), PASSWORD).await;
    b.click(&ui::submit(form)).await;
    b.wait_for_path(ui::FILES).await;
    assert_eq!(b.text_content(ui::USER_NAME).await, username, "registered and logged in");
}

/// Logs in through `/login` with `login` (user name, email or phone).
pub async fn log_in(b: &Browser, login: &str, username: &str) {
    b.goto(ui::LOGIN).await;
    b.fill(&ui::field(ui::LOGIN_FORM, "login"), login).await;
    b.fill(&ui::field(ui::LOGIN_FORM, "password"), PASSWORD).await;
    b.click(&ui::submit(ui::LOGIN_FORM)).await;
    b.wait_for_path(ui::FILES).await;
    assert_eq!(b.text_content(ui::USER_NAME).await, username, "logged in");
}

/// Logs out with the button in the user menu and checks the browser is logged out.
pub async fn log_out(b: &Browser) {
    b.click(ui::USER_MENU).await;
    b.click(ui::NAV_LOG_OUT).await;
    b.wait_for_path(ui::LOGIN).await;
    b.wait_for(ui::NAV_LOG_IN).await;
    assert!(b.find_all(ui::USER_NAME).await.is_empty(), "no user in the header");
}

/// Writes real images into `dir`: a JPEG (landscape), a PNG with transparency (square) and a
/// JPEG (portrait), a few hundred pixels each.
pub fn sample_images(dir: &Path) -> Vec<PathBuf> {
    let landscape = RgbImage::from_fn(480, 320, |x, y| {
        Rgb([(x * 255 / 480) as u8, (y * 255 / 320) as u8, 160])
    });
    let square = RgbaImage::from_fn(320, 320, |x, y| {
        let inside = (x as i32 - 160).pow(2) + (y as i32 - 160).pow(2) < 120 * 120;
        if inside { Rgba([230, 90, 40, 255]) } else { Rgba([0, 0, 0, 0]) }
    });
    let portrait = RgbImage::from_fn(300, 420, |x, y| {
        let stripe = (x / 30 + y / 30) % 2 == 0;
        if stripe { Rgb([40, 120, 200]) } else { Rgb([250, 240, 200]) }
    });
    let paths = [dir.join("landscape.jpg"), dir.join("circle.png"), dir.join("stripes.jpeg")];
    landscape.save(&paths[0]).expect("write JPEG");
    square.save(&paths[1]).expect("write PNG");
    portrait.save(&paths[2]).expect("write JPEG");
    paths.to_vec()
}

/// Uploads `files` (images) through the files page's file input, waits for the page to show
/// them in the listing, and gives the file ids in listing order.
pub async fn upload(b: &Browser, files: &[PathBuf]) -> Vec<String> {
    b.goto(ui::FILES).await;
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    // WebDriver takes several files for a `multiple` input as one path a line. Choosing the
    // files starts the upload (the form's own button is for browsers without JavaScript).
    b.fill(ui::FILE_INPUT, &paths.join("\n")).await;
    b.wait_for("#upload-panel:not([hidden])").await;
    // The page's script uploads, then reloads the listing, which then shows the files.
    let links = serde_json::Value::String(ui::GALLERY_LINKS.into());
    b.wait_until(
        &format!("{} images in the grid", files.len()),
        &format!("document.querySelectorAll({links}).length >= {}", files.len()),
    )
    .await;
    let hrefs = b
        .eval(&format!(
            "return [...document.querySelectorAll({links})].map(a => a.getAttribute('href'));"
        ))
        .await;
    let ids: Vec<String> = hrefs
        .as_array()
        .expect("hrefs")
        .iter()
        .filter_map(|h| h.as_str()?.strip_prefix("/files/").map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), files.len(), "one grid link for each upload: {hrefs}");
    ids
}

/// Photographs the current page at both widths when `HOMEDISK_SCREENSHOTS` is set (the
/// viewport ends at the desktop width).
pub async fn snap(b: &Browser, name: &str) {
    let Some(dir) = std::env::var_os("HOMEDISK_SCREENSHOTS").filter(|d| !d.is_empty()) else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for (label, (w, h)) in [("phone", ui::PHONE), ("desktop", ui::DESKTOP)] {
        b.set_size(w, h).await;
        b.screenshot(&dir.join(format!("{name}-{label}.png"))).await;
    }
}
