//! The OpenTelemetry Transformation Language.
//!
//! Statements are parsed (chumsky, byte spans, error recovery), checked
//! against the context's typed paths and the function library, and
//! compiled once into a plan that runs on OTLP data (the
//! `opentelemetry-proto` types the otelcol crate carries) without looking
//! at text again.
//!
//! Invariant: this crate knows nothing of Alloy syntax, the runtime or
//! editors. Callers hand it statement text and get back plans or
//! diagnostics whose spans are byte offsets into that text.

pub mod ast;
mod compile;
pub mod context;
mod diag;
pub mod funcs;
pub mod parser;
pub mod path;
pub mod plan;
pub mod run;
pub mod value;

/// The OTLP types plans run on.
pub use opentelemetry_proto as proto;

pub use compile::{camel, path_names};
pub use context::{Context, PathSpec, PathType};
pub use diag::{did_you_mean, Diagnostic};
pub use funcs::{FuncSpec, Kind, Param, FUNCTIONS};
pub use path::{Item, TransformContext};
pub use plan::{CompiledCondition, CompiledStatement, CompiledValue, ExecError};
pub use value::Value;

use compile::Compiler;

fn finish<T>(c: Compiler, out: Option<T>) -> Result<T, Vec<Diagnostic>> {
    match out {
        Some(o) if c.errors.is_empty() => Ok(o),
        _ if c.errors.is_empty() => Err(vec![Diagnostic::new(0..0, "invalid statement")]),
        _ => Err(c.errors),
    }
}

/// Parses and compiles one statement for `context`.
pub fn compile_statement(
    context: Context,
    text: &str,
) -> Result<CompiledStatement, Vec<Diagnostic>> {
    let stmt = parser::parse_statement(text)?;
    let mut c = Compiler::new(context);
    let editor = c.editor(&stmt);
    let condition = match &stmt.condition {
        Some(b) => c.condition(b).map(Some),
        None => Some(None),
    };
    let out = match (editor, condition) {
        (Some((editor, args)), Some(condition)) => Some(CompiledStatement {
            text: text.to_owned(),
            context,
            editor,
            args,
            condition,
        }),
        _ => None,
    };
    finish(c, out)
}

/// Parses and compiles a condition (a `where` clause without the keyword).
pub fn compile_condition(
    context: Context,
    text: &str,
) -> Result<CompiledCondition, Vec<Diagnostic>> {
    let b = parser::parse_condition(text)?;
    let mut c = Compiler::new(context);
    let cond = c.condition(&b);
    let out = cond.map(|cond| CompiledCondition {
        text: text.to_owned(),
        context,
        cond,
    });
    finish(c, out)
}

/// Parses and compiles a value expression.
pub fn compile_value(context: Context, text: &str) -> Result<CompiledValue, Vec<Diagnostic>> {
    let e = parser::parse_value(text)?;
    let mut c = Compiler::new(context);
    let g = c.getter(&e);
    finish(c, g.map(|getter| CompiledValue { context, getter }))
}

/// Whether `text` is a statement or a condition: the caller knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind2 {
    Statement,
    Condition,
}

/// All problems of one statement or condition (empty when it compiles).
pub fn check(context: Context, text: &str, what: Kind2) -> Vec<Diagnostic> {
    match what {
        Kind2::Statement => compile_statement(context, text).err().unwrap_or_default(),
        Kind2::Condition => compile_condition(context, text).err().unwrap_or_default(),
    }
}

/// The contexts whose names, used as path prefixes, appear in `text`
/// (parse errors give none).
pub fn prefixes_used(text: &str, what: Kind2) -> Vec<Context> {
    let mut out = Vec::new();
    let mut visit = |p: &ast::Path| {
        if p.fields.len() > 1 {
            if let Some(c) = Context::parse(&p.fields[0].name) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    };
    match what {
        Kind2::Statement => {
            if let Ok(s) = parser::parse_statement(text) {
                walk_call(&s.editor, &mut visit);
                if let Some(b) = &s.condition {
                    walk_bool(b, &mut visit);
                }
            }
        }
        Kind2::Condition => {
            if let Ok(b) = parser::parse_condition(text) {
                walk_bool(&b, &mut visit);
            }
        }
    }
    out
}

fn walk_call(c: &ast::Call, f: &mut dyn FnMut(&ast::Path)) {
    for a in &c.args {
        walk_expr(&a.value, f);
    }
    for k in &c.keys {
        if let ast::Key::Expr(e) = k {
            walk_expr(e, f);
        }
    }
}

fn walk_bool(b: &ast::BoolExpr, f: &mut dyn FnMut(&ast::Path)) {
    match b {
        ast::BoolExpr::Or(v) | ast::BoolExpr::And(v) => v.iter().for_each(|b| walk_bool(b, f)),
        ast::BoolExpr::Not(b) => walk_bool(b, f),
        ast::BoolExpr::Cmp(l, _, r) => {
            walk_expr(l, f);
            walk_expr(r, f);
        }
        ast::BoolExpr::Const(_) => {}
        ast::BoolExpr::Converter(c) => walk_call(c, f),
    }
}

/// Visits every path in an expression (also used by editors' tooling).
pub fn walk_expr(e: &ast::Expr, f: &mut dyn FnMut(&ast::Path)) {
    use ast::ExprKind::*;
    match &e.kind {
        Path(p) => {
            f(p);
            for field in &p.fields {
                for k in &field.keys {
                    if let ast::Key::Expr(e) = k {
                        walk_expr(e, f);
                    }
                }
            }
        }
        Converter(c) | Editor(c) => walk_call(c, f),
        List(items) => items.iter().for_each(|i| walk_expr(i, f)),
        Map(items) => items.iter().for_each(|(_, _, v)| walk_expr(v, f)),
        Math(l, _, r) => {
            walk_expr(l, f);
            walk_expr(r, f);
        }
        Neg(i) => walk_expr(i, f),
        _ => {}
    }
}

/// Upstream's context inference for statement lists without an explicit
/// context: the most specific context named by a path prefix among
/// `candidates` (ordered from least to most specific, e.g. resource,
/// scope, span, spanevent). `None` when no statement names one.
pub fn infer_context(texts: &[&str], what: Kind2, candidates: &[Context]) -> Option<Context> {
    let mut best: Option<usize> = None;
    for t in texts {
        for c in prefixes_used(t, what) {
            if let Some(i) = candidates.iter().position(|x| *x == c) {
                best = Some(best.map_or(i, |b| b.max(i)));
            }
        }
    }
    best.map(|i| candidates[i])
}
