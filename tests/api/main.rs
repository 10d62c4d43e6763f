//! Integration tests: the real app (`startup::build_app`) on a fresh temp data directory and
//! SQLite file per test, driven in-process through `actix_web::test`; `binary.rs` starts the
//! real executable (`server.rs`), and `browser/` drives it from headless Chromium.

mod database;
mod helpers;
mod server;

mod admin;
mod admin_pages;
mod app_password_folders;
mod app_passwords;
mod backup;
mod binary;
mod browser;
mod dav;
mod dav_server;
mod dav_tools;
mod device_login;
mod device_pages;
mod file_pages;
mod files;
mod first_run;
mod hardening;
mod health;
mod hostile_binary;
mod logging;
mod login;
mod metrics;
mod organize;
mod pages;
mod preview;
mod races;
mod rate_limit;
mod readme;
mod register;
mod revocation;
mod search;
mod share_links;
mod share_location;
mod share_pages;
mod share_uploads;
mod shares;
mod storage;
mod storage_s3;
mod token_sources;
mod token_validation;
mod totp;
mod totp_admin;
mod totp_pages;
mod trash;
mod trash_pages;
mod tus_clients;
mod ui;
mod uploads;
mod uploads_s3;
mod zip;
