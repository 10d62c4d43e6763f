//! The lightbox of photos in a real browser (#17): the details panel shows what the photo's
//! EXIF says (written by exiftool), the page behind does not scroll while it is open and gets
//! its scrolling back after, double-click zooms and unzooms, a pinch zooms, and a swipe moves
//! to the next picture. Needs exiftool as `tests/api/photos.rs` does.

use serde_json::Value;

use super::{Harness, steps, ui};

const STAGE: &str = "#lightbox-stage";

/// `type` pointer events of touch pointer `id` at (x, y) on the lightbox's stage.
fn touch(kind: &str, id: u32, x: u32, y: u32) -> String {
    format!(
        "document.querySelector('{STAGE}').dispatchEvent(new PointerEvent('{kind}', \
         {{pointerId: {id}, pointerType: 'touch', isPrimary: {}, clientX: {x}, clientY: {y}, bubbles: true}}));",
        id == 1
    )
}

fn scale(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

#[actix_web::test]
async fn the_lightbox_shows_photo_details_locks_the_page_and_zooms() {
    if !crate::photos::exiftool_here() {
        return;
    }
    let Some(h) = Harness::start("the_lightbox_shows_photo_details") else { return };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    let dir = tempfile::TempDir::new().expect("tmp");
    let tagged = dir.path().join("a-paris.jpg");
    std::fs::write(&tagged, crate::photos::paris(30, "2024:07:14 15:30:05")).expect("write");
    let plain = dir.path().join("b-plain.jpg");
    std::fs::write(&plain, crate::photos::photo(31, &[])).expect("write");
    steps::upload(&b, &[tagged, plain]).await;
    b.goto("/files?sort=name").await;
    b.wait_for(ui::GALLERY_LINKS).await;

    // A page long enough to scroll, scrolled a little, then the lightbox.
    b.eval("document.querySelector('main').append(Object.assign(document.createElement('div'), {className: 'test-spacer'})); document.querySelector('.test-spacer').style.height = '3000px'; window.scrollTo(0, 150);").await;
    b.click(ui::GALLERY_LINKS).await;
    b.wait_images_loaded(ui::LIGHTBOX_IMAGE, 1).await;
    let locked = b.eval("return [getComputedStyle(document.documentElement).overflow, getComputedStyle(document.body).overflow, window.scrollY];").await;
    assert_eq!(
        (locked[0].as_str(), locked[1].as_str()),
        (Some("hidden"), Some("hidden")),
        "{locked}"
    );
    let at = locked[2].as_f64().expect("scrollY");
    assert!(at > 0.0, "the page was scrolled before: {locked}");

    // The details: hidden until asked, then the facts of this photo, the place for its owner.
    assert_eq!(b.eval("return document.querySelector('#lightbox-info').hidden;").await, true);
    b.click("#lightbox-info-toggle").await;
    b.wait_for("#lightbox-info:not([hidden])").await;
    let info = b.text("#lightbox-info").await;
    for want in [
        "64 × 48 pixels",
        "2024-07-14 15:30 (UTC+02:00)",
        "Canon EOS R6",
        "RF24-105mm F4",
        "48.85840, 2.29450",
    ] {
        assert!(info.contains(want), "{want} in {info}");
    }

    steps::snap(&b, "lightbox-details").await;

    // Double-click zooms in about the pointer, and out again.
    b.eval("document.querySelector('#lightbox-img').dispatchEvent(new MouseEvent('dblclick', {bubbles: true, clientX: 600, clientY: 380}));").await;
    let zoomed = b.eval("return document.querySelector('#lightbox-img').dataset.scale;").await;
    assert!(scale(&zoomed) > 2.0, "double-click zoomed: {zoomed}");
    let transform =
        b.eval("return getComputedStyle(document.querySelector('#lightbox-img')).transform;").await;
    assert!(transform.as_str().is_some_and(|t| t.starts_with("matrix(2.5")), "{transform}");
    b.eval("document.querySelector('#lightbox-img').dispatchEvent(new MouseEvent('dblclick', {bubbles: true, clientX: 600, clientY: 380}));").await;
    assert_eq!(
        scale(&b.eval("return document.querySelector('#lightbox-img').dataset.scale;").await),
        1.0
    );

    // A pinch (two touch pointers moving apart) zooms; lifting them keeps the zoom.
    let pinch = [
        touch("pointerdown", 1, 500, 400),
        touch("pointerdown", 2, 600, 400),
        touch("pointermove", 2, 700, 400),
        touch("pointermove", 1, 400, 400),
        touch("pointerup", 1, 400, 400),
        touch("pointerup", 2, 700, 400),
    ];
    b.eval(&pinch.concat()).await;
    let pinched =
        scale(&b.eval("return document.querySelector('#lightbox-img').dataset.scale;").await);
    assert!((pinched - 3.0).abs() < 0.01, "spread 100 → 300 px is 3×: {pinched}");

    // A swipe to the left shows the next picture, unzoomed; it says nothing, the size only.
    let swipe = [
        touch("pointerdown", 1, 700, 400),
        touch("pointermove", 1, 500, 405),
        touch("pointerup", 1, 400, 405),
    ];
    b.eval("document.querySelector('#lightbox-img').dispatchEvent(new MouseEvent('dblclick', {bubbles: true, clientX: 600, clientY: 380}));").await;
    b.eval(&swipe.concat()).await;
    b.wait_until(
        "the second picture",
        "document.querySelector('#lightbox-count').textContent === '2 of 2'",
    )
    .await;
    assert_eq!(
        scale(&b.eval("return document.querySelector('#lightbox-img').dataset.scale;").await),
        1.0
    );
    // Still open (the panel stays as chosen): this one says its size only.
    let rows = b
        .eval(
            "return ['dims', 'camera', 'place'].map(k => \
             document.querySelector(`#lightbox-info dd[data-lb-fact=${k}]`).hidden);",
        )
        .await;
    assert_eq!(rows, serde_json::json!([false, true, true]), "size only, no place");
    assert!(b.text("#lightbox-info").await.contains("64 × 48 pixels"));

    // Closed: the page scrolls again, where it was.
    b.press("\u{E00C}").await; // Esc
    b.wait_until("the lightbox closed", "!document.querySelector('dialog#lightbox').open").await;
    // The dialog's `close` event (which gives scrolling back) comes a moment after `open`.
    b.wait_until(
        "scrolling given back",
        "getComputedStyle(document.documentElement).overflow === 'visible' \
         && getComputedStyle(document.body).overflow === 'visible'",
    )
    .await;
    assert_eq!(b.eval("return window.scrollY;").await.as_f64(), Some(at), "at the same place");
    b.close().await;
}
