//! The `login_limits` table: rate limits shared by every node (GCRA, one row per key): logins,
//! device-code guesses, uploads through links.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConn;
use crate::db::schema::login_limits;

#[derive(QueryableByName)]
struct Tat {
    #[diesel(sql_type = BigInt)]
    tat_ms: i64,
}

/// Takes one attempt for `key` at `now_ms`, where attempts refill one per `interval_ms` and at
/// most `burst` may come at once. `None` when allowed; `Some(ms)` to wait when refused.
pub fn take(
    conn: &mut DbConn,
    key: &str,
    now_ms: i64,
    interval_ms: i64,
    burst: i64,
) -> QueryResult<Option<i64>> {
    take_cost(conn, key, now_ms, interval_ms, interval_ms.saturating_mul(burst))
}

/// Takes `cost_ms` of the allowance of `key` at `now_ms`, where the allowance is `window_ms`
/// and refills in real time. `None` when allowed; `Some(ms)` to wait when refused. One
/// statement (an upsert whose update only happens within the limit), so attempts on several
/// nodes at the same moment are counted exactly.
pub fn take_cost(
    conn: &mut DbConn,
    key: &str,
    now_ms: i64,
    cost_ms: i64,
    window_ms: i64,
) -> QueryResult<Option<i64>> {
    // The same statement in each database's spelling: `GREATEST` / scalar `MAX`, `$n` / `?n`.
    let sql = match conn {
        DbConn::Pg(_) => {
            "INSERT INTO login_limits AS l (key, tat_ms) VALUES ($1, $2 + $3)
             ON CONFLICT (key) DO UPDATE SET tat_ms = GREATEST(l.tat_ms, $2) + $3
             WHERE GREATEST(l.tat_ms, $2) + $3 - $2 <= $4
             RETURNING tat_ms"
        }
        DbConn::Sqlite(_) => {
            "INSERT INTO login_limits AS l (key, tat_ms) VALUES (?1, ?2 + ?3)
             ON CONFLICT (key) DO UPDATE SET tat_ms = MAX(l.tat_ms, ?2) + ?3
             WHERE MAX(l.tat_ms, ?2) + ?3 - ?2 <= ?4
             RETURNING tat_ms"
        }
    };
    let taken = diesel::sql_query(sql)
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(now_ms)
        .bind::<BigInt, _>(cost_ms)
        .bind::<BigInt, _>(window_ms)
        .get_result::<Tat>(conn)
        .optional()?
        .map(|t| t.tat_ms);
    if taken.is_some() {
        return Ok(None);
    }
    let tat: i64 = login_limits::table.find(key).select(login_limits::tat_ms).get_result(conn)?;
    Ok(Some((tat.max(now_ms) + cost_ms - now_ms - window_ms).max(1)))
}

/// Forgets keys whose allowance is full again (their time is past): the table stays small.
pub fn prune(conn: &mut DbConn, now_ms: i64) -> QueryResult<usize> {
    diesel::delete(login_limits::table.filter(login_limits::tat_ms.lt(now_ms))).execute(conn)
}
