//! The `device_codes` table: device login requests (RFC 8628), from the app's request to
//! the session its poll receives. Every change of `status` is a conditional UPDATE on the
//! state it leaves, so two requests racing (two polls, an approval and a denial) cannot both
//! win.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::UserId;
use crate::db::schema::device_codes;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Waiting for a logged-in user at `/device`.
    Pending,
    Approved,
    Denied,
    /// Approved, and the app's poll got its session: the code works no more.
    Consumed,
}

impl DeviceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Pending => "pending",
            DeviceStatus::Approved => "approved",
            DeviceStatus::Denied => "denied",
            DeviceStatus::Consumed => "consumed",
        }
    }

    /// The stored text; anything unknown reads as consumed (used up, never a way in).
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => DeviceStatus::Pending,
            "approved" => DeviceStatus::Approved,
            "denied" => DeviceStatus::Denied,
            _ => DeviceStatus::Consumed,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = device_codes, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DeviceCode {
    pub id: String,
    pub device_code_sha256: String,
    /// Eight letters, upper case, no dash.
    pub user_code: String,
    pub client_name: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub interval_secs: i32,
    pub last_poll_at: Option<NaiveDateTime>,
    pub status: String,
    pub user_id: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
}

impl DeviceCode {
    pub fn status(&self) -> DeviceStatus {
        DeviceStatus::parse(&self.status)
    }
}

pub fn insert(conn: &mut DbConn, row: &DeviceCode) -> QueryResult<usize> {
    diesel::insert_into(device_codes::table).values(row).execute(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<DeviceCode>> {
    device_codes::table.find(id).select(DeviceCode::as_select()).first(conn).optional()
}

pub fn find_by_hash(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<DeviceCode>> {
    device_codes::table
        .filter(device_codes::device_code_sha256.eq(sha256))
        .select(DeviceCode::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_user_code(conn: &mut DbConn, user_code: &str) -> QueryResult<Option<DeviceCode>> {
    device_codes::table
        .filter(device_codes::user_code.eq(user_code))
        .select(DeviceCode::as_select())
        .first(conn)
        .optional()
}

/// Notes a poll of a pending request, with the interval it must keep from now on.
pub fn record_poll(
    conn: &mut DbConn,
    id: &str,
    interval_secs: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(device_codes::table.find(id))
        .set((device_codes::last_poll_at.eq(now), device_codes::interval_secs.eq(interval_secs)))
        .execute(conn)
}

/// Approves or denies a request that is still pending and unexpired, on behalf of `user`.
/// `false`: it was not (decided meanwhile, or expired).
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    user: &UserId,
    to: DeviceStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        device_codes::table
            .find(id)
            .filter(device_codes::status.eq(DeviceStatus::Pending.as_str()))
            .filter(device_codes::expires_at.gt(now)),
    )
    .set((
        device_codes::status.eq(to.as_str()),
        device_codes::user_id.eq(user),
        device_codes::decided_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks an approved, unexpired request used; `true` for exactly one caller however many
/// poll at once.
pub fn consume(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        device_codes::table
            .find(id)
            .filter(device_codes::status.eq(DeviceStatus::Approved.as_str()))
            .filter(device_codes::expires_at.gt(now)),
    )
    .set(device_codes::status.eq(DeviceStatus::Consumed.as_str()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Removes requests that expired before `cutoff`.
pub fn prune(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(device_codes::table.filter(device_codes::expires_at.lt(cutoff))).execute(conn)
}
