//! Typed configuration, read once at start-up from the environment (and `.env`, loaded by
//! `main` through dotenvy).
//!
//! Every variable is listed in [`VARIABLES`], which feeds `homedisk --help`; the README and
//! `.env.example` mirror it. [`Config::from_lookup`] takes the lookup as a function so tests
//! build a config without touching the process environment. A bad value stops start-up with a
//! [`ConfigError`] that names the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;

mod storage;
pub use storage::{S3Settings, StorageUrl};

/// One documented environment variable: name, default, meaning.
pub struct Variable {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

/// Every variable homedisk reads, in the order `--help` prints them.
#[rustfmt::skip]
pub const VARIABLES: &[Variable] = &[
    Variable { name: "HOMEDISK_BIND", default: "127.0.0.1:8080", meaning: "listen address (ip:port)" },
    Variable { name: "HOMEDISK_CORS_ORIGINS", default: "(none)", meaning: "comma-separated web origins (https://app.example.com) whose pages may call the API and load previews from the browser (CORS, never with cookies; * is refused)" },
    Variable { name: "HOMEDISK_METRICS_BIND", default: "(off)", meaning: "listen address (ip:port) of a second listener serving Prometheus metrics at /metrics, without login: keep it private, e.g. 127.0.0.1:9464" },
    Variable { name: "HOMEDISK_DATA_DIR", default: "./data", meaning: "database, blobs, thumbnails, generated key" },
    Variable { name: "HOMEDISK_DATABASE_URL", default: "sqlite://{data dir}/homedisk.db", meaning: "database URL: sqlite://PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE" },
    Variable { name: "HOMEDISK_DATABASE_POOL_SIZE", default: "8", meaning: "database connections per node (PostgreSQL: keep nodes x (this + 1) below max_connections; the one more listens for the other nodes' changes)" },
    Variable { name: "HOMEDISK_DATABASE_STATEMENT_TIMEOUT_SECONDS", default: "30", meaning: "PostgreSQL cancels a statement running longer than this" },
    Variable { name: "HOMEDISK_STORAGE_URL", default: "{data dir}/blobs (local files)", meaning: "where file contents live: unset for the data dir, or s3://BUCKET[/PREFIX] (then the AWS_* variables below)" },
    Variable { name: "AWS_ENDPOINT_URL", default: "(AWS)", meaning: "S3 endpoint of a non-AWS store (Garage, MinIO, Ceph), e.g. http://127.0.0.1:3900" },
    Variable { name: "AWS_REGION", default: "us-east-1", meaning: "S3 region (Garage: the `s3_region` of its config)" },
    Variable { name: "AWS_ACCESS_KEY_ID", default: "(none)", meaning: "S3 access key id" },
    Variable { name: "AWS_SECRET_ACCESS_KEY", default: "(none)", meaning: "S3 secret key (never logged)" },
    Variable { name: "HOMEDISK_S3_PRESIGNED_DOWNLOAD_MIN_BYTES", default: "off", meaning: "S3: downloads of files at least this large are redirected to a presigned URL of the store (revocable only once it expires)" },
    Variable { name: "HOMEDISK_S3_PRESIGNED_SECONDS", default: "60", meaning: "S3: how long a presigned download URL works, 1-300" },
    Variable { name: "AWS_ALLOW_HTTP", default: "false", meaning: "allow an http:// (unencrypted) S3 endpoint" },
    Variable { name: "HOMEDISK_SECRET_KEY", default: "generated into {data dir}/secret.key", meaning: "token signing key, at least 32 bytes" },
    Variable { name: "HOMEDISK_PREVIOUS_SECRET_KEY", default: "(none)", meaning: "old signing key still accepted during a key rotation" },
    Variable { name: "HOMEDISK_BCRYPT_COST", default: "12", meaning: "bcrypt cost, 4-31" },
    Variable { name: "HOMEDISK_REGISTRATION", default: "open", meaning: "`open`, or `closed` (only admins create accounts); the first run's page offers to close it" },
    Variable { name: "HOMEDISK_SINGLE_SESSION", default: "false", meaning: "a new login revokes the user's older sessions of that client type" },
    Variable { name: "HOMEDISK_MAX_UPLOAD_BYTES", default: "4GiB", meaning: "largest file accepted (bytes, or with KiB/MiB/GiB)" },
    Variable { name: "HOMEDISK_RESUMABLE_UPLOAD_BYTES", default: "20MiB", meaning: "the web page sends files from this size on as resumable (tus) uploads" },
    Variable { name: "HOMEDISK_DEFAULT_QUOTA_BYTES", default: "10GiB", meaning: "storage quota of a new account" },
    Variable { name: "HOMEDISK_TRASH_RETENTION_DAYS", default: "30", meaning: "days a deleted item stays in the trash before it is purged (1-3650; an admin setting too)" },
    Variable { name: "HOMEDISK_ZIP_MAX_ENTRIES", default: "100000", meaning: "files and folders one ZIP download may hold (more: 413); above Zip64's 65 535; the plan takes about 200 bytes an entry" },
    Variable { name: "HOMEDISK_ZIP_MAX_BYTES", default: "32GiB", meaning: "total size of the files one ZIP download may hold (more: 413)" },
    Variable { name: "HOMEDISK_ZIP_URL_TTL_SECONDS", default: "43200", meaning: "lifetime of a selection's ZIP download URL (never past its session), 60-604800" },
    Variable { name: "HOMEDISK_PREVIEW_TTL_SECONDS", default: "3600", meaning: "preview token lifetime" },
    Variable { name: "HOMEDISK_QUERY_ACCESS_TOKENS", default: "true", meaning: "accept access tokens in /preview?token= (preview tokens always work)" },
    Variable { name: "HOMEDISK_COOKIE_SECURE", default: "auto", meaning: "Secure cookies: `auto` (when the request is HTTPS), `true`, `false`" },
    Variable { name: "HOMEDISK_WEB_TOKEN_TTL_SECONDS", default: "86400", meaning: "idle limit of a browser (`web`) session without \"keep me signed in\": each use renews it, up to the maximum below, 5-31536000" },
    Variable { name: "HOMEDISK_WEB_KEEP_TTL_SECONDS", default: "2592000", meaning: "idle limit of a browser session with \"keep me signed in\" (a persistent cookie), 5-31536000" },
    Variable { name: "HOMEDISK_SESSION_MAX_SECONDS", default: "7776000", meaning: "absolute limit of any session from its login, however often it is renewed or refreshed (90 days), 10-31536000" },
    Variable { name: "HOMEDISK_APP_TOKEN_TTL_SECONDS", default: "604800", meaning: "lifetime of an `app` session; `POST /api/v1/auth/refresh` extends it by this much, up to the maximum" },
    Variable { name: "HOMEDISK_API_TOKEN_TTL_SECONDS", default: "604800", meaning: "lifetime of an `api` session; refreshing extends it likewise" },
    Variable { name: "HOMEDISK_LINK_UPLOADS_PER_HOUR", default: "500", meaning: "uploads (requests; the drop page sends one per file) one address may send through upload links an hour, refilling steadily (more: 429 with Retry-After), 1-1000000" },
    Variable { name: "HOMEDISK_LINK_UPLOAD_BYTES_PER_HOUR", default: "2GiB", meaning: "bytes one address may send through upload links an hour, refilling steadily (more: 429 with Retry-After); a larger single upload passes only when the address sent nothing in the hour before, 1KiB-4TiB" },
    Variable { name: "HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", default: "10", meaning: "login attempts a minute per account from unknown devices, and per known device (per IP: three times that)" },
    Variable { name: "HOMEDISK_IMAGE_MEMORY_BYTES", default: "256MiB", meaning: "memory all image decodes together may use; an image needing more gets no thumbnail (422)" },
    Variable { name: "HOMEDISK_PASSWORD_HASHERS", default: "cores - 1 (at least 1)", meaning: "bcrypt hashes computed at once; more logins queue (503 `busy` after 10 s)" },
    Variable { name: "HOMEDISK_AUDIT_RETENTION_DAYS", default: "365", meaning: "audit log entries older than this are removed" },
    Variable { name: "HOMEDISK_TRUSTED_PROXIES", default: "(none)", meaning: "CIDR ranges of load balancers / reverse proxies whose X-Forwarded-For gives the client address, and whose X-Forwarded-Host / X-Forwarded-Proto / Forwarded the host and scheme, e.g. 10.0.0.0/8,127.0.0.1" },
    Variable { name: "HOMEDISK_PUBLIC_URL", default: "(from each request)", meaning: "the address people reach homedisk at, e.g. https://disk.example.org: absolute links (share links, the device-login page, the WebDAV address) start with it; unset: the request's Host (a trusted proxy's X-Forwarded-Host)" },
    Variable { name: "RUST_LOG", default: "info", meaning: "log filter (tracing EnvFilter syntax)" },
];

/// A configuration value that cannot be used; start-up stops with this message.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn bad(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into() }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    Open,
    Closed,
}

impl Registration {
    pub fn as_str(self) -> &'static str {
        match self {
            Registration::Open => "open",
            Registration::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Registration::Open),
            "closed" => Some(Registration::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecure {
    /// Secure when the request arrived over HTTPS (directly or as told by the proxy).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    /// Where `/metrics` (Prometheus) listens; `None`: no metrics at all.
    pub metrics_bind: Option<SocketAddr>,
    /// Web origins (`https://app.example.com`) whose pages may call the API and load previews
    /// (CORS, without credentials); empty: none.
    pub cors_origins: Vec<String>,
    pub data_dir: PathBuf,
    pub database: crate::db::DbOptions,
    pub storage_url: StorageUrl,
    pub s3: S3Settings,
    /// `None`: use (or create) `{data_dir}/secret.key`.
    pub secret_key: Option<SecretString>,
    pub previous_secret_key: Option<SecretString>,
    pub bcrypt_cost: u32,
    pub registration: Registration,
    pub single_session: bool,
    pub max_upload_bytes: u64,
    /// Files from this size on go up through tus from the web page.
    pub resumable_upload_bytes: u64,
    pub default_quota_bytes: u64,
    pub trash_retention_days: u32,
    /// Bounds of one ZIP download (`HOMEDISK_ZIP_MAX_ENTRIES`, `HOMEDISK_ZIP_MAX_BYTES`).
    pub zip_limits: crate::files::zip::Limits,
    pub zip_url_ttl_seconds: u64,
    pub preview_ttl_seconds: u64,
    pub query_access_tokens: bool,
    pub cookie_secure: CookieSecure,
    /// Idle limit of a browser session (renewed while used; see `auth::sliding`).
    pub web_token_ttl_seconds: u64,
    /// Idle limit of a browser session started with "keep me signed in".
    pub web_keep_ttl_seconds: u64,
    /// No session outlives its login by more than this, renewed or refreshed.
    pub session_max_seconds: u64,
    pub app_token_ttl_seconds: u64,
    pub api_token_ttl_seconds: u64,
    pub login_attempts_per_minute: u32,
    /// What one address may send through upload links an hour (`shares::upload_limit`).
    pub link_uploads_per_hour: u32,
    pub link_upload_bytes_per_hour: u64,
    pub audit_retention_days: u32,
    pub image_memory_bytes: u64,
    /// `None`: one less than the cores (at least 1).
    pub password_hashers: Option<usize>,
    pub trusted_proxies: crate::http::client_ip::TrustedProxies,
    /// `https://disk.example.org` (no trailing slash): the base of absolute links; `None`:
    /// each request's own (`http::site`).
    pub public_url: Option<String>,
}

/// The shortest signing key accepted, in bytes (HS256 wants at least its output size).
pub const MIN_SECRET_BYTES: usize = 32;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the config from `lookup(name)`; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let bind = match get("HOMEDISK_BIND") {
            Some(v) => v.parse().map_err(|_| {
                bad(
                    "HOMEDISK_BIND",
                    format!("`{v}` is not an ip:port address such as 127.0.0.1:8080"),
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let metrics_bind = get("HOMEDISK_METRICS_BIND")
            .map(|v| {
                v.parse().map_err(|_| {
                    bad(
                        "HOMEDISK_METRICS_BIND",
                        format!("`{v}` is not an ip:port address such as 127.0.0.1:9464"),
                    )
                })
            })
            .transpose()?;
        let cors_origins = parse_origins(&get("HOMEDISK_CORS_ORIGINS").unwrap_or_default())
            .map_err(|message| bad("HOMEDISK_CORS_ORIGINS", message))?;
        let data_dir = PathBuf::from(get("HOMEDISK_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = get("HOMEDISK_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("homedisk.db").display()));
        let database = crate::db::DbOptions {
            url: crate::db::DatabaseUrl::parse(&database_url)
                .map_err(|message| bad("HOMEDISK_DATABASE_URL", message))?,
            pool_size: number(&get, "HOMEDISK_DATABASE_POOL_SIZE", 8, 1..=1000)?,
            statement_timeout: std::time::Duration::from_secs(number(
                &get,
                "HOMEDISK_DATABASE_STATEMENT_TIMEOUT_SECONDS",
                30,
                1..=86_400,
            )?),
        };
        let (storage_url, s3) = storage::read(&get)?;
        let secret = |name: &'static str| -> Result<Option<SecretString>, ConfigError> {
            match lookup(name).filter(|v| !v.is_empty()) {
                Some(v) if v.len() < MIN_SECRET_BYTES => Err(bad(
                    name,
                    format!(
                        "the key is {} bytes long; use at least {MIN_SECRET_BYTES} random bytes (e.g. `openssl rand -hex 32`)",
                        v.len()
                    ),
                )),
                Some(v) => Ok(Some(SecretString::from(v))),
                None => Ok(None),
            }
        };

        let secret_key = secret("HOMEDISK_SECRET_KEY")?;
        if database.url.is_postgres() && secret_key.is_none() {
            // Nodes sharing one PostgreSQL database must sign with one key; a key generated
            // into each node's data dir would make every other node refuse its tokens.
            return Err(bad(
                "HOMEDISK_SECRET_KEY",
                "must be set when the database is PostgreSQL (every node signs tokens with it); use at least 32 random bytes, e.g. `openssl rand -hex 32`",
            ));
        }

        Ok(Config {
            bind,
            metrics_bind,
            cors_origins,
            data_dir,
            database,
            storage_url,
            s3,
            secret_key,
            previous_secret_key: secret("HOMEDISK_PREVIOUS_SECRET_KEY")?,
            bcrypt_cost: number(&get, "HOMEDISK_BCRYPT_COST", 12, 4..=31)?,
            registration: match get("HOMEDISK_REGISTRATION").as_deref() {
                None | Some("open") => Registration::Open,
                Some("closed") => Registration::Closed,
                Some(v) => {
                    return Err(bad(
                        "HOMEDISK_REGISTRATION",
                        format!("`{v}` is neither `open` nor `closed`"),
                    ));
                }
            },
            single_session: boolean(&get, "HOMEDISK_SINGLE_SESSION", false)?,
            max_upload_bytes: bytes(&get, "HOMEDISK_MAX_UPLOAD_BYTES", 4 << 30)?,
            resumable_upload_bytes: bytes(&get, "HOMEDISK_RESUMABLE_UPLOAD_BYTES", 20 << 20)?,
            default_quota_bytes: bytes(&get, "HOMEDISK_DEFAULT_QUOTA_BYTES", 10 << 30)?,
            trash_retention_days: number(&get, "HOMEDISK_TRASH_RETENTION_DAYS", 30, 1..=3650)?,
            zip_limits: crate::files::zip::Limits {
                max_entries: number(&get, "HOMEDISK_ZIP_MAX_ENTRIES", 100_000, 1..=1_000_000)?,
                max_bytes: bytes(&get, "HOMEDISK_ZIP_MAX_BYTES", 32 << 30)?,
            },
            zip_url_ttl_seconds: number(
                &get,
                "HOMEDISK_ZIP_URL_TTL_SECONDS",
                43_200,
                60..=604_800,
            )?,
            preview_ttl_seconds: number(
                &get,
                "HOMEDISK_PREVIEW_TTL_SECONDS",
                3600,
                10..=86_400 * 7,
            )?,
            query_access_tokens: boolean(&get, "HOMEDISK_QUERY_ACCESS_TOKENS", true)?,
            cookie_secure: match get("HOMEDISK_COOKIE_SECURE").as_deref() {
                None | Some("auto") => CookieSecure::Auto,
                Some("true") => CookieSecure::Always,
                Some("false") => CookieSecure::Never,
                Some(v) => {
                    return Err(bad(
                        "HOMEDISK_COOKIE_SECURE",
                        format!("`{v}` is not one of auto, true, false"),
                    ));
                }
            },
            web_token_ttl_seconds: number(
                &get,
                "HOMEDISK_WEB_TOKEN_TTL_SECONDS",
                86_400,
                5..=31_536_000,
            )?,
            web_keep_ttl_seconds: number(
                &get,
                "HOMEDISK_WEB_KEEP_TTL_SECONDS",
                2_592_000,
                5..=31_536_000,
            )?,
            session_max_seconds: number(
                &get,
                "HOMEDISK_SESSION_MAX_SECONDS",
                7_776_000,
                10..=31_536_000,
            )?,
            app_token_ttl_seconds: number(
                &get,
                "HOMEDISK_APP_TOKEN_TTL_SECONDS",
                604_800,
                60..=31_536_000,
            )?,
            api_token_ttl_seconds: number(
                &get,
                "HOMEDISK_API_TOKEN_TTL_SECONDS",
                604_800,
                60..=31_536_000,
            )?,
            login_attempts_per_minute: number(
                &get,
                "HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE",
                10,
                1..=10_000,
            )?,
            link_uploads_per_hour: number(
                &get,
                "HOMEDISK_LINK_UPLOADS_PER_HOUR",
                500,
                1..=1_000_000,
            )?,
            link_upload_bytes_per_hour: match bytes(
                &get,
                "HOMEDISK_LINK_UPLOAD_BYTES_PER_HOUR",
                2 << 30,
            )? {
                // Counted in KiB by a 32-bit limiter: 4 TiB an hour is its most.
                n if !(1 << 10..=4 << 40).contains(&n) => {
                    return Err(bad(
                        "HOMEDISK_LINK_UPLOAD_BYTES_PER_HOUR",
                        "must be from 1KiB to 4TiB",
                    ));
                }
                n => n,
            },
            audit_retention_days: number(&get, "HOMEDISK_AUDIT_RETENTION_DAYS", 365, 1..=36_500)?,
            image_memory_bytes: match bytes(&get, "HOMEDISK_IMAGE_MEMORY_BYTES", 256 << 20)? {
                n if n < 16 << 20 => {
                    return Err(bad(
                        "HOMEDISK_IMAGE_MEMORY_BYTES",
                        "must be at least 16MiB (a 256 px thumbnail alone needs a few MiB)",
                    ));
                }
                n => n,
            },
            password_hashers: match get("HOMEDISK_PASSWORD_HASHERS") {
                None => None,
                Some(_) => Some(number(&get, "HOMEDISK_PASSWORD_HASHERS", 1, 1..=256)?),
            },
            trusted_proxies: crate::http::client_ip::TrustedProxies::parse(
                &get("HOMEDISK_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|message| bad("HOMEDISK_TRUSTED_PROXIES", message))?,
            public_url: get("HOMEDISK_PUBLIC_URL")
                .map(|v| parse_public_url(&v).map_err(|m| bad("HOMEDISK_PUBLIC_URL", m)))
                .transpose()?,
        })
    }
}

fn number<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(v) = get(name) else { return Ok(default) };
    match v.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(bad(
            name,
            format!("`{v}` is not a whole number from {} to {}", range.start(), range.end()),
        )),
    }
}

fn boolean(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(v) => Err(bad(name, format!("`{v}` is not true or false"))),
    }
}

fn bytes(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    let Some(v) = get(name) else { return Ok(default) };
    parse_bytes(&v)
        .ok_or_else(|| bad(name, format!("`{v}` is not a size such as 1048576, 512MiB or 4GiB")))
}

/// `1048576`, `512KiB`, `64MiB`, `4GiB`, `1TiB` (also `K`, `M`, `G`, `T`, `KB`… meaning the same
/// powers of 1024).
pub fn parse_bytes(v: &str) -> Option<u64> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, unit) = v.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return None,
    };
    n.checked_mul(1u64 << shift)
}

/// `HOMEDISK_CORS_ORIGINS`: comma-separated `scheme://host[:port]`, exact (no path, no
/// wildcard: an API that answers with a user's files is never open to every site).
fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let rest = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '*', ' ', '?', '#']) => {
                    Ok(o.to_owned())
                }
                _ => Err(format!(
                    "`{o}` is not an origin such as https://app.example.com (scheme and host, \
                     no path, no wildcard)"
                )),
            }
        })
        .collect()
}

/// `HOMEDISK_PUBLIC_URL`: `scheme://host[:port]`, a trailing slash dropped. No path: homedisk
/// serves its routes from the root.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim_end_matches('/');
    parse_origins(url).ok().filter(|o| o.len() == 1).and_then(|mut o| o.pop()).ok_or_else(|| {
        format!(
            "`{raw}` is not an address such as https://disk.example.org (scheme and host, \
             no path)"
        )
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A config from exactly `vars` (shared with the tests of `config/`).
    pub(crate) fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_serve_one_machine() {
        let c = with(&[]).expect("defaults are valid");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database.url.redacted(), "sqlite://./data/homedisk.db");
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.max_upload_bytes, 4 << 30);
        assert!(c.secret_key.is_none());
    }

    #[test]
    fn a_short_secret_key_is_refused_by_name() {
        let err = with(&[("HOMEDISK_SECRET_KEY", "too-short")]).expect_err("short key");
        assert_eq!(err.variable, "HOMEDISK_SECRET_KEY");
        assert!(err.to_string().starts_with("HOMEDISK_SECRET_KEY: "));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            ("HOMEDISK_BIND", "localhost"),
            ("HOMEDISK_BCRYPT_COST", "3"),
            ("HOMEDISK_BCRYPT_COST", "many"),
            ("HOMEDISK_REGISTRATION", "maybe"),
            ("HOMEDISK_SINGLE_SESSION", "perhaps"),
            ("HOMEDISK_MAX_UPLOAD_BYTES", "4 parsecs"),
            ("HOMEDISK_COOKIE_SECURE", "sometimes"),
            ("HOMEDISK_DATABASE_URL", "mysql://x"),
            ("HOMEDISK_PUBLIC_URL", "disk.example.org"),
            ("HOMEDISK_LINK_UPLOADS_PER_HOUR", "0"),
            ("HOMEDISK_LINK_UPLOAD_BYTES_PER_HOUR", "512"),
            ("HOMEDISK_LINK_UPLOAD_BYTES_PER_HOUR", "5TiB"),
            ("HOMEDISK_PUBLIC_URL", "https://disk.example.org/homedisk"),
            ("HOMEDISK_PUBLIC_URL", "https://a.example,https://b.example"),
        ] {
            let err = with(&[(name, value)]).expect_err(name);
            assert_eq!(err.variable, name);
        }
    }

    #[test]
    fn postgres_needs_a_shared_signing_key_and_never_shows_its_password() {
        let url = ("HOMEDISK_DATABASE_URL", "postgres://hd:hunter2hunter2@db/homedisk");
        let err = with(&[url]).expect_err("no key");
        assert_eq!(err.variable, "HOMEDISK_SECRET_KEY");
        let c = with(&[url, ("HOMEDISK_SECRET_KEY", &"k".repeat(32))]).expect("valid");
        assert!(c.database.url.is_postgres());
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn the_public_url_loses_its_trailing_slash() {
        let c = with(&[("HOMEDISK_PUBLIC_URL", "https://disk.example.org:8443/")]).expect("valid");
        assert_eq!(c.public_url.as_deref(), Some("https://disk.example.org:8443"));
        assert_eq!(with(&[]).expect("defaults").public_url, None);
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_bytes("1048576"), Some(1 << 20));
        assert_eq!(parse_bytes("512KiB"), Some(512 << 10));
        assert_eq!(parse_bytes("4GiB"), Some(4 << 30));
        assert_eq!(parse_bytes("2 M"), Some(2 << 20));
        assert_eq!(parse_bytes("GiB"), None);
        assert_eq!(parse_bytes("99999999999999999999T"), None);
    }
}
