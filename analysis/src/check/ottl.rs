//! OTTL inside Alloy strings: every statement and condition of the
//! transform, filter and tail-sampling components is parsed and
//! type-checked by `alloy-ottl`, and its errors point at the exact bytes
//! inside the string literal (mapped through escapes when ranges are made).
//! Upstream checks none of this before the collector starts.

use alloy_ottl::{check as ottl_check, infer_context, Context, Kind2};

use super::sem::{Anchor, SemDiag, Span};
use super::Cx;
use crate::codes::Code;
use crate::hir::{Body, ExprId, ExprKind, Literal};

/// Where OTTL text sits: the statement kind and how its context is known.
enum Site {
    /// The context is this fixed one.
    Fixed(Kind2, Context),
    /// The block's `context` attribute names it (required unless
    /// `infer`, in which case each string infers its own among `among`).
    FromBlock(Kind2, &'static [Context], bool),
    /// Inferred from path prefixes among these contexts.
    Inferred(Kind2, &'static [Context]),
}

const TRACE: &[Context] = &[
    Context::Resource,
    Context::Scope,
    Context::Span,
    Context::SpanEvent,
];
const METRIC: &[Context] = &[
    Context::Resource,
    Context::Scope,
    Context::Metric,
    Context::DataPoint,
];
const LOG: &[Context] = &[Context::Resource, Context::Scope, Context::Log];

fn site(owner: &str, path: &[String], attr: &str) -> Option<Site> {
    use Kind2::{Condition as C, Statement as S};
    let block = path.last().map(String::as_str);
    Some(match (owner, block, attr) {
        ("otelcol.processor.transform", Some("trace_statements"), "statements") => {
            Site::FromBlock(S, TRACE, false)
        }
        ("otelcol.processor.transform", Some("metric_statements"), "statements") => {
            Site::FromBlock(S, METRIC, false)
        }
        ("otelcol.processor.transform", Some("log_statements"), "statements") => {
            Site::FromBlock(S, LOG, false)
        }
        ("otelcol.processor.transform", Some("trace_statements"), "conditions") => {
            Site::FromBlock(C, TRACE, false)
        }
        ("otelcol.processor.transform", Some("metric_statements"), "conditions") => {
            Site::FromBlock(C, METRIC, false)
        }
        ("otelcol.processor.transform", Some("log_statements"), "conditions") => {
            Site::FromBlock(C, LOG, false)
        }
        ("otelcol.processor.transform", Some("statements"), "trace") => Site::Inferred(S, TRACE),
        ("otelcol.processor.transform", Some("statements"), "metric") => Site::Inferred(S, METRIC),
        ("otelcol.processor.transform", Some("statements"), "log") => Site::Inferred(S, LOG),
        ("otelcol.processor.filter", Some("traces"), "span") => Site::Fixed(C, Context::Span),
        ("otelcol.processor.filter", Some("traces"), "spanevent") => {
            Site::Fixed(C, Context::SpanEvent)
        }
        ("otelcol.processor.filter", Some("metrics"), "metric") => Site::Fixed(C, Context::Metric),
        ("otelcol.processor.filter", Some("metrics"), "datapoint") => {
            Site::Fixed(C, Context::DataPoint)
        }
        ("otelcol.processor.filter", Some("logs"), "log_record") => Site::Fixed(C, Context::Log),
        ("otelcol.processor.filter", Some("trace_conditions"), "conditions") => {
            Site::FromBlock(C, TRACE, true)
        }
        ("otelcol.processor.filter", Some("metric_conditions"), "conditions") => {
            Site::FromBlock(C, METRIC, true)
        }
        ("otelcol.processor.filter", Some("log_conditions"), "conditions") => {
            Site::FromBlock(C, LOG, true)
        }
        ("otelcol.processor.tail_sampling", Some("ottl_condition"), "span") => {
            Site::Fixed(C, Context::Span)
        }
        ("otelcol.processor.tail_sampling", Some("ottl_condition"), "spanevent") => {
            Site::Fixed(C, Context::SpanEvent)
        }
        _ => return None,
    })
}

fn string_of(cx: &Cx<'_, '_>, id: ExprId) -> Option<String> {
    match &cx.data.expr(id).kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.to_string()),
        ExprKind::Paren(inner) => string_of(cx, *inner),
        _ => None,
    }
}

/// String literals of a list value (other elements are not OTTL we can see).
fn strings(cx: &Cx<'_, '_>, id: ExprId) -> Vec<(ExprId, String)> {
    match &cx.data.expr(id).kind {
        ExprKind::Array(items) => items
            .iter()
            .filter_map(|i| string_of(cx, *i).map(|s| (*i, s)))
            .collect(),
        ExprKind::Paren(inner) => strings(cx, *inner),
        _ => Vec::new(),
    }
}

fn report(cx: &mut Cx<'_, '_>, id: ExprId, diags: Vec<alloy_ottl::Diagnostic>) {
    let node = cx.data.expr(id).node;
    // Valid OTTL that the runtime does not run yet is the runtime's to
    // refuse (by name, when the component starts), not a finding.
    for d in diags.into_iter().filter(|d| !d.unsupported) {
        let at = Anchor::item(
            cx.item,
            node,
            Span::InString(d.span.start as u32, d.span.end.max(d.span.start + 1) as u32),
        );
        let mut diag = SemDiag::extended(Code::InvalidOttl, at, d.message);
        if let Some(help) = d.help {
            diag = diag.with_note(help);
        }
        cx.out.push(diag);
    }
}

/// Checks the OTTL in the attributes of one block body.
pub fn check_body(cx: &mut Cx<'_, '_>, body: &Body, path: &[String]) {
    let owner = cx.owner;
    if !owner.starts_with("otelcol.processor.") {
        return;
    }
    let context_attr = body
        .attrs()
        .find(|a| a.name == "context")
        .and_then(|a| a.value);
    for attr in body.attrs() {
        let Some(value) = attr.value else { continue };
        let Some(site) = site(owner, path, &attr.name) else {
            continue;
        };
        let items = strings(cx, value);
        match site {
            Site::Fixed(kind, ctx) => {
                for (id, text) in items {
                    let d = ottl_check(ctx, &text, kind);
                    report(cx, id, d);
                }
            }
            Site::FromBlock(kind, among, infer) => {
                let ctx = match context_attr {
                    Some(c) => match string_of(cx, c) {
                        Some(name) => match Context::parse(&name).filter(|c| among.contains(c)) {
                            Some(ctx) => Some(ctx),
                            None => {
                                let node = cx.data.expr(c).node;
                                cx.out.push(
                                    SemDiag::extended(
                                        Code::InvalidOttl,
                                        Anchor::item(cx.item, node, Span::Node),
                                        format!("unknown OTTL context {name:?} here"),
                                    )
                                    .with_note(format!(
                                        "expected one of: {}",
                                        among
                                            .iter()
                                            .map(|c| c.name())
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    )),
                                );
                                return;
                            }
                        },
                        None => return,
                    },
                    None if infer => None,
                    None => return,
                };
                for (id, text) in items {
                    let ctx = ctx.or_else(|| infer_context(&[text.as_str()], kind, among));
                    check_one(cx, id, &text, kind, ctx, among);
                }
            }
            Site::Inferred(kind, among) => {
                for (id, text) in items {
                    let ctx = infer_context(&[text.as_str()], kind, among);
                    check_one(cx, id, &text, kind, ctx, among);
                }
            }
        }
    }
}

/// For editors: whether the string attribute `attr` of block `path` in
/// component `owner` holds OTTL, as what kind, in which contexts (the
/// fixed one first when the site has one).
pub fn ottl_site(
    owner: &str,
    path: &[String],
    attr: &str,
) -> Option<(Kind2, &'static [Context], Option<Context>)> {
    Some(match site(owner, path, attr)? {
        Site::Fixed(k, c) => (
            k,
            match c {
                Context::Span | Context::SpanEvent => TRACE,
                Context::Metric | Context::DataPoint => METRIC,
                _ => LOG,
            },
            Some(c),
        ),
        Site::FromBlock(k, among, _) | Site::Inferred(k, among) => (k, among, None),
    })
}

fn check_one(
    cx: &mut Cx<'_, '_>,
    id: ExprId,
    text: &str,
    kind: Kind2,
    ctx: Option<Context>,
    among: &[Context],
) {
    match ctx {
        Some(ctx) => {
            let d = ottl_check(ctx, text, kind);
            report(cx, id, d);
        }
        None => {
            // Syntax errors first; otherwise the text names no context.
            let d = ottl_check(among[among.len() - 1], text, kind);
            if d.iter().any(|d| !d.message.starts_with("invalid path"))
                || d.is_empty() && text.trim().is_empty()
            {
                report(cx, id, d);
                return;
            }
            let node = cx.data.expr(id).node;
            cx.out.push(
                SemDiag::extended(
                    Code::InvalidOttl,
                    Anchor::item(cx.item, node, Span::Node),
                    "unable to infer the OTTL context: no path names one".to_owned(),
                )
                .with_note(format!(
                    "prefix the paths with one of: {}",
                    among
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
}
