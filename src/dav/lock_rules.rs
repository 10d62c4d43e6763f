//! The rules of WebDAV locks, as dav-server's in-memory `MemLs` applies them, over a flat list
//! of stored locks (no I/O here): a lock covers its path, and everything below it when deep;
//! an exclusive lock conflicts with every other lock, a shared one with exclusive ones only;
//! submitting a lock's token (by its principal) lets a request through it.

use dav_server::davpath::DavPath;

use crate::db::models::dav_locks::LockRow;

/// A stored lock with its path split into names, for comparisons.
pub struct Held {
    pub row: LockRow,
    pub names: Vec<String>,
}

pub fn names(encoded: &str) -> Vec<String> {
    encoded.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub fn path_names(path: &DavPath) -> Vec<String> {
    names(&path.as_url_string())
}

/// `a` is `b` or above it.
pub fn covers(a: &[String], b: &[String]) -> bool {
    a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The check of MemLs from the root down to `path`.
pub fn check_to_path<'a>(
    held: &'a [Held],
    path: &[String],
    principal: Option<&str>,
    ignore_principal: bool,
    tokens: &[String],
    shared_ok: bool,
) -> Result<(), &'a LockRow> {
    let mut holds = false;
    let mut first_seen = None;
    let mut above: Vec<&Held> = held.iter().filter(|h| covers(&h.names, path)).collect();
    above.sort_by_key(|h| h.names.len());
    for h in above {
        let l = &h.row;
        if h.names.len() < path.len() && !l.deep {
            continue;
        }
        let mine = ignore_principal || principal == l.principal.as_deref();
        if tokens.contains(&l.token) && mine {
            holds = true;
        } else {
            if !l.shared {
                return Err(l);
            }
            if !shared_ok {
                first_seen.get_or_insert(l);
            }
        }
    }
    match first_seen {
        Some(l) if !holds => Err(l),
        _ => Ok(()),
    }
}

/// The check of MemLs for `path` and everything below it.
pub fn check_below<'a>(
    held: &'a [Held],
    path: &[String],
    principal: Option<&str>,
    ignore_principal: bool,
    tokens: &[String],
    shared_ok: bool,
) -> Result<(), &'a LockRow> {
    for h in held.iter().filter(|h| covers(path, &h.names)) {
        let l = &h.row;
        let mine =
            tokens.contains(&l.token) && (ignore_principal || principal == l.principal.as_deref());
        if (!l.shared || !shared_ok) && !mine {
            return Err(l);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(token: &str, path: &str, shared: bool, deep: bool) -> Held {
        let row = LockRow {
            token: token.into(),
            owner_id: crate::db::ids::UserId("u".into()),
            mount: String::new(),
            path: path.into(),
            principal: Some("alice".into()),
            owner_xml: None,
            shared,
            deep,
            timeout_secs: None,
            expires_at: None,
            created_at: chrono::NaiveDateTime::default(),
        };
        Held { names: names(path), row }
    }

    #[test]
    fn a_deep_lock_covers_below_and_a_shallow_one_does_not() {
        let deep = [held("t1", "/a/", false, true)];
        let below = names("/a/b/c");
        assert!(check_to_path(&deep, &below, None, true, &[], false).is_err());
        assert!(check_to_path(&deep, &below, None, true, &["t1".into()], false).is_ok());
        let shallow = [held("t1", "/a/", false, false)];
        assert!(check_to_path(&shallow, &below, None, true, &[], false).is_ok());
        assert!(check_below(&shallow, &names("/"), None, true, &[], false).is_err());
    }

    #[test]
    fn shared_locks_share_and_exclusive_ones_do_not() {
        let shared = [held("t1", "/f", true, false)];
        let f = names("/f");
        assert!(check_to_path(&shared, &f, None, true, &[], true).is_ok(), "a second shared lock");
        assert!(check_to_path(&shared, &f, None, true, &[], false).is_err(), "an exclusive one");
        // A token presented by someone else does not count when principals matter.
        assert!(check_to_path(&shared, &f, Some("bob"), false, &["t1".into()], false).is_err());
        assert!(covers(&names("/a"), &names("/a/b")) && !covers(&names("/a/b"), &names("/a")));
    }
}
