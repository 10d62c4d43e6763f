//! Which database the tests run on. Without `HOMEDISK_TEST_DATABASE_URL` every test app gets a
//! SQLite file in its temp dir (the default). With it (`postgres://USER@HOST:PORT`, a server
//! the run started, see tests/postgres.sh), every test app gets a PostgreSQL database of its
//! own, copied from a template migrated once per test process: tests stay parallel and never
//! see each other's rows.

use std::sync::OnceLock;

use diesel::{Connection, RunQueryDsl};

pub const SERVER_VAR: &str = "HOMEDISK_TEST_DATABASE_URL";

/// The PostgreSQL server the tests use, when the run has one.
pub fn postgres_server() -> Option<String> {
    std::env::var(SERVER_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.trim_end_matches('/').to_owned())
}

pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// The `HOMEDISK_DATABASE_URL` of a new, migrated, empty database; `None` on SQLite (the app
/// then makes its file in its data dir).
pub fn fresh_url() -> Option<String> {
    let server = postgres_server()?;
    let template = template(&server);
    let name = format!("hd_{}", uuid::Uuid::new_v4().simple());
    admin(&server, &format!("CREATE DATABASE {name} TEMPLATE {template}"));
    Some(format!("{server}/{name}"))
}

/// The URL of a new database with no tables at all (PostgreSQL runs only).
pub fn empty_url() -> Option<String> {
    let server = postgres_server()?;
    let name = format!("hd_{}", uuid::Uuid::new_v4().simple());
    admin(&server, &format!("CREATE DATABASE {name}"));
    Some(format!("{server}/{name}"))
}

/// The migrated template of this process (created on first use).
fn template(server: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("hd_template_{}", std::process::id());
        admin(server, &format!("DROP DATABASE IF EXISTS {name}"));
        admin(server, &format!("CREATE DATABASE {name}"));
        let options = homedisk::db::DbOptions {
            url: homedisk::db::DatabaseUrl::parse(&format!("{server}/{name}")).expect("url"),
            pool_size: 1,
            statement_timeout: std::time::Duration::from_secs(60),
        };
        // Migrates, then closes its connection: a template must have none open.
        drop(homedisk::db::connect(&options).expect("migrate the template database"));
        name
    })
}

/// Runs `sql` on the server's `postgres` database, retrying while another test's CREATE
/// DATABASE holds the template (PostgreSQL copies one template at a time).
pub fn admin(server: &str, sql: &str) {
    if let Err(e) = try_admin(server, sql) {
        panic!("{e}");
    }
}

fn try_admin(server: &str, sql: &str) -> Result<(), String> {
    let mut conn = diesel::PgConnection::establish(&format!("{server}/postgres"))
        .map_err(|e| format!("{SERVER_VAR}: cannot connect to {server}: {e}"))?;
    let mut tries = 0;
    loop {
        match diesel::sql_query(sql).execute(&mut conn) {
            Ok(_) => return Ok(()),
            Err(e) if tries < 50 && e.to_string().contains("being accessed by other users") => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 * tries));
            }
            Err(e) => return Err(format!("{sql}: {e}")),
        }
    }
}

/// Drops a database made by [`fresh_url`] when the test is done with it (`WITH (FORCE)` ends
/// connections still open), so that a PostgreSQL run does not keep about 7 MB per test on
/// the disk until the server goes. Nothing on SQLite (the file goes with the temp dir).
pub struct DropOnExit(Option<String>);

impl DropOnExit {
    pub fn new(url: Option<String>) -> Self {
        DropOnExit(url)
    }
}

impl Drop for DropOnExit {
    fn drop(&mut self) {
        let (Some(url), Some(server)) = (self.0.take(), postgres_server()) else { return };
        let Some(name) = url.rsplit('/').next().filter(|n| n.starts_with("hd_")) else { return };
        // Never a panic in a drop (it would abort a test that is already failing).
        if let Err(e) = try_admin(&server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        {
            eprintln!("could not drop the test database {name}: {e}");
        }
    }
}

/// Where a test app's database is: the fresh PostgreSQL database, or the SQLite file of
/// `data_dir`.
pub fn options(url: Option<&str>, data_dir: &std::path::Path) -> homedisk::db::DbOptions {
    match url {
        Some(url) => homedisk::db::DbOptions {
            url: homedisk::db::DatabaseUrl::parse(url).expect("url"),
            pool_size: 2,
            statement_timeout: std::time::Duration::from_secs(30),
        },
        None => homedisk::db::DbOptions::sqlite(
            data_dir.join("homedisk.db").to_str().expect("utf-8 path"),
        ),
    }
}
