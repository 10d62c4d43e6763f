//! The SQL text of one tier of a search (see the parent module), and of the cheap counts that
//! decide how SQLite reads a tier. Every value is a bound parameter; only fixed fragments are
//! written into the text.

use chrono::NaiveDateTime;

use super::{After, Criteria};
use crate::db::sql::contains_pattern;

/// The ranks, in the order pages are filled.
pub const EXACT: i32 = 0;
pub const PREFIX: i32 = 1;
pub const CONTAINS: i32 = 2;

/// Where a tier's rows are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// PostgreSQL: one query, the planner picks (it has statistics: the trigram or key index
    /// and a sort for a rare query, the newest-first index and an early stop for a common one).
    Planner,
    /// PostgreSQL, a contains tier with few candidates: every match, then sorted. Fenced
    /// (`OFFSET 0`) so the planner cannot walk the newest-first index, which it did for a rare
    /// query it took for a common one (`resume 12`: 100 ms, bench/search.sh).
    Sorted,
    /// SQLite: the owner's keys in `files_owner_name_key` (exact match, or the prefix range).
    Keys,
    /// SQLite: the trigram FTS5 index `files_search`, for a query it matches rarely.
    Fts,
    /// SQLite: the owner's live rows newest first (`files_search_recent`, which holds the key),
    /// stopping after a page of matches: fast exactly when a query is common.
    Walk,
}

pub enum Param {
    Text(String),
    Int(i32),
    BigInt(i64),
    Time(NaiveDateTime),
}

/// SQL text and its parameters, numbered for the backend (`?N` on SQLite, `$N` on PostgreSQL,
/// both of which let one parameter be used twice).
pub struct Sql {
    pub pg: bool,
    pub params: Vec<Param>,
}

impl Sql {
    pub fn new(pg: bool) -> Self {
        Sql { pg, params: Vec::new() }
    }

    fn param(&mut self, p: Param) -> String {
        self.params.push(p);
        let n = self.params.len();
        if self.pg { format!("${n}") } else { format!("?{n}") }
    }
}

/// The least string above every string that starts with `key` (in code point order, which is
/// UTF-8 byte order: SQLite's BINARY and PostgreSQL's "C"), or `None` when there is none.
/// `key < s < prefix_end(key)` is then exactly "starts with `key` and is longer".
pub fn prefix_end(key: &str) -> Option<String> {
    let mut chars: Vec<char> = key.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match u32::from(last) + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The condition that puts a row of the owner in tier `rank` (and no other).
fn matches(sql: &mut Sql, c: &Criteria<'_>, rank: i32) -> String {
    let key = sql.param(Param::Text(c.key.to_owned()));
    // PostgreSQL compares in the database's collation unless told: the range needs byte order.
    let col = if sql.pg { "f.name_key COLLATE \"C\"" } else { "f.name_key" };
    match rank {
        EXACT => format!("f.name_key = {key}"),
        PREFIX => match prefix_end(c.key) {
            Some(end) => {
                let end = sql.param(Param::Text(end));
                format!("{col} > {key} AND {col} < {end}")
            }
            None => format!("{col} > {key}"),
        },
        _ => {
            let chars = i32::try_from(c.key.chars().count()).unwrap_or(i32::MAX);
            let len = sql.param(Param::Int(chars));
            let not_prefix = format!("substr(f.name_key, 1, {len}) <> {key}");
            if sql.pg {
                // LIKE (escaped) so that the planner may use the trigram GIN index.
                let pattern = sql.param(Param::Text(contains_pattern(c.key)));
                format!("f.name_key LIKE {pattern} ESCAPE '\\' AND {not_prefix}")
            } else {
                format!("instr(f.name_key, {key}) > 0 AND {not_prefix}")
            }
        }
    }
}

/// `SELECT id, rank, modified_at` of at most `limit` rows of tier `rank`, newest first, after
/// `after` (the previous page's last row, when it was in this tier).
pub fn tier(
    sql: &mut Sql,
    c: &Criteria<'_>,
    rank: i32,
    source: Source,
    after: Option<&After>,
    limit: i64,
) -> String {
    let owner = sql.param(Param::Text(c.owner.to_string()));
    let matches = matches(sql, c, rank);
    let (from, extra) = match source {
        Source::Planner | Source::Sorted => ("files f".to_owned(), String::new()),
        // Named, because without statistics SQLite picks another owner index and reads every
        // row (the app runs no ANALYZE).
        Source::Keys => ("files f INDEXED BY files_owner_name_key".to_owned(), String::new()),
        Source::Walk => ("files f INDEXED BY files_search_recent".to_owned(), String::new()),
        Source::Fts => {
            let phrase = sql.param(Param::Text(fts_phrase(c.key)));
            // CROSS JOIN keeps the FTS index outermost: it yields the few candidates.
            (
                "files_search CROSS JOIN files f ON f.rowid = files_search.rowid".to_owned(),
                format!(" AND files_search MATCH {phrase}"),
            )
        }
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
    let after = match after {
        Some(a) => {
            let time = sql.param(Param::Time(a.modified_at));
            let id = sql.param(Param::Text(a.id.to_string()));
            // The `<=` alone lets a walk seek to where the previous page stopped.
            format!(" AND f.modified_at <= {time} AND (f.modified_at < {time} OR f.id > {id})")
        }
        None => String::new(),
    };
    let limit = sql.param(Param::BigInt(limit));
    let select = format!(
        "SELECT f.id AS id, {rank} AS rank, f.modified_at AS modified_at \
         FROM {from} \
         WHERE f.owner_id = {owner} AND f.trashed_at IS NULL AND {matches}{extra}{kind}{within}\
         {after}"
    );
    if source == Source::Sorted {
        return format!(
            "{with}SELECT id, rank, modified_at FROM ({select} OFFSET 0) hits \
             ORDER BY modified_at DESC, id LIMIT {limit}"
        );
    }
    format!("{with}{select} ORDER BY f.modified_at DESC, f.id LIMIT {limit}")
}

/// The query as one FTS5 phrase (`"` doubled), so no FTS syntax in it ever counts.
fn fts_phrase(key: &str) -> String {
    format!("\"{}\"", key.replace('"', "\"\""))
}

/// SQLite: how many of the owner's keys (live or not) start with the key, counting to `cap`.
pub fn count_prefix(sql: &mut Sql, c: &Criteria<'_>, cap: i64) -> String {
    let owner = sql.param(Param::Text(c.owner.to_string()));
    let key = sql.param(Param::Text(c.key.to_owned()));
    let end = match prefix_end(c.key) {
        Some(end) => format!(" AND name_key < {}", sql.param(Param::Text(end))),
        None => String::new(),
    };
    let cap = sql.param(Param::BigInt(cap));
    format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM files INDEXED BY files_owner_name_key \
         WHERE owner_id = {owner} AND name_key > {key}{end} LIMIT {cap})"
    )
}

/// PostgreSQL: how many keys of anyone's contain the key, counting to `cap`. No owner in the
/// condition, on purpose: with one, the planner walks the owner's index and filters, a full
/// walk for a rare key (52 ms at 100 000 files); without, a rare key goes through the trigram
/// index and a common one stops at `cap`. An upper bound of the owner's count, like SQLite's.
pub fn count_like(sql: &mut Sql, c: &Criteria<'_>, cap: i64) -> String {
    let pattern = sql.param(Param::Text(contains_pattern(c.key)));
    let cap = sql.param(Param::BigInt(cap));
    format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM files f \
         WHERE f.name_key LIKE {pattern} ESCAPE '\\' LIMIT {cap}) c"
    )
}

/// SQLite: how many keys of anyone's the trigram index matches, counting to `cap`.
pub fn count_fts(sql: &mut Sql, c: &Criteria<'_>, cap: i64) -> String {
    let phrase = sql.param(Param::Text(fts_phrase(c.key)));
    let cap = sql.param(Param::BigInt(cap));
    format!(
        "SELECT count(*) AS n FROM (SELECT rowid FROM files_search \
         WHERE files_search MATCH {phrase} LIMIT {cap})"
    )
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_next_string_past_every_extension() {
        assert_eq!(prefix_end("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_end("\u{7167}").as_deref(), Some("\u{7168}"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }
}
