//! The `users` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::db::ids::UserId;
use crate::db::schema::users;
use crate::db::sql::{contains_pattern, lower, lower_nullable};
use crate::error::{AppError, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    /// `user` or `admin`, as forms, queries and the API spell it.
    pub fn parse(raw: &str) -> Result<Role, AppError> {
        match raw {
            "user" => Ok(Role::User),
            "admin" => Ok(Role::Admin),
            _ => Err(AppError::Validation(FieldErrors::single("role", "must be user or admin"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserState {
    Active,
    Disabled,
}

impl UserState {
    pub fn as_str(self) -> &'static str {
        match self {
            UserState::Active => "active",
            UserState::Disabled => "disabled",
        }
    }

    /// `active` or `disabled`, as forms, queries and the API spell it.
    pub fn parse(raw: &str) -> Result<UserState, AppError> {
        match raw {
            "active" => Ok(UserState::Active),
            "disabled" => Ok(UserState::Disabled),
            _ => Err(AppError::Validation(FieldErrors::single(
                "state",
                "must be active or disabled",
            ))),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub state: String,
    pub quota: i64,
    pub storage_used: i64,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

impl User {
    pub fn role(&self) -> Role {
        if self.role == "admin" { Role::Admin } else { Role::User }
    }
    /// Anything but exactly `active` counts as disabled: fail closed.
    pub fn state(&self) -> UserState {
        if self.state == "active" { UserState::Active } else { UserState::Disabled }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a UserId,
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub quota: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<User> {
    // Not `returning(all_columns)`: `users` has columns `User` does not hold (2FA).
    diesel::insert_into(users::table).values(new).execute(conn)?;
    find(conn, new.id)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConn, id: &UserId) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).get_result(conn)
}

pub fn find_by_username(conn: &mut DbConn, name: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::username).eq(lower(name)))
        .select(User::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower_nullable(users::email).eq(lower(email).nullable()))
        .select(User::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_by_phone(conn: &mut DbConn, phone: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::phone.eq(phone))
        .select(User::as_select())
        .get_result(conn)
        .optional()
}

pub fn set_password_hash(conn: &mut DbConn, id: &UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::password_hash.eq(hash)).execute(conn)?;
    Ok(())
}

/// Replaces the hash `old` by `new` (the same password re-hashed at another cost); a no-op when
/// the password changed meanwhile, so a re-hash never brings back an old password.
pub fn upgrade_password_hash(
    conn: &mut DbConn,
    id: &UserId,
    old: &str,
    new: &str,
) -> QueryResult<bool> {
    let n = diesel::update(users::table.find(id).filter(users::password_hash.eq(old)))
        .set(users::password_hash.eq(new))
        .execute(conn)?;
    Ok(n > 0)
}

pub fn set_role(conn: &mut DbConn, id: &UserId, role: Role) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::role.eq(role.as_str())).execute(conn)?;
    Ok(())
}

pub fn set_state(conn: &mut DbConn, id: &UserId, state: UserState) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::state.eq(state.as_str())).execute(conn)?;
    Ok(())
}

pub fn touch_last_login(conn: &mut DbConn, id: &UserId, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::last_login_at.eq(at)).execute(conn)?;
    Ok(())
}

/// Every account, by user name (the admin list pages with [`search`]).
pub fn list_all(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table.order(users::username.asc()).select(User::as_select()).load(conn)
}

/// Adds `bytes` to the user's storage if it stays within the quota, in one statement, so
/// concurrent uploads cannot pass the quota together. `false`: it would not fit.
pub fn reserve_storage(conn: &mut DbConn, id: &UserId, bytes: i64) -> QueryResult<bool> {
    let n = diesel::update(
        users::table.find(id).filter((users::storage_used + bytes).le(users::quota)),
    )
    .set(users::storage_used.eq(users::storage_used + bytes))
    .execute(conn)?;
    Ok(n > 0)
}

/// Gives back `bytes` of storage (never below zero).
pub fn release_storage(conn: &mut DbConn, id: &UserId, bytes: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::storage_used.eq(crate::db::sql::minus_floored_at_zero("storage_used", bytes)))
        .execute(conn)?;
    Ok(())
}

/// How the admin list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    Username,
    Created,
    LastLogin,
    StorageUsed,
}

/// A page of the admin list: `search` matches user name, email or phone (substring, any case).
#[derive(Debug, Clone)]
pub struct UserQuery {
    pub search: Option<String>,
    pub sort: UserSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// One page of accounts for `query`, and how many match in all.
pub fn search(conn: &mut DbConn, query: &UserQuery) -> QueryResult<(Vec<User>, i64)> {
    let filtered = || {
        let mut q = users::table.into_boxed();
        if let Some(text) = query.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = || lower(contains_pattern(text));
            q = q.filter(
                lower(users::username)
                    .like(pattern())
                    .escape('\\')
                    .or(lower_nullable(users::email).like(pattern().nullable()).escape('\\'))
                    .or(users::phone.like(contains_pattern(text)).escape('\\')),
            );
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let q = filtered().select(User::as_select());
    let q = match (query.sort, query.descending) {
        (UserSort::Username, false) => q.order(lower(users::username).asc()),
        (UserSort::Username, true) => q.order(lower(users::username).desc()),
        (UserSort::Created, false) => q.order((users::created_at.asc(), users::username.asc())),
        (UserSort::Created, true) => q.order((users::created_at.desc(), users::username.asc())),
        // "Never" counts as the oldest: NULLs first going up, last going down, spelled out
        // because SQLite and PostgreSQL place NULLs at opposite ends by default.
        (UserSort::LastLogin, false) => q.order((
            users::last_login_at.is_null().desc(),
            users::last_login_at.asc(),
            users::username.asc(),
        )),
        (UserSort::LastLogin, true) => q.order((
            users::last_login_at.is_null().asc(),
            users::last_login_at.desc(),
            users::username.asc(),
        )),
        (UserSort::StorageUsed, false) => {
            q.order((users::storage_used.asc(), users::username.asc()))
        }
        (UserSort::StorageUsed, true) => {
            q.order((users::storage_used.desc(), users::username.asc()))
        }
    };
    let page = q.offset(query.offset).limit(query.limit).load(conn)?;
    Ok((page, total))
}

pub fn set_quota(conn: &mut DbConn, id: &UserId, quota: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::quota.eq(quota)).execute(conn)?;
    Ok(())
}

/// Administrators whose account is active.
pub fn count_active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::state.eq(UserState::Active.as_str()))
        .count()
        .get_result(conn)
}

/// Sums over all accounts: (accounts, storage used).
pub fn totals(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let rows: Vec<i64> = users::table.select(users::storage_used).load(conn)?;
    Ok((i64::try_from(rows.len()).unwrap_or(i64::MAX), rows.iter().sum()))
}

/// Removes the account row (its sessions go with it; its files must be gone first).
pub fn delete(conn: &mut DbConn, id: &UserId) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}
