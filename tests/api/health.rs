use actix_web::test::TestRequest;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn healthz_answers_ok_when_the_database_does() {
    let app = spawn_app().await;
    let r = app.send(TestRequest::get().uri("/healthz")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
}

/// The PostgreSQL run of the suite must really be on PostgreSQL (and the default on SQLite).
#[actix_web::test]
async fn the_suite_runs_on_the_database_the_run_asked_for() {
    let app = spawn_app().await;
    let conn = app.conn();
    let on_postgres = matches!(*conn, homedisk::db::DbConn::Pg(_));
    assert_eq!(on_postgres, crate::database::on_postgres());
    let required = std::env::var("HOMEDISK_TEST_POSTGRES").is_ok_and(|v| v == "required");
    assert!(
        on_postgres || !required,
        "HOMEDISK_TEST_POSTGRES=required, but no {}",
        crate::database::SERVER_VAR
    );
}

#[actix_web::test]
async fn a_malformed_or_unreachable_database_url_stops_start_up_by_name_without_its_password() {
    let dir = tempfile::TempDir::new().expect("tmp");
    let secret = crate::helpers::TEST_SECRET;
    for (url, expect) in [
        ("mysql://root:hunter2@db/x", "unsupported scheme `mysql`"),
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        (
            "postgres://homedisk:hunter2@127.0.0.1:9/homedisk",
            "cannot connect to postgres://homedisk:***@127.0.0.1:9/homedisk",
        ),
    ] {
        let config = homedisk::config::Config::from_lookup(|name| match name {
            "HOMEDISK_DATA_DIR" => Some(dir.path().to_string_lossy().into_owned()),
            "HOMEDISK_DATABASE_URL" => Some(url.to_owned()),
            "HOMEDISK_SECRET_KEY" => Some(secret.to_owned()),
            _ => None,
        });
        let message = match config {
            Err(e) => e.to_string(),
            Ok(config) => match homedisk::startup::build_state(config) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{url} started"),
            },
        };
        assert!(message.contains("HOMEDISK_DATABASE_URL"), "{message}");
        assert!(message.contains(expect), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/healthz", "/login", "/api/v1/me", "/no/such/page", "/api/v1/nope"] {
        let r = app.send(TestRequest::get().uri(path)).await;
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}

#[actix_web::test]
async fn unknown_routes_answer_404_in_the_format_of_their_area() {
    let app = spawn_app().await;
    let api = app.send(TestRequest::get().uri("/api/v1/does-not-exist")).await;
    assert_eq!(api.status, 404);
    assert_eq!(api.code(), "not_found");
    let page = app.send(TestRequest::get().uri("/does-not-exist")).await;
    assert_eq!(page.status, 404);
    assert!(page.header("content-type").unwrap_or_default().starts_with("text/html"));
    assert!(page.text().contains("404"));
}

#[actix_web::test]
async fn the_first_start_creates_the_data_dir_and_a_private_key_only_without_a_configured_key() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::TempDir::new().expect("tmp");
    let data = dir.path().join("nested/data");
    let config = homedisk::config::Config::from_lookup(|name| match name {
        "HOMEDISK_DATA_DIR" => Some(data.to_string_lossy().into_owned()),
        "HOMEDISK_BCRYPT_COST" => Some("4".into()),
        _ => None,
    })
    .expect("config");
    homedisk::startup::build_state(config).expect("state");
    let key = data.join("secret.key");
    let mode = std::fs::metadata(&key).expect("key file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(&key).expect("read").len(), 64);
    assert!(data.join("homedisk.db").exists());
    let dir_mode = std::fs::metadata(&data).expect("dir").permissions().mode();
    assert_eq!(dir_mode & 0o077, 0, "data dir is owner-only");
}

/// PostgreSQL restarted or failed over: the pooled connections are dead. Each dead one fails
/// one request at most and is replaced; the node does not keep handing out dead connections.
#[actix_web::test]
async fn connections_the_database_server_closed_are_replaced() {
    use diesel::{Connection, RunQueryDsl};
    let Some(server) = crate::database::postgres_server() else {
        eprintln!("skipped: a PostgreSQL-only behaviour (set {})", crate::database::SERVER_VAR);
        return;
    };
    let app = crate::helpers::spawn_app().await;
    let user = app.register("alice").await;
    assert_eq!(app.me(&user.token).await.status, 200);
    let database = match &app.state.config.database.url {
        homedisk::db::DatabaseUrl::Postgres(url) => {
            let url = secrecy::ExposeSecret::expose_secret(url).to_owned();
            url.rsplit('/').next().expect("database name").to_owned()
        }
        homedisk::db::DatabaseUrl::Sqlite(_) => unreachable!("on PostgreSQL"),
    };
    let mut admin = diesel::PgConnection::establish(&format!("{server}/postgres")).expect("admin");
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    ))
    .execute(&mut admin)
    .expect("terminate");
    let pool_size = app.state.config.database.pool_size as usize;
    let mut statuses = Vec::new();
    for _ in 0..pool_size + 3 {
        statuses.push(app.me(&user.token).await.status.as_u16());
    }
    eprintln!("statuses after the server closed the connections: {statuses:?}");
    let failed = statuses.iter().filter(|s| **s != 200).count();
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 503)),
        "a dead connection is a 503: {statuses:?}"
    );
    assert!(failed <= pool_size, "{statuses:?}");
    assert_eq!(statuses[pool_size..], [200, 200, 200], "{statuses:?}");
}
