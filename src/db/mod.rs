//! The database: connection pool, per-connection settings, embedded migrations, and [`run`],
//! the one way handlers reach a connection (on the blocking pool, never on the executor).
//!
//! Queries live in `models/<table>.rs` as plain `fn(&mut DbConn, ...) -> QueryResult<T>`.

pub mod ids;
pub mod models;
pub mod schema;
pub mod sql;

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

pub type DbConn = SqliteConnection;
pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// SQLite settings every connection needs: WAL so readers never wait for the writer, foreign
/// keys (off by default in SQLite), a busy timeout instead of instant `SQLITE_BUSY`, and
/// `synchronous=FULL` so a committed row survives power loss.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA foreign_keys = ON;
     PRAGMA busy_timeout = 5000;
     PRAGMA synchronous = FULL;";

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(SQLITE_PRAGMAS).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Errors of opening the database at start-up.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: diesel::ConnectionError },
    #[error("cannot prepare the database {path}: {source}")]
    Prepare { path: String, source: diesel::result::Error },
    #[error("cannot apply the database migrations: {0}")]
    Migrate(Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// Opens the SQLite file, applies pending migrations, then builds the pool.
pub fn connect(path: &str) -> Result<DbPool, DbSetupError> {
    let mut conn = DbConn::establish(path)
        .map_err(|source| DbSetupError::Open { path: path.to_owned(), source })?;
    conn.batch_execute(SQLITE_PRAGMAS)
        .map_err(|source| DbSetupError::Prepare { path: path.to_owned(), source })?;
    conn.run_pending_migrations(MIGRATIONS).map_err(DbSetupError::Migrate)?;
    drop(conn);

    let pool = Pool::builder()
        .max_size(8)
        // A local SQLite file does not drop connections; the default test runs `SELECT 1`
        // before every checkout.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(ConnectionManager::<DbConn>::new(path))?;
    Ok(pool)
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    crate::blocking::run(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Runs `f` as one write transaction: `BEGIN IMMEDIATE` on SQLite, which takes the write lock
/// up front, so two writers never both read and then deadlock upgrading to write (the busy
/// timeout then orders them). Every write of more than one statement goes through here; no
/// other module starts a transaction.
pub fn write<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.immediate_transaction(f)
}

/// The unique column (`table.column`) that `e` tried to duplicate, when `e` is a database
/// unique violation (two writers racing for one name, say). SQLite names the column only in
/// its message (`UNIQUE constraint failed: users.email`), read here and nowhere else; a server
/// database reports the constraint, mapped back to its column here as well.
pub fn unique_violation(e: &AppError) -> Option<String> {
    use diesel::result::{DatabaseErrorKind, Error};
    let AppError::Internal(inner) = e else { return None };
    match inner.downcast_ref::<Error>()? {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            if let Some(constraint) = info.constraint_name() {
                return Some(constraint.to_owned());
            }
            let column = info.message().rsplit(": ").next().unwrap_or_default();
            Some(column.split(',').next().unwrap_or_default().trim().to_owned())
        }
        _ => None,
    }
}

/// Runs a short read `f` on the calling thread when a pooled connection is free at once, and
/// on the blocking pool otherwise. Only for hot read paths whose queries are point lookups by
/// primary key: measured at ≈ 5 µs inline against 50–80 µs through the blocking pool (see
/// docs/benchmarks.md). Never for writes, which may wait on SQLite's lock.
pub async fn read_inline<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    match pool.try_get() {
        Some(mut conn) => f(&mut conn),
        None => run(pool, f).await,
    }
}
