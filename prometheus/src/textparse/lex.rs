//! What both scanners share: tokens, the input with Prometheus's appended
//! newline, and the error text of a failed expectation.

use std::borrow::Cow;

use super::{go_quote, ParseError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Invalid,
    Eof,
    Linebreak,
    Whitespace,
    Help,
    Type,
    Unit,
    EofWord,
    Text,
    Comment,
    MName,
    QString,
    BraceOpen,
    BraceClose,
    LName,
    LValue,
    Comma,
    Equal,
    Timestamp,
    Value,
}

impl Token {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Token::Invalid => "INVALID",
            Token::Eof => "EOF",
            Token::Linebreak => "LINEBREAK",
            Token::Whitespace => "WHITESPACE",
            Token::Help => "HELP",
            Token::Type => "TYPE",
            Token::Unit => "UNIT",
            Token::EofWord => "EOFWORD",
            Token::Text => "TEXT",
            Token::Comment => "COMMENT",
            Token::MName => "MNAME",
            Token::QString => "QSTRING",
            Token::BraceOpen => "BOPEN",
            Token::BraceClose => "BCLOSE",
            Token::LName => "LNAME",
            Token::LValue => "LVALUE",
            Token::Comma => "COMMA",
            Token::Equal => "EQUAL",
            Token::Timestamp => "TIMESTAMP",
            Token::Value => "VALUE",
        }
    }
}

/// The input and the scanner's cursor. `newline` adds the `\n` the
/// Prometheus text parser appends to its input, without copying it.
#[derive(Clone, Debug)]
pub(crate) struct Input<'a> {
    pub b: &'a [u8],
    pub len: usize,
    pub i: usize,
    pub start: usize,
}

impl<'a> Input<'a> {
    pub(crate) fn new(b: &'a [u8], newline: bool) -> Input<'a> {
        Input {
            b,
            len: b.len() + usize::from(newline),
            i: 0,
            start: 0,
        }
    }

    /// The byte at `i` (the virtual newline past the body, 0 past the end).
    #[inline]
    pub(crate) fn at(&self, i: usize) -> u8 {
        match self.b.get(i) {
            Some(c) => *c,
            None if i < self.len => b'\n',
            None => 0,
        }
    }

    /// Bytes `a..e` (clamped to the input).
    pub(crate) fn slice(&self, a: usize, e: usize) -> Cow<'a, [u8]> {
        let e = e.min(self.len);
        let a = a.min(e);
        if e <= self.b.len() {
            Cow::Borrowed(&self.b[a..e])
        } else {
            let mut v = self.b[a.min(self.b.len())..].to_vec();
            v.push(b'\n');
            Cow::Owned(v)
        }
    }

    /// The current token's bytes.
    pub(crate) fn buf(&self) -> Cow<'a, [u8]> {
        self.slice(self.start, self.i)
    }

    /// Upstream's `parseError`: the expectation, what was found (one byte
    /// past the token) and the entry so far.
    pub(crate) fn error(&self, entry_start: usize, expected: &str, got: Token) -> ParseError {
        let e = self.len.min(self.i + 1);
        ParseError(format!(
            "{expected}, got {} ({}) while parsing: {}",
            go_quote(&self.slice(self.start, e)),
            go_quote(got.name().as_bytes()),
            go_quote(&self.slice(entry_start, e)),
        ))
    }
}

/// `[a-zA-Z_:]`
#[inline]
pub(crate) fn is_m(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

/// `[a-zA-Z_:0-9]`
#[inline]
pub(crate) fn is_md(c: u8) -> bool {
    is_m(c) || c.is_ascii_digit()
}

/// `[a-zA-Z_]`
#[inline]
pub(crate) fn is_l(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// `[a-zA-Z_0-9]`
#[inline]
pub(crate) fn is_ld(c: u8) -> bool {
    is_l(c) || c.is_ascii_digit()
}
