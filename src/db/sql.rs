//! The few SQL fragments whose spelling differs between databases, behind small functions so
//! that the queries in `models/` read the same on every backend. Each says what it means; the
//! PostgreSQL spelling joins the SQLite one here when that backend lands.

use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::sql_types::{BigInt, Text};

/// `ORDER BY column` ignoring case (ASCII letters): `COLLATE NOCASE` on SQLite (`lower(column)`
/// on PostgreSQL). `column` is a trusted identifier written in code, never input.
pub fn order_ignoring_case(column: &'static str, descending: bool) -> SqlLiteral<Text> {
    let direction = if descending { "DESC" } else { "ASC" };
    sql::<Text>(&format!("{column} COLLATE NOCASE {direction}"))
}

/// `column - amount`, but never below zero: the scalar `MAX(a, b)` of SQLite (`GREATEST` on
/// PostgreSQL), written as a `CASE` that both understand. `column` is a trusted identifier and
/// `amount` a number, so writing both into the SQL text is safe (this runs on deletes, a cold
/// path, where a statement not reused from the cache costs nothing that matters).
pub fn minus_floored_at_zero(column: &'static str, amount: i64) -> SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CASE WHEN {column} > {amount} THEN {column} - {amount} ELSE 0 END"))
}
