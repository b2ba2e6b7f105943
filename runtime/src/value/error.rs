//! Errors about a value: what is wrong and where inside the value.
//!
//! A conversion that fails deep inside a value (the third element of a list
//! in an object) records the path to the culprit. The evaluator later walks
//! that path through the expression that produced the value, so the message
//! can name the innermost expression written in the file, as upstream does:
//! `"Hello, world!" should be number, got string` for a literal, or
//! `key_value.object.field1[2] should be number, got string` when the value
//! came from a variable.

use std::fmt;

use super::{Type, Value};

/// One step into a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    Field(String),
    Index(usize),
}

impl fmt::Display for PathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Field(name) => write!(f, ".{name}"),
            PathSegment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// What is wrong with a value.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueErrorKind {
    /// `should be <expected>, got <actual>`.
    Type { expected: Type, actual: Type },
    /// `secrets may not be converted into strings`.
    SecretToString,
    /// `does not have field named "x"`: an object key with no matching
    /// field in a fixed-shape target.
    MissingKey(String),
    /// A message from a conversion, such as a duration parse error.
    Other(String),
}

impl fmt::Display for ValueErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueErrorKind::Type { expected, actual } => {
                write!(f, "should be {expected}, got {actual}")
            }
            ValueErrorKind::SecretToString => {
                f.write_str("secrets may not be converted into strings")
            }
            ValueErrorKind::MissingKey(key) => write!(
                f,
                "does not have field named {}",
                alloy_syntax::unicode::go_quote(key.as_bytes())
            ),
            ValueErrorKind::Other(message) => f.write_str(message),
        }
    }
}

/// A value that could not be converted or used, with the path from the
/// value handed to the conversion down to the offending part.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueError {
    path: Vec<PathSegment>,
    kind: ValueErrorKind,
    /// The offending value, rendered (redacted) in diagnostics when the
    /// expression that names it is not the value itself.
    value: Option<Value>,
}

impl ValueError {
    pub fn new(kind: ValueErrorKind, value: &Value) -> ValueError {
        ValueError {
            path: Vec::new(),
            kind,
            value: Some(value.clone()),
        }
    }

    /// `value` should have had type `expected`.
    pub fn type_mismatch(value: &Value, expected: Type) -> ValueError {
        ValueError::new(
            ValueErrorKind::Type {
                expected,
                actual: value.ty(),
            },
            value,
        )
    }

    pub fn other(message: impl Into<String>, value: &Value) -> ValueError {
        ValueError::new(ValueErrorKind::Other(message.into()), value)
    }

    /// Records that the error happened inside element `index`.
    #[must_use]
    pub fn in_index(mut self, index: usize) -> ValueError {
        self.path.insert(0, PathSegment::Index(index));
        self
    }

    /// Records that the error happened inside field `name`.
    #[must_use]
    pub fn in_field(mut self, name: impl Into<String>) -> ValueError {
        self.path.insert(0, PathSegment::Field(name.into()));
        self
    }

    pub fn path(&self) -> &[PathSegment] {
        &self.path
    }

    pub fn kind(&self) -> &ValueErrorKind {
        &self.kind
    }

    /// The offending value (the innermost one, at the end of the path).
    pub fn value(&self) -> Option<&Value> {
        self.value.as_ref()
    }

    /// The path as upstream prints it: `.object.field1[2]`.
    pub fn path_text(&self) -> String {
        self.path.iter().map(ToString::to_string).collect()
    }
}

/// Without an expression to name, upstream prints the path then the
/// message: `[2] should be number, got string`.
impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{} {}", self.path_text(), self.kind)
        }
    }
}

impl std::error::Error for ValueError {}
