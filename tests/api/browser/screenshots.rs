//! Pictures of the main pages (`ui::PAGES`) at desktop and phone widths, for a person to look
//! at: saved as `<page>-desktop.png` / `<page>-phone.png` only when `HOMEDISK_SCREENSHOTS`
//! names a directory. Without it the test still opens every page at both widths and checks it
//! rendered, which keeps the page list honest.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Browser, Harness, steps, ui};

/// True once every image at least partly in the viewport has loaded.
const IMAGES_IN_VIEW_LOADED: &str = "[...document.images].every(i => {
    const r = i.getBoundingClientRect();
    const seen = r.width > 0 && r.bottom > 0 && r.top < window.innerHeight;
    return !seen || (i.complete && i.naturalWidth > 0);
})";

#[actix_web::test]
async fn every_main_page_renders_at_desktop_and_phone_widths() {
    let Some(h) = Harness::start("every_main_page_renders_at_desktop_and_phone_widths") else {
        return;
    };
    let out = std::env::var_os("HOMEDISK_SCREENSHOTS").filter(|d| !d.is_empty()).map(PathBuf::from);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    let b = h.browser().await;
    visit(&b, false, "", out.as_deref()).await;

    steps::register(&b, "alice").await;
    let images = tempfile::TempDir::new().expect("tmp");
    let samples = steps::sample_images(images.path());
    // The landscape says where and with what it was taken, for the photo details (#17).
    if crate::photos::exiftool_here() {
        crate::photos::tag_paris(&samples[0], "2024:07:14 15:30:05");
    }
    let ids = steps::upload(&b, &samples).await;
    // The file page of landscape.jpg (listed by name: circle, landscape, stripes), the photo
    // that says something.
    visit(&b, true, &ids[1], out.as_deref()).await;
    b.close().await;
}

/// Opens each page that wants this login state at both widths, waits for it, and saves a
/// picture into `out` when given.
async fn visit(b: &Browser, logged_in: bool, file: &str, out: Option<&Path>) {
    for (label, (width, height)) in [("desktop", ui::DESKTOP), ("phone", ui::PHONE)] {
        b.set_size(width, height).await;
        for page in ui::PAGES.iter().filter(|p| p.logged_in == logged_in) {
            b.goto(&page.path.replace("{file}", file)).await;
            b.wait_for(page.ready).await;
            if let Some(css) = page.show {
                let css = Value::String(css.into());
                b.eval(&format!(
                    "document.querySelector({css}).scrollIntoView({{block: 'start'}});"
                ))
                .await;
            }
            if let Some((target, after)) = page.click {
                b.click(target).await;
                b.wait_for(after).await;
            }
            b.wait_until(&format!("images in view on {}", page.name), IMAGES_IN_VIEW_LOADED).await;
            if let Some(dir) = out {
                b.screenshot(&dir.join(format!("{}-{label}.png", page.name))).await;
            }
        }
    }
}
