//! Go's regular expressions (RE2 syntax as `regexp.Compile` reads it) on
//! the Rust `regex` crate, so that relabel rules and log-pipeline stages
//! written for Alloy match exactly what they match upstream.
//!
//! Both engines are RE2-family (no backreferences, linear time); they
//! differ in syntax details and in the meaning of a few classes, which
//! [`translate`] rewrites (see its module for the list). Errors carry Go's
//! codes and offending text, rendered as Go renders them:
//! ``error parsing regexp: invalid repeat count: `{1001}` ``.
//!
//! Relabelling compiles rules fully anchored with `.` matching newlines:
//! [`Regex::new_anchored`] wraps the source as `^(?s:` + source + `)$`
//! before translating, as Prometheus and Alloy do, so even the odd cases
//! where the user's text closes the wrapper's group behave as upstream.
//! Replacement templates use Go's `Regexp.Expand` rules ([`expand`]).

mod translate;

use std::fmt;

pub use translate::translate;

/// Go's error codes (`regexp/syntax.ErrorCode`) that translation can report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidCharClass,
    InvalidCharRange,
    InvalidEscape,
    InvalidNamedCapture,
    InvalidPerlOp,
    InvalidRepeatOp,
    InvalidRepeatSize,
    MissingBracket,
    MissingParen,
    MissingRepeatArgument,
    TrailingBackslash,
    UnexpectedParen,
    NestingDepth,
    Large,
}

impl ErrorCode {
    /// Go's text for the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCharClass => "invalid character class",
            ErrorCode::InvalidCharRange => "invalid character class range",
            ErrorCode::InvalidEscape => "invalid escape sequence",
            ErrorCode::InvalidNamedCapture => "invalid named capture",
            ErrorCode::InvalidPerlOp => "invalid or unsupported Perl syntax",
            ErrorCode::InvalidRepeatOp => "invalid nested repetition operator",
            ErrorCode::InvalidRepeatSize => "invalid repeat count",
            ErrorCode::MissingBracket => "missing closing ]",
            ErrorCode::MissingParen => "missing closing )",
            ErrorCode::MissingRepeatArgument => "missing argument to repetition operator",
            ErrorCode::TrailingBackslash => "trailing backslash at end of expression",
            ErrorCode::UnexpectedParen => "unexpected )",
            ErrorCode::NestingDepth => "expression nests too deeply",
            ErrorCode::Large => "expression too large",
        }
    }
}

/// Why a pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    /// The offending part of the expression, as Go quotes it.
    pub expr: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error parsing regexp: {}: `{}`",
            self.code.as_str(),
            self.expr
        )
    }
}

impl std::error::Error for Error {}

/// A compiled Go regular expression.
#[derive(Clone, Debug)]
pub struct Regex {
    source: String,
    regex: regex::Regex,
}

impl Regex {
    /// Compiles `source` as Go's `regexp.Compile` would.
    pub fn new(source: &str) -> Result<Regex, Error> {
        Ok(Regex {
            source: source.to_owned(),
            regex: compile(source)?,
        })
    }

    /// Compiles `^(?s:source)$`, as relabel rules are compiled upstream.
    /// [`Regex::as_str`] still gives `source`.
    pub fn new_anchored(source: &str) -> Result<Regex, Error> {
        Ok(Regex {
            source: source.to_owned(),
            regex: compile(&format!("^(?s:{source})$"))?,
        })
    }

    /// The source as given.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled Rust regex (for captures and iteration).
    pub fn regex(&self) -> &regex::Regex {
        &self.regex
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        self.regex.is_match(haystack)
    }

    pub fn captures<'h>(&self, haystack: &'h str) -> Option<regex::Captures<'h>> {
        self.regex.captures(haystack)
    }

    /// Go's `ReplaceAllString`: every non-overlapping match replaced by
    /// `template` expanded with Go's rules.
    pub fn replace_all(&self, haystack: &str, template: &str) -> String {
        let mut out = String::with_capacity(haystack.len());
        let mut last = 0;
        for caps in self.regex.captures_iter(haystack) {
            let Some(m) = caps.get(0) else { continue };
            out.push_str(&haystack[last..m.start()]);
            expand(&caps, template, &mut out);
            last = m.end();
        }
        out.push_str(&haystack[last..]);
        out
    }
}

impl PartialEq for Regex {
    fn eq(&self, other: &Regex) -> bool {
        self.source == other.source && self.regex.as_str() == other.regex.as_str()
    }
}

fn compile(source: &str) -> Result<regex::Regex, Error> {
    let translated = translate(source)?;
    // The crate's default nesting limit (250) stays: deeper trees overflow
    // the stack of its compiler, and Go's own limit (1000) is never
    // approached by real rules. Deeper expressions get Go's message.
    regex::RegexBuilder::new(&translated)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => Error {
                code: ErrorCode::Large,
                expr: source.to_owned(),
            },
            regex::Error::Syntax(msg) if msg.contains("nested") || msg.contains("nest limit") => {
                Error {
                    code: ErrorCode::NestingDepth,
                    expr: source.to_owned(),
                }
            }
            // What the translator passes through unchanged and the crate
            // still refuses: unknown Unicode class names.
            _ => Error {
                code: ErrorCode::InvalidCharRange,
                expr: source.to_owned(),
            },
        })
}

/// Appends `template` to `dst` with `$1`, `${1}`, `$name` and `${name}`
/// replaced by the captures (Go's `Regexp.Expand`): a bare name takes the
/// longest run of `[A-Za-z0-9_]`; a missing or unmatched group is empty;
/// `$$` is `$`; a `$` not followed by a valid reference stays as it is.
pub fn expand(caps: &regex::Captures<'_>, template: &str, dst: &mut String) {
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        dst.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("$$") {
            dst.push('$');
            rest = after;
            continue;
        }
        let Some((name, after)) = reference(rest) else {
            dst.push('$');
            rest = &rest[1..];
            continue;
        };
        let value = match group_number(name) {
            Some(n) => caps.get(n),
            None => caps.name(name),
        };
        if let Some(m) = value {
            dst.push_str(m.as_str());
        }
        rest = after;
    }
    dst.push_str(rest);
}

/// `$name` or `${name}` at the start of `s` (which starts with `$`): the
/// name and what follows the reference.
fn reference(s: &str) -> Option<(&str, &str)> {
    let body = &s[1..];
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if let Some(inner) = body.strip_prefix('{') {
        let end = inner.find('}')?;
        let name = &inner[..end];
        if name.is_empty() || !name.bytes().all(is_name) {
            return None;
        }
        return Some((name, &inner[end + 1..]));
    }
    let end = body.bytes().position(|b| !is_name(b)).unwrap_or(body.len());
    (end > 0).then(|| (&body[..end], &body[end..]))
}

/// Go reads an all-digit name as a group number (below 1e8).
fn group_number(name: &str) -> Option<usize> {
    if !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: usize = 0;
    for b in name.bytes() {
        if n >= 100_000_000 {
            return Some(usize::MAX);
        }
        n = n * 10 + usize::from(b - b'0');
    }
    Some(n)
}
