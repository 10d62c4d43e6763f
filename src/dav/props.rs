//! Dead properties (PROPPATCH) kept in the database, per file or folder id, so they follow a
//! MOVE and survive a restart.

use dav_server::fs::DavProp;
use http::StatusCode;

use crate::db::ids::FileId;
use crate::db::models::dav_props::{self, PropRow};
use crate::db::{self, DbConn};
use crate::error::AppError;

/// The most properties one item may carry, and the largest value: a client cannot fill the
/// database through PROPPATCH.
const MAX_PROPS: usize = 100;
const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Applies a PROPPATCH as one change: all of it or (on a refusal) none of it.
pub fn patch(
    conn: &mut DbConn,
    file: &FileId,
    patch: Vec<(bool, DavProp)>,
) -> Result<Vec<(StatusCode, DavProp)>, AppError> {
    let too_big =
        patch.iter().any(|(_, p)| p.xml.as_ref().is_some_and(|x| x.len() > MAX_VALUE_BYTES));
    let sets = patch.iter().filter(|(set, _)| *set).count();
    if too_big || dav_props::of_file(conn, file)?.len() + sets > MAX_PROPS {
        return Ok(refused(patch, StatusCode::INSUFFICIENT_STORAGE));
    }
    db::write(conn, |conn| {
        let mut answers = Vec::with_capacity(patch.len());
        for (set, prop) in patch {
            let namespace = prop.namespace.clone().unwrap_or_default();
            if set {
                dav_props::set(
                    conn,
                    &PropRow {
                        file_id: file.clone(),
                        namespace,
                        name: prop.name.clone(),
                        prefix: prop.prefix.clone(),
                        xml: prop.xml.as_ref().map(|x| String::from_utf8_lossy(x).into_owned()),
                    },
                )?;
            } else {
                dav_props::remove(conn, file, &namespace, &prop.name)?;
            }
            answers.push((StatusCode::OK, without_value(prop)));
        }
        Ok(answers)
    })
}

fn refused(patch: Vec<(bool, DavProp)>, status: StatusCode) -> Vec<(StatusCode, DavProp)> {
    patch.into_iter().map(|(_, p)| (status, without_value(p))).collect()
}

fn without_value(prop: DavProp) -> DavProp {
    DavProp { xml: None, ..prop }
}

fn to_prop(row: PropRow, with_value: bool) -> DavProp {
    DavProp {
        name: row.name,
        prefix: row.prefix,
        namespace: Some(row.namespace).filter(|n| !n.is_empty()),
        xml: if with_value { row.xml.map(String::into_bytes) } else { None },
    }
}

/// Every dead property of `file` (with values when `with_value`).
pub fn all(conn: &mut DbConn, file: &FileId, with_value: bool) -> Result<Vec<DavProp>, AppError> {
    Ok(dav_props::of_file(conn, file)?.into_iter().map(|r| to_prop(r, with_value)).collect())
}

/// The value of one dead property, if `file` has it.
pub fn one(conn: &mut DbConn, file: &FileId, prop: &DavProp) -> Result<Option<Vec<u8>>, AppError> {
    let namespace = prop.namespace.clone().unwrap_or_default();
    Ok(dav_props::of_file(conn, file)?
        .into_iter()
        .find(|r| r.namespace == namespace && r.name == prop.name)
        .and_then(|r| r.xml.map(String::into_bytes)))
}
