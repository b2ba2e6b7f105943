//! Function values: the stdlib and any host functions a controller adds.
//!
//! Upstream functions are Go functions whose parameters the VM decodes
//! with the normal conversion rules; here every function receives the
//! evaluated arguments and converts them itself (see `stdlib::args`). The
//! arity is declared so the caller can report upstream's
//! `expected N args, got M` before the function runs.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::{Value, ValueError};

/// How many arguments a function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    Exact(usize),
    AtLeast(usize),
    /// The function checks its arguments itself (upstream's raw functions,
    /// whose own messages differ, like `combine_maps: expected 3 or 4
    /// arguments, got 2`).
    Unchecked,
}

/// Why a call failed. The evaluator turns this into a message naming the
/// callee or the offending argument.
#[derive(Clone, Debug, PartialEq)]
pub enum CallError {
    /// `expected N args, got M` or `expected at least N args, got M`.
    Arity {
        expected: usize,
        at_least: bool,
        got: usize,
    },
    /// Argument `index` is unusable; the error's path points inside it.
    Arg { index: usize, error: ValueError },
    /// Argument `index` is unusable for a reason that is not about a part
    /// of it (`combine_maps: merge conditions must not be empty`).
    ArgMessage { index: usize, message: String },
    /// The function failed; upstream names the callee before the message
    /// (`encoding.to_json jsonEncode only supports map`).
    Failed(String),
    /// A failure upstream reports with no expression at all
    /// (`group_by: expected 3 arguments, got 2`).
    Bare(String),
}

impl CallError {
    pub fn arg(index: usize, error: ValueError) -> CallError {
        CallError::Arg { index, error }
    }

    pub fn failed(message: impl fmt::Display) -> CallError {
        CallError::Failed(message.to_string())
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Arity {
                expected,
                at_least,
                got,
            } => {
                let at_least = if *at_least { "at least " } else { "" };
                write!(f, "expected {at_least}{expected} args, got {got}")
            }
            CallError::Arg { error, .. } => write!(f, "{error}"),
            CallError::ArgMessage { message, .. }
            | CallError::Failed(message)
            | CallError::Bare(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for CallError {}

/// The signature every function implementation has.
pub type FunctionImpl = dyn Fn(&[Value]) -> Result<Value, CallError> + Send + Sync;

struct FunctionInner {
    name: Cow<'static, str>,
    arity: Arity,
    imp: Box<FunctionImpl>,
}

/// A callable value. Cloning shares the function.
#[derive(Clone)]
pub struct Function(Arc<FunctionInner>);

impl Function {
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        arity: Arity,
        imp: impl Fn(&[Value]) -> Result<Value, CallError> + Send + Sync + 'static,
    ) -> Function {
        Function(Arc::new(FunctionInner {
            name: name.into(),
            arity,
            imp: Box::new(imp),
        }))
    }

    /// The name the function was registered under (for debugging; error
    /// messages quote the call's own text instead).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn arity(&self) -> Arity {
        self.0.arity
    }

    /// Checks the arity, then runs the function.
    pub fn call(&self, args: &[Value]) -> Result<Value, CallError> {
        match self.0.arity {
            Arity::Exact(n) if args.len() != n => {
                return Err(CallError::Arity {
                    expected: n,
                    at_least: false,
                    got: args.len(),
                })
            }
            Arity::AtLeast(n) if args.len() < n => {
                return Err(CallError::Arity {
                    expected: n,
                    at_least: true,
                    got: args.len(),
                })
            }
            _ => {}
        }
        (self.0.imp)(args)
    }

    pub fn ptr_eq(&self, other: &Function) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function({})", self.name())
    }
}
