//! Cursors of paged listings (`GET /api/v1/files?limit=&cursor=`): the sort key of the last
//! row of a page, opaque to clients (base64url), naming the sort it belongs to so that a cursor
//! is never applied to another order. Keyset paging (see `db::models::files::list_page`): rows
//! added or removed between two pages never make one appear twice or be skipped.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

use crate::db::ids::FileId;
use crate::db::models::files::{After, AfterKey, FileRow, Sort};
use crate::error::{AppError, FieldErrors};

const VERSION: &str = "c1";
const TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

fn sort_name(sort: Sort) -> &'static str {
    match sort {
        Sort::Name => "name",
        Sort::Date => "date",
        Sort::Size => "size",
        Sort::Taken => "taken",
    }
}

/// The cursor of the page after `last` in the order `(sort, descending)`; `taken` is the
/// date taken of `last`'s photo, if it has one (the key of `Sort::Taken`, which falls back to
/// the upload time, as `files::TAKEN_KEY` does).
pub fn after(
    last: &FileRow,
    (sort, descending): (Sort, bool),
    taken: Option<NaiveDateTime>,
) -> String {
    let key = match sort {
        Sort::Name => last.name.clone(),
        Sort::Date => last.modified_at.format(TIME).to_string(),
        Sort::Size => last.size.to_string(),
        Sort::Taken => taken.unwrap_or(last.created_at).format(TIME).to_string(),
    };
    let order = if descending { "desc" } else { "asc" };
    let text = format!("{VERSION}|{}|{order}|{}|{}|{key}", sort_name(sort), last.kind, last.id);
    URL_SAFE_NO_PAD.encode(text)
}

/// Where the page after `cursor` starts, for the order `(sort, descending)`.
pub fn parse(cursor: &str, (sort, descending): (Sort, bool)) -> Result<After, AppError> {
    let bad = |m: &str| AppError::Validation(FieldErrors::single("cursor", m.to_owned()));
    let text = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| bad("is not a cursor this server gave"))?;
    let mut parts = text.splitn(6, '|');
    let mut next = || parts.next().ok_or_else(|| bad("is not a cursor this server gave"));
    let (version, sorted, order, kind, id, key) =
        (next()?, next()?, next()?, next()?, next()?, next()?);
    if version != VERSION || !matches!(kind, "file" | "folder") {
        return Err(bad("is not a cursor this server gave"));
    }
    let order_now = if descending { "desc" } else { "asc" };
    if sorted != sort_name(sort) || order != order_now {
        return Err(bad("belongs to another sort order: start again without it"));
    }
    let key = match sort {
        Sort::Name => AfterKey::Name(key.to_owned()),
        Sort::Date => AfterKey::Date(
            NaiveDateTime::parse_from_str(key, TIME).map_err(|_| bad("has a bad date"))?,
        ),
        Sort::Size => AfterKey::Size(key.parse().map_err(|_| bad("has a bad size"))?),
        Sort::Taken => AfterKey::Taken(
            NaiveDateTime::parse_from_str(key, TIME).map_err(|_| bad("has a bad date"))?,
        ),
    };
    Ok(After { kind: kind.to_owned(), key, id: FileId(id.to_owned()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_comes_back_as_the_key_it_was_made_from_and_only_for_its_order() {
        let at = NaiveDateTime::parse_from_str("2026-12-01T10:20:30.123456", TIME).expect("t");
        let row = FileRow {
            id: FileId("a-b".into()),
            owner_id: crate::db::ids::UserId("u".into()),
            parent_id: None,
            kind: "file".into(),
            name: "Holiday | 2026.jpg".into(),
            size: 42,
            mime: None,
            blob_sha256: None,
            created_at: at,
            modified_at: at,
            trashed_at: None,
            trash_root_id: None,
            trashed_path: None,
            starred: false,
            name_key: None,
        };
        for sort in [Sort::Name, Sort::Date, Sort::Size, Sort::Taken] {
            let c = after(&row, (sort, true), None);
            let back = parse(&c, (sort, true)).expect("parses");
            assert_eq!((back.kind.as_str(), back.id.as_str()), ("file", "a-b"));
            let key = match sort {
                Sort::Name => AfterKey::Name("Holiday | 2026.jpg".into()),
                Sort::Date => AfterKey::Date(at),
                Sort::Size => AfterKey::Size(42),
                Sort::Taken => AfterKey::Taken(at),
            };
            assert_eq!(back.key, key);
            assert!(parse(&c, (sort, false)).is_err(), "another order");
        }
        let taken = NaiveDateTime::parse_from_str("2001-02-03T04:05:06", TIME).expect("t");
        let c = after(&row, (Sort::Taken, false), Some(taken));
        assert_eq!(parse(&c, (Sort::Taken, false)).expect("parses").key, AfterKey::Taken(taken));
        assert!(parse(&c, (Sort::Date, false)).is_err(), "a date-taken cursor is not a date one");
        assert!(parse("bm9wZQ", (Sort::Name, false)).is_err());
        assert!(parse("!!!", (Sort::Name, false)).is_err());
    }
}
