//! End-to-end tests in a real browser: Debian's Chromium, headless, driven through chromedriver
//! (WebDriver) by `fantoccini`, against the real homedisk executable on a random port.
//!
//! - [`Harness`]: for one test, the server, one chromedriver, and the browser contexts it opens.
//!   When Chromium or chromedriver is missing the test prints a skip line and passes, unless
//!   `HOMEDISK_BROWSER_TESTS=required` (as in CI), where it fails.
//! - [`Browser`]: one context, i.e. one WebDriver session with its own fresh profile (so no
//!   cookies, no cache), with small helpers that wait by polling rather than sleeping.
//! - `ui.rs`: every selector and page the tests rely on; `steps.rs`: what a person does
//!   (register, log in, upload); `flows.rs` and `screenshots.rs`: the tests.
//!
//! Environment: `HOMEDISK_CHROMIUM` (default `/usr/bin/chromium`), `HOMEDISK_CHROMEDRIVER`
//! (default `chromedriver` on PATH, else `/usr/bin/chromedriver`), `HOMEDISK_BROWSER_TESTS`
//! (`required` to fail instead of skipping), `HOMEDISK_SCREENSHOTS` (a directory for PNGs).

mod api_docs;
mod context;
mod device;
mod driver;
mod flows;
mod folder_drop;
mod folders;
mod photos;
mod resumable;
mod screenshots;
mod sessions;
mod shares;
mod steps;
mod two_factor;
mod ui;
mod uploads;
mod viewers;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use self::context::Browser;
use self::driver::Driver;
use crate::server::Server;

/// How long any wait may take: generous, as CI runs these next to other tests on 2 cores.
pub const WAIT: Duration = Duration::from_secs(20);
/// How often a wait polls.
const POLL: Duration = Duration::from_millis(50);

/// Where the browser and its driver are.
pub struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    /// Both programs, or `None` after a skip line; panics instead when the environment says
    /// browser tests are required.
    pub fn find(test: &str) -> Option<Tools> {
        let chromium = std::env::var_os("HOMEDISK_CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| "/usr/bin/chromium".into());
        let chromedriver = match std::env::var_os("HOMEDISK_CHROMEDRIVER") {
            Some(path) => PathBuf::from(path),
            None => on_path("chromedriver").unwrap_or_else(|| "/usr/bin/chromedriver".into()),
        };
        if chromium.is_file() && chromedriver.is_file() {
            return Some(Tools { chromium, chromedriver });
        }
        let found = |p: &Path| if p.is_file() { "found" } else { "missing" };
        let what = format!(
            "browser test {test}: chromium/chromedriver not found ({}: {}, {}: {})",
            chromium.display(),
            found(&chromium),
            chromedriver.display(),
            found(&chromedriver)
        );
        if std::env::var("HOMEDISK_BROWSER_TESTS").as_deref() == Ok("required") {
            panic!(
                "{what}; HOMEDISK_BROWSER_TESTS=required, so this is an error. Install them \
                 (apt-get install chromium chromium-driver) or set HOMEDISK_CHROMIUM and \
                 HOMEDISK_CHROMEDRIVER"
            );
        }
        // Straight to stderr, not `eprintln!`: the test harness swallows a passing test's
        // `eprintln!`, and a skip should be seen.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: browser test {test}: chromium/chromedriver not found (set \
             HOMEDISK_BROWSER_TESTS=required to make this an error)"
        );
        None
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// One test's world: the homedisk server and a chromedriver; [`Harness::browser`] opens
/// contexts on them. Each context holds the driver, so it outlives every open context.
pub struct Harness {
    pub server: Server,
    driver: Arc<Driver>,
    chromium: PathBuf,
}

impl Harness {
    /// Starts everything for `test`, or returns `None` when the browser is missing (see
    /// [`Tools::find`]).
    pub fn start(test: &str) -> Option<Harness> {
        Harness::start_with(test, &[])
    }

    /// [`Harness::start`] with more environment for the server.
    pub fn start_with(test: &str, env: &[(&str, &str)]) -> Option<Harness> {
        let tools = Tools::find(test)?;
        let server = Server::start_with(env);
        let driver = Arc::new(Driver::start(&tools));
        Some(Harness { server, driver, chromium: tools.chromium })
    }

    /// A new browser context (fresh profile: no cookies, no cache) with a desktop viewport.
    pub async fn browser(&self) -> Browser {
        Browser::open(self.driver.clone(), &self.chromium, self.server.url(""), ui::DESKTOP).await
    }
}
