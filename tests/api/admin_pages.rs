//! The `/admin` pages: closed to everyone but administrators (404, never a redirect), the
//! dashboard and settings form, the account list, every per-account action through its form,
//! the last-administrator rule on the page, CSRF, the audit log page, and the pages in Chinese.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::files::FilesApi;
use crate::helpers::{PASSWORD, Resp, TestApp, TestUser, session_cookie, spawn_with};

/// Enough login attempts for tests that register and log in a lot from one address.
const LIMITS: &[(&str, &str)] = &[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "1000")];

const NEW_PASSWORD: &str = "a brand new passphrase";

/// An administrator logged in through the login form.
struct Admin {
    user: TestUser,
    session: String,
    csrf: String,
}

trait AdminPages {
    async fn page(&self, path: &str, session: &str) -> Resp;
    async fn form(&self, path: &str, session: &str, fields: &[(&str, &str)]) -> Resp;
    /// Registers the first account (the administrator) and logs it in on the web.
    async fn first_admin(&self) -> Admin;
}

impl<S, B> AdminPages for TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn page(&self, path: &str, session: &str) -> Resp {
        self.send(TestRequest::get().uri(path).cookie(session_cookie(session))).await
    }

    async fn form(&self, path: &str, session: &str, fields: &[(&str, &str)]) -> Resp {
        self.send(TestRequest::post().uri(path).cookie(session_cookie(session)).set_form(fields))
            .await
    }

    async fn first_admin(&self) -> Admin {
        let user = self.register("root").await;
        let session = self.web_login("root", PASSWORD).await;
        let csrf = self.page_csrf("/admin", &session).await;
        Admin { user, session, csrf }
    }
}

fn user_path(user: &TestUser, action: &str) -> String {
    format!("/admin/users/{}{action}", user.id)
}

/// Where `r` redirects to, after checking it does.
fn location(r: &Resp) -> String {
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("location").expect("location").to_owned()
}

/// The rows of a page's table (the header names the logged-in user too).
fn table(page: &str) -> &str {
    page.find("<tbody>").map_or("", |start| &page[start..])
}

/// Whether the account list shows `username`.
fn listed(page: &str, username: &str) -> bool {
    table(page).contains(&format!("\">{username}</a>"))
}

/// Position of the row of `username` in the account list (it must be there).
fn row_of(page: &str, username: &str) -> usize {
    table(page).find(&format!("\">{username}</a>")).unwrap_or_else(|| panic!("{username}: {page}"))
}

/// How many audit rows show `event` (its label).
fn events(page: &str, event: &str) -> usize {
    page.matches(&format!("<td data-label=\"Event\">{event}</td>")).count()
}

#[actix_web::test]
async fn the_admin_area_is_not_found_for_anonymous_and_regular_users() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let bob_session = app.web_login("bob", PASSWORD).await;
    let bob_csrf = app.page_csrf("/files", &bob_session).await;
    let target = user_path(&admin.user, "");
    let pages = [
        "/admin".to_owned(),
        "/admin/users".to_owned(),
        "/admin/users?q=root&sort=created&order=desc&page=1".to_owned(),
        // Malformed queries too: a 400 would give the area away.
        "/admin/users?page=many".to_owned(),
        "/admin/users/new".to_owned(),
        target.clone(),
        "/admin/audit".to_owned(),
        "/admin/audit?event=login_failed&before=nope".to_owned(),
    ];
    let actions = ["/state", "/role", "/quota", "/logout", "/password", "/delete"];
    let mut forms = vec!["/admin/settings".to_owned(), "/admin/users/new".to_owned()];
    forms.extend(actions.iter().map(|a| format!("{target}{a}")));
    let fields = |csrf: &str| {
        [
            ("csrf_token", csrf.to_owned()),
            ("state", "disabled".into()),
            ("role", "user".into()),
            ("quota", "1".into()),
            ("registration", "closed".into()),
            ("default_quota", "1".into()),
            ("username", "intruder".into()),
            ("password", NEW_PASSWORD.into()),
            ("password_confirm", NEW_PASSWORD.into()),
            ("new_password", NEW_PASSWORD.into()),
            ("new_password_confirm", NEW_PASSWORD.into()),
            ("confirmed", "yes".into()),
        ]
    };
    for (who, cookie, csrf) in
        [("anonymous", None, ""), ("bob", Some(&bob_session), bob_csrf.as_str())]
    {
        let with = |req: TestRequest| match cookie {
            Some(c) => req.cookie(session_cookie(c)),
            None => req,
        };
        let mut requests: Vec<(String, TestRequest)> =
            pages.iter().map(|p| (format!("GET {p}"), with(TestRequest::get().uri(p)))).collect();
        for f in &forms {
            let form = with(TestRequest::post().uri(f)).set_form(fields(csrf));
            requests.push((format!("POST {f}"), form));
            // No body, no content type: still not found, not a 400.
            requests.push((format!("POST {f} (empty)"), with(TestRequest::post().uri(f))));
        }
        for (what, req) in requests {
            let r = app.send(req).await;
            assert_eq!(r.status, 404, "{who}: {what}: {}", r.text());
            assert_eq!(r.header("location"), None, "{who}: {what} must not redirect");
            assert!(r.text().contains("Page not found"), "{who}: {what}: the not-found page");
        }
    }
    // Nothing happened: the administrator is intact, registration is still open.
    let me = app.me(&admin.user.token).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["role"], "admin");
    assert_eq!(app.login("root", PASSWORD).await.status, 200);
    app.register("carol").await;
    assert_eq!(app.login("intruder", NEW_PASSWORD).await.status, 401);
    assert_eq!(app.me(&bob.token).await.status, 200);
    // Only administrators see the link.
    assert!(!app.page("/files", &bob_session).await.text().contains("href=\"/admin\""));
    assert!(app.page("/files", &admin.session).await.text().contains("href=\"/admin\""));
}

#[actix_web::test]
async fn the_dashboard_shows_the_figures_and_the_settings_in_effect() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    app.upload(&bob.token, "notes.txt", &[7u8; 1536]).await;
    let page = app.page("/admin", &admin.session).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("<dt>Accounts</dt><dd>2</dd>"), "{html}");
    // root: registration and web login; bob: registration.
    assert!(html.contains("<dt>Active sessions</dt><dd>3</dd>"), "{html}");
    assert!(html.contains("<dt>Storage used</dt><dd>1.5 KiB</dd>"), "{html}");
    assert!(html.contains("<dt>Disk free</dt><dd>") && !html.contains("unknown"), "{html}");
    assert!(html.contains("<dt>Registration</dt><dd>open"), "{html}");
    assert!(html.contains("(from the environment)"), "{html}");
    assert!(html.contains("name=\"default_quota\" value=\"10GiB\""), "{html}");
}

#[actix_web::test]
async fn the_settings_form_closes_registration_and_sets_the_default_quota_at_once() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let csrf = admin.csrf.as_str();
    let close = [("csrf_token", csrf), ("registration", "closed"), ("default_quota", "3GiB")];
    let r = app.form("/admin/settings", &admin.session, &close).await;
    assert_eq!(location(&r), "/admin?notice=settings");
    let r = app
        .post_json("/api/v1/auth/register", json!({ "username": "late", "password": PASSWORD }))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "registration_closed");
    let html = app.page("/admin?notice=settings", &admin.session).await.text();
    assert!(html.contains("Settings saved"), "{html}");
    assert!(html.contains("<dt>Registration</dt><dd>closed"), "{html}");
    assert!(html.contains("3.0 GiB <span class=\"muted\">(set by an administrator)"), "{html}");

    let open = [("csrf_token", csrf), ("registration", "open"), ("default_quota", "3GiB")];
    location(&app.form("/admin/settings", &admin.session, &open).await);
    let dora = app.register("dora").await;
    assert_eq!(app.me(&dora.token).await.json()["quota"], 3 * 1024 * 1024 * 1024_i64);

    // A size that cannot be read: shown on the form, as typed; nothing changes.
    let bad = [("csrf_token", csrf), ("registration", "closed"), ("default_quota", "lots")];
    let r = app.form("/admin/settings", &admin.session, &bad).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let html = r.text();
    assert!(html.contains("Default quota must be a size such as 2GiB"), "{html}");
    assert!(html.contains("value=\"lots\""), "{html}");
    app.register("erin").await;
}

#[actix_web::test]
async fn the_user_list_searches_sorts_and_pages() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    for name in ["carol", "dave", "erin", "frank"] {
        app.register(name).await;
    }
    let erin = app.login("erin", PASSWORD).await.json()["token"].as_str().expect("t").to_owned();
    app.upload(&erin, "big.bin", &[1u8; 4000]).await;

    let html = app.page("/admin/users?q=AR", &admin.session).await.text();
    assert!(listed(&html, "carol") && !listed(&html, "dave"), "{html}");
    assert!(html.contains("Accounts <span class=\"muted\">(1)</span>"), "{html}");

    let html = app.page("/admin/users?sort=username&order=desc", &admin.session).await.text();
    assert!(row_of(&html, "root") < row_of(&html, "frank"), "{html}");
    assert!(row_of(&html, "frank") < row_of(&html, "erin"), "{html}");
    assert!(row_of(&html, "dave") < row_of(&html, "carol"), "{html}");
    assert!(html.contains("aria-sort=\"descending\""), "{html}");

    let html = app.page("/admin/users?sort=storage&order=desc", &admin.session).await.text();
    assert!(row_of(&html, "erin") < row_of(&html, "carol"), "{html}");
    assert!(html.contains("3.9 KiB / 10.0 GiB"), "{html}");

    // Five accounts, two a page: page 2 of 3 holds erin and frank.
    let html = app.page("/admin/users?per_page=2&page=2", &admin.session).await.text();
    assert!(listed(&html, "erin") && listed(&html, "frank"), "{html}");
    assert!(!listed(&html, "carol") && !listed(&html, "root"), "{html}");
    assert!(html.contains("Page 2 of 3"), "{html}");
    assert!(
        html.contains("sort=username&#38;order=asc&#38;page=2&#38;per_page=2\" aria-label=\"Page 2\" aria-current=\"page\""),
        "{html}"
    );
    assert!(html.contains("page=3&#38;per_page=2\" rel=\"next\""), "{html}");

    let r = app.page("/admin/users?sort=shoe_size", &admin.session).await;
    assert_eq!(r.status, 400, "{}", r.text());
}

#[actix_web::test]
async fn an_admin_creates_an_account_through_the_form() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let csrf = app.page_csrf("/admin/users/new", &admin.session).await;
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("username", "z"),
        ("email", "zoe@example.com"),
        ("password", PASSWORD),
        ("password_confirm", "something else"),
        ("role", "user"),
        ("quota", "a lot"),
    ];
    let r = app.form("/admin/users/new", &admin.session, &fields).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let html = r.text();
    assert!(html.contains("Password does not match the password"), "{html}");
    assert!(html.contains("Quota must be a size"), "{html}");
    assert!(html.contains("User name must be"), "every problem at once: {html}");
    assert!(html.contains("value=\"z\"") && html.contains("value=\"zoe@example.com\""));
    assert!(!html.contains(PASSWORD), "the password is never sent back");
    assert_eq!(app.login("zoe", PASSWORD).await.status, 401, "nothing was created");

    fields[1] = ("username", "zoe");
    fields[4] = ("password_confirm", PASSWORD);
    fields[6] = ("quota", "500MiB");
    let r = app.form("/admin/users/new", &admin.session, &fields).await;
    let to = location(&r);
    assert!(to.starts_with("/admin/users/") && to.ends_with("?notice=created"), "{to}");
    let token = app.login("zoe", PASSWORD).await.json()["token"].as_str().expect("t").to_owned();
    let me = app.me(&token).await.json();
    assert_eq!(me["quota"], 500 * 1024 * 1024);
    assert_eq!(me["role"], "user");
    let html = app.page(&to, &admin.session).await.text();
    assert!(html.contains("Account created.") && html.contains("<h1>zoe"), "{html}");

    // The same name again: a field error, not a 500.
    let r = app.form("/admin/users/new", &admin.session, &fields).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("User name is already taken"), "{}", r.text());
}

#[actix_web::test]
async fn disabling_and_enabling_take_effect_at_once() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let csrf = admin.csrf.as_str();
    let r = app
        .form(
            &user_path(&bob, "/state"),
            &admin.session,
            &[("csrf_token", csrf), ("state", "disabled")],
        )
        .await;
    let to = location(&r);
    assert_eq!(to, format!("{}?notice=disabled", user_path(&bob, "")));
    let r = app.me(&bob.token).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "user_disabled".to_owned()));
    let html = app.page(&to, &admin.session).await.text();
    assert!(html.contains("Account disabled") && html.contains("<dt>State</dt><dd>disabled"));
    assert!(html.contains("Enable account"), "{html}");

    let r = app
        .form(
            &user_path(&bob, "/state"),
            &admin.session,
            &[("csrf_token", csrf), ("state", "active")],
        )
        .await;
    assert_eq!(location(&r), format!("{}?notice=enabled", user_path(&bob, "")));
    assert_eq!(app.me(&bob.token).await.status, 200);
}

#[actix_web::test]
async fn promoting_and_demoting_change_who_sees_the_admin_pages() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let old_session = app.web_login("bob", PASSWORD).await;
    let csrf = admin.csrf.as_str();
    let role = user_path(&bob, "/role");
    let r = app.form(&role, &admin.session, &[("csrf_token", csrf), ("role", "admin")]).await;
    assert_eq!(location(&r), format!("{}?notice=promoted", user_path(&bob, "")));
    assert_eq!(app.me(&bob.token).await.json()["role"], "admin");
    // The admin pages follow the token's scope, granted at login.
    assert_eq!(app.page("/admin", &old_session).await.status, 404);
    let session = app.web_login("bob", PASSWORD).await;
    assert_eq!(app.page("/admin", &session).await.status, 200);

    let r = app.form(&role, &admin.session, &[("csrf_token", csrf), ("role", "user")]).await;
    assert_eq!(location(&r), format!("{}?notice=demoted", user_path(&bob, "")));
    assert_eq!(app.me(&bob.token).await.json()["role"], "user");
    assert_eq!(app.page("/admin", &session).await.status, 404, "at once");
}

#[actix_web::test]
async fn the_quota_form_reads_sizes() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let quota = user_path(&bob, "/quota");
    let csrf = admin.csrf.as_str();
    let r = app.form(&quota, &admin.session, &[("csrf_token", csrf), ("quota", "2GiB")]).await;
    assert_eq!(location(&r), format!("{}?notice=quota", user_path(&bob, "")));
    assert_eq!(app.me(&bob.token).await.json()["quota"], 2_147_483_648_i64);
    let html = app.page(&user_path(&bob, ""), &admin.session).await.text();
    assert!(html.contains("name=\"quota\" value=\"2GiB\""), "{html}");

    location(&app.form(&quota, &admin.session, &[("csrf_token", csrf), ("quota", "1000")]).await);
    assert_eq!(app.me(&bob.token).await.json()["quota"], 1000);

    let r = app.form(&quota, &admin.session, &[("csrf_token", csrf), ("quota", "-5")]).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let html = r.text();
    assert!(html.contains("Quota must be a size") && html.contains("value=\"-5\""), "{html}");
    assert_eq!(app.me(&bob.token).await.json()["quota"], 1000);
}

#[actix_web::test]
async fn force_logout_revokes_every_session_of_the_account() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let app_token = app.login_as(&bob, "app").await;
    let html = app.page(&user_path(&bob, ""), &admin.session).await.text();
    assert!(html.contains("<dt>Live sessions</dt><dd>2</dd>"), "{html}");
    let r =
        app.form(&user_path(&bob, "/logout"), &admin.session, &[("csrf_token", &admin.csrf)]).await;
    assert_eq!(location(&r), format!("{}?notice=logged_out", user_path(&bob, "")));
    for token in [&bob.token, &app_token] {
        let r = app.me(token).await;
        assert_eq!((r.status.as_u16(), r.code()), (401, "token_revoked".to_owned()));
    }
    let html = app.page(&user_path(&bob, ""), &admin.session).await.text();
    assert!(html.contains("<dt>Live sessions</dt><dd>0</dd>"), "{html}");
}

#[actix_web::test]
async fn reset_password_replaces_the_old_one() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let path = user_path(&bob, "/password");
    let csrf = admin.csrf.as_str();
    let mismatch =
        [("csrf_token", csrf), ("new_password", NEW_PASSWORD), ("new_password_confirm", "other")];
    let r = app.form(&path, &admin.session, &mismatch).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("New password does not match"), "{}", r.text());
    assert!(!r.text().contains(NEW_PASSWORD));
    let short =
        [("csrf_token", csrf), ("new_password", "short"), ("new_password_confirm", "short")];
    assert_eq!(app.form(&path, &admin.session, &short).await.status, 400);
    assert_eq!(app.login("bob", PASSWORD).await.status, 200, "unchanged so far");

    let ok = [
        ("csrf_token", csrf),
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    let r = app.form(&path, &admin.session, &ok).await;
    assert_eq!(location(&r), format!("{}?notice=password", user_path(&bob, "")));
    assert_eq!(app.login("bob", PASSWORD).await.status, 401);
    assert_eq!(app.login("bob", NEW_PASSWORD).await.status, 200);
    assert_eq!(app.me(&bob.token).await.status, 401, "old sessions ended");
}

#[actix_web::test]
async fn deleting_an_account_asks_first_then_removes_its_files() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let (one, two) = (b"bob's first file".to_vec(), vec![9u8; 2048]);
    app.upload(&bob.token, "one.txt", &one).await;
    app.upload(&bob.token, "two.bin", &two).await;
    let blobs = [app.blob_path(&one), app.blob_path(&two)];
    assert!(blobs.iter().all(|b| b.exists()));

    let path = user_path(&bob, "/delete");
    let r = app.form(&path, &admin.session, &[("csrf_token", &admin.csrf)]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(html.contains("Delete the account “bob”?"), "{html}");
    assert!(html.contains("all its files: 2 files, 2.0 KiB"), "{html}");
    assert!(html.contains("(2064 bytes)") && html.contains("name=\"confirmed\" value=\"yes\""));
    assert!(blobs.iter().all(|b| b.exists()), "nothing deleted before confirming");
    assert_eq!(app.me(&bob.token).await.status, 200);

    let confirmed = [("csrf_token", admin.csrf.as_str()), ("confirmed", "yes")];
    let r = app.form(&path, &admin.session, &confirmed).await;
    assert_eq!(location(&r), "/admin/users?notice=deleted");
    assert!(blobs.iter().all(|b| !b.exists()), "the blobs left the disk");
    assert_eq!(app.me(&bob.token).await.status, 401);
    assert_eq!(app.login("bob", PASSWORD).await.status, 401);
    let html = app.page("/admin/users?notice=deleted", &admin.session).await.text();
    assert!(html.contains("Account deleted") && !listed(&html, "bob"), "{html}");
    assert!(listed(&html, "root"), "{html}");
    assert_eq!(app.page(&user_path(&bob, ""), &admin.session).await.status, 404);
}

#[actix_web::test]
async fn the_last_admin_cannot_demote_disable_or_delete_themselves() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let csrf = admin.csrf.as_str();
    let attempts = [
        ("/role", vec![("csrf_token", csrf), ("role", "user")]),
        ("/state", vec![("csrf_token", csrf), ("state", "disabled")]),
        ("/delete", vec![("csrf_token", csrf), ("confirmed", "yes")]),
    ];
    for (action, fields) in attempts {
        let r = app.form(&user_path(&admin.user, action), &admin.session, &fields).await;
        assert_eq!(r.status, 409, "{action}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains(
                "<p class=\"error\" role=\"alert\">This would leave the instance without an active administrator"
            ),
            "{action}: {html}"
        );
        assert!(html.contains("<h1>root"), "{action}: shown on the account's page");
    }
    assert_eq!(app.page("/admin", &admin.session).await.status, 200, "still an administrator");
    assert_eq!(app.me(&admin.user.token).await.json()["role"], "admin");
}

#[actix_web::test]
async fn admin_forms_refuse_a_missing_or_forged_csrf_token() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    let bob_session = app.web_login("bob", PASSWORD).await;
    let foreign = app.page_csrf("/files", &bob_session).await;
    let state = user_path(&bob, "/state");
    for token in [None, Some("forged"), Some(foreign.as_str())] {
        let mut fields = vec![("state", "disabled")];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let r = app.form(&state, &admin.session, &fields).await;
        assert_eq!(r.status, 403, "{token:?}: {}", r.text());
        let r = app
            .form(
                "/admin/settings",
                &admin.session,
                &[&fields[..], &[("registration", "closed")]].concat(),
            )
            .await;
        assert_eq!(r.status, 403, "{token:?}: {}", r.text());
    }
    assert_eq!(app.me(&bob.token).await.status, 200, "bob was not disabled");
    app.register("carol").await;
}

#[actix_web::test]
async fn the_audit_page_lists_failed_logins_and_filters_them() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    let bob = app.register("bob").await;
    assert_eq!(app.login("mallory-tried", "guess").await.status, 401);
    let html = app.page("/admin/audit", &admin.session).await.text();
    assert!(html.contains("<td data-label=\"Login tried\">mallory-tried</td>"), "{html}");
    assert_eq!(events(&html, "Failed login"), 1, "{html}");
    assert_eq!(events(&html, "Registered"), 2, "{html}");
    assert_eq!(events(&html, "Logged in"), 1, "{html}");

    let html = app.page("/admin/audit?event=login_failed", &admin.session).await.text();
    assert!(html.contains("mallory-tried"), "{html}");
    assert_eq!(events(&html, "Registered"), 0, "{html}");
    assert!(html.contains("<option value=\"login_failed\" selected>"), "{html}");

    // By account name (or id): bob's own entries only.
    for user in ["bob", bob.id.as_str()] {
        let html = app.page(&format!("/admin/audit?user={user}"), &admin.session).await.text();
        assert_eq!(events(&html, "Registered"), 1, "{html}");
        assert_eq!(events(&html, "Logged in") + events(&html, "Failed login"), 0, "{html}");
    }
    // Free text.
    let html = app.page("/admin/audit?q=mallory", &admin.session).await.text();
    assert_eq!(html.matches("<td data-label=\"Event\">").count(), 1, "{html}");
}

#[actix_web::test]
async fn the_audit_page_pages_older_and_newer() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    for n in 1..=5 {
        app.login(&format!("try-{n}"), "guess").await;
    }
    let logins = |html: &str| -> Vec<String> {
        html.split("<td data-label=\"Login tried\">")
            .skip(1)
            .map(|s| s.split('<').next().unwrap_or_default().to_owned())
            .collect()
    };
    let link = |html: &str, rel: &str| -> Option<String> {
        let end = html.find(&format!("\" rel=\"{rel}\""))?;
        let start = html[..end].rfind("href=\"")? + "href=\"".len();
        Some(html[start..end].replace("&#38;", "&"))
    };
    let first = app.page("/admin/audit?event=login_failed&limit=2", &admin.session).await.text();
    assert_eq!(logins(&first), ["try-5", "try-4"]);
    assert_eq!(link(&first, "prev"), None, "the newest page has nothing newer");
    let second = app.page(&link(&first, "next").expect("older"), &admin.session).await.text();
    assert_eq!(logins(&second), ["try-3", "try-2"]);
    let third = app.page(&link(&second, "next").expect("older"), &admin.session).await.text();
    assert_eq!(logins(&third), ["try-1"]);
    assert_eq!(link(&third, "next"), None, "the oldest page has nothing older");
    let back = app.page(&link(&third, "prev").expect("newer"), &admin.session).await.text();
    assert_eq!(logins(&back), ["try-3", "try-2"]);
    let top = app.page(&link(&back, "prev").expect("newer"), &admin.session).await.text();
    assert_eq!(logins(&top), ["try-5", "try-4"]);
}

/// A page as an administrator, with extra headers and cookies (the language).
async fn page_with<S, B>(
    app: &TestApp<S>,
    path: &str,
    admin: &Admin,
    accept_language: &str,
    lang_cookie: Option<&str>,
) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::get()
        .uri(path)
        .cookie(session_cookie(&admin.session))
        .insert_header(("Accept-Language", accept_language));
    if let Some(lang) = lang_cookie {
        req = req.cookie(actix_web::cookie::Cookie::new("homedisk_lang", lang.to_owned()));
    }
    app.send(req).await
}

#[actix_web::test]
async fn the_admin_pages_speak_chinese_when_the_browser_asks_for_it() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    app.register("bob").await;
    let zh = "zh-CN,zh;q=0.9,en;q=0.8";

    let r = page_with(&app, "/admin?notice=settings", &admin, zh, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
    assert!(html.contains("<h1>管理后台</h1>"), "{html}");
    assert!(
        html.contains(">概览</a>") && html.contains(">审计日志</a>"),
        "the sub-navigation: {html}"
    );
    assert!(html.contains("<dt>账户</dt><dd>2</dd>"), "{html}");
    assert!(
        html.contains("<dt>注册</dt><dd>开放 <span class=\"muted\">（来自环境变量）"),
        "{html}"
    );
    assert!(html.contains("设置已保存"), "the notice: {html}");
    assert!(!html.contains("Instance settings") && !html.contains("Save settings"), "{html}");

    let html = page_with(&app, "/admin/users", &admin, zh, None).await.text();
    assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
    assert!(html.contains("账户 <span class=\"muted\">（2）</span>"), "{html}");
    assert!(html.contains(">新建账户</a>"), "{html}");
    assert!(html.contains("<td data-label=\"角色\">管理员</td>"), "{html}");
    assert!(html.contains("<td data-label=\"角色\">普通用户</td>"), "{html}");
    assert!(html.contains("<td data-label=\"状态\">正常</td>"), "{html}");
    assert!(html.contains("<span class=\"badge\">我</span>"), "{html}");
    assert!(!html.contains("data-label=\"User name\"") && !html.contains(">Last login<"), "{html}");

    // A refused form answers in Chinese too, the domain's message included.
    let bad =
        [("csrf_token", admin.csrf.as_str()), ("registration", "open"), ("default_quota", "lots")];
    let r = app
        .send(
            TestRequest::post()
                .uri("/admin/settings")
                .cookie(session_cookie(&admin.session))
                .insert_header(("Accept-Language", zh))
                .set_form(bad),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("默认配额 须为 2GiB"), "{}", r.text());

    let html = page_with(&app, "/admin/audit", &admin, zh, None).await.text();
    assert!(html.contains("<td data-label=\"事件\">注册</td>"), "{html}");
}

#[actix_web::test]
async fn the_language_cookie_wins_over_accept_language_on_admin_pages() {
    let app = spawn_with(LIMITS).await;
    let admin = app.first_admin().await;
    for path in ["/admin", "/admin/users"] {
        let html = page_with(&app, path, &admin, "en", Some("zh-CN")).await.text();
        assert!(html.contains("<html lang=\"zh-CN\">"), "{path}: {html}");
        assert!(html.contains("aria-label=\"管理后台\""), "{path}: {html}");
        assert!(!html.contains(">Dashboard</a>"), "{path}: {html}");
        // And English, when that is the choice.
        let html = page_with(&app, path, &admin, "zh-CN", Some("en")).await.text();
        assert!(html.contains("<html lang=\"en\">"), "{path}: {html}");
        assert!(
            html.contains(">Dashboard</a>") && html.contains(">Audit log</a>"),
            "{path}: {html}"
        );
    }
}
