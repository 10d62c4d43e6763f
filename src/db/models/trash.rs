//! The trash side of the `files` table: rows marked by a delete, the items people see in
//! `/trash` (one per deletion: the rows that are their own `trash_root_id`), and the stars and
//! recent list that only ever show live rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::FileRow;
use crate::db::schema::files;

/// The most starred items a listing shows.
pub const MAX_LISTED: i64 = 1000;

/// Marks `ids` as trashed by the deletion of `root` (which must be among them).
pub fn mark(
    conn: &mut DbConn,
    ids: &[FileId],
    root: &FileId,
    path: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    for chunk in ids.chunks(500) {
        diesel::update(files::table.filter(files::id.eq_any(chunk)))
            .set((files::trashed_at.eq(now), files::trash_root_id.eq(root)))
            .execute(conn)?;
    }
    diesel::update(files::table.find(root)).set(files::trashed_path.eq(path)).execute(conn)?;
    Ok(())
}

/// The owner's trash, newest deletion first.
pub fn list(conn: &mut DbConn, owner: &UserId) -> QueryResult<Vec<FileRow>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::trashed_at.is_not_null())
        .filter(files::trash_root_id.eq(files::id.nullable()))
        .order((files::trashed_at.desc(), files::id.asc()))
        .select(FileRow::as_select())
        .load(conn)
}

/// Brings the rows of the deletion `root` back; `root` itself goes to `parent` as `name`.
pub fn restore(
    conn: &mut DbConn,
    root: &FileId,
    parent: Option<&FileId>,
    name: &str,
) -> QueryResult<FileRow> {
    // The new name first: the row becomes live (and unique in its folder) in the second step.
    diesel::update(files::table.find(root))
        .set((
            files::parent_id.eq(parent),
            files::name.eq(name),
            files::name_key.eq(crate::files::name_key::fold(name)),
        ))
        .execute(conn)?;
    diesel::update(files::table.filter(files::trash_root_id.eq(root)))
        .set((
            files::trashed_at.eq(None::<NaiveDateTime>),
            files::trash_root_id.eq(None::<FileId>),
            files::trashed_path.eq(None::<String>),
        ))
        .execute(conn)?;
    files::table.find(root).select(FileRow::as_select()).get_result(conn)
}

/// Detaches a separately trashed item from a folder being purged: it stays in the trash, and
/// its restore goes to the root (or a chosen folder), like any item whose folder is gone.
pub fn detach(conn: &mut DbConn, id: &FileId) -> QueryResult<()> {
    diesel::update(files::table.find(id))
        .set(files::parent_id.eq(None::<FileId>))
        .execute(conn)
        .map(drop)
}

/// Bytes in the owner's trash.
pub fn bytes(conn: &mut DbConn, owner: &UserId) -> QueryResult<i64> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL and INTEGER on SQLite: cast to agree.
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::trashed_at.is_not_null())
        .filter(files::blob_sha256.is_not_null())
        .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "CAST(COALESCE(SUM(size), 0) AS BIGINT)",
        ))
        .get_result(conn)
}

/// Deletions older than `cutoff`, as (owner, item, deleted at), oldest first, after `after`
/// in that order, at most `limit`.
pub fn expired(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    after: Option<&(NaiveDateTime, FileId)>,
    limit: i64,
) -> QueryResult<Vec<(UserId, FileId, NaiveDateTime)>> {
    let mut q = files::table
        .filter(files::trashed_at.lt(cutoff))
        .filter(files::trash_root_id.eq(files::id.nullable()))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(files::trashed_at.gt(at).or(files::trashed_at.eq(at).and(files::id.gt(id))));
    }
    q.order((files::trashed_at.asc(), files::id.asc()))
        .limit(limit)
        .select((files::owner_id, files::id, files::trashed_at.assume_not_null()))
        .load(conn)
}

/// Bytes of each of the owner's deletions, by the deleted item's id.
pub fn sizes(conn: &mut DbConn, owner: &UserId) -> QueryResult<Vec<(FileId, i64)>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::trashed_at.is_not_null())
        .filter(files::blob_sha256.is_not_null())
        .group_by(files::trash_root_id)
        .select((
            files::trash_root_id.assume_not_null(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(COALESCE(SUM(size), 0) AS BIGINT)"),
        ))
        .load(conn)
}

/// Stars or unstars the owner's live `ids`; returns how many rows matched.
pub fn set_starred(
    conn: &mut DbConn,
    owner: &UserId,
    ids: &[FileId],
    starred: bool,
) -> QueryResult<usize> {
    diesel::update(
        files::table
            .filter(files::owner_id.eq(owner))
            .filter(files::id.eq_any(ids))
            .filter(files::trashed_at.is_null()),
    )
    .set(files::starred.eq(starred))
    .execute(conn)
}

/// The owner's starred live items, folders first, by name.
pub fn starred(conn: &mut DbConn, owner: &UserId) -> QueryResult<Vec<FileRow>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::starred.eq(true))
        .filter(files::trashed_at.is_null())
        .order(files::kind.desc())
        .then_order_by(crate::db::sql::order_ignoring_case("name", false))
        .then_order_by(files::id.asc())
        .limit(MAX_LISTED)
        .select(FileRow::as_select())
        .load(conn)
}

/// The owner's most recently modified live files.
pub fn recent(conn: &mut DbConn, owner: &UserId, limit: i64) -> QueryResult<Vec<FileRow>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::kind.eq("file"))
        .filter(files::trashed_at.is_null())
        .order((files::modified_at.desc(), files::id.asc()))
        .limit(limit)
        .select(FileRow::as_select())
        .load(conn)
}
