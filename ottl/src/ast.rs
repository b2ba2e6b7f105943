//! The syntax tree of OTTL statements, conditions and value expressions.
//!
//! Every node carries the byte range it was parsed from, so that a caller
//! embedding OTTL in another language (an Alloy string) can map a
//! diagnostic back to its own file.

use std::ops::Range;

pub type Span = Range<usize>;

/// `editor(args) where condition`.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub editor: Call,
    pub condition: Option<BoolExpr>,
    pub span: Span,
}

/// A function invocation: an editor (lowercase name) or a converter
/// (uppercase name), with optional `[...]` keys on the result.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub name_span: Span,
    pub args: Vec<Arg>,
    pub keys: Vec<Key>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<(String, Span)>,
    pub value: Expr,
    pub span: Span,
}

/// A path: an optional context prefix is decided later (the parser does not
/// know which first segments are contexts), so `fields` holds every segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub keys: Vec<Key>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Str(String, Span),
    Int(i64, Span),
    Expr(Box<Expr>),
}

impl Key {
    pub fn span(&self) -> Span {
        match self {
            Key::Str(_, s) | Key::Int(_, s) => s.clone(),
            Key::Expr(e) => e.span.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    /// An uppercase word without parentheses: an enum symbol, or a function
    /// name passed to a `FunctionGetter` parameter.
    Symbol(String),
    Path(Path),
    Converter(Call),
    /// An editor where a value is expected: always an error, kept so the
    /// compiler reports it with its span.
    Editor(Call),
    List(Vec<Expr>),
    Map(Vec<(String, Span, Expr)>),
    Math(Box<Expr>, MathOp, Box<Expr>),
    Neg(Box<Expr>),
    /// What error recovery left in place of unparsable input.
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BoolExpr {
    Or(Vec<BoolExpr>),
    And(Vec<BoolExpr>),
    Not(Box<BoolExpr>),
    Cmp(Expr, CmpOp, Expr),
    Const(bool),
    Converter(Call),
}
