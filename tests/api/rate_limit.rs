use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::spawn_with;

fn login_from(ip: &str, login: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{ip}:40000").parse().expect("addr"))
        .set_json(json!({ "login": login, "password": password }))
}

#[actix_web::test]
async fn repeated_logins_on_one_account_get_429_with_retry_after() {
    let app = spawn_with(&[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "3")]).await;
    let alice = app.register("alice").await;
    for _ in 0..3 {
        let r = app.send(login_from("198.51.100.1", "alice", "wrong password")).await;
        assert_eq!(r.status, 401);
    }
    // Even the right password waits: the limit counts attempts, not failures.
    let r = app.send(login_from("198.51.100.2", "alice", &alice.password)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.code(), "rate_limited");
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Another account is not affected, and the account itself is not locked: it refills.
    app.register("bob").await;
    assert_eq!(
        app.send(login_from("198.51.100.3", "bob", "correct horse battery")).await.status,
        200
    );
}

#[actix_web::test]
async fn one_ip_trying_many_accounts_is_limited_too() {
    let app = spawn_with(&[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "2")]).await;
    // Per IP: three times the per-account figure.
    for i in 0..6 {
        let r = app.send(login_from("203.0.113.9", &format!("user{i}"), "whatever!")).await;
        assert_eq!(r.status, 401, "attempt {i}");
    }
    let r = app.send(login_from("203.0.113.9", "user99", "whatever!")).await;
    assert_eq!(r.status, 429);
    assert_eq!(app.send(login_from("203.0.113.10", "user99", "whatever!")).await.status, 401);
}

#[actix_web::test]
async fn every_spelling_of_one_account_shares_its_allowance() {
    let app = spawn_with(&[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "3")]).await;
    let r = app
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "alice", "password": "correct horse battery", "email": "alice@example.org", "phone": "+15550108888" }),
        )
        .await;
    assert_eq!(r.status, 201);
    for (i, login) in ["alice", "ALICE@example.org", "+1 555-010-8888"].into_iter().enumerate() {
        let r =
            app.send(login_from(&format!("198.51.100.{}", 20 + i), login, "wrong password")).await;
        assert_eq!(r.status, 401, "{login}");
    }
    let r = app.send(login_from("198.51.100.30", "(+1) 555 010 8888", "wrong password")).await;
    assert_eq!(r.status, 429, "a fourth spelling is still the same account");
}

/// Two nodes on one PostgreSQL database (two app instances here, each with its own memory)
/// share the login limits: attempts alternating between them are counted together. On SQLite
/// there is only ever one node; the test then checks that one instance alone still limits.
#[actix_web::test]
async fn login_limits_hold_across_nodes_sharing_the_database() {
    let first = spawn_with(&[("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "4")]).await;
    let url = first.state.config.database.url.clone();
    let shared = match &url {
        homedisk::db::DatabaseUrl::Postgres(secret) => {
            Some(secrecy::ExposeSecret::expose_secret(secret).to_owned())
        }
        homedisk::db::DatabaseUrl::Sqlite(_) => None,
    };
    let second = match &shared {
        Some(url) => Some(
            spawn_with(&[
                ("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "4"),
                ("HOMEDISK_DATABASE_URL", url.as_str()),
            ])
            .await,
        ),
        None => None,
    };
    first.register("alice").await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let req = login_from(&format!("198.51.100.{i}"), "alice", "wrong password");
        let r = match (&second, i % 2) {
            (Some(node), 1) => node.send(req).await,
            _ => first.send(req).await,
        };
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429], "4 a minute, whichever node answers");
}
