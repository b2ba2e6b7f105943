//! Positions: LSP speaks in lines and characters counted in the negotiated
//! encoding (UTF-16 code units unless the client offers UTF-8); the analysis
//! speaks in byte offsets into the file's text. Every conversion goes through
//! a [`LineIndex`] built from the text itself, so that a position the client
//! computed from the same text always maps back to the same byte.
//!
//! Out-of-range positions are clamped (a line past the end maps to the end of
//! the text, a character past the end of a line to the end of that line):
//! clients do send them, for example right after deleting the last line, and
//! an error would only make the editor flicker.

use std::sync::Arc;

use alloy_syntax::{TextRange, TextSize};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// The unit of `Position::character`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-16 code units: the LSP default, which every client supports.
    #[default]
    Utf16,
    /// Bytes, when the client offers `utf-8` in `general.positionEncodings`.
    Utf8,
}

impl Encoding {
    /// Picks UTF-8 when the client offers it (no conversion at all), else
    /// the mandatory UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf8 => PositionEncodingKind::UTF8,
        }
    }
}

/// Line starts of one text, plus the text for measuring characters.
///
/// Lines end at `\n`, `\r\n` or a lone `\r`, as LSP defines them (Alloy's own
/// diagnostics count only `\n`, but positions here are the editor's).
#[derive(Clone, Debug)]
pub struct LineIndex {
    text: Arc<str>,
    /// Byte offset where each line starts; the first is 0.
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: Arc<str>) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(bytes.len() / 24 + 1);
        starts.push(0);
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i as u32 + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i as u32 + 2);
                    i += 1;
                }
                b'\r' => starts.push(i as u32 + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { text, starts }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn shared_text(&self) -> &Arc<str> {
        &self.text
    }

    pub fn len(&self) -> TextSize {
        TextSize::from(self.text.len() as u32)
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }

    /// Byte range of a line without its line ending.
    fn line_bounds(&self, line: usize) -> (usize, usize) {
        let start = self.starts[line] as usize;
        let mut end = match self.starts.get(line + 1) {
            Some(&next) => next as usize,
            None => self.text.len(),
        };
        let bytes = self.text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end)
    }

    /// The 0-based line containing a byte offset (clamped to the text).
    pub fn line_of(&self, offset: TextSize) -> u32 {
        let offset = u32::from(offset).min(self.text.len() as u32);
        (self.starts.partition_point(|&s| s <= offset) - 1) as u32
    }

    /// Byte offset of the start of a 0-based line (clamped).
    pub fn line_start(&self, line: u32) -> TextSize {
        let line = (line as usize).min(self.starts.len() - 1);
        TextSize::from(self.starts[line])
    }

    /// The text of a 0-based line without its ending.
    pub fn line_text(&self, line: u32) -> &str {
        let line = (line as usize).min(self.starts.len() - 1);
        let (start, end) = self.line_bounds(line);
        self.text.get(start..end).unwrap_or("")
    }

    /// The byte offset of an LSP position, clamped into the text and onto a
    /// character boundary.
    pub fn offset(&self, position: Position, encoding: Encoding) -> TextSize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return self.len();
        }
        let (start, end) = self.line_bounds(line);
        let line_text = self.text.get(start..end).unwrap_or("");
        let want = position.character as usize;
        let within = match encoding {
            Encoding::Utf8 => {
                let mut at = want.min(line_text.len());
                while at > 0 && !line_text.is_char_boundary(at) {
                    at -= 1;
                }
                at
            }
            Encoding::Utf16 => {
                let mut units = 0usize;
                let mut at = line_text.len();
                for (i, c) in line_text.char_indices() {
                    if units >= want {
                        at = i;
                        break;
                    }
                    units += c.len_utf16();
                    if units > want {
                        // Inside a surrogate pair: stay before the character.
                        at = i;
                        break;
                    }
                }
                at
            }
        };
        TextSize::from((start + within) as u32)
    }

    /// The LSP position of a byte offset (clamped into the text).
    pub fn position(&self, offset: TextSize, encoding: Encoding) -> Position {
        let offset = (u32::from(offset) as usize).min(self.text.len());
        let line = self.starts.partition_point(|&s| s as usize <= offset) - 1;
        let (start, end) = self.line_bounds(line);
        // An offset inside a `\r\n` ending counts as the end of the line.
        let offset = offset.min(end);
        let mut at = offset;
        while at > start && !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let prefix = self.text.get(start..at).unwrap_or("");
        let character = match encoding {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, range: TextRange, encoding: Encoding) -> Range {
        Range::new(
            self.position(range.start(), encoding),
            self.position(range.end(), encoding),
        )
    }

    /// The byte range of an LSP range; a reversed range is put in order.
    pub fn text_range(&self, range: Range, encoding: Encoding) -> TextRange {
        let a = self.offset(range.start, encoding);
        let b = self.offset(range.end, encoding);
        TextRange::new(a.min(b), a.max(b))
    }

    /// The range of the whole text.
    pub fn full_range(&self, encoding: Encoding) -> Range {
        Range::new(Position::new(0, 0), self.position(self.len(), encoding))
    }

    /// Length of a piece of text in the encoding's units.
    pub fn measure(text: &str, encoding: Encoding) -> u32 {
        match encoding {
            Encoding::Utf8 => text.len() as u32,
            Encoding::Utf16 => text.encode_utf16().count() as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> LineIndex {
        LineIndex::new(Arc::from(text))
    }

    #[test]
    fn utf16_positions_round_trip() {
        let idx = index("a = \"é😀x\"\nb\r\nc\rd");
        let x = idx.text().find('x').expect("x") as u32;
        let pos = idx.position(TextSize::from(x), Encoding::Utf16);
        // `a = "` is 5 units, é is 1, 😀 is 2.
        assert_eq!(pos, Position::new(0, 8));
        assert_eq!(idx.offset(pos, Encoding::Utf16), TextSize::from(x));
        let pos8 = idx.position(TextSize::from(x), Encoding::Utf8);
        assert_eq!(pos8, Position::new(0, x));
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_text(1), "b");
        assert_eq!(idx.line_text(2), "c");
        assert_eq!(idx.line_text(3), "d");
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let idx = index("ab\ncd");
        assert_eq!(
            idx.offset(Position::new(0, 99), Encoding::Utf16),
            TextSize::from(2)
        );
        assert_eq!(
            idx.offset(Position::new(9, 0), Encoding::Utf16),
            TextSize::from(5)
        );
        assert_eq!(
            idx.position(TextSize::from(99), Encoding::Utf16),
            Position::new(1, 2)
        );
        // Inside a surrogate pair: stays before the character.
        let idx = index("😀z");
        assert_eq!(
            idx.offset(Position::new(0, 1), Encoding::Utf16),
            TextSize::from(0)
        );
        assert_eq!(
            idx.offset(Position::new(0, 2), Encoding::Utf8),
            TextSize::from(0)
        );
    }
}
