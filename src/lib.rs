//! homedisk: a self-hosted personal disk.
//!
//! Module map (dependencies point down):
//!
//! - `main.rs` → [`cli`] (arguments) → [`startup`] (state, app, server)
//! - [`web`] (HTML pages), [`api`] (JSON under `/api/v1`) and [`dav`] (WebDAV under `/dav/`):
//!   thin adapters over…
//! - [`users`] (accounts), [`files`] (folders, names, uploads),
//!   [`preview`] (thumbnails and their cache), [`shares`] (share links and their one gate)
//!   and [`auth`] (passwords, tokens, sessions, CSRF, rate limits, extractors), which use…
//! - [`db`] (pool, migrations, one file of queries per table).
//! - Cross-cutting: [`config`], [`error`] (the one error type), [`state`], [`telemetry`],
//!   [`blocking`] (work that must not run on the async executor), [`backup`] (`homedisk admin
//!   backup`).
//!
//! See `docs/ARCHITECTURE.md` for a request's path through these.

pub mod admin_stats;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod blocking;
pub mod cli;
pub mod config;
pub mod dav;
pub mod db;
pub mod error;
pub mod etag;
pub mod files;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod preview;
pub mod settings;
pub mod shares;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod uploads;
pub mod users;
pub mod web;
