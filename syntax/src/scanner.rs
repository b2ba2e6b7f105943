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
use crate::lexer::{RawLexer, RawToken, TokenError};
use crate::source::DecodeIssue;
use crate::SyntaxKind::{self, *};

/// A token as the parser sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SigToken {
    pub kind: SyntaxKind,
    /// Where upstream positions this token (for a terminator: the newline, the
    /// comment that ends the line, or the end of input).
    pub offset: u32,
    /// The raw token, or `None` for terminators and EOF, which have no text.
    pub raw: Option<RawToken>,
}

/// Upstream's scanner, one significant token at a time. Trivia met on the
/// way is queued in `pending` for the tree; errors go straight into the
/// caller's list, which puts them exactly where upstream reports them
/// relative to the parser's own errors.
pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    lexer: RawLexer<'a>,
    decoder: Decoder<'a>,
    insert_term: bool,
    /// A comment already examined that must come after the terminator it
    /// produced, and its own errors.
    held: Option<RawToken>,
    held_errors: Vec<TokenError>,
    /// Trivia since the last token handed to the tree, in order.
    pub pending: Vec<RawToken>,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str, issues: &'a [(u32, DecodeIssue)]) -> Scanner<'a> {
        Scanner {
            bytes: text.as_bytes(),
            lexer: RawLexer::new(text),
            decoder: Decoder { issues, next: 0 },
            insert_term: false,
            held: None,
            held_errors: Vec::new(),
            pending: Vec::with_capacity(16),
        }
    }

    /// Scans up to the next significant token.
    pub(crate) fn next(&mut self, errors: &mut Vec<SyntaxError>) -> SigToken {
        loop {
            let (token, was_held) = match self.held.take() {
                Some(token) => (token, true),
                None => match self.lexer.next_token() {
                    Some(token) => (token, false),
                    None => return self.end(errors),
                },
            };
            let start = token.start;
            match token.kind {
                WHITESPACE | BOM => self.pending.push(token),
                NEWLINE => {
                    self.pending.push(token);
                    if self.insert_term {
                        self.insert_term = false;
                        self.decoder.through(start + 1, errors);
                        return terminator(start);
                    }
                }
                COMMENT => {
                    if self.insert_term && !was_held {
                        self.insert_term = false;
                        self.decoder.through(start + 1, errors);
                        let (ends_line, reached) = find_line_end(self.bytes, start as usize);
                        self.decoder.repeat(start + 1, reached as u32, errors);
                        if ends_line {
                            self.held = Some(token);
                            self.held_errors.clear();
                            self.held_errors.extend_from_slice(self.lexer.errors());
                            return terminator(start);
                        }
                    }
                    let token_errors = if was_held {
                        &self.held_errors[..]
                    } else {
                        self.lexer.errors()
                    };
                    report_token(&mut self.decoder, token_errors, token.end, errors);
                    self.pending.push(token);
                }
                kind => {
                    report_token(&mut self.decoder, self.lexer.errors(), token.end, errors);
                    self.insert_term = match kind {
                        IDENT | BOOL | NULL | NUMBER | FLOAT | STRING | R_PAREN | R_BRACK
                        | R_CURLY => true,
                        ILLEGAL => {
                            self.insert_term || self.bytes.get(start as usize) == Some(&b'\'')
                        }
                        _ => false,
                    };
                    return SigToken {
                        kind,
                        offset: start,
                        raw: Some(token),
                    };
                }
            }
        }
    }

    fn end(&mut self, errors: &mut Vec<SyntaxError>) -> SigToken {
        let len = self.bytes.len() as u32;
        self.decoder.through(len, errors);
        if self.insert_term {
            self.insert_term = false;
            return terminator(len);
        }
        SigToken {
            kind: EOF,
            offset: len,
            raw: None,
        }
    }

    /// Everything not yet scanned, as raw tokens without scanning them:
    /// upstream never looks past the end of a single expression, so whatever
    /// follows is kept in the tree but reports nothing.
    pub(crate) fn rest(&mut self) -> Vec<RawToken> {
        let mut rest: Vec<RawToken> = self.held.take().into_iter().collect();
        while let Some(token) = self.lexer.next_token() {
            rest.push(token);
        }
        rest
    }
}

fn terminator(offset: u32) -> SigToken {
    SigToken {
        kind: TERMINATOR,
        offset,
        raw: None,
    }
}

struct Decoder<'a> {
    issues: &'a [(u32, DecodeIssue)],
    next: usize,
}

impl Decoder<'_> {
    /// Nothing left to report: the common case of a clean file.
    fn is_done(&self) -> bool {
        self.next >= self.issues.len()
    }

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

/// Reports a token's own errors, each after the decoder complaints upstream
/// would have reported before it, then the complaints up to the character
/// right after the token (upstream has already read it).
#[inline(always)]
fn report_token(
    decoder: &mut Decoder<'_>,
    token_errors: &[TokenError],
    end: u32,
    errors: &mut Vec<SyntaxError>,
) {
    if token_errors.is_empty() && decoder.is_done() {
        return;
    }
    report_token_slow(decoder, token_errors, end, errors);
}

#[cold]
#[inline(never)]
fn report_token_slow(
    decoder: &mut Decoder<'_>,
    token_errors: &[TokenError],
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
