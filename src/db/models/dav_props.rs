//! The `dav_props` table: WebDAV dead properties of a file or folder.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::FileId;
use crate::db::schema::dav_props;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dav_props, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PropRow {
    pub file_id: FileId,
    pub namespace: String,
    pub name: String,
    pub prefix: Option<String>,
    pub xml: Option<String>,
}

pub fn of_file(conn: &mut DbConn, file: &FileId) -> QueryResult<Vec<PropRow>> {
    dav_props::table
        .filter(dav_props::file_id.eq(file))
        .order((dav_props::namespace.asc(), dav_props::name.asc()))
        .select(PropRow::as_select())
        .load(conn)
}

pub fn any(conn: &mut DbConn, file: &FileId) -> QueryResult<bool> {
    Ok(dav_props::table
        .filter(dav_props::file_id.eq(file))
        .select(dav_props::name)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Removes one property (a no-op if it is not there).
pub fn remove(conn: &mut DbConn, file: &FileId, namespace: &str, name: &str) -> QueryResult<()> {
    diesel::delete(
        dav_props::table
            .filter(dav_props::file_id.eq(file))
            .filter(dav_props::namespace.eq(namespace))
            .filter(dav_props::name.eq(name)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Sets one property: delete then insert, the same on both backends (the caller's
/// transaction makes it one change).
pub fn set(conn: &mut DbConn, row: &PropRow) -> QueryResult<()> {
    remove(conn, &row.file_id, &row.namespace, &row.name)?;
    diesel::insert_into(dav_props::table).values(row).execute(conn).map(|_| ())
}
