//! The `archives` table: download links for ZIP archives of a selection (see
//! `files::zip::links`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{SessionId, UserId};
use crate::db::schema::archives;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = archives, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ArchiveRow {
    pub id: String,
    pub owner_id: UserId,
    pub session_id: SessionId,
    pub secret_sha256: String,
    /// A JSON array of file ids.
    pub items: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ArchiveRow) -> QueryResult<usize> {
    diesel::insert_into(archives::table).values(row).execute(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ArchiveRow>> {
    archives::table.find(id).select(ArchiveRow::as_select()).first(conn).optional()
}

/// Removes the links that no longer work (done as new ones are made: no job needed).
pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(archives::table.filter(archives::expires_at.le(now))).execute(conn)
}
