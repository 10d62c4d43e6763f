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

pub fn count_view(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::update(shares::table.find(id))
        .set(shares::view_count.eq(shares::view_count + 1))
        .execute(conn)
}
