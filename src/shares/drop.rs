//! Upload links: a visitor drops files into the shared folder without seeing it. Each file is
//! committed through the usual upload path (names checked, hashed, deduplicated, charged to
//! the owner's quota) and, in the same transaction, counted against the link's own caps by
//! [`take`]. What a visitor is told never names the owner's files or quota.

use crate::db::DbConn;
use crate::db::models::shares as rows;
use crate::error::AppError;
use crate::files::human_bytes;

/// Counts a file of `size` bytes against the caps of link `share`, or says which cap it
/// passes: no more files → 410 `share_exhausted`; too many bytes → 413 with what is left.
pub fn take(conn: &mut DbConn, share: &str, size: i64) -> Result<(), AppError> {
    if rows::take_upload(conn, share, size)? {
        return Ok(());
    }
    let row = rows::find(conn, share)?;
    if row.max_uploads.is_some_and(|m| row.upload_count >= m) {
        return Err(AppError::ShareExhausted);
    }
    let left = row.max_upload_bytes.map(|m| (m - row.upload_bytes).max(0)).unwrap_or(0);
    Err(AppError::PayloadTooLarge(format!(
        "this link accepts only {} more; this file is {}",
        human_bytes(left),
        human_bytes(size)
    )))
}

/// A refusal as a visitor may hear it: the owner's quota is theirs, not the visitor's
/// business (the usual message says how much of it is used).
pub fn for_visitor(e: AppError) -> AppError {
    match e {
        AppError::QuotaExceeded(_) => AppError::QuotaExceeded(
            "there is no room left for this file in the folder's storage; tell the person who \
             sent the link"
                .into(),
        ),
        other => other,
    }
}
