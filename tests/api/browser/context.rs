//! One browser context ([`Browser`]) and what the tests do with it: open pages, wait for
//! elements or conditions by polling, run scripts, type, size the viewport, take pictures.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use actix_web::rt::time::sleep;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::driver::{Driver, json_http, plain_http, tail};
use super::{POLL, WAIT};

/// One browser context: a WebDriver session with its own profile directory. Close it with
/// [`Browser::close`]; if a test panics first, `Drop` ends the session synchronously so no
/// Chromium is left behind.
pub struct Browser {
    client: Client,
    session: String,
    /// Chromium's main process, the last resort when the driver cannot end the session.
    pid: Option<u32>,
    closed: bool,
    base: String,
    driver: Arc<Driver>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let ended = plain_http(self.driver.port, "DELETE", &format!("/session/{}", self.session))
            .is_ok_and(|(status, _)| status == 200);
        if let (false, Some(pid)) = (ended, self.pid) {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        }
    }
}

impl Browser {
    /// Starts a session on `driver` with the flags the tests use and a fresh profile, its
    /// viewport `width` × `height`, for the server at `base`.
    pub(super) async fn open(
        driver: Arc<Driver>,
        chromium: &Path,
        base: String,
        (width, height): (u32, u32),
    ) -> Browser {
        let profile = tempfile::TempDir::new().expect("tmp");
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let Value::Object(caps) = caps else { unreachable!("a JSON object literal") };
        // Chromium now and then exits while starting when many start at once on two cores
        // ("Chrome instance exited" before the session exists): that launch is tried again,
        // twice at most. Anything that fails after a session exists still fails the test.
        let mut attempt = 0;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let started = ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&driver.url())
                .await;
            match started {
                Ok(client) => break client,
                Err(e) if attempt < 2 && e.to_string().contains("session not created") => {
                    attempt += 1;
                    sleep(std::time::Duration::from_secs(1)).await;
                }
                Err(e) => panic!("no browser session: {e}\n{}", tail(&driver.log)),
            }
        };
        let session = client.session_id().await.expect("session id").expect("a session");
        let pid = client
            .capabilities()
            .and_then(|c| c.get("goog:processID"))
            .and_then(Value::as_u64)
            .and_then(|p| u32::try_from(p).ok());
        let browser =
            Browser { client, session, pid, closed: false, base, driver, _profile: profile };
        browser.set_size(width, height).await;
        browser
    }

    /// Ends the session: Chromium quits, its profile directory is removed.
    pub async fn close(mut self) {
        self.client.clone().close().await.expect("end the browser session");
        self.closed = true;
    }

    /// Opens `path` on the server (or `url` when it is absolute) and waits for it to load.
    pub async fn goto(&self, path: &str) {
        let url = if path.contains("://") || path.starts_with("about:") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        self.client.goto(&url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Whether the browser keeps cookie `name` past its own end (it has an expiry), rather
    /// than as a browser-session cookie. WebDriver sees `HttpOnly` cookies too.
    pub async fn cookie_persistent(&self, name: &str) -> bool {
        let c = self.client.get_named_cookie(name).await;
        let c = c.unwrap_or_else(|e| panic!("the cookie {name}: {e}"));
        c.expires_datetime().is_some()
    }

    /// Makes this browser's uploads slow: request bodies go out at `bytes_per_second` (Chromium's
    /// network emulation, through chromedriver's `network_conditions`), downloads stay fast.
    /// For tests that need an upload still running when they act, whatever the machine's speed.
    pub async fn throttle_uploads(&self, bytes_per_second: u64) {
        let body = json!({ "network_conditions": {
            "offline": false,
            "latency": 0,
            "download_throughput": 1_000_000_000,
            "upload_throughput": bytes_per_second,
        } })
        .to_string();
        let path = format!("/session/{}/chromium/network_conditions", self.session);
        let (port, sent) = (self.driver.port, body.clone());
        let answer = actix_web::rt::task::spawn_blocking(move || {
            json_http(port, "POST", &path, Some(&sent))
        })
        .await
        .expect("the request ran");
        match answer {
            Ok((200, _)) => {}
            other => panic!("network conditions {body}: {other:?}"),
        }
    }

    /// Reloads the page, as the reload button does.
    pub async fn reload(&self) {
        self.client.refresh().await.expect("reload");
    }

    /// Calls `probe` every `POLL` until it gives `Some`, for at most `WAIT`. An error (say, a
    /// script run while the page navigates, or what is still missing) counts as "not yet";
    /// the last one is in the panic message.
    async fn poll<T>(
        &self,
        what: &str,
        mut probe: impl AsyncFnMut() -> Result<Option<T>, String>,
    ) -> T {
        let start = Instant::now();
        let mut last = None;
        loop {
            match probe().await {
                Ok(Some(done)) => return done,
                Ok(None) => {}
                Err(e) => last = Some(e),
            }
            if start.elapsed() > WAIT {
                let url = self.client.current_url().await;
                let url = url.map_or_else(|e| format!("an unknown page ({e})"), |u| u.to_string());
                let last = last.map(|e| format!("\nlast seen: {e}")).unwrap_or_default();
                panic!("timed out after {WAIT:?} waiting for {what} on {url}{last}");
            }
            sleep(POLL).await;
        }
    }

    /// Waits until the current path is `want`: the query is compared only when `want` has one.
    pub async fn wait_for_path(&self, want: &str) {
        self.poll(&format!("the path {want}"), async || {
            let url = self.client.current_url().await.map_err(|e| e.to_string())?;
            let seen = match (want.contains('?'), url.query()) {
                (true, Some(q)) => format!("{}?{q}", url.path()),
                _ => url.path().to_owned(),
            };
            if seen == want { Ok(Some(())) } else { Err(format!("on {seen}")) }
        })
        .await
    }

    /// Runs `script` (a function body: use `return`) in the page and gives its result.
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{e}: {script}"))
    }

    /// Waits until the JavaScript expression `condition` is truthy; `what` names it in the
    /// panic message.
    pub async fn wait_until(&self, what: &str, condition: &str) {
        let script = format!("return !!({condition});");
        self.poll(what, async || {
            let truthy = self.client.execute(&script, vec![]).await.map_err(|e| e.to_string())?;
            Ok((truthy == Value::Bool(true)).then_some(()))
        })
        .await
    }

    /// Every element matching `css` now (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Waits for the first element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.poll(&format!("`{css}`"), async || {
            let found = self.client.find_all(Locator::Css(css)).await;
            Ok(found.map_err(|e| e.to_string())?.into_iter().next())
        })
        .await
    }

    /// Waits for `css` and gives its text.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// Waits for `css` and clicks it.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The text of the first element matching `css`, shown or not (`textContent`, trimmed).
    pub async fn text_content(&self, css: &str) -> String {
        self.wait_for(css).await;
        let css = Value::String(css.to_owned());
        let got =
            self.eval(&format!("return document.querySelector({css}).textContent.trim();")).await;
        got.as_str().unwrap_or_default().to_owned()
    }

    /// Presses `key` (a WebDriver key code such as `"\u{E014}"` for →) in the focused element.
    pub async fn press(&self, key: &str) {
        let focused = self.client.active_element().await.expect("the focused element");
        focused.send_keys(key).await.unwrap_or_else(|e| panic!("press {key:?}: {e}"));
    }

    /// Waits for the input `css` and types `value` into it, key by key (for a file input:
    /// paths, one a line).
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.wait_for(css).await;
        field.send_keys(value).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Waits until at least `min` images match `css` and every one of them has loaded
    /// (`complete` with a `naturalWidth`), scrolling lazy ones into view. Gives their `src`.
    pub async fn wait_images_loaded(&self, css: &str, min: usize) -> Vec<String> {
        let css_js = Value::String(css.to_owned());
        let script = format!(
            "const all = [...document.querySelectorAll({css_js})];
             const waiting = all.filter(i => !(i.complete && i.naturalWidth > 0));
             if (waiting.length) waiting[0].scrollIntoView({{block: 'center'}});
             return all.map(i => [i.src, i.complete, i.naturalWidth]);"
        );
        let what = format!("{min}+ loaded `{css}` images");
        self.poll(&what, async || {
            let images = self.client.execute(&script, vec![]).await.map_err(|e| e.to_string())?;
            let images = images.as_array().cloned().unwrap_or_default();
            let loaded = |i: &Value| i[1] == Value::Bool(true) && i[2].as_u64() > Some(0);
            if images.len() >= min && images.iter().all(loaded) {
                Ok(Some(images.iter().map(|i| i[0].as_str().unwrap_or_default().into()).collect()))
            } else {
                Err(format!("[src, complete, naturalWidth] = {images:#?}"))
            }
        })
        .await
    }

    /// Sets the viewport (not the window) to `width` × `height` CSS pixels. Headless Chromium
    /// counts browser chrome in the window size and clamps narrow windows, so measure and
    /// correct.
    pub async fn set_size(&self, width: u32, height: u32) {
        let (mut w, mut h) = (i64::from(width), i64::from(height));
        for _ in 0..4 {
            let (ww, wh) = (u32::try_from(w).expect("width"), u32::try_from(h).expect("height"));
            self.client.set_window_size(ww, wh).await.expect("set the window size");
            let inner = self.eval("return [window.innerWidth, window.innerHeight];").await;
            let (iw, ih) = (inner[0].as_i64().unwrap_or(0), inner[1].as_i64().unwrap_or(0));
            if (iw, ih) == (i64::from(width), i64::from(height)) {
                return;
            }
            w += i64::from(width) - iw;
            h += i64::from(height) - ih;
        }
        panic!("could not make the viewport {width}x{height}");
    }

    /// Saves a PNG of the viewport at `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// The cookies this context holds for the current page's site.
    pub async fn cookie_names(&self) -> Vec<String> {
        let cookies = self.client.get_all_cookies().await.expect("cookies");
        cookies.iter().map(|c| c.name().to_owned()).collect()
    }

    /// Moves into the frame `css` of the current page (scripts and finds then run there).
    pub async fn enter_frame(&self, css: &str) {
        let frame = self.wait_for(css).await;
        frame.enter_frame().await.unwrap_or_else(|e| panic!("enter the frame {css}: {e}"));
    }

    /// Back to the page from a frame entered with [`Browser::enter_frame`].
    pub async fn leave_frame(&self) {
        self.client.clone().enter_parent_frame().await.expect("leave the frame");
    }
}
