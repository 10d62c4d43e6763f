//! One file per table: the row types and the queries on that table.

pub mod app_passwords;
pub mod archives;
pub mod audit;
pub mod blobs;
pub mod dav_locks;
pub mod dav_props;
pub mod device_codes;
pub mod files;
pub mod job_runs;
pub mod login_limits;
pub mod mfa_challenges;
pub mod photo_meta;
pub mod recovery_codes;
pub mod refresh_tokens;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod shares;
pub mod totp;
pub mod trash;
pub mod uploads;
pub mod users;

/// The largest page of users or audit entries a listing returns.
pub const MAX_PAGE: i64 = 200;
