//! The `settings` table: instance settings an admin changed at runtime (key → text value).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::settings;

/// Every stored setting, as (key, value).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    settings::table.select((settings::key, settings::value)).load(conn)
}

/// The stored value of `key`, if an admin set one.
pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .filter(settings::key.eq(key))
        .select(settings::value)
        .get_result(conn)
        .optional()
}

/// Stores `value` for `key` (insert or replace).
pub fn set(
    conn: &mut DbConn,
    key: &str,
    value: &str,
    by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // An upsert, spelled per backend: diesel cannot route `ON CONFLICT` through the
    // connection enum, but the same builder compiles for each concrete connection.
    let row = (
        settings::key.eq(key),
        settings::value.eq(value),
        settings::updated_at.eq(now),
        settings::updated_by.eq(by),
    );
    let query = diesel::insert_into(settings::table)
        .values(row)
        .on_conflict(settings::key)
        .do_update()
        .set((
            settings::value.eq(value),
            settings::updated_at.eq(now),
            settings::updated_by.eq(by),
        ));
    crate::on_each_backend!(conn, |c| query.execute(c)).map(drop)
}
