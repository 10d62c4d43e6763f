//! The README's curl examples, run as written against the real executable (issue #17): every
//! `sh` block that calls the server (`127.0.0.1:8080` or `$BASE`) runs in one bash session, in
//! the README's order, with the first example ("Examples with curl": register, log in, …)
//! first, since the others start from its `$TOKEN`, `$FOLDER` and `$FILE`. Only the port is
//! changed. Every HTTP answer must be a success (curl reports each status on stderr), and the
//! session stops at the first failing command (`set -euo pipefail`).
//!
//! Blocks that need a person (or would end the account the rest uses) are listed in
//! [`SKIPPED`] with the reason, and blocks whose tool is missing ([`NEEDS_TOOL`]) say so;
//! everything else runs.

use std::process::Command;

use crate::helpers::PASSWORD;
use crate::server::Server;

/// (text that identifies the block, why it cannot run here).
const SKIPPED: &[(&str, &str)] = &[
    ("oathtool", "two-factor login needs an authenticator code (oathtool) and would lock alice"),
    ("auth/device/token", "device login waits for a person to approve the code on /device"),
];

/// A block that runs only where its tool is installed (CI installs rclone for WebDAV).
const NEEDS_TOOL: &[(&str, &str)] = &[("rclone config", "rclone")];

/// The block the others build on.
const FIRST: &str =
    "# Register (the first account on an empty instance becomes the administrator).";

/// Reports each request's status on stderr (`readme-http CODE METHOD URL`) without touching
/// what the examples print or pipe.
const PRELUDE: &str = r#"set -euo pipefail
curl() { command curl -w '%{stderr}readme-http %{http_code} %{method} %{url_effective}\n' "$@"; }
"#;

fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("```sh\n") {
        let body = &rest[start + 6..];
        let end = body.find("```").expect("an unclosed sh block in the README");
        blocks.push(body[..end].to_owned());
        rest = &body[end + 3..];
    }
    blocks
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The files the examples upload, in the working directory.
fn fixtures(dir: &std::path::Path) {
    let photo = image::RgbImage::from_fn(320, 200, |x, y| image::Rgb([x as u8, y as u8, 90]));
    photo.save(dir.join("holiday.jpg")).expect("holiday.jpg");
    photo.save(dir.join("photo.jpg")).expect("photo.jpg");
    image::RgbaImage::from_pixel(64, 64, image::Rgba([200, 120, 40, 255]))
        .save(dir.join("cat.png"))
        .expect("cat.png");
    std::fs::write(dir.join("notes.pdf"), b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        .expect("notes.pdf");
    let video: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("video.mp4"), video).expect("video.mp4");
    // `~/Pictures` for the rclone example (HOME is this directory).
    std::fs::create_dir_all(dir.join("Pictures/2026")).expect("Pictures");
    photo.save(dir.join("Pictures/2026/beach.jpg")).expect("beach.jpg");
    std::fs::write(dir.join("Pictures/list.txt"), b"to print\n").expect("list.txt");
}

#[test]
fn the_readme_curl_examples_work_against_a_real_server() {
    for tool in ["bash", "curl", "jq"] {
        if !have(tool) {
            eprintln!("skipped: the README examples need {tool}");
            return;
        }
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let calls_server =
        |b: &String| b.contains("curl") && (b.contains("127.0.0.1:8080") || b.contains("$BASE"));
    let blocks: Vec<String> = sh_blocks(&readme).into_iter().filter(calls_server).collect();
    let first = blocks.iter().position(|b| b.contains(FIRST)).expect("the main curl example");

    let server = Server::start();
    let origin = format!("127.0.0.1:{}", server.port);
    let mut script = String::from(PRELUDE);
    let mut ran = 0;
    let order = std::iter::once(first).chain((0..blocks.len()).filter(|i| *i != first));
    for i in order {
        let block = &blocks[i];
        if let Some((_, why)) = SKIPPED.iter().find(|(marker, _)| block.contains(marker)) {
            eprintln!("README block {i} not run: {why}");
            continue;
        }
        if let Some((_, tool)) = NEEDS_TOOL.iter().find(|(m, t)| block.contains(m) && !have(t)) {
            eprintln!("README block {i} not run: {tool} is not installed");
            continue;
        }
        script.push_str(&format!("echo 'readme-block {i}' >&2\n"));
        script.push_str(&block.replace("127.0.0.1:8080", &origin));
        ran += 1;
        if i == first {
            // The main example ends by logging out; the others start, as their text says,
            // from a fresh login's token.
            script.push_str(&format!(
                "TOKEN=$(command curl -s -X POST http://{origin}/api/v1/auth/login \
                 -H 'Content-Type: application/json' \
                 -d '{{\"login\": \"alice\", \"password\": \"{PASSWORD}\", \"client\": \"app\"}}' \
                 | jq -r .token)\n"
            ));
        }
    }
    assert!(ran >= 6, "only {ran} README blocks ran");

    let work = tempfile::TempDir::new().expect("tmp");
    fixtures(work.path());
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(work.path())
        .env("HOME", work.path())
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = format!(
        "script:\n{script}\nstdout:\n{}\nstderr:\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.status.success(), "a README example failed ({})\n{report}", out.status);
    let statuses: Vec<&str> = stderr.lines().filter(|l| l.starts_with("readme-http ")).collect();
    assert!(statuses.len() > 40, "{report}");
    for line in &statuses {
        let code: u16 = line.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        // The resume example runs right after the whole file was saved: nothing is left to
        // send, which is 416 (the README says so).
        let whole_already = code == 416 && line.contains(" GET ") && line.ends_with("/content");
        assert!((200..400).contains(&code) || whole_already, "{line}\n{report}");
    }
    assert_eq!(statuses.iter().filter(|l| l.contains("readme-http 416 ")).count(), 1, "{report}");
}
