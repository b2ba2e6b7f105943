//! Running compiled statements and conditions over whole OTLP batches:
//! one [`TransformContext`] per item of the statement's context level.
//!
//! Errors go to `on_error`, which decides: return `Ok` to go on with the
//! next statement (upstream's `ignore`/`silent`), `Err` to stop the batch
//! (`propagate`).

use opentelemetry_proto::tonic::logs::v1::ResourceLogs;
use opentelemetry_proto::tonic::metrics::v1::{metric, Metric, ResourceMetrics};
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;

use crate::context::Context;
use crate::path::{Item, TransformContext};
use crate::plan::{CompiledCondition, CompiledStatement, ExecError};

pub type OnError<'e> = &'e mut dyn FnMut(ExecError) -> Result<(), ExecError>;

/// Statements of one context, run in order on each item, and the
/// group's `conditions` (any must match for the statements to run).
#[derive(Debug, Clone)]
pub struct Group {
    pub context: Context,
    pub conditions: Vec<CompiledCondition>,
    pub statements: Vec<CompiledStatement>,
}

impl Group {
    pub fn new(context: Context, statements: Vec<CompiledStatement>) -> Self {
        Group {
            context,
            conditions: Vec::new(),
            statements,
        }
    }
}

fn run_all(
    g: &Group,
    ctx: &mut TransformContext<'_>,
    on_error: OnError<'_>,
) -> Result<(), ExecError> {
    if !g.conditions.is_empty() && !any_matches(&g.conditions, ctx, on_error)? {
        return Ok(());
    }
    for s in &g.statements {
        if let Err(e) = s.execute(ctx) {
            on_error(e)?;
        }
    }
    Ok(())
}

/// Runs a group over every item of its context.
pub fn transform_traces(
    stmts: &Group,
    data: &mut [ResourceSpans],
    on_error: OnError<'_>,
) -> Result<(), ExecError> {
    let first = stmts;
    for rs in data.iter_mut() {
        let ResourceSpans {
            resource,
            scope_spans,
            schema_url,
        } = rs;
        if first.context == Context::Resource {
            let mut ctx =
                TransformContext::new(resource, Item::None).with_resource_schema_url(schema_url);
            run_all(stmts, &mut ctx, on_error)?;
            continue;
        }
        for ss in scope_spans.iter_mut() {
            let scope_url = &mut ss.schema_url;
            if first.context == Context::Scope {
                let mut ctx = TransformContext::new(resource, Item::None)
                    .with_scope(&mut ss.scope, Some(scope_url));
                run_all(stmts, &mut ctx, on_error)?;
                continue;
            }
            for span in ss.spans.iter_mut() {
                if first.context == Context::SpanEvent {
                    for i in 0..span.events.len() {
                        let mut ctx = TransformContext::new(resource, Item::SpanEvent(span, i))
                            .with_scope(&mut ss.scope, None);
                        run_all(stmts, &mut ctx, on_error)?;
                    }
                } else {
                    let mut ctx = TransformContext::new(resource, Item::Span(span))
                        .with_scope(&mut ss.scope, None);
                    run_all(stmts, &mut ctx, on_error)?;
                }
            }
        }
    }
    Ok(())
}

pub fn transform_logs(
    stmts: &Group,
    data: &mut [ResourceLogs],
    on_error: OnError<'_>,
) -> Result<(), ExecError> {
    let first = stmts;
    for rl in data.iter_mut() {
        let ResourceLogs {
            resource,
            scope_logs,
            schema_url,
        } = rl;
        if first.context == Context::Resource {
            let mut ctx =
                TransformContext::new(resource, Item::None).with_resource_schema_url(schema_url);
            run_all(stmts, &mut ctx, on_error)?;
            continue;
        }
        for sl in scope_logs.iter_mut() {
            if first.context == Context::Scope {
                let mut ctx = TransformContext::new(resource, Item::None)
                    .with_scope(&mut sl.scope, Some(&mut sl.schema_url));
                run_all(stmts, &mut ctx, on_error)?;
                continue;
            }
            for log in sl.log_records.iter_mut() {
                let mut ctx =
                    TransformContext::new(resource, Item::Log(log)).with_scope(&mut sl.scope, None);
                run_all(stmts, &mut ctx, on_error)?;
            }
        }
    }
    Ok(())
}

pub fn point_count(m: &Metric) -> usize {
    match &m.data {
        Some(metric::Data::Gauge(g)) => g.data_points.len(),
        Some(metric::Data::Sum(s)) => s.data_points.len(),
        Some(metric::Data::Histogram(h)) => h.data_points.len(),
        Some(metric::Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(metric::Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

pub fn transform_metrics(
    stmts: &Group,
    data: &mut [ResourceMetrics],
    on_error: OnError<'_>,
) -> Result<(), ExecError> {
    let first = stmts;
    for rm in data.iter_mut() {
        let ResourceMetrics {
            resource,
            scope_metrics,
            schema_url,
        } = rm;
        if first.context == Context::Resource {
            let mut ctx =
                TransformContext::new(resource, Item::None).with_resource_schema_url(schema_url);
            run_all(stmts, &mut ctx, on_error)?;
            continue;
        }
        for sm in scope_metrics.iter_mut() {
            if first.context == Context::Scope {
                let mut ctx = TransformContext::new(resource, Item::None)
                    .with_scope(&mut sm.scope, Some(&mut sm.schema_url));
                run_all(stmts, &mut ctx, on_error)?;
                continue;
            }
            for m in sm.metrics.iter_mut() {
                if first.context == Context::DataPoint {
                    for i in 0..point_count(m) {
                        let mut ctx = TransformContext::new(resource, Item::DataPoint(m, i))
                            .with_scope(&mut sm.scope, None);
                        run_all(stmts, &mut ctx, on_error)?;
                    }
                } else {
                    let mut ctx = TransformContext::new(resource, Item::Metric(m))
                        .with_scope(&mut sm.scope, None);
                    run_all(stmts, &mut ctx, on_error)?;
                }
            }
        }
    }
    Ok(())
}

/// Whether any condition matches (upstream's filter drops on any match).
/// A failing condition goes to `on_error`; if that lets it pass, the
/// condition counts as not matching.
pub fn any_matches(
    conds: &[CompiledCondition],
    ctx: &TransformContext<'_>,
    on_error: OnError<'_>,
) -> Result<bool, ExecError> {
    for c in conds {
        match c.eval(ctx) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(e) => on_error(e)?,
        }
    }
    Ok(false)
}

/// Counts of what a filter removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    pub items: usize,
}

/// Drops spans (and span events) matching the conditions; empty scopes and
/// resources go too.
pub fn filter_traces(
    span_conds: &[CompiledCondition],
    event_conds: &[CompiledCondition],
    data: &mut Vec<ResourceSpans>,
    on_error: OnError<'_>,
) -> Result<Dropped, ExecError> {
    let mut dropped = Dropped::default();
    for rs in data.iter_mut() {
        let ResourceSpans {
            resource,
            scope_spans,
            ..
        } = rs;
        for ss in scope_spans.iter_mut() {
            let mut keep = Vec::with_capacity(ss.spans.len());
            for mut span in std::mem::take(&mut ss.spans) {
                if !span_conds.is_empty() {
                    let ctx = TransformContext::new(resource, Item::Span(&mut span))
                        .with_scope(&mut ss.scope, None);
                    if any_matches(span_conds, &ctx, on_error)? {
                        dropped.items += 1;
                        continue;
                    }
                }
                if !event_conds.is_empty() {
                    let mut i = 0;
                    while i < span.events.len() {
                        let ctx = TransformContext::new(resource, Item::SpanEvent(&mut span, i))
                            .with_scope(&mut ss.scope, None);
                        if any_matches(event_conds, &ctx, on_error)? {
                            span.events.remove(i);
                        } else {
                            i += 1;
                        }
                    }
                }
                keep.push(span);
            }
            ss.spans = keep;
        }
        scope_spans.retain(|ss| !ss.spans.is_empty());
    }
    data.retain(|rs| !rs.scope_spans.is_empty());
    Ok(dropped)
}

pub fn filter_logs(
    conds: &[CompiledCondition],
    data: &mut Vec<ResourceLogs>,
    on_error: OnError<'_>,
) -> Result<Dropped, ExecError> {
    let mut dropped = Dropped::default();
    if conds.is_empty() {
        return Ok(dropped);
    }
    for rl in data.iter_mut() {
        let ResourceLogs {
            resource,
            scope_logs,
            ..
        } = rl;
        for sl in scope_logs.iter_mut() {
            let mut keep = Vec::with_capacity(sl.log_records.len());
            for mut log in std::mem::take(&mut sl.log_records) {
                let ctx = TransformContext::new(resource, Item::Log(&mut log))
                    .with_scope(&mut sl.scope, None);
                if any_matches(conds, &ctx, on_error)? {
                    dropped.items += 1;
                } else {
                    keep.push(log);
                }
            }
            sl.log_records = keep;
        }
        scope_logs.retain(|sl| !sl.log_records.is_empty());
    }
    data.retain(|rl| !rl.scope_logs.is_empty());
    Ok(dropped)
}

fn retain_points(m: &mut Metric, drop: &[bool]) {
    macro_rules! retain {
        ($v:expr) => {{
            let mut i = 0;
            $v.retain(|_| {
                i += 1;
                !drop[i - 1]
            });
        }};
    }
    match &mut m.data {
        Some(metric::Data::Gauge(g)) => retain!(g.data_points),
        Some(metric::Data::Sum(s)) => retain!(s.data_points),
        Some(metric::Data::Histogram(h)) => retain!(h.data_points),
        Some(metric::Data::ExponentialHistogram(h)) => retain!(h.data_points),
        Some(metric::Data::Summary(s)) => retain!(s.data_points),
        None => {}
    }
}

/// Drops metrics and data points matching the conditions; metrics left
/// without points, and empty scopes and resources, go too. `dropped`
/// counts data points.
pub fn filter_metrics(
    metric_conds: &[CompiledCondition],
    point_conds: &[CompiledCondition],
    data: &mut Vec<ResourceMetrics>,
    on_error: OnError<'_>,
) -> Result<Dropped, ExecError> {
    let mut dropped = Dropped::default();
    for rm in data.iter_mut() {
        let ResourceMetrics {
            resource,
            scope_metrics,
            ..
        } = rm;
        for sm in scope_metrics.iter_mut() {
            let mut keep = Vec::with_capacity(sm.metrics.len());
            for mut m in std::mem::take(&mut sm.metrics) {
                if !metric_conds.is_empty() {
                    let ctx = TransformContext::new(resource, Item::Metric(&mut m))
                        .with_scope(&mut sm.scope, None);
                    if any_matches(metric_conds, &ctx, on_error)? {
                        dropped.items += point_count(&m);
                        continue;
                    }
                }
                if !point_conds.is_empty() {
                    let n = point_count(&m);
                    let mut drop = vec![false; n];
                    for (i, d) in drop.iter_mut().enumerate() {
                        let ctx = TransformContext::new(resource, Item::DataPoint(&mut m, i))
                            .with_scope(&mut sm.scope, None);
                        *d = any_matches(point_conds, &ctx, on_error)?;
                    }
                    dropped.items += drop.iter().filter(|d| **d).count();
                    retain_points(&mut m, &drop);
                    if point_count(&m) == 0 && n > 0 {
                        continue;
                    }
                }
                keep.push(m);
            }
            sm.metrics = keep;
        }
        scope_metrics.retain(|sm| !sm.metrics.is_empty());
    }
    data.retain(|rm| !rm.scope_metrics.is_empty());
    Ok(dropped)
}
