//! Where the API applies an app password's folder (`files::confine`): thin async wrappers
//! that cost nothing (no database hop) for every other credential.

use crate::db;
use crate::db::ids::FileId;
use crate::db::models::files::FileRow;
use crate::error::AppError;
use crate::files::confine::Confinement;
use crate::http::auth::CurrentUser;
use crate::state::AppState;

/// How a confined caller may touch the ids: read them, or change them (the folder itself
/// cannot be renamed, moved or deleted by a credential confined to it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Read,
    Change,
}

/// `NotFound` unless every id is within the caller's folder.
pub async fn ids(
    state: &AppState,
    me: &CurrentUser,
    ids: &[FileId],
    how: Use,
) -> Result<(), AppError> {
    let Some(root) = me.folder.clone() else { return Ok(()) };
    let (owner, ids) = (me.user.id.clone(), ids.to_vec());
    db::run(&state.db, move |conn| {
        let mut c = Confinement::new(&owner, &root);
        for id in &ids {
            match how {
                Use::Read => c.check(conn, id)?,
                Use::Change => c.check_inside(conn, id)?,
            }
        }
        Ok(())
    })
    .await
}

/// One id: see [`ids`].
pub async fn id(state: &AppState, me: &CurrentUser, id: &FileId, how: Use) -> Result<(), AppError> {
    ids(state, me, std::slice::from_ref(id), how).await
}

/// The folder an operation happens in: `asked` (checked), or for a confined caller its own
/// folder when nothing was asked (`None`, the top level, for everyone else).
pub async fn folder(
    state: &AppState,
    me: &CurrentUser,
    asked: Option<FileId>,
) -> Result<Option<FileId>, AppError> {
    let Some(root) = me.folder.clone() else { return Ok(asked) };
    let owner = me.user.id.clone();
    db::run(&state.db, move |conn| Confinement::new(&owner, &root).folder(conn, asked)).await
}

/// The rows within the caller's folder (all of them for an unconfined caller).
pub async fn keep(
    state: &AppState,
    me: &CurrentUser,
    rows: Vec<FileRow>,
) -> Result<Vec<FileRow>, AppError> {
    let Some(root) = me.folder.clone() else { return Ok(rows) };
    let owner = me.user.id.clone();
    db::run(&state.db, move |conn| Confinement::new(&owner, &root).keep(conn, rows)).await
}

/// Refuses a confined caller (routes about the whole account, such as the trash).
pub fn whole_account(me: &CurrentUser) -> Result<(), AppError> {
    if me.folder.is_some() { Err(AppError::NotForAppPasswords(ONE_FOLDER)) } else { Ok(()) }
}

/// Why a confined caller cannot use the trash.
pub const ONE_FOLDER: &str = "an app password limited to one folder cannot use the trash";
