//! The HTTP toolbox shared by the adapters (`api/`, `web/`, and later WebDAV and share links):
//! what more than one of them needs to speak HTTP, and nothing about any one route.
//!
//! - [`cookies`]: `Secure` or not, and the device cookie of logins.
//! - [`download`]: sending a stored file (conditional requests, Range, safe headers).
//! - [`multipart`]: multipart/form-data uploads into files.
//! - [`range`]: the pure parsing behind it (fuzzed in `fuzz/`).

pub mod cookies;
pub mod download;
pub mod multipart;
pub mod range;
