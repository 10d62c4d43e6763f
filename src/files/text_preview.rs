//! The text viewer of a file's page: the first [`MAX_BYTES`] of a file as lines of text, or
//! `Binary` when the bytes are not text. The lines are plain strings; the template escapes
//! them, so markup in a file (`<script>`) is shown, never run.
//!
//! Decoding never fails: UTF-8 (a byte-order mark dropped) with invalid sequences replaced by
//! U+FFFD, and UTF-16 when it starts with its byte-order mark. A multi-byte character cut by
//! the size limit is left out rather than shown as a replacement character.

/// How much of a file the page shows.
pub const MAX_BYTES: usize = 1 << 20;
/// How many lines the page shows at most (a MiB of empty lines would be a million rows).
pub const MAX_LINES: usize = 10_000;
/// How many bytes decide whether a file is text.
const SNIFF: usize = 8 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum TextPreview {
    Text {
        lines: Vec<String>,
        /// Whether the file goes on after what is shown.
        truncated: bool,
    },
    /// Not text: the page offers the download only.
    Binary,
}

/// The preview of a file of `total` bytes whose first bytes are `head` (at most
/// [`MAX_BYTES`] of them are used).
pub fn preview(head: &[u8], total: u64) -> TextPreview {
    let head = &head[..head.len().min(MAX_BYTES)];
    let cut = (head.len() as u64) < total;
    let text = if let Some(text) = utf16(head) {
        text
    } else if looks_binary(head) {
        return TextPreview::Binary;
    } else {
        utf8(head, cut)
    };
    // A final line break ends the last line; it does not start an empty one.
    let body = if cut { &text[..] } else { text.strip_suffix('\n').unwrap_or(&text) };
    let mut lines: Vec<String> = body
        .split('\n')
        .take(MAX_LINES + 1)
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .collect();
    let mut truncated = cut;
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        truncated = true;
    }
    TextPreview::Text { lines, truncated }
}

/// Control characters that do not occur in text (NUL among them), in the first bytes.
fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(SNIFF)];
    if sample.contains(&0) {
        return true;
    }
    let odd = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    odd * 20 > sample.len()
}

/// UTF-8, lossy; when the file was `cut`, an incomplete character at the end is dropped.
fn utf8(bytes: &[u8], cut: bool) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let end = match std::str::from_utf8(bytes) {
        Err(e) if cut && e.error_len().is_none() => e.valid_up_to(),
        _ => bytes.len(),
    };
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// UTF-16 text, when `bytes` start with its byte-order mark.
fn utf16(bytes: &[u8]) -> Option<String> {
    let little = match bytes.get(..2)? {
        [0xFF, 0xFE] => true,
        [0xFE, 0xFF] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks_exact(2).map(|p| {
        let pair = [p[0], p[1]];
        if little { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
    });
    Some(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect())
}

#[cfg(test)]
mod tests {
    use super::{MAX_BYTES, MAX_LINES, TextPreview, preview};

    fn lines(p: TextPreview) -> (Vec<String>, bool) {
        match p {
            TextPreview::Text { lines, truncated } => (lines, truncated),
            TextPreview::Binary => panic!("text expected"),
        }
    }

    #[test]
    fn text_is_split_into_lines_without_line_ends() {
        let (l, cut) = lines(preview(b"one\r\ntwo\n<script>x</script>\n", 28));
        assert_eq!(l, ["one", "two", "<script>x</script>"]);
        assert!(!cut);
        assert_eq!(lines(preview(b"", 0)).0, [""]);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_a_bom_dropped() {
        let (l, _) = lines(preview(b"\xEF\xBB\xBFcaf\xC3\xA9 \xFF!", 11));
        assert_eq!(l, ["café \u{FFFD}!"]);
    }

    #[test]
    fn a_character_cut_by_the_limit_is_left_out() {
        // "中" is E4 B8 AD: only its first two bytes are in the head of a longer file.
        let (l, cut) = lines(preview(b"ab\xE4\xB8", 100));
        assert_eq!(l, ["ab"]);
        assert!(cut);
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("hi\n你".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(lines(preview(&bytes, bytes.len() as u64)).0, ["hi", "你"]);
    }

    #[test]
    fn binary_bytes_have_no_text_preview() {
        assert_eq!(preview(b"PK\x03\x04\x00\x00binary", 12), TextPreview::Binary);
        assert_eq!(preview(&[1, 2, 3, 4, 5, 6, 7, 8, b'a'], 9), TextPreview::Binary);
    }

    #[test]
    fn long_files_are_cut_at_a_mebibyte_or_at_the_line_limit() {
        let big = vec![b'a'; MAX_BYTES + 10];
        let (l, cut) = lines(preview(&big, big.len() as u64));
        assert_eq!(l[0].len(), MAX_BYTES);
        assert!(cut);
        let many = "x\n".repeat(MAX_LINES + 5);
        let (l, cut) = lines(preview(many.as_bytes(), many.len() as u64));
        assert_eq!(l.len(), MAX_LINES);
        assert!(cut);
        let exact = "x\n".repeat(MAX_LINES);
        let (l, cut) = lines(preview(exact.as_bytes(), exact.len() as u64));
        assert_eq!(l.len(), MAX_LINES);
        assert!(!cut);
    }
}
