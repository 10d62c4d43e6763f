//! Audit details in the reader's language (#17): each entry carries a detail code and its
//! values, and the admin audit page says them in Chinese or English (with English plurals),
//! escaping what users typed; the API's `detail` keeps its English text, with the code and
//! values beside it; an entry written before codes existed still shows its stored text.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::Utc;
use diesel::prelude::*;
use homedisk::db::models::audit::NewAudit;
use homedisk::db::schema::audit_log;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Resp, TestApp, TestUser, session_cookie, spawn_with};
use crate::totp::{
    code_at, enrol, have_oathtool, login_body, mfa_token, now, room_in_step, wrong_code,
};

/// Enough login attempts for tests that log in a lot from one address.
const LIMITS: &[(&str, &str)] = &[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "1000")];
const ZH: &str = "zh-CN,zh;q=0.9,en;q=0.5";
const EN: &str = "en-GB,en;q=0.9";
/// Names typed by users, with markup the page must show as text.
const APP_NAME: &str = "<b>Phone</b> & co";
const APP_NAME_HTML: &str = "&#60;b&#62;Phone&#60;/b&#62; &#38; co";
const FOLDER: &str = "<i>Holiday & co";
const FOLDER_HTML: &str = "&#60;i&#62;Holiday &#38; co";
/// The text of an entry written before detail codes existed.
const OLD_DETAIL: &str = "7 session(s) ended";

async fn call<S, B>(app: &TestApp<S>, method: Method, uri: &str, token: &str, body: Value) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")));
    app.send(if body.is_null() { req } else { req.set_json(body) }).await
}

/// The detail cells of the admin audit page in the language `accept` asks for.
async fn detail_cells<S, B>(app: &TestApp<S>, session: &str, accept: &str) -> Vec<String>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = app
        .send(
            TestRequest::get()
                .uri("/admin/audit?limit=200")
                .cookie(session_cookie(session))
                .insert_header(("Accept-Language", accept)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    let label = if accept.starts_with("zh") { "详情" } else { "Detail" };
    let open = format!("<td data-label=\"{label}\">");
    html.split(open.as_str())
        .skip(1)
        .map(|rest| rest.split("</td>").next().unwrap_or_default().to_owned())
        .collect()
}

/// The API's entries of `event`, newest first.
fn events<'a>(audit: &'a Value, event: &str) -> Vec<&'a Value> {
    audit["items"].as_array().expect("items").iter().filter(|e| e["event"] == event).collect()
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

fn assert_shows(cells: &[String], expected: &[String]) {
    for e in expected {
        assert!(cells.iter().any(|c| c == e), "no detail {e:?} among {cells:#?}");
    }
}

/// Records the representative events: a logout everywhere with a count, a role and a quota
/// change, an app password with its scope, two settings, a share link, failed logins, an
/// admin's force logout, and an entry from before detail codes. Returns (root's web session,
/// the share link's id, the shared folder's id).
async fn record_events<S, B>(
    app: &TestApp<S>,
    root: &TestUser,
    bob: &TestUser,
) -> (String, String, String)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    // Bob has three sessions (registration and two API logins) and logs out of all of them.
    app.login_as(bob, "api").await;
    let token = app.login_as(bob, "api").await;
    let r = call(app, Method::POST, "/api/v1/auth/logout-all", &token, Value::Null).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let bob_token = app.login_as(bob, "api").await;

    let user = format!("/api/v1/admin/users/{}", bob.id);
    let r = call(app, Method::PATCH, &user, &root.token, json!({ "role": "admin" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(app, Method::PATCH, &user, &root.token, json!({ "quota": 2u64 << 30 })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = json!({ "name": APP_NAME, "scope": "files:read dav" });
    let r = call(app, Method::POST, "/api/v1/app-passwords", &bob_token, body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let settings = json!({ "registration": "closed", "trash_retention_days": 1 });
    let r = call(app, Method::PATCH, "/api/v1/admin/settings", &root.token, settings).await;
    assert_eq!(r.status, 200, "{}", r.text());

    let r = call(app, Method::POST, "/api/v1/folders", &bob_token, json!({ "name": FOLDER })).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let folder = r.json()["id"].as_str().expect("folder id").to_owned();
    let body = json!({ "file": folder, "password": "a share password" });
    let r = call(app, Method::POST, "/api/v1/shares", &bob_token, body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let link = r.json()["id"].as_str().expect("link id").to_owned();

    assert_eq!(app.login("bob", "not the password").await.status, 401);
    assert_eq!(app.login("nobody-here", PASSWORD).await.status, 401);
    let r = call(app, Method::POST, &format!("{user}/logout"), &root.token, Value::Null).await;
    assert!(r.status.is_success(), "{}", r.text());

    let old = NewAudit {
        at: Utc::now().naive_utc(),
        event: "admin_logout",
        actor_id: Some(root.id.as_str()),
        actor_name: Some("root"),
        detail: Some(OLD_DETAIL),
        ..NewAudit::default()
    };
    diesel::insert_into(audit_log::table).values(&old).execute(&mut app.conn()).expect("insert");

    (app.web_login("root", PASSWORD).await, link, folder)
}

#[actix_web::test]
async fn audit_details_read_in_chinese_and_english_and_the_api_keeps_its_text() {
    let app = spawn_with(LIMITS).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let (session, link, folder) = record_events(&app, &root, &bob).await;

    // Chinese: every coded detail in Chinese, no English phrase; the old entry as stored.
    let zh = detail_cells(&app, &session, ZH).await;
    assert_shows(
        &zh,
        &[
            "结束了 3 个会话".to_owned(),
            "角色：普通用户 → 管理员".to_owned(),
            "配额：10.0 GiB → 2.0 GiB".to_owned(),
            format!("应用密码“{APP_NAME_HTML}”，权限：读取文件、WebDAV"),
            "注册：开放 → 关闭".to_owned(),
            "回收站保留期：30 天 → 1 天".to_owned(),
            format!("查看链接 {link}，指向“{FOLDER_HTML}”，设有密码"),
            "密码错误".to_owned(),
            "账户不存在".to_owned(),
            "客户端：API".to_owned(),
            "客户端：浏览器".to_owned(),
            OLD_DETAIL.to_owned(),
        ],
    );
    let english = [
        "session",
        "Role",
        "role",
        "Quota",
        "quota",
        "App password",
        "scope",
        "allowed",
        "Registration",
        "registration",
        "Trash",
        "trash",
        "link",
        "password",
        "account",
        "Client",
        "client",
        "browser",
        "days",
        "open",
        "closed",
        " to ",
    ];
    for cell in zh.iter().filter(|c| !c.is_empty() && *c != OLD_DETAIL) {
        assert!(cell.chars().any(is_chinese), "not in Chinese: {cell:?}");
        for word in english {
            assert!(!cell.contains(word), "{word:?} in the Chinese detail {cell:?}");
        }
    }
    assert!(zh.iter().any(|c| c == "结束了 2 个会话"), "the admin's force logout: {zh:#?}");

    // English, with its plurals; user input escaped; no Chinese.
    let en = detail_cells(&app, &session, EN).await;
    assert_shows(
        &en,
        &[
            "3 sessions ended".to_owned(),
            "Role: user → admin".to_owned(),
            "Quota: 10.0 GiB → 2.0 GiB".to_owned(),
            format!("App password “{APP_NAME_HTML}”, allowed: Read files, WebDAV"),
            "Registration: open → closed".to_owned(),
            "Trash retention: 30 days → 1 day".to_owned(),
            format!("View link {link} to “{FOLDER_HTML}”, with a password"),
            "Wrong password".to_owned(),
            "No such account".to_owned(),
            "Client: API".to_owned(),
            "Client: browser".to_owned(),
            OLD_DETAIL.to_owned(),
        ],
    );
    assert!(en.iter().all(|c| !c.chars().any(is_chinese)), "{en:#?}");
    for cells in [&zh, &en] {
        assert!(cells.iter().all(|c| !c.contains("<b>") && !c.contains("<i>")), "{cells:#?}");
    }

    // The API: `detail` as it always was, the code and its values beside it.
    let audit = call(&app, Method::GET, "/api/v1/admin/audit?limit=200", &root.token, Value::Null)
        .await
        .json();
    let only = |event: &str| {
        let found = events(&audit, event);
        assert_eq!(found.len(), 1, "{event}: {found:#?}");
        found[0].clone()
    };
    let logout_all = only("logout_all");
    assert_eq!(logout_all["detail"], "3 session(s)");
    assert_eq!(logout_all["detail_code"], "logged_out_everywhere");
    assert_eq!(logout_all["detail_params"], json!({ "count": 3 }));
    let role = only("admin_role_changed");
    assert_eq!(role["detail"], "user → admin");
    assert_eq!(role["detail_params"], json!({ "from": "user", "to": "admin" }));
    let quota = only("admin_quota_changed");
    assert_eq!(quota["detail"], "10.0 GiB → 2.0 GiB");
    assert_eq!(quota["detail_params"], json!({ "from": 10u64 << 30, "to": 2u64 << 30 }));
    let created = only("app_password_created");
    assert_eq!(created["detail"], format!("“{APP_NAME}”, scope files:read dav"));
    assert_eq!(created["detail_params"], json!({ "name": APP_NAME, "scope": "files:read dav" }));
    let settings: Vec<&Value> =
        events(&audit, "admin_setting_changed").into_iter().map(|e| &e["detail"]).collect();
    assert_eq!(
        settings,
        [&json!("trash retention 30 → 1 days"), &json!("registration open → closed")]
    );
    let share = only("share_created");
    assert_eq!(share["detail"], format!("view link {link} to file {folder}, with a password"));
    assert_eq!(share["detail_code"], "share_link");
    assert_eq!(share["detail_params"]["file_name"], FOLDER);
    let failed: Vec<&Value> =
        events(&audit, "login_failed").into_iter().map(|e| &e["detail"]).collect();
    assert_eq!(failed, [&json!("unknown account"), &json!("wrong password")]);
    let ended = events(&audit, "admin_logout");
    assert_eq!(ended[0]["detail"], OLD_DETAIL, "the old entry is the newest");
    assert_eq!(
        (&ended[0]["detail_code"], &ended[0]["detail_params"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(ended[1]["detail"], "2 session(s) ended");
    assert_eq!(ended[1]["detail_code"], "sessions_ended");
    let registered = &events(&audit, "registered")[0];
    assert_eq!(registered["detail"], Value::Null, "no detail, no code: {registered}");
    assert_eq!(registered["detail_code"], Value::Null);
}

#[actix_web::test]
async fn a_wrong_two_factor_code_reads_in_both_languages() {
    if !have_oathtool() {
        return;
    }
    room_in_step().await;
    let app = spawn_with(LIMITS).await;
    let root = app.register("root").await;
    let alice = app.register("alice").await;
    let (secret, _) = enrol!(app, alice);
    let token = mfa_token(&app.post_json("/api/v1/auth/login", login_body(&alice)).await);
    let wrong = json!({ "mfa_token": token, "code": wrong_code(&secret) });
    assert_eq!(app.post_json("/api/v1/auth/login/mfa", wrong).await.status, 401);
    let right = json!({ "mfa_token": token, "code": code_at(&secret, now()) });
    let r = app.post_json("/api/v1/auth/login/mfa", right).await;
    assert_eq!(r.status, 200, "{}", r.text());

    let session = app.web_login("root", PASSWORD).await;
    let zh = detail_cells(&app, &session, ZH).await;
    assert_shows(
        &zh,
        &["验证码错误或已被使用".to_owned(), "客户端：API，使用密码和两步验证码".to_owned()],
    );
    let en = detail_cells(&app, &session, EN).await;
    assert_shows(
        &en,
        &[
            "Wrong or already used code".to_owned(),
            "Client: API, with password and two-factor code".to_owned(),
        ],
    );
    let audit =
        call(&app, Method::GET, "/api/v1/admin/audit", &root.token, Value::Null).await.json();
    let failed = events(&audit, "login_mfa_failed");
    assert_eq!(failed[0]["detail"], "wrong or used code");
    assert_eq!(failed[0]["detail_code"], "wrong_code");
    assert_eq!(failed[0]["detail_params"], Value::Null);
    let logins: Vec<&Value> = events(&audit, "login").into_iter().map(|e| &e["detail"]).collect();
    assert!(logins.contains(&&json!("client api, password+totp")), "{logins:?}");
}
