//! Search by name: the parameters of `GET /api/v1/search` and of the `/search` page checked
//! into a [`Search`], run over one owner's live files ([`run`]), each hit with the path of its
//! folder, and the opaque cursor of the next page.
//!
//! The query is folded exactly as names are (`name_key::fold`: case, accents and full-width
//! forms), so `resume` finds `Résumé.pdf` and `ｐｈｏｔｏ` finds `photo.png`; any substring
//! matches, CJK ones of one or two characters too (see `db::models::search`).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime};

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::FileRow;
use crate::db::models::search::{self as rows, After, Criteria, Kind};
use crate::error::{AppError, FieldErrors};
use crate::files::name_key::fold;

/// Longest query, in characters: names are at most 255 bytes, and a longer query is a mistake
/// or an attack on the index, answered 400 before any SQL.
pub const MAX_QUERY_CHARS: usize = 200;
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The parameters as they came (query string or form), all optional text.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Params {
    pub q: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub folder: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A checked search.
#[derive(Debug, Clone)]
pub struct Search {
    /// The folded query, never empty.
    pub key: String,
    pub kind: Option<Kind>,
    pub folder: Option<FileId>,
    pub limit: i64,
    pub after: Option<After>,
}

/// One match: the row, and its folder's path (`/a/b`, `/` at the root).
pub struct Hit {
    pub row: FileRow,
    pub path: String,
}

/// A page of matches, and the cursor of the next one when there is more.
pub struct Page {
    pub hits: Vec<Hit>,
    pub next_cursor: Option<String>,
}

/// Checks every parameter, reporting each bad one by name (`validation_failed`).
pub fn parse(p: &Params) -> Result<Search, AppError> {
    let mut errors = FieldErrors::default();
    let key = match query_key(p.q.as_deref().unwrap_or_default()) {
        Ok(key) => key,
        Err(message) => {
            errors.add("q", message);
            String::new()
        }
    };
    let kind = match blank_to_none(p.kind.as_deref()) {
        None => None,
        Some(k) => parse_kind(k).or_else(|| {
            errors.add("type", "must be image, video, audio, document or folder");
            None
        }),
    };
    let limit = match blank_to_none(p.limit.as_deref()) {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.add("limit", "must be a number from 1 to 200");
                DEFAULT_LIMIT
            }
        },
    };
    let after = match blank_to_none(p.cursor.as_deref()) {
        None => None,
        Some(c) => decode_cursor(c).or_else(|| {
            errors.add("cursor", "is not a cursor this search gave");
            None
        }),
    };
    errors.into_result()?;
    let folder = blank_to_none(p.folder.as_deref()).map(|f| FileId(f.to_owned()));
    Ok(Search { key, kind, folder, limit, after })
}

fn blank_to_none(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The folded query, or why it cannot be searched.
fn query_key(q: &str) -> Result<String, &'static str> {
    let q = q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err("must be at most 200 characters");
    }
    if q.chars().any(char::is_control) {
        return Err("must not contain control characters (such as line breaks)");
    }
    // Folding can empty a query made only of accents, or widen spaces at its ends.
    let key = fold(q).trim().to_owned();
    if key.is_empty() {
        return Err("must not be empty");
    }
    Ok(key)
}

fn parse_kind(k: &str) -> Option<Kind> {
    Some(match k {
        "image" => Kind::Image,
        "video" => Kind::Video,
        "audio" => Kind::Audio,
        "document" => Kind::Document,
        "folder" => Kind::Folder,
        _ => return None,
    })
}

/// `base64url("v1:RANK:NANOS:ID")`: the sort key of the last row shown. Opaque to clients;
/// only its shape is checked on the way back, as any position in one's own results is fine.
fn encode_cursor(rank: i32, modified_at: NaiveDateTime, id: &str) -> String {
    let nanos = modified_at.and_utc().timestamp_nanos_opt().unwrap_or(i64::MAX);
    URL_SAFE_NO_PAD.encode(format!("v1:{rank}:{nanos}:{id}"))
}

fn decode_cursor(cursor: &str) -> Option<After> {
    if cursor.len() > 200 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(4, ':');
    if parts.next()? != "v1" {
        return None;
    }
    let rank = parts.next()?.parse::<i32>().ok().filter(|r| (0..=2).contains(r))?;
    let nanos = parts.next()?.parse::<i64>().ok()?;
    let id = parts.next()?;
    let id_ok = !id.is_empty() && id.len() <= 64;
    if !id_ok || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let modified_at = DateTime::from_timestamp_nanos(nanos).naive_utc();
    Some(After { rank, modified_at, id: FileId(id.to_owned()) })
}

/// One page of `owner`'s matches. A `folder` that is not the owner's live folder answers like
/// the listing does: not found, or `validation_failed` for a file.
pub fn run(conn: &mut DbConn, owner: &UserId, s: &Search) -> Result<Page, AppError> {
    super::folder(conn, owner, s.folder.as_ref())?;
    let criteria = Criteria {
        owner,
        key: &s.key,
        kind: s.kind,
        folder: s.folder.as_ref(),
        after: s.after.as_ref(),
        // One more than shown tells whether there is a next page.
        limit: s.limit + 1,
    };
    let mut hits = rows::search(conn, &criteria)?;
    let more = hits.len() as i64 > s.limit;
    hits.truncate(usize::try_from(s.limit).unwrap_or(0));
    let next_cursor = match hits.last() {
        Some(last) if more => Some(encode_cursor(last.rank, last.modified_at, &last.id)),
        _ => None,
    };
    let ids: Vec<FileId> = hits.iter().map(|h| FileId(h.id.clone())).collect();
    let mut found: HashMap<FileId, FileRow> =
        rows::rows(conn, owner, &ids)?.into_iter().map(|r| (r.id.clone(), r)).collect();
    // In the ranked order; a row trashed between the two queries is simply left out.
    let ordered: Vec<FileRow> = ids.iter().filter_map(|id| found.remove(id)).collect();
    let paths = folder_paths(conn, owner, &ordered)?;
    let hits = ordered
        .into_iter()
        .map(|row| {
            let path = row.parent_id.as_ref().and_then(|p| paths.get(p).cloned());
            Hit { path: path.unwrap_or_else(|| "/".to_owned()), row }
        })
        .collect();
    Ok(Page { hits, next_cursor })
}

/// The path (`/a/b`) of `folder` itself, which hits inside it start with; `None` for none.
pub fn path_above(
    conn: &mut DbConn,
    owner: &UserId,
    folder: Option<&FileId>,
) -> Result<Option<String>, AppError> {
    let Some(folder) = folder else { return Ok(None) };
    let row = crate::db::models::files::find_owned(conn, owner, folder)?;
    let chain = crate::files::path_to(conn, owner, Some(&row))?;
    Ok(Some(chain.iter().map(|f| format!("/{}", f.name)).collect()))
}

/// The path (`/a/b`) of each folder holding one of `rows`: one query per level of depth,
/// whatever the number of rows.
fn folder_paths(
    conn: &mut DbConn,
    owner: &UserId,
    rows: &[FileRow],
) -> Result<HashMap<FileId, String>, AppError> {
    // id → (name, parent) of every folder on the way up.
    let mut folders: HashMap<FileId, (String, Option<FileId>)> = HashMap::new();
    let mut wanted: Vec<FileId> = rows.iter().filter_map(|r| r.parent_id.clone()).collect();
    for _ in 0..1000 {
        wanted.sort();
        wanted.dedup();
        wanted.retain(|id| !folders.contains_key(id));
        if wanted.is_empty() {
            break;
        }
        let level = rows::rows(conn, owner, &wanted)?;
        wanted = level.iter().filter_map(|f| f.parent_id.clone()).collect();
        for f in level {
            folders.insert(f.id, (f.name, f.parent_id));
        }
    }
    let mut paths = HashMap::new();
    for id in rows.iter().filter_map(|r| r.parent_id.as_ref()) {
        if paths.contains_key(id) {
            continue;
        }
        let mut names = Vec::new();
        let mut next = Some(id);
        while let Some(at) = next {
            let Some((name, parent)) = folders.get(at) else { break };
            names.push(name.as_str());
            next = parent.as_ref();
            if names.len() > 1000 {
                return Err(AppError::internal("folder chain too deep (a cycle?)"));
            }
        }
        let path: String = names.iter().rev().map(|n| format!("/{n}")).collect();
        paths.insert(id.clone(), path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params { q: Some(q.to_owned()), ..Params::default() }
    }

    fn field_errors(p: &Params) -> Vec<&'static str> {
        match parse(p) {
            Err(AppError::Validation(e)) => e.0.keys().copied().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn queries_fold_like_names() {
        assert_eq!(parse(&params("  Résumé ")).expect("ok").key, "resume");
        assert_eq!(parse(&params("ｐｈｏｔｏ")).expect("ok").key, "photo");
        assert_eq!(parse(&params("照")).expect("ok").key, "照");
    }

    #[test]
    fn bad_queries_name_their_field() {
        for q in ["", "   ", "\u{301}", "a\nb", "tab\there", &"x".repeat(201)] {
            assert_eq!(field_errors(&params(q)), ["q"], "{q:?}");
        }
        assert!(parse(&params(&"字".repeat(200))).is_ok());
        let p = Params { kind: Some("pdf".into()), limit: Some("0".into()), ..params("a") };
        assert_eq!(field_errors(&p), ["limit", "type"]);
        for limit in ["201", "-1", "ten", "1e3"] {
            let p = Params { limit: Some(limit.into()), ..params("a") };
            assert_eq!(field_errors(&p), ["limit"], "{limit}");
        }
    }

    #[test]
    fn cursors_round_trip_and_forged_ones_are_refused() {
        let at = DateTime::from_timestamp_nanos(1_790_000_000_123_456_789).naive_utc();
        let id = "0b9c6a52-7f0e-4d3c-9d57-6f1f3a0b2c11";
        let cursor = encode_cursor(2, at, id);
        let after = decode_cursor(&cursor).expect("decodes");
        assert_eq!(after, After { rank: 2, modified_at: at, id: FileId(id.into()) });
        let forged = [
            "garbage!",
            "",
            &URL_SAFE_NO_PAD.encode("v1:3:0:abc"),
            &URL_SAFE_NO_PAD.encode("v2:0:0:abc"),
            &URL_SAFE_NO_PAD.encode("v1:0:x:abc"),
            &URL_SAFE_NO_PAD.encode("v1:0:0:a'b"),
            &URL_SAFE_NO_PAD.encode("v1:0:0:"),
            &URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
        ];
        for c in forged {
            assert!(decode_cursor(c).is_none(), "{c:?}");
        }
    }
}
