//! The one gate of every share route: [`authorize`]. Each visitor request (page, unlock,
//! file, thumbnail, ZIP) asks it, and it answers from the rows as they are now:
//!
//! 1. the link exists, is not revoked, not expired → else 404;
//! 2. its owner is active → else 404;
//! 3. its target is live (not trashed) → else 404;
//! 4. the cap is not reached → else 410 `share_exhausted`;
//! 5. a password is unlocked for the current password version → else 401 `share_locked`;
//! 6. the requested file is the target or a live descendant of it **now** (a file moved out
//!    or trashed is gone from the share) → else 404;
//! 7. the operation is allowed: an upload link allows only its drop page and the drop (and
//!    names no file inside: anything else → 404); downloads (original, ZIP) of a view link
//!    need `allow_download` → else 403 `share_download_disabled` (the visitor sees the page,
//!    so saying why is no leak); a link that hides locations does not hand out originals
//!    whose location cannot be removed (`files::location`), with the same code;
//! 8. a counted download takes one from the cap in one conditional UPDATE → else 410.
//!
//! Steps 1 to 3 answer alike, so a stranger learns nothing about a link that is not live.

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::ids::FileId;
use crate::db::models::files::{self, FileRow};
use crate::db::models::shares::{self as rows, ShareRow};
use crate::db::models::users::{self, UserState};
use crate::error::AppError;
use crate::files::confine::Confinement;
use crate::shares::unlock::Unlock;
use crate::shares::{Kind, State};

/// What a visitor asks of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Send the password: the link must be live, the password is what is being checked.
    Unlock,
    /// The page (a file page, a folder listing).
    Page,
    /// A thumbnail.
    Thumb,
    /// The original bytes; `counted`: this request starts a download (a full GET or a
    /// Range from 0) and takes one from the cap.
    Download { counted: bool },
    /// The ZIP of the shared folder (`counted` as for a download).
    Zip { counted: bool },
    /// Drop files into the folder of an upload link (each file is counted against the
    /// link's caps when it is committed: `db::models::shares::take_upload`).
    Upload,
}

/// What the gate let through.
#[derive(Debug, Clone)]
pub struct Grant {
    pub share: ShareRow,
    /// The shared file or folder.
    pub target: FileRow,
    /// The file the request named (the target when it named none).
    pub file: FileRow,
}

/// The gate (see the module docs). `token` is the link's token as typed; `unlock` the
/// visitor's verified unlock, if any; `file` the id the request names inside the share.
pub fn authorize(
    conn: &mut DbConn,
    token: &str,
    unlock: Option<&Unlock>,
    file: Option<&FileId>,
    op: Operation,
    now: NaiveDateTime,
) -> Result<Grant, AppError> {
    let share = rows::find_by_digest(conn, &crate::auth::secret::digest(token))?
        .ok_or(AppError::NotFound)?;
    let state = State::of(&share, now);
    if matches!(state, State::Revoked | State::Expired) {
        return Err(AppError::NotFound);
    }
    let owner = users::find(conn, &share.owner_id)?;
    if owner.state() != UserState::Active {
        return Err(AppError::NotFound);
    }
    let target = files::find_owned(conn, &share.owner_id, &share.file_id)?;
    if state == State::Exhausted {
        return Err(AppError::ShareExhausted);
    }
    if op != Operation::Unlock && !unlocked(&share, unlock, now) {
        return Err(AppError::ShareLocked);
    }
    let kind = Kind::parse(&share.kind)?;
    let file = match file {
        None => target.clone(),
        // An upload link shows nothing inside its folder, not even whether an id is there.
        Some(_) if kind == Kind::Upload => return Err(AppError::NotFound),
        Some(id) if *id == target.id => target.clone(),
        Some(id) => within(conn, &target, id)?,
    };
    allowed(&share, kind, &file, op)?;
    if matches!(op, Operation::Download { counted: true } | Operation::Zip { counted: true })
        && !rows::take_download(conn, &share.id)?
    {
        return Err(AppError::ShareExhausted);
    }
    Ok(Grant { share, target, file })
}

/// Whether the visitor may pass the password: no password, or an unlock of this link, for
/// its current password version, not expired.
fn unlocked(share: &ShareRow, unlock: Option<&Unlock>, now: NaiveDateTime) -> bool {
    if share.password_hash.is_none() {
        return true;
    }
    unlock.is_some_and(|u| {
        u.share_id == share.id
            && u.version == share.password_version
            && u.expires > now.and_utc().timestamp()
    })
}

/// The live row `id` if it is inside the folder `target` now.
fn within(conn: &mut DbConn, target: &FileRow, id: &FileId) -> Result<FileRow, AppError> {
    if !target.is_folder() {
        return Err(AppError::NotFound);
    }
    Confinement::new(&target.owner_id, &target.id).check(conn, id)?;
    Ok(files::find_owned(conn, &target.owner_id, id)?)
}

/// Whether the link's kind and options allow `op` on `file`.
fn allowed(share: &ShareRow, kind: Kind, file: &FileRow, op: Operation) -> Result<(), AppError> {
    if kind == Kind::Upload {
        // The drop page and the drop; what is in the folder is never the visitor's to see.
        return match op {
            Operation::Unlock | Operation::Page | Operation::Upload if file.is_folder() => Ok(()),
            _ => Err(AppError::NotFound),
        };
    }
    match op {
        Operation::Upload => Err(AppError::NotFound),
        Operation::Unlock | Operation::Page | Operation::Thumb => Ok(()),
        Operation::Download { .. } | Operation::Zip { .. } if !share.allow_download => {
            Err(AppError::ShareDownloadOff)
        }
        Operation::Download { .. } if file.is_folder() => {
            Err(AppError::BadRequest("a folder has no content to download; take the ZIP".into()))
        }
        Operation::Download { .. }
            if share.hide_location
                && !crate::files::location::strippable(file.mime.as_deref().unwrap_or("")) =>
        {
            Err(AppError::ShareLocationKept)
        }
        Operation::Download { .. } => Ok(()),
        Operation::Zip { .. } if !file.is_folder() => {
            Err(AppError::BadRequest("only a shared folder downloads as a ZIP".into()))
        }
        Operation::Zip { .. } => Ok(()),
    }
}
