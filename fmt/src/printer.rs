//! The printer core: a port of upstream's `printer.go`.
//!
//! The walker hands the printer text and layout directives; the printer
//! queues the directives, interleaves comments by comparing their offsets
//! with an *estimate* of the current source position, and produces a byte
//! stream for the tabwriter (`\t` indentation cells, `\v` alignment cells,
//! `\n`/`\f` line ends, escape-bracketed comments). Where comments end up,
//! how many blank lines surround them and how they are indented all follow
//! from the exact bookkeeping below, so it mirrors the original closely,
//! including its imprecisions.

use crate::tabwriter::{ESCAPE, FORM_FEED, VTAB};
use crate::tree::{Comment, Comments, Lines, LiteralKind, Pos};

/// A layout directive queued until the next piece of text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ws {
    /// A directive cancelled by comment handling.
    Ignore,
    Blank,
    /// Alignment cell separator.
    VTab,
    /// Line end that keeps the current alignment block open.
    Newline,
    /// Line end that closes every alignment block.
    Formfeed,
    Indent,
    Unindent,
}

impl Ws {
    fn byte(self) -> u8 {
        match self {
            Ws::Blank => b' ',
            Ws::VTab => VTAB,
            Ws::Newline => b'\n',
            Ws::Formfeed => FORM_FEED,
            // Not written as bytes.
            Ws::Ignore | Ws::Indent | Ws::Unindent => 0,
        }
    }
}

/// The kinds of the previously written element that influence printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LastTok {
    /// A layout directive (upstream uses its LITERAL token for this).
    Whitespace,
    /// An integer literal: a following `.` needs a space (`1 .foo`).
    Number,
    /// `/`: a following `*` would start a comment.
    Div,
    /// End of input: the final flush of trailing comments.
    Eof,
    Other,
}

/// How text must be protected from the tabwriter and trimmer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protect {
    /// Ordinary text.
    None,
    /// Comments: the whole text is one opaque segment.
    Whole,
    /// String literals containing tabs, vertical tabs, form feeds or blanks
    /// before a line break, which upstream would alter: each line of the
    /// literal is made opaque separately, so line structure and widths stay
    /// exactly what upstream sees while the bytes survive.
    PerLine,
}

/// Upstream's `token.Position`, reduced to what the printer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Position {
    pub offset: i64,
    pub line: i64,
}

impl Position {
    /// The estimate upstream starts with, and what the final flush uses.
    const END: Position = Position {
        offset: i64::MAX,
        line: i64::MAX,
    };

    fn valid(&self) -> bool {
        self.line > 0
    }
}

/// Upstream caps the line breaks it reproduces around comments at two
/// (one blank line).
const MAX_NEWLINES: i64 = 2;

/// Upstream's whitespace buffer has a fixed capacity; when it fills up the
/// queued directives are written early. Reproduced because it can change
/// where indentation takes effect.
const WHITESPACE_CAPACITY: usize = 16;

struct CommentCursor<'c, 's> {
    comments: &'c Comments<'s>,
    /// Next group to load.
    next_group: usize,
    /// Group pending injection.
    current: std::ops::Range<usize>,
    /// Start offset of the pending group, if any.
    pos: Option<u32>,
}

impl<'c, 's> CommentCursor<'c, 's> {
    fn new(comments: &'c Comments<'s>) -> Self {
        let mut cursor = CommentCursor {
            comments,
            next_group: 0,
            current: 0..0,
            pos: None,
        };
        cursor.advance();
        cursor
    }

    fn advance(&mut self) {
        while let Some(group) = self.comments.groups.get(self.next_group) {
            self.next_group += 1;
            if let Some(first) = self.comments.list.get(group.start) {
                if !group.is_empty() {
                    self.current = group.clone();
                    self.pos = Some(first.pos.offset);
                    return;
                }
            }
        }
        self.pos = None;
    }

    fn before(&self, next: Position) -> bool {
        matches!(self.pos, Some(pos) if i64::from(pos) <= next.offset)
    }
}

pub(crate) struct Printer<'c, 's> {
    lines: &'c Lines,
    base_indent: usize,
    output: Vec<u8>,
    indent: usize,
    last_tok: LastTok,
    whitespace: Vec<Ws>,
    comments: CommentCursor<'c, 's>,
    /// Estimated position in the source of what is being written.
    pos: Position,
    /// Source position just after the last text written.
    last: Position,
    /// Column in the output (1 = nothing written on this line yet).
    out_column: i64,
}

impl<'c, 's> Printer<'c, 's> {
    pub fn new(
        lines: &'c Lines,
        comments: &'c Comments<'s>,
        base_indent: usize,
        capacity: usize,
    ) -> Self {
        Printer {
            lines,
            base_indent,
            output: Vec::with_capacity(capacity),
            indent: 0,
            last_tok: LastTok::Other,
            whitespace: Vec::with_capacity(WHITESPACE_CAPACITY),
            comments: CommentCursor::new(comments),
            pos: Position { offset: 0, line: 1 },
            last: Position::default(),
            out_column: 1,
        }
    }

    fn position(pos: Pos) -> Position {
        Position {
            offset: i64::from(pos.offset),
            line: i64::from(pos.line),
        }
    }

    /// Queues a layout directive.
    pub fn ws(&mut self, ws: Ws) {
        if ws == Ws::Ignore {
            return;
        }
        if self.whitespace.len() == WHITESPACE_CAPACITY {
            self.write_whitespace(WHITESPACE_CAPACITY);
        }
        self.whitespace.push(ws);
        self.last_tok = LastTok::Whitespace;
    }

    /// Sets the estimated source position to that of the next element.
    pub fn at(&mut self, pos: Pos) {
        self.pos = Self::position(pos);
    }

    pub fn ident(&mut self, name: &str) {
        self.last_tok = LastTok::Other;
        self.write_text(name.as_bytes(), Protect::None, false);
    }

    /// Writes a literal exactly as spelled in the source.
    pub fn literal(&mut self, text: &str, kind: LiteralKind) {
        self.last_tok = if kind == LiteralKind::Number {
            LastTok::Number
        } else {
            LastTok::Other
        };
        // Only strings can hold line breaks or bytes the pipeline rewrites.
        let is_string = kind == LiteralKind::String;
        let protect = if is_string && needs_protection(text.as_bytes()) {
            Protect::PerLine
        } else {
            Protect::None
        };
        self.write_text(text.as_bytes(), protect, is_string);
    }

    /// Writes `"inner"`, for text that Go's `%q` leaves unchanged (see
    /// [`quotes_unchanged`]), without building the quoted string.
    pub fn quoted(&mut self, inner: &str) {
        self.last_tok = LastTok::Other;
        let next = self.pos;
        self.flush(next, self.last_tok);
        self.begin_write(next);
        self.output.push(b'"');
        self.output.extend_from_slice(inner.as_bytes());
        self.output.push(b'"');
        self.end_write_single_line(inner.len() + 2);
    }

    /// Writes an operator or punctuation token.
    pub fn token(&mut self, text: &'static str) {
        let first = text.as_bytes().first().copied().unwrap_or(0);
        let combines = match self.last_tok {
            LastTok::Number => first == b'.',
            LastTok::Div => first == b'*',
            _ => false,
        };
        if combines {
            // The previous token was just written, so nothing is queued;
            // a single blank keeps the two tokens apart.
            self.whitespace.clear();
            self.whitespace.push(Ws::Blank);
        }
        self.last_tok = if text == "/" {
            LastTok::Div
        } else {
            LastTok::Other
        };
        self.write_text(text.as_bytes(), Protect::None, false);
    }

    /// `multiline` is false for text known to hold no line break.
    fn write_text(&mut self, data: &[u8], protect: Protect, multiline: bool) {
        let next = self.pos;
        self.flush(next, self.last_tok);
        if multiline {
            self.write_string(next, data, protect);
        } else {
            self.begin_write(next);
            self.output.extend_from_slice(data);
            self.end_write_single_line(data.len());
        }
    }

    /// Writes any comments left and returns the bytes for the tabwriter.
    pub fn finish(mut self) -> Vec<u8> {
        self.flush(Position::END, LastTok::Eof);
        self.output
    }

    /// Emits the comments that come before `next` in the source, or else the
    /// queued layout directives (except at the end of input, where trailing
    /// layout is dropped).
    fn flush(&mut self, next: Position, tok: LastTok) {
        if self.comments.before(next) {
            self.inject_comments(next, tok);
        } else if tok != LastTok::Eof {
            self.write_whitespace(self.whitespace.len());
        }
    }

    fn inject_comments(&mut self, next: Position, tok: LastTok) {
        let comments = self.comments.comments;
        let mut last_comment: Option<&Comment<'_>> = None;
        while self.comments.before(next) {
            for c in &comments.list[self.comments.current.clone()] {
                self.write_comment_prefix(next, c);
                self.write_string(Self::position(c.pos), &c.text, Protect::Whole);
                last_comment = Some(c);
            }
            self.comments.advance();
        }
        if let Some(c) = last_comment {
            self.write_comment_suffix(next, tok, c);
        }
    }

    fn write_comment_prefix(&mut self, next: Position, c: &Comment<'_>) {
        if self.output.is_empty() {
            // Nothing precedes the comment: no separation needed.
            return;
        }
        let c_pos = Self::position(c.pos);
        if c_pos.line == self.last.line {
            // A comment on the line of the previous text. A tab makes
            // trailing comments align; a comment followed by more code on
            // its line is a block comment and gets a plain space.
            let separator = if c_pos.line == next.line { b' ' } else { b'\t' };
            self.write_byte(separator, 1);
        } else {
            // A comment on a line of its own: apply only the indentation
            // changes queued before the first real layout directive, and
            // drop that directive since line breaks are derived from the
            // source below.
            let mut count = 0;
            for (i, ws) in self.whitespace.iter_mut().enumerate() {
                match ws {
                    Ws::Indent | Ws::Unindent => continue,
                    Ws::Blank | Ws::VTab | Ws::Newline | Ws::Formfeed => *ws = Ws::Ignore,
                    Ws::Ignore => {}
                }
                count = i;
                break;
            }
            self.write_whitespace(count);

            let newlines = if c_pos.valid() && self.last.valid() {
                c_pos.line - self.last.line
            } else {
                0
            };
            if newlines > 0 {
                self.write_byte(FORM_FEED, newlines.min(MAX_NEWLINES));
            }
        }
    }

    fn write_comment_suffix(&mut self, next: Position, tok: LastTok, last_comment: &Comment<'_>) {
        if tok == LastTok::Eof {
            // Never add line breaks at the end of the output.
            return;
        }
        // The end is computed from the comment's length, so its line has to
        // be looked up.
        let end_line = self.lines.line(last_comment.end()) as i64;
        if last_comment.is_block() && next.line == end_line {
            self.write_byte(b' ', 1);
        }

        let newlines = next.line - self.last.line;
        let mut dropped_formfeed = false;
        for ws in self.whitespace.iter_mut() {
            match ws {
                Ws::Blank | Ws::VTab => *ws = Ws::Ignore,
                Ws::Newline => *ws = Ws::Ignore,
                Ws::Formfeed => {
                    dropped_formfeed = true;
                    *ws = Ws::Ignore;
                }
                Ws::Indent | Ws::Unindent | Ws::Ignore => {}
            }
        }
        self.write_whitespace(self.whitespace.len());

        if newlines > 0 {
            let ch = if dropped_formfeed { FORM_FEED } else { b'\n' };
            self.write_byte(ch, newlines.min(MAX_NEWLINES));
        }
    }

    fn begin_write(&mut self, pos: Position) {
        if self.out_column == 1 {
            self.write_indent();
        }
        if pos.valid() {
            self.pos = pos;
        }
    }

    /// Bookkeeping after writing `len` bytes without a line break.
    fn end_write_single_line(&mut self, len: usize) {
        self.pos.offset += len as i64;
        self.out_column += len as i64;
        self.last = self.pos;
    }

    fn write_string(&mut self, pos: Position, s: &[u8], protect: Protect) {
        self.begin_write(pos);
        match protect {
            Protect::None => self.output.extend_from_slice(s),
            Protect::Whole => {
                self.output.push(ESCAPE);
                self.output.extend_from_slice(s);
                self.output.push(ESCAPE);
            }
            Protect::PerLine => {
                for (i, segment) in s.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        self.output.push(b'\n');
                    }
                    if !segment.is_empty() {
                        self.output.push(ESCAPE);
                        self.output.extend_from_slice(segment);
                        self.output.push(ESCAPE);
                    }
                }
            }
        }

        // Upstream counts form feeds as line breaks here too.
        if !has_byte_below(s, FORM_FEED + 1) {
            self.end_write_single_line(s.len());
            return;
        }
        let Some(last_newline) = s.iter().rposition(|&b| b == b'\n' || b == FORM_FEED) else {
            self.end_write_single_line(s.len());
            return;
        };
        let newlines = s[..last_newline]
            .iter()
            .filter(|&&b| b == b'\n' || b == FORM_FEED)
            .count() as i64
            + 1;
        self.pos.offset += s.len() as i64;
        self.pos.line += newlines;
        self.out_column = (s.len() - last_newline) as i64;
        self.last = self.pos;
    }

    fn write_indent(&mut self) {
        let depth = self.base_indent + self.indent;
        self.output.resize(self.output.len() + depth, b'\t');
        self.pos.offset += depth as i64;
        self.out_column += depth as i64;
    }

    /// Writes `n` copies of a layout byte.
    fn write_byte(&mut self, ch: u8, n: i64) {
        if self.out_column == 1 {
            self.write_indent();
        }
        match n {
            // Layout directives write one byte at a time.
            1 => self.output.push(ch),
            n => self
                .output
                .resize(self.output.len() + n.max(0) as usize, ch),
        }
        self.pos.offset += n;
        if ch == b'\n' || ch == FORM_FEED {
            self.pos.line += n;
            self.out_column = 1;
        } else {
            self.out_column += n;
        }
    }

    /// Carries out the first `n` queued directives.
    fn write_whitespace(&mut self, n: usize) {
        let n = n.min(self.whitespace.len());
        for i in 0..n {
            match self.whitespace[i] {
                Ws::Ignore => {}
                Ws::Indent => self.indent += 1,
                // Upstream treats going below zero as a bug and panics; the
                // walker never does it, and saturating is the harmless choice.
                Ws::Unindent => self.indent = self.indent.saturating_sub(1),
                ws => self.write_byte(ws.byte(), 1),
            }
        }
        if n == self.whitespace.len() {
            self.whitespace.clear();
        } else {
            self.whitespace.drain(..n);
        }
    }
}

/// Whether some byte of `text` is below `limit`. Written without an early
/// exit so that it compiles to a vectorised loop.
fn has_byte_below(text: &[u8], limit: u8) -> bool {
    text.iter().fold(false, |found, &b| found | (b < limit))
}

/// Whether Go's `%q` of `text` is `text` between double quotes: printable
/// ASCII without quote or backslash, the overwhelmingly common case for
/// block labels and quoted keys.
pub(crate) fn quotes_unchanged(text: &str) -> bool {
    text.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
}

/// Whether the tabwriter or trimmer would change a literal's bytes: they
/// split cells at tabs, vertical tabs and form feeds and drop blanks before
/// a line break.
fn needs_protection(text: &[u8]) -> bool {
    // Every byte concerned is below 13; a branch-free pass over the whole
    // text rules most literals out quickly.
    if !has_byte_below(text, 13) {
        return false;
    }
    text.iter().enumerate().any(|(i, &b)| match b {
        b'\t' | VTAB | FORM_FEED => true,
        b'\n' => i > 0 && text[i - 1] == b' ',
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_quoting_agrees_with_go_quote() {
        for b in 0u8..=0x7f {
            let text = format!("a{}b", b as char);
            let plain = format!("\"{text}\"");
            assert_eq!(
                quotes_unchanged(&text),
                alloy_syntax::unicode::go_quote(text.as_bytes()) == plain,
                "byte {b:#x}"
            );
        }
        assert!(quotes_unchanged(""));
        assert!(!quotes_unchanged("é"));
    }

    #[test]
    fn protection_is_needed_only_for_bytes_the_pipeline_rewrites() {
        assert!(!needs_protection(b"\"plain\""));
        assert!(!needs_protection(b"`multi\nline`"));
        assert!(needs_protection(b"`a\tb`"));
        assert!(needs_protection(b"`a  \nb`"));
        assert!(needs_protection(b"`a\x0cb`"));
        assert!(!needs_protection(b"`a\r\nb`"));
    }
}
