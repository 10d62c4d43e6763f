//! The audit log: logins (and failed ones), logouts, password changes, session revocations,
//! registrations, and every admin action, with who did it, to whom, and from where. Entries
//! never hold a password or a token; old ones are pruned after
//! `HOMEDISK_AUDIT_RETENTION_DAYS`.

mod detail;

use chrono::{Duration, NaiveDateTime};

use crate::db::DbConn;
use crate::db::models::MAX_PAGE;
use crate::db::models::audit::{self, AuditFilter, NewAudit};
use crate::db::models::users::User;
use crate::error::{AppError, FieldErrors};

pub use detail::{Detail, DetailCode, LoginFailure};

/// Where a request came from: stored with a session (so its user can recognise it) and with
/// every audit entry.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// What happened. The stored names are stable (filters and the API use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Registered,
    LoginSucceeded,
    LoginFailed,
    Logout,
    LogoutAll,
    SessionRevoked,
    PasswordChanged,
    UserCreated,
    UserDisabled,
    UserEnabled,
    RoleChanged,
    QuotaChanged,
    SessionsEndedByAdmin,
    PasswordReset,
    UserDeleted,
    SettingChanged,
    AppPasswordCreated,
    AppPasswordRevoked,
    DeviceApproved,
    DeviceDenied,
    TotpEnabled,
    TotpDisabled,
    TotpResetByAdmin,
    RecoveryCodesRegenerated,
    LoginMfaFailed,
    ShareCreated,
    ShareRevoked,
    SharePasswordFailed,
    RefreshTokenReused,
}

impl Event {
    pub const ALL: [Event; 29] = [
        Event::Registered,
        Event::LoginSucceeded,
        Event::LoginFailed,
        Event::Logout,
        Event::LogoutAll,
        Event::SessionRevoked,
        Event::PasswordChanged,
        Event::UserCreated,
        Event::UserDisabled,
        Event::UserEnabled,
        Event::RoleChanged,
        Event::QuotaChanged,
        Event::SessionsEndedByAdmin,
        Event::PasswordReset,
        Event::UserDeleted,
        Event::SettingChanged,
        Event::AppPasswordCreated,
        Event::AppPasswordRevoked,
        Event::DeviceApproved,
        Event::DeviceDenied,
        Event::TotpEnabled,
        Event::TotpDisabled,
        Event::TotpResetByAdmin,
        Event::RecoveryCodesRegenerated,
        Event::LoginMfaFailed,
        Event::ShareCreated,
        Event::ShareRevoked,
        Event::SharePasswordFailed,
        Event::RefreshTokenReused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Registered => "registered",
            Event::LoginSucceeded => "login",
            Event::LoginFailed => "login_failed",
            Event::Logout => "logout",
            Event::LogoutAll => "logout_all",
            Event::SessionRevoked => "session_revoked",
            Event::PasswordChanged => "password_changed",
            Event::UserCreated => "admin_user_created",
            Event::UserDisabled => "admin_user_disabled",
            Event::UserEnabled => "admin_user_enabled",
            Event::RoleChanged => "admin_role_changed",
            Event::QuotaChanged => "admin_quota_changed",
            Event::SessionsEndedByAdmin => "admin_logout",
            Event::PasswordReset => "admin_password_reset",
            Event::UserDeleted => "admin_user_deleted",
            Event::SettingChanged => "admin_setting_changed",
            Event::AppPasswordCreated => "app_password_created",
            Event::AppPasswordRevoked => "app_password_revoked",
            Event::DeviceApproved => "device_approved",
            Event::DeviceDenied => "device_denied",
            Event::TotpEnabled => "totp_enabled",
            Event::TotpDisabled => "totp_disabled",
            Event::TotpResetByAdmin => "totp_reset_by_admin",
            Event::RecoveryCodesRegenerated => "recovery_codes_regenerated",
            Event::LoginMfaFailed => "login_mfa_failed",
            Event::ShareCreated => "share_created",
            Event::ShareRevoked => "share_revoked",
            Event::SharePasswordFailed => "share_password_failed",
            Event::RefreshTokenReused => "refresh_token_reused",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// One entry to record. Build with [`Entry::new`] and the `by`/`on`/… setters.
#[derive(Debug, Clone)]
pub struct Entry {
    event: Event,
    actor: Option<(String, String)>,
    target: Option<(String, String)>,
    login: Option<String>,
    origin: Origin,
    detail: Option<Detail>,
}

impl Entry {
    pub fn new(event: Event) -> Self {
        Entry {
            event,
            actor: None,
            target: None,
            login: None,
            origin: Origin::default(),
            detail: None,
        }
    }
    /// Who acted.
    pub fn by(mut self, user: &User) -> Self {
        self.actor = Some((user.id.to_string(), user.username.clone()));
        self
    }
    /// Whom it was done to.
    pub fn on(mut self, user: &User) -> Self {
        self.target = Some((user.id.to_string(), user.username.clone()));
        self
    }
    /// The login name tried (failed logins), cut to a sane length.
    pub fn login(mut self, login: &str) -> Self {
        self.login = Some(cut(login.trim(), 128).to_owned());
        self
    }
    pub fn from(mut self, origin: &Origin) -> Self {
        self.origin = origin.clone();
        self
    }
    /// What else there is to say: a typed [`Detail`], never free text, so the pages can
    /// translate it.
    pub fn detail(mut self, detail: Detail) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// Writes `entry`. Callers that must not fail because of the audit log use [`record_quietly`].
pub fn record(conn: &mut DbConn, entry: &Entry, now: NaiveDateTime) -> diesel::QueryResult<()> {
    let (actor_id, actor_name) = split(entry.actor.as_ref());
    let (target_id, target_name) = split(entry.target.as_ref());
    let text = entry.detail.as_ref().map(Detail::text);
    let (code, params) = entry.detail.as_ref().map(Detail::encode).unzip();
    let params = params.flatten();
    audit::insert(
        conn,
        &NewAudit {
            at: now,
            event: entry.event.as_str(),
            actor_id,
            actor_name,
            target_id,
            target_name,
            login: entry.login.as_deref(),
            ip: entry.origin.ip.as_deref(),
            user_agent: entry.origin.user_agent.as_deref().map(|ua| cut(ua, 256)),
            detail: text.as_deref(),
            detail_code: code.map(DetailCode::as_str),
            detail_params: params.as_deref(),
        },
    )
}

/// Writes `entry`, logging (not returning) a failure: the action it describes already happened.
pub fn record_quietly(conn: &mut DbConn, entry: &Entry, now: NaiveDateTime) {
    if let Err(e) = record(conn, entry, now) {
        tracing::error!(event = entry.event.as_str(), error = %e, "could not write the audit log");
    }
}

/// Removes entries older than `days` days.
pub fn prune(conn: &mut DbConn, days: u32, now: NaiveDateTime) -> diesel::QueryResult<usize> {
    audit::prune(conn, now - Duration::days(i64::from(days)))
}

fn split(pair: Option<&(String, String)>) -> (Option<&str>, Option<&str>) {
    pair.map_or((None, None), |(id, name)| (Some(id.as_str()), Some(name.as_str())))
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}

/// The query of a page of the audit log (`?event=&user=&q=&before=&limit=`), for the API and
/// the admin pages alike.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub event: Option<String>,
    pub user: Option<String>,
    pub q: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

impl AuditQuery {
    pub fn to_filter(&self) -> Result<(AuditFilter, i64), AppError> {
        let event = match self.event.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => Some(
                Event::parse(e)
                    .ok_or_else(|| {
                        AppError::Validation(FieldErrors::single("event", "is not a known event"))
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };
        let nonempty = |v: &Option<String>| {
            v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
        };
        let filter = AuditFilter {
            event,
            user_id: nonempty(&self.user),
            text: nonempty(&self.q),
            before: self.before,
        };
        Ok((filter, self.limit.unwrap_or(50).clamp(1, MAX_PAGE)))
    }
}
