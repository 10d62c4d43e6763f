//! What a visitor of a folder link sees: the folder asked for (inside the share, checked by
//! the gate), its live contents, and the way back up, which stops at the shared folder (the
//! names above it are not the visitor's business).

use crate::db::DbConn;
use crate::db::models::files::{self, FileRow, Sort};
use crate::error::AppError;
use crate::files::path_to;
use crate::shares::Grant;

/// A folder of a share, as shown.
pub struct Contents {
    /// From the shared folder down to the one shown, both included.
    pub crumbs: Vec<FileRow>,
    /// Folders first, then files, by name.
    pub items: Vec<FileRow>,
}

/// The contents of `grant.file`, a folder inside the share.
pub fn contents(conn: &mut DbConn, grant: &Grant) -> Result<Contents, AppError> {
    let owner = &grant.share.owner_id;
    let path = path_to(conn, owner, Some(&grant.file))?;
    let from = path.iter().position(|f| f.id == grant.target.id).unwrap_or(0);
    let items = files::list(conn, owner, Some(&grant.file.id), Sort::Name, false)?;
    Ok(Contents { crumbs: path[from..].to_vec(), items })
}
