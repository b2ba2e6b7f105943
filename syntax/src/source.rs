//! Turning a file's bytes into the text the tree stores, the way upstream's
//! scanner decodes them.
//!
//! Upstream reads bytes and decodes one rune at a time: an invalid byte becomes
//! U+FFFD of width one and is reported, while the rest of the file is scanned
//! as usual. rowan needs `&str`, so each invalid byte is replaced by U+FFFD here
//! and its position remembered; that keeps the tree lossless for every valid
//! file and lets diagnostics still name the original byte columns.

use std::borrow::Cow;

/// A character upstream's decoder complains about wherever it appears, even
/// inside strings and comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeIssue {
    Nul,
    InvalidUtf8,
    /// A byte order mark anywhere but at offset 0.
    Bom,
}

/// The decoded text plus what upstream's decoder would report about it.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// Tree offsets of the U+FFFD characters that stand for invalid bytes.
    pub replacements: Vec<u32>,
    /// Every decoder complaint, ordered by tree offset.
    pub issues: Vec<(u32, DecodeIssue)>,
}

pub(crate) fn decode(bytes: &[u8]) -> Decoded<'_> {
    let (text, replacements) = match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), Vec::new()),
        Err(_) => {
            let (text, replacements) = decode_lossy(bytes);
            (Cow::Owned(text), replacements)
        }
    };
    let mut issues: Vec<(u32, DecodeIssue)> = Vec::new();
    if text.contains('\0') {
        issues.extend(
            text.match_indices('\0')
                .map(|(i, _)| (i as u32, DecodeIssue::Nul)),
        );
    }
    if !text.is_ascii() {
        issues.extend(
            text.match_indices('\u{FEFF}')
                .filter(|(i, _)| *i > 0)
                .map(|(i, _)| (i as u32, DecodeIssue::Bom)),
        );
    }
    issues.extend(replacements.iter().map(|&i| (i, DecodeIssue::InvalidUtf8)));
    issues.sort_by_key(|(offset, _)| *offset);
    Decoded {
        text,
        replacements,
        issues,
    }
}

/// Replaces every byte that does not start a valid UTF-8 sequence with U+FFFD,
/// one replacement per byte, as Go's `utf8.DecodeRune` steps.
fn decode_lossy(mut bytes: &[u8]) -> (String, Vec<u32>) {
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut replacements = Vec::new();
    loop {
        match std::str::from_utf8(bytes) {
            Ok(rest) => {
                out.push_str(rest);
                return (out, replacements);
            }
            Err(err) => {
                let valid = err.valid_up_to();
                // The prefix was just validated, so this cannot fail; an empty
                // string is a harmless fallback.
                out.push_str(std::str::from_utf8(&bytes[..valid]).unwrap_or_default());
                replacements.push(out.len() as u32);
                out.push('\u{FFFD}');
                bytes = &bytes[valid + 1..];
            }
        }
    }
}

/// Decodes bytes exactly as the tree stores them; handy for tests that compare
/// a tree's text with its input.
pub fn decode_like_upstream(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(decode_lossy(bytes).0),
    }
}

/// Maps tree offsets to upstream's 1-based line and byte column.
///
/// Lines split only at `\n`, as upstream's `token.File` does. Columns count
/// bytes of the original file, so a replaced invalid byte counts as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    replacements: Vec<u32>,
}

/// A 1-based line and byte column, as upstream prints positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        Self::with_replacements(text, Vec::new())
    }

    pub(crate) fn with_replacements(text: &str, replacements: Vec<u32>) -> LineIndex {
        let mut line_starts = Vec::with_capacity(text.len() / 24 + 1);
        line_starts.push(0);
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        LineIndex {
            line_starts,
            replacements,
        }
    }

    /// An index from line starts already computed (by walking a tree's
    /// tokens, see [`crate::Parse::line_index`]).
    pub(crate) fn from_line_starts(line_starts: Vec<u32>, replacements: Vec<u32>) -> LineIndex {
        LineIndex {
            line_starts,
            replacements,
        }
    }

    /// Upstream's line and column of a tree offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        LineCol {
            line: line as u32 + 1,
            col: self.original_offset(offset) - self.original_offset(start) + 1,
        }
    }

    /// Number of lines; a file ending in `\n` has an empty last line.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Tree offset of the start of a 1-based line.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get(line.checked_sub(1)? as usize).copied()
    }

    /// The byte offset in the original file of a tree offset: each U+FFFD
    /// that replaced one invalid byte is three bytes in the tree.
    pub fn original_offset(&self, offset: u32) -> u32 {
        let before = self.replacements.partition_point(|&r| r < offset) as u32;
        offset - 2 * before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_become_one_replacement_each() {
        let decoded = decode(b"a\xff\xfeb");
        assert_eq!(decoded.text, "a\u{FFFD}\u{FFFD}b");
        assert_eq!(decoded.replacements, vec![1, 4]);
        let index = LineIndex::with_replacements(&decoded.text, decoded.replacements);
        assert_eq!(index.line_col(7), LineCol { line: 1, col: 4 });
    }

    #[test]
    fn issues_are_sorted_and_leading_bom_is_allowed() {
        let decoded = decode("\u{FEFF}a\0\u{FEFF}".as_bytes());
        assert_eq!(
            decoded.issues,
            vec![(4, DecodeIssue::Nul), (5, DecodeIssue::Bom)]
        );
    }

    #[test]
    fn lines_split_only_at_newline() {
        let index = LineIndex::new("a\r\nb\rc\nd");
        assert_eq!(index.line_col(3), LineCol { line: 2, col: 1 });
        assert_eq!(index.line_col(5), LineCol { line: 2, col: 3 });
        assert_eq!(index.line_col(7), LineCol { line: 3, col: 1 });
    }
}
