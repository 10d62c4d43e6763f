//! The one error type of the application.
//!
//! Domain code and handlers return `Result<T, AppError>`. Each variant has a stable `code`
//! (part of the API contract, listed in README.md) and an HTTP status, both decided in
//! [`AppError::code_and_status`] and nowhere else. The JSON API renders errors as RFC 9457
//! problem details (`application/problem+json`); the HTML pages wrap the same error in
//! `web::PageError`, which renders the error page instead.
//!
//! Anything unexpected goes into [`AppError::Internal`]: its cause chain is logged, and the
//! client sees an opaque 500 with no detail. Never put a token or a password in a message.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::auth::end_reason::EndReason;

/// Per-field validation messages, e.g. `username` → `["must be 3 to 32 characters"]`.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
#[schema(value_type = std::collections::HashMap<String, Vec<String>>)]
pub struct FieldErrors(pub BTreeMap<&'static str, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_default().push(message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The first message for `field`, for inline form errors.
    pub fn first(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(|v| v.first()).map(String::as_str)
    }
    /// `Ok(())` when empty, else the validation error.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() { Ok(()) } else { Err(AppError::Validation(self)) }
    }
    pub fn single(field: &'static str, message: impl Into<String>) -> Self {
        let mut e = FieldErrors::default();
        e.add(field, message);
        e
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, messages) in &self.0 {
            for m in messages {
                if !first {
                    f.write_str("; ")?;
                }
                write!(f, "{field}: {m}")?;
                first = false;
            }
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("some fields are not valid: {0}")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("the login or the password is wrong")]
    InvalidCredentials,
    #[error("this request needs a token: send `Authorization: Bearer <token>` or log in")]
    TokenMissing,
    #[error("the token is not valid; log in again to get a new one")]
    TokenInvalid,
    #[error("the token has expired; log in again")]
    TokenExpired,
    /// The session behind the token has ended, for this reason (when known).
    #[error("{}", EndReason::message(*.0))]
    TokenRevoked(Option<EndReason>),
    /// A refresh token that was already rotated came back: its session is now revoked.
    #[error("this refresh token was already used, so its session has been ended; log in again")]
    RefreshTokenReused,
    #[error("this account is disabled; ask the administrator")]
    UserDisabled,
    #[error("this token does not allow that: it lacks the `{0}` scope")]
    ScopeInsufficient(&'static str),
    /// What an app password may never do, and why (`scope_insufficient`, like a missing scope).
    #[error("{0}")]
    NotForAppPasswords(&'static str),
    /// HTTP Basic with what looks like a user name and the account password: never accepted.
    #[error(
        "HTTP Basic takes an app password (hdk_…, create one on your account page), never the account password"
    )]
    AccountPasswordOverBasic,
    #[error("the form expired or did not come from this site; reload the page and try again")]
    CsrfFailed,
    /// A sensitive action (app passwords, 2FA, the password) needs a login or the password
    /// entered again within the last ten minutes.
    #[error("confirm your password first: this action needs a login within the last 10 minutes")]
    ReauthRequired,
    /// The password was right and the account has two-factor login on: no session yet. The
    /// client sends a code with this token to `/api/v1/auth/login/mfa`.
    #[error(
        "enter the 6-digit code of your authenticator app (or a recovery code) to finish logging in"
    )]
    MfaRequired(MfaToken),
    /// A wrong TOTP or recovery code, or one already used.
    #[error("the code is wrong or was already used")]
    MfaInvalid,
    /// The two-factor step cannot go on: unknown, used, expired, or five wrong codes.
    #[error(
        "this login attempt has ended (too many wrong codes, or more than 5 minutes); log in again with your password"
    )]
    MfaExpired,
    #[error("registration is closed on this instance; ask the administrator for an account")]
    RegistrationClosed,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    /// A method the route does not answer; the methods it does (for `Allow`).
    #[error("this address answers {0} only")]
    MethodNotAllowed(String),
    /// An image that cannot be decoded (corrupt, truncated, or beyond the decoding limits).
    #[error("{0}")]
    ImageUnreadable(String),
    /// The request is valid but would break a rule of the current state (say, leave the
    /// instance without an administrator).
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// One address sent more through upload links than an hour's allowance
    /// (`shares::upload_limit`); `rate_limited` like any limit.
    #[error(
        "this address has sent as many files through upload links as the server accepts for now; try again in {} min",
        .retry_after_secs.div_ceil(60)
    )]
    UploadsLimited { retry_after_secs: u64 },
    /// Too much work queued (password hashing); the client should retry shortly.
    #[error("the server is busy; try again in a few seconds")]
    Busy,
    /// The blob store (S3) cannot be reached: a refused connection, a timeout, a 5xx.
    #[error("the file storage cannot be reached right now; try again in a moment")]
    StorageUnavailable(#[source] std::io::Error),
    /// The database cannot answer this time: a connection its server closed (a restart, a
    /// failover), a statement over its time limit, a deadlock or serialization failure, a
    /// locked SQLite file, no free connection. Retrying shortly is right.
    #[error("the database is busy or cannot be reached right now; try again in a moment")]
    DatabaseUnavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Device login (RFC 8628): nobody has approved or denied the code yet; poll again.
    #[error("the request is not approved yet; poll again after the interval")]
    AuthorizationPending,
    /// Device login: polled sooner than the interval after the last poll. The interval grows
    /// by 5 s (RFC 8628, 3.5), and the answer says the new one.
    #[error("polling too fast: wait at least {interval} s between polls (5 s more than before)")]
    SlowDown { interval: u64 },
    /// Device login: the code expired before it was approved and used.
    #[error("the device code has expired; start the device login again")]
    ExpiredToken,
    /// Device login: the user denied the request.
    #[error("the request was denied")]
    AccessDenied,
    /// Device login: no such device code, or it was already used.
    #[error("the device code is not valid or was already used")]
    InvalidGrant,
    /// A share link with a password that this visitor has not unlocked (or unlocked before
    /// the password changed).
    #[error("this link is protected by a password: unlock it first")]
    ShareLocked,
    /// A share link whose download cap is reached.
    #[error("this link has reached its download limit")]
    ShareExhausted,
    /// A view-only share link whose owner turned downloads off: thumbnails and the viewer
    /// only, never the original or the ZIP.
    #[error("the owner of this link does not allow downloads")]
    ShareDownloadOff,
    /// A share link that hides locations, asked for the original of a type whose location
    /// homedisk cannot take out (HEIC, TIFF, video…): same code as downloads off.
    #[error(
        "the owner of this link hides where photos were taken, and this file's location cannot          be removed, so it is not offered for download"
    )]
    ShareLocationKept,
    /// tus: the client speaks another protocol version (`Tus-Resumable`).
    #[error("this server speaks tus 1.0.0: send `Tus-Resumable: 1.0.0`")]
    TusVersion,
    /// tus: the `Upload-Offset` sent is not where the upload is.
    #[error(
        "the upload is at byte {0}, not at the `Upload-Offset` sent; ask with HEAD and resume from there"
    )]
    UploadOffset(i64),
    /// tus: the chunk's bytes do not match its `Upload-Checksum`; nothing of it was kept.
    #[error("the chunk does not match its Upload-Checksum; nothing of it was kept, send it again")]
    ChecksumMismatch,
    /// tus: another request is writing to this upload right now.
    #[error("another request is sending bytes to this upload; wait for it, then ask with HEAD")]
    UploadBusy,
    /// tus: the upload expired (24 h without bytes) or was finished or cancelled.
    #[error("this upload has expired; start it again")]
    UploadGone,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// Wraps any unexpected error; its cause chain is logged when the response is built.
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(err.into())
    }

    /// The stable `code` and the HTTP status: the single place where errors meet HTTP.
    pub fn code_and_status(&self) -> (&'static str, StatusCode) {
        use AppError::*;
        match self {
            Validation(_) => ("validation_failed", StatusCode::BAD_REQUEST),
            BadRequest(_) => ("bad_request", StatusCode::BAD_REQUEST),
            InvalidCredentials => ("invalid_credentials", StatusCode::UNAUTHORIZED),
            TokenMissing => ("token_missing", StatusCode::UNAUTHORIZED),
            TokenInvalid => ("token_invalid", StatusCode::UNAUTHORIZED),
            TokenExpired => ("token_expired", StatusCode::UNAUTHORIZED),
            TokenRevoked(_) => ("token_revoked", StatusCode::UNAUTHORIZED),
            RefreshTokenReused => ("refresh_token_reused", StatusCode::UNAUTHORIZED),
            UserDisabled => ("user_disabled", StatusCode::FORBIDDEN),
            ScopeInsufficient(_) | NotForAppPasswords(_) => {
                ("scope_insufficient", StatusCode::FORBIDDEN)
            }
            AccountPasswordOverBasic => ("token_invalid", StatusCode::UNAUTHORIZED),
            CsrfFailed => ("csrf_failed", StatusCode::FORBIDDEN),
            ReauthRequired => ("reauth_required", StatusCode::FORBIDDEN),
            MfaRequired(_) => ("mfa_required", StatusCode::UNAUTHORIZED),
            MfaInvalid => ("mfa_invalid", StatusCode::UNAUTHORIZED),
            MfaExpired => ("mfa_expired", StatusCode::UNAUTHORIZED),
            RegistrationClosed => ("registration_closed", StatusCode::FORBIDDEN),
            NotFound => ("not_found", StatusCode::NOT_FOUND),
            PayloadTooLarge(_) => ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            QuotaExceeded(_) => ("quota_exceeded", StatusCode::PAYLOAD_TOO_LARGE),
            UnsupportedMedia(_) => ("unsupported_media", StatusCode::UNSUPPORTED_MEDIA_TYPE),
            MethodNotAllowed(_) => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            ImageUnreadable(_) => ("image_unreadable", StatusCode::UNPROCESSABLE_ENTITY),
            Conflict(_) => ("conflict", StatusCode::CONFLICT),
            RateLimited { .. } | UploadsLimited { .. } => {
                ("rate_limited", StatusCode::TOO_MANY_REQUESTS)
            }
            Busy => ("busy", StatusCode::SERVICE_UNAVAILABLE),
            StorageUnavailable(_) => ("storage_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            DatabaseUnavailable(_) => ("database_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            ShareLocked => ("share_locked", StatusCode::UNAUTHORIZED),
            ShareExhausted => ("share_exhausted", StatusCode::GONE),
            ShareDownloadOff | ShareLocationKept => {
                ("share_download_disabled", StatusCode::FORBIDDEN)
            }
            TusVersion => ("tus_version", StatusCode::PRECONDITION_FAILED),
            UploadOffset(_) => ("upload_offset", StatusCode::CONFLICT),
            // 460 is the tus checksum extension's own status.
            ChecksumMismatch => {
                ("checksum_mismatch", StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST))
            }
            UploadBusy => ("upload_busy", StatusCode::LOCKED),
            UploadGone => ("upload_gone", StatusCode::GONE),
            AuthorizationPending => ("authorization_pending", StatusCode::BAD_REQUEST),
            SlowDown { .. } => ("slow_down", StatusCode::BAD_REQUEST),
            ExpiredToken => ("expired_token", StatusCode::BAD_REQUEST),
            AccessDenied => ("access_denied", StatusCode::BAD_REQUEST),
            InvalidGrant => ("invalid_grant", StatusCode::BAD_REQUEST),
            Internal(_) => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// True for the errors that mean "who are you?" (pages answer them with the login page).
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            AppError::TokenMissing
                | AppError::TokenInvalid
                | AppError::TokenExpired
                | AppError::TokenRevoked(_)
                | AppError::RefreshTokenReused
                | AppError::AccountPasswordOverBasic
        )
    }

    /// Logs an internal error's whole cause chain (and, as a warning, why the storage could not
    /// be reached); every response path calls this.
    pub fn log_if_internal(&self) {
        let chain = |err: &dyn std::error::Error| {
            let mut chain = err.to_string();
            let mut source = err.source();
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            chain
        };
        match self {
            AppError::Internal(err) => {
                tracing::error!(error = %chain(err.as_ref()), "internal error")
            }
            AppError::StorageUnavailable(err) => {
                tracing::warn!(error = %chain(err), "the blob store cannot be reached")
            }
            AppError::DatabaseUnavailable(err) => {
                tracing::warn!(error = %chain(err.as_ref()), "the database could not answer")
            }
            _ => {}
        }
    }

    /// Headers every rendering of this error carries (`Retry-After`, `WWW-Authenticate`).
    pub fn extra_headers(&self) -> Vec<(header::HeaderName, HeaderValue)> {
        match self {
            AppError::RateLimited { retry_after_secs }
            | AppError::UploadsLimited { retry_after_secs } => {
                vec![(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs))]
            }
            AppError::Busy | AppError::StorageUnavailable(_) | AppError::DatabaseUnavailable(_) => {
                vec![(header::RETRY_AFTER, HeaderValue::from_static("5"))]
            }
            AppError::MethodNotAllowed(allow) => {
                HeaderValue::from_str(allow).map(|v| vec![(header::ALLOW, v)]).unwrap_or_default()
            }
            e if e.is_authentication() => {
                vec![(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"homedisk\""),
                )]
            }
            _ => vec![],
        }
    }
}

/// The `mfa_token` of an [`AppError::MfaRequired`]: its `Debug` hides it, so logging the
/// error cannot leak it.
#[derive(Clone)]
pub struct MfaToken(pub String);

impl fmt::Debug for MfaToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaToken(REDACTED)")
    }
}

/// The second factors `/api/v1/auth/login/mfa` accepts, as `methods` of `mfa_required`.
const MFA_METHODS: &[&str] = &["totp", "recovery_code"];

/// RFC 9457 problem details, with homedisk's `code` and optional per-field `errors`. Its
/// schema is the one the OpenAPI document gives every error answer (`api::openapi`).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Problem<'a> {
    /// Always `about:blank`: `code` says what went wrong.
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    /// What happened and what to do, for people.
    detail: String,
    /// The stable, machine-readable reason (`token_expired`, `validation_failed`, …).
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `validation_failed`: the messages of each field.
    errors: Option<&'a FieldErrors>,
    /// `slow_down`: the polling interval from now on, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<u64>,
    /// `mfa_required`: send it with a code to `/api/v1/auth/login/mfa`.
    #[serde(skip_serializing_if = "Option::is_none")]
    mfa_token: Option<&'a str>,
    /// `mfa_required`: the second factors accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    methods: Option<&'static [&'static str]>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.code_and_status().1
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_internal();
        let (code, status) = self.code_and_status();
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            code,
            errors: match self {
                AppError::Validation(errors) => Some(errors),
                _ => None,
            },
            interval: match self {
                AppError::SlowDown { interval } => Some(*interval),
                _ => None,
            },
            mfa_token: match self {
                AppError::MfaRequired(token) => Some(&token.0),
                _ => None,
            },
            methods: matches!(self, AppError::MfaRequired(_)).then_some(MFA_METHODS),
        };
        let mut resp = HttpResponse::build(status);
        resp.content_type("application/problem+json");
        for h in self.extra_headers() {
            resp.insert_header(h);
        }
        let mut resp = resp.json(problem);
        // For the metrics (counted by code in the access log's middleware).
        resp.extensions_mut().insert(ErrorCode(code));
        resp
    }
}

/// The code of an error answer, kept on the response for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(Kind::ClosedConnection | Kind::SerializationFailure, _) => {
                AppError::DatabaseUnavailable(e.into())
            }
            Error::DatabaseError(_, ref info) if is_transient(info.message()) => {
                AppError::DatabaseUnavailable(e.into())
            }
            // PostgreSQL refuses text holding a NUL (SQLite stores it, then finds nothing):
            // an id or a name from a hostile request, the client's mistake, not ours.
            Error::DatabaseError(_, ref info) if info.message().contains("0x00") => {
                AppError::BadRequest("text with a NUL character (\\0) is not accepted".into())
            }
            other => AppError::internal(other),
        }
    }
}

/// Database failures that say "not now" rather than "never": PostgreSQL's statement timeout
/// and deadlock detector, SQLite's busy file. Read from the message, the one place they show.
fn is_transient(message: &str) -> bool {
    ["canceling statement due to statement timeout", "deadlock detected", "database is locked"]
        .iter()
        .any(|m| message.contains(m))
}

impl From<diesel::r2d2::PoolError> for AppError {
    /// No connection came free in time, or none could be made.
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::DatabaseUnavailable(e.into())
    }
}
