//! The folded form of a name that search compares: `Résumé.PDF`, `ＲＥＳＵＭＥ.pdf` and
//! `resume.pdf` all become `resume.pdf`. Computed here (not in SQL) so SQLite and PostgreSQL
//! fold exactly alike, and stored in `files.name_key` when a name is written.

use diesel::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::db::DbConn;
use crate::db::ids::FileId;
use crate::db::schema::files;

/// Compatibility-decomposed (full-width and ligature forms become plain ones), accents
/// dropped, lower-cased, recomposed.
pub fn fold(name: &str) -> String {
    let stripped: String = name.nfkd().filter(|c| !is_accent(*c)).collect();
    stripped.to_lowercase().nfkc().collect()
}

/// The combining diacritical marks that accents are made of. Not every combining mark: the
/// kana voicing marks (`が` = `か` + U+3099) change the word, not its spelling.
fn is_accent(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Fills `name_key` for rows written before it existed (at start-up; a no-op once done, and
/// safe on several nodes at once: every node computes the same key).
pub fn backfill(conn: &mut DbConn) -> QueryResult<usize> {
    let mut done = 0;
    loop {
        let batch: Vec<(FileId, String)> = files::table
            .filter(files::name_key.is_null())
            .select((files::id, files::name))
            .limit(500)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(done);
        }
        conn.transaction(|conn| {
            for (id, name) in &batch {
                diesel::update(files::table.find(id))
                    .set(files::name_key.eq(fold(name)))
                    .execute(conn)?;
            }
            diesel::QueryResult::Ok(())
        })?;
        done += batch.len();
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn accents_case_and_width_fold_away() {
        assert_eq!(fold("Résumé.PDF"), "resume.pdf");
        assert_eq!(fold("ＲＥＳＵＭＥ.pdf"), "resume.pdf");
        assert_eq!(fold("ﬁle"), "file");
        assert_eq!(fold("Ærø"), "ærø");
        assert_eq!(fold("家庭照片2024.jpg"), "家庭照片2024.jpg");
        // Korean syllables decompose into jamo under NFKD and must come back whole.
        assert_eq!(fold("사진"), "사진");
        assert_eq!(fold("ＡＢＣ１２３"), "abc123");
        assert_eq!(fold("がっこう"), "がっこう");
        assert_eq!(fold("ｶﾞｯｺｳ"), "ガッコウ");
    }
}
