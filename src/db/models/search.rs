//! Search by name over the `files` table: one owner's live rows whose folded name
//! (`name_key`, see `files::name_key`) contains the folded query, ranked exact match first,
//! then prefix, then the rest, each newest first; paged by keyset (the last row's sort key).
//!
//! Ranking every match and sorting them costs a full scan when a query is common (`jpg`, one
//! CJK character), so the tiers are served one after another, each with at most the rows the
//! page still needs (see `tier`):
//! - exact: `name_key = q` in `files_owner_name_key`;
//! - prefix: the range `q < name_key < next(q)` in the same index (a byte-order range);
//! - contains: on SQLite, the trigram FTS5 index when it matches at most `FTS_CAP` keys (then
//!   the few candidates are sorted), else a walk of the owner's live rows newest first in
//!   `files_search_recent` (which holds the key) that stops after a page of matches; a prefix
//!   tier of more than `FTS_CAP` keys is walked the same way. PostgreSQL has statistics and
//!   picks between the same indexes itself.
//!
//! The FTS5 join is checked again with `instr` on the joined row, so a stale index entry can
//! only make a search miss (see the migration `2026-12-02-000002_search`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::FileRow;
use crate::db::schema::files;

mod tier;

use tier::{Param, Source, Sql};

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

/// The queries below the trigram length have no trigram to look up: their contains tier is
/// always walked.
pub const TRIGRAM: usize = 3;

/// Above this many candidates (trigram matches, or keys with the prefix) SQLite walks the
/// newest rows instead of sorting the candidates: sorting 2 000 rows costs about what walking
/// to a page of matches among 100 000 does (bench/search.sh).
const FTS_CAP: i64 = 2000;

/// The ids and ranks of one page of matches, in order: at most `limit` of them.
pub fn search(conn: &mut DbConn, c: &Criteria<'_>) -> QueryResult<Vec<Hit>> {
    let pg = matches!(conn, DbConn::Pg(_));
    let first = c.after.map_or(tier::EXACT, |a| a.rank);
    let mut hits: Vec<Hit> = Vec::new();
    for rank in first..=tier::CONTAINS {
        let want = c.limit - i64::try_from(hits.len()).unwrap_or(i64::MAX);
        if want <= 0 {
            break;
        }
        let source = if pg { pg_source(conn, c, rank)? } else { sqlite_source(conn, c, rank)? };
        // The cursor bounds only the tier it was taken in; the later tiers start at their top.
        let after = c.after.filter(|a| a.rank == rank);
        let mut sql = Sql::new(pg);
        let text = tier::tier(&mut sql, c, rank, source, after, want);
        hits.extend(load::<Hit>(conn, text, sql.params)?);
    }
    Ok(hits)
}

/// How SQLite reads tier `rank`: from an index when it holds few candidates, else walking.
fn sqlite_source(conn: &mut DbConn, c: &Criteria<'_>, rank: i32) -> QueryResult<Source> {
    let mut sql = Sql::new(false);
    let (text, selective) = match rank {
        tier::EXACT => return Ok(Source::Keys),
        tier::PREFIX => (tier::count_prefix(&mut sql, c, FTS_CAP + 1), Source::Keys),
        _ if c.key.chars().count() >= TRIGRAM => {
            (tier::count_fts(&mut sql, c, FTS_CAP + 1), Source::Fts)
        }
        _ => return Ok(Source::Walk),
    };
    let n = load::<Count>(conn, text, sql.params)?.first().map_or(0, |c| c.n);
    Ok(if n <= FTS_CAP { selective } else { Source::Walk })
}

/// How PostgreSQL reads tier `rank`: a contains tier of 3+ characters with few candidates is
/// sorted whole; otherwise the planner chooses (a walk for a common query).
fn pg_source(conn: &mut DbConn, c: &Criteria<'_>, rank: i32) -> QueryResult<Source> {
    if rank != tier::CONTAINS || c.key.chars().count() < TRIGRAM {
        return Ok(Source::Planner);
    }
    let mut sql = Sql::new(true);
    let text = tier::count_like(&mut sql, c, FTS_CAP + 1);
    // Bitmap scans only, for this count: the planner's guess of how common `LIKE '%…%'` is
    // decides between the trigram index and a scan that stops at the cap, and a wrong guess
    // is a full scan (52 ms at 100 000 files for a rare key, either way round). The trigram
    // index answers a rare key at once and a common one after the cap.
    let n = conn.transaction(|conn| {
        diesel::sql_query("SET LOCAL enable_seqscan = off").execute(conn)?;
        diesel::sql_query("SET LOCAL enable_indexscan = off").execute(conn)?;
        let n = load::<Count>(conn, text, sql.params)?.first().map_or(0, |c| c.n);
        // Back on at once, in case this runs inside a longer transaction.
        diesel::sql_query("SET LOCAL enable_seqscan = on").execute(conn)?;
        diesel::sql_query("SET LOCAL enable_indexscan = on").execute(conn)?;
        QueryResult::Ok(n)
    })?;
    Ok(if n <= FTS_CAP { Source::Sorted } else { Source::Planner })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn load<T>(conn: &mut DbConn, text: String, params: Vec<Param>) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
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
        q.load::<T>(conn)
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
