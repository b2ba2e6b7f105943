//! Evaluation errors and how they name the expression at fault.
//!
//! Upstream prefixes a value error with the offending expression as its
//! formatter prints it, followed by the path from that expression's value
//! to the culprit: `key_value.object.field1[2] should be number, got
//! string`. It finds the expression by remembering which node produced
//! which value. We get the same result from the value error's path: it is
//! walked through the expression that produced the value, descending into
//! array and object literals, and stops at the first expression that is not
//! a literal container (an identifier, a call, an access). When the walk
//! ends on the culprit itself the message needs no path and no value text.
//!
//! One difference: upstream loses the path segment leading into a literal
//! container found half way (a quirk of its bookkeeping), so for an object
//! literal holding a variable holding the culprit it prints less of the
//! path than we do.

use std::fmt;

use alloy_syntax::ast::{AstNode, Expr};
use alloy_syntax::{LineIndex, TextRange, TextSize};

use crate::value::{PathSegment, Type, ValueError, ValueErrorKind};

/// Schema errors raised while decoding a body (upstream's block decoding
/// messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// `unrecognized attribute name "x"`.
    UnrecognizedAttribute(String),
    /// `unrecognized block name "x"`.
    UnrecognizedBlock(String),
    /// `attribute "x" may only be provided once`.
    RepeatedAttribute(String),
    /// `block "x" may only be specified once`.
    RepeatedBlock(String),
    /// `block "x" must be specified exactly N times, but was specified M times`.
    BlockCount {
        name: String,
        expected: usize,
        got: usize,
    },
    /// `"x" must be an attribute, but is used as a block`.
    ExpectedAttribute(String),
    /// `"x" must be a block, but is used as an attribute`.
    ExpectedBlock(String),
    /// `missing required attribute "x"`.
    MissingAttribute(String),
    /// `missing required block "x"`.
    MissingBlock(String),
    /// `block "x" requires non-empty label`.
    LabelRequired(String),
    /// `block "x" does not support specifying labels`.
    LabelNotAllowed(String),
    /// `block "x" requires empty label`.
    LabelMustBeEmpty(String),
    /// `nested blocks not supported here`.
    NestedBlocks,
}

fn quote(s: &str) -> String {
    alloy_syntax::unicode::go_quote(s.as_bytes())
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::UnrecognizedAttribute(n) => {
                write!(f, "unrecognized attribute name {}", quote(n))
            }
            BlockError::UnrecognizedBlock(n) => write!(f, "unrecognized block name {}", quote(n)),
            BlockError::RepeatedAttribute(n) => {
                write!(f, "attribute {} may only be provided once", quote(n))
            }
            BlockError::RepeatedBlock(n) => {
                write!(f, "block {} may only be specified once", quote(n))
            }
            BlockError::BlockCount {
                name,
                expected,
                got,
            } => write!(
                f,
                "block {} must be specified exactly {expected} times, but was specified {got} times",
                quote(name)
            ),
            BlockError::ExpectedAttribute(n) => write!(
                f,
                "{} must be an attribute, but is used as a block",
                quote(n)
            ),
            BlockError::ExpectedBlock(n) => write!(
                f,
                "{} must be a block, but is used as an attribute",
                quote(n)
            ),
            BlockError::MissingAttribute(n) => {
                write!(f, "missing required attribute {}", quote(n))
            }
            BlockError::MissingBlock(n) => write!(f, "missing required block {}", quote(n)),
            BlockError::LabelRequired(n) => {
                write!(f, "block {} requires non-empty label", quote(n))
            }
            BlockError::LabelNotAllowed(n) => {
                write!(f, "block {} does not support specifying labels", quote(n))
            }
            BlockError::LabelMustBeEmpty(n) => {
                write!(f, "block {} requires empty label", quote(n))
            }
            BlockError::NestedBlocks => f.write_str("nested blocks not supported here"),
        }
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    /// `identifier "x" does not exist`.
    UnknownIdentifier(String),
    /// `field "x" does not exist` (access to a missing object key).
    MissingField(String),
    /// `cannot access field "x" on value of type T`.
    CannotAccessField { name: String, ty: Type },
    /// `expected object or array, got T`, or for capsules `expected object
    /// or array or a capsule convertible to an object, got capsule`.
    NotIndexable(Type),
    /// `index N is out of range of array with length M`.
    IndexOutOfRange { index: i64, len: usize },
    /// `should be one of [number] for binop -, got capsule`.
    OperandType {
        allowed: &'static [Type],
        op: &'static str,
        got: Type,
    },
    /// `divide by zero error`.
    DivideByZero,
    /// `could not perform binop + for unknown types lhs capsule rhs capsule`.
    UnsupportedCapsuleOperands { op: &'static str },
    /// A value of the wrong type or that failed to convert.
    Value(ValueErrorKind),
    /// `expected N args, got M` / `expected at least N args, got M`.
    Arity {
        expected: usize,
        at_least: bool,
        got: usize,
    },
    /// A function's own failure message.
    Function(String),
    /// A literal that does not convert (only reachable for numbers too
    /// large for a float, or trees the parser flagged as broken).
    InvalidLiteral(String),
    /// A part of the expression is missing; the file has syntax errors.
    Incomplete,
    /// The expression nests deeper than the evaluator follows.
    TooDeep,
    /// A body does not match its schema.
    Block(BlockError),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnknownIdentifier(n) => write!(f, "identifier {} does not exist", quote(n)),
            ErrorKind::MissingField(n) => write!(f, "field {} does not exist", quote(n)),
            ErrorKind::CannotAccessField { name, ty } => {
                write!(
                    f,
                    "cannot access field {} on value of type {ty}",
                    quote(name)
                )
            }
            ErrorKind::NotIndexable(Type::Capsule) => f.write_str(
                "expected object or array or a capsule convertible to an object, got capsule",
            ),
            ErrorKind::NotIndexable(ty) => write!(f, "expected object or array, got {ty}"),
            ErrorKind::IndexOutOfRange { index, len } => {
                write!(
                    f,
                    "index {index} is out of range of array with length {len}"
                )
            }
            ErrorKind::OperandType { allowed, op, got } => {
                let names: Vec<&str> = allowed.iter().map(|t| t.as_str()).collect();
                write!(
                    f,
                    "should be one of [{}] for binop {op}, got {got}",
                    names.join(" ")
                )
            }
            ErrorKind::DivideByZero => f.write_str("divide by zero error"),
            ErrorKind::UnsupportedCapsuleOperands { op } => write!(
                f,
                "could not perform binop {op} for unknown types lhs capsule rhs capsule"
            ),
            ErrorKind::Value(kind) => write!(f, "{kind}"),
            ErrorKind::Arity {
                expected,
                at_least,
                got,
            } => {
                let at_least = if *at_least { "at least " } else { "" };
                write!(f, "expected {at_least}{expected} args, got {got}")
            }
            ErrorKind::Function(message) | ErrorKind::InvalidLiteral(message) => {
                f.write_str(message)
            }
            ErrorKind::Incomplete => f.write_str("incomplete expression"),
            ErrorKind::TooDeep => f.write_str("expression is nested too deeply to evaluate"),
            ErrorKind::Block(e) => write!(f, "{e}"),
        }
    }
}

/// An error from evaluating an expression or decoding a body.
///
/// `Display` is the message (`"a" should be array, got string`);
/// [`EvalError::render`] adds the position as upstream prints it.
///
/// The contents are boxed so that results stay small: evaluation recurses,
/// and every frame holds a few of them.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalError(Box<Inner>);

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    range: Option<TextRange>,
    subject: Option<String>,
    kind: ErrorKind,
    value: Option<String>,
}

impl EvalError {
    pub fn new(kind: ErrorKind, range: Option<TextRange>) -> EvalError {
        EvalError(Box::new(Inner {
            range,
            subject: None,
            kind,
            value: None,
        }))
    }

    /// An error about the value of `expr`: the message starts with the
    /// expression's text.
    pub(crate) fn about(expr: &Expr, base: TextSize, kind: ErrorKind) -> EvalError {
        EvalError(Box::new(Inner {
            range: Some(expr.syntax().text_range() + base),
            subject: Some(expr_text(expr)),
            kind,
            value: None,
        }))
    }

    /// Turns a value error about the value of `expr` into a diagnostic
    /// naming the innermost expression that produced the culprit. `base`
    /// is added to the tree's offsets (non-zero when `expr` was re-rooted
    /// from a stored origin).
    pub fn from_value_error(expr: &Expr, base: TextSize, error: &ValueError) -> EvalError {
        let (node, rest) = locate(expr, error.path());
        let path: String = rest.iter().map(ToString::to_string).collect();
        EvalError(Box::new(Inner {
            range: Some(node.syntax().text_range() + base),
            subject: Some(format!("{}{path}", expr_text(&node))),
            kind: ErrorKind::Value(error.kind().clone()),
            value: if rest.is_empty() {
                None
            } else {
                error.value().map(ToString::to_string)
            },
        }))
    }

    /// Byte range in the file of the expression or statement at fault;
    /// `None` for errors upstream reports without a position (missing
    /// required attributes and blocks).
    pub fn range(&self) -> Option<TextRange> {
        self.0.range
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The expression text (and path) the message is about, if any.
    pub fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }

    /// The offending value as Alloy syntax (secrets redacted), when the
    /// subject is not the value itself (upstream's `Diagnostic.Value`).
    pub fn value_text(&self) -> Option<&str> {
        self.0.value.as_deref()
    }

    /// `file:line:col: message` as upstream's `Diagnostic.Error()`
    /// (`line:col: message` for an empty file name, the bare message when
    /// there is no position).
    pub fn render(&self, file: &str, index: &LineIndex) -> String {
        let Some(range) = self.0.range else {
            return self.to_string();
        };
        let at = index.line_col(range.start().into());
        if file.is_empty() {
            format!("{}:{}: {self}", at.line, at.col)
        } else {
            format!("{file}:{}:{}: {self}", at.line, at.col)
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.subject {
            Some(subject) => write!(f, "{subject} {}", self.0.kind),
            None => write!(f, "{}", self.0.kind),
        }
    }
}

impl std::error::Error for EvalError {}

/// The expression as upstream's printer formats it, or its source text
/// when it cannot be formatted (a tree with syntax errors).
pub(crate) fn expr_text(expr: &Expr) -> String {
    alloy_fmt::format_node(expr.syntax(), 0).unwrap_or_else(|_| expr.syntax().text().to_string())
}

/// Follows `path` through array and object literals; returns the deepest
/// expression reached and the part of the path left over.
fn locate<'p>(expr: &Expr, path: &'p [PathSegment]) -> (Expr, &'p [PathSegment]) {
    let mut current = expr.clone();
    let mut rest = path;
    while let Some((segment, tail)) = rest.split_first() {
        let next = match (&current, segment) {
            (Expr::Array(array), PathSegment::Index(i)) => array.elements().nth(*i),
            (Expr::Object(object), PathSegment::Field(name)) => object
                .fields()
                .filter(|field| field.name().as_deref() == Some(name.as_str()))
                .last()
                .and_then(|field| field.value()),
            _ => None,
        };
        match next {
            Some(next) => {
                current = next;
                rest = tail;
            }
            None => break,
        }
    }
    (current, rest)
}
