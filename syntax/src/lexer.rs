//! The lossless lexer: every byte of the decoded text lands in exactly one
//! token, trivia included. Token-level errors are collected with the moment
//! upstream's scanner would report them (see `scanner`).

use logos::Logos;

use crate::error::SyntaxErrorKind;
use crate::SyntaxKind;

/// An error found while lexing one token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenError {
    /// Index of the raw token the error belongs to.
    pub token: u32,
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
    /// Index the token being lexed will get.
    pub token: u32,
}

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(extras = Extras)]
enum Raw {
    #[regex(r"[ \t\r]+")]
    Whitespace,
    #[token("\n")]
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
        token: lex.extras.token,
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

/// A lexed file: raw tokens (kind and start offset) plus token errors in
/// token order.
pub(crate) struct RawTokens {
    pub kinds: Vec<SyntaxKind>,
    /// Start offset of each token, plus one final entry for the text length.
    pub starts: Vec<u32>,
    /// Token errors, in token order.
    pub errors: Vec<TokenError>,
}

pub(crate) fn lex(text: &str) -> RawTokens {
    let estimate = text.len() / 3 + 1;
    let mut kinds = Vec::with_capacity(estimate);
    let mut starts = Vec::with_capacity(estimate + 1);
    let mut lexer = Raw::lexer(text);
    loop {
        lexer.extras.token = kinds.len() as u32;
        let Some(result) = lexer.next() else {
            break;
        };
        let span = lexer.span();
        match result {
            Ok(raw) => {
                kinds.push(kind_of(raw, span.start));
                starts.push(span.start as u32);
            }
            Err(()) => {
                // Nothing matched: upstream makes one ILLEGAL token of exactly
                // one character, so split whatever logos skipped into chars.
                let skipped = text.get(span.clone()).unwrap_or_default();
                for (i, c) in skipped.char_indices() {
                    let at = span.start + i;
                    lexer.extras.token = kinds.len() as u32;
                    kinds.push(SyntaxKind::ILLEGAL);
                    starts.push(at as u32);
                    illegal_character(&mut lexer.extras, c, at);
                }
            }
        }
    }
    starts.push(text.len() as u32);
    RawTokens {
        kinds,
        starts,
        errors: lexer.extras.errors,
    }
}

fn illegal_character(extras: &mut Extras, c: char, at: usize) {
    // A misplaced byte order mark is reported by the decoder only.
    if c != '\u{FEFF}' {
        let end = at + c.len_utf8();
        extras.errors.push(TokenError {
            token: extras.token,
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
