//! A large upload through the files page goes through tus: the server is killed with SIGKILL
//! and restarted while it runs, the page's client (tus-js-client) retries, resumes from the
//! server's offset and finishes; the file is listed whole, and nothing partial ever was.

use std::time::{Duration, Instant};

use super::{Harness, steps, ui};

const ENV: &[(&str, &str)] = &[("HOMEDISK_RESUMABLE_UPLOAD_BYTES", "1048576")];

#[actix_web::test]
async fn a_large_upload_survives_a_server_restart() {
    let Some(mut h) = Harness::start_with("a_large_upload_survives_a_server_restart", ENV) else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    b.goto(ui::FILES).await;
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("holiday.mov");
    let size = 64usize << 20;
    let bytes: Vec<u8> = (0..size).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&file, &bytes).expect("write");
    b.fill(ui::FILE_INPUT, &file.display().to_string()).await;

    // Once the server has acknowledged a first chunk (its bytes are on disk), kill it.
    let uploads = h.server.data_dir().join("uploads");
    let start = Instant::now();
    let acknowledged = loop {
        let sizes: Vec<u64> = std::fs::read_dir(&uploads)
            .map(|d| d.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).collect())
            .unwrap_or_default();
        if let Some(n) = sizes.into_iter().find(|n| *n >= 8 << 20) {
            break n;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no chunk arrived");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(acknowledged < size as u64, "caught mid-upload");
    let listed = b
        .eval("return fetch('/api/v1/files').then(r => r.json()).then(j => j.items.length);")
        .await;
    assert_eq!(listed, 0, "nothing partial is listed");
    h.server.restart_in_place(ENV);

    b.wait_until(
        "the upload finished and the listing shows it",
        "[...document.querySelectorAll('#items .item-name')].some(e => e.textContent === 'holiday.mov')",
    )
    .await;
    let listed = b
        .eval("return fetch('/api/v1/files').then(r => r.json()).then(j => j.items.map(i => [i.name, i.size]));")
        .await;
    assert_eq!(listed, serde_json::json!([["holiday.mov", size]]), "whole, once");
    b.close().await;
}
