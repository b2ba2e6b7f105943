//! Evaluation of Alloy expressions and bodies over the typed AST.
//!
//! * [`evaluate`]: one expression in a [`Scope`].
//! * [`evaluate_body`]: a body without a schema, into a [`BodyValue`].
//! * [`decode_body`] / [`decode_block`]: a body checked against a catalogue
//!   schema, with upstream's block messages and argument conversions.
//!
//! Errors are [`EvalError`]s: a message in upstream's words and the byte
//! range of the expression or statement at fault.
//!
//! A controller decodes each component's body against its catalogue
//! schema, reads typed arguments, and publishes the exports for later
//! components:
//!
//! ```
//! use alloy_runtime::eval::{decode_body, Scope};
//! use alloy_runtime::value::{Object, Value};
//!
//! let parse = alloy_syntax::parse(r#"local.file "token" { filename = sys.env("HOME") + "/t" }"#);
//! let Some(alloy_syntax::ast::Stmt::Block(block)) = parse.tree().statements().next() else {
//!     unreachable!()
//! };
//! let schema = alloy_analysis::catalogue::component(&block.name()).unwrap().body();
//! let mut scope = Scope::new();
//! let args = decode_body(block.statements(), &scope, &schema)
//!     .map_err(|e| e.render("config.alloy", &parse.line_index()))
//!     .unwrap();
//! let filename: String = args.require("filename").unwrap();
//! assert!(filename.ends_with("/t"));
//!
//! let mut exports = Object::new();
//! exports.insert("content", Value::from("file text"));
//! scope.insert_path(&["local", "file", "token"], Value::object(exports));
//! assert_eq!(
//!     alloy_runtime::eval::evaluate_str("local.file.token.content", &scope).unwrap(),
//!     Value::from("file text"),
//! );
//! ```

mod body;
mod decode;
mod error;
mod expr;
mod gomath;
mod literal;
pub mod ops;
mod scope;

use alloy_syntax::ast::Expr;
use alloy_syntax::TextSize;

pub use body::{
    evaluate_block_to_object, evaluate_body, evaluate_body_to_object, AttributeValue, BlockValue,
    BodyItem, BodyValue, ExprOrigin,
};
pub use decode::{decode_block, decode_body};
pub use error::{BlockError, ErrorKind, EvalError};
pub use expr::MAX_EVAL_DEPTH;
pub use scope::Scope;

use crate::value::{FromValue, Value};

/// Evaluates an expression.
pub fn evaluate(expr: &Expr, scope: &Scope) -> Result<Value, EvalError> {
    expr::Evaluator::new(scope, TextSize::from(0)).eval(expr)
}

/// Evaluates an expression and converts the result, reporting a failed
/// conversion against the expression (upstream's `Evaluate` into a typed
/// Go value).
pub fn evaluate_as<T: FromValue>(expr: &Expr, scope: &Scope) -> Result<T, EvalError> {
    let value = evaluate(expr, scope)?;
    T::from_value(&value).map_err(|e| EvalError::from_value_error(expr, TextSize::from(0), &e))
}

/// Why [`evaluate_str`] failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpressionError {
    /// The text is not one expression; upstream's parser messages.
    Syntax(Vec<alloy_syntax::SyntaxError>),
    Eval(EvalError),
}

impl std::fmt::Display for ExpressionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpressionError::Syntax(errors) => match errors.first() {
                Some(first) => write!(f, "{}", first.kind),
                None => f.write_str("syntax error"),
            },
            ExpressionError::Eval(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ExpressionError {}

/// Parses and evaluates one expression; for tools, tests and the REPL-like
/// corners of the CLI.
pub fn evaluate_str(text: &str, scope: &Scope) -> Result<Value, ExpressionError> {
    let parse = alloy_syntax::parse_expression(text);
    if parse.has_errors() {
        return Err(ExpressionError::Syntax(parse.errors().to_vec()));
    }
    let expr = parse
        .tree()
        .expression()
        .ok_or_else(|| ExpressionError::Syntax(Vec::new()))?;
    evaluate(&expr, scope).map_err(ExpressionError::Eval)
}
