//! Syntax errors as values: each kind renders to upstream's exact message, so
//! callers can match on kinds while users see the text upstream prints.

use std::fmt;

use rowan::{TextRange, TextSize};

use crate::SyntaxKind;

/// What went wrong. `Display` gives upstream's message text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SyntaxErrorKind {
    // Scanner errors.
    IllegalNul,
    IllegalUtf8,
    IllegalBom,
    IllegalCharacter(char),
    SingleQuotedString,
    MissingSecondOr,
    MissingSecondAnd,
    ExponentHasNoDigits,
    StringNotTerminated,
    UnknownEscape,
    EscapeNotTerminated,
    IllegalCharacterInEscape(char),
    InvalidCodePoint,
    BlockCommentNotTerminated,
    // Parser errors.
    /// `expected X, got Y` from upstream's generic `expect`.
    Expected {
        expected: SyntaxKind,
        got: SyntaxKind,
    },
    ExpectedIdentifier(SyntaxKind),
    ExpectedBlockLabel(SyntaxKind),
    /// The label's raw literal, e.g. `` `x` ``.
    LabelNotDoubleQuoted(String),
    /// The label's bytes between the quotes.
    LabelNotIdentifier(Vec<u8>),
    ExpectedAttributeOrBlockBody(SyntaxKind),
    ExpectedBlockBody(SyntaxKind),
    AttributeNameWithDots,
    AttributeNameWithLabel,
    ExpectedExpression(SyntaxKind),
    MissingCommaInExpressionList,
    MissingCommaInFieldList,
    ExpectedFieldName(SyntaxKind),
    BlockAsExpression,
    /// Our own limit: upstream recurses without bound, we refuse nesting that
    /// would exhaust the stack.
    NestingTooDeep,
}

impl fmt::Display for SyntaxErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SyntaxErrorKind::*;
        match self {
            IllegalNul => f.write_str("illegal character NUL"),
            IllegalUtf8 => f.write_str("illegal UTF-8 encoding"),
            IllegalBom => f.write_str("illegal byte order mark"),
            IllegalCharacter(c) => {
                write!(
                    f,
                    "illegal character {}",
                    crate::unicode::format_code_point(*c)
                )
            }
            SingleQuotedString => f.write_str("illegal single-quoted string; use double quotes"),
            MissingSecondOr => f.write_str("missing second | in ||"),
            MissingSecondAnd => f.write_str("missing second & in &&"),
            ExponentHasNoDigits => f.write_str("exponent has no digits"),
            StringNotTerminated => f.write_str("string literal not terminated"),
            UnknownEscape => f.write_str("unknown escape sequence"),
            EscapeNotTerminated => f.write_str("escape sequence not terminated"),
            IllegalCharacterInEscape(c) => write!(
                f,
                "illegal character {} in escape sequence",
                crate::unicode::format_code_point(*c)
            ),
            InvalidCodePoint => f.write_str("escape sequence is invalid Unicode code point"),
            BlockCommentNotTerminated => f.write_str("block comment not terminated"),
            Expected { expected, got } => write!(
                f,
                "expected {}, got {}",
                expected.upstream_name(),
                got.upstream_name()
            ),
            ExpectedIdentifier(got) => {
                write!(f, "expected identifier, got {}", got.upstream_name())
            }
            ExpectedBlockLabel(got) => {
                write!(f, "expected block label, got {}", got.upstream_name())
            }
            LabelNotDoubleQuoted(lit) => write!(
                f,
                "expected block label to be a double quoted string, but got {}",
                crate::unicode::go_quote(lit.as_bytes())
            ),
            LabelNotIdentifier(label) => write!(
                f,
                "expected block label to be a valid identifier, but got {}",
                crate::unicode::go_quote(label)
            ),
            ExpectedAttributeOrBlockBody(got) => write!(
                f,
                "expected attribute assignment or block body, got {}",
                got.upstream_name()
            ),
            ExpectedBlockBody(got) => write!(f, "expected block body, got {}", got.upstream_name()),
            AttributeNameWithDots => {
                f.write_str("attribute names may only consist of a single identifier with no \".\"")
            }
            AttributeNameWithLabel => f.write_str("attribute names may not have labels"),
            ExpectedExpression(got) => {
                write!(f, "expected expression, got {}", got.upstream_name())
            }
            MissingCommaInExpressionList => f.write_str("missing ',' in expression list"),
            MissingCommaInFieldList => f.write_str("missing ',' in field list"),
            ExpectedFieldName(got) => write!(
                f,
                "expected field name (string or identifier), got {}",
                got.upstream_name()
            ),
            BlockAsExpression => f.write_str("cannot use a block as an expression"),
            NestingTooDeep => write!(
                f,
                "nesting is too deep (more than {} levels)",
                crate::parser::MAX_DEPTH
            ),
        }
    }
}

/// One syntax error. `range` is in tree offsets; its start is where upstream
/// reports the error, and an empty range means upstream gives no end.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub range: TextRange,
}

impl SyntaxError {
    pub(crate) fn at(kind: SyntaxErrorKind, offset: u32) -> SyntaxError {
        SyntaxError {
            kind,
            range: TextRange::empty(TextSize::from(offset)),
        }
    }

    pub fn offset(&self) -> u32 {
        self.range.start().into()
    }

    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for SyntaxError {}
