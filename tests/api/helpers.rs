//! `TestApp` (the real app on a temp data dir, with its log captured) and `TestUser`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use homedisk::config::Config;
use homedisk::startup::{build_app, build_state};
use homedisk::state::AppState;
use serde_json::{Value, json};
use tempfile::TempDir;
use tracing::subscriber::DefaultGuard;

pub const TEST_SECRET: &str = "test-secret-0123456789abcdef-0123456789abcdef";
pub const PASSWORD: &str = "correct horse battery";

/// Everything written to the log while the test ran (this thread's events).
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<u8>>>);

impl Log {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

pub struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Log {
    type Writer = LogWriter;
    fn make_writer(&'a self) -> LogWriter {
        LogWriter(self.0.clone())
    }
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The `code` of a problem-details body, after checking its content type.
    pub fn code(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
    /// All `Set-Cookie` values.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }
    /// The value a `Set-Cookie` gives `name`, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let (pair, _) = c.split_once(';').unwrap_or((c.as_str(), ""));
            let (n, v) = pair.split_once('=')?;
            (n == name).then(|| v.to_owned())
        })
    }
}

pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
    pub token: String,
    pub session_id: String,
}

pub struct TestApp<S> {
    pub svc: S,
    pub state: web::Data<AppState>,
    pub log: Log,
    /// Kept so the data directory lives as long as the app.
    _dir: TempDir,
    _log_guard: DefaultGuard,
    /// Last, so it goes after the app and its connections (fields drop in order).
    _database: crate::database::DropOnExit,
}

/// The config tests run with: a temp data dir, a known key and a low bcrypt cost.
/// On PostgreSQL runs each config gets a new database of its own (see `database`).
pub fn test_config(dir: &TempDir, overrides: &[(&str, &str)]) -> Config {
    test_config_on(dir, overrides, fresh_database(overrides))
}

/// A new database for a test app, unless `overrides` name one (`None` on SQLite).
fn fresh_database(overrides: &[(&str, &str)]) -> Option<String> {
    if overrides.iter().any(|(k, _)| *k == "HOMEDISK_DATABASE_URL") {
        None
    } else {
        crate::database::fresh_url()
    }
}

fn test_config_on(
    dir: &TempDir,
    overrides: &[(&str, &str)],
    database_url: Option<String>,
) -> Config {
    let data_dir = dir.path().to_str().expect("utf-8 temp path").to_owned();
    Config::from_lookup(|name| {
        if let Some((_, v)) = overrides.iter().find(|(k, _)| *k == name) {
            return Some((*v).to_owned());
        }
        match name {
            "HOMEDISK_DATABASE_URL" => database_url.clone(),
            "HOMEDISK_DATA_DIR" => Some(data_dir.clone()),
            "HOMEDISK_SECRET_KEY" => Some(TEST_SECRET.to_owned()),
            "HOMEDISK_BCRYPT_COST" => Some("4".to_owned()),
            _ => None,
        }
    })
    .expect("test config is valid")
}

pub async fn spawn_app() -> TestApp<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    spawn_with(&[]).await
}

pub async fn spawn_with(
    overrides: &[(&str, &str)],
) -> TestApp<
    impl Service<
        Request,
        Response = ServiceResponse<impl MessageBody + use<>>,
        Error = actix_web::Error,
    > + use<>,
> {
    let log = Log::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let dir = TempDir::new().expect("temp dir");
    let database = fresh_database(overrides);
    let config = test_config_on(&dir, overrides, database.clone());
    let state = web::Data::new(build_state(config).expect("state"));
    let svc = test::init_service(build_app(state.clone())).await;
    let _database = crate::database::DropOnExit::new(database);
    TestApp { svc, state, log, _dir: dir, _log_guard: guard, _database }
}

impl<S, B> TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    pub async fn send(&self, req: TestRequest) -> Resp {
        let resp = test::call_service(&self.svc, req.to_request()).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = test::read_body(resp).await;
        Resp { status, headers, body }
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Resp {
        self.send(TestRequest::post().uri(path).set_json(body)).await
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Resp {
        self.send(
            TestRequest::get()
                .uri(path)
                .insert_header(("Authorization", format!("Bearer {token}"))),
        )
        .await
    }

    pub async fn post_bearer(&self, path: &str, token: &str) -> Resp {
        self.send(
            TestRequest::post()
                .uri(path)
                .insert_header(("Authorization", format!("Bearer {token}"))),
        )
        .await
    }

    pub async fn me(&self, token: &str) -> Resp {
        self.get_bearer("/api/v1/me", token).await
    }

    pub async fn login(&self, login: &str, password: &str) -> Resp {
        self.post_json("/api/v1/auth/login", json!({ "login": login, "password": password })).await
    }

    pub async fn login_as(&self, user: &TestUser, client: &str) -> String {
        let r = self
            .post_json(
                "/api/v1/auth/login",
                json!({ "login": user.username, "password": user.password, "client": client }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["token"].as_str().expect("token").to_owned()
    }

    /// `PUT /api/v1/me/password` with `token`: 204 when `current` is right (the other
    /// sessions end), else the refusal for the test to read.
    pub async fn change_password(&self, token: &str, current: &str, new: &str) -> Resp {
        self.send(
            TestRequest::put()
                .uri("/api/v1/me/password")
                .insert_header(("Authorization", format!("Bearer {token}")))
                .set_json(json!({ "current_password": current, "new_password": new })),
        )
        .await
    }

    /// Registers `username` with [`PASSWORD`] through the API.
    pub async fn register(&self, username: &str) -> TestUser {
        let r = self
            .post_json(
                "/api/v1/auth/register",
                json!({ "username": username, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        TestUser {
            id: v["user"]["id"].as_str().expect("id").to_owned(),
            username: username.to_owned(),
            password: PASSWORD.to_owned(),
            token: v["token"].as_str().expect("token").to_owned(),
            session_id: v["session_id"].as_str().expect("sid").to_owned(),
        }
    }

    /// Fetches a form page and returns (its `homedisk_csrf` cookie, its CSRF token).
    pub async fn anon_form(&self, path: &str) -> (String, String) {
        let page = self.send(TestRequest::get().uri(path)).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let cookie = page.cookie("homedisk_csrf").expect("csrf cookie set");
        (cookie, csrf_in(&page.text()))
    }

    /// Logs in through the login form; returns the `homedisk_session` cookie value.
    pub async fn web_login(&self, login: &str, password: &str) -> String {
        let (anon, csrf) = self.anon_form("/login").await;
        let r = self
            .send(
                TestRequest::post()
                    .uri("/login")
                    .cookie(actix_web::cookie::Cookie::new("homedisk_csrf", anon))
                    .set_form([("login", login), ("password", password), ("csrf_token", &csrf)]),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        r.cookie("homedisk_session").expect("session cookie")
    }

    /// A logged-in page and the CSRF token its forms carry.
    pub async fn page_csrf(&self, path: &str, session: &str) -> String {
        let page = self.send(TestRequest::get().uri(path).cookie(session_cookie(session))).await;
        assert_eq!(page.status, 200, "{}", page.text());
        csrf_in(&page.text())
    }

    /// Signs arbitrary claims with the app's key (for forged and expired tokens).
    pub fn mint(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(self.state.keys.current_kid().to_owned());
        jsonwebtoken::encode(
            &header,
            claims,
            &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
        )
        .expect("encode")
    }

    pub fn conn(&self) -> homedisk::db::PooledConn {
        self.state.db.get().expect("connection")
    }
}

pub fn session_cookie(value: &str) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::new("homedisk_session", value.to_owned())
}

/// The CSRF token in a page (the hidden `csrf_token` field).
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start =
        html.find(marker).unwrap_or_else(|| panic!("no csrf_token in page: {html}")) + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// Claims of a valid access token for `user`, as JSON, to be edited by a test.
pub fn claims_for(user: &TestUser) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "homedisk", "aud": "homedisk", "sub": user.id, "sid": user.session_id,
        "typ": "access", "cli": "api", "scope": "files:read files:write",
        "iat": now, "exp": now + 3600, "jti": "test-jti"
    })
}
