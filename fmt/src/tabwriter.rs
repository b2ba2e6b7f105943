//! Elastic tabstops, reproducing Go's `text/tabwriter` byte for byte.
//!
//! Upstream `alloy fmt` aligns `=` signs and trailing comments by pushing the
//! printer's output through Go's tabwriter. Every observable alignment rule
//! of the formatter (including its oddities, such as an indentation cell that
//! shares a column with a wide text cell turning into several tabs) falls out
//! of this algorithm, so it is ported rather than re-imagined.
//!
//! Only the features Alloy relies on are implemented: left alignment, the
//! `DiscardEmptyColumns` and `TabIndent` flags, and [`ESCAPE`]-bracketed
//! segments that are passed through verbatim (the escape bytes are kept, as
//! Go does without `StripEscape`). HTML filtering, right alignment and debug
//! bars are not needed and therefore absent.
//!
//! The input is processed in one go ([`tabwrite`]); cells are kept as ranges
//! into the input so no text is copied until it is written out.

/// Brackets a segment that must be copied unchanged: tabs and line breaks
/// inside it neither end cells nor lines. Chosen by Go because it never
/// occurs in valid UTF-8.
pub const ESCAPE: u8 = 0xFF;

/// Vertical tab: ends a "soft" cell (see [`Config::discard_empty_columns`]).
pub const VTAB: u8 = 0x0B;

/// Form feed: ends a line and every column block.
pub const FORM_FEED: u8 = 0x0C;

/// Formatting parameters, mirroring the arguments of Go's `Writer.Init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Minimal cell width, padding included.
    pub min_width: usize,
    /// Width of a tab character when padding with tabs.
    pub tab_width: usize,
    /// Extra width added to a cell before the column width is computed.
    pub padding: usize,
    /// Byte used for padding; `b'\t'` means "pad with tabs".
    pub pad_char: u8,
    /// Columns made only of empty `\v`-terminated cells get width zero.
    pub discard_empty_columns: bool,
    /// Leading empty cells are padded with tabs whatever `pad_char` is.
    pub tab_indent: bool,
}

impl Config {
    /// The configuration of the Alloy printer:
    /// `NewWriter(w, 0, 8, 1, ' ', DiscardEmptyColumns|TabIndent)`.
    pub const ALLOY: Config = Config {
        min_width: 0,
        tab_width: 8,
        padding: 1,
        pad_char: b' ',
        discard_empty_columns: true,
        tab_indent: true,
    };
}

impl Default for Config {
    fn default() -> Self {
        Config::ALLOY
    }
}

/// Where the tabwriter sends its output, one write per cell text, padding
/// run or line break, as Go's tabwriter calls its underlying writer.
pub trait Output {
    fn write(&mut self, bytes: &[u8]);
    /// Writes `byte` `n` times.
    fn write_repeated(&mut self, byte: u8, n: usize);
}

impl Output for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn write_repeated(&mut self, byte: u8, n: usize) {
        self.resize(self.len() + n, byte);
    }
}

/// Formats `input` (cells terminated by `\t`/`\v`, lines by `\n`/`\f`) and
/// appends the aligned text to `out`.
///
/// Equivalent to one `Write(input)` followed by `Flush()` on a Go tabwriter.
pub fn tabwrite<O: Output + ?Sized>(config: &Config, input: &[u8], out: &mut O) {
    let mut w = TabWriter::new(*config, input, OutputSink(out));
    w.run();
}

/// [`tabwrite`] followed by the [`Trimmer`](crate::trimmer::Trimmer), in
/// one pass: appends to `out` exactly what `tabwrite(config, input,
/// &mut Trimmer::new(out))` appends.
///
/// The two stages are fused because the tabwriter already knows what the
/// trimmer would have to rediscover byte by byte: a cell's text holds no
/// terminator outside escapes, and padding is always blank. Trimming then
/// reduces to dropping escape bytes and cutting each line back to its last
/// kept byte when the line ends.
pub fn tabwrite_trimmed(config: &Config, input: &[u8], out: &mut Vec<u8>) {
    let keep = out.len();
    let mut w = TabWriter::new(*config, input, TrimSink { out, keep });
    w.run();
    let sink = w.sink;
    sink.out.truncate(sink.keep);
}

/// What the tabwriter produces, in the units it knows about.
trait Sink {
    /// A cell's text. `escaped` says whether it contains escape bytes.
    fn text(&mut self, bytes: &[u8], escaped: bool);
    /// `n` padding bytes.
    fn pad(&mut self, byte: u8, n: usize);
    fn newline(&mut self);
}

/// Forwards to an [`Output`] with Go's sequence of writes.
struct OutputSink<'o, O: Output + ?Sized>(&'o mut O);

impl<O: Output + ?Sized> Sink for OutputSink<'_, O> {
    fn text(&mut self, bytes: &[u8], _escaped: bool) {
        self.0.write(bytes);
    }

    fn pad(&mut self, byte: u8, n: usize) {
        self.0.write_repeated(byte, n);
    }

    fn newline(&mut self) {
        self.0.write(b"\n");
    }
}

/// The trimmer's behaviour on the tabwriter's writes, without its per-byte
/// state machine.
///
/// The trimmer holds blanks back until something else follows on the line.
/// Appending them eagerly and remembering where the kept text ends (`keep`)
/// gives the same bytes: at a line break, or at the end, the output is cut
/// back to `keep`. Every write of the tabwriter leaves the trimmer with no
/// open escape (it resets at the end of each write), so cells can be handled
/// independently.
struct TrimSink<'o> {
    out: &'o mut Vec<u8>,
    /// Length of the output up to the last byte that is not a held-back
    /// blank.
    keep: usize,
}

impl TrimSink<'_> {
    /// Unescaped text: blanks at its end are held back, the rest is kept.
    fn plain(&mut self, bytes: &[u8]) {
        let base = self.out.len();
        self.out.extend_from_slice(bytes);
        if let Some(last) = bytes.iter().rposition(|&b| !is_blank(b)) {
            self.keep = base + last + 1;
        }
    }
}

impl Sink for TrimSink<'_> {
    fn text(&mut self, bytes: &[u8], escaped: bool) {
        if !escaped {
            self.plain(bytes);
            return;
        }
        // Odd pieces are inside an escape: copied verbatim, blanks included,
        // and the escape bytes vanish. An escape left open runs to the end
        // of the write.
        for (i, piece) in bytes.split(|&b| b == ESCAPE).enumerate() {
            if i % 2 == 0 {
                self.plain(piece);
            } else {
                self.out.extend_from_slice(piece);
                self.keep = self.out.len();
            }
        }
    }

    fn pad(&mut self, byte: u8, n: usize) {
        match n {
            // Mostly one tab of indentation or one space before `=`.
            1 => self.out.push(byte),
            n => self.out.resize(self.out.len() + n, byte),
        }
        if !is_blank(byte) {
            self.keep = self.out.len();
        }
    }

    fn newline(&mut self) {
        self.out.truncate(self.keep);
        self.out.push(b'\n');
        self.keep = self.out.len();
    }
}

/// Blanks the trimmer holds back. A vertical tab never reaches it outside
/// an escape (the tabwriter consumes them as terminators), and only the
/// `Output` route could write one as padding, which it does not.
#[inline]
fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// A cell: a run of text ended by a tab or a line break.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Offset of the cell's text in the input.
    start: usize,
    /// Length of the text in bytes (terminator excluded).
    size: usize,
    /// Width in runes, escape bytes not counted. Signed because an
    /// unterminated escape makes Go's arithmetic go below the rune count.
    width: isize,
    /// Terminated by a hard tab (`\t`), which keeps empty columns alive.
    htab: bool,
    /// Contains escape bytes.
    escaped: bool,
}

/// One pending `format` call of the Go implementation, kept on an explicit
/// stack: Go recurses once per column, and deeply nested input would
/// otherwise translate into deep native recursion.
#[derive(Debug, Clone, Copy)]
struct Frame {
    line0: usize,
    line1: usize,
    this: usize,
}

struct TabWriter<'a, S: Sink> {
    config: Config,
    input: &'a [u8],
    sink: S,
    /// Cells of all buffered lines, line after line.
    cells: Vec<Cell>,
    /// Index into `cells` where each buffered line starts; the last entry is
    /// the line currently being filled.
    line_starts: Vec<usize>,
    /// Column widths of the enclosing column blocks while formatting.
    widths: Vec<isize>,
    frames: Vec<Frame>,
}

impl<'a, S: Sink> TabWriter<'a, S> {
    fn new(config: Config, input: &'a [u8], sink: S) -> Self {
        TabWriter {
            config,
            input,
            sink,
            cells: Vec::with_capacity(64),
            line_starts: vec![0],
            widths: Vec::with_capacity(16),
            frames: Vec::with_capacity(16),
        }
    }

    fn run(&mut self) {
        let input = self.input;
        let mut cell_start = 0usize;
        let mut escapes_in_cell = 0isize;
        // Whether the cell has a byte outside ASCII; only such cells need
        // their runes counted.
        let mut non_ascii = false;
        let mut i = 0usize;
        while let Some(at) = next_special(input, i) {
            i = at;
            let ch = input[i];
            match ch {
                b'\t' | VTAB | b'\n' | FORM_FEED => {
                    let ncells =
                        self.terminate_cell(cell_start, i, escapes_in_cell, non_ascii, ch == b'\t');
                    cell_start = i + 1;
                    escapes_in_cell = 0;
                    non_ascii = false;
                    if ch == b'\n' || ch == FORM_FEED {
                        self.line_starts.push(self.cells.len());
                        // A form feed ends every column. A line made of one
                        // cell cannot influence later lines (the last cell of
                        // a line never belongs to a column), so it is a safe
                        // point to flush as well.
                        if ch == FORM_FEED || ncells == 1 {
                            self.flush();
                        }
                    }
                }
                ESCAPE => {
                    escapes_in_cell += 1;
                    let rest = &input[i + 1..];
                    // Skip to the closing escape byte; an unterminated
                    // escape runs to the end of the input.
                    let len = rest.iter().position(|&b| b == ESCAPE);
                    let content = &rest[..len.unwrap_or(rest.len())];
                    non_ascii |= !content.is_ascii();
                    match len {
                        Some(len) => i += len + 1,
                        None => break,
                    }
                }
                // Other bytes below 0x80 are caught by the word-wise
                // search but are ordinary text.
                _ => non_ascii |= ch >= 0x80,
            }
            i += 1;
        }
        // Whatever follows the last terminator forms the final cell; an
        // unterminated escape counts as closed, as in Go.
        if cell_start < input.len() {
            self.terminate_cell(cell_start, input.len(), escapes_in_cell, non_ascii, false);
        }
        self.flush();
    }

    /// Appends the cell `input[start..end]` to the current line and returns
    /// the number of cells the line now has.
    fn terminate_cell(
        &mut self,
        start: usize,
        end: usize,
        escapes: isize,
        non_ascii: bool,
        htab: bool,
    ) -> usize {
        let runes = if non_ascii {
            rune_count(&self.input[start..end])
        } else {
            end - start
        };
        let width = runes as isize - 2 * escapes;
        self.cells.push(Cell {
            start,
            size: end - start,
            width,
            htab,
            escaped: escapes > 0,
        });
        let line_start = self.line_starts.last().copied().unwrap_or(0);
        self.cells.len() - line_start
    }

    fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    fn line(&self, index: usize) -> &[Cell] {
        let start = self.line_starts[index];
        let end = self
            .line_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.cells.len());
        &self.cells[start..end]
    }

    /// Formats and writes every buffered line, then starts afresh.
    fn flush(&mut self) {
        self.format_all();
        self.cells.clear();
        self.line_starts.clear();
        self.line_starts.push(0);
        self.widths.clear();
    }

    /// Go's recursive `format(0, 0, len(lines))`, run with an explicit stack.
    ///
    /// Within a frame, lines are scanned for one that has a cell in column
    /// `widths.len()` (not counting its last cell). Such a line starts a
    /// column block that extends over the following lines having that cell;
    /// the block's width is fixed and the block is formatted recursively for
    /// the next column. Lines outside blocks are written with the widths
    /// known so far.
    fn format_all(&mut self) {
        let nlines = self.line_count();
        if nlines == 2 && self.line_starts[1] <= 1 && self.line_starts[1] == self.cells.len() {
            // One complete line of at most one cell and nothing after it,
            // the most common case (every such line flushes): no column can
            // form.
            self.write_lines(0, 2);
            return;
        }
        self.frames.clear();
        self.widths.clear();
        self.frames.push(Frame {
            line0: 0,
            line1: nlines,
            this: 0,
        });
        // Invariant: while a frame is on top, `widths.len()` equals its
        // depth, i.e. the column it looks for.
        while let Some(&frame) = self.frames.last() {
            let column = self.widths.len();
            match self.find_block(column, frame) {
                Some((block_start, block_end, width)) => {
                    self.write_lines(frame.line0, block_start);
                    if let Some(top) = self.frames.last_mut() {
                        top.this = block_end;
                    }
                    self.widths.push(width);
                    self.frames.push(Frame {
                        line0: block_start,
                        line1: block_end,
                        this: block_start,
                    });
                }
                None => {
                    self.write_lines(frame.line0, frame.line1);
                    self.frames.pop();
                    self.widths.pop();
                    // Back in the parent: the block is written, so its
                    // unwritten lines start where the block ended. The line
                    // that ended the block cannot start one and is skipped,
                    // as Go's loop increment does.
                    if let Some(parent) = self.frames.last_mut() {
                        parent.line0 = parent.this;
                        parent.this += 1;
                    }
                }
            }
        }
    }

    /// Finds, from `frame.this` on, the first line with a cell in `column`
    /// (its last cell excluded) and returns the block of consecutive lines
    /// having such a cell, with the block's column width.
    fn find_block(&self, column: usize, frame: Frame) -> Option<(usize, usize, isize)> {
        let start = (frame.this..frame.line1).find(|&l| column + 1 < self.line(l).len())?;
        let mut width = self.config.min_width as isize;
        let mut discardable = true;
        let mut end = start;
        while end < frame.line1 {
            let line = self.line(end);
            if column + 1 >= line.len() {
                break;
            }
            let c = line[column];
            width = width.max(c.width + self.config.padding as isize);
            if c.width > 0 || c.htab {
                discardable = false;
            }
            end += 1;
        }
        if discardable && self.config.discard_empty_columns {
            width = 0;
        }
        Some((start, end, width))
    }

    /// Writes lines `line0..line1` using the current column widths.
    fn write_lines(&mut self, line0: usize, line1: usize) {
        let nlines = self.line_starts.len();
        let TabWriter {
            config,
            input,
            sink,
            cells,
            line_starts,
            widths,
            ..
        } = self;
        for i in line0..line1 {
            let start = line_starts[i];
            let end = line_starts.get(i + 1).copied().unwrap_or(cells.len());
            // Leading empty cells are indentation and get tabs.
            let mut use_tabs = config.tab_indent;
            for (j, c) in cells[start..end].iter().enumerate() {
                let column_width = widths.get(j).copied();
                if c.size == 0 {
                    if let Some(cw) = column_width {
                        write_padding(config, sink, c.width, cw, use_tabs);
                    }
                } else {
                    use_tabs = false;
                    sink.text(&input[c.start..c.start + c.size], c.escaped);
                    if let Some(cw) = column_width {
                        write_padding(config, sink, c.width, cw, false);
                    }
                }
            }
            // The last buffered line has no line break yet; its unfinished
            // cell is always empty here because every flush happens right
            // after a cell was terminated.
            if i + 1 != nlines {
                sink.newline();
            }
        }
    }
}

fn write_padding<S: Sink>(
    config: &Config,
    sink: &mut S,
    text_width: isize,
    cell_width: isize,
    use_tabs: bool,
) {
    let (byte, n) = if config.pad_char == b'\t' || use_tabs {
        let tab_width = config.tab_width as isize;
        if tab_width == 0 {
            return;
        }
        let rounded = (cell_width + tab_width - 1) / tab_width * tab_width;
        let n = (rounded - text_width).max(0);
        (b'\t', (n + tab_width - 1) / tab_width)
    } else {
        (config.pad_char, cell_width - text_width)
    };
    if n > 0 {
        sink.pad(byte, n as usize);
    }
}

/// Position of the first byte at or after `from` that the scan must look
/// at: a control byte below 13 (tab, line feed, vertical tab, form feed and
/// the rarer bytes below them) or any byte from 0x80 on (the escape byte and
/// everything that is not ASCII).
///
/// Eight bytes are tested at a time: printer output is mostly short ASCII
/// words, and this is the tabwriter's innermost loop.
#[inline]
fn next_special(input: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut i = from;
    while let Some(chunk) = input.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // High bit of a byte set for bytes below 13 (borrows only ever
        // propagate upwards from such a byte, so the lowest flag is exact)
        // and for bytes from 0x80 on.
        let flags = ((x.wrapping_sub(ONES * 13) & !x) | x) & HIGH;
        if flags != 0 {
            return Some(i + (flags.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    input
        .get(i..)?
        .iter()
        .position(|&b| !(13..0x80).contains(&b))
        .map(|off| i + off)
}

/// Number of runes as Go's `utf8.RuneCount` counts them: every byte that is
/// not part of a valid UTF-8 sequence counts as one rune (so does each
/// escape byte, which the caller subtracts).
pub(crate) fn rune_count(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes
        .utf8_chunks()
        .map(|chunk| chunk.valid().chars().count() + chunk.invalid().len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(config: Config, input: &str) -> String {
        let mut out = Vec::new();
        tabwrite(&config, input.as_bytes(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn cfg(min_width: usize, tab_width: usize, padding: usize, pad_char: u8) -> Config {
        Config {
            min_width,
            tab_width,
            padding,
            pad_char,
            discard_empty_columns: false,
            tab_indent: false,
        }
    }

    fn discard(mut c: Config) -> Config {
        c.discard_empty_columns = true;
        c
    }

    /// The cases of Go's own tabwriter test table that use only the
    /// features ported here.
    #[test]
    fn go_test_table() {
        let cases: &[(&str, Config, &str, &str)] = &[
            ("1a", cfg(8, 0, 1, b'.'), "", ""),
            ("2", cfg(8, 0, 1, b'.'), "\n\n\n", "\n\n\n"),
            ("3", cfg(8, 0, 1, b'.'), "a\nb\nc", "a\nb\nc"),
            ("4a", cfg(8, 0, 1, b'.'), "\t", ""),
            ("5", cfg(8, 0, 1, b'.'), "*\t*", "*.......*"),
            ("5b", cfg(8, 0, 1, b'.'), "*\t*\n", "*.......*\n"),
            ("5c", cfg(8, 0, 1, b'.'), "*\t*\t", "*.......*"),
            ("6", cfg(8, 0, 1, b'.'), "\t\n", "........\n"),
            ("7a", cfg(8, 0, 1, b'.'), "a) foo", "a) foo"),
            ("7b", cfg(8, 0, 1, b' '), "b) foo\tbar", "b) foo  bar"),
            ("7c", cfg(8, 0, 1, b'.'), "c) foo\tbar\t", "c) foo..bar"),
            ("7d", cfg(8, 0, 1, b'.'), "d) foo\tbar\n", "d) foo..bar\n"),
            ("7e", cfg(8, 0, 1, b'.'), "e) foo\tbar\t\n", "e) foo..bar.....\n"),
            ("8", cfg(8, 0, 1, b'*'), "Hello, world!\n", "Hello, world!\n"),
            (
                "9a",
                cfg(1, 0, 0, b'.'),
                "1\t2\t3\t4\n11\t222\t3333\t44444\n",
                "1.2..3...4\n11222333344444\n",
            ),
            (
                "9c",
                cfg(1, 0, 0, b'.'),
                "1\t2\t3\t4\x0c11\t222\t3333\t44444\n",
                "1234\n11222333344444\n",
            ),
            ("10a", cfg(5, 0, 0, b'.'), "1\t2\t3\t4\n", "1....2....3....4\n"),
            (
                "10b",
                cfg(5, 0, 0, b'.'),
                "1\t2\t3\t4\t\n",
                "1....2....3....4....\n",
            ),
            (
                "11",
                cfg(8, 0, 1, b'.'),
                "本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n",
                "本.......b.......c\naa......本本本.....cccc....ddddd\naaa.....bbbb\n",
            ),
            (
                "12b",
                cfg(2, 0, 0, b' '),
                "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
                "a  b  c\naa bbbcccc\naaabbbb\n",
            ),
            (
                "12c",
                cfg(8, 0, 1, b'_'),
                "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
                "a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n",
            ),
            (
                "13a",
                cfg(4, 0, 1, b'-'),
                "4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
                "4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n666666-666666-666666----4444\n1------1------999999999-0000000000\n",
            ),
            (
                "13b",
                cfg(4, 0, 3, b'.'),
                "4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
                "4444........333...22...1...333\n999999999...22\n7...........22\n....................88888888\n\n666666...666666...666666......4444\n1........1........999999999...0000000000\n",
            ),
            ("15a", cfg(4, 0, 0, b'.'), "a\t\tb", "a.......b"),
            ("15b", discard(cfg(4, 0, 0, b'.')), "a\t\tb", "a.......b"),
            ("15c", discard(cfg(4, 0, 0, b'.')), "a\x0b\x0bb", "a...b"),
            (
                "16a",
                cfg(100, 100, 0, b'\t'),
                "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
                "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
            ),
            (
                "16b",
                discard(cfg(100, 100, 0, b'\t')),
                "a\x0bb\x0b\x0bd\na\x0bb\x0b\x0bd\x0be\na\na\x0bb\x0bc\x0bd\na\x0bb\x0bc\x0bd\x0be\n",
                "a\tb\td\na\tb\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
            ),
            (
                "16c",
                discard(cfg(100, 100, 0, b'\t')),
                "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
                "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
            ),
        ];
        for (name, config, input, expected) in cases {
            assert_eq!(run(*config, input), *expected, "case {name}");
        }
    }

    #[test]
    fn go_escape_cases() {
        let c = cfg(8, 0, 1, b'.');
        let cases: &[(&[u8], &[u8])] = &[
            (b"\xff\xff", b"\xff\xff"),
            (b"\xff\t\xff", b"\xff\t\xff"),
            (b"\xff\"foo\t\n\tbar\"\xff", b"\xff\"foo\t\n\tbar\"\xff"),
            // Unterminated escape: runs to the end of the input.
            (b"abc\xff\tdef", b"abc\xff\tdef"),
        ];
        for (input, expected) in cases {
            let mut out = Vec::new();
            tabwrite(&c, input, &mut out);
            assert_eq!(&out[..], *expected);
        }
    }

    #[test]
    fn escaped_width_excludes_escape_bytes() {
        // The escaped cell is 3 runes wide; the next line aligns with it.
        let mut out = Vec::new();
        tabwrite(&Config::ALLOY, b"\xffa\tb\xff\x0bx\nc\x0by\n", &mut out);
        assert_eq!(out, b"\xffa\tb\xff x\nc   y\n");
    }

    #[test]
    fn alloy_alignment() {
        let out = run(Config::ALLOY, "a\x0b= 1\nbbb\x0b= 2\x0cc\x0b= 3\n");
        assert_eq!(out, "a   = 1\nbbb = 2\nc = 3\n");
    }

    #[test]
    fn alloy_indentation_uses_tabs() {
        let out = run(Config::ALLOY, "blk {\x0c\ta\x0b= 1\n\tbb\x0b= 2\n}");
        assert_eq!(out, "blk {\n\ta  = 1\n\tbb = 2\n}");
    }

    #[test]
    fn indentation_cell_sharing_a_wide_column_gets_several_tabs() {
        // The shape of `longname_attribute = {a = 1,\nb = 2}`.
        let input = "longname_attribute\x0b= {a\x0b= 1,\n\tb\x0b= 2}\x0c";
        let out = run(Config::ALLOY, input);
        assert_eq!(out, "longname_attribute = {a = 1,\n\t\t\tb    = 2}\n");
    }

    #[test]
    fn empty_soft_columns_are_discarded() {
        let out = run(Config::ALLOY, "a\x0b\x0bb\nc\x0b\x0bd\n");
        assert_eq!(out, "a b\nc d\n");
    }

    #[test]
    fn trailing_comment_column() {
        let mut out = Vec::new();
        tabwrite(
            &Config::ALLOY,
            b"a\x0b= 1\t\xff// c1\xff\nbb\x0b= 22\t\xff// c2\xff\x0c",
            &mut out,
        );
        assert_eq!(out, b"a  = 1  \xff// c1\xff\nbb = 22 \xff// c2\xff\n");
    }

    #[test]
    fn rune_count_matches_go_for_invalid_utf8() {
        assert_eq!(rune_count(b""), 0);
        assert_eq!(rune_count("héllo".as_bytes()), 5);
        assert_eq!(rune_count(b"\xe2\x82A"), 3);
        assert_eq!(rune_count(b"\xff\xfe"), 2);
        assert_eq!(rune_count(b"\xed\xa0\x80"), 3);
    }

    #[test]
    fn deep_indentation_does_not_recurse_natively() {
        let depth = 200_000;
        let mut input = Vec::new();
        input.extend(std::iter::repeat_n(b'\t', depth));
        input.extend_from_slice(b"x\n");
        input.extend(std::iter::repeat_n(b'\t', depth));
        input.extend_from_slice(b"y\n");
        let mut out = Vec::new();
        tabwrite(&Config::ALLOY, &input, &mut out);
        assert_eq!(out, input);
    }
    fn trimmed_two_ways(config: &Config, input: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut staged = Vec::new();
        tabwrite(
            config,
            input,
            &mut crate::trimmer::Trimmer::new(&mut staged),
        );
        let mut fused = Vec::new();
        tabwrite_trimmed(config, input, &mut fused);
        (staged, fused)
    }

    #[test]
    fn fused_trimming_matches_the_trimmer() {
        let cases: &[&[u8]] = &[
            b"",
            b"a\x0b= 1 \nbbb\x0b= 2\t\x0cc\x0b= 3   ",
            b"\t\t\n\t\tx  \x0by \n",
            b"a\x0b= 1\t\xff// c1  \xff\nbb\x0b= 22\t\xff// c2\xff\x0c",
            b"\xff\xff  \n",
            b"x \xff\t\n\xff  \n",
            b"abc\xff\tdef  \n",
            "日本\x0b= 1\naé\x0b= \u{1f600}\x0c".as_bytes(),
        ];
        for input in cases {
            let (staged, fused) = trimmed_two_ways(&Config::ALLOY, input);
            assert_eq!(fused, staged, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn non_ascii_cells_align_by_runes() {
        // `é` is two bytes and `日` three, but each is one column wide.
        let out = run(Config::ALLOY, "é\x0b= 1\nab\x0b= 2\n日本語x\x0b= 3\x0c");
        assert_eq!(out, "é    = 1\nab   = 2\n日本語x = 3\n");
    }

    #[test]
    fn non_ascii_inside_escapes_counts_runes() {
        let mut out = Vec::new();
        // `\u{1}` stands for the escape byte, which a `str` cannot hold.
        let input: Vec<u8> =
            "a\x0b= 1\t\u{1}// é日\u{1}\x0bz\nbbbb\x0b= 2\t\u{1}// x\u{1}\x0bz\x0c"
                .bytes()
                .map(|b| if b == 1 { ESCAPE } else { b })
                .collect();
        tabwrite_trimmed(&Config::ALLOY, &input, &mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "a    = 1 // é日 z\nbbbb = 2 // x  z\n"
        );
        assert_eq!(trimmed_two_ways(&Config::ALLOY, &input).0, out);
    }

    #[test]
    fn long_lines_and_cells_longer_than_a_word() {
        let long = "x".repeat(1000);
        let input = format!("{long}\x0b= 1\ny\x0b= 2\x0c{long}{long}\n");
        let out = run(Config::ALLOY, &input);
        let pad = " ".repeat(1000);
        assert_eq!(out, format!("{long} = 1\ny{pad}= 2\n{long}{long}\n"));
    }

    #[test]
    fn special_byte_search_finds_every_kind_at_every_offset() {
        for special in [b'\t', b'\n', VTAB, FORM_FEED, 0x01, 0x80, 0xc3, ESCAPE] {
            for len in 0..20 {
                for at in 0..len {
                    let mut input = vec![b'a'; len];
                    input[at] = special;
                    assert_eq!(next_special(&input, 0), Some(at), "{special} {len} {at}");
                    // Bytes that need no attention are skipped, including
                    // the carriage return and bytes just below 0x80.
                    input[at] = [b'\r', b' ', 0x7f, b'~'][at % 4];
                    assert_eq!(next_special(&input, 0), None);
                }
            }
        }
        // The borrow of an earlier special byte must not hide it.
        assert_eq!(next_special(b"\x0cA\x0d\x00bbbbbbbb", 0), Some(0));
        assert_eq!(next_special(b"aaaaaaaa\x0d\x0c", 0), Some(9));
        assert_eq!(
            next_special(b"\x0d\x0d\x0d\x0d\x0d\x0d\x0d\x0d\x0d", 3),
            None
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn piece() -> impl Strategy<Value = &'static [u8]> {
            prop::sample::select(vec![
                &b"a"[..],
                b"bb",
                b"longer text",
                b" ",
                b"  ",
                b"\t",
                b"\x0b",
                b"\n",
                b"\x0c",
                b"\xff",
                b"\xff// c \xff",
                "é".as_bytes(),
                "日本".as_bytes(),
                b"\xc3",
                b"\r",
            ])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            #[test]
            fn fused_equals_tabwriter_then_trimmer(
                pieces in prop::collection::vec(piece(), 0..60),
                padding in 0usize..3,
                pad_tabs in any::<bool>(),
            ) {
                let input = pieces.concat();
                let mut config = Config::ALLOY;
                config.padding = padding;
                if pad_tabs {
                    config.pad_char = b'\t';
                }
                let (staged, fused) = trimmed_two_ways(&config, &input);
                prop_assert_eq!(fused, staged);
            }
        }
    }
}
