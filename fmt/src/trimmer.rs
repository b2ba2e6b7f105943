//! Last stage of the printer pipeline: strips trailing blanks and the
//! control bytes the tabwriter leaves behind.
//!
//! The tabwriter pads every cell, so lines may end in spaces or tabs; the
//! printer also emits `\f`/`\v` as layout hints and brackets literal text in
//! [`ESCAPE`] bytes. Upstream sends the tabwriter's output through a small
//! filter that turns this into plain text; this is its port. Text between two
//! escape bytes is copied untouched (so trailing blanks inside a comment
//! survive) and the escape bytes themselves disappear.
//!
//! Like upstream's filter, [`Trimmer`] receives the tabwriter's output one
//! write at a time (it implements [`Output`]), which spares the pipeline an
//! intermediate buffer, and it keeps upstream's habit of ending text and
//! escape states at the end of every write.

use crate::tabwriter::{Output, ESCAPE, FORM_FEED, VTAB};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line or after blanks; blanks are held back until
    /// something other than a line break follows them.
    Space,
    /// Inside an escaped segment.
    Escape,
    /// Inside ordinary text.
    Text,
}

/// Bytes that end a run of ordinary text.
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b' ' as usize] = true;
    table[b'\t' as usize] = true;
    table[VTAB as usize] = true;
    table[b'\n' as usize] = true;
    table[FORM_FEED as usize] = true;
    table[ESCAPE as usize] = true;
    table
};

/// A streaming trimmer appending to a byte vector.
pub struct Trimmer<'o> {
    out: &'o mut Vec<u8>,
    state: State,
    /// Held-back blanks (`\v` already turned into `\t`).
    space: Vec<u8>,
}

impl<'o> Trimmer<'o> {
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        Trimmer {
            out,
            state: State::Space,
            space: Vec::new(),
        }
    }

    fn reset_space(&mut self) {
        self.state = State::Space;
        self.space.clear();
    }

    /// Filters one write's worth of bytes.
    pub fn write(&mut self, data: &[u8]) {
        // Start of the bytes not yet written while in `Text` or `Escape`.
        let mut mark = 0usize;
        let mut i = 0usize;
        while i < data.len() {
            match self.state {
                State::Space => {
                    match data[i] {
                        b' ' | b'\t' => self.space.push(data[i]),
                        VTAB => self.space.push(b'\t'),
                        b'\n' | FORM_FEED => {
                            self.space.clear();
                            self.out.push(b'\n');
                        }
                        ESCAPE => {
                            self.out.extend_from_slice(&self.space);
                            self.state = State::Escape;
                            mark = i + 1;
                        }
                        _ => {
                            self.out.extend_from_slice(&self.space);
                            self.state = State::Text;
                            mark = i;
                        }
                    }
                    i += 1;
                }
                State::Escape => match data[i..].iter().position(|&b| b == ESCAPE) {
                    Some(off) => {
                        let end = i + off;
                        self.out.extend_from_slice(&data[mark..end]);
                        self.reset_space();
                        i = end + 1;
                    }
                    None => i = data.len(),
                },
                State::Text => {
                    // Skip ordinary text in one go.
                    let Some(off) = data[i..].iter().position(|&b| SPECIAL[b as usize]) else {
                        i = data.len();
                        continue;
                    };
                    i += off;
                    let b = data[i];
                    self.out.extend_from_slice(&data[mark..i]);
                    match b {
                        b' ' | b'\t' | VTAB => {
                            self.reset_space();
                            self.space.push(if b == VTAB { b'\t' } else { b });
                        }
                        b'\n' | FORM_FEED => {
                            self.reset_space();
                            self.out.push(b'\n');
                        }
                        _ => {
                            // The escape byte.
                            self.state = State::Escape;
                            mark = i + 1;
                        }
                    }
                    i += 1;
                }
            }
        }
        if self.state != State::Space {
            self.out.extend_from_slice(&data[mark.min(data.len())..]);
            self.reset_space();
        }
    }
}

impl Output for Trimmer<'_> {
    fn write(&mut self, bytes: &[u8]) {
        Trimmer::write(self, bytes);
    }

    fn write_repeated(&mut self, byte: u8, n: usize) {
        if self.state == State::Space && matches!(byte, b' ' | b'\t') {
            // Padding: the common case, held back without a byte loop.
            self.space.resize(self.space.len() + n, byte);
            return;
        }
        let buf = [byte; 64];
        let mut left = n;
        while left > 0 {
            let k = left.min(buf.len());
            Trimmer::write(self, &buf[..k]);
            left -= k;
        }
    }
}

/// Appends the trimmed form of `input` to `out`, as if written in one go.
pub fn trim(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len());
    Trimmer::new(out).write(input);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        trim(input, &mut out);
        out
    }

    #[test]
    fn drops_trailing_blanks() {
        assert_eq!(t(b"a  \nb\t\t\n  \n"), b"a\nb\n\n");
        assert_eq!(t(b"a  "), b"a");
    }

    #[test]
    fn keeps_inner_blanks_and_converts_vtab() {
        assert_eq!(t(b"a \x0b b"), b"a \t b");
        assert_eq!(t(b"\ta"), b"\ta");
    }

    #[test]
    fn form_feed_is_a_newline() {
        assert_eq!(t(b"a \x0cb\x0c"), b"a\nb\n");
    }

    #[test]
    fn escaped_text_is_verbatim_and_escapes_vanish() {
        assert_eq!(t(b"a \xff// c  \xff  \n"), b"a // c  \n");
        assert_eq!(t(b"\xff\x0b\t \xff"), b"\x0b\t ");
        assert_eq!(t(b"x\xffy\xffz"), b"xyz");
    }

    #[test]
    fn unterminated_escape_runs_to_the_end_of_the_write() {
        assert_eq!(t(b"a\xffb  \n"), b"ab  \n");
    }

    #[test]
    fn empty_input() {
        assert_eq!(t(b""), b"");
    }

    #[test]
    fn streaming_matches_one_shot_when_escapes_stay_within_writes() {
        let pieces: &[&[u8]] = &[
            b"a",
            b"   ",
            b"\xff// c \xff",
            b"\n",
            b"\t",
            b"b",
            b"  ",
            b"\n",
        ];
        let mut streamed = Vec::new();
        {
            let mut trimmer = Trimmer::new(&mut streamed);
            for piece in pieces {
                Output::write(&mut trimmer, piece);
            }
            trimmer.write_repeated(b' ', 100);
        }
        assert_eq!(streamed, t(&pieces.concat()));
        assert_eq!(streamed, b"a   // c \n\tb\n");
    }

    #[test]
    fn escape_state_ends_with_each_write_as_upstream() {
        // An escape left open by one write is closed by upstream's filter;
        // the next write's escape byte opens a new one.
        let mut out = Vec::new();
        let mut trimmer = Trimmer::new(&mut out);
        trimmer.write(b"\xffa  ");
        trimmer.write(b"b\xff  \n");
        assert_eq!(out, b"a  b  \n");
    }
}
