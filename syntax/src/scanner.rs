//! Upstream's scanner behaviour on top of the raw tokens: which newlines (or
//! comments, or the end of input) become statement terminators, and in which
//! order scanner errors are reported relative to each token the parser sees.
//!
//! Upstream reports a decoder complaint (NUL, invalid UTF-8, stray BOM) the
//! moment its one-character look-ahead reaches it, which is during the scan of
//! the token *before* it; and it scans comments a second time when it looks
//! ahead for a terminator. Both are reproduced so that error lists match
//! upstream's line for line.

use crate::error::{SyntaxError, SyntaxErrorKind};
use crate::lexer::RawTokens;
use crate::source::DecodeIssue;
use crate::SyntaxKind::{self, *};

/// A token as the parser sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SigToken {
    pub kind: SyntaxKind,
    /// Where upstream positions this token (for a terminator: the newline, the
    /// comment that ends the line, or the end of input).
    pub offset: u32,
    /// Index into the raw tokens, or `VIRTUAL` for terminators and EOF.
    pub raw: u32,
    /// Number of scanner errors reported once the parser stands on this token.
    pub errors_end: u32,
}

pub(crate) const VIRTUAL: u32 = u32::MAX;

pub(crate) struct Scanned {
    pub sig: Vec<SigToken>,
    pub errors: Vec<SyntaxError>,
}

struct Decoder<'a> {
    issues: &'a [(u32, DecodeIssue)],
    next: usize,
}

impl Decoder<'_> {
    /// Reports every complaint at an offset up to and including `offset`.
    fn through(&mut self, offset: u32, errors: &mut Vec<SyntaxError>) {
        while let Some(&(at, issue)) = self.issues.get(self.next) {
            if at > offset {
                break;
            }
            errors.push(issue_error(at, issue));
            self.next += 1;
        }
    }

    /// Reports again the complaints in `(from, to]`, as upstream's comment
    /// look-ahead does.
    fn repeat(&self, from: u32, to: u32, errors: &mut Vec<SyntaxError>) {
        let start = self.issues.partition_point(|&(at, _)| at <= from);
        for &(at, issue) in &self.issues[start..] {
            if at > to {
                break;
            }
            errors.push(issue_error(at, issue));
        }
    }
}

fn issue_error(at: u32, issue: DecodeIssue) -> SyntaxError {
    let kind = match issue {
        DecodeIssue::Nul => SyntaxErrorKind::IllegalNul,
        DecodeIssue::InvalidUtf8 => SyntaxErrorKind::IllegalUtf8,
        DecodeIssue::Bom => SyntaxErrorKind::IllegalBom,
    };
    SyntaxError::at(kind, at)
}

pub(crate) fn scan(text: &str, raw: &RawTokens, issues: &[(u32, DecodeIssue)]) -> Scanned {
    let bytes = text.as_bytes();
    let len = text.len() as u32;
    let mut sig = Vec::with_capacity(raw.kinds.len() / 2 + 2);
    let mut errors = Vec::new();
    let mut decoder = Decoder { issues, next: 0 };
    let mut insert_term = false;
    let mut next_error = 0;

    for (i, &kind) in raw.kinds.iter().enumerate() {
        let start = raw.starts[i];
        let end = raw.starts[i + 1];
        let first_error = next_error;
        while raw.errors.get(next_error).is_some_and(|e| e.token as usize == i) {
            next_error += 1;
        }
        let token_errors = &raw.errors[first_error..next_error];
        match kind {
            WHITESPACE | BOM => {}
            NEWLINE => {
                if insert_term {
                    insert_term = false;
                    decoder.through(start + 1, &mut errors);
                    sig.push(SigToken {
                        kind: TERMINATOR,
                        offset: start,
                        raw: VIRTUAL,
                        errors_end: errors.len() as u32,
                    });
                }
            }
            COMMENT => {
                if insert_term {
                    decoder.through(start + 1, &mut errors);
                    let (ends_line, reached) = find_line_end(bytes, start as usize);
                    decoder.repeat(start + 1, reached as u32, &mut errors);
                    if ends_line {
                        sig.push(SigToken {
                            kind: TERMINATOR,
                            offset: start,
                            raw: VIRTUAL,
                            errors_end: errors.len() as u32,
                        });
                    }
                    insert_term = false;
                }
                report_token(&mut decoder, token_errors, end, &mut errors);
            }
            _ => {
                report_token(&mut decoder, token_errors, end, &mut errors);
                insert_term = match kind {
                    IDENT | BOOL | NULL | NUMBER | FLOAT | STRING | R_PAREN | R_BRACK | R_CURLY => {
                        true
                    }
                    ILLEGAL => insert_term || bytes.get(start as usize) == Some(&b'\''),
                    _ => false,
                };
                sig.push(SigToken {
                    kind,
                    offset: start,
                    raw: i as u32,
                    errors_end: errors.len() as u32,
                });
            }
        }
    }
    decoder.through(len, &mut errors);
    if insert_term {
        sig.push(SigToken {
            kind: TERMINATOR,
            offset: len,
            raw: VIRTUAL,
            errors_end: errors.len() as u32,
        });
    }
    sig.push(SigToken {
        kind: EOF,
        offset: len,
        raw: VIRTUAL,
        errors_end: errors.len() as u32,
    });
    Scanned { sig, errors }
}

/// Reports a token's own errors, each after the decoder complaints upstream
/// would have reported before it, then the complaints up to the character
/// right after the token (upstream has already read it).
fn report_token(
    decoder: &mut Decoder<'_>,
    token_errors: &[crate::lexer::TokenError],
    end: u32,
    errors: &mut Vec<SyntaxError>,
) {
    for error in token_errors {
        decoder.through(error.time, errors);
        errors.push(SyntaxError::at(error.kind.clone(), error.offset));
    }
    decoder.through(end, errors);
}

/// Upstream's `findLineEnd`: does the comment starting at `start` (and any
/// comments following it on the same line) run to the end of the line? Also
/// returns the furthest offset it read, for the repeated decoder complaints.
fn find_line_end(bytes: &[u8], start: usize) -> (bool, usize) {
    let len = bytes.len();
    let step = |pos: usize| -> usize {
        match bytes.get(pos) {
            None => len,
            Some(b) if *b < 0x80 => pos + 1,
            Some(b) if *b >= 0xF0 => pos + 4,
            Some(b) if *b >= 0xE0 => pos + 3,
            Some(_) => pos + 2,
        }
        .min(len)
    };
    let mut pos = start + 1;
    loop {
        match bytes.get(pos) {
            Some(b'/') => return (true, pos),
            Some(b'*') => {}
            _ => return (false, pos),
        }
        pos = step(pos);
        while let Some(&ch) = bytes.get(pos) {
            if ch == b'\n' {
                return (true, pos);
            }
            pos = step(pos);
            if ch == b'*' && bytes.get(pos) == Some(&b'/') {
                pos = step(pos);
                break;
            }
        }
        while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\r')) {
            pos += 1;
        }
        match bytes.get(pos) {
            None | Some(b'\n') => return (true, pos),
            Some(b'/') => pos = step(pos),
            Some(_) => return (false, pos),
        }
    }
}
