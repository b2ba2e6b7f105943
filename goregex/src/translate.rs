//! Go RE2 syntax rewritten as Rust `regex` syntax with the same meaning.
//!
//! The scanner follows Go's `regexp/syntax` parser with Perl flags (what
//! `regexp.Compile` uses) closely enough to refuse what Go refuses, with
//! Go's error codes and the same offending text. What it emits differs
//! from the input only where the dialects differ:
//!
//! * `\d \s \w` (and negations) are ASCII in Go: emitted as explicit
//!   classes; `\b \B` become `(?-u:\b)`/`(?-u:\B)`.
//! * Inside a class Go has no nesting or set operations: `[`, `&&`, `--`,
//!   `~~` are literals there, so every punctuation character of a class is
//!   emitted escaped.
//! * `\Q...\E` (absent in Rust) is emitted as escaped literals; octal
//!   escapes (off by default in Rust) as `\x{..}`; an escaped punctuation
//!   character such as `\<` (a word boundary in Rust) as the literal.
//! * A `{` that does not start a repetition is a literal in Go; repetition
//!   counts above 1000 are refused, as Go refuses them.
//! * `(?x)`, `(?u)`, `(?R)` (Rust-only flags) are refused; `(?)` is a no-op.

use std::fmt::Write;

use crate::{Error, ErrorCode};

/// Go's limit on `{n,m}` counts.
const MAX_REPEAT: u32 = 1000;
/// Go's limit on nesting depth.
const MAX_DEPTH: usize = 1000;

/// Translates a Go regular expression into Rust `regex` syntax.
pub fn translate(src: &str) -> Result<String, Error> {
    let mut t = Translator {
        src,
        chars: src.char_indices().collect(),
        pos: 0,
        out: String::with_capacity(src.len() + 16),
        depth: 0,
        can_repeat: false,
        last_repeat: None,
    };
    t.run()?;
    Ok(t.out)
}

struct Translator<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    out: String,
    /// Open groups.
    depth: usize,
    /// Whether the last thing emitted can take a repetition operator.
    can_repeat: bool,
    /// Byte offset where the last repetition operator started, while it is
    /// the last thing seen (Go refuses a repetition of a repetition).
    last_repeat: Option<usize>,
}

fn err(code: ErrorCode, expr: &str) -> Error {
    Error {
        code,
        expr: expr.to_owned(),
    }
}

impl<'a> Translator<'a> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|(_, c)| *c)
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).map(|(_, c)| *c)
    }

    /// Byte offset of char index `i` (the end of the source past the end).
    fn offset(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.src.len(), |(o, _)| *o)
    }

    fn text(&self, from_char: usize, to_char: usize) -> &'a str {
        let src: &'a str = self.src;
        &src[self.offset(from_char)..self.offset(to_char)]
    }

    fn rest(&self, from_char: usize) -> &'a str {
        let src: &'a str = self.src;
        &src[self.offset(from_char)..]
    }

    fn run(&mut self) -> Result<(), Error> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                '(' => self.open_group()?,
                ')' => {
                    if self.depth == 0 {
                        return Err(err(ErrorCode::UnexpectedParen, self.src));
                    }
                    self.depth -= 1;
                    self.pos += 1;
                    self.out.push(')');
                    self.atom();
                }
                '|' => {
                    self.pos += 1;
                    self.out.push('|');
                    self.can_repeat = false;
                    self.last_repeat = None;
                }
                '*' | '+' | '?' => {
                    self.pos += 1;
                    self.repeat(start, &c.to_string())?;
                }
                '{' => match self.counted_repeat()? {
                    Some(op) => self.repeat(start, &op)?,
                    None => {
                        self.pos += 1;
                        self.out.push_str("\\{");
                        self.atom();
                    }
                },
                '[' => {
                    self.class()?;
                    self.atom();
                }
                '\\' => self.escape_outside()?,
                '.' | '^' | '$' => {
                    self.pos += 1;
                    self.out.push(c);
                    self.atom();
                }
                _ => {
                    self.pos += 1;
                    push_literal(&mut self.out, c);
                    self.atom();
                }
            }
        }
        if self.depth > 0 {
            return Err(err(ErrorCode::MissingParen, self.src));
        }
        Ok(())
    }

    /// Something that can be repeated was just emitted.
    fn atom(&mut self) {
        self.can_repeat = true;
        self.last_repeat = None;
    }

    /// A repetition operator `op` (from char `start`) was read; a `?` after
    /// it makes it lazy.
    fn repeat(&mut self, start: usize, op: &str) -> Result<(), Error> {
        let mut op = op.to_owned();
        if self.peek() == Some('?') {
            self.pos += 1;
            op.push('?');
        }
        if let Some(prev) = self.last_repeat {
            return Err(err(ErrorCode::InvalidRepeatOp, self.text(prev, self.pos)));
        }
        if !self.can_repeat {
            return Err(err(
                ErrorCode::MissingRepeatArgument,
                self.text(start, self.pos),
            ));
        }
        self.out.push_str(&op);
        self.last_repeat = Some(start);
        Ok(())
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position: the operator text,
    /// or `None` when the brace is a literal. Moves past the operator.
    fn counted_repeat(&mut self) -> Result<Option<String>, Error> {
        let start = self.pos;
        let mut i = self.pos + 1;
        let digits = |i: &mut usize, t: &Self| -> Option<u64> {
            let from = *i;
            let mut n: u64 = 0;
            while let Some(c) = t.chars.get(*i).map(|(_, c)| *c) {
                let Some(d) = c.to_digit(10) else { break };
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                *i += 1;
            }
            (*i > from).then_some(n)
        };
        let Some(min) = digits(&mut i, self) else {
            return Ok(None);
        };
        let max = match self.chars.get(i).map(|(_, c)| *c) {
            Some('}') => Some(min),
            Some(',') => {
                i += 1;
                if self.chars.get(i).map(|(_, c)| *c) == Some('}') {
                    None
                } else {
                    match digits(&mut i, self) {
                        Some(m) if self.chars.get(i).map(|(_, c)| *c) == Some('}') => Some(m),
                        _ => return Ok(None),
                    }
                }
            }
            _ => return Ok(None),
        };
        i += 1; // the '}'
        let text = self.text(start, i).to_owned();
        let too_big = |n: u64| n > u64::from(MAX_REPEAT);
        if too_big(min) || max.is_some_and(|m| too_big(m) || m < min) {
            return Err(err(ErrorCode::InvalidRepeatSize, &text));
        }
        self.pos = i;
        Ok(Some(text))
    }

    fn open_group(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 1;
        if self.peek() != Some('?') {
            self.push_depth()?;
            self.out.push('(');
            self.can_repeat = false;
            self.last_repeat = None;
            return Ok(());
        }
        // Named captures: (?P<name>re) and (?<name>re).
        let named = match (self.peek_at(1), self.peek_at(2)) {
            (Some('P'), Some('<')) => Some(3),
            (Some('<'), _) => Some(2),
            (Some('P'), _) => {
                // (?P=name), (?P>name): Go has no backreferences or calls.
                let end = (self.pos + 3).min(self.chars.len());
                return Err(err(ErrorCode::InvalidNamedCapture, self.text(start, end)));
            }
            _ => None,
        };
        if let Some(skip) = named {
            let name_start = self.pos + skip;
            let mut i = name_start;
            while let Some(c) = self.chars.get(i).map(|(_, c)| *c) {
                if c == '>' {
                    break;
                }
                i += 1;
            }
            if i >= self.chars.len() {
                return Err(err(ErrorCode::InvalidNamedCapture, self.rest(start)));
            }
            let name = self.text(name_start, i);
            let whole = self.text(start, i + 1).to_owned();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(err(ErrorCode::InvalidNamedCapture, &whole));
            }
            self.push_depth()?;
            let _ = write!(self.out, "(?P<{name}>");
            self.pos = i + 1;
            self.can_repeat = false;
            self.last_repeat = None;
            return Ok(());
        }
        // Flags: (?flags) or (?flags:re), flags from [imsU] with one '-'.
        let mut i = self.pos + 1;
        let mut flags = String::new();
        let mut negated = false;
        let mut flag_after_minus = false;
        loop {
            let Some(c) = self.chars.get(i).map(|(_, c)| *c) else {
                return Err(err(ErrorCode::MissingParen, self.src));
            };
            match c {
                'i' | 'm' | 's' | 'U' => {
                    flags.push(c);
                    flag_after_minus |= negated;
                }
                '-' if !negated => {
                    negated = true;
                    flags.push('-');
                }
                ':' | ')' => {
                    if negated && !flag_after_minus {
                        return Err(err(ErrorCode::InvalidPerlOp, self.text(start, i + 1)));
                    }
                    if c == ':' {
                        self.push_depth()?;
                        if flags.is_empty() {
                            self.out.push_str("(?:");
                        } else {
                            let _ = write!(self.out, "(?{flags}:");
                        }
                        self.can_repeat = false;
                    } else if !flags.is_empty() {
                        let _ = write!(self.out, "(?{flags})");
                    }
                    // A flag group is not an atom: `(?i)*` has no argument.
                    self.can_repeat = false;
                    self.last_repeat = None;
                    self.pos = i + 1;
                    return Ok(());
                }
                _ => return Err(err(ErrorCode::InvalidPerlOp, self.text(start, i + 1))),
            }
            i += 1;
        }
    }

    fn push_depth(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(ErrorCode::NestingDepth, self.src));
        }
        Ok(())
    }

    fn escape_outside(&mut self) -> Result<(), Error> {
        let start = self.pos;
        let Some(c) = self.peek_at(1) else {
            return Err(err(ErrorCode::TrailingBackslash, ""));
        };
        match c {
            'd' | 'D' | 's' | 'S' | 'w' | 'W' => {
                self.pos += 2;
                self.out.push_str(perl_class(c));
                self.atom();
            }
            'b' | 'B' => {
                self.pos += 2;
                let _ = write!(self.out, "(?-u:\\{c})");
                self.can_repeat = true;
                self.last_repeat = None;
            }
            'A' | 'z' => {
                self.pos += 2;
                let _ = write!(self.out, "\\{c}");
                self.can_repeat = true;
                self.last_repeat = None;
            }
            'p' | 'P' => {
                let text = self.unicode_class()?;
                self.out.push_str(&text);
                self.atom();
            }
            'Q' => {
                self.pos += 2;
                let mut any = false;
                while let Some(c) = self.peek() {
                    if c == '\\' && self.peek_at(1) == Some('E') {
                        self.pos += 2;
                        break;
                    }
                    push_literal(&mut self.out, c);
                    any = true;
                    self.pos += 1;
                }
                if any {
                    self.atom();
                }
            }
            _ => {
                let ch = self.escaped_char(start)?;
                push_literal(&mut self.out, ch);
                self.atom();
            }
        }
        Ok(())
    }

    /// `\pX`, `\p{Name}`, `\PX`, `\P{^Name}`: passed through (the Unicode
    /// tables agree); the regex crate refuses unknown names.
    fn unicode_class(&mut self) -> Result<String, Error> {
        let start = self.pos;
        match self.peek_at(2) {
            None => Err(err(ErrorCode::InvalidCharRange, self.rest(start))),
            Some('{') => {
                let mut i = self.pos + 3;
                while let Some(c) = self.chars.get(i).map(|(_, c)| *c) {
                    if c == '}' {
                        let text = self.text(start, i + 1).to_owned();
                        self.pos = i + 1;
                        return Ok(text);
                    }
                    i += 1;
                }
                Err(err(ErrorCode::InvalidCharRange, self.rest(start)))
            }
            Some(_) => {
                let text = self.text(start, start + 3).to_owned();
                self.pos += 3;
                Ok(text)
            }
        }
    }

    /// A single-character escape starting at the backslash at char `start`
    /// (`\n`, `\x41`, `\x{263a}`, `\101`, `\.`); moves past it.
    fn escaped_char(&mut self, start: usize) -> Result<char, Error> {
        let invalid = |t: &Self, end: usize| {
            err(
                ErrorCode::InvalidEscape,
                t.text(start, end.min(t.chars.len())),
            )
        };
        let Some(c) = self.peek_at(1) else {
            return Err(err(ErrorCode::TrailingBackslash, ""));
        };
        self.pos += 2;
        let simple = match c {
            'a' => Some('\x07'),
            'f' => Some('\x0C'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0B'),
            _ => None,
        };
        if let Some(ch) = simple {
            return Ok(ch);
        }
        match c {
            '1'..='7' if !matches!(self.peek(), Some('0'..='7')) => {
                // A single non-zero digit would be a backreference.
                Err(invalid(self, self.pos))
            }
            '0'..='7' => {
                let mut n = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            n = n * 8 + d;
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                char::from_u32(n).ok_or_else(|| invalid(self, self.pos))
            }
            'x' => {
                if self.peek() == Some('{') {
                    let mut i = self.pos + 1;
                    let mut n: u32 = 0;
                    let mut digits = 0;
                    loop {
                        match self.chars.get(i).map(|(_, c)| *c) {
                            Some('}') if digits > 0 => break,
                            Some(d) if d.is_ascii_hexdigit() => {
                                n = n
                                    .saturating_mul(16)
                                    .saturating_add(d.to_digit(16).unwrap_or(0));
                                digits += 1;
                                i += 1;
                                if n > 0x10FFFF {
                                    return Err(invalid(self, i));
                                }
                            }
                            _ => return Err(invalid(self, i + 1)),
                        }
                    }
                    self.pos = i + 1;
                    char::from_u32(n).ok_or_else(|| invalid(self, self.pos))
                } else {
                    let hi = self.peek().and_then(|d| d.to_digit(16));
                    let lo = self.peek_at(1).and_then(|d| d.to_digit(16));
                    match (hi, lo) {
                        (Some(h), Some(l)) => {
                            self.pos += 2;
                            char::from_u32(h * 16 + l).ok_or_else(|| invalid(self, self.pos))
                        }
                        _ => Err(invalid(self, self.pos + 2)),
                    }
                }
            }
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok(c),
            _ => Err(invalid(self, self.pos)),
        }
    }

    /// A bracketed class: `[...]`, Go's rules, emitted with every
    /// punctuation character escaped.
    fn class(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            self.pos += 1;
            out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(err(ErrorCode::MissingBracket, self.rest(start)));
            };
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            // POSIX class [:name:] / [:^name:].
            if c == '[' && self.peek_at(1) == Some(':') {
                if let Some(text) = self.posix_class()? {
                    out.push_str(&text);
                    continue;
                }
            }
            if c == '\\' {
                match self.peek_at(1) {
                    Some(p @ ('d' | 'D' | 's' | 'S' | 'w' | 'W')) => {
                        self.pos += 2;
                        out.push_str(perl_class(p));
                        continue;
                    }
                    Some('p' | 'P') => {
                        let text = self.unicode_class()?;
                        out.push_str(&text);
                        continue;
                    }
                    _ => {}
                }
            }
            let range_start = self.pos;
            let lo = self.class_char(start)?;
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                self.pos += 1;
                let hi = self.class_char(start)?;
                if hi < lo {
                    return Err(err(
                        ErrorCode::InvalidCharRange,
                        self.text(range_start, self.pos),
                    ));
                }
                push_class_char(&mut out, lo);
                out.push('-');
                push_class_char(&mut out, hi);
            } else {
                push_class_char(&mut out, lo);
            }
        }
        out.push(']');
        self.out.push_str(&out);
        Ok(())
    }

    /// One character of a class (a literal or a single-character escape).
    fn class_char(&mut self, class_start: usize) -> Result<char, Error> {
        match self.peek() {
            None => Err(err(ErrorCode::MissingBracket, self.rest(class_start))),
            Some('\\') => {
                let start = self.pos;
                self.escaped_char(start)
            }
            Some(c) => {
                self.pos += 1;
                Ok(c)
            }
        }
    }

    /// `[:alpha:]` inside a class: the text to emit, or `None` when this
    /// `[` is not followed by a closing `:]` (then it is a literal `[`).
    fn posix_class(&mut self) -> Result<Option<String>, Error> {
        let start = self.pos;
        let mut i = self.pos + 2;
        loop {
            match (
                self.chars.get(i).map(|(_, c)| *c),
                self.chars.get(i + 1).map(|(_, c)| *c),
            ) {
                (Some(':'), Some(']')) => break,
                (Some(_), _) => i += 1,
                (None, _) => return Ok(None),
            }
        }
        let text = self.text(start, i + 2).to_owned();
        let name = text[2..text.len() - 2].trim_start_matches('^');
        const NAMES: [&str; 14] = [
            "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print",
            "punct", "space", "upper", "word", "xdigit",
        ];
        if !NAMES.contains(&name) {
            return Err(err(ErrorCode::InvalidCharRange, &text));
        }
        self.pos = i + 2;
        Ok(Some(text))
    }
}

/// Go's ASCII Perl classes as explicit Rust classes.
fn perl_class(c: char) -> &'static str {
    match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => "[\\t\\n\\x0C\\r ]",
        'S' => "[^\\t\\n\\x0C\\r ]",
        'w' => "[0-9A-Za-z_]",
        _ => "[^0-9A-Za-z_]",
    }
}

/// A literal character outside a class.
fn push_literal(out: &mut String, c: char) {
    // `\<` and `\>` are word boundaries in Rust; unescaped they are plain.
    if c == '<' || c == '>' {
        out.push(c);
    } else if c.is_ascii_punctuation() {
        out.push('\\');
        out.push(c);
    } else if c.is_control() || c == ' ' {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    } else {
        out.push(c);
    }
}

/// A literal character inside a class: punctuation is always escaped, so
/// `[`, `&&`, `--` and `~~` stay literals in Rust.
fn push_class_char(out: &mut String, c: char) {
    push_literal(out, c);
}
