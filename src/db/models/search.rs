//! Search by name over the `files` table: one owner's live rows whose folded name
//! (`name_key`, see `files::name_key`) contains the folded query, ranked exact match first,
//! then prefix, then the rest, each newest first; paged by keyset (the last row's sort key).
//!
//! The SQL differs by backend and by query length, so it is written here as text:
//! - SQLite, 3 characters or more: the trigram FTS5 index `files_search` (a quoted phrase,
//!   `"` doubled, so no FTS syntax in the query ever counts), joined to `files` by rowid, and
//!   the match checked again on the joined row with `instr` (a stale index entry can then only
//!   make a search miss: see the migration `2026-12-02-000002_search`);
//! - SQLite, 1 or 2 characters (no trigram to look up): `instr` over the owner's keys in
//!   `files_owner_name_key`;
//! - PostgreSQL: `LIKE '%q%'` with `%`, `_` and `\` escaped, which the planner serves from the
//!   pg_trgm GIN index (3+ characters) or the owner's keys.
//!
//! Every value is a bound parameter; only fixed fragments are written into the text.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::FileRow;
use crate::db::schema::files;
use crate::db::sql::contains_pattern;

/// What kind of item a search is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Video,
    Audio,
    /// PDF, text, and the office formats (Microsoft's and OpenDocument).
    Document,
    Folder,
}

impl Kind {
    /// The condition on `f` (fixed SQL, no input in it).
    fn condition(self) -> &'static str {
        match self {
            Kind::Image => "f.kind = 'file' AND f.mime LIKE 'image/%'",
            Kind::Video => "f.kind = 'file' AND f.mime LIKE 'video/%'",
            Kind::Audio => "f.kind = 'file' AND f.mime LIKE 'audio/%'",
            Kind::Document => {
                "f.kind = 'file' AND (f.mime = 'application/pdf' OR f.mime LIKE 'text/%' \
                 OR f.mime LIKE 'application/vnd.openxmlformats-officedocument.%' \
                 OR f.mime LIKE 'application/vnd.oasis.opendocument.%' \
                 OR f.mime IN ('application/msword', 'application/vnd.ms-excel', \
                 'application/vnd.ms-powerpoint', 'application/rtf'))"
            }
            Kind::Folder => "f.kind = 'folder'",
        }
    }
}

/// Where the previous page ended: its last row's sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub rank: i32,
    pub modified_at: NaiveDateTime,
    pub id: FileId,
}

/// One search, already validated by `files::search`.
pub struct Criteria<'a> {
    pub owner: &'a UserId,
    /// The folded query, not empty.
    pub key: &'a str,
    pub kind: Option<Kind>,
    /// Only below this folder (any depth); the caller has checked it is the owner's.
    pub folder: Option<&'a FileId>,
    pub after: Option<&'a After>,
    pub limit: i64,
}

/// A match: the row's id, rank (0 exact, 1 prefix, 2 elsewhere in the name) and time, which
/// are its sort key.
#[derive(Debug, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Integer)]
    pub rank: i32,
    #[diesel(sql_type = Timestamp)]
    pub modified_at: NaiveDateTime,
}

/// The queries below the trigram length go to the owner's keys instead of the trigram index.
pub const TRIGRAM: usize = 3;

/// The ids and ranks of one page of matches, in order.
pub fn search(conn: &mut DbConn, c: &Criteria<'_>) -> QueryResult<Vec<Hit>> {
    let mut sql = Sql::new(matches!(conn, DbConn::Pg(_)));
    let text = build(&mut sql, c);
    let params = sql.params;
    crate::on_each_backend!(conn, |conn| {
        let mut q = diesel::sql_query(text).into_boxed();
        for p in params {
            q = match p {
                Param::Text(v) => q.bind::<Text, _>(v),
                Param::Int(v) => q.bind::<Integer, _>(v),
                Param::BigInt(v) => q.bind::<BigInt, _>(v),
                Param::Time(v) => q.bind::<Timestamp, _>(v),
            };
        }
        q.load::<Hit>(conn)
    })
}

/// The owner's live rows among `ids` (in no particular order).
///
/// Looked up by primary key only, owner and trash checked here: with the owner in the SQL,
/// SQLite (no statistics, the app runs no ANALYZE) walked the owner's whole index instead,
/// 250 ms for 100 000 files against well under 1 ms (bench/search.sh).
pub fn rows(conn: &mut DbConn, owner: &UserId, ids: &[FileId]) -> QueryResult<Vec<FileRow>> {
    let mut found: Vec<FileRow> =
        files::table.filter(files::id.eq_any(ids)).select(FileRow::as_select()).load(conn)?;
    found.retain(|r| &r.owner_id == owner && r.trashed_at.is_none());
    Ok(found)
}

enum Param {
    Text(String),
    Int(i32),
    BigInt(i64),
    Time(NaiveDateTime),
}

/// SQL text and its parameters, numbered for the backend (`?N` on SQLite, `$N` on PostgreSQL,
/// both of which let one parameter be used twice).
struct Sql {
    pg: bool,
    params: Vec<Param>,
}

impl Sql {
    fn new(pg: bool) -> Self {
        Sql { pg, params: Vec::new() }
    }

    fn param(&mut self, p: Param) -> String {
        self.params.push(p);
        let n = self.params.len();
        if self.pg { format!("${n}") } else { format!("?{n}") }
    }
}

fn build(sql: &mut Sql, c: &Criteria<'_>) -> String {
    let key = sql.param(Param::Text(c.key.to_owned()));
    let chars = i32::try_from(c.key.chars().count()).unwrap_or(i32::MAX);
    let len = sql.param(Param::Int(chars));
    let owner = sql.param(Param::Text(c.owner.to_string()));
    let (source, matches) = if sql.pg {
        let pattern = sql.param(Param::Text(contains_pattern(c.key)));
        ("files f".to_owned(), format!("f.name_key LIKE {pattern} ESCAPE '\\'"))
    } else if c.key.chars().count() >= TRIGRAM {
        let phrase = sql.param(Param::Text(format!("\"{}\"", c.key.replace('"', "\"\""))));
        (
            "files_search JOIN files f ON f.rowid = files_search.rowid".to_owned(),
            format!("files_search MATCH {phrase} AND instr(f.name_key, {key}) > 0"),
        )
    } else {
        // Named, because without statistics SQLite picks another owner index and reads every
        // row; this one holds the keys, so only matches are read (4–5× faster, bench/search.sh).
        (
            "files f INDEXED BY files_owner_name_key".to_owned(),
            format!("instr(f.name_key, {key}) > 0"),
        )
    };
    let kind = c.kind.map(|k| format!(" AND {}", k.condition())).unwrap_or_default();
    let (with, within) = match c.folder {
        Some(folder) => {
            let folder = sql.param(Param::Text(folder.to_string()));
            (
                format!(
                    "WITH RECURSIVE tree (id) AS (\
                       SELECT id FROM files WHERE id = {folder} AND owner_id = {owner} \
                         AND kind = 'folder' AND trashed_at IS NULL \
                       UNION ALL \
                       SELECT c.id FROM files c JOIN tree t ON c.parent_id = t.id \
                         WHERE c.kind = 'folder' AND c.trashed_at IS NULL) "
                ),
                " AND f.parent_id IN (SELECT id FROM tree)".to_owned(),
            )
        }
        None => (String::new(), String::new()),
    };
    let after = match c.after {
        Some(a) => {
            let rank = sql.param(Param::Int(a.rank));
            let time = sql.param(Param::Time(a.modified_at));
            let id = sql.param(Param::Text(a.id.to_string()));
            format!(
                "WHERE rank > {rank} OR (rank = {rank} AND (modified_at < {time} \
                 OR (modified_at = {time} AND id > {id}))) "
            )
        }
        None => String::new(),
    };
    let limit = sql.param(Param::BigInt(c.limit));
    format!(
        "{with}SELECT id, rank, modified_at FROM (\
           SELECT f.id AS id, f.modified_at AS modified_at, \
             CASE WHEN f.name_key = {key} THEN 0 \
               WHEN substr(f.name_key, 1, {len}) = {key} THEN 1 ELSE 2 END AS rank \
           FROM {source} \
           WHERE f.owner_id = {owner} AND f.trashed_at IS NULL AND {matches}{kind}{within}\
         ) hits {after}\
         ORDER BY rank, modified_at DESC, id LIMIT {limit}"
    )
}
