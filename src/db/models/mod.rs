//! One file per table: the row types and the queries on that table.

pub mod sessions;
pub mod users;
