//! Values against argument types.
//!
//! Literals and constant expressions are checked as upstream's validator
//! does ("expected string, got bool", the discovery-target conversion
//! error, enum values). Beyond upstream, references are given the type of
//! the export they name, so a `forward_to` holding a receiver of the wrong
//! kind, a list where a single value is expected, or an `output.traces`
//! pointing at a component that refuses traces are caught before `alloy
//! run` fails or silently drops data.

use super::runtime_values;
use super::sem::{Anchor, SemDiag, Span};
use super::Cx;
use crate::catalogue::{self, enum_rule, Argument, Capsule, Confidence, Signal, Type};
use crate::codes::{Code, Severity};
use crate::hir::{Attr, BinaryOp, ExprId, ExprKind, Literal, UnaryOp};
use crate::resolve::Target;

/// Value kinds in upstream's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Number,
    String,
    Bool,
    Null,
    Array,
    Object,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Bool => "bool",
            Kind::Null => "null",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

/// The kind a value must have for `ty`, in upstream's words.
fn expected_name(ty: &Type) -> &'static str {
    match ty {
        Type::String | Type::Duration => "string",
        Type::Number => "number",
        Type::Bool => "bool",
        Type::List(_) => "array",
        Type::Map(_) | Type::Object => "object",
        Type::Secret | Type::OptionalSecret | Type::Capsule(_) => "capsule",
        Type::Any => "any",
    }
}

struct Ctx<'a> {
    attr: &'a str,
    /// The innermost block the attribute is in (`endpoint`, `rule`).
    block: Option<&'a str>,
    /// The otelcol signal this attribute carries (`output.traces`).
    signal: Option<Signal>,
}

pub fn check_attribute(
    cx: &mut Cx<'_, '_>,
    attr: &Attr,
    arg: &Argument,
    value: ExprId,
    path: &[String],
) {
    let ty = arg.parsed_type();
    let signal = signal_of(cx.owner, path, &attr.name);
    let ctx = Ctx {
        attr: &attr.name,
        block: path.last().map(String::as_str),
        signal,
    };
    if is_targets(&attr.name, ty) {
        check_targets(cx, value);
    } else {
        check(cx, value, ty, &ctx);
    }
    if let Some(rule) = enum_rule(cx.owner, path, &attr.name) {
        if let Some(s) = string_literal(cx, value) {
            if !rule.allows(&s) {
                let node = cx.data.expr(value).node;
                cx.out.push(
                    SemDiag::new(
                        Code::InvalidEnumValue,
                        Anchor::item(cx.item, node, Span::Node),
                        rule.message_for(&s),
                    )
                    .with_note(format!(
                        "expected one of: {}",
                        rule.values
                            .iter()
                            .filter(|v| !v.is_empty())
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
    }
}

fn signal_of(owner: &str, path: &[String], attr: &str) -> Option<Signal> {
    if owner == "tracing" && path.is_empty() && attr == "write_to" {
        return Some(Signal::Traces);
    }
    if path.last().map(String::as_str) != Some("output") {
        return None;
    }
    match attr {
        "traces" => Some(Signal::Traces),
        "metrics" => Some(Signal::Metrics),
        "logs" => Some(Signal::Logs),
        _ => None,
    }
}

/// `[]discovery.Target` arguments, which convert their elements with their
/// own rules (and their own error text).
fn is_targets(name: &str, ty: &Type) -> bool {
    matches!(name, "targets" | "path_targets")
        && matches!(ty, Type::List(inner) if matches!(**inner, Type::Map(ref v) if **v == Type::String))
}

fn string_literal(cx: &Cx<'_, '_>, id: ExprId) -> Option<String> {
    match &cx.data.expr(id).kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.to_string()),
        ExprKind::Paren(inner) => string_literal(cx, *inner),
        _ => None,
    }
}

fn push(cx: &mut Cx<'_, '_>, id: ExprId, code: Code, message: String, upstream: bool) {
    let node = cx.data.expr(id).node;
    let at = Anchor::item(cx.item, node, Span::Node);
    cx.out.push(if upstream {
        SemDiag::new(code, at, message)
    } else {
        SemDiag::extended(code, at, message)
    });
}

fn check(cx: &mut Cx<'_, '_>, id: ExprId, ty: &Type, ctx: &Ctx<'_>) {
    if *ty == Type::Any {
        return;
    }
    let data = cx.data;
    let expr = data.expr(id);
    match &expr.kind {
        ExprKind::Paren(inner) => check(cx, *inner, ty, ctx),
        ExprKind::Literal(lit) => check_literal(cx, id, lit, ty, ctx),
        ExprKind::Array(items) => match ty {
            Type::List(inner) => {
                for item in items {
                    check(cx, *item, inner, ctx);
                }
            }
            _ => mismatch(cx, id, ty, Kind::Array),
        },
        ExprKind::Object(fields) => match ty {
            Type::Map(inner) => {
                for field in fields {
                    if let Some(v) = field.value {
                        check(cx, v, inner, ctx);
                    }
                }
            }
            Type::Object => {}
            _ => mismatch(cx, id, ty, Kind::Object),
        },
        ExprKind::Unary(..) | ExprKind::Binary(..) => {
            if let Some(kind) = const_kind(cx, id) {
                if !accepts_kind(ty, kind, None) {
                    mismatch(cx, id, ty, kind);
                }
            }
        }
        ExprKind::Ident(_) | ExprKind::Access(..) | ExprKind::Call(..) | ExprKind::Index(..) => {
            if let Some(inferred) = infer(cx, id) {
                check_inferred(cx, id, &inferred, ty, ctx);
            }
            if let (Some(signal), Type::Capsule(Capsule::OtelcolConsumer)) = (ctx.signal, ty) {
                check_signal(cx, id, signal);
            }
        }
        ExprKind::Missing => {}
    }
}

fn mismatch(cx: &mut Cx<'_, '_>, id: ExprId, ty: &Type, got: Kind) {
    if got == Kind::Null {
        return;
    }
    push(
        cx,
        id,
        Code::TypeMismatch,
        format!("expected {}, got {}", expected_name(ty), got.as_str()),
        true,
    );
}

/// Whether a value of `kind` decodes into `ty` (upstream's conversions:
/// numbers become strings, numeric strings become numbers, strings become
/// secrets).
fn accepts_kind(ty: &Type, kind: Kind, text: Option<&str>) -> bool {
    match (ty, kind) {
        (Type::Any, _) | (_, Kind::Null) => true,
        (Type::String | Type::Duration, Kind::String | Kind::Number) => true,
        (Type::Number, Kind::Number) => true,
        (Type::Number, Kind::String) => text.is_none_or(parses_as_number),
        (Type::Bool, Kind::Bool) => true,
        (Type::Secret | Type::OptionalSecret, Kind::String) => true,
        (Type::List(_), Kind::Array) => true,
        (Type::Map(_) | Type::Object, Kind::Object) => true,
        _ => false,
    }
}

fn parses_as_number(text: &str) -> bool {
    !text.is_empty() && text.parse::<f64>().is_ok()
}

fn check_literal(cx: &mut Cx<'_, '_>, id: ExprId, lit: &Literal, ty: &Type, ctx: &Ctx<'_>) {
    let (kind, text) = match lit {
        Literal::Int(_) | Literal::Float(_) => (Kind::Number, None),
        Literal::String(s) => (Kind::String, Some(s.as_ref())),
        Literal::Bool(_) => (Kind::Bool, None),
        Literal::Null => return,
    };
    if !accepts_kind(ty, kind, text) {
        mismatch(cx, id, ty, kind);
        return;
    }
    // A number converts to a string, which the component then parses as a
    // duration when it runs: `scrape_interval = 5` fails there with
    // `time: missing unit in duration "5"`.
    if let (Type::Duration, Literal::Int(n) | Literal::Float(n)) = (ty, lit) {
        let as_text = runtime_values::number_text(n);
        if let Some(message) = runtime_values::duration_error(&as_text) {
            push(cx, id, Code::InvalidDuration, message, false);
        }
        return;
    }
    let Some(text) = text else { return };
    match ty {
        Type::Duration => {
            if let Some(message) = runtime_values::duration_error(text) {
                push(cx, id, Code::InvalidDuration, message, false);
            }
        }
        Type::String if ctx.attr == "url" && ctx.block == Some("endpoint") => {
            if let Some(message) = runtime_values::url_error(text) {
                push(cx, id, Code::InvalidUrl, message, false);
            }
        }
        Type::String if ctx.attr == "regex" && ctx.block == Some("rule") => {
            if let Some(message) = runtime_values::rule_regex_error(text) {
                push(cx, id, Code::InvalidRegex, message, false);
            }
        }
        Type::Secret if !text.is_empty() => {
            let node = cx.data.expr(id).node;
            cx.out.push(
                SemDiag::extended(
                    Code::LiteralSecret,
                    Anchor::item(cx.item, node, Span::Node),
                    format!("secret {:?} is written as a literal", ctx.attr),
                )
                .with_note("read it with sys.env(\"...\") or local.file instead of committing it"),
            );
        }
        _ => {}
    }
}

/// The kind of a constant expression, reporting operand errors the way
/// upstream's validator does.
fn const_kind(cx: &mut Cx<'_, '_>, id: ExprId) -> Option<Kind> {
    let data = cx.data;
    let expr = data.expr(id);
    match &expr.kind {
        ExprKind::Literal(Literal::Int(_) | Literal::Float(_)) => Some(Kind::Number),
        ExprKind::Literal(Literal::String(_)) => Some(Kind::String),
        ExprKind::Literal(Literal::Bool(_)) => Some(Kind::Bool),
        ExprKind::Literal(Literal::Null) => Some(Kind::Null),
        ExprKind::Array(_) => Some(Kind::Array),
        ExprKind::Object(_) => Some(Kind::Object),
        ExprKind::Paren(inner) => const_kind(cx, *inner),
        ExprKind::Unary(op, operand) => {
            let want = match op {
                UnaryOp::Neg => Kind::Number,
                UnaryOp::Not => Kind::Bool,
            };
            let got = const_kind(cx, *operand)?;
            if got != want {
                push(
                    cx,
                    *operand,
                    Code::TypeMismatch,
                    format!("expected {}, got {}", want.as_str(), got.as_str()),
                    true,
                );
                return None;
            }
            Some(want)
        }
        ExprKind::Binary(op, lhs, rhs) => {
            let l = const_kind(cx, *lhs)?;
            let r = const_kind(cx, *rhs)?;
            if l != r && !matches!(op, BinaryOp::Eq | BinaryOp::Neq) {
                push(
                    cx,
                    id,
                    Code::TypeMismatch,
                    format!("expected {}, got {}", l.as_str(), r.as_str()),
                    true,
                );
                return None;
            }
            Some(match op {
                BinaryOp::Or
                | BinaryOp::And
                | BinaryOp::Eq
                | BinaryOp::Neq
                | BinaryOp::Lt
                | BinaryOp::Lte
                | BinaryOp::Gt
                | BinaryOp::Gte => Kind::Bool,
                _ => l,
            })
        }
        _ => None,
    }
}

/// The type of a reference or call, when the catalogue knows it.
fn infer(cx: &Cx<'_, '_>, id: ExprId) -> Option<Type> {
    let expr = cx.data.expr(id);
    match &expr.kind {
        ExprKind::Ident(_) | ExprKind::Access(..) => {
            let reference = cx.refs.get(&expr.node)?;
            match &reference.target {
                Target::Item { item, len } => {
                    let component = catalogue::component(item.name(cx.db))?;
                    let names = &reference.traversal.names;
                    if names.len() != len + 1 {
                        return None;
                    }
                    let export = component.export(&names[*len])?;
                    Some(export.parsed_type().clone())
                }
                Target::ScopeVar { foreach: None } => Some(Type::String),
                _ => None,
            }
        }
        ExprKind::Call(callee, _) => {
            let callee = cx.data.expr(*callee);
            let reference = cx.refs.get(&callee.node)?;
            if reference.target != Target::Stdlib {
                return None;
            }
            let function = catalogue::stdlib_function(&reference.traversal.joined())?;
            Some(match function.parsed_return_type() {
                Type::List(_) => Type::List(Box::new(Type::Any)),
                Type::Map(_) => Type::Map(Box::new(Type::Any)),
                other => other.clone(),
            })
        }
        _ => None,
    }
}

fn describe(ty: &Type) -> String {
    match ty {
        Type::Capsule(c) => c.name().to_owned(),
        other => expected_name(other).to_owned(),
    }
}

fn check_inferred(cx: &mut Cx<'_, '_>, id: ExprId, got: &Type, want: &Type, ctx: &Ctx<'_>) {
    match compat(got, want) {
        Compat::Ok => {}
        Compat::Kind => push(
            cx,
            id,
            Code::TypeMismatch,
            format!(
                "expected {}, got {}",
                expected_name(want),
                expected_name(got)
            ),
            false,
        ),
        Compat::Capsule(g, w) => {
            let text = cx
                .refs
                .get(&cx.data.expr(id).node)
                .map(|r| r.traversal.joined())
                .unwrap_or_default();
            push(
                cx,
                id,
                Code::CapsuleMismatch,
                format!(
                    "{:?} expects {}, but {text} is a {}",
                    ctx.attr,
                    describe(&w),
                    describe(&g)
                ),
                false,
            );
        }
        Compat::Secret => push(
            cx,
            id,
            Code::TypeMismatch,
            "secrets may not be converted into strings".to_owned(),
            false,
        ),
    }
}

enum Compat {
    Ok,
    Kind,
    Capsule(Type, Type),
    Secret,
}

fn compat(got: &Type, want: &Type) -> Compat {
    use Type::*;
    match (got, want) {
        (Any, _) | (_, Any) => Compat::Ok,
        (Secret, String | Duration) => Compat::Secret,
        (String | Number | Duration | OptionalSecret, String | Duration) => Compat::Ok,
        (Number | String, Number) => Compat::Ok,
        (Bool, Bool) => Compat::Ok,
        (String | Secret | OptionalSecret | Number, Secret | OptionalSecret) => Compat::Ok,
        (Capsule(g), Capsule(w)) => {
            if g == w {
                Compat::Ok
            } else {
                Compat::Capsule(got.clone(), want.clone())
            }
        }
        (List(g), List(w)) => compat(g, w),
        (Map(g), Map(w)) => compat(g, w),
        (Map(_) | Object, Map(_) | Object) => Compat::Ok,
        _ => Compat::Kind,
    }
}

fn check_signal(cx: &mut Cx<'_, '_>, id: ExprId, signal: Signal) {
    let node = cx.data.expr(id).node;
    let Some(reference) = cx.refs.get(&node) else {
        return;
    };
    let Target::Item { item, len } = reference.target else {
        return;
    };
    let Some(component) = catalogue::component(item.name(cx.db)) else {
        return;
    };
    if reference.traversal.names.get(len).map(|n| &**n) != Some("input") {
        return;
    }
    let signals = component.signals;
    if signals.accepts.contains(signal) {
        return;
    }
    let severity = match signals.confidence {
        Confidence::High => Severity::Error,
        Confidence::Medium => Severity::Warning,
    };
    let accepted: Vec<&str> = signals
        .accepts
        .iter()
        .filter(|s| s.is_otelcol())
        .map(|s| s.describe())
        .collect();
    let note = if accepted.is_empty() {
        format!("{} accepts no OpenTelemetry data", component.name)
    } else {
        format!("{} accepts {}", component.name, accepted.join(", "))
    };
    cx.out.push(
        SemDiag::extended(
            Code::SignalMismatch,
            Anchor::item(cx.item, node, Span::Node),
            format!(
                "{} does not accept {}",
                reference.traversal.names[..len].join("."),
                signal.describe()
            ),
        )
        .with_severity(severity)
        .with_note(note),
    );
}

/// `targets`: a list of objects; anything else is refused by
/// `discovery.Target`'s own conversion.
fn check_targets(cx: &mut Cx<'_, '_>, id: ExprId) {
    let want = Type::List(Box::new(Type::Map(Box::new(Type::String))));
    let data = cx.data;
    let expr = data.expr(id);
    match &expr.kind {
        ExprKind::Paren(inner) => check_targets(cx, *inner),
        ExprKind::Literal(lit) => {
            let kind = match lit {
                Literal::Int(_) | Literal::Float(_) => Kind::Number,
                Literal::String(_) => Kind::String,
                Literal::Bool(_) => Kind::Bool,
                Literal::Null => return,
            };
            mismatch(cx, id, &want, kind);
        }
        ExprKind::Object(_) => mismatch(cx, id, &want, Kind::Object),
        ExprKind::Array(items) => {
            for item in items {
                check_target_element(cx, *item);
            }
        }
        _ => {
            if let Some(inferred) = infer(cx, id) {
                let ctx = Ctx {
                    attr: "targets",
                    block: None,
                    signal: None,
                };
                check_inferred(cx, id, &inferred, &want, &ctx);
            }
        }
    }
}

fn check_target_element(cx: &mut Cx<'_, '_>, id: ExprId) {
    let data = cx.data;
    let expr = data.expr(id);
    let go_type = match &expr.kind {
        ExprKind::Paren(inner) => return check_target_element(cx, *inner),
        ExprKind::Literal(Literal::Int(text)) => int_go_type(text),
        ExprKind::Literal(Literal::Float(_)) => "float64",
        ExprKind::Literal(Literal::String(_)) => "string",
        ExprKind::Literal(Literal::Bool(_)) => "bool",
        ExprKind::Array(_) => "[]interface {}",
        ExprKind::Ident(_) | ExprKind::Access(..) => {
            if let Some(Type::List(_)) = infer(cx, id) {
                push(
                    cx,
                    id,
                    Code::InvalidTarget,
                    "target::ConvertFrom: conversion from '[]discovery.Target' is not supported"
                        .to_owned(),
                    false,
                );
                let last = cx.out.len() - 1;
                cx.out[last]
                    .notes
                    .push("this is already a list of targets: drop the surrounding [ ]".to_owned());
            }
            return;
        }
        _ => return,
    };
    push(
        cx,
        id,
        Code::InvalidTarget,
        format!("target::ConvertFrom: conversion from '{go_type}' is not supported"),
        true,
    );
}

/// Go's type for an integer literal: `int64`, else `uint64`, else `float64`.
fn int_go_type(text: &str) -> &'static str {
    if text.parse::<i64>().is_ok() {
        "int64"
    } else if text.parse::<u64>().is_ok() {
        "uint64"
    } else {
        "float64"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_go_and_prometheus() {
        for ok in ["0", "5s", "1m30s", "1.5h", "-2ms", "300us", "1d", "2w"] {
            assert_eq!(runtime_values::duration_error(ok), None, "{ok}");
        }
        for bad in ["", "5", "5 minutes", "abc", "1x", "s", "1h30"] {
            assert!(runtime_values::duration_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn go_types_of_integer_literals() {
        assert_eq!(int_go_type("10"), "int64");
        assert_eq!(int_go_type("18446744073709551615"), "uint64");
        assert_eq!(int_go_type("18446744073709551616"), "float64");
    }
}
