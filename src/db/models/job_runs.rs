//! The `job_runs` table: when each periodic background job last ran, on any node.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::job_runs;

/// Claims this period's run of `name`: `true` for exactly one caller (on any node) among all
/// that ask after `period` has passed since the last run.
pub fn claim(
    conn: &mut DbConn,
    name: &str,
    period: chrono::Duration,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let never = chrono::DateTime::UNIX_EPOCH.naive_utc();
    let insert = diesel::insert_into(job_runs::table)
        .values((job_runs::name.eq(name), job_runs::last_run_at.eq(never)))
        .on_conflict(job_runs::name)
        .do_nothing();
    // Spelled per backend: diesel cannot route `ON CONFLICT` through the connection enum.
    crate::on_each_backend!(conn, |c| insert.execute(c))?;
    let claimed =
        diesel::update(job_runs::table.find(name).filter(job_runs::last_run_at.le(now - period)))
            .set(job_runs::last_run_at.eq(now))
            .execute(conn)?;
    Ok(claimed == 1)
}
