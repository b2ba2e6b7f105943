//! The lossless lexer: every byte of the decoded text lands in exactly one
//! token, trivia included. Token-level errors are collected with the moment
//! upstream's scanner would report them (see `scanner`).

use logos::Logos;

use crate::error::SyntaxErrorKind;
use crate::SyntaxKind;

/// An error found while lexing one token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenError {
    pub kind: SyntaxErrorKind,
    /// Where upstream positions the error.
    pub offset: u32,
    /// The offset of the character upstream's scanner had just decoded when it
    /// reported the error; decoder complaints up to this offset come first.
    pub time: u32,
}

#[derive(Default)]
pub(crate) struct Extras {
    pub errors: Vec<TokenError>,
}

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(extras = Extras)]
enum Raw {
    #[regex(r"[ \t\r]+")]
    Whitespace,
    /// A newline and the indentation after it: one token rather than two
    /// keeps the tree small (most lines start with one).
    #[regex(r"\n[ \t]*")]
    Newline,
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment,
    #[token("/*", block_comment)]
    BlockComment,
    #[token("\u{FEFF}")]
    Bom,
    #[regex(r"[\p{L}_][\p{L}\p{Nd}_]*")]
    Ident,
    #[token("true")]
    #[token("false")]
    Bool,
    #[token("null")]
    Null,
    #[regex(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]*)?", number)]
    #[regex(r"\.[0-9]+([eE][+-]?[0-9]*)?", number)]
    Number(bool),
    #[token("\"", |lex| quoted(lex, '"'))]
    String,
    #[token("`", raw_string)]
    Backtick,
    #[token("'", single_quoted)]
    SingleQuoted,
    #[token("||")]
    Or,
    #[token("|", |lex| missing_second(lex, SyntaxErrorKind::MissingSecondOr))]
    SingleOr,
    #[token("&&")]
    And,
    #[token("&", |lex| missing_second(lex, SyntaxErrorKind::MissingSecondAnd))]
    SingleAnd,
    #[token("!")]
    Not,
    #[token("!=")]
    Neq,
    #[token("=")]
    Assign,
    #[token("==")]
    Eq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Lte,
    #[token(">")]
    Gt,
    #[token(">=")]
    Gte,
    #[token("+")]
    Add,
    #[token("-")]
    Sub,
    #[token("*")]
    Mul,
    #[token("/")]
    Div,
    #[token("%")]
    Mod,
    #[token("^")]
    Pow,
    #[token("{")]
    LCurly,
    #[token("}")]
    RCurly,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBrack,
    #[token("]")]
    RBrack,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
}

type Lexer<'a> = logos::Lexer<'a, Raw>;

fn push_error(lex: &mut Lexer<'_>, kind: SyntaxErrorKind, offset: usize, time: usize) {
    lex.extras.errors.push(TokenError {
        kind,
        offset: offset as u32,
        time: time as u32,
    });
}

fn block_comment(lex: &mut Lexer<'_>) {
    let start = lex.span().start;
    match lex.remainder().find("*/") {
        Some(end) => lex.bump(end + 2),
        None => {
            let rest = lex.remainder().len();
            lex.bump(rest);
            let end = lex.span().end;
            push_error(lex, SyntaxErrorKind::BlockCommentNotTerminated, start, end);
        }
    }
}

/// Classifies the number (true = FLOAT) and reports an exponent with no
/// digits, as upstream does, at the number's start.
fn number(lex: &mut Lexer<'_>) -> bool {
    let text = lex.slice();
    let Some(e) = text.find(['e', 'E']) else {
        return text.contains('.');
    };
    let digits = text[e + 1..].trim_start_matches(['+', '-']);
    if digits.is_empty() {
        let span = lex.span();
        push_error(
            lex,
            SyntaxErrorKind::ExponentHasNoDigits,
            span.start,
            span.end,
        );
    }
    true
}

fn missing_second(lex: &mut Lexer<'_>, kind: SyntaxErrorKind) {
    let end = lex.span().end;
    push_error(lex, kind, end, end);
}

fn single_quoted(lex: &mut Lexer<'_>) {
    let start = lex.span().start;
    push_error(lex, SyntaxErrorKind::SingleQuotedString, start, start + 1);
    quoted(lex, '\'');
}

fn raw_string(lex: &mut Lexer<'_>) {
    let start = lex.span().start;
    match lex.remainder().find('`') {
        Some(end) => lex.bump(end + 1),
        None => {
            let rest = lex.remainder().len();
            lex.bump(rest);
            let end = lex.span().end;
            push_error(lex, SyntaxErrorKind::StringNotTerminated, start, end);
        }
    }
}

/// Scans an escaped string up to its closing quote, stopping before a newline
/// or at the end of input, and validates escapes exactly as upstream does
/// (an invalid escape stops before the offending character, which is then
/// scanned as an ordinary one).
fn quoted(lex: &mut Lexer<'_>, quote: char) {
    let start = lex.span().start;
    let base = lex.span().end;
    let rest = lex.remainder();
    let mut errors = Vec::new();
    let mut chars = rest.char_indices().peekable();
    let end = loop {
        let Some(&(i, c)) = chars.peek() else {
            errors.push((
                SyntaxErrorKind::StringNotTerminated,
                start,
                base + rest.len(),
            ));
            break rest.len();
        };
        if c == '\n' {
            errors.push((SyntaxErrorKind::StringNotTerminated, start, base + i));
            break i;
        }
        chars.next();
        if c == quote {
            break i + c.len_utf8();
        }
        if c == '\\' {
            scan_escape(&mut chars, base, rest.len(), &mut errors);
        }
    };
    lex.bump(end);
    for (kind, offset, time) in errors {
        push_error(lex, kind, offset, time);
    }
}

fn scan_escape(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    base: usize,
    len: usize,
    errors: &mut Vec<(SyntaxErrorKind, usize, usize)>,
) {
    let here = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        chars.peek().map_or(base + len, |&(i, _)| base + i)
    };
    let off = here(chars);
    let (mut n, radix, max): (u32, u32, u32) = match chars.peek().map(|&(_, c)| c) {
        Some('a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' | '"') => {
            chars.next();
            return;
        }
        Some('0'..='7') => (3, 8, 255),
        Some('x') => {
            chars.next();
            (2, 16, 255)
        }
        Some('u') => {
            chars.next();
            (4, 16, 0x10FFFF)
        }
        Some('U') => {
            chars.next();
            (8, 16, 0x10FFFF)
        }
        Some(_) => {
            errors.push((SyntaxErrorKind::UnknownEscape, off, off));
            return;
        }
        None => {
            errors.push((SyntaxErrorKind::EscapeNotTerminated, off, off));
            return;
        }
    };
    let mut value: u32 = 0;
    while n > 0 {
        let time = here(chars);
        let Some(&(_, c)) = chars.peek() else {
            errors.push((SyntaxErrorKind::EscapeNotTerminated, off, time));
            return;
        };
        let digit = c.to_digit(16).filter(|d| *d < radix);
        let Some(digit) = digit else {
            errors.push((SyntaxErrorKind::IllegalCharacterInEscape(c), off, time));
            return;
        };
        value = value.wrapping_mul(radix).wrapping_add(digit);
        chars.next();
        n -= 1;
    }
    if value > max || (0xD800..0xE000).contains(&value) {
        let time = here(chars);
        errors.push((SyntaxErrorKind::InvalidCodePoint, off, time));
    }
}

/// One raw token: every byte of the text belongs to exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawToken {
    pub kind: SyntaxKind,
    pub start: u32,
    pub end: u32,
}

/// Raw tokens on demand, so that lexing, scanning, parsing and tree building
/// happen in one pass without materialising token arrays. Each token's
/// errors are available right after it is returned, in `errors`.
pub(crate) struct RawLexer<'a> {
    text: &'a str,
    inner: logos::Lexer<'a, Raw>,
    /// Tokens already produced by splitting an unmatched run into characters.
    split: std::collections::VecDeque<RawToken>,
    /// Errors of the last split token (logos' own list holds the others').
    split_errors: Vec<TokenError>,
    last_was_split: bool,
}

impl<'a> RawLexer<'a> {
    pub(crate) fn new(text: &'a str) -> RawLexer<'a> {
        RawLexer {
            text,
            inner: Raw::lexer(text),
            split: std::collections::VecDeque::new(),
            split_errors: Vec::new(),
            last_was_split: false,
        }
    }

    /// Errors of the token most recently returned.
    pub(crate) fn errors(&self) -> &[TokenError] {
        if self.last_was_split {
            &self.split_errors
        } else {
            &self.inner.extras.errors
        }
    }

    #[inline(always)]
    pub(crate) fn next_token(&mut self) -> Option<RawToken> {
        if self.split.is_empty() {
            let start = self.inner.span().end;
            if let Some((kind, len)) = fast_token(self.text.as_bytes(), start) {
                if !self.inner.extras.errors.is_empty() {
                    self.inner.extras.errors.clear();
                }
                self.last_was_split = false;
                // Keeps logos' cursor in step, so a token the fast path
                // declines is lexed from the right place.
                self.inner.bump(len);
                return Some(RawToken {
                    kind,
                    start: start as u32,
                    end: (start + len) as u32,
                });
            }
        }
        self.next_token_slow()
    }

    #[inline(never)]
    fn next_token_slow(&mut self) -> Option<RawToken> {
        if let Some(token) = self.split.pop_front() {
            self.last_was_split = true;
            self.split_errors.clear();
            if let Some(c) = self.text[token.start as usize..].chars().next() {
                illegal_character(&mut self.split_errors, c, token.start as usize);
            }
            return Some(token);
        }
        self.last_was_split = false;
        self.inner.extras.errors.clear();
        let result = self.inner.next()?;
        let span = self.inner.span();
        match result {
            Ok(raw) => Some(RawToken {
                kind: kind_of(raw, span.start),
                start: span.start as u32,
                end: span.end as u32,
            }),
            Err(()) => {
                // Nothing matched: upstream makes one ILLEGAL token of exactly
                // one character, so split whatever logos skipped into chars.
                let skipped = self.text.get(span.clone()).unwrap_or_default();
                for (i, c) in skipped.char_indices() {
                    let start = (span.start + i) as u32;
                    self.split.push_back(RawToken {
                        kind: SyntaxKind::ILLEGAL,
                        start,
                        end: start + c.len_utf8() as u32,
                    });
                }
                self.next_token_slow()
            }
        }
    }
}

/// The first `"`, `\\` or newline in `bytes`, eight bytes at a time: string
/// literals are the longest common tokens.
fn find_string_stop(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `x` equal to `b` (the lowest such bit is
    // exact, which is all the search needs).
    let matches = |x: u64, b: u8| {
        let y = x ^ (ONES * u64::from(b));
        y.wrapping_sub(ONES) & !y & HIGHS
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let hits = matches(x, b'"') | matches(x, b'\\') | matches(x, b'\n');
        if hits != 0 {
            return Some(base + hits.trailing_zeros() as usize / 8);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| matches!(b, b'"' | b'\\' | b'\n'))
        .map(|i| base + i)
}

const IDENT_CONTINUE: u8 = 1;
const DIGIT: u8 = 2;
const SPACE: u8 = 4;
const INDENT: u8 = 8;

/// Byte classes of the fast path, one table lookup per byte.
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            table[b] |= IDENT_CONTINUE;
        }
        if c.is_ascii_digit() {
            table[b] |= DIGIT;
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            table[b] |= SPACE;
        }
        if c == b' ' || c == b'\t' {
            table[b] |= INDENT;
        }
        b += 1;
    }
    table
};

/// Lexes the common ASCII tokens without logos: identifiers, keywords,
/// whitespace, newlines, integers, simple strings, line comments and
/// operators, which together are nearly every token of a configuration.
/// Returns the kind and length, or `None` for anything that may be longer
/// than its ASCII prefix suggests (a non-ASCII character follows), may carry
/// an error, or is rare; logos then lexes it, so the two paths always agree.
#[inline(always)]
fn fast_token(bytes: &[u8], start: usize) -> Option<(SyntaxKind, usize)> {
    use SyntaxKind::*;
    let first = *bytes.get(start)?;
    let at = |i: usize| bytes.get(start + i).copied();
    // Length of the run of bytes of `class` from `from` on.
    let run = |from: usize, class: u8| {
        bytes[start + from..]
            .iter()
            .position(|&b| CLASSES[b as usize] & class == 0)
            .map_or(bytes.len() - start, |i| i + from)
    };
    let with_eq = |single: SyntaxKind, double: SyntaxKind| {
        if at(1) == Some(b'=') {
            Some((double, 2))
        } else {
            Some((single, 1))
        }
    };
    match first {
        b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
            let len = run(1, IDENT_CONTINUE);
            if at(len).is_some_and(|b| b >= 0x80) {
                return None;
            }
            let kind = match &bytes[start..start + len] {
                b"true" | b"false" => BOOL,
                b"null" => NULL,
                _ => IDENT,
            };
            Some((kind, len))
        }
        b' ' | b'\t' | b'\r' => Some((WHITESPACE, run(1, SPACE))),
        b'\n' => Some((NEWLINE, run(1, INDENT))),
        b'0'..=b'9' => {
            let len = run(1, DIGIT);
            match at(len) {
                Some(b'.' | b'e' | b'E') => None,
                _ => Some((NUMBER, len)),
            }
        }
        b'"' => {
            let rest = &bytes[start + 1..];
            let i = find_string_stop(rest)?;
            (rest[i] == b'"').then_some((STRING, i + 2))
        }
        b'`' => {
            let i = bytes[start + 1..].iter().position(|&b| b == b'`')?;
            Some((STRING, i + 2))
        }
        b'/' => match at(1) {
            Some(b'/') => {
                let rest = &bytes[start..];
                let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                Some((COMMENT, len))
            }
            Some(b'*') => None,
            _ => Some((DIV, 1)),
        },
        b'{' => Some((L_CURLY, 1)),
        b'}' => Some((R_CURLY, 1)),
        b'(' => Some((L_PAREN, 1)),
        b')' => Some((R_PAREN, 1)),
        b'[' => Some((L_BRACK, 1)),
        b']' => Some((R_BRACK, 1)),
        b',' => Some((COMMA, 1)),
        b'+' => Some((ADD, 1)),
        b'-' => Some((SUB, 1)),
        b'*' => Some((MUL, 1)),
        b'%' => Some((MOD, 1)),
        b'^' => Some((POW, 1)),
        b'=' => with_eq(ASSIGN, EQ),
        b'!' => with_eq(NOT, NEQ),
        b'<' => with_eq(LT, LTE),
        b'>' => with_eq(GT, GTE),
        b'|' if at(1) == Some(b'|') => Some((OR, 2)),
        b'&' if at(1) == Some(b'&') => Some((AND, 2)),
        b'.' if !at(1).is_some_and(|b| b.is_ascii_digit()) => Some((DOT, 1)),
        _ => None,
    }
}

fn illegal_character(errors: &mut Vec<TokenError>, c: char, at: usize) {
    // A misplaced byte order mark is reported by the decoder only.
    if c != '\u{FEFF}' {
        let end = at + c.len_utf8();
        errors.push(TokenError {
            kind: SyntaxErrorKind::IllegalCharacter(c),
            offset: at as u32,
            time: end as u32,
        });
    }
}

fn kind_of(raw: Raw, start: usize) -> SyntaxKind {
    use SyntaxKind::*;
    match raw {
        Raw::Whitespace => WHITESPACE,
        Raw::Newline => NEWLINE,
        Raw::LineComment | Raw::BlockComment => COMMENT,
        Raw::Bom if start == 0 => BOM,
        Raw::Bom => ILLEGAL,
        Raw::Ident => IDENT,
        Raw::Bool => BOOL,
        Raw::Null => NULL,
        Raw::Number(false) => NUMBER,
        Raw::Number(true) => FLOAT,
        Raw::String | Raw::Backtick => STRING,
        Raw::SingleQuoted => ILLEGAL,
        Raw::Or | Raw::SingleOr => OR,
        Raw::And | Raw::SingleAnd => AND,
        Raw::Not => NOT,
        Raw::Neq => NEQ,
        Raw::Assign => ASSIGN,
        Raw::Eq => EQ,
        Raw::Lt => LT,
        Raw::Lte => LTE,
        Raw::Gt => GT,
        Raw::Gte => GTE,
        Raw::Add => ADD,
        Raw::Sub => SUB,
        Raw::Mul => MUL,
        Raw::Div => DIV,
        Raw::Mod => MOD,
        Raw::Pow => POW,
        Raw::LCurly => L_CURLY,
        Raw::RCurly => R_CURLY,
        Raw::LParen => L_PAREN,
        Raw::RParen => R_PAREN,
        Raw::LBrack => L_BRACK,
        Raw::RBrack => R_BRACK,
        Raw::Comma => COMMA,
        Raw::Dot => DOT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lexed = Vec<(RawToken, Vec<TokenError>)>;

    fn lex(text: &str, fast: bool) -> Lexed {
        let mut lexer = RawLexer::new(text);
        let mut out = Vec::new();
        loop {
            let token = if fast {
                lexer.next_token()
            } else {
                lexer.next_token_slow()
            };
            let Some(token) = token else { break };
            out.push((token, lexer.errors().to_vec()));
        }
        out
    }

    /// The fast path must give exactly what logos alone gives: same
    /// tokens, same errors, for every input.
    #[test]
    fn fast_path_agrees_with_logos() {
        let pieces = [
            "a",
            "Z_9",
            "é",
            "true",
            "false",
            "null",
            "truex",
            "nul",
            " ",
            "\t",
            "\r",
            "\n",
            "\n\t ",
            "0",
            "09",
            "1.",
            ".5",
            "1e",
            "1e+3",
            "\"",
            "\"x\"",
            "\"\\n\"",
            "\"\\q\"",
            "`",
            "`r\n`",
            "//",
            "// c",
            "/*",
            "*/",
            "/",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ",",
            "+",
            "-",
            "*",
            "%",
            "^",
            "=",
            "==",
            "!",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "|",
            "||",
            "&",
            "&&",
            ".",
            "'",
            "'x'",
            "\u{FEFF}",
            "\0",
            "$",
            "日本",
            "x\u{301}",
            "\"abcdefghijklmnop",
            "qrstuvwxyz0123\"",
            "\"ab\\\"cdefghijkl\"",
            "\"0123456\n",
        ];
        let mut seed = 0x1234_5678_9abc_def0u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 8) as usize + 1;
            let mut s = seed;
            for _ in 0..n {
                text.push_str(pieces[(s % pieces.len() as u64) as usize]);
                s = s.rotate_left(9).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
            assert_eq!(lex(&text, true), lex(&text, false), "{text:?}");
        }
    }
}
