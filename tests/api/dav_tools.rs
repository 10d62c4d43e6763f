//! WebDAV judged by real clients: `tests/litmus.sh` (the litmus conformance suite, all five
//! groups) and `tests/rclone.sh` (sync, check, times, moveto, delete, quota), each against the
//! real executable on a database of its own (PostgreSQL on a PostgreSQL run). A missing tool
//! is skipped with a message, unless `HOMEDISK_DAV_TOOLS=required` (as in CI) makes it an
//! error.

use std::process::Command;

fn tool_present(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `tests/{script}` (which needs `tool`) and fails with its output if it fails.
fn run_script(script: &str, tool: &str) {
    if !tool_present(tool) {
        if std::env::var("HOMEDISK_DAV_TOOLS").as_deref() == Ok("required") {
            panic!("{tool} is missing and HOMEDISK_DAV_TOOLS=required (apt install {tool})");
        }
        eprintln!("skipped: {tool} is not installed (apt install {tool})");
        return;
    }
    let url = crate::database::fresh_url();
    let _database = crate::database::DropOnExit::new(url.clone());
    let mut command = Command::new("bash");
    command
        .arg(format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR")))
        .env("HOMEDISK_BIN", env!("CARGO_BIN_EXE_homedisk"))
        .env_remove(crate::database::SERVER_VAR);
    if let Some(url) = url {
        command.env(crate::database::SERVER_VAR, url);
    }
    let out = command.output().expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The closing lines (the litmus summary, the rclone count) for the test log.
    for line in stdout.lines().filter(|l| l.contains("summary for") || l.contains(" passed, ")) {
        eprintln!("{line}");
    }
}

#[test]
fn litmus_passes_every_suite() {
    run_script("litmus.sh", "litmus");
}

#[test]
fn rclone_syncs_both_ways_and_keeps_times() {
    run_script("rclone.sh", "rclone");
}
