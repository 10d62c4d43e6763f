//! Share links: an owner hands out a link (`/s/{token}`) to one file or folder, optionally
//! with a password, an expiry, a download cap, downloads off. No actix here: the owner API
//! (`api/shares.rs`) and the visitor routes (`web/shares/`) are thin adapters over
//! [`create`], [`update`], [`revoke`] and the one gate, [`gate::authorize`].
//!
//! The token is 256 random bits. A link is found by its SHA-256; the token itself is kept
//! only sealed under the server's key ([`seal`]), so the owner can copy the link again while
//! the database alone names no working link. A password is bcrypt, like an account password.

pub mod browse;
pub mod drop;
pub mod gate;
pub mod seal;
pub mod unlock;
pub mod upload_limit;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

use crate::audit::{self, Detail, Entry, Event, Origin};
use crate::auth::secret;
use crate::auth::tokens::Keys;
use crate::db::DbConn;
use crate::db::ids::FileId;
use crate::db::models::files;
use crate::db::models::shares::{self as rows, ShareChanges, ShareRow};
use crate::db::models::users::User;
use crate::error::{AppError, FieldErrors};

pub use gate::{Grant, Operation, authorize};

/// The longest label kept.
const MAX_LABEL_CHARS: usize = 200;

/// What a link lets a visitor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// See (and, unless downloads are off, download) the file or the folder's contents.
    View,
    /// Drop files into the folder without seeing what is in it.
    Upload,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::View => "view",
            Kind::Upload => "upload",
        }
    }

    pub fn parse(s: &str) -> Result<Kind, AppError> {
        match s {
            "view" => Ok(Kind::View),
            "upload" => Ok(Kind::Upload),
            _ => Err(AppError::Validation(FieldErrors::single("kind", "must be view or upload"))),
        }
    }
}

/// Where a link stands, for the owner's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Active,
    Expired,
    Exhausted,
    Revoked,
}

impl State {
    pub fn of(row: &ShareRow, now: NaiveDateTime) -> State {
        if row.revoked_at.is_some() {
            State::Revoked
        } else if row.expires_at.is_some_and(|t| t <= now) {
            State::Expired
        } else if row.max_downloads.is_some_and(|m| row.download_count >= m)
            || row.max_uploads.is_some_and(|m| row.upload_count >= m)
        {
            State::Exhausted
        } else {
            State::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Expired => "expired",
            State::Exhausted => "exhausted",
            State::Revoked => "revoked",
        }
    }
}

/// A link to make. `password_hash` is the bcrypt of the password, made by the caller through
/// the hashers pool (never here, on a database connection).
pub struct NewShare {
    pub file: FileId,
    pub kind: Kind,
    pub label: Option<String>,
    pub password_hash: Option<String>,
    pub allow_download: bool,
    pub hide_location: bool,
    pub expires_at: Option<NaiveDateTime>,
    pub max_downloads: Option<i64>,
    pub upload: UploadCaps,
}

/// What an upload link accepts (ignored for view links).
#[derive(Debug, Default, Clone, Copy)]
pub struct UploadCaps {
    /// Files in all.
    pub max_files: Option<i64>,
    /// Bytes in all.
    pub max_bytes: Option<i64>,
    /// Each visitor's files go in a subfolder named after them.
    pub uploader_folders: bool,
}

/// The path a visitor opens.
pub fn url(token: &str) -> String {
    format!("/s/{token}")
}

/// A new token: 256 random bits, base64url (43 characters).
fn new_token() -> Result<String, AppError> {
    Ok(URL_SAFE_NO_PAD.encode(secret::random_bytes::<32>()?))
}

/// Checks the fields every create and edit share.
pub fn validate(
    label: Option<&str>,
    expires_at: Option<NaiveDateTime>,
    (max_downloads, max_uploads, max_upload_bytes): (Option<i64>, Option<i64>, Option<i64>),
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    if max_uploads.is_some_and(|m| m < 1) {
        errors.add("max_uploads", "must be at least 1");
    }
    if max_upload_bytes.is_some_and(|m| m < 1) {
        errors.add("max_upload_bytes", "must be at least 1");
    }
    if label.is_some_and(|l| l.chars().count() > MAX_LABEL_CHARS) {
        errors.add("label", format!("must be at most {MAX_LABEL_CHARS} characters"));
    }
    if expires_at.is_some_and(|t| t <= now) {
        errors.add("expires_at", "must be in the future");
    }
    if max_downloads.is_some_and(|m| m < 1) {
        errors.add("max_downloads", "must be at least 1");
    }
    errors.into_result()
}

/// A label as kept: trimmed, none when empty.
pub fn clean_label(label: Option<String>) -> Option<String> {
    label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty())
}

/// Creates a link to `new.file` (a live file or folder of `owner`) and audits it. Returns the
/// row and the token (kept only sealed under `keys`).
pub fn create(
    conn: &mut DbConn,
    (owner, keys): (&User, &Keys),
    new: NewShare,
    from: &Origin,
    now: NaiveDateTime,
) -> Result<(ShareRow, String), AppError> {
    let caps = (new.max_downloads, new.upload.max_files, new.upload.max_bytes);
    validate(new.label.as_deref(), new.expires_at, caps, now)?;
    let target = files::find_owned(conn, &owner.id, &new.file)?;
    if new.kind == Kind::Upload && !target.is_folder() {
        return Err(AppError::Validation(FieldErrors::single(
            "kind",
            "an upload link needs a folder to put the files in",
        )));
    }
    let token = new_token()?;
    let id = uuid::Uuid::new_v4().to_string();
    let upload = new.upload;
    let row = ShareRow {
        token_sealed: seal::seal(keys, &id, &token),
        id,
        token_sha256: secret::digest(&token),
        owner_id: owner.id.clone(),
        file_id: target.id,
        kind: new.kind.as_str().to_owned(),
        label: clean_label(new.label),
        password_hash: new.password_hash,
        password_version: 0,
        allow_download: new.allow_download,
        hide_location: new.hide_location,
        expires_at: new.expires_at,
        max_downloads: new.max_downloads,
        download_count: 0,
        view_count: 0,
        max_uploads: upload.max_files,
        max_upload_bytes: upload.max_bytes,
        upload_count: 0,
        upload_bytes: 0,
        uploader_folders: upload.uploader_folders,
        created_at: now,
        revoked_at: None,
    };
    crate::db::write(conn, |conn| -> Result<(), AppError> {
        rows::insert(conn, &row)?;
        let detail = describe(&row, new.kind, Some(target.name.clone()));
        let entry = Entry::new(Event::ShareCreated).by(owner).from(from).detail(detail);
        audit::record(conn, &entry, now)?;
        Ok(())
    })?;
    Ok((row, token))
}

/// An owner's edit of a live link. `password_changed` (a new password, or the password
/// removed) locks every visitor who unlocked the old one.
pub fn update(
    conn: &mut DbConn,
    owner: &User,
    id: &str,
    changes: &ShareChanges,
    password_changed: bool,
    now: NaiveDateTime,
) -> Result<ShareRow, AppError> {
    let current = rows::find_owned(conn, &owner.id, id)?;
    if current.revoked_at.is_some() {
        return Err(AppError::Conflict("this link is revoked; make a new one".into()));
    }
    let expires = changes.expires_at.unwrap_or(None);
    let label = changes.label.as_ref().and_then(|l| l.as_deref());
    // An expiry left as it was may be past already; only a new one must be in the future.
    let new_expiry = if changes.expires_at.is_some() { expires } else { None };
    let caps = (
        changes.max_downloads.unwrap_or(None),
        changes.max_uploads.unwrap_or(None),
        changes.max_upload_bytes.unwrap_or(None),
    );
    validate(label, new_expiry, caps, now)?;
    rows::update(conn, &owner.id, id, changes, password_changed)?;
    Ok(rows::find_owned(conn, &owner.id, id)?)
}

/// Revokes a live link of `owner` and audits it; `NotFound` when there is none.
pub fn revoke(
    conn: &mut DbConn,
    owner: &User,
    id: &str,
    from: &Origin,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    crate::db::write(conn, |conn| {
        let row = rows::find_owned(conn, &owner.id, id)?;
        if !rows::revoke(conn, &owner.id, id, now)? {
            return Err(AppError::NotFound);
        }
        // The column holds what `Kind::as_str` wrote at creation.
        let kind = Kind::parse(&row.kind).unwrap_or(Kind::View);
        let name = files::find_owned_any_state(conn, &owner.id, &row.file_id).ok().map(|f| f.name);
        let entry =
            Entry::new(Event::ShareRevoked).by(owner).from(from).detail(describe(&row, kind, name));
        audit::record(conn, &entry, now)?;
        Ok(())
    })
}

/// Records a wrong password for `share` (on its owner's entries), at most once a minute per
/// link: a stranger guessing must not be able to flood the audit log. Never the password
/// tried.
pub fn password_failed(
    conn: &mut DbConn,
    share: &ShareRow,
    from: &Origin,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let detail = Detail::ShareWrongPassword { link: share.id.clone() };
    let event = Event::SharePasswordFailed;
    let since = now - chrono::Duration::minutes(1);
    if crate::db::models::audit::recorded_since(conn, event.as_str(), &detail.text(), since)? {
        return Ok(());
    }
    let owner = crate::db::models::users::find(conn, &share.owner_id)?;
    audit::record_quietly(conn, &Entry::new(event).on(&owner).from(from).detail(detail), now);
    Ok(())
}

/// What the audit log says of a link: its id, kind and file (with the file's name when it is
/// known), never its token or password.
fn describe(row: &ShareRow, kind: Kind, file_name: Option<String>) -> Detail {
    Detail::ShareLink {
        kind,
        link: row.id.clone(),
        file: row.file_id.to_string(),
        file_name,
        password: row.password_hash.is_some(),
    }
}
