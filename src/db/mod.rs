//! The database: connection pool, per-connection settings, embedded migrations, and [`run`],
//! the one way handlers reach a connection (on the blocking pool, never on the executor).
//!
//! Queries live in `models/<table>.rs` as plain `fn(&mut DbConn, ...) -> QueryResult<T>`.

mod connection;
pub mod ids;
pub mod listen;
pub mod models;
pub mod schema;
pub mod sql;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::{Pool, PooledConnection};
use diesel::{QueryResult, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use connection::{ConnectError, DatabaseUrl, DbConn, Manager, WriteEpoch};
pub use listen::Listening;

use crate::error::AppError;

pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The PostgreSQL advisory lock held while migrations run, so that two nodes starting together
/// do not both apply them (any constant unlikely to be used by another application).
const MIGRATION_LOCK: i64 = 0x686f_6d65_6469_736b; // "homedisk"

/// Runs the same query builder expression on whichever connection `conn` holds: for the
/// queries diesel cannot route through the `MultiConnection` enum (`ON CONFLICT` upserts),
/// which still compile for each concrete connection.
/// `on_each_backend!(conn, |c| query.execute(c))`.
#[macro_export]
macro_rules! on_each_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

/// Errors of opening the database at start-up.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("HOMEDISK_DATABASE_URL: {0}")]
    Open(#[from] ConnectError),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// How to reach the database and how many connections to keep.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: DatabaseUrl,
    pub pool_size: u32,
    pub statement_timeout: Duration,
}

impl DbOptions {
    /// A SQLite file with the default pool (tools and tests).
    pub fn sqlite(path: &str) -> Self {
        DbOptions {
            url: DatabaseUrl::Sqlite(path.to_owned()),
            pool_size: 8,
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Opens the database, applies pending migrations, then builds the pool.
pub fn connect(options: &DbOptions) -> Result<DbPool, DbSetupError> {
    connect_watched(options).map(|(pool, _)| pool)
}

/// [`connect`], with the pool's [`WriteEpoch`].
pub fn connect_watched(options: &DbOptions) -> Result<(DbPool, WriteEpoch), DbSetupError> {
    let manager = Manager::new(options.url.clone(), options.statement_timeout);
    let epoch = manager.epoch();
    let mut conn = manager.open()?;
    migrate(&mut conn).map_err(DbSetupError::Migrate)?;
    drop(conn);

    let pool = Pool::builder()
        .max_size(options.pool_size)
        // A local SQLite file does not drop connections, and a PostgreSQL connection that did
        // fails its query, which is retried by the client; the default test runs `SELECT 1`
        // before every checkout (a round trip per request on PostgreSQL).
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok((pool, epoch))
}

/// Applies pending migrations. On PostgreSQL under an advisory lock, taken only when something
/// is pending, so that nodes starting together apply them once and a restart costs nothing.
fn migrate(conn: &mut DbConn) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match conn {
        DbConn::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS)?;
        }
        DbConn::Pg(c) => {
            // Asked without creating anything: diesel's own check first creates its table
            // with CREATE TABLE IF NOT EXISTS, which is not safe against a concurrent one
            // (found by tests/api/races.rs: duplicate key in pg_type).
            let known = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "to_regclass('__diesel_schema_migrations') IS NOT NULL",
            ))
            .get_result::<bool>(c)?;
            if known && !c.has_pending_migration(POSTGRES_MIGRATIONS)? {
                return Ok(());
            }
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            let applied = applied?;
            tracing::info!(applied, "database migrations applied");
        }
    }
    Ok(())
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    pooled(pool, f, false).await
}

async fn pooled<T, F>(pool: &DbPool, f: F, reads_only: bool) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    crate::blocking::run(move || {
        let asked = std::time::Instant::now();
        let mut conn = pool.get()?;
        crate::metrics::pool_wait(asked.elapsed());
        let result = f(&mut conn);
        discard_if_closed(&mut conn, &result);
        give_back(conn, reads_only);
        result
    })
    .await?
}

fn give_back(conn: PooledConn, reads_only: bool) {
    if reads_only { connection::return_quietly(conn) } else { drop(conn) }
}

/// Marks `conn` broken when `result` says its server connection was closed (a PostgreSQL
/// restart or failover, an idle connection cut by the network), so the pool drops it instead
/// of handing the dead connection to request after request (diesel's PostgreSQL connection
/// does not notice by itself; the pool tests nothing on checkout, which would cost a round
/// trip per request).
fn discard_if_closed<T>(conn: &mut DbConn, result: &Result<T, AppError>) {
    use diesel::result::{DatabaseErrorKind, Error};
    let Err(AppError::DatabaseUnavailable(inner)) = result else { return };
    if let Some(Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) =
        inner.downcast_ref::<Error>()
    {
        tracing::warn!("a database connection was closed by the server; it is replaced");
        DbConn::transaction_manager_status_mut(conn).set_in_error();
    }
}

/// Runs `f` as one write transaction. On SQLite `BEGIN IMMEDIATE`, which takes the write
/// lock up front, so two writers never both read and then deadlock upgrading to write (the
/// busy timeout then orders them). On PostgreSQL a plain `BEGIN` (read committed): its writes
/// lock rows, and the queries in `models/` are written to be correct under that (conditional
/// updates, upserts, [`lock_blob`]). Every write of more than one statement goes through
/// here; no other module starts a transaction.
pub fn write<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            DbConn::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            DbConn::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Serializes, until the end of the caller's [`write`] transaction, everything that changes
/// whether the blob `sha256` has a row and bytes: an upload reusing it and the removal of its
/// last reference's bytes. SQLite's `BEGIN IMMEDIATE` already makes every write transaction
/// exclusive; PostgreSQL takes a transaction-scoped advisory lock keyed by the hash (in the
/// two-key space, which never meets the one-key locks used elsewhere).
pub fn lock_blob(conn: &mut DbConn, sha256: &str) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        DbConn::Pg(c) => {
            let key = sha256.get(..8).and_then(|h| u32::from_str_radix(h, 16).ok()).unwrap_or(0);
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({BLOB_LOCKS}, {})", key as i32))
                .execute(c)
                .map(drop)
        }
    }
}

/// Serializes, until the end of the caller's [`write`] transaction, the changes that count
/// accounts before deciding: the first registration becoming the administrator, and taking
/// the last active administrator away. Under read committed two such transactions would both
/// count what the other is about to change. SQLite's `BEGIN IMMEDIATE` already serializes.
pub fn lock_accounts(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({ACCOUNT_LOCKS}, 0)"))
                .execute(c)
                .map(drop)
        }
    }
}

/// Serializes, until the end of the caller's [`write`] transaction, every change to `owner`'s
/// folder tree: a create, rename, move, upload commit or delete. Under read committed two such
/// transactions would each check a name, a parent or a path that the other is changing (two
/// folders moved into each other form a cycle; two creates of one name meet the unique index
/// as a 500). SQLite's `BEGIN IMMEDIATE` already serializes.
pub fn lock_tree(conn: &mut DbConn, owner: &crate::db::ids::UserId) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        DbConn::Pg(c) => {
            let hex: String =
                owner.as_str().chars().filter(char::is_ascii_hexdigit).take(8).collect();
            let key = u32::from_str_radix(&hex, 16).unwrap_or(0);
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({TREE_LOCKS}, {})", key as i32))
                .execute(c)
                .map(drop)
        }
    }
}

/// The first key of the tree locks (see [`lock_tree`]).
const TREE_LOCKS: i32 = 0x6864_6b74; // "hdkt"

/// The first key of the account locks (see [`lock_accounts`]).
const ACCOUNT_LOCKS: i32 = 0x6864_6b61; // "hdka"

/// The first key of the blob locks' two-key advisory lock space.
const BLOB_LOCKS: i32 = 0x6864_6b62; // "hdkb"

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
                return Some(constraint_column(constraint).to_owned());
            }
            let column = info.message().rsplit(": ").next().unwrap_or_default();
            Some(column.split(',').next().unwrap_or_default().trim().to_owned())
        }
        _ => None,
    }
}

/// The `table.column` a PostgreSQL unique constraint guards (named in the migrations), so
/// that callers see the same answer as on SQLite.
fn constraint_column(constraint: &str) -> &str {
    match constraint {
        "users_username_key" => "users.username",
        "users_email_key" => "users.email",
        "users_phone_key" => "users.phone",
        "files_name_in_folder" => "files.name",
        "users_pkey" => "users.id",
        "sessions_pkey" => "sessions.id",
        "files_pkey" => "files.id",
        "blobs_pkey" => "blobs.sha256",
        other => other,
    }
}

/// Runs a short read `f` on the calling thread when a pooled connection is free at once, and
/// on the blocking pool otherwise. Only for hot read paths whose queries are point lookups by
/// primary key: measured at ≈ 5 µs inline against 50–80 µs through the blocking pool (see
/// docs/benchmarks.md). Never for writes, which may wait on SQLite's lock. Only on SQLite: a
/// PostgreSQL query is a network round trip, and a slow server must not stall every request
/// this executor thread serves, so there it always goes to the blocking pool.
pub async fn read_inline<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    inline_or_pooled(pool, f, false).await
}

/// [`read_inline`] for a lookup that only reads: its connection goes back without moving the
/// pool's [`WriteEpoch`], so a cache filled from it is not invalidated by its own filling.
pub async fn lookup_inline<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    inline_or_pooled(pool, f, true).await
}

async fn inline_or_pooled<T, F>(pool: &DbPool, f: F, reads_only: bool) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    match pool.try_get() {
        Some(mut conn) if matches!(*conn, DbConn::Sqlite(_)) => {
            let result = f(&mut conn);
            discard_if_closed(&mut conn, &result);
            give_back(conn, reads_only);
            result
        }
        Some(conn) => {
            give_back(conn, reads_only);
            pooled(pool, f, reads_only).await
        }
        None => pooled(pool, f, reads_only).await,
    }
}
