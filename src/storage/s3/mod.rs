//! [`S3Storage`]: blobs as objects `{prefix}/blobs/ab/cd/<sha256>` in an S3-compatible bucket
//! (Garage, MinIO, Ceph, AWS), through `object_store`; uploads in progress stay in the local
//! `{data}/tmp` like [`LocalStorage`](super::LocalStorage)'s.
//!
//! [`Storage`] is synchronous and called from blocking threads (`spawn_blocking`), while
//! `object_store` is async: the store owns a small tokio runtime of its own and each call waits
//! on it with `block_on`. Two worker threads drive the connections, so a half-read download
//! keeps its connection alive between reads, whoever polls. Never call it on an async worker
//! (`block_on` panics there): always through `blocking::run` / `db::run`.
//!
//! Requests have bounded timeouts and retries, so an unreachable store answers in seconds with
//! an error marked [`Unreachable`](super::Unreachable) (503), not after minutes.

mod parts;
pub use parts::MAX_COPY as MAX_STAGED_COPY;
mod reader;
mod upload;

use std::io;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig};
use secrecy::{ExposeSecret, SecretString};
use tempfile::NamedTempFile;

use crate::storage::{BlobReader, PartStore, Storage, StoredBlob, Unreachable, is_key};

/// Everything an [`S3Storage`] needs; `startup` fills it from the config (the `AWS_*`
/// variables), tests from explicit values.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Objects live under `{prefix}/blobs/`; empty for the bucket's root.
    pub prefix: String,
    /// `None`: AWS itself.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// `None` (with no secret either): the instance's own credentials (IMDS, ECS, web identity).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<SecretString>,
    pub allow_http: bool,
    /// Size of a multipart part, and the size from which a put goes multipart. S3 wants parts
    /// of at least 5 MiB (all but the last), so smaller values are raised to that.
    pub part_size: usize,
    /// Retries of a request that failed for a passing reason (connection, timeout, 5xx).
    pub max_retries: usize,
    /// No retry starts later than this after the first attempt.
    pub retry_timeout: Duration,
    pub connect_timeout: Duration,
    /// Whole-request limit of a HEAD, LIST or DELETE, and what an upload part may take at
    /// least (see [`S3Storage::new`]).
    pub request_timeout: Duration,
}

/// The smallest part S3 accepts (except a last one).
pub const MIN_PART_SIZE: usize = 5 << 20;

impl S3Config {
    /// The defaults: 8 MiB parts, 3 s to connect, 30 s per request, two retries within 10 s.
    pub fn new(bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        S3Config {
            bucket: bucket.into(),
            prefix: prefix.into(),
            endpoint: None,
            region: None,
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
            part_size: 8 << 20,
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(30),
        }
    }

    /// `bucket at endpoint` for logs: never a key.
    pub fn describe(&self) -> String {
        let endpoint = self.endpoint.as_deref().unwrap_or("AWS");
        match self.prefix.as_str() {
            "" => format!("s3://{} at {endpoint}", self.bucket),
            prefix => format!("s3://{}/{prefix} at {endpoint}", self.bucket),
        }
    }

    /// A client with these settings and `options` (timeouts differ per kind of request).
    fn client(&self, options: ClientOptions) -> object_store::Result<AmazonS3> {
        // `allow_http` is a client option: set on the builder, `with_client_options` would
        // reset it.
        let options =
            options.with_connect_timeout(self.connect_timeout).with_allow_http(self.allow_http);
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&self.bucket)
            .with_client_options(options)
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(2),
                    base: 2.0,
                },
                max_retries: self.max_retries,
                retry_timeout: self.retry_timeout,
            });
        if let Some(endpoint) = &self.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &self.region {
            builder = builder.with_region(region);
        }
        if let Some(id) = &self.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &self.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose_secret());
        }
        builder.build()
    }
}

/// The store's private runtime. Shut down without waiting when the last user goes, which may
/// be on an async thread (a download dropped mid-body), where a blocking shutdown would panic.
struct Io {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
}

impl Io {
    fn new() -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("homedisk-s3")
            .enable_all()
            .build()?;
        Ok(Io { handle: runtime.handle().clone(), runtime: Some(runtime) })
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }
}

impl Drop for Io {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

pub struct S3Storage {
    io: Arc<Io>,
    /// HEAD, LIST, DELETE: small answers, `request_timeout` each.
    meta: AmazonS3,
    /// PUT and multipart parts: time for a part at a slow uplink (see [`S3Storage::new`]).
    writes: AmazonS3,
    /// Ranged GETs: a download is read at the client's pace, so no whole-request limit, but
    /// a body that stalls for `request_timeout` fails (and the reader resumes once).
    reads: Arc<AmazonS3>,
    prefix: Path,
    tmp: PathBuf,
    part_size: usize,
}

impl S3Storage {
    /// A store for `config`, with uploads in progress in `{data_dir}/tmp` (created). Makes no
    /// request: an unreachable store shows on first use, as a 503.
    pub fn new(config: &S3Config, data_dir: &FsPath) -> io::Result<Self> {
        // reqwest is built without a TLS provider of its own (see Cargo.toml): ring, installed
        // once for the process. An error only means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let io = Io::new()?;
        let part_size = config.part_size.max(MIN_PART_SIZE);
        // A part may take its size at 128 KiB/s (about 1 Mbit/s) on top of the usual limit.
        let per_part = Duration::from_secs(u64::try_from(part_size >> 17).unwrap_or(u64::MAX));
        let build = |options: ClientOptions| {
            let _in_runtime = io.handle.enter();
            config.client(options).map_err(io::Error::other)
        };
        let meta = build(ClientOptions::new().with_timeout(config.request_timeout))?;
        let writes = build(ClientOptions::new().with_timeout(config.request_timeout + per_part))?;
        let reads = build(
            ClientOptions::new().with_timeout_disabled().with_read_timeout(config.request_timeout),
        )?;
        let tmp = data_dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let prefix = Path::from_iter(config.prefix.split('/').filter(|s| !s.is_empty()));
        Ok(S3Storage {
            io: Arc::new(io),
            meta,
            writes,
            reads: Arc::new(reads),
            prefix,
            tmp,
            part_size,
        })
    }

    /// `{prefix}/thumbs/<name>` of a derived object (names checked like keys are).
    fn derived_path(&self, name: &str) -> io::Result<Path> {
        if !crate::storage::is_derived_name(name) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a derived object name"));
        }
        Ok(self.prefix.clone().join("thumbs").join(name))
    }

    /// Deletes the object at `path`; a missing one is not an error.
    fn delete_path(&self, path: &Path) -> io::Result<()> {
        match self.io.block_on(self.meta.delete(path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(to_io(e)),
        }
    }

    fn path(&self, key: &str) -> io::Result<Path> {
        // Keys are SHA-256 hex digests made by the server; anything else is a bug, refused
        // here as LocalStorage does.
        if !is_key(key) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a blob key"));
        }
        Ok(self.prefix.clone().join("blobs").join(&key[0..2]).join(&key[2..4]).join(key))
    }
}

/// An `object_store` error as an `io::Error`: `NotFound` kept, passing failures (connection,
/// timeout, 5xx) marked [`Unreachable`], anything else plain.
fn to_io(err: object_store::Error) -> io::Error {
    if matches!(err, object_store::Error::NotFound { .. }) {
        io::Error::new(io::ErrorKind::NotFound, err)
    } else if is_passing(&err) {
        Unreachable::io(err)
    } else {
        io::Error::other(err)
    }
}

/// True when a request failed for a reason that may pass: the store did not answer (connect,
/// timeout, dropped connection) or answered 5xx. `object_store` 0.14 keeps its status-carrying
/// `RetryError` private, so a status shows only through its message ("non-2xx status code:
/// 503 …"); `tests/api/storage_errors.rs` checks a 503 still reads this way.
fn is_passing(err: &object_store::Error) -> bool {
    use object_store::client::{HttpError, HttpErrorKind};
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(http) = e.downcast_ref::<HttpError>() {
            return matches!(
                http.kind(),
                HttpErrorKind::Connect
                    | HttpErrorKind::Request
                    | HttpErrorKind::Timeout
                    | HttpErrorKind::Interrupted
            );
        }
        let text = e.to_string();
        if let Some((_, status)) = text.split_once("non-2xx status code: ") {
            return status.starts_with('5');
        }
        current = e.source();
    }
    false
}

impl Storage for S3Storage {
    fn temp(&self) -> io::Result<NamedTempFile> {
        tempfile::Builder::new().prefix("upload-").tempfile_in(&self.tmp)
    }

    fn put(&self, tmp: NamedTempFile, key: &str) -> io::Result<()> {
        // The same check-then-upload; `tmp` drops afterwards, deleting the local copy.
        self.send_ahead(&tmp, key).map(drop)
    }

    fn send_ahead(&self, tmp: &NamedTempFile, key: &str) -> io::Result<bool> {
        let path = self.path(key)?;
        self.io.block_on(async {
            match self.meta.head(&path).await {
                Ok(_) => return Ok(false),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(to_io(e)),
            }
            upload::upload(&self.writes, &path, tmp, self.part_size).await.map(|()| true)
        })
    }

    fn open(&self, key: &str) -> io::Result<BlobReader> {
        let path = self.path(key)?;
        let meta = self.io.block_on(self.meta.head(&path)).map_err(to_io)?;
        let reader =
            reader::RangedReader::new(self.io.clone(), self.reads.clone(), path, meta.size);
        Ok(BlobReader::new(meta.size, Box::new(reader)))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        let path = self.path(key)?;
        self.delete_path(&path)
    }

    fn presigned_get(
        &self,
        key: &str,
        ttl: std::time::Duration,
        disposition: &str,
    ) -> io::Result<Option<String>> {
        use object_store::signer::{Method, SignedUrlOptions, Signer};
        let path = self.path(key)?;
        // Signed along with the URL, so the store answers with exactly these headers: always
        // an attachment of opaque bytes, whatever the object's stored type.
        let options = SignedUrlOptions::new().with_query([
            ("response-content-disposition", disposition),
            ("response-content-type", "application/octet-stream"),
        ]);
        let url = self
            .io
            .block_on(self.meta.signed_url_opts(Method::GET, &path, ttl, &options))
            .map_err(to_io)?;
        Ok(Some(url.to_string()))
    }

    fn get_derived(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        let path = self.derived_path(name)?;
        self.io.block_on(async {
            match self.meta.get(&path).await {
                Ok(found) => found.bytes().await.map(|b| Some(b.to_vec())).map_err(to_io),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn put_derived(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.derived_path(name)?;
        let payload = object_store::PutPayload::from(bytes.to_vec());
        self.io.block_on(self.meta.put(&path, payload)).map(drop).map_err(to_io)
    }

    fn delete_derived(&self, name: &str) -> io::Result<()> {
        let path = self.derived_path(name)?;
        self.delete_path(&path)
    }

    fn list(&self) -> io::Result<Vec<StoredBlob>> {
        let under = self.prefix.clone().join("blobs");
        let objects: Vec<_> =
            self.io.block_on(self.meta.list(Some(&under)).try_collect()).map_err(to_io)?;
        // Only objects exactly where a key's blob would be (as LocalStorage reads three levels).
        Ok(objects
            .into_iter()
            .filter_map(|o| {
                let key = o.location.filename().filter(|k| is_key(k))?.to_owned();
                let exact = self.path(&key).is_ok_and(|p| p == o.location);
                exact.then(|| StoredBlob { key, modified: o.last_modified.into() })
            })
            .collect())
    }

    fn sweep_tmp(&self) -> io::Result<usize> {
        super::local::empty_dir(&self.tmp)
    }

    fn parts(&self) -> Option<&dyn PartStore> {
        Some(self)
    }
}
