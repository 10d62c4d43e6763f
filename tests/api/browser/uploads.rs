//! The files page's uploads in Chromium: cancel one and cancel all (the server keeps nothing of
//! a cancelled resumable upload), the leave-page warning while uploads run, failures that stay
//! listed with their reason across reloads until dismissed, a folder tree picked through the
//! `webkitdirectory` input and recreated on the server (an existing folder reused), and a
//! pasted picture uploaded.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Browser, Harness, steps, ui};

/// `GET /api/v1/files` from the page: `[name, kind]` of a folder's items (`None`: the root).
async fn listing(b: &Browser, folder: Option<&str>) -> Value {
    let q = folder.map(|f| format!("?folder={f}")).unwrap_or_default();
    b.eval(&format!(
        "return fetch('/api/v1/files{q}').then(r => r.json()).then(j => j.items.map(i => [i.name, i.kind, i.id]));"
    ))
    .await
}

/// `[name, kind]` pairs of a listing made by [`listing`].
fn names(items: &Value) -> Vec<(String, String)> {
    let items = items.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|i| (i[0].as_str().unwrap_or("").into(), i[1].as_str().unwrap_or("").into()))
        .collect()
}

fn id_of(items: &Value, name: &str) -> String {
    let items = items.as_array().cloned().unwrap_or_default();
    let found =
        items.iter().find(|i| i[0] == name).unwrap_or_else(|| panic!("{name} in {items:?}"));
    found[2].as_str().unwrap_or_default().to_owned()
}

/// Whether the page warns before leaving (a `beforeunload` handler cancels the event).
const WARNS_ON_LEAVE: &str = "(() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()";

fn big_file(dir: &Path, name: &str, mib: usize) -> String {
    let bytes: Vec<u8> =
        (0..mib << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

/// Files in the server's resumable-upload area (each upload in progress keeps some there).
fn uploads_in_progress(h: &Harness) -> usize {
    std::fs::read_dir(h.server.data_dir().join("uploads")).map(|d| d.count()).unwrap_or(0)
}

/// Two resumable uploads started, the first cancelled on its own, the other by "cancel all";
/// the server keeps nothing of either.
async fn cancel_two(h: &Harness, b: &Browser, files: &[String]) {
    b.goto(ui::FILES).await;
    b.fill(ui::FILE_INPUT, &files.join("\n")).await;
    // Both are under way on the server, and the page asks before it is left.
    let start = Instant::now();
    while uploads_in_progress(h) < 2 {
        assert!(start.elapsed() < Duration::from_secs(60), "the uploads never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    b.wait_until("the leave-page warning", WARNS_ON_LEAVE).await;
    b.wait_for("#upload-cancel-all:not([hidden])").await;

    // Still running (nothing done, nothing failed), as the slow line promises.
    let running = "#uploads li:not(.done):not(.failed):not(.cancelled)";
    assert_eq!(b.find_all(running).await.len(), 2, "both uploads still running");
    b.click("#uploads li:nth-child(1) .up-cancel").await;
    b.wait_for("#uploads li.cancelled:nth-child(1)").await;
    b.click("#upload-cancel-all").await;
    b.wait_for("#uploads li.cancelled:nth-child(2)").await;
    assert_eq!(b.eval(&format!("return {WARNS_ON_LEAVE};")).await, false, "nothing runs");
    // The server deleted both uploads (tus termination), nothing was listed, the page stays.
    let start = Instant::now();
    while uploads_in_progress(h) > 0 {
        assert!(start.elapsed() < Duration::from_secs(30), "cancelled uploads left on the server");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(listing(b, None).await, json!([]), "nothing stored");
    assert_eq!(b.eval("return localStorage.length;").await, 0, "no resume keys left");
}

#[actix_web::test]
async fn uploads_can_be_cancelled_one_by_one_or_all_at_once() {
    let env = [("HOMEDISK_RESUMABLE_UPLOAD_BYTES", "1048576")];
    let Some(h) = Harness::start_with("uploads_can_be_cancelled_one_by_one_or_all_at_once", &env)
    else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    // A slow line rather than big files: at 64 KiB/s two 2 MiB uploads take a minute at least,
    // so both are still running when cancelled on any machine, and the test stays quick.
    b.throttle_uploads(64 << 10).await;
    let dir = tempfile::tempdir().expect("temp");
    let files = [big_file(dir.path(), "one.mov", 2), big_file(dir.path(), "two.mov", 2)];
    for ((w, hgt), lang) in [(ui::DESKTOP, "en"), (ui::PHONE, "zh-CN")] {
        b.set_size(w, hgt).await;
        if lang != "en" {
            b.click(ui::USER_MENU).await;
            b.click(&ui::language_button(lang)).await;
            b.wait_until("Chinese", "document.documentElement.lang === 'zh-CN'").await;
        }
        cancel_two(&h, &b, &files).await;
    }
    b.close().await;
}

#[actix_web::test]
async fn failed_uploads_stay_listed_with_their_reason_until_dismissed() {
    let env = [("HOMEDISK_DEFAULT_QUOTA_BYTES", "5000"), ("HOMEDISK_MAX_UPLOAD_BYTES", "100000")];
    let Some(h) =
        Harness::start_with("failed_uploads_stay_listed_with_their_reason_until_dismissed", &env)
    else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    b.goto(ui::FILES).await;
    let dir = tempfile::tempdir().expect("temp");
    let mut paths = Vec::new();
    for (name, size) in [("ok.txt", 1000), ("over-quota.txt", 7000), ("too-big.bin", 200_000)] {
        let path = dir.path().join(name);
        std::fs::write(&path, vec![b'x'; size]).expect("write");
        paths.push(path.display().to_string());
    }
    b.fill(ui::FILE_INPUT, &paths.join("\n")).await;
    // The good file is uploaded and the listing reloaded; both failures are still there.
    b.wait_until(
        "ok.txt in the listing",
        "[...document.querySelectorAll('#items .item-name')].some(e => e.textContent === 'ok.txt')",
    )
    .await;
    for ((w, hgt), lang) in [(ui::DESKTOP, "en"), (ui::PHONE, "zh-CN")] {
        b.set_size(w, hgt).await;
        if lang != "en" {
            b.click(ui::USER_MENU).await;
            b.click(&ui::language_button(lang)).await;
            b.wait_until("Chinese", "document.documentElement.lang === 'zh-CN'").await;
        } else {
            b.reload().await;
        }
        b.wait_for("#upload-panel:not([hidden]) #uploads li.failed").await;
        let failed = b
            .eval("return [...document.querySelectorAll('#uploads li.failed')].map(l => [l.querySelector('.up-name').textContent, l.querySelector('.up-state').textContent]);")
            .await;
        let failed: Vec<(String, String)> = serde_json::from_value(failed).expect("pairs");
        assert_eq!(failed.len(), 2, "{lang}: {failed:?}");
        assert_eq!(failed[0].0, "over-quota.txt", "{lang}");
        assert!(
            failed[0].1.to_lowercase().contains("quota"),
            "{lang}: the server's reason: {failed:?}"
        );
        assert_eq!(failed[1].0, "too-big.bin", "{lang}");
        assert!(failed[1].1.contains("97.7 KiB"), "{lang}: the limit named: {failed:?}");
        let looks = b
            .eval("const l = document.querySelector('#uploads li.failed'); return getComputedStyle(l).backgroundColor !== 'rgba(0, 0, 0, 0)';")
            .await;
        assert_eq!(looks, true, "{lang}: a failed row looks failed");
        let buttons = b
            .eval("return ['#upload-cancel-all', '#upload-dismiss'].map(s => getComputedStyle(document.querySelector(s)).display !== 'none');")
            .await;
        assert_eq!(buttons, json!([false, true]), "{lang}: nothing to cancel, failures to dismiss");
        if lang == "en" {
            steps::snap(&b, "upload-errors").await;
        }
    }
    b.click("#upload-dismiss").await;
    b.wait_for("#upload-panel[hidden]").await;
    b.reload().await;
    b.wait_for(ui::FILE_INPUT).await;
    assert_eq!(b.find_all("#uploads li").await.len(), 0, "dismissed for good");
    b.close().await;
}

#[actix_web::test]
async fn a_picked_folder_is_recreated_on_the_server_and_a_paste_uploads() {
    let Some(h) = Harness::start("a_picked_folder_is_recreated_on_the_server_and_a_paste_uploads")
    else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    b.goto(ui::FILES).await;
    // "trip" exists already: the upload puts its files in it rather than making "trip (1)".
    let made = b
        .eval("return fetch('/api/v1/folders', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}, body: JSON.stringify({name: 'trip'})}).then(r => r.json()).then(j => j.id);")
        .await;
    let trip_id = made.as_str().expect("folder id").to_owned();
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("trip");
    for (path, text) in
        [("a.txt", "a"), ("day1/b.txt", "b"), ("day1/c.txt", "c"), ("day2/deep/d.txt", "d")]
    {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    b.reload().await;
    b.wait_for(ui::FILE_INPUT).await;
    b.eval("window.__before_upload = true;").await;
    b.fill("#folder-input", &root.display().to_string()).await;
    b.wait_until(
        "the listing reloaded after the upload",
        "window.__before_upload === undefined && document.readyState === 'complete' && document.querySelector('#items') !== null",
    )
    .await;
    let start = Instant::now();
    let top = loop {
        let top = listing(&b, None).await;
        let trip = listing(&b, Some(&trip_id)).await;
        if names(&trip).len() == 3 {
            break top;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "trip: {trip}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(names(&top), [("trip".into(), "folder".into())], "reused, not doubled");
    let trip = listing(&b, Some(&trip_id)).await;
    let mut got = names(&trip);
    got.sort();
    let want = [("a.txt", "file"), ("day1", "folder"), ("day2", "folder")];
    assert_eq!(got, want.map(|(n, k)| (n.to_owned(), k.to_owned())));
    let day1 = listing(&b, Some(&id_of(&trip, "day1"))).await;
    let mut got = names(&day1);
    got.sort();
    assert_eq!(got, [("b.txt".into(), "file".into()), ("c.txt".into(), "file".into())]);
    let day2 = listing(&b, Some(&id_of(&trip, "day2"))).await;
    let deep = listing(&b, Some(&id_of(&day2, "deep"))).await;
    assert_eq!(names(&deep), [("d.txt".into(), "file".into())]);

    // Ctrl+V of a picture: uploaded under a telling name.
    b.eval(
        "const dt = new DataTransfer();
         dt.items.add(new File([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], 'image.png', {type: 'image/png'}));
         document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}));",
    )
    .await;
    b.wait_until(
        "the pasted picture in the listing",
        "[...document.querySelectorAll('#items .item-name')].some(e => /^Pasted .*\\.png$/.test(e.textContent))",
    )
    .await;
    b.close().await;
}
