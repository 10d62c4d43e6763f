//! The grant cache across nodes (PostgreSQL): two app instances on one database, each with
//! its own memory. Node B answers previews from memory; a grant ended on node A is refused by
//! B once B's listener has heard the notification (`db::listen`, migration `grant_notify`);
//! while B's listener is cut, B answers nothing from memory. On SQLite there is only ever one
//! node (the data directory's lock): these tests have nothing to check there.

use std::time::{Duration, Instant};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use diesel::connection::SimpleConnection;
use homedisk::db::DatabaseUrl;
use serde_json::json;

use crate::grant_cache::{until, warm};
use crate::helpers::{PASSWORD, TestApp, TestUser, spawn_with};
use crate::preview::{PreviewApi, claims_of, jpeg_of, quadrants};

/// The URL of `app`'s database when a second node can share it (PostgreSQL).
fn shared_database<S>(app: &TestApp<S>) -> Option<String> {
    match &app.state.config.database.url {
        DatabaseUrl::Postgres(url) => Some(secrecy::ExposeSecret::expose_secret(url).to_owned()),
        DatabaseUrl::Sqlite(_) => None,
    }
}

/// Every way a grant ends, done on node A.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Logout,
    RevokeSession,
    LogoutAll,
    PasswordChange,
    Disable,
    FileDelete,
}

const ENDINGS: [Ending; 6] = [
    Ending::Logout,
    Ending::RevokeSession,
    Ending::LogoutAll,
    Ending::PasswordChange,
    Ending::Disable,
    Ending::FileDelete,
];

/// A user of node A with a second (app) session, a photo uploaded through node B, and a
/// preview token of each session, both answered from B's memory.
struct Warmed {
    user: TestUser,
    phone: String,
    id: String,
    mine: String,
    phones: String,
}

async fn warmed_on_b<S, B>(a: &TestApp<S>, b: &TestApp<S>, name: &str) -> Warmed
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let user = a.register(name).await;
    let phone = a.login_as(&user, "app").await;
    let id = b.upload_id(&user.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let mine = b.preview_token(&user.token, &id, None).await;
    let phones = b.preview_token(&phone, &id, None).await;
    warm(b, &id, &mine).await;
    warm(b, &id, &phones).await;
    Warmed { user, phone, id, mine, phones }
}

/// Ends one of `w`'s grants on node A the way `how` says; returns the preview token whose
/// grant ended and the answer node B must give it.
async fn end_on<S, B>(
    a: &TestApp<S>,
    how: Ending,
    w: &Warmed,
    admin: &TestUser,
) -> (String, u16, &'static str)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let bearer = |token: &str| ("Authorization", format!("Bearer {token}"));
    let (req, token, status, code) = match how {
        Ending::Logout => {
            (TestRequest::post().uri("/api/v1/auth/logout"), &w.mine, 401, "token_revoked")
        }
        Ending::RevokeSession => {
            let sid = claims_of(&w.phone)["sid"].as_str().expect("sid").to_owned();
            let req = TestRequest::delete().uri(&format!("/api/v1/sessions/{sid}"));
            (req, &w.phones, 401, "token_revoked")
        }
        Ending::LogoutAll => {
            (TestRequest::post().uri("/api/v1/auth/logout-all"), &w.mine, 401, "token_revoked")
        }
        Ending::PasswordChange => {
            let body = json!({ "current_password": PASSWORD, "new_password": "a new password" });
            let req = TestRequest::put().uri("/api/v1/me/password").set_json(body);
            (req, &w.phones, 401, "token_revoked")
        }
        Ending::Disable => {
            let req = TestRequest::patch()
                .uri(&format!("/api/v1/admin/users/{}", w.user.id))
                .insert_header(bearer(&admin.token))
                .set_json(json!({ "state": "disabled" }));
            let r = a.send(req).await;
            assert_eq!(r.status, 200, "{how:?}: {}", r.text());
            return (w.mine.clone(), 403, "user_disabled");
        }
        Ending::FileDelete => {
            let req = TestRequest::delete().uri(&format!("/api/v1/files/{}", w.id));
            (req, &w.mine, 404, "not_found")
        }
    };
    let r = a.send(req.insert_header(bearer(&w.user.token))).await;
    assert!(r.status.is_success(), "{how:?} on node A: {} {}", r.status, r.text());
    (token.clone(), status, code)
}

#[actix_web::test]
async fn every_way_a_grant_ends_on_one_node_refuses_the_next_preview_on_the_other() {
    let a = spawn_with(&[]).await;
    let Some(url) = shared_database(&a) else { return };
    let b = spawn_with(&[("HOMEDISK_DATABASE_URL", url.as_str())]).await;
    let admin = a.register("admin").await;
    for (i, how) in ENDINGS.into_iter().enumerate() {
        let w = warmed_on_b(&a, &b, &format!("user{i}")).await;
        let heard = b.state.grants.heard();
        let (token, status, code) = end_on(&a, how, &w, &admin).await;
        until("node B hears of it", || b.state.grants.heard() > heard).await;
        let r = b.preview(&w.id, "sm", &token).await;
        assert_eq!((r.status.as_u16(), r.code().as_str()), (status, code), "{how:?}");
        if let Ending::PasswordChange = how {
            let r = b.preview(&w.id, "sm", &w.mine).await;
            assert_eq!(r.status, 200, "the session that changed the password goes on");
        }
    }
}

#[actix_web::test]
async fn a_node_that_cannot_hear_the_others_answers_nothing_from_memory_until_it_can() {
    let a = spawn_with(&[]).await;
    let Some(url) = shared_database(&a) else { return };
    let b = spawn_with(&[("HOMEDISK_DATABASE_URL", url.as_str())]).await;
    let w = warmed_on_b(&a, &b, "alice").await;

    // The listeners' connections end and cannot come back: the pools keep theirs.
    let server = crate::database::postgres_server().expect("a PostgreSQL run");
    let name = url.rsplit('/').next().expect("database name");
    crate::database::admin(&server, &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    crate::database::admin(
        &server,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' \
             AND application_name = '{}'",
            homedisk::db::listen::APPLICATION_NAME
        ),
    );
    until("node B notices", || !b.state.grants.trusted()).await;
    let hits = b.state.grants.hits();
    for _ in 0..5 {
        assert_eq!(b.preview(&w.id, "sm", &w.mine).await.status, 200);
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    // A revocation node B cannot hear of is refused at once all the same.
    let r = a.post_bearer("/api/v1/auth/logout", &w.phone).await;
    assert_eq!(r.status, 204);
    let r = b.preview(&w.id, "sm", &w.phones).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (401, "token_revoked"));
    assert_eq!(b.state.grants.hits(), hits, "nothing was answered from memory meanwhile");
    let log = b.log.text();
    assert!(log.contains("lost the connection that hears the other nodes' writes"), "{log}");

    crate::database::admin(&server, &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    until("node B hears again", || b.state.grants.trusted()).await;
    warm(&b, &w.id, &w.mine).await;
    let log = b.log.text();
    assert!(log.contains("hearing the other nodes' writes again"), "{log}");
}

/// What the grants cannot depend on notifies nobody (a session's use, its renewal, storage
/// used, a star, a new login or upload); each column the grant reads does, once. Notifications
/// arrive in commit order, so when a marker committed last has been heard, anything before
/// it that notified has been counted too.
#[actix_web::test]
async fn only_changes_a_grant_depends_on_notify_the_other_nodes() {
    let a = spawn_with(&[]).await;
    let Some(url) = shared_database(&a) else { return };
    let b = spawn_with(&[("HOMEDISK_DATABASE_URL", url.as_str())]).await;
    let w = warmed_on_b(&a, &b, "alice").await;
    let (sid, uid, fid) = (&w.user.session_id, &w.user.id, &w.id);
    let quiet = [
        format!("UPDATE sessions SET last_used_at = now(), ip = '203.0.113.9' WHERE id = '{sid}'"),
        format!(
            "UPDATE sessions SET expires_at = expires_at + interval '1 hour' WHERE id = '{sid}'"
        ),
        format!(
            "UPDATE users SET storage_used = storage_used + 1, last_login_at = now() WHERE id = '{uid}'"
        ),
        format!("UPDATE files SET starred = true, parent_id = NULL WHERE id = '{fid}'"),
    ];
    let heard = b.state.grants.heard();
    for sql in &quiet {
        a.conn().batch_execute(sql).expect(sql);
    }
    a.login_as(&w.user, "web").await;
    b.upload_id(&w.user.token, "another.jpg", &jpeg_of(&quadrants())).await;
    let marker = format!("UPDATE sessions SET revoked_at = now() WHERE id = '{sid}'");
    a.conn().batch_execute(&marker).expect("marker");
    until("the marker is heard", || b.state.grants.heard() > heard).await;
    assert_eq!(b.state.grants.heard(), heard + 1, "only the marker notified");

    // A bystander's previews keep node B's cache in use, so its listener reads promptly.
    let bob = a.register("bob").await;
    let bobs = b.upload_id(&bob.token, "bob.jpg", &jpeg_of(&quadrants())).await;
    let loud = [
        format!("UPDATE sessions SET revoked_at = NULL WHERE id = '{sid}'"),
        format!(
            "UPDATE sessions SET expires_at = expires_at - interval '1 minute' WHERE id = '{sid}'"
        ),
        format!("UPDATE sessions SET client = 'app' WHERE id = '{sid}'"),
        format!("UPDATE users SET state = 'disabled' WHERE id = '{uid}'"),
        format!("UPDATE files SET name = 'renamed.jpg' WHERE id = '{fid}'"),
        format!("UPDATE files SET mime = 'image/png', modified_at = now() WHERE id = '{fid}'"),
        format!("UPDATE files SET trashed_at = now() WHERE id = '{fid}'"),
        format!("DELETE FROM files WHERE id = '{fid}'"),
        format!("DELETE FROM sessions WHERE id = '{sid}'"),
        format!("DELETE FROM users WHERE id = '{uid}'"),
    ];
    for sql in &loud {
        assert_eq!(b.preview(&bobs, "sm", &bob.token).await.status, 200);
        let heard = b.state.grants.heard();
        a.conn().batch_execute(sql).expect(sql);
        until(sql, || b.state.grants.heard() > heard).await;
    }
}

/// Not a check: how long after a commit on one node the other node's epoch moves, over 200
/// revocations (docs/benchmarks.md). On PostgreSQL only:
/// `cargo test --release --test api staleness -- --ignored --nocapture`.
#[actix_web::test]
#[ignore]
async fn staleness_across_nodes() {
    let a = spawn_with(&[]).await;
    let Some(url) = shared_database(&a) else { return };
    let b = spawn_with(&[("HOMEDISK_DATABASE_URL", url.as_str())]).await;
    let alice = a.register("alice").await;
    // A preview of another session before each commit keeps node B's cache in use (each
    // commit empties it), so its listener polls as it does while serving previews.
    let phone = a.login_as(&alice, "app").await;
    let id = b.upload_id(&phone, "photo.jpg", &jpeg_of(&quadrants())).await;
    until("node B listens", || b.state.grants.trusted()).await;
    let mut conn = a.conn();
    let (mut after_commit_sent, mut commit) = (Vec::new(), Vec::new());
    for i in 0..400 {
        assert_eq!(b.preview(&id, "sm", &phone).await.status, 200);
        // Commits at every phase of the listener's poll, not in step with it.
        std::thread::sleep(Duration::from_micros((i * 7919) % 5000));
        let heard = b.state.grants.heard();
        let to = if i % 2 == 0 { "now()" } else { "NULL" };
        let sid = &alice.session_id;
        let sql = format!("BEGIN; UPDATE sessions SET revoked_at = {to} WHERE id = '{sid}'");
        conn.batch_execute(&sql).expect("update");
        let sent = Instant::now();
        conn.batch_execute("COMMIT").expect("commit");
        let committed = sent.elapsed();
        while b.state.grants.heard() == heard {
            assert!(sent.elapsed() < Duration::from_secs(5), "never heard");
            std::thread::sleep(Duration::from_micros(20));
        }
        if i % 2 == 0 {
            after_commit_sent.push(sent.elapsed());
            commit.push(committed);
        }
    }
    let show = |name: &str, mut v: Vec<Duration>| {
        v.sort();
        let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        println!(
            "{name}: median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms (n = {})",
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0),
            v.len()
        );
    };
    show("COMMIT sent on A → B's epoch moved", after_commit_sent);
    show("COMMIT round trip on A", commit);
}

/// How many grant listeners are connected to database `name` of `server`.
fn listeners(server: &str, name: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = diesel::PgConnection::establish(&format!("{server}/postgres")).expect("connect");
    let sql = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{name}' \
         AND application_name = '{}'",
        homedisk::db::listen::APPLICATION_NAME
    );
    diesel::sql_query(sql).get_result::<Count>(&mut conn).expect("count").n
}

#[actix_web::test]
async fn admin_commands_open_the_database_without_a_grant_listener() {
    let (Some(server), Some(url)) =
        (crate::database::postgres_server(), crate::database::fresh_url())
    else {
        return;
    };
    let _drop = crate::database::DropOnExit::new(Some(url.clone()));
    let name = url.rsplit('/').next().expect("database name").to_owned();
    let dir = tempfile::TempDir::new().expect("tmp");
    let config = crate::helpers::test_config(&dir, &[("HOMEDISK_DATABASE_URL", url.as_str())]);

    // What `homedisk admin …` opens: the database and the store, no listener.
    let basics = homedisk::startup::open_basics(config.clone()).expect("open");
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(listeners(&server, &name), 0, "an admin command listens to nothing");
    drop(basics);

    // The server's state does listen (so the count above could have seen one).
    let state = homedisk::startup::build_state(config).expect("state");
    let started = Instant::now();
    while listeners(&server, &name) == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "the server's listener connects");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    drop(state);
}
