//! Formatting a large file on several threads: the text is cut before
//! top-level blocks, each piece is formatted on its own, and the outputs
//! are joined. The result is byte-identical to [`crate::format_source`]
//! (differential tests on every conformance file check it), or it *is*
//! `format_source`'s result when a cut cannot be vouched for.
//!
//! Why the join is exact. A cut is taken only where
//! * the line after it starts a top-level block header (`name "label" {`),
//!   so the whole-file walker puts exactly one blank line before it (blocks
//!   are always set apart by one, whatever the source has), and a form feed,
//!   which ends every alignment run of the tabwriter;
//! * the last non-blank line before it is a lone `}` at column 0, so the
//!   statement before it spans several lines (the walker ends it with a form
//!   feed too) and no comment sits between the two statements (comment
//!   placement is the one thing that looks across statements);
//! * every piece formats without a syntax error: a piece that ended inside
//!   a string, comment, block or expression would not parse on its own, so
//!   error-free pieces parse exactly as they do inside the whole file.
//!
//! Then the whole file's output is the first piece's output (which ends in
//! `}\n`), a `\n` for the blank line, and the next piece's output, and so on.
//! Any piece with an error sends the file to the one-thread path, which
//! reports the file's errors exactly.

use crate::{format_source, FormatError};

/// Below this size a second thread costs more than it saves.
pub const MIN_PARALLEL_LEN: usize = 256 * 1024;

/// [`format_source`] on up to `threads` threads for large inputs. Same
/// output, same errors.
pub fn format_source_parallel(src: &[u8], threads: usize) -> Result<String, FormatError> {
    if threads < 2 || src.len() < MIN_PARALLEL_LEN {
        return format_source(src);
    }
    let Ok(text) = std::str::from_utf8(src) else {
        return format_source(src);
    };
    let cuts = find_cuts(text, threads);
    match format_at_cuts(text, &cuts) {
        Some(out) => Ok(out),
        None => format_source(src),
    }
}

/// Up to `pieces - 1` cut positions near equal fractions of the text, each
/// at the start of a line that passes [`is_cut`].
pub fn find_cuts(text: &str, pieces: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = Vec::with_capacity(pieces);
    for i in 1..pieces.max(1) {
        let from = (text.len() * i / pieces).max(cuts.last().map_or(1, |&c| c + 1));
        let mut at = from;
        let found = loop {
            let Some(nl) = text.get(at..).and_then(|rest| rest.find('\n')) else {
                break None;
            };
            let line_start = at + nl + 1;
            if line_start >= text.len() {
                break None;
            }
            if is_cut(text, line_start) {
                break Some(line_start);
            }
            at = line_start;
        };
        if let Some(cut) = found {
            cuts.push(cut);
        }
    }
    cuts.dedup();
    cuts
}

/// Whether the line starting at `at` opens a top-level block header and the
/// last non-blank line before it is a lone `}` (see the module docs).
fn is_cut(text: &str, at: usize) -> bool {
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if !is_block_header(&text[at..line_end]) {
        return false;
    }
    let before = &text[..at];
    let last = before
        .trim_end_matches(['\n', '\r', ' ', '\t'])
        .rsplit('\n')
        .next()
        .unwrap_or("");
    last.trim_end_matches([' ', '\t', '\r']) == "}"
}

/// `name`, `name.sub` or `name "label"`, then `{`, at the start of a line.
fn is_block_header(line: &str) -> bool {
    let b = line.as_bytes();
    let ident_start = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    if !b.first().copied().is_some_and(ident_start) {
        return false;
    }
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
        i += 1;
    }
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if b.get(i) == Some(&b'"') {
        i += 1;
        while i < b.len() && b[i] != b'"' {
            if b[i] == b'\\' {
                return false;
            }
            i += 1;
        }
        i += 1;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
    }
    b.get(i) == Some(&b'{')
}

/// Formats the pieces between `cuts` (ascending byte offsets, each passing
/// [`is_cut`]) in parallel and joins them; `None` when a cut is not one or
/// a piece does not format cleanly.
pub fn format_at_cuts(text: &str, cuts: &[usize]) -> Option<String> {
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(0);
    for &cut in cuts {
        if cut <= *bounds.last()? || cut >= text.len() || !text.is_char_boundary(cut) {
            return None;
        }
        if !is_cut(text, cut) {
            return None;
        }
        bounds.push(cut);
    }
    bounds.push(text.len());
    let pieces: Vec<&str> = bounds.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let outputs: Vec<Option<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pieces[1..]
            .iter()
            .map(|piece| scope.spawn(move || format_source(piece.as_bytes()).ok()))
            .collect();
        let first = format_source(pieces[0].as_bytes()).ok();
        std::iter::once(first)
            .chain(handles.into_iter().map(|h| h.join().ok().flatten()))
            .collect()
    });
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, piece) in outputs.into_iter().enumerate() {
        let piece = piece?;
        if i > 0 {
            // The blank line the walker puts before a block.
            if !out.ends_with("}\n") {
                return None;
            }
            out.push('\n');
        }
        out.push_str(&piece);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_headers() {
        assert!(is_block_header("logging {"));
        assert!(is_block_header("prometheus.scrape \"x\" {"));
        assert!(is_block_header("a.b.c\t\"l\"\t{ x = 1 }"));
        assert!(!is_block_header("a = {"));
        assert!(!is_block_header(" logging {"));
        assert!(!is_block_header("// logging {"));
        assert!(!is_block_header("x \"a\\\"b\" {"));
    }

    #[test]
    fn cuts_need_a_lone_closing_brace_before() {
        let text = "a {\n}\n\nb {\n}\n// c\nd {\n}\ne = 1\nf {\n}\n";
        assert!(is_cut(text, text.find("b {").unwrap_or(0)));
        assert!(!is_cut(text, text.find("d {").unwrap_or(0)));
        assert!(!is_cut(text, text.find("e = 1").unwrap_or(0)));
        assert!(!is_cut(text, text.find("f {").unwrap_or(0)));
    }
}
