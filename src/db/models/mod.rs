//! One file per table: the row types and the queries on that table.

pub mod audit;
pub mod blobs;
pub mod files;
pub mod sessions;
pub mod settings;
pub mod users;
