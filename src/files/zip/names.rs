//! Names inside an archive: every entry's name is made safe to extract (nothing can escape the
//! directory it is extracted into) and unique in its directory (`a.txt`, `a (1).txt`).
//!
//! homedisk's own names never contain `/`, but an archive is read by tools that also honour
//! `\` (Windows), treat `..` as "the parent", strip or honour a leading `/`, and choke on
//! control characters; so each name is cleaned on its own, whatever `validate_name` allows
//! today. Uniqueness ignores case: macOS and Windows extract `A.txt` and `a.txt` to one file.

use std::collections::HashSet;

/// The longest name kept, in bytes (common file systems allow 255).
const MAX_NAME_BYTES: usize = 255;

/// `name` as one safe path component: no separators, no control characters, never empty,
/// `.` or `..`.
pub fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim();
    let safe = match trimmed {
        "" => "_".to_owned(),
        // Only dots would mean "here" or "the parent" (or, on Windows, nothing at all).
        t if t.chars().all(|c| c == '.') => t.replace('.', "_"),
        t => t.to_owned(),
    };
    truncate(&safe, MAX_NAME_BYTES).to_owned()
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}

/// The names already given in one directory of the archive.
#[derive(Default)]
pub struct Directory {
    taken: HashSet<String>,
}

impl Directory {
    /// A name for `name` (already sanitized) not yet used in this directory: `name`, else
    /// `stem (1).ext`, `stem (2).ext`… (a folder's name gets the number at its end).
    pub fn claim(&mut self, name: &str, is_dir: bool) -> String {
        if self.taken.insert(name.to_lowercase()) {
            return name.to_owned();
        }
        let (stem, ext) = split_extension(name, is_dir);
        let mut n = 1u64;
        loop {
            let candidate = format!("{stem} ({n}){ext}");
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// `("a", ".txt")` for `a.txt`; a leading dot (`.bashrc`) and folders have no extension.
fn split_extension(name: &str, is_dir: bool) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 && !is_dir => name.split_at(i),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_escapes_the_directory() {
        assert_eq!(sanitize(".."), "__");
        assert_eq!(sanitize("."), "_");
        assert_eq!(sanitize(""), "_");
        assert_eq!(sanitize("  "), "_");
        assert_eq!(sanitize("/etc/passwd"), "_etc_passwd");
        assert_eq!(sanitize("..\\..\\x"), ".._.._x");
        assert_eq!(sanitize("a\nb\u{0}c"), "a_b_c");
        assert_eq!(sanitize("..a"), "..a");
        assert_eq!(sanitize("📸 holiday.jpg"), "📸 holiday.jpg");
        assert!(sanitize(&"é".repeat(300)).len() <= MAX_NAME_BYTES);
    }

    #[test]
    fn duplicates_get_numbers_case_insensitively() {
        let mut dir = Directory::default();
        assert_eq!(dir.claim("a.txt", false), "a.txt");
        assert_eq!(dir.claim("A.txt", false), "A (1).txt");
        assert_eq!(dir.claim("a.txt", false), "a (2).txt");
        assert_eq!(dir.claim("a (1).txt", false), "a (1) (1).txt");
        assert_eq!(dir.claim(".bashrc", false), ".bashrc");
        assert_eq!(dir.claim(".bashrc", false), ".bashrc (1)");
        assert_eq!(dir.claim("v1.2", true), "v1.2");
        assert_eq!(dir.claim("v1.2", true), "v1.2 (1)");
    }
}
