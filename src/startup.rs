//! Building the application: data directory, signing key, database, state, and the actix
//! `App` that both the server and the tests use ([`build_app`]).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware;
use actix_web::{App, HttpResponse, HttpServer, web};
use secrecy::SecretString;

use crate::auth::grants::GrantCache;
use crate::auth::password;
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::Keys;
use crate::config::{Config, ConfigError, MIN_SECRET_BYTES, Registration, StorageUrl};
use crate::db::{self, DbSetupError};
use crate::error::AppError;
use crate::shares::upload_limit::UploadLimiter;
use crate::state::AppState;
use crate::storage::{LocalStorage, S3Config, S3Storage, Storage};
use crate::{api, web as pages};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{what} {}: {source}", path.display())]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Key { path: PathBuf, message: String },
    #[error(transparent)]
    Db(#[from] DbSetupError),
    #[error("{0}")]
    Other(String),
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StartupError + 'a {
    move |source| StartupError::Io { what, path: path.to_owned(), source }
}

/// Creates the data directory layout (idempotent).
pub fn prepare_data_dir(config: &Config) -> Result<(), StartupError> {
    // Owner-only: the directory holds the database, the signing key and everyone's files.
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true).mode(0o700);
    for dir in [config.data_dir.clone(), config.data_dir.join("tmp"), config.data_dir.join("blobs")]
    {
        builder.create(&dir).map_err(io("cannot create the directory", &dir))?;
    }
    Ok(())
}

/// The signing key: `HOMEDISK_SECRET_KEY`, else `{data}/secret.key`, created (0600) with 32
/// random bytes on first start.
pub fn load_or_create_secret(config: &Config) -> Result<SecretString, StartupError> {
    if let Some(key) = &config.secret_key {
        return Ok(key.clone());
    }
    let path = config.data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = text.trim().to_owned();
            if key.len() < MIN_SECRET_BYTES {
                return Err(StartupError::Key {
                    path,
                    message: format!(
                        "the key is shorter than {MIN_SECRET_BYTES} bytes; delete the file to generate a new one (all sessions end)"
                    ),
                });
            }
            let mode =
                std::fs::metadata(&path).map_err(io("cannot read", &path))?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "the secret key file is readable by other users; run chmod 600 on it");
            }
            Ok(SecretString::from(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes)
                .map_err(|e| StartupError::Other(format!("no randomness: {e}")))?;
            let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(io("cannot create", &path))?;
            file.write_all(key.as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(io("cannot write", &path))?;
            tracing::info!(path = %path.display(), "generated a new signing key");
            Ok(SecretString::from(key))
        }
        Err(e) => Err(io("cannot read", &path)(e)),
    }
}

/// What every command needs: the data directory prepared, the signing key, the database
/// (migrated) and the blob store. `homedisk admin …` uses this alone; the server builds its
/// state on it ([`build_state`]).
pub struct Basics {
    pub config: Config,
    pub keys: Keys,
    pub db: db::DbPool,
    pub storage: Arc<dyn Storage>,
    /// The pool's write epoch, for the server's grant cache.
    epoch: db::WriteEpoch,
}

/// Opens the [`Basics`], and nothing that runs on its own: no grant listener (a thread and a
/// PostgreSQL connection a one-off command has no use for), no caches, no bcrypt.
pub fn open_basics(config: Config) -> Result<Basics, StartupError> {
    prepare_data_dir(&config)?;
    let secret = load_or_create_secret(&config)?;
    let keys = Keys::new(&secret, config.previous_secret_key.as_ref());
    let (db, epoch) = db::connect_watched(&config.database)?;
    // The URL as an operator wrote it, password hidden: which database this node uses.
    tracing::info!(database = %config.database.url.redacted(), "database opened");
    let storage = open_storage(&config)?;
    Ok(Basics { config, keys, db, storage, epoch })
}

/// Everything the handlers share, from a validated config.
pub fn build_state(config: Config) -> Result<AppState, StartupError> {
    let Basics { config, keys, db: pool, storage, epoch } = open_basics(config)?;
    let grants = GrantCache::for_database(&config.database.url, epoch)
        .map_err(|e| StartupError::Other(format!("cannot start the grant listener: {e}")))?;
    let dummy_hash =
        password::dummy_hash(config.bcrypt_cost).map_err(|e| StartupError::Other(e.to_string()))?;
    let thumbs = crate::preview::Thumbnailer::open(
        &config.data_dir,
        storage.clone(),
        *keys.etag_key(),
        config.image_memory_bytes,
    )
    .map_err(io("cannot create the thumbnail cache in", &config.data_dir))?;
    // Nodes sharing PostgreSQL count limits in it; one node (SQLite) in memory.
    let shared = config.database.url.is_postgres().then(|| pool.clone());
    Ok(AppState {
        login_limiter: Arc::new(match &shared {
            Some(pool) => LoginLimiter::shared(config.login_attempts_per_minute, pool.clone()),
            None => LoginLimiter::new(config.login_attempts_per_minute),
        }),
        upload_limiter: Arc::new(UploadLimiter::new(
            config.link_uploads_per_hour,
            config.link_upload_bytes_per_hour,
            shared,
        )),
        hashers: Arc::new(crate::auth::password::Hashers::new(config.password_hashers)),
        config: Arc::new(config),
        db: pool,
        keys: Arc::new(keys),
        storage,
        thumbs: std::sync::Arc::new(thumbs),
        verified_tokens: Default::default(),
        grants: Arc::new(grants),
        dummy_hash: Arc::from(dummy_hash),
    })
}

/// The blob store `HOMEDISK_STORAGE_URL` names: the data directory, or an S3 bucket (logged
/// with its endpoint, never a key).
fn open_storage(config: &Config) -> Result<Arc<dyn Storage>, StartupError> {
    let dir = &config.data_dir;
    match &config.storage_url {
        StorageUrl::Local => {
            let local =
                LocalStorage::open(dir).map_err(io("cannot open the blob store in", dir))?;
            tracing::info!(blobs = %dir.join("blobs").display(), "file contents are stored locally");
            Ok(Arc::new(local))
        }
        StorageUrl::S3 { bucket, prefix } => {
            let s3 = &config.s3;
            let settings = S3Config {
                endpoint: s3.endpoint.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.clone(),
                allow_http: s3.allow_http,
                ..S3Config::new(bucket, prefix)
            };
            let store = S3Storage::new(&settings, dir).map_err(|e| {
                StartupError::Other(format!("HOMEDISK_STORAGE_URL: cannot set up S3 storage: {e}"))
            })?;
            tracing::info!(store = %settings.describe(), "file contents are stored in S3");
            Ok(Arc::new(store))
        }
    }
}

/// Holds `{data}/homedisk.lock` locked (flock) for as long as the returned file lives, so a
/// second server on the same data directory stops at start-up instead of racing the first one
/// (and so [`recover`] may assume nothing else writes blobs).
pub fn lock_data_dir(config: &Config) -> Result<std::fs::File, StartupError> {
    let path = config.data_dir.join("homedisk.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(io("cannot create", &path))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(
        |_| {
            StartupError::Other(format!(
                "another homedisk server is already running on {} (HOMEDISK_DATA_DIR)",
                config.data_dir.display()
            ))
        },
    )?;
    Ok(file)
}

/// Cleans what a crash (a kill, a power cut) may have left, before serving: unfinished uploads
/// in `tmp/`, blobs renamed into place whose row never committed, and thumbnail leftovers.
/// Only under [`lock_data_dir`]'s lock: then no other process is between a blob's rename and
/// its commit, so any blob without a row is an orphan, however recent.
pub fn recover(state: &AppState) -> Result<(), StartupError> {
    let fail = |what: &str, e: AppError| StartupError::Other(format!("{what}: {e:?}"));
    let tmp = state.config.data_dir.join("tmp");
    let swept = state.storage.sweep_tmp().map_err(io("cannot clean", &tmp))?;
    if swept > 0 {
        tracing::info!(count = swept, "removed unfinished uploads from tmp/");
    }
    let mut conn = state.db.get().map_err(|e| fail("cannot reach the database", e.into()))?;
    let keyed = crate::files::name_key::backfill(&mut conn)
        .map_err(|e| fail("cannot fill the search keys", e.into()))?;
    if keyed > 0 {
        tracing::info!(count = keyed, "filled the search keys of names stored before search");
    }
    // Nodes sharing PostgreSQL and a bucket: another node may be sending an upload's bytes
    // right now, so orphans are left to the daily job and its grace period (src/jobs.rs).
    // Otherwise this node, under its data directory's lock, is the only one writing blobs.
    let shared = state.config.database.url.is_postgres()
        && matches!(state.config.storage_url, crate::config::StorageUrl::S3 { .. });
    let sweep = if shared {
        Ok(Vec::new())
    } else {
        crate::files::gc::remove_orphan_blobs(
            &mut conn,
            state.storage.as_ref(),
            std::time::SystemTime::now(),
        )
    };
    let orphans = match sweep {
        Ok(orphans) => orphans,
        // A store that is down for a moment must not keep the server from starting; its
        // orphans wait for the next start.
        Err(e @ AppError::StorageUnavailable(_)) => {
            e.log_if_internal();
            Vec::new()
        }
        Err(e) => return Err(fail("cannot remove orphan blobs", e)),
    };
    for key in &orphans {
        state.thumbs.forget(key);
    }
    if !orphans.is_empty() {
        tracing::info!(count = orphans.len(), "removed blobs no file refers to (left by a crash)");
    }
    let thumbs = state
        .thumbs
        .sweep(|keys| crate::files::gc::unreferenced(&mut conn, keys))
        .map_err(|e| fail("cannot clean the thumbnail cache", e))?;
    if thumbs > 0 {
        tracing::info!(count = thumbs, "removed thumbnail leftovers");
    }
    Ok(())
}

/// The application, exactly as the server runs it; tests call this too.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = state.config.cors_origins.clone();
    App::new()
        .app_data(state)
        .wrap(middleware::from_fn(crate::http::around::every_request))
        // First: the router tries each address in turn, and an image grid sends dozens of
        // previews for each other request.
        .configure(|cfg| api::preview::configure(cfg, &cors))
        .route("/healthz", web::get().to(healthz))
        .configure(|cfg| api::configure(cfg, &cors))
        .configure(crate::dav::configure)
        .configure(pages::configure)
}

/// `GET /healthz`: 200 `{status:"ok"}` when the database answers.
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    use diesel::RunQueryDsl;
    let ok = db::run(&state.db, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok::<_, AppError>(())
    })
    .await;
    match ok {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })),
        Err(e) => {
            e.log_if_internal();
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "unavailable" }))
        }
    }
}

/// Builds the state and serves until SIGTERM/SIGINT (graceful: in-flight requests finish).
pub async fn run(config: Config) -> Result<(), StartupError> {
    let bind = config.bind;
    prepare_data_dir(&config)?;
    let _lock = lock_data_dir(&config)?;
    let state = web::Data::new(build_state(config)?);
    // Off the async thread: storage calls block (and S3Storage's would panic here).
    let recovering = state.clone();
    crate::blocking::run(move || recover(&recovering))
        .await
        .map_err(|e| StartupError::Other(format!("start-up recovery: {e}")))??;
    actix_web::rt::spawn(crate::jobs::run(state.clone()));
    if let Some(at) = state.config.metrics_bind {
        let handle = crate::metrics::install().map_err(StartupError::Other)?;
        let metrics =
            crate::http::metrics_endpoint::server(at, handle, state.db.clone()).map_err(|e| {
                StartupError::Other(format!("HOMEDISK_METRICS_BIND: cannot listen on {at}: {e}"))
            })?;
        actix_web::rt::spawn(metrics);
        tracing::info!(address = %at, "metrics at http://{at}/metrics");
    }
    tracing::info!(address = %bind, data_dir = %state.config.data_dir.display(), "homedisk listening");
    announce(&state, bind).await;
    HttpServer::new(move || build_app(state.clone()))
        .bind(bind)
        .map_err(|e| StartupError::Other(format!("HOMEDISK_BIND: cannot listen on {bind}: {e}")))?
        .shutdown_timeout(30)
        .run()
        .await
        .map_err(|e| StartupError::Other(format!("server error: {e}")))
}

/// Says where to open the web app and, on an instance without accounts, how the first one is
/// made: what a new operator reads right after `cargo run`.
async fn announce(state: &web::Data<AppState>, bind: SocketAddr) {
    tracing::info!("open {}", open_hint(bind));
    let st = state.clone();
    let first_run = db::run(&state.db, move |conn| {
        let empty = crate::db::models::users::count(conn)? == 0;
        let settings = crate::settings::current(conn, &st.config)?;
        Ok::<_, AppError>((empty, settings.registration))
    })
    .await;
    match first_run {
        Ok((true, Registration::Open)) => tracing::info!(
            "no accounts yet: the first account registered becomes the administrator \
             (the web app opens on \"Create the administrator\"); registration is open, so \
             anyone who reaches this address can register until it is closed on /admin"
        ),
        Ok((true, Registration::Closed)) => tracing::info!(
            "no accounts yet and registration is closed: create the administrator with \
             `homedisk admin create NAME`"
        ),
        Ok((false, _)) => {}
        Err(e) => e.log_if_internal(),
    }
}

/// The URL to open for a listen address: the address itself, or, for the unspecified address
/// (all interfaces), the loopback URL plus a word that other machines use this one's address.
pub fn open_hint(bind: SocketAddr) -> String {
    let port = bind.port();
    match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!(
            "http://127.0.0.1:{port}/ (listening on all IPv4 interfaces: from another machine, \
             http://THIS-MACHINE'S-ADDRESS:{port}/)"
        ),
        IpAddr::V6(ip) if ip.is_unspecified() => format!(
            "http://[::1]:{port}/ (listening on all interfaces: from another machine, \
             http://THIS-MACHINE'S-ADDRESS:{port}/)"
        ),
        _ => format!("http://{bind}/"),
    }
}

#[cfg(test)]
mod tests {
    fn hint(bind: &str) -> String {
        super::open_hint(bind.parse().expect("a socket address"))
    }

    #[test]
    fn the_url_to_open_follows_the_bind_address() {
        assert_eq!(hint("127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(hint("192.168.1.5:80"), "http://192.168.1.5:80/");
        assert_eq!(hint("[::1]:8080"), "http://[::1]:8080/");
        let all = hint("0.0.0.0:8080");
        assert!(all.starts_with("http://127.0.0.1:8080/ (listening on all"), "{all}");
        assert!(hint("[::]:9000").starts_with("http://[::1]:9000/"));
    }
}
