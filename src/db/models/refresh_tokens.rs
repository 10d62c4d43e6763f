//! The `refresh_tokens` table: the SHA-256 of each refresh token an `app`/`api` session was
//! given, and whether it has been used (rotated). See `auth::refresh`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::SessionId;
use crate::db::schema::refresh_tokens;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RefreshToken {
    pub token_sha256: String,
    pub session_id: SessionId,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub scope: String,
}

pub fn insert(conn: &mut DbConn, row: &RefreshToken) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table.find(sha256).select(RefreshToken::as_select()).get_result(conn).optional()
}

/// Marks the token used, if nobody has: the compare-and-set that lets exactly one of two
/// concurrent refreshes with the same token win (on PostgreSQL the second waits for the
/// first's row lock, then finds `used_at` set). `false`: it was already used.
pub fn consume(conn: &mut DbConn, sha256: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_sha256.eq(sha256))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}
