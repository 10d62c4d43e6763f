//! The admin JSON API (`/api/v1/admin/*`) and the audit log: who may call it, what each action
//! does (at once), the last-administrator rule, deleting accounts with their files, quotas,
//! settings at runtime, every audit event with who/whom/from where, no secret in the log,
//! filters, paging, retention and validation.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use homedisk::db::models::audit::{AuditRow, NewAudit};
use homedisk::db::schema::{audit_log, blobs, files, sessions};
use serde_json::{Value, json};

use crate::files::{FilesApi, sha256_hex, upload_req};
use crate::helpers::{PASSWORD, Resp, TestApp, TestUser, csrf_in, session_cookie, spawn_with};

/// Where every request of these tests comes from (so the audit log has an IP and an agent).
const IP: &str = "203.0.113.77";
const UA: &str = "HomediskAdminTest/2.5";
/// Enough login attempts for tests that log in a lot from one address.
const LIMITS: &[(&str, &str)] = &[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "1000")];

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const PATCH: Method = Method::PATCH;
const DELETE: Method = Method::DELETE;

/// Every audit event name, as the API documents them.
const EVENTS: [&str; 23] = [
    "registered",
    "login",
    "login_failed",
    "logout",
    "logout_all",
    "session_revoked",
    "password_changed",
    "admin_user_created",
    "admin_user_disabled",
    "admin_user_enabled",
    "admin_role_changed",
    "admin_quota_changed",
    "admin_logout",
    "admin_password_reset",
    "admin_user_deleted",
    "admin_setting_changed",
    "app_password_created",
    "app_password_revoked",
    "device_approved",
    "device_denied",
    "share_created",
    "share_revoked",
    "share_password_failed",
];

// ---------------------------------------------------------------------------------------------
// Requests

/// A request from [`IP`] with [`UA`], with a bearer token if given.
fn from_client(method: Method, path: &str, token: Option<&str>) -> TestRequest {
    let mut req = TestRequest::default()
        .method(method)
        .uri(path)
        .peer_addr(format!("{IP}:40404").parse().expect("addr"))
        .insert_header(("User-Agent", UA));
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    req
}

fn users_path(id: &str) -> String {
    format!("/api/v1/admin/users/{id}")
}

/// A small real PNG (`shade` makes different bytes).
fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(6, 4, image::Rgb([shade, 40, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode png");
    out.into_inner()
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().unwrap_or_else(|| panic!("no items: {v}")).clone()
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_else(|| panic!("no string `{field}` in {v}"))
}

/// The field errors of a `validation_failed` answer, checked to name `field`.
fn assert_field_error(r: &Resp, field: &str, what: &str) {
    assert_eq!(r.status, 400, "{what}: {}", r.text());
    assert_eq!(r.code(), "validation_failed", "{what}");
    let errors = &r.json()["errors"];
    assert!(
        errors[field].as_array().is_some_and(|m| !m.is_empty()),
        "{what}: expected an error on `{field}`: {}",
        r.text()
    );
}

trait AdminApi {
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp;
    async fn anon(&self, method: Method, path: &str, body: Option<Value>) -> Resp;
    async fn register_at(&self, username: &str, password: &str) -> TestUser;
    async fn login_at(&self, login: &str, password: &str) -> Resp;
    async fn token_for(&self, login: &str, password: &str) -> String;
    async fn create_user(&self, admin: &str, body: Value) -> Value;
    async fn patch_user(&self, admin: &str, id: &str, body: Value) -> Resp;
    async fn user(&self, admin: &str, id: &str) -> Value;
    async fn audit(&self, admin: &str, query: &str) -> Value;
    async fn events(&self, admin: &str, event: &str) -> Vec<Value>;
    fn audit_rows(&self) -> Vec<AuditRow>;
    fn count_files_of(&self, user_id: &str) -> i64;
    fn count_sessions_of(&self, user_id: &str) -> i64;
    fn blob_row_exists(&self, bytes: &[u8]) -> bool;
    fn thumbnails_of(&self, bytes: &[u8]) -> Vec<String>;
}

impl<S, B> AdminApi for TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
        let req = from_client(method, path, Some(token));
        self.send(match body {
            Some(b) => req.set_json(b),
            None => req,
        })
        .await
    }

    async fn anon(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let req = from_client(method, path, None);
        self.send(match body {
            Some(b) => req.set_json(b),
            None => req,
        })
        .await
    }

    async fn register_at(&self, username: &str, password: &str) -> TestUser {
        let r = self
            .send(
                from_client(POST, "/api/v1/auth/register", None)
                    .set_json(json!({ "username": username, "password": password })),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        TestUser {
            id: str_of(&v["user"], "id").to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            token: str_of(&v, "token").to_owned(),
            session_id: str_of(&v, "session_id").to_owned(),
        }
    }

    async fn login_at(&self, login: &str, password: &str) -> Resp {
        self.send(
            from_client(POST, "/api/v1/auth/login", None)
                .set_json(json!({ "login": login, "password": password })),
        )
        .await
    }

    async fn token_for(&self, login: &str, password: &str) -> String {
        let r = self.login_at(login, password).await;
        assert_eq!(r.status, 200, "login {login}: {}", r.text());
        str_of(&r.json(), "token").to_owned()
    }

    async fn create_user(&self, admin: &str, body: Value) -> Value {
        let r = self.call(POST, "/api/v1/admin/users", admin, Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()
    }

    async fn patch_user(&self, admin: &str, id: &str, body: Value) -> Resp {
        self.call(PATCH, &users_path(id), admin, Some(body)).await
    }

    async fn user(&self, admin: &str, id: &str) -> Value {
        let r = self.call(GET, &users_path(id), admin, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    async fn audit(&self, admin: &str, query: &str) -> Value {
        let r = self.call(GET, &format!("/api/v1/admin/audit{query}"), admin, None).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        r.json()
    }

    async fn events(&self, admin: &str, event: &str) -> Vec<Value> {
        items(&self.audit(admin, &format!("?event={event}&limit=200")).await)
    }

    fn audit_rows(&self) -> Vec<AuditRow> {
        audit_log::table
            .select(AuditRow::as_select())
            .order(audit_log::id.asc())
            .load(&mut self.conn())
            .expect("audit rows")
    }

    fn count_files_of(&self, user_id: &str) -> i64 {
        files::table
            .filter(files::owner_id.eq(user_id))
            .count()
            .get_result(&mut self.conn())
            .expect("count files")
    }

    fn count_sessions_of(&self, user_id: &str) -> i64 {
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .count()
            .get_result(&mut self.conn())
            .expect("count sessions")
    }

    fn blob_row_exists(&self, bytes: &[u8]) -> bool {
        let n: i64 = blobs::table
            .find(sha256_hex(bytes))
            .count()
            .get_result(&mut self.conn())
            .expect("count blobs");
        n == 1
    }

    /// Thumbnail files on disk made from these bytes.
    fn thumbnails_of(&self, bytes: &[u8]) -> Vec<String> {
        let prefix = format!("{}-", sha256_hex(bytes));
        std::fs::read_dir(self.data().join("thumbs"))
            .expect("thumbs/")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect()
    }
}

/// The only entry of `event` about `target` (by id), checked to be unique.
fn one_about<'a>(entries: &'a [Value], target: &str, event: &str) -> &'a Value {
    let found: Vec<&Value> = entries.iter().filter(|e| e["target_id"] == target).collect();
    assert_eq!(found.len(), 1, "one {event} entry about {target}: {entries:?}");
    found[0]
}

/// An admin action's entry: by `admin`, on `target`, from the test client.
fn assert_admin_entry(e: &Value, event: &str, admin: &TestUser, target: (&str, &str)) {
    assert_eq!(e["event"], event, "{e}");
    assert_eq!(e["actor_id"], admin.id.as_str(), "{event}: actor id: {e}");
    assert_eq!(e["actor"], admin.username.as_str(), "{event}: actor name: {e}");
    assert_eq!(e["target_id"], target.0, "{event}: target id: {e}");
    assert_eq!(e["target"], target.1, "{event}: target name: {e}");
    assert_eq!(e["ip"], IP, "{event}: ip: {e}");
    assert_eq!(e["user_agent"], UA, "{event}: user agent: {e}");
    assert!(str_of(e, "at").ends_with('Z'), "{event}: at is RFC 3339 UTC: {e}");
}

// ---------------------------------------------------------------------------------------------
// Who may call the admin API

/// Every admin route and method, each with a body that would succeed for an admin, and the
/// status an admin gets (in this order: the delete comes last).
fn admin_routes(target: &str) -> Vec<(Method, String, Option<Value>, u16)> {
    vec![
        (GET, "/api/v1/admin/users".into(), None, 200),
        (
            GET,
            "/api/v1/admin/users?q=bob&sort=created&order=desc&page=1&per_page=5".into(),
            None,
            200,
        ),
        (
            POST,
            "/api/v1/admin/users".into(),
            Some(json!({ "username": "newbie", "password": PASSWORD })),
            201,
        ),
        (GET, users_path(target), None, 200),
        (PATCH, users_path(target), Some(json!({ "state": "disabled" })), 200),
        (PATCH, users_path(target), Some(json!({ "role": "admin", "quota": 1234 })), 200),
        (POST, format!("{}/logout", users_path(target)), None, 200),
        (
            PUT,
            format!("{}/password", users_path(target)),
            Some(json!({ "new_password": "Another-Fine-Pass-8" })),
            204,
        ),
        (GET, "/api/v1/admin/audit".into(), None, 200),
        (GET, "/api/v1/admin/audit?event=login&user=x&q=y&before=99&limit=5".into(), None, 200),
        (GET, "/api/v1/admin/settings".into(), None, 200),
        (PATCH, "/api/v1/admin/settings".into(), Some(json!({ "registration": "closed" })), 200),
        (PATCH, "/api/v1/admin/settings".into(), Some(json!({ "default_quota": 4096 })), 200),
        (DELETE, users_path(target), None, 204),
    ]
}

#[actix_web::test]
async fn only_an_admin_with_the_admin_scope_reaches_any_admin_route() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let carol = app.register_at("carol", PASSWORD).await;
    let narrow = {
        let r = app
            .send(from_client(POST, "/api/v1/auth/login", None).set_json(json!({
                "login": "root", "password": PASSWORD, "scope": "files:read files:write"
            })))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(!str_of(&r.json(), "scope").contains("admin"));
        str_of(&r.json(), "token").to_owned()
    };
    let routes = admin_routes(&bob.id);

    for (method, path, body, _) in &routes {
        let what = format!("{method} {path}");
        let r = app.anon(method.clone(), path, body.clone()).await;
        assert_eq!(r.status, 401, "anonymous {what}: {}", r.text());
        assert_eq!(r.code(), "token_missing", "anonymous {what}");

        for (who, token) in [("non-admin bob", &bob.token), ("non-admin carol", &carol.token)] {
            let r = app.call(method.clone(), path, token, body.clone()).await;
            assert_eq!(r.status, 404, "{who} {what}: {}", r.text());
            assert_eq!(r.code(), "not_found", "{who} {what}");
        }

        let r = app.call(method.clone(), path, &narrow, body.clone()).await;
        assert_eq!(r.status, 403, "admin without the admin scope, {what}: {}", r.text());
        assert_eq!(r.code(), "scope_insufficient", "{what}");
    }

    // None of it did anything.
    let bob_now = app.user(&admin.token, &bob.id).await;
    assert_eq!((&bob_now["state"], &bob_now["role"]), (&json!("active"), &json!("user")));
    assert_ne!(bob_now["quota"], 1234);
    assert_eq!(app.me(&bob.token).await.status, 200, "bob was not logged out");
    assert_eq!(app.login_at("bob", PASSWORD).await.status, 200, "bob's password is unchanged");
    let listed = app.call(GET, "/api/v1/admin/users?q=newbie", &admin.token, None).await.json();
    assert_eq!(listed["total"], 0, "no account was created: {listed}");
    let settings = app.call(GET, "/api/v1/admin/settings", &admin.token, None).await.json();
    assert_eq!(settings["registration"], "open");
    assert_eq!(settings["registration_source"], "environment");
    assert_eq!(settings["default_quota_source"], "environment");
    let all = items(&app.audit(&admin.token, "?limit=200").await);
    assert!(
        all.iter().all(|e| !str_of(e, "event").starts_with("admin_")),
        "no admin action was recorded: {all:?}"
    );

    // The same table with the admin's full token: every route is there and works.
    for (method, path, body, expected) in &routes {
        let r = app.call(method.clone(), path, &admin.token, body.clone()).await;
        assert_eq!(r.status, *expected, "admin {method} {path}: {}", r.text());
    }
    assert_eq!(app.call(GET, &users_path(&bob.id), &admin.token, None).await.status, 404);
}

#[actix_web::test]
async fn a_non_admin_gets_404_even_for_a_malformed_admin_request() {
    // The admin area must not be probeable: a body or query the route would refuse must not
    // tell a non-admin that the route exists.
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (PATCH, users_path(&admin.id), Some(json!({ "nickname": "x" }))),
        (PATCH, users_path(&admin.id), Some(json!({ "quota": "lots" }))),
        (POST, "/api/v1/admin/users".into(), Some(json!({ "username": 5 }))),
        (PUT, format!("{}/password", users_path(&admin.id)), Some(json!([1, 2]))),
        (PATCH, "/api/v1/admin/settings".into(), Some(json!({ "colour": "blue" }))),
        (GET, "/api/v1/admin/users?page=first".into(), None),
        (GET, "/api/v1/admin/audit?limit=many".into(), None),
    ];
    let mut wrong = Vec::new();
    for (method, path, body) in cases {
        let r = app.call(method.clone(), &path, &bob.token, body.clone()).await;
        if r.status != 404 {
            wrong.push(format!("non-admin {method} {path} {body:?}: {} {}", r.status, r.text()));
        }
        let r = app.anon(method.clone(), &path, body.clone()).await;
        if r.status != 401 {
            wrong.push(format!("anonymous {method} {path} {body:?}: {} {}", r.status, r.text()));
        }
    }
    // A body that is not JSON at all.
    let r = app
        .send(
            from_client(PATCH, "/api/v1/admin/settings", Some(&bob.token))
                .insert_header(("Content-Type", "text/plain"))
                .set_payload("registration=closed"),
        )
        .await;
    if r.status != 404 {
        wrong.push(format!("non-admin PATCH settings as text/plain: {} {}", r.status, r.text()));
    }
    assert!(wrong.is_empty(), "the admin area answered other than 404/401:\n{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Accounts

#[actix_web::test]
async fn the_user_list_searches_sorts_and_pages() {
    let app = spawn_with(LIMITS).await;
    // Created in this order: zed (the first, so the admin), then mia, then ann.
    let zed = app.register_at("zed", PASSWORD).await;
    let mia = app.register_at("mia", PASSWORD).await;
    let ann = app.register_at("ann", PASSWORD).await;
    let kim = app
        .create_user(
            &zed.token,
            json!({
                "username": "kim", "password": PASSWORD,
                "email": "Kim.Lee@Example.org", "phone": "+15550104477"
            }),
        )
        .await;
    app.upload(&mia.token, "big.bin", &[7u8; 900]).await;
    app.upload(&ann.token, "small.bin", &[8u8; 300]).await;
    // mia logs in last.
    app.token_for("mia", PASSWORD).await;

    let names = |v: &Value| -> Vec<String> {
        items(v).iter().map(|u| str_of(u, "username").to_owned()).collect()
    };
    let list = |query: &'static str| {
        let token = zed.token.clone();
        let app = &app;
        async move {
            let r = app.call(GET, &format!("/api/v1/admin/users{query}"), &token, None).await;
            assert_eq!(r.status, 200, "{query}: {}", r.text());
            r.json()
        }
    };

    let all = list("").await;
    assert_eq!(names(&all), ["ann", "kim", "mia", "zed"], "by user name by default");
    assert_eq!((&all["total"], &all["page"], &all["per_page"]), (&json!(4), &json!(1), &json!(50)));
    let k = items(&all).into_iter().find(|u| u["username"] == "kim").expect("kim");
    for field in [
        "id",
        "username",
        "email",
        "phone",
        "role",
        "state",
        "storage_used",
        "quota",
        "created_at",
        "last_login_at",
    ] {
        assert!(k.get(field).is_some(), "user item has `{field}`: {k}");
    }
    assert_eq!(k["id"], kim["id"]);
    assert_eq!(k["email"], "kim.lee@example.org");
    assert_eq!(k["last_login_at"], Value::Null, "kim never logged in");
    let z = items(&all).into_iter().find(|u| u["username"] == "zed").expect("zed");
    assert_eq!((&z["role"], &z["state"]), (&json!("admin"), &json!("active")));

    assert_eq!(names(&list("?order=desc").await), ["zed", "mia", "kim", "ann"]);
    assert_eq!(names(&list("?sort=created").await), ["zed", "mia", "ann", "kim"]);
    assert_eq!(names(&list("?sort=created&order=desc").await), ["kim", "ann", "mia", "zed"]);
    let by_storage = list("?sort=storage&order=desc").await;
    assert_eq!(names(&by_storage), ["mia", "ann", "kim", "zed"], "ties by name");
    assert_eq!(items(&by_storage)[0]["storage_used"], 900);
    assert_eq!(items(&by_storage)[1]["storage_used"], 300);
    assert_eq!(names(&list("?sort=last_login&order=desc").await)[0], "mia");
    assert_eq!(names(&list("?sort=last_login").await)[0], "kim", "never logged in sorts first");

    // Search: user name, email or phone, any case; total counts the matches.
    let found = list("?q=KIM.LEE").await;
    assert_eq!((names(&found), &found["total"]), (vec!["kim".to_owned()], &json!(1)));
    assert_eq!(names(&list("?q=0104477").await), ["kim"]);
    assert_eq!(names(&list("?q=m").await), ["kim", "mia"]);
    assert_eq!(names(&list("?q=n").await), ["ann"]);
    assert_eq!(list("?q=nobody").await["total"], 0);
    assert_eq!(list("?q=%25").await["total"], 0, "`%` is not a wildcard");

    // Pages.
    let p2 = list("?per_page=3&page=2").await;
    assert_eq!(names(&p2), ["zed"]);
    assert_eq!((&p2["total"], &p2["page"], &p2["per_page"]), (&json!(4), &json!(2), &json!(3)));
    assert_eq!(names(&list("?per_page=2&page=2&order=desc").await), ["kim", "ann"]);
    assert!(items(&list("?per_page=2&page=9").await).is_empty());
}

#[actix_web::test]
async fn an_admin_creates_accounts_that_work_at_once() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let dave = app
        .create_user(
            &admin.token,
            json!({
                "username": "dave", "password": "Dave-Pass-2211", "email": "dave@example.org",
                "phone": "+15550100001", "role": "admin", "quota": 123_456
            }),
        )
        .await;
    assert_eq!(dave["username"], "dave");
    assert_eq!((&dave["role"], &dave["state"]), (&json!("admin"), &json!("active")));
    assert_eq!((&dave["quota"], &dave["storage_used"]), (&json!(123_456), &json!(0)));
    assert_eq!(dave["email"], "dave@example.org");
    let dave_id = str_of(&dave, "id").to_owned();
    assert_eq!(app.user(&admin.token, &dave_id).await, dave);

    // dave logs in with that password and is an administrator.
    let token = app.token_for("dave", "Dave-Pass-2211").await;
    assert_eq!(app.me(&token).await.json()["quota"], 123_456);
    assert_eq!(app.call(GET, "/api/v1/admin/users", &token, None).await.status, 200);

    // By default: a user, with the instance's default quota.
    let eve = app
        .create_user(&admin.token, json!({ "username": "eve", "password": "Eve-Pass-3322" }))
        .await;
    assert_eq!(eve["role"], "user");
    assert_eq!(eve["quota"], app.state.config.default_quota_bytes);
    let eve_token = app.token_for("eve", "Eve-Pass-3322").await;
    assert_eq!(app.call(GET, "/api/v1/admin/users", &eve_token, None).await.status, 404);

    // The registration rules hold.
    let r = app
        .call(
            POST,
            "/api/v1/admin/users",
            &admin.token,
            Some(json!({ "username": "dave", "password": PASSWORD })),
        )
        .await;
    assert_field_error(&r, "username", "a taken user name");

    let created = app.events(&admin.token, "admin_user_created").await;
    assert_eq!(created.len(), 2, "{created:?}");
    let e = one_about(&created, &dave_id, "admin_user_created");
    assert_admin_entry(e, "admin_user_created", &admin, (&dave_id, "dave"));
    assert!(str_of(e, "detail").contains("admin"), "the role is noted: {e}");
}

#[actix_web::test]
async fn disabling_stops_the_account_and_its_preview_urls_at_once_and_enabling_restores_them() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let photo = png(10);
    app.upload(&bob.token, "photo.png", &photo).await;
    let listing = app.get_bearer("/api/v1/files", &bob.token).await.json();
    let item = items(&listing).into_iter().find(|i| i["name"] == "photo.png").expect("photo");
    let url = str_of(&item, "preview_url").to_owned();
    assert_eq!(app.send(TestRequest::get().uri(&url)).await.status, 200, "the preview works");

    let r = app.patch_user(&admin.token, &bob.id, json!({ "state": "disabled" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "disabled");
    assert_eq!(app.user(&admin.token, &bob.id).await["state"], "disabled");

    // The very next request of bob's is refused, whatever it is.
    let r = app.me(&bob.token).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "user_disabled");
    let r = app.get_bearer("/api/v1/files", &bob.token).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "user_disabled".to_owned()));
    let r = app.send(upload_req(&bob.token, "more.bin", b"more")).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(r.status, 403, "the preview URL stops too: {}", r.text());
    assert_eq!(r.code(), "user_disabled");
    // Logging in again does not help; a wrong password still reads as wrong.
    let r = app.login_at("bob", PASSWORD).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "user_disabled".to_owned()));
    let r = app.login_at("bob", "Not-Bobs-Pass-1").await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "invalid_credentials".to_owned()));
    // The admin is untouched.
    assert_eq!(app.me(&admin.token).await.status, 200);

    let r = app.patch_user(&admin.token, &bob.id, json!({ "state": "active" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "active");
    assert_eq!(app.me(&bob.token).await.status, 200, "the same token works again");
    assert_eq!(app.send(TestRequest::get().uri(&url)).await.status, 200);
    assert_eq!(app.login_at("bob", PASSWORD).await.status, 200);

    // Setting the state it already has records nothing.
    let r = app.patch_user(&admin.token, &bob.id, json!({ "state": "active" })).await;
    assert_eq!(r.status, 200);
    let disabled = app.events(&admin.token, "admin_user_disabled").await;
    let enabled = app.events(&admin.token, "admin_user_enabled").await;
    assert_eq!((disabled.len(), enabled.len()), (1, 1), "{disabled:?} {enabled:?}");
    assert_admin_entry(&disabled[0], "admin_user_disabled", &admin, (&bob.id, "bob"));
    assert_admin_entry(&enabled[0], "admin_user_enabled", &admin, (&bob.id, "bob"));
    assert!(enabled[0]["id"].as_i64() > disabled[0]["id"].as_i64(), "newer entries, higher ids");
}

#[actix_web::test]
async fn the_last_active_admin_cannot_demote_disable_or_delete_itself() {
    let app = spawn_with(LIMITS).await;
    let root = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;

    for body in [
        json!({ "role": "user" }),
        json!({ "state": "disabled" }),
        json!({ "role": "user", "state": "active" }),
        json!({ "role": "admin", "state": "disabled", "quota": 5 }),
    ] {
        let r = app.patch_user(&root.token, &root.id, body.clone()).await;
        assert_eq!(r.status, 409, "{body}: {}", r.text());
        assert_eq!(r.code(), "conflict", "{body}");
    }
    let r = app.call(DELETE, &users_path(&root.id), &root.token, None).await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.code(), "conflict");
    let me = app.me(&root.token).await.json();
    assert_eq!((&me["role"], &me["state"]), (&json!("admin"), &json!("active")), "nothing changed");
    assert_ne!(me["quota"], 5, "a refused change changes nothing at all");
    // A harmless change to the last admin is fine.
    let r = app.patch_user(&root.token, &root.id, json!({ "role": "admin", "quota": 777 })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["quota"], 777);

    // A disabled admin does not count as one.
    let spare = app
        .create_user(
            &root.token,
            json!({ "username": "spare", "password": PASSWORD, "role": "admin" }),
        )
        .await;
    let spare_id = str_of(&spare, "id").to_owned();
    let r = app.patch_user(&root.token, &spare_id, json!({ "state": "disabled" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app.patch_user(&root.token, &root.id, json!({ "role": "user" })).await;
    assert_eq!(r.status, 409, "the only active admin: {}", r.text());

    // With two active admins, one may be demoted; then the other is the last one.
    let r = app.patch_user(&root.token, &bob.id, json!({ "role": "admin" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let bob_admin = app.token_for("bob", PASSWORD).await;
    let r = app.patch_user(&bob_admin, &root.id, json!({ "role": "user" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["role"], "user");
    let r = app.call(GET, "/api/v1/admin/users", &root.token, None).await;
    assert_eq!(r.status, 404, "root is no admin any more, at once");
    for body in [json!({ "role": "user" }), json!({ "state": "disabled" })] {
        let r = app.patch_user(&bob_admin, &bob.id, body.clone()).await;
        assert_eq!(r.status, 409, "{body}: {}", r.text());
    }
    let r = app.call(DELETE, &users_path(&bob.id), &bob_admin, None).await;
    assert_eq!(r.status, 409, "{}", r.text());

    let roles = app.events(&bob_admin, "admin_role_changed").await;
    assert_eq!(roles.len(), 2, "only the changes that happened: {roles:?}");
    let demoted = one_about(&roles, &root.id, "admin_role_changed");
    assert_admin_entry(demoted, "admin_role_changed", &bob, (&root.id, "root"));
    let detail = str_of(demoted, "detail");
    assert!(detail.contains("admin") && detail.contains("user"), "{detail}");
}

#[actix_web::test]
async fn deleting_an_account_removes_its_files_from_disk_but_keeps_bytes_others_share() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let carol = app.register_at("carol", PASSWORD).await;
    let (own, shared, twice, photo) =
        (b"bob's own bytes".to_vec(), b"bytes both have".to_vec(), b"bob, twice".to_vec(), png(99));

    app.upload(&bob.token, "own.txt", &own).await;
    app.upload(&bob.token, "shared.txt", &shared).await;
    app.upload(&bob.token, "twice.txt", &twice).await;
    app.upload(&bob.token, "twice.txt", &twice).await;
    let folder = app.mkdir(&bob.token, "album", None).await;
    let r = app
        .send(
            upload_req(&bob.token, "photo.png", &photo)
                .uri(&format!("/api/v1/files?folder={folder}")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let url = str_of(&items(&r.json())[0], "preview_url").to_owned();
    assert_eq!(app.send(TestRequest::get().uri(&url)).await.status, 200);
    let shared_item = app.upload(&carol.token, "mine-too.txt", &shared).await;
    let carol_used = app.storage_used(&carol.token).await;
    let web = app.web_login("bob", PASSWORD).await;

    assert_eq!(app.count_files_of(&bob.id), 6, "five files and a folder");
    for bytes in [&own, &shared, &twice, &photo] {
        assert!(app.blob_path(bytes).is_file());
    }
    assert!(!app.thumbnails_of(&photo).is_empty(), "the preview made a thumbnail");
    assert!(app.count_sessions_of(&bob.id) >= 2);

    let r = app.call(DELETE, &users_path(&bob.id), &admin.token, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());

    // The account is gone, and with it every way in.
    assert_eq!(app.call(GET, &users_path(&bob.id), &admin.token, None).await.status, 404);
    let listed = app.call(GET, "/api/v1/admin/users?q=bob", &admin.token, None).await.json();
    assert_eq!(listed["total"], 0);
    let r = app.me(&bob.token).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_revoked".to_owned()));
    assert_eq!(app.send(TestRequest::get().uri(&url)).await.status, 401, "the preview URL too");
    let r = app.send(TestRequest::get().uri("/files").cookie(session_cookie(&web))).await;
    assert_eq!(r.status, 303, "the browser session too");
    assert_eq!(app.login_at("bob", PASSWORD).await.status, 401);
    assert_eq!(app.count_sessions_of(&bob.id), 0);

    // Its files left the database and the disk; the bytes carol has stay.
    assert_eq!(app.count_files_of(&bob.id), 0);
    for (what, bytes) in [("own", &own), ("twice", &twice), ("photo", &photo)] {
        assert!(!app.blob_path(bytes).exists(), "{what}: blob file removed");
        assert!(!app.blob_row_exists(bytes), "{what}: blob row removed");
    }
    assert!(app.thumbnails_of(&photo).is_empty(), "thumbnails removed");
    assert!(app.blob_path(&shared).is_file(), "carol's copy stays on disk");
    assert!(app.blob_row_exists(&shared));
    let id = str_of(&shared_item, "id");
    let r = app.get_bearer(&format!("/api/v1/files/{id}/content"), &carol.token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_ref(), shared.as_slice());
    assert_eq!(app.storage_used(&carol.token).await, carol_used);
    assert_eq!(app.count_files_of(&carol.id), 1);

    // The name is free again.
    let again = app.register_at("bob", "Brand-New-Bob-77").await;
    assert_ne!(again.id, bob.id);
    assert!(app.get_bearer("/api/v1/files", &again.token).await.json()["items"] == json!([]));

    let deleted = app.events(&admin.token, "admin_user_deleted").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_admin_entry(&deleted[0], "admin_user_deleted", &admin, (&bob.id, "bob"));
    assert!(str_of(&deleted[0], "detail").contains("5 file"), "{}", deleted[0]);
    // Entries about bob keep his name though the account is gone.
    let about_bob = items(&app.audit(&admin.token, &format!("?user={}&limit=200", bob.id)).await);
    assert!(about_bob.iter().any(|e| e["event"] == "registered" && e["actor"] == "bob"));
}

#[actix_web::test]
async fn a_quota_change_shows_in_me_and_holds_on_the_next_upload() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    app.upload(&bob.token, "first.bin", &[1u8; 600]).await;

    let r = app.patch_user(&admin.token, &bob.id, json!({ "quota": 1000 })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["quota"], 1000);
    let me = app.me(&bob.token).await.json();
    assert_eq!((&me["quota"], &me["storage_used"]), (&json!(1000), &json!(600)));

    let r = app.send(upload_req(&bob.token, "second.bin", &[2u8; 500])).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.code(), "quota_exceeded");
    assert_eq!(app.storage_used(&bob.token).await, 600, "nothing was stored");
    app.upload(&bob.token, "small.bin", &[3u8; 300]).await;

    // Lower than what is stored: the files stay, nothing more fits.
    let r = app.patch_user(&admin.token, &bob.id, json!({ "quota": 100 })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app.send(upload_req(&bob.token, "tiny.bin", &[4u8; 10])).await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "quota_exceeded".to_owned()));
    assert_eq!(app.storage_used(&bob.token).await, 900);

    // Raised: it fits again, at once.
    let r = app.patch_user(&admin.token, &bob.id, json!({ "quota": 5000 })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    app.upload(&bob.token, "second.bin", &[2u8; 500]).await;
    assert_eq!(app.me(&bob.token).await.json()["quota"], 5000);
    // Another account is not affected.
    assert_eq!(app.me(&admin.token).await.json()["quota"], app.state.config.default_quota_bytes);

    let changed = app.events(&admin.token, "admin_quota_changed").await;
    assert_eq!(changed.len(), 3, "{changed:?}");
    for e in &changed {
        assert_admin_entry(e, "admin_quota_changed", &admin, (&bob.id, "bob"));
        assert!(str_of(e, "detail").contains('→'), "before and after: {e}");
    }
}

#[actix_web::test]
async fn a_forced_logout_ends_every_session_of_that_account_only() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let carol = app.register_at("carol", PASSWORD).await;
    let bob_app = app.token_for("bob", PASSWORD).await;
    let bob_web = app.web_login("bob", PASSWORD).await;

    let r = app.call(POST, &format!("{}/logout", users_path(&bob.id)), &admin.token, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({ "sessions_ended": 3 }));
    for token in [&bob.token, &bob_app] {
        let r = app.me(token).await;
        assert_eq!(r.status, 401, "{}", r.text());
        assert_eq!(r.code(), "token_revoked");
    }
    let r = app.send(TestRequest::get().uri("/files").cookie(session_cookie(&bob_web))).await;
    assert_eq!(r.status, 303, "the browser is logged out too");
    assert_eq!(app.me(&admin.token).await.status, 200);
    assert_eq!(app.me(&carol.token).await.status, 200);

    // bob may log in again; ending again counts only what is live.
    let fresh = app.token_for("bob", PASSWORD).await;
    assert_eq!(app.me(&fresh).await.status, 200);
    let r = app.call(POST, &format!("{}/logout", users_path(&bob.id)), &admin.token, None).await;
    assert_eq!(r.json()["sessions_ended"], 1);
    assert_eq!(app.me(&fresh).await.code(), "token_revoked");

    let r =
        app.call(POST, &format!("{}/logout", users_path("no-such-user")), &admin.token, None).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found".to_owned()));

    let ended = app.events(&admin.token, "admin_logout").await;
    assert_eq!(ended.len(), 2, "{ended:?}");
    assert_admin_entry(&ended[1], "admin_logout", &admin, (&bob.id, "bob"));
    assert!(str_of(&ended[1], "detail").contains('3'), "{}", ended[1]);
}

#[actix_web::test]
async fn a_password_reset_replaces_the_password_and_ends_the_sessions() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let bob_app = app.token_for("bob", PASSWORD).await;
    let path = format!("{}/password", users_path(&bob.id));

    let r = app.call(PUT, &path, &admin.token, Some(json!({ "new_password": "short" }))).await;
    assert_field_error(&r, "new_password", "a too-short password");
    let r = app.call(PUT, &path, &admin.token, Some(json!({}))).await;
    assert_field_error(&r, "new_password", "no password");
    assert_eq!(app.me(&bob.token).await.status, 200, "a refused reset changes nothing");
    assert_eq!(app.login_at("bob", PASSWORD).await.status, 200);

    let r = app
        .call(PUT, &path, &admin.token, Some(json!({ "new_password": "Reset-Pass-6060" })))
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    for token in [&bob.token, &bob_app] {
        assert_eq!(app.me(token).await.code(), "token_revoked");
    }
    let r = app.login_at("bob", PASSWORD).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "invalid_credentials".to_owned()));
    let token = app.token_for("bob", "Reset-Pass-6060").await;
    assert_eq!(app.me(&token).await.status, 200);
    assert_eq!(app.me(&admin.token).await.status, 200, "the admin's session is untouched");

    let r = app
        .call(
            PUT,
            &format!("{}/password", users_path("no-such-user")),
            &admin.token,
            Some(json!({ "new_password": "Reset-Pass-6060" })),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found".to_owned()));

    let resets = app.events(&admin.token, "admin_password_reset").await;
    assert_eq!(resets.len(), 1, "{resets:?}");
    assert_admin_entry(&resets[0], "admin_password_reset", &admin, (&bob.id, "bob"));
}

// ---------------------------------------------------------------------------------------------
// Settings

#[actix_web::test]
async fn settings_changes_take_effect_without_a_restart() {
    let app = spawn_with(&[
        ("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "1000"),
        ("HOMEDISK_DEFAULT_QUOTA_BYTES", "1048576"),
    ])
    .await;
    let admin = app.register_at("root", PASSWORD).await;
    let r = app.call(GET, "/api/v1/admin/settings", &admin.token, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({
            "registration": "open", "default_quota": 1_048_576, "trash_retention_days": 30,
            "registration_source": "environment", "default_quota_source": "environment",
            "trash_retention_days_source": "environment"
        })
    );

    // Registration closed: self-service registration stops at once; admins still create.
    let r = app
        .call(
            PATCH,
            "/api/v1/admin/settings",
            &admin.token,
            Some(json!({ "registration": "closed" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({
            "registration": "closed", "default_quota": 1_048_576, "trash_retention_days": 30,
            "registration_source": "admin", "default_quota_source": "environment",
            "trash_retention_days_source": "environment"
        })
    );
    let r = app
        .post_json("/api/v1/auth/register", json!({ "username": "late", "password": PASSWORD }))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.code(), "registration_closed");
    let made =
        app.create_user(&admin.token, json!({ "username": "made", "password": PASSWORD })).await;
    assert_eq!(made["quota"], 1_048_576, "the environment's default, still");

    // Default quota: the next new account gets it; existing ones keep theirs.
    let r = app
        .call(PATCH, "/api/v1/admin/settings", &admin.token, Some(json!({ "default_quota": 5000 })))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["default_quota"], 5000);
    assert_eq!(r.json()["default_quota_source"], "admin");
    let next =
        app.create_user(&admin.token, json!({ "username": "next", "password": PASSWORD })).await;
    assert_eq!(next["quota"], 5000);
    let chosen = app
        .create_user(
            &admin.token,
            json!({ "username": "chosen", "password": PASSWORD, "quota": 42 }),
        )
        .await;
    assert_eq!(chosen["quota"], 42, "an explicit quota wins");
    assert_eq!(app.user(&admin.token, str_of(&made, "id")).await["quota"], 1_048_576);
    assert_eq!(app.me(&admin.token).await.json()["quota"], 1_048_576);

    // Open again: registration works, with the new default quota.
    let r = app
        .call(
            PATCH,
            "/api/v1/admin/settings",
            &admin.token,
            Some(json!({ "registration": "open" })),
        )
        .await;
    assert_eq!(r.json()["registration"], "open");
    assert_eq!(r.json()["registration_source"], "admin", "stored, though equal to the env");
    let late = app.register_at("late", PASSWORD).await;
    assert_eq!(app.me(&late.token).await.json()["quota"], 5000);

    // A value equal to the current one is not a change.
    let r = app
        .call(
            PATCH,
            "/api/v1/admin/settings",
            &admin.token,
            Some(json!({ "registration": "open", "default_quota": 5000 })),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app.call(GET, "/api/v1/admin/settings", &admin.token, None).await;
    assert_eq!(
        r.json(),
        json!({
            "registration": "open", "default_quota": 5000, "trash_retention_days": 30,
            "registration_source": "admin", "default_quota_source": "admin",
            "trash_retention_days_source": "environment"
        })
    );

    let changed = app.events(&admin.token, "admin_setting_changed").await;
    let details: Vec<&str> = changed.iter().map(|e| str_of(e, "detail")).collect();
    assert_eq!(changed.len(), 3, "{details:?}");
    assert!(details[2].contains("registration") && details[2].contains("closed"), "{details:?}");
    assert!(details[1].contains("default quota"), "{details:?}");
    assert!(details[0].contains("registration") && details[0].contains("open"), "{details:?}");
    for e in &changed {
        assert_eq!((&e["actor_id"], &e["actor"]), (&json!(admin.id), &json!("root")));
        assert_eq!((&e["target_id"], &e["target"]), (&Value::Null, &Value::Null), "{e}");
        assert_eq!((&e["ip"], &e["user_agent"]), (&json!(IP), &json!(UA)));
    }
}

#[actix_web::test]
async fn the_register_page_follows_the_registration_setting() {
    let app = spawn_with(LIMITS).await;
    let admin = app.register_at("root", PASSWORD).await;
    let page = app.send(TestRequest::get().uri("/register")).await;
    assert!(!page.text().contains("Registration is closed"), "open at first");
    let r = app
        .call(
            PATCH,
            "/api/v1/admin/settings",
            &admin.token,
            Some(json!({ "registration": "closed" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = app.send(TestRequest::get().uri("/register")).await;
    assert!(
        page.text().contains("Registration is closed"),
        "the page should say registration is closed once an admin closed it: {}",
        page.text()
    );
}

// ---------------------------------------------------------------------------------------------
// The audit log

#[actix_web::test]
async fn every_event_kind_is_recorded_with_who_whom_and_where_and_no_secret() {
    const CREATED_PASS: &str = "Created-Pass-4471";
    const CHANGED_PASS: &str = "Changed-Pass-5530";
    const RESET_PASS: &str = "Reset-Pass-9921";
    const WRONG_PASS: &str = "Wrong-Pass-1187";
    const GHOST_PASS: &str = "Ghost-Pass-3141";
    let app = spawn_with(LIMITS).await;
    let mut tokens: Vec<String> = Vec::new();

    let root = app.register_at("root", PASSWORD).await; // registered
    let bob = app.register_at("bob", PASSWORD).await; // registered
    tokens.extend([root.token.clone(), bob.token.clone()]);

    // login, login_failed (a known account with a wrong password, and an unknown login)
    let r = app.login_at("bob", PASSWORD).await;
    let phone = r.json();
    let phone_token = str_of(&phone, "token").to_owned();
    let phone_sid = str_of(&phone, "session_id").to_owned();
    let laptop = app.token_for("bob", PASSWORD).await;
    let spare = app.token_for("bob", PASSWORD).await;
    tokens.extend([phone_token.clone(), laptop.clone(), spare.clone()]);
    assert_eq!(app.login_at("bob", WRONG_PASS).await.status, 401);
    assert_eq!(app.login_at("ghost@example.org", GHOST_PASS).await.status, 401);

    // session_revoked, logout, password_changed, logout_all (bob, through the API)
    let r = app.call(DELETE, &format!("/api/v1/sessions/{phone_sid}"), &laptop, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.call(POST, "/api/v1/auth/logout", &laptop, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app
        .call(
            PUT,
            "/api/v1/me/password",
            &spare,
            Some(json!({ "current_password": PASSWORD, "new_password": CHANGED_PASS })),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.call(POST, "/api/v1/auth/logout-all", &spare, None).await;
    assert_eq!(r.status, 204, "{}", r.text());

    // Every admin action.
    let dave =
        app.create_user(&root.token, json!({ "username": "dave", "password": CREATED_PASS })).await;
    let dave_id = str_of(&dave, "id").to_owned();
    let dave_token = app.token_for("dave", CREATED_PASS).await;
    tokens.push(dave_token.clone());
    let patches = [
        json!({ "state": "disabled" }),
        json!({ "state": "active" }),
        json!({ "role": "admin" }),
        json!({ "quota": 2048 }),
    ];
    for body in patches {
        let r = app.patch_user(&root.token, &dave_id, body.clone()).await;
        assert_eq!(r.status, 200, "{body}: {}", r.text());
    }
    let r = app.call(POST, &format!("{}/logout", users_path(&dave_id)), &root.token, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .call(
            PUT,
            &format!("{}/password", users_path(&dave_id)),
            &root.token,
            Some(json!({ "new_password": RESET_PASS })),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    tokens.push(app.token_for("dave", RESET_PASS).await);
    // device_approved, device_denied (device codes are secrets not to be logged either).
    tokens.extend(crate::device_login::approve_and_deny_from(&app, &root.token, IP, UA).await);
    let r = app
        .call(PATCH, "/api/v1/admin/settings", &root.token, Some(json!({ "default_quota": 9999 })))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app.call(DELETE, &users_path(&dave_id), &root.token, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    // app_password_created, app_password_revoked (its secret is a token not to be logged).
    let r =
        app.call(POST, "/api/v1/app-passwords", &root.token, Some(json!({ "name": "cli" }))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let app_password = r.json();
    tokens.push(str_of(&app_password, "token").to_owned());
    let id = str_of(&app_password, "id").to_owned();
    let r = app.call(DELETE, &format!("/api/v1/app-passwords/{id}"), &root.token, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    // A preview token too.
    let item = app.upload(&root.token, "p.png", &png(5)).await;
    // share_created, share_revoked (a share token is not to be logged either).
    let body = json!({ "file": str_of(&item, "id"), "password": "a share password" });
    let r = app.call(POST, "/api/v1/shares", &root.token, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let share_token = str_of(&r.json(), "token").to_owned();
    tokens.push(share_token.clone());
    let share = format!("/api/v1/shares/{}", str_of(&r.json(), "id"));
    // share_password_failed (twice: recorded once, a guesser cannot flood the log).
    for _ in 0..2 {
        let unlock = format!("/s/{share_token}/unlock");
        let r = app.call(POST, &unlock, &root.token, Some(json!({ "password": "a guess" }))).await;
        assert_eq!(r.status, 401, "{}", r.text());
    }
    assert_eq!(app.events(&root.token, "share_password_failed").await.len(), 1);
    let r = app.call(DELETE, &share, &root.token, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let preview_url = str_of(&item, "preview_url").to_owned();
    tokens.push(preview_url.split("token=").nth(1).expect("token in url").to_owned());

    let all = items(&app.audit(&root.token, "?limit=200").await);
    let mut seen: Vec<&str> = all.iter().map(|e| str_of(e, "event")).collect();
    seen.sort_unstable();
    seen.dedup();
    let mut expected = EVENTS.to_vec();
    expected.sort_unstable();
    assert_eq!(seen, expected, "every kind of event is in the log");
    let mut known: Vec<&str> = homedisk::audit::Event::ALL.iter().map(|e| e.as_str()).collect();
    known.sort_unstable();
    // Two-factor login's events are recorded and checked in `totp.rs` (codes need oathtool).
    expected.extend(crate::totp::EVENTS);
    // A refresh token presented twice is recorded and checked in `refresh.rs`.
    expected.push("refresh_token_reused");
    expected.sort_unstable();
    assert_eq!(known, expected, "the documented events are all the app has");

    let of = |event: &str| -> Vec<&Value> { all.iter().filter(|e| e["event"] == event).collect() };
    let everyone = [&root, &bob];
    for e in &all {
        assert_eq!((&e["ip"], &e["user_agent"]), (&json!(IP), &json!(UA)), "origin: {e}");
    }

    let registered = of("registered");
    assert_eq!(registered.len(), 2, "{registered:?}");
    for u in everyone {
        let e = registered.iter().find(|e| e["actor_id"] == u.id.as_str()).expect("registered");
        assert_eq!(e["actor"], u.username.as_str());
        assert_eq!(e["target_id"], Value::Null);
    }

    // bob: three logins; dave: two.
    let logins = of("login");
    assert_eq!(logins.iter().filter(|e| e["actor_id"] == bob.id.as_str()).count(), 3);
    assert_eq!(logins.iter().filter(|e| e["actor_id"] == dave_id.as_str()).count(), 2);
    assert!(logins.iter().all(|e| e["actor"].is_string() && e["login"].is_null()), "{logins:?}");

    let failed = of("login_failed");
    assert_eq!(failed.len(), 2, "{failed:?}");
    let wrong = failed.iter().find(|e| e["login"] == "bob").expect("the wrong password");
    assert_eq!((&wrong["actor_id"], &wrong["actor"]), (&Value::Null, &Value::Null), "{wrong}");
    assert_eq!((&wrong["target_id"], &wrong["target"]), (&json!(bob.id), &json!("bob")));
    assert!(str_of(wrong, "detail").contains("password"), "{wrong}");
    let ghost = failed.iter().find(|e| e["login"] == "ghost@example.org").expect("unknown login");
    assert_eq!((&ghost["actor_id"], &ghost["target_id"]), (&Value::Null, &Value::Null), "{ghost}");
    assert!(str_of(ghost, "detail").contains("unknown"), "{ghost}");

    for event in ["logout", "session_revoked", "password_changed", "logout_all"] {
        let entries = of(event);
        assert_eq!(entries.len(), 1, "{event}: {entries:?}");
        let e = entries[0];
        assert_eq!((&e["actor_id"], &e["actor"]), (&json!(bob.id), &json!("bob")), "{e}");
        assert_eq!(e["login"], Value::Null, "{e}");
    }

    for (event, count) in [
        ("admin_user_created", 1),
        ("admin_user_disabled", 1),
        ("admin_user_enabled", 1),
        ("admin_role_changed", 1),
        ("admin_quota_changed", 1),
        ("admin_logout", 1),
        ("admin_password_reset", 1),
        ("admin_user_deleted", 1),
    ] {
        let entries = of(event);
        assert_eq!(entries.len(), count, "{event}: {entries:?}");
        assert_admin_entry(entries[0], event, &root, (&dave_id, "dave"));
    }
    let setting = of("admin_setting_changed");
    assert_eq!(setting.len(), 1);
    assert_eq!(
        (&setting[0]["actor_id"], &setting[0]["target_id"]),
        (&json!(root.id), &Value::Null)
    );

    // No password and no token anywhere: every column of every row, the API's view, the log.
    let passwords = [
        PASSWORD,
        CREATED_PASS,
        CHANGED_PASS,
        RESET_PASS,
        WRONG_PASS,
        GHOST_PASS,
        "a share password",
        "a guess",
    ];
    let rows = app.audit_rows();
    assert_eq!(rows.len(), all.len(), "the API showed every row");
    for row in &rows {
        let AuditRow {
            id,
            at,
            event,
            actor_id,
            actor_name,
            target_id,
            target_name,
            login,
            ip,
            user_agent,
            detail,
            detail_code,
            detail_params,
        } = row;
        let columns = [
            id.to_string(),
            at.to_string(),
            event.clone(),
            actor_id.clone().unwrap_or_default(),
            actor_name.clone().unwrap_or_default(),
            target_id.clone().unwrap_or_default(),
            target_name.clone().unwrap_or_default(),
            login.clone().unwrap_or_default(),
            ip.clone().unwrap_or_default(),
            user_agent.clone().unwrap_or_default(),
            detail.clone().unwrap_or_default(),
            detail_code.clone().unwrap_or_default(),
            detail_params.clone().unwrap_or_default(),
        ];
        for column in &columns {
            for secret in passwords.iter().copied().chain(tokens.iter().map(String::as_str)) {
                assert!(!column.contains(secret), "audit row {id} holds a secret: {row:?}");
            }
            assert!(!column.contains("eyJ"), "audit row {id} holds something like a JWT: {row:?}");
        }
    }
    let json_text = app.call(GET, "/api/v1/admin/audit?limit=200", &root.token, None).await.text();
    for secret in passwords.iter().copied().chain(tokens.iter().map(String::as_str)) {
        assert!(!json_text.contains(secret), "the audit API shows a secret");
    }
    let log = app.log.text();
    assert!(log.contains("/api/v1/admin/audit"), "the access log was captured: {log}");
    for password in passwords {
        assert!(!log.contains(password), "the log holds the password {password:?}");
    }
    for token in &tokens {
        let signature = token.rsplit('.').next().expect("signature");
        assert!(!log.contains(signature), "the log holds a token");
    }
}

#[actix_web::test]
async fn account_page_actions_are_audited_too() {
    let app = spawn_with(LIMITS).await;
    let root = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let browser = app.web_login("bob", PASSWORD).await;
    let form = |path: &str, session: &str, fields: Vec<(&str, String)>| {
        TestRequest::post().uri(path).cookie(session_cookie(session)).set_form(fields)
    };

    // Password change on the page.
    let csrf = app.page_csrf("/account", &browser).await;
    let r = app
        .send(form(
            "/account/password",
            &browser,
            vec![
                ("current_password", PASSWORD.to_owned()),
                ("new_password", "Page-Pass-7070".to_owned()),
                ("new_password_confirm", "Page-Pass-7070".to_owned()),
                ("csrf_token", csrf.clone()),
            ],
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Revoking another session on the page.
    let other = app.token_for("bob", "Page-Pass-7070").await;
    let sid = app.get_bearer("/api/v1/sessions", &other).await.json()["items"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["current"] == true).cloned())
        .map(|s| str_of(&s, "id").to_owned())
        .expect("sid");
    let r = app
        .send(form(
            &format!("/account/sessions/{sid}/revoke"),
            &browser,
            vec![("csrf_token", csrf.clone())],
        ))
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(app.me(&other).await.code(), "token_revoked");

    // Logging out on the page, then everywhere from another browser.
    let page = app.send(TestRequest::get().uri("/logout").cookie(session_cookie(&browser))).await;
    let r = app.send(form("/logout", &browser, vec![("csrf_token", csrf_in(&page.text()))])).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let second = app.web_login("bob", "Page-Pass-7070").await;
    let csrf = app.page_csrf("/account", &second).await;
    let r = app.send(form("/account/logout-all", &second, vec![("csrf_token", csrf)])).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        app.send(TestRequest::get().uri("/account").cookie(session_cookie(&second))).await.status,
        303
    );

    let about_bob = items(&app.audit(&root.token, &format!("?user={}&limit=200", bob.id)).await);
    for event in ["password_changed", "session_revoked", "logout", "logout_all"] {
        let found: Vec<&Value> = about_bob.iter().filter(|e| e["event"] == event).collect();
        assert_eq!(found.len(), 1, "{event}: {about_bob:?}");
        assert_eq!((&found[0]["actor_id"], &found[0]["actor"]), (&json!(bob.id), &json!("bob")));
    }
    // Page logins are logins.
    let logins = about_bob.iter().filter(|e| e["event"] == "login").count();
    assert_eq!(logins, 3, "two page logins and one API login: {about_bob:?}");
    let rows = app.audit_rows();
    assert!(rows.iter().all(|r| !format!("{r:?}").contains("Page-Pass-7070")), "{rows:?}");
}

#[actix_web::test]
async fn the_audit_log_filters_by_event_user_and_text_and_pages_newest_first() {
    let app = spawn_with(LIMITS).await;
    let root = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let carol = app.register_at("carol", PASSWORD).await;
    let under = app.register_at("x_y", PASSWORD).await;
    for _ in 0..3 {
        app.token_for("carol", PASSWORD).await;
    }
    app.login_at("bob", "Wrong-Pass-0001").await;
    app.login_at("nobody-here", "Wrong-Pass-0002").await;
    let r = app.patch_user(&root.token, &bob.id, json!({ "quota": 777 })).await;
    assert_eq!(r.status, 200);
    // An entry from elsewhere (no peer address), to filter by IP.
    assert_eq!(app.login(&under.username, PASSWORD).await.status, 200);

    let all = items(&app.audit(&root.token, "?limit=200").await);
    let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().expect("id")).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert_eq!(all.len(), 4 + 3 + 2 + 1 + 1, "{all:?}");

    // By event.
    let failed = items(&app.audit(&root.token, "?event=login_failed").await);
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e["event"] == "login_failed"));
    let logins = items(&app.audit(&root.token, "?event=login").await);
    assert_eq!(logins.len(), 4, "login does not match login_failed: {logins:?}");

    // By user, as actor or target.
    let about_bob = items(&app.audit(&root.token, &format!("?user={}", bob.id)).await);
    let events: Vec<&str> = about_bob.iter().map(|e| str_of(e, "event")).collect();
    assert_eq!(events, ["admin_quota_changed", "login_failed", "registered"], "{about_bob:?}");
    let about_carol = items(&app.audit(&root.token, &format!("?user={}", carol.id)).await);
    assert_eq!(about_carol.len(), 4);
    assert!(about_carol.iter().all(|e| e["actor_id"] == carol.id.as_str()));
    let by_root = items(
        &app.audit(&root.token, &format!("?user={}&event=admin_quota_changed", root.id)).await,
    );
    assert_eq!(by_root.len(), 1, "filters combine");
    assert!(items(&app.audit(&root.token, "?user=no-such-id").await).is_empty());

    // By text: names, the login tried, the IP; LIKE wildcards are plain characters.
    let ghost = items(&app.audit(&root.token, "?q=nobody-h").await);
    assert_eq!(ghost.len(), 1);
    assert_eq!(ghost[0]["login"], "nobody-here");
    let carols = items(&app.audit(&root.token, "?q=CAROL").await);
    assert_eq!(carols.len(), 4, "any case: {carols:?}");
    let from_ip = items(&app.audit(&root.token, &format!("?q={IP}")).await);
    assert_eq!(from_ip.len(), all.len() - 1, "all but the login without an address");
    let underscore = items(&app.audit(&root.token, "?q=_").await);
    assert!(!underscore.is_empty());
    assert!(
        underscore.iter().all(|e| e["actor"] == "x_y" || e["target"] == "x_y"),
        "`_` matches only itself: {underscore:?}"
    );
    assert!(items(&app.audit(&root.token, "?q=%25").await).is_empty(), "`%` matches itself");
    assert!(items(&app.audit(&root.token, "?q=&event=").await).len() == all.len(), "blank = none");

    // Pages: limit, then before = next_before, until next_before is null.
    let mut walked: Vec<Value> = Vec::new();
    let mut query = "?limit=4".to_owned();
    loop {
        let page = app.audit(&root.token, &query).await;
        let got = items(&page);
        assert!(got.len() <= 4 && !got.is_empty(), "{page}");
        walked.extend(got.iter().cloned());
        match page["next_before"].as_i64() {
            Some(before) => {
                assert_eq!(Some(before), got.last().and_then(|e| e["id"].as_i64()));
                query = format!("?limit=4&before={before}");
            }
            None => break,
        }
    }
    assert_eq!(walked, all, "the pages together are the whole log, each entry once");
    let last = app.audit(&root.token, &format!("?limit={}", all.len())).await;
    assert_eq!(last["next_before"], Value::Null, "no next page when all fit");
    let logins_p1 = app.audit(&root.token, "?event=login&limit=3").await;
    assert_eq!(items(&logins_p1).len(), 3);
    let before = logins_p1["next_before"].as_i64().expect("more logins");
    let logins_p2 = app.audit(&root.token, &format!("?event=login&limit=3&before={before}")).await;
    assert_eq!(items(&logins_p2).len(), 1);
    assert_eq!(items(&logins_p2)[0], logins[3]);
    assert_eq!(logins_p2["next_before"], Value::Null);
    assert_eq!(items(&app.audit(&root.token, "?limit=0").await).len(), 1, "at least one");
}

#[actix_web::test]
async fn pruning_removes_entries_past_the_retention_and_keeps_the_rest() {
    let app = spawn_with(&[("HOMEDISK_AUDIT_RETENTION_DAYS", "30")]).await;
    assert_eq!(app.state.config.audit_retention_days, 30);
    let root = app.register("root").await;
    let now = Utc::now().naive_utc();
    let insert = |days: i64, login: &str| {
        diesel::insert_into(audit_log::table)
            .values(&NewAudit {
                at: now - Duration::days(days),
                event: "login_failed",
                login: Some(login),
                ..NewAudit::default()
            })
            .execute(&mut app.conn())
            .expect("insert");
    };
    insert(400, "very-old");
    insert(31, "past-retention");
    insert(29, "within-retention");
    let before = app.audit_rows().len();

    let days = app.state.config.audit_retention_days;
    let removed = homedisk::audit::prune(&mut app.conn(), days, now).expect("prune");
    assert_eq!(removed, 2);
    let logins: Vec<Option<String>> = app.audit_rows().into_iter().map(|r| r.login).collect();
    assert_eq!(app.audit_rows().len(), before - 2);
    assert!(!logins.contains(&Some("very-old".into())), "{logins:?}");
    assert!(!logins.contains(&Some("past-retention".into())), "{logins:?}");
    assert!(logins.contains(&Some("within-retention".into())), "{logins:?}");
    let api = items(&app.audit(&root.token, "?limit=200").await);
    assert!(api.iter().any(|e| e["event"] == "registered"), "today's entries stay: {api:?}");

    // Nothing more to prune; a longer retention keeps what a shorter one would drop.
    assert_eq!(homedisk::audit::prune(&mut app.conn(), 30, now).expect("prune"), 0);
    insert(100, "hundred-days");
    assert_eq!(homedisk::audit::prune(&mut app.conn(), 365, now).expect("prune"), 0);
    assert_eq!(homedisk::audit::prune(&mut app.conn(), 99, now).expect("prune"), 1);
}

// ---------------------------------------------------------------------------------------------
// Validation

#[actix_web::test]
async fn bad_input_is_refused_with_the_field_named_and_changes_nothing() {
    let app = spawn_with(LIMITS).await;
    let root = app.register_at("root", PASSWORD).await;
    let bob = app.register_at("bob", PASSWORD).await;
    let bob_path = users_path(&bob.id);
    let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
        (PATCH, bob_path.clone(), Some(json!({ "role": "superuser" })), "role"),
        (PATCH, bob_path.clone(), Some(json!({ "role": "Admin" })), "role"),
        (PATCH, bob_path.clone(), Some(json!({ "state": "banned" })), "state"),
        (PATCH, bob_path.clone(), Some(json!({ "quota": -1 })), "quota"),
        (PATCH, bob_path.clone(), Some(json!({ "quota": -1, "role": "admin" })), "quota"),
        (
            POST,
            "/api/v1/admin/users".into(),
            Some(json!({ "username": "newbie", "password": PASSWORD, "role": "root" })),
            "role",
        ),
        (
            POST,
            "/api/v1/admin/users".into(),
            Some(json!({ "username": "newbie", "password": PASSWORD, "quota": -5 })),
            "quota",
        ),
        (
            POST,
            "/api/v1/admin/users".into(),
            Some(json!({ "username": "n", "password": PASSWORD })),
            "username",
        ),
        (
            POST,
            "/api/v1/admin/users".into(),
            Some(json!({ "username": "newbie", "password": "short" })),
            "password",
        ),
        (POST, "/api/v1/admin/users".into(), Some(json!({ "password": PASSWORD })), "username"),
        (
            POST,
            "/api/v1/admin/users".into(),
            Some(json!({ "username": "newbie", "password": PASSWORD, "email": "not-an-email" })),
            "email",
        ),
        (GET, "/api/v1/admin/users?sort=size".into(), None, "sort"),
        (GET, "/api/v1/admin/users?order=up".into(), None, "order"),
        (GET, "/api/v1/admin/audit?event=hacked".into(), None, "event"),
        (
            PUT,
            format!("{bob_path}/password"),
            Some(json!({ "new_password": "short" })),
            "new_password",
        ),
        (
            PATCH,
            "/api/v1/admin/settings".into(),
            Some(json!({ "registration": "maybe" })),
            "registration",
        ),
        (
            PATCH,
            "/api/v1/admin/settings".into(),
            Some(json!({ "default_quota": -1 })),
            "default_quota",
        ),
    ];
    for (method, path, body, field) in cases {
        let r = app.call(method.clone(), &path, &root.token, body.clone()).await;
        assert_field_error(&r, field, &format!("{method} {path} {body:?}"));
    }

    // Unknown fields are refused (not ignored), and the answer names them.
    let unknown: Vec<(Method, String, Value, &str)> = vec![
        (PATCH, bob_path.clone(), json!({ "nickname": "bobby" }), "nickname"),
        (PATCH, bob_path.clone(), json!({ "role": "admin", "is_admin": true }), "is_admin"),
        (
            POST,
            "/api/v1/admin/users".into(),
            json!({ "username": "newbie", "password": PASSWORD, "storage_used": 0 }),
            "storage_used",
        ),
        (
            PUT,
            format!("{bob_path}/password"),
            json!({ "current_password": "Some-Pass-123" }),
            "current_password",
        ),
        (
            PATCH,
            "/api/v1/admin/settings".into(),
            json!({ "single_session": true }),
            "single_session",
        ),
    ];
    for (method, path, body, field) in unknown {
        let r = app.call(method.clone(), &path, &root.token, Some(body.clone())).await;
        assert_eq!(r.status, 400, "{method} {path} {body}: {}", r.text());
        assert!(
            ["bad_request", "validation_failed"].contains(&r.code().as_str()),
            "{method} {path} {body}"
        );
        let text = r.text();
        assert!(text.contains(field), "{method} {path} {body}: the answer names `{field}`: {text}");
    }

    // Nothing changed.
    let b = app.user(&root.token, &bob.id).await;
    assert_eq!((&b["role"], &b["state"]), (&json!("user"), &json!("active")));
    assert_eq!(b["quota"], app.state.config.default_quota_bytes);
    assert_eq!(app.login_at("bob", PASSWORD).await.status, 200);
    let listed = app.call(GET, "/api/v1/admin/users", &root.token, None).await.json();
    assert_eq!(listed["total"], 2, "no account was created: {listed}");
    let settings = app.call(GET, "/api/v1/admin/settings", &root.token, None).await.json();
    assert_eq!(settings["registration_source"], "environment");
    assert_eq!(settings["default_quota_source"], "environment");
    let all = items(&app.audit(&root.token, "?limit=200").await);
    assert!(all.iter().all(|e| !str_of(e, "event").starts_with("admin_")), "{all:?}");

    // An account that does not exist: 404 on every route that names one.
    for (method, body) in
        [(GET, None), (PATCH, Some(json!({ "state": "disabled" }))), (DELETE, None)]
    {
        let r = app.call(method.clone(), &users_path("no-such-user"), &root.token, body).await;
        assert_eq!(r.status, 404, "{method}: {}", r.text());
        assert_eq!(r.code(), "not_found");
    }
    let r =
        app.call(POST, &format!("{}/logout", users_path("no-such-user")), &root.token, None).await;
    assert_eq!(r.status, 404);
    let r = app
        .call(
            PUT,
            &format!("{}/password", users_path("no-such-user")),
            &root.token,
            Some(json!({ "new_password": "Good-Long-Pass-1" })),
        )
        .await;
    assert_eq!(r.status, 404);
}
