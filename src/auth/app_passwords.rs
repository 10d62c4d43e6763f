//! App passwords: revocable credentials for apps, scripts and WebDAV clients that are not the
//! account password, can be limited (scopes, one folder, an expiry) and revoked one by one.
//!
//! An app password is a session row (`method = app_password`, client `app`) plus an
//! `app_passwords` row. Being a session, it is checked like every token on every request
//! (revoked, expired, user disabled → 401/403 at once), its last use is noted, and what it
//! mints (preview URLs, archive links) dies with it. The secret is `hdk_` + the session id
//! (32 hex digits) + 256 random bits (64 hex digits): shown once, stored as SHA-256.
//!
//! Plain functions over a connection: no HTTP here.

use chrono::{Duration, NaiveDateTime};

use crate::audit::{self, Detail, Entry, Event, Origin};
use crate::auth::claims::{AUDIENCE, AccessClaims, ClientKind, ISSUER, TokenType};
use crate::auth::method::AuthMethod;
use crate::auth::{secret, sessions};
use crate::db::ids::{FileId, SessionId};
use crate::db::models::app_passwords::{self as rows, AppPasswordRow};
use crate::db::models::files;
use crate::db::models::sessions::{self as session_rows, NewSession, Session};
use crate::db::models::users::User;
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};

/// What an app password starts with (so the API, the log redaction and secret scanners can
/// tell one at a glance).
pub const PREFIX: &str = "hdk_";
/// The scopes an app password may carry. Never `admin`.
pub const SCOPES: [&str; 4] = ["files:read", "files:write", "shares", "dav"];
/// How many live app passwords one account may hold.
pub const MAX_PER_USER: usize = 100;
/// An app password without an expiry lasts this long (the session row needs an end).
const NO_EXPIRY: Duration = Duration::days(365 * 100);

/// What the owner asks for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub name: String,
    /// Space-separated; `None`: every scope of [`SCOPES`].
    pub scope: Option<String>,
    pub folder: Option<FileId>,
    pub expires_at: Option<NaiveDateTime>,
    /// WebDAV keeps macOS metadata files (`._name`, `.DS_Store`) instead of dropping them.
    pub keep_mac_files: bool,
}

/// A new app password: its rows, and the secret (shown once, never stored).
pub struct Created {
    pub row: AppPasswordRow,
    pub session: Session,
    pub token: String,
}

/// Whether `token` has the shape of an app password (it is then never tried as a JWT).
pub fn is_app_password(token: &str) -> bool {
    token.get(..PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
}

/// The session id and the secret of an app password, if it has the right shape.
fn parse(token: &str) -> Option<(SessionId, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    if rest.len() != 96 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = uuid::Uuid::try_parse(&rest[..32]).ok()?;
    Some((SessionId(id.hyphenated().to_string()), &rest[32..]))
}

/// Checks a request and normalizes its scope.
fn validate(req: &Request, now: NaiveDateTime) -> Result<String, AppError> {
    let mut errors = FieldErrors::default();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        errors.add("name", "must be 1 to 64 characters");
    } else if name.chars().any(char::is_control) {
        errors.add("name", "must not contain control characters");
    }
    let mut granted: Vec<&str> = Vec::new();
    match req.scope.as_deref().map(str::trim) {
        None => granted.extend(SCOPES),
        Some("") => errors.add("scope", "must name at least one scope"),
        Some(scope) => {
            for s in scope.split_whitespace() {
                if !SCOPES.contains(&s) {
                    let allowed = SCOPES.join(", ");
                    errors
                        .add("scope", format!("`{s}` is not a scope of app passwords ({allowed})"));
                } else if !granted.contains(&s) {
                    granted.push(s);
                }
            }
        }
    }
    if let Some(at) = req.expires_at
        && (at <= now || at > now + NO_EXPIRY)
    {
        errors.add("expires_at", "must be in the future, at most 100 years away");
    }
    errors.into_result()?;
    Ok(granted.join(" "))
}

/// Creates an app password for `user`. The folder, when given, must be one of the user's
/// live folders (anything else reads as missing: 404).
pub fn create(
    conn: &mut DbConn,
    user: &User,
    req: &Request,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Created, AppError> {
    let scope = validate(req, now)?;
    let (random, id) = (secret::random_hex()?, SessionId::generate());
    let simple = uuid::Uuid::try_parse(id.as_str()).map_err(AppError::internal)?.simple();
    let token = format!("{PREFIX}{simple}{random}");
    let (session, row) = db::write(conn, |conn| {
        if let Some(folder) = &req.folder {
            let row = files::find_owned(conn, &user.id, folder)?;
            if !row.is_folder() {
                return Err(AppError::Validation(FieldErrors::single("folder", "is not a folder")));
            }
        }
        if rows::list_live(conn, &user.id, now)?.len() >= MAX_PER_USER {
            return Err(AppError::Conflict(format!(
                "an account may hold {MAX_PER_USER} app passwords; revoke one first"
            )));
        }
        let session = session_rows::insert(
            conn,
            &NewSession {
                id: &id,
                user_id: &user.id,
                client: ClientKind::App.as_str(),
                created_at: now,
                last_used_at: now,
                expires_at: req.expires_at.unwrap_or(now + NO_EXPIRY),
                user_agent: None,
                ip: None,
                method: AuthMethod::AppPassword.as_str(),
                // An app password never counts as a recent proof of identity.
                verified_at: Some(chrono::DateTime::UNIX_EPOCH.naive_utc()),
                persistent: false,
            },
        )?;
        let row = AppPasswordRow {
            session_id: id.clone(),
            user_id: user.id.clone(),
            name: req.name.trim().to_owned(),
            secret_sha256: secret::digest(&random),
            scope: scope.clone(),
            folder_id: req.folder.as_ref().map(|f| f.0.clone()),
            keep_mac_files: req.keep_mac_files,
        };
        rows::insert(conn, &row)?;
        let entry = Entry::new(Event::AppPasswordCreated)
            .by(user)
            .from(origin)
            .detail(Detail::AppPasswordCreated { name: row.name.clone(), scope: scope.clone() });
        audit::record(conn, &entry, now)?;
        Ok::<_, AppError>((session, row))
    })?;
    Ok(Created { row, session, token })
}

/// What an accepted app password gives a request.
pub struct Authenticated {
    pub session: Session,
    pub user: User,
    pub claims: AccessClaims,
    /// The folder every file operation is confined to, if any.
    pub folder: Option<FileId>,
    /// WebDAV keeps macOS metadata files for it.
    pub keep_mac_files: bool,
}

/// Checks an app password: its secret, then its session exactly as for a token (revoked,
/// expired, user disabled). Notes the use (time, address, client) at most once a minute.
pub fn authenticate(
    conn: &mut DbConn,
    token: &str,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Authenticated, AppError> {
    let (id, random) = parse(token).ok_or(AppError::TokenInvalid)?;
    let (row, session, user) = match rows::find_with_session(conn, &id) {
        Ok(found) => found,
        Err(diesel::result::Error::NotFound) => return Err(AppError::TokenInvalid),
        Err(e) => return Err(e.into()),
    };
    if !secret::matches(random, &row.secret_sha256) {
        return Err(AppError::TokenInvalid);
    }
    sessions::validate(&session, &user, &row.user_id, None, now)?;
    if sessions::touch_due(&session, now) {
        session_rows::touch_from(conn, &session.id, now, origin)?;
    }
    let claims = AccessClaims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: user.id.clone(),
        sid: session.id.clone(),
        typ: TokenType::Access,
        cli: ClientKind::App,
        scope: row.scope.clone(),
        iat: session.created_at.and_utc().timestamp(),
        exp: session.expires_at.and_utc().timestamp(),
        jti: String::new(),
    };
    let keep_mac_files = row.keep_mac_files;
    Ok(Authenticated { session, user, claims, folder: row.folder_id.map(FileId), keep_mac_files })
}
