//! The `shares` table: share links. A link is looked up by the SHA-256 of its token; the
//! download count only moves through [`take_download`], one conditional UPDATE against the
//! cap, so simultaneous downloads can never go past it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::schema::shares;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shares, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ShareRow {
    pub id: String,
    pub token_sha256: String,
    pub owner_id: UserId,
    pub file_id: FileId,
    /// `view` or `upload` (see `shares::Kind`).
    pub kind: String,
    pub label: Option<String>,
    /// bcrypt; never leaves the server.
    pub password_hash: Option<String>,
    pub password_version: i32,
    pub allow_download: bool,
    pub hide_location: bool,
    pub expires_at: Option<NaiveDateTime>,
    pub max_downloads: Option<i64>,
    pub download_count: i64,
    pub view_count: i64,
    /// An upload link's caps: files and bytes in all (none: no cap but the owner's quota).
    pub max_uploads: Option<i64>,
    pub max_upload_bytes: Option<i64>,
    /// What visitors dropped through an upload link so far.
    pub upload_count: i64,
    pub upload_bytes: i64,
    /// An upload link puts each visitor's files in a subfolder named after them.
    pub uploader_folders: bool,
    /// The token sealed under the server's key (`shares::seal`), for the owner's pages.
    pub token_sealed: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// What an owner's edit changes; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = shares)]
pub struct ShareChanges {
    pub label: Option<Option<String>>,
    pub password_hash: Option<Option<String>>,
    pub allow_download: Option<bool>,
    pub hide_location: Option<bool>,
    pub expires_at: Option<Option<NaiveDateTime>>,
    pub max_downloads: Option<Option<i64>>,
    pub max_uploads: Option<Option<i64>>,
    pub max_upload_bytes: Option<Option<i64>>,
    pub uploader_folders: Option<bool>,
}

pub fn insert(conn: &mut DbConn, row: &ShareRow) -> QueryResult<usize> {
    diesel::insert_into(shares::table).values(row).execute(conn)
}

pub fn find_by_digest(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<ShareRow>> {
    shares::table
        .filter(shares::token_sha256.eq(sha256))
        .select(ShareRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<ShareRow> {
    shares::table.find(id).select(ShareRow::as_select()).first(conn)
}

/// The link `id` if `owner` made it (revoked ones included).
pub fn find_owned(conn: &mut DbConn, owner: &UserId, id: &str) -> QueryResult<ShareRow> {
    shares::table
        .find(id)
        .filter(shares::owner_id.eq(owner))
        .select(ShareRow::as_select())
        .first(conn)
}

/// Every link of `owner`, or only those of `file`, newest first.
pub fn list(
    conn: &mut DbConn,
    owner: &UserId,
    file: Option<&FileId>,
) -> QueryResult<Vec<ShareRow>> {
    let mut q = shares::table.filter(shares::owner_id.eq(owner)).into_boxed();
    if let Some(file) = file {
        q = q.filter(shares::file_id.eq(file));
    }
    q.order((shares::created_at.desc(), shares::id.desc())).select(ShareRow::as_select()).load(conn)
}

/// Applies an owner's edit; a new password (or none) bumps `password_version`, so every
/// visitor who unlocked the old one is locked out again.
pub fn update(
    conn: &mut DbConn,
    owner: &UserId,
    id: &str,
    changes: &ShareChanges,
    password_changed: bool,
) -> QueryResult<usize> {
    let target = shares::table
        .find(id)
        .filter(shares::owner_id.eq(owner))
        .filter(shares::revoked_at.is_null());
    let bump = if password_changed { 1 } else { 0 };
    diesel::update(target)
        .set((changes, shares::password_version.eq(shares::password_version + bump)))
        .execute(conn)
}

/// Revokes a live link of `owner`; `false` when there is none.
pub fn revoke(
    conn: &mut DbConn,
    owner: &UserId,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        shares::table
            .find(id)
            .filter(shares::owner_id.eq(owner))
            .filter(shares::revoked_at.is_null()),
    )
    .set(shares::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Counts one download if the cap allows it, in one statement: `false` when the cap is
/// reached (however many take at once, exactly `max_downloads` get `true`).
pub fn take_download(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = diesel::update(
        shares::table.find(id).filter(
            shares::max_downloads
                .is_null()
                .or(shares::download_count.nullable().lt(shares::max_downloads)),
        ),
    )
    .set(shares::download_count.eq(shares::download_count + 1))
    .execute(conn)?;
    Ok(n == 1)
}

/// Counts one file of `size` bytes dropped through an upload link if its caps allow it, in
/// one statement (called inside the transaction that commits the file, so a refused commit
/// takes nothing): `false` when a cap would be passed.
pub fn take_upload(conn: &mut DbConn, id: &str, size: i64) -> QueryResult<bool> {
    let n = diesel::update(
        shares::table
            .find(id)
            .filter(
                shares::max_uploads
                    .is_null()
                    .or(shares::upload_count.nullable().lt(shares::max_uploads)),
            )
            .filter(
                shares::max_upload_bytes
                    .is_null()
                    .or((shares::upload_bytes + size).nullable().le(shares::max_upload_bytes)),
            ),
    )
    .set((
        shares::upload_count.eq(shares::upload_count + 1),
        shares::upload_bytes.eq(shares::upload_bytes + size),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn count_view(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::update(shares::table.find(id))
        .set(shares::view_count.eq(shares::view_count + 1))
        .execute(conn)
}
