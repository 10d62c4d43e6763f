//! The `files` table: files and folders, each owned by one user. Every query here takes the
//! owner, so another user's id simply finds nothing, and every query not named `trash…` or
//! `…_any_state` sees live rows only: a trashed row is invisible to the rest of the app.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::schema::files;
use crate::files::name_key::fold;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = files, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct FileRow {
    pub id: FileId,
    pub owner_id: UserId,
    pub parent_id: Option<FileId>,
    pub kind: String,
    pub name: String,
    pub size: i64,
    pub mime: Option<String>,
    pub blob_sha256: Option<String>,
    pub created_at: NaiveDateTime,
    pub modified_at: NaiveDateTime,
    pub trashed_at: Option<NaiveDateTime>,
    /// The item whose deletion put this row in the trash (itself for that item).
    pub trash_root_id: Option<FileId>,
    /// Where the deleted item was, as `/a/b`, kept for when that folder is gone.
    pub trashed_path: Option<String>,
    pub starred: bool,
    /// The name as search compares it (see `files::name_key`).
    pub name_key: Option<String>,
}

impl FileRow {
    pub fn is_folder(&self) -> bool {
        self.kind == "folder"
    }

    /// This row is what the user deleted (not something inside it).
    pub fn is_trash_root(&self) -> bool {
        self.trash_root_id.as_ref() == Some(&self.id)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = files)]
pub struct NewFile<'a> {
    pub id: &'a FileId,
    pub owner_id: &'a UserId,
    pub parent_id: Option<&'a FileId>,
    pub kind: &'a str,
    pub name: &'a str,
    pub size: i64,
    pub mime: Option<&'a str>,
    pub blob_sha256: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub modified_at: NaiveDateTime,
}

/// How a folder listing is ordered (folders always come first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Date,
    Size,
    /// When the photo was taken (EXIF, `photo_meta`), else when it was uploaded.
    Taken,
}

/// The sort key of [`Sort::Taken`]: the date taken of the row's blob, else its upload time.
/// A subquery on `photo_meta`'s primary key, so the listing still selects `files` rows only.
pub const TAKEN_KEY: &str = "COALESCE((SELECT photo_meta.taken_at FROM photo_meta \
     WHERE photo_meta.sha256 = files.blob_sha256), files.created_at)";

pub fn insert(conn: &mut DbConn, new: &NewFile<'_>) -> QueryResult<FileRow> {
    diesel::insert_into(files::table)
        .values((new, files::name_key.eq(fold(new.name))))
        .returning(files::all_columns)
        .get_result(conn)
}

/// The owner's live file or folder `id`; `NotFound` for anyone else's or a trashed one.
pub fn find_owned(conn: &mut DbConn, owner: &UserId, id: &FileId) -> QueryResult<FileRow> {
    files::table
        .filter(files::id.eq(id))
        .filter(files::owner_id.eq(owner))
        .filter(files::trashed_at.is_null())
        .select(FileRow::as_select())
        .get_result(conn)
}

/// The owner's row `id`, live or trashed.
pub fn find_owned_any_state(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
) -> QueryResult<FileRow> {
    files::table
        .filter(files::id.eq(id))
        .filter(files::owner_id.eq(owner))
        .select(FileRow::as_select())
        .get_result(conn)
}

/// The contents of a folder (`None`: the root), folders first.
pub fn list(
    conn: &mut DbConn,
    owner: &UserId,
    parent: Option<&FileId>,
    sort: Sort,
    descending: bool,
) -> QueryResult<Vec<FileRow>> {
    list_page(conn, owner, parent, (sort, descending), None, None)
}

/// The row a page of a listing starts after: its sort key (kind, then the sorted column, then
/// the id, which makes the order total, so no row is seen twice or skipped however rows are
/// added meanwhile).
#[derive(Debug, Clone, PartialEq)]
pub struct After {
    pub kind: String,
    /// The name (its `lower()` is compared), the modification time, the size or the date
    /// taken, by the sort.
    pub key: AfterKey,
    pub id: FileId,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AfterKey {
    Name(String),
    Date(NaiveDateTime),
    Size(i64),
    /// [`TAKEN_KEY`] of the row.
    Taken(NaiveDateTime),
}

/// [`list`] from just after `after`, at most `limit` rows.
pub fn list_page(
    conn: &mut DbConn,
    owner: &UserId,
    parent: Option<&FileId>,
    (sort, descending): (Sort, bool),
    after: Option<&After>,
    limit: Option<i64>,
) -> QueryResult<Vec<FileRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool, Text, Timestamp};
    let mut q = files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::trashed_at.is_null())
        .into_boxed();
    q = match parent {
        Some(p) => q.filter(files::parent_id.eq(p)),
        None => q.filter(files::parent_id.is_null()),
    };
    // "file" > "folder" alphabetically, so descending kind puts folders first.
    q = q.order(files::kind.desc());
    q = match (sort, descending) {
        (Sort::Name, descending) => {
            q.then_order_by(crate::db::sql::order_ignoring_case("name", descending))
        }
        (Sort::Date, false) => q.then_order_by(files::modified_at.asc()),
        (Sort::Date, true) => q.then_order_by(files::modified_at.desc()),
        (Sort::Size, false) => q.then_order_by(files::size.asc()),
        (Sort::Size, true) => q.then_order_by(files::size.desc()),
        (Sort::Taken, false) => q.then_order_by(sql::<Timestamp>(&format!("{TAKEN_KEY} ASC"))),
        (Sort::Taken, true) => q.then_order_by(sql::<Timestamp>(&format!("{TAKEN_KEY} DESC"))),
    };
    if let Some(a) = after {
        // Rows after `a` in the order above: a later kind (folders come first), or the same
        // kind and a later key, or the same key and a larger id.
        let beyond = if descending { "<" } else { ">" };
        let head = sql::<Bool>("(kind < ")
            .bind::<Text, _>(a.kind.clone())
            .sql(" OR (kind = ")
            .bind::<Text, _>(a.kind.clone());
        let id = a.id.as_str().to_owned();
        q = match &a.key {
            AfterKey::Name(name) => q.filter(
                head.sql(&format!(" AND (lower(name) {beyond} lower("))
                    .bind::<Text, _>(name.clone())
                    .sql(") OR (lower(name) = lower(")
                    .bind::<Text, _>(name.clone())
                    .sql(") AND id > ")
                    .bind::<Text, _>(id)
                    .sql("))))"),
            ),
            AfterKey::Date(at) => q.filter(
                head.sql(&format!(" AND (modified_at {beyond} "))
                    .bind::<Timestamp, _>(*at)
                    .sql(" OR (modified_at = ")
                    .bind::<Timestamp, _>(*at)
                    .sql(" AND id > ")
                    .bind::<Text, _>(id)
                    .sql("))))"),
            ),
            AfterKey::Taken(at) => q.filter(
                head.sql(&format!(" AND ({TAKEN_KEY} {beyond} "))
                    .bind::<Timestamp, _>(*at)
                    .sql(&format!(" OR ({TAKEN_KEY} = "))
                    .bind::<Timestamp, _>(*at)
                    .sql(" AND id > ")
                    .bind::<Text, _>(id.clone())
                    .sql("))))"),
            ),
            AfterKey::Size(size) => q.filter(
                head.sql(&format!(" AND (size {beyond} "))
                    .bind::<BigInt, _>(*size)
                    .sql(" OR (size = ")
                    .bind::<BigInt, _>(*size)
                    .sql(" AND id > ")
                    .bind::<Text, _>(id)
                    .sql("))))"),
            ),
        };
    }
    if let Some(n) = limit {
        q = q.limit(n);
    }
    q.then_order_by(files::id.asc()).select(FileRow::as_select()).load(conn)
}

/// Every folder of the owner (for "move to…" choices).
pub fn folders(conn: &mut DbConn, owner: &UserId) -> QueryResult<Vec<FileRow>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::kind.eq("folder"))
        .filter(files::trashed_at.is_null())
        .order(files::name.asc())
        .select(FileRow::as_select())
        .load(conn)
}

/// True when `name` is used in that folder by another entry than `except` (live names are
/// unique in a folder, so [`find_child`] finds the one entry that could hold it).
pub fn name_taken(
    conn: &mut DbConn,
    owner: &UserId,
    parent: Option<&FileId>,
    name: &str,
    except: Option<&FileId>,
) -> QueryResult<bool> {
    Ok(find_child(conn, owner, parent, name)?.is_some_and(|row| except != Some(&row.id)))
}

/// The names of the owner's live `ids` (at most a few hundred: one bound parameter each).
pub fn names_of(
    conn: &mut DbConn,
    owner: &UserId,
    ids: &[FileId],
) -> QueryResult<Vec<(FileId, String)>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::id.eq_any(ids))
        .filter(files::trashed_at.is_null())
        .select((files::id, files::name))
        .load(conn)
}

/// The live direct children of any of `parents`.
pub fn children_of(
    conn: &mut DbConn,
    owner: &UserId,
    parents: &[FileId],
) -> QueryResult<Vec<FileRow>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::parent_id.eq_any(parents))
        .filter(files::trashed_at.is_null())
        .select(FileRow::as_select())
        .load(conn)
}

/// What an archive needs of a row (the narrow select keeps a 100 000-entry plan small).
#[derive(Debug, Queryable)]
pub struct Brief {
    pub id: FileId,
    pub parent_id: Option<FileId>,
    pub kind: String,
    pub name: String,
    pub size: i64,
    pub blob_sha256: Option<String>,
    pub modified_at: NaiveDateTime,
    pub mime: Option<String>,
}

/// At most `limit` live direct children of any of `parents` (a few hundred at a time: one
/// bound parameter each), as [`Brief`]s.
pub fn children_brief(
    conn: &mut DbConn,
    owner: &UserId,
    parents: &[FileId],
    limit: i64,
) -> QueryResult<Vec<Brief>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::parent_id.eq_any(parents))
        .filter(files::trashed_at.is_null())
        .select((
            files::id,
            files::parent_id,
            files::kind,
            files::name,
            files::size,
            files::blob_sha256,
            files::modified_at,
            files::mime,
        ))
        .limit(limit)
        .load(conn)
}

/// The direct children of any of `parents`, live or trashed.
pub fn children_of_any_state(
    conn: &mut DbConn,
    owner: &UserId,
    parents: &[FileId],
) -> QueryResult<Vec<FileRow>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::parent_id.eq_any(parents))
        .select(FileRow::as_select())
        .load(conn)
}

pub fn rename_move(
    conn: &mut DbConn,
    id: &FileId,
    name: &str,
    parent: Option<&FileId>,
    now: NaiveDateTime,
) -> QueryResult<FileRow> {
    diesel::update(files::table.find(id))
        .set((
            files::name.eq(name),
            files::name_key.eq(fold(name)),
            files::parent_id.eq(parent),
            files::modified_at.eq(now),
        ))
        .returning(files::all_columns)
        .get_result(conn)
}

/// The owner's live entry named exactly `name` in `parent` (`None`: the root), if any.
pub fn find_child(
    conn: &mut DbConn,
    owner: &UserId,
    parent: Option<&FileId>,
    name: &str,
) -> QueryResult<Option<FileRow>> {
    let mut q = files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::name.eq(name))
        .filter(files::trashed_at.is_null())
        .into_boxed();
    q = match parent {
        Some(p) => q.filter(files::parent_id.eq(p)),
        None => q.filter(files::parent_id.is_null()),
    };
    q.select(FileRow::as_select()).first(conn).optional()
}

/// New bytes for the file `id`, which keeps its id (and so its shares and properties).
pub fn set_content(
    conn: &mut DbConn,
    id: &FileId,
    size: i64,
    mime: &str,
    sha256: &str,
    now: NaiveDateTime,
) -> QueryResult<FileRow> {
    diesel::update(files::table.find(id))
        .set((
            files::size.eq(size),
            files::mime.eq(mime),
            files::blob_sha256.eq(sha256),
            files::modified_at.eq(now),
        ))
        .returning(files::all_columns)
        .get_result(conn)
}

/// Sets the modification time a client keeps for the file (WebDAV `X-OC-Mtime`).
pub fn set_modified(conn: &mut DbConn, id: &FileId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(files::table.find(id)).set(files::modified_at.eq(at)).execute(conn)
}

pub fn delete_many(conn: &mut DbConn, ids: &[FileId]) -> QueryResult<usize> {
    diesel::delete(files::table.filter(files::id.eq_any(ids))).execute(conn)
}

/// The blobs of every file an owner has, as (sha256, size), one entry per file row.
pub fn blobs_of(conn: &mut DbConn, owner: &UserId) -> QueryResult<Vec<(String, i64)>> {
    files::table
        .filter(files::owner_id.eq(owner))
        .filter(files::blob_sha256.is_not_null())
        .select((files::blob_sha256.assume_not_null(), files::size))
        .load(conn)
}

/// Removes every file and folder of `owner` (one statement: the folder tree is gone at once).
pub fn delete_all_of(conn: &mut DbConn, owner: &UserId) -> QueryResult<usize> {
    diesel::delete(files::table.filter(files::owner_id.eq(owner))).execute(conn)
}
