//! What an administrator does to accounts: create, disable/enable, promote/demote, set the
//! quota, end every session, reset the password, delete with all files. Every action is
//! audited (who did what to whom) and takes effect on the target's next request. The instance
//! always keeps at least one active administrator.
//!
//! Plain functions over a connection (bcrypt work aside), shared by the API and the pages.

use chrono::{NaiveDateTime, Utc};

use crate::audit::{self, Detail, Entry, Event, Origin};
use crate::auth::password;
use crate::auth::sessions::EndReason;
use crate::db::ids::UserId;
use crate::db::models::MAX_PAGE;
use crate::db::models::files as file_rows;
use crate::db::models::sessions::{self as session_rows, Ending};
use crate::db::models::users::{self, Role, User, UserQuery, UserSort, UserState};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::files::release;
use crate::preview::Thumbnailer;
use crate::settings;
use crate::storage::Storage;
use crate::users::Accounts;
use crate::users::accounts::{self, RegisterInput};
use crate::users::validate;

const LAST_ADMIN: &str = "this would leave the instance without an active administrator; \
                          promote another account first";

/// Changes to an account; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub state: Option<UserState>,
    pub role: Option<Role>,
    /// Bytes.
    pub quota: Option<i64>,
}

/// Whether `user` counts as an active administrator.
fn active_admin(user: &User) -> bool {
    user.role() == Role::Admin && user.state() == UserState::Active
}

/// Refuses a change that takes `target` out of the active administrators when it is the last.
fn keep_an_admin(conn: &mut DbConn, target: &User, after: &UserChanges) -> Result<(), AppError> {
    // The caller holds db::lock_accounts: two admins demoting each other at once must not
    // both see the other one still there.
    let stays_admin = after.role.unwrap_or(target.role()) == Role::Admin
        && after.state.unwrap_or(target.state()) == UserState::Active;
    if active_admin(target) && !stays_admin && users::count_active_admins(conn)? <= 1 {
        return Err(AppError::Conflict(LAST_ADMIN.into()));
    }
    Ok(())
}

/// Applies `changes` to account `target` and audits each one. Returns the account as it is now.
pub fn update_user(
    conn: &mut DbConn,
    admin: &User,
    target: &UserId,
    changes: &UserChanges,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    if changes.quota.is_some_and(|q| q < 0) {
        return Err(AppError::Validation(FieldErrors::single("quota", "must be 0 or more bytes")));
    }
    db::write(conn, |conn| {
        db::lock_accounts(conn)?;
        let user = users::find(conn, target)?;
        keep_an_admin(conn, &user, changes)?;
        let entry = |event| Entry::new(event).by(admin).on(&user).from(origin);
        if let Some(state) = changes.state.filter(|s| *s != user.state()) {
            users::set_state(conn, &user.id, state)?;
            let event =
                if state == UserState::Disabled { Event::UserDisabled } else { Event::UserEnabled };
            audit::record(conn, &entry(event), now)?;
        }
        if let Some(role) = changes.role.filter(|r| *r != user.role()) {
            users::set_role(conn, &user.id, role)?;
            let detail = Detail::RoleChanged { from: user.role(), to: role };
            audit::record(conn, &entry(Event::RoleChanged).detail(detail), now)?;
        }
        if let Some(quota) = changes.quota.filter(|q| *q != user.quota) {
            users::set_quota(conn, &user.id, quota)?;
            let detail = Detail::QuotaChanged { from: user.quota, to: quota };
            audit::record(conn, &entry(Event::QuotaChanged).detail(detail), now)?;
        }
        Ok(users::find(conn, target)?)
    })
}

/// Ends every session of `target` (all its tokens and preview URLs stop working). Returns how
/// many were live.
pub fn end_sessions(
    conn: &mut DbConn,
    admin: &User,
    target: &UserId,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    db::write(conn, |conn| {
        let user = users::find(conn, target)?;
        let n =
            session_rows::revoke_all(conn, &user.id, EVERYTHING, EndReason::Admin.as_str(), now)?;
        let entry = Entry::new(Event::SessionsEndedByAdmin).by(admin).on(&user).from(origin);
        audit::record(conn, &entry.detail(Detail::SessionsEnded { count: n }), now)?;
        Ok(n)
    })
}

/// What an admin's force logout or password reset ends: every session and app password.
const EVERYTHING: Ending<'static> = Ending { keep: None, client: None, app_passwords: true };

/// Sets a new password for `target` (validated like any password; bcrypt off the executor)
/// and ends all of its sessions.
pub async fn reset_password(
    accounts: &Accounts,
    admin: User,
    target: UserId,
    new_password: String,
    origin: Origin,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    validate::password("new_password", &new_password, &mut errors);
    errors.into_result()?;
    let id = target.clone();
    db::run(&accounts.db, move |conn| Ok(users::find(conn, &id)?)).await?;
    let cost = accounts.config.bcrypt_cost;
    let hash = accounts.hashers.run(move || password::hash(&new_password, cost)).await??;
    db::run(&accounts.db, move |conn| {
        let now = Utc::now().naive_utc();
        db::write(conn, |conn| {
            let user = users::find(conn, &target)?;
            users::set_password_hash(conn, &user.id, &hash)?;
            session_rows::revoke_all(conn, &user.id, EVERYTHING, EndReason::Admin.as_str(), now)?;
            let entry = Entry::new(Event::PasswordReset).by(&admin).on(&user).from(&origin);
            audit::record(conn, &entry, now)?;
            Ok(())
        })
    })
    .await
}

/// Creates an account (registration rules, any registration setting) with `role`, and the
/// quota given or the instance default.
pub async fn create_user(
    accounts: &Accounts,
    admin: User,
    input: RegisterInput,
    role: Role,
    quota: Option<u64>,
    origin: Origin,
) -> Result<User, AppError> {
    let account = accounts::validate_registration(&input)?;
    let checked = account.clone();
    db::run(&accounts.db, move |conn| accounts::duplicates(conn, &checked)?.into_result()).await?;
    let (password, cost) = (account.password.clone(), accounts.config.bcrypt_cost);
    let hash = accounts.hashers.run(move || password::hash(&password, cost)).await??;
    let st = accounts.clone();
    db::run(&accounts.db, move |conn| {
        let now = Utc::now().naive_utc();
        let quota = match quota {
            Some(q) => q,
            None => settings::current(conn, &st.config)?.default_quota,
        };
        let user =
            accounts::insert_account(conn, &account, &hash, quota, role == Role::Admin, now)?;
        let entry = Entry::new(Event::UserCreated).by(&admin).on(&user).from(&origin);
        audit::record_quietly(
            conn,
            &entry.detail(Detail::CreatedWithRole { role: user.role() }),
            now,
        );
        Ok(user)
    })
    .await
}

/// What deleting an account removed.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeletedUser {
    pub files: usize,
    pub bytes: i64,
}

/// What deleting `target` would remove: its files and their size (for the confirmation).
pub fn deletion_preview(conn: &mut DbConn, target: &UserId) -> Result<DeletedUser, AppError> {
    let blobs = file_rows::blobs_of(conn, target)?;
    Ok(DeletedUser { files: blobs.len(), bytes: blobs.iter().map(|(_, size)| size).sum() })
}

/// Deletes account `target` with all its files, folders and sessions; bytes no other file
/// uses leave the disk (with their thumbnails) after the commit.
pub fn delete_user(
    conn: &mut DbConn,
    storage: &dyn Storage,
    thumbs: &Thumbnailer,
    admin: &User,
    target: &UserId,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<DeletedUser, AppError> {
    let (deleted, unreferenced) = db::write(conn, |conn| {
        // Locks first, the row read after: the last-admin rule decides on the current row,
        // and no upload or move of this user's runs meanwhile.
        db::lock_accounts(conn)?;
        db::lock_tree(conn, target)?;
        let user = users::find(conn, target)?;
        let gone = UserChanges { state: Some(UserState::Disabled), ..UserChanges::default() };
        keep_an_admin(conn, &user, &gone)?;
        let owned = file_rows::blobs_of(conn, &user.id)?;
        // Rows first: a blob row can only go once no file row points at it.
        file_rows::delete_all_of(conn, &user.id)?;
        let unreferenced = release::release(conn, owned.iter().map(|(sha, _)| sha.as_str()))?;
        users::delete(conn, &user.id)?;
        let deleted =
            DeletedUser { files: owned.len(), bytes: owned.iter().map(|(_, size)| size).sum() };
        let detail = Detail::DeletedWithFiles { files: deleted.files, bytes: deleted.bytes };
        let entry = Entry::new(Event::UserDeleted).by(admin).on(&user).from(origin).detail(detail);
        audit::record(conn, &entry, now)?;
        Ok::<_, AppError>((deleted, unreferenced))
    })?;
    unreferenced.remove(conn, storage, |sha| thumbs.forget(sha));
    Ok(deleted)
}

/// The query of a listing of accounts (`?q=&sort=&order=&page=&per_page=`), for the API and
/// the admin pages alike.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub q: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl UserListQuery {
    /// The database query for this page; unknown sorts are field errors.
    pub fn to_query(&self) -> Result<(UserQuery, i64, i64), AppError> {
        let sort = match self.sort.as_deref().unwrap_or("username") {
            "username" | "name" => UserSort::Username,
            "created" | "created_at" => UserSort::Created,
            "last_login" | "last_login_at" => UserSort::LastLogin,
            "storage" | "storage_used" => UserSort::StorageUsed,
            _ => {
                return Err(AppError::Validation(FieldErrors::single(
                    "sort",
                    "must be username, created, last_login or storage",
                )));
            }
        };
        let descending = match self.order.as_deref().unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(AppError::Validation(FieldErrors::single(
                    "order",
                    "must be asc or desc",
                )));
            }
        };
        let page = self.page.unwrap_or(1).max(1);
        let per_page = self.per_page.unwrap_or(50).clamp(1, MAX_PAGE);
        let query = UserQuery {
            search: self.q.clone(),
            sort,
            descending,
            offset: (page - 1).saturating_mul(per_page),
            limit: per_page,
        };
        Ok((query, page, per_page))
    }
}
