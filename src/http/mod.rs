//! The HTTP toolbox shared by the adapters (`api/`, `web/`, and later WebDAV and share links):
//! what more than one of them needs to speak HTTP, and nothing about any one route.
//!
//! - [`access_log`]: the access log.
//! - [`around`]: the one middleware around every route (log, headers, compression, cookies).
//! - [`auth`]: reading tokens at the door (Bearer, `token`, `z-token`, Basic, cookie) and the
//!   extractors that say who may call a handler (`CurrentUser`, `FilesReader`, `FilesWriter`,
//!   `AdminUser`).
//! - [`client_ip`]: the client's address, through trusted proxies only.
//! - [`cors`]: CORS for the API and previews (`HOMEDISK_CORS_ORIGINS`).
//! - [`compress`]: brotli/gzip for pages, JSON and XML, never for a file's bytes.
//! - [`cookies`]: `Secure` or not, and the device cookie of logins.
//! - [`download`]: sending a stored file (conditional requests, Range, safe headers).
//! - [`metrics_endpoint`]: the `/metrics` listener (Prometheus).
//! - [`multipart`]: multipart/form-data uploads into files.
//! - [`range`]: the pure parsing behind it (fuzzed in `fuzz/`).
//! - [`site`]: how people reach the server (absolute URLs, HTTPS), through trusted proxies only.
//! - [`thumb`]: sending a thumbnail (`/preview` and share links).
//! - [`zip`]: sending a planned ZIP archive (its own entity tag, Range, `If-Range`).

pub mod access_line;
pub mod access_log;
pub mod around;
pub mod auth;
pub mod client_ip;
pub mod compress;
pub mod cookies;
pub mod cors;
pub mod download;
pub mod metrics_endpoint;
pub mod multipart;
pub mod range;
pub mod site;
pub mod thumb;
pub mod zip;
