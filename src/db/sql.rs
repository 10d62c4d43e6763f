//! The few SQL spellings that must read the same on SQLite and PostgreSQL, behind small
//! functions so that the queries in `models/` are written once. Each says what it means.
//!
//! Case-insensitive means `lower()` on both sides: SQLite's `lower()` folds ASCII letters only,
//! PostgreSQL's follows the database's locale; with either, "Alice" and "alice" are equal.

use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::sql_types::{BigInt, Nullable, Text};

diesel::define_sql_function! {
    /// SQL `lower(text)`.
    fn lower(x: Text) -> Text;
}

diesel::define_sql_function! {
    /// SQL `lower(text)` of a column that may be NULL.
    #[sql_name = "lower"]
    fn lower_nullable(x: Nullable<Text>) -> Nullable<Text>;
}

/// `ORDER BY lower(column)`. `column` is a trusted identifier written in code, never input.
pub fn order_ignoring_case(column: &'static str, descending: bool) -> SqlLiteral<Text> {
    let direction = if descending { "DESC" } else { "ASC" };
    sql::<Text>(&format!("lower({column}) {direction}"))
}

/// The `LIKE` pattern that finds `text` anywhere (its `%`, `_` and `\` escaped; use with
/// `.escape('\\')`), to compare with a `lower()`ed column.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// `column - amount`, but never below zero: the scalar `MAX(a, b)` of SQLite (`GREATEST` on
/// PostgreSQL), written as a `CASE` that both understand. `column` is a trusted identifier and
/// `amount` a number, so writing both into the SQL text is safe (this runs on deletes, a cold
/// path, where a statement not reused from the cache costs nothing that matters).
pub fn minus_floored_at_zero(column: &'static str, amount: i64) -> SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CASE WHEN {column} > {amount} THEN {column} - {amount} ELSE 0 END"))
}
