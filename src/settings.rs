//! Instance settings an administrator can change at runtime: whether anyone may register, the
//! quota new accounts get, and how long the trash keeps deleted items. The environment gives the defaults; a value stored in the
//! `settings` table (set on `/admin`) wins, takes effect at once, and is audited.

use chrono::NaiveDateTime;

use crate::audit::Origin;
use crate::audit::{self, Detail, Entry, Event};
use crate::config::{Config, Registration};
use crate::db::models::settings as rows;
use crate::db::models::users::User;
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};

const REGISTRATION: &str = "registration";
const DEFAULT_QUOTA: &str = "default_quota_bytes";
const TRASH_RETENTION: &str = "trash_retention_days";

/// The range an admin may set the trash retention to, in days.
pub const TRASH_RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;

/// The settings in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub registration: Registration,
    pub default_quota: u64,
    pub trash_retention_days: u32,
    /// Whether each one comes from the database (changed by an admin) rather than the
    /// environment.
    pub registration_stored: bool,
    pub default_quota_stored: bool,
    pub trash_retention_stored: bool,
}

/// The settings in effect now: stored values over the environment's.
pub fn current(conn: &mut DbConn, config: &Config) -> Result<Settings, AppError> {
    let mut settings = Settings {
        registration: config.registration,
        default_quota: config.default_quota_bytes,
        trash_retention_days: config.trash_retention_days,
        registration_stored: false,
        default_quota_stored: false,
        trash_retention_stored: false,
    };
    for (key, value) in rows::all(conn)? {
        match key.as_str() {
            REGISTRATION => {
                if let Some(r) = Registration::parse(&value) {
                    settings.registration = r;
                    settings.registration_stored = true;
                }
            }
            DEFAULT_QUOTA => {
                if let Ok(q) = value.parse() {
                    settings.default_quota = q;
                    settings.default_quota_stored = true;
                }
            }
            TRASH_RETENTION => {
                if let Ok(d) = value.parse() {
                    settings.trash_retention_days = d;
                    settings.trash_retention_stored = true;
                }
            }
            _ => {}
        }
    }
    Ok(settings)
}

/// A change an admin asks for; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub registration: Option<String>,
    pub default_quota: Option<u64>,
    pub trash_retention_days: Option<u32>,
}

/// Validates and stores `change`, auditing each setting that actually changed.
pub fn update(
    conn: &mut DbConn,
    config: &Config,
    admin: &User,
    change: &Change,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Settings, AppError> {
    let registration = match change.registration.as_deref().map(str::trim) {
        None => None,
        Some(raw) => Some(Registration::parse(raw).ok_or_else(|| {
            AppError::Validation(FieldErrors::single("registration", "must be open or closed"))
        })?),
    };
    if change.trash_retention_days.is_some_and(|d| !TRASH_RETENTION_DAYS.contains(&d)) {
        return Err(AppError::Validation(FieldErrors::single(
            "trash_retention_days",
            "must be a whole number of days from 1 to 3650",
        )));
    }
    db::write(conn, |conn| {
        let before = current(conn, config)?;
        if let Some(r) = registration.filter(|r| *r != before.registration) {
            rows::set(conn, REGISTRATION, r.as_str(), Some(admin.id.as_str()), now)?;
            let detail = Detail::RegistrationChanged { from: before.registration, to: r };
            audit::record(
                conn,
                &Entry::new(Event::SettingChanged).by(admin).from(origin).detail(detail),
                now,
            )?;
        }
        if let Some(q) = change.default_quota.filter(|q| *q != before.default_quota) {
            rows::set(conn, DEFAULT_QUOTA, &q.to_string(), Some(admin.id.as_str()), now)?;
            let detail = Detail::DefaultQuotaChanged { from: before.default_quota, to: q };
            audit::record(
                conn,
                &Entry::new(Event::SettingChanged).by(admin).from(origin).detail(detail),
                now,
            )?;
        }
        if let Some(d) = change.trash_retention_days.filter(|d| *d != before.trash_retention_days) {
            rows::set(conn, TRASH_RETENTION, &d.to_string(), Some(admin.id.as_str()), now)?;
            let detail = Detail::TrashRetentionChanged { from: before.trash_retention_days, to: d };
            audit::record(
                conn,
                &Entry::new(Event::SettingChanged).by(admin).from(origin).detail(detail),
                now,
            )?;
        }
        current(conn, config)
    })
}
