//! The `audit_log` table: append, list with filters (newest first), prune.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::db::sql::{contains_pattern, lower, lower_nullable};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub event: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub login: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    /// What `detail` says, as a stable code (`audit::DetailCode`); `None` on entries written
    /// before codes existed.
    pub detail_code: Option<String>,
    /// The values of `detail_code`, a JSON object.
    pub detail_params: Option<String>,
}

#[derive(Debug, Default, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit<'a> {
    pub at: NaiveDateTime,
    pub event: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor_name: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub target_name: Option<&'a str>,
    pub login: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub detail_code: Option<&'a str>,
    pub detail_params: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, new: &NewAudit<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table).values(new).execute(conn).map(drop)
}

/// Whether an `event` entry with exactly this `detail` was recorded after `since` (throttling
/// events a stranger can trigger at will).
pub fn recorded_since(
    conn: &mut DbConn,
    event: &str,
    detail: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        audit_log::table
            .filter(audit_log::event.eq(event))
            .filter(audit_log::detail.eq(detail))
            .filter(audit_log::at.gt(since)),
    ))
    .get_result(conn)
}

/// What to show: an event kind, a user (as actor or target, by id), text in the names, login
/// or IP; `before` pages back (entries with a smaller id).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub event: Option<String>,
    pub user_id: Option<String>,
    pub text: Option<String>,
    pub before: Option<i64>,
}

/// Up to `limit` entries matching `filter`, newest first.
pub fn list(conn: &mut DbConn, filter: &AuditFilter, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(event) = &filter.event {
        query = query.filter(audit_log::event.eq(event.clone()));
    }
    if let Some(user) = &filter.user_id {
        query = query
            .filter(audit_log::actor_id.eq(user.clone()).or(audit_log::target_id.eq(user.clone())));
    }
    if let Some(text) = &filter.text {
        let pattern = || lower(contains_pattern(text)).nullable();
        query = query.filter(
            lower_nullable(audit_log::actor_name)
                .like(pattern())
                .escape('\\')
                .or(lower_nullable(audit_log::target_name).like(pattern()).escape('\\'))
                .or(lower_nullable(audit_log::login).like(pattern()).escape('\\'))
                .or(lower_nullable(audit_log::ip).like(pattern()).escape('\\')),
        );
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::id.lt(before));
    }
    query.order(audit_log::id.desc()).limit(limit).load(conn)
}

/// Removes entries older than `cutoff`; returns how many.
pub fn prune(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(audit_log::table.filter(audit_log::at.lt(cutoff))).execute(conn)
}
