//! The `recovery_codes` table: ten single-use codes per user with 2FA on, as SHA-256.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::UserId;
use crate::db::schema::recovery_codes;

#[derive(Insertable)]
#[diesel(table_name = recovery_codes)]
struct NewCode<'a> {
    user_id: &'a UserId,
    code_sha256: &'a str,
}

/// Replaces the user's codes with `digests` (the old ones stop working).
pub fn replace(conn: &mut DbConn, user: &UserId, digests: &[String]) -> QueryResult<()> {
    delete_all(conn, user)?;
    // One statement per row: SQLite's batch insert does not build through `MultiConnection`.
    for d in digests {
        let row = NewCode { user_id: user, code_sha256: d };
        diesel::insert_into(recovery_codes::table).values(&row).execute(conn)?;
    }
    Ok(())
}

/// Uses the unused code with this digest: true when this call used it (a conditional
/// UPDATE, so two requests with the same code cannot both succeed).
pub fn use_code(
    conn: &mut DbConn,
    user: &UserId,
    digest: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user))
            .filter(recovery_codes::code_sha256.eq(digest))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn count_unused(conn: &mut DbConn, user: &UserId) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

pub fn delete_all(conn: &mut DbConn, user: &UserId) -> QueryResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)
}
