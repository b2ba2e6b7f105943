//! `otelcol.processor.filter`: drops spans, span events, metrics, data
//! points and log records matching any of the configured OTTL conditions.
//! Dropped items are counted on `otelcol_processor_filter_*_filtered`.

use std::sync::Arc;
use std::time::Instant;

use alloy_ottl::{compile_condition, infer_context, CompiledCondition, Context, Kind2};

use crate::consumer::{Consumer, Outputs};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::processor::ottl_common::{contexts_of, diagnostics_error, parse_context, ErrorMode};
use crate::telemetry::{Counter, ProcessorObs, Registry};

/// A `*_conditions` block (newer releases): context optional (inferred).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextConditions {
    pub context: Option<String>,
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterConfig {
    pub error_mode: ErrorMode,
    pub span: Vec<String>,
    pub spanevent: Vec<String>,
    pub metric: Vec<String>,
    pub datapoint: Vec<String>,
    pub log_record: Vec<String>,
    pub trace_conditions: Vec<ContextConditions>,
    pub metric_conditions: Vec<ContextConditions>,
    pub log_conditions: Vec<ContextConditions>,
}

#[derive(Default)]
struct Conditions {
    by_context: Vec<(Context, Vec<CompiledCondition>)>,
}

impl Conditions {
    fn add(&mut self, field: &str, context: Context, texts: &[String]) -> Result<(), ConfigError> {
        for t in texts {
            let c = compile_condition(context, t).map_err(|d| diagnostics_error(field, t, &d))?;
            match self.by_context.iter_mut().find(|(ctx, _)| *ctx == context) {
                Some((_, v)) => v.push(c),
                None => self.by_context.push((context, vec![c])),
            }
        }
        Ok(())
    }

    fn add_blocks(
        &mut self,
        field: &str,
        blocks: &[ContextConditions],
        signal: SignalKind,
    ) -> Result<(), ConfigError> {
        for b in blocks {
            match &b.context {
                Some(ctx) => {
                    let c = parse_context(&format!("{field}.context"), ctx, signal)?;
                    self.add(&format!("{field}.conditions"), c, &b.conditions)?;
                }
                None => {
                    for t in &b.conditions {
                        let c = infer_context(&[t.as_str()], Kind2::Condition, contexts_of(signal)).ok_or_else(|| {
                            ConfigError::invalid(
                                format!("{field}.conditions"),
                                format!(
                                    "unable to infer a context from condition {t:?}: prefix its paths with one of {} or set context",
                                    contexts_of(signal).iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
                                ),
                            )
                        })?;
                        self.add(&format!("{field}.conditions"), c, std::slice::from_ref(t))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn of(&self, c: Context) -> &[CompiledCondition] {
        self.by_context
            .iter()
            .find(|(x, _)| *x == c)
            .map_or(&[], |(_, v)| v.as_slice())
    }

    /// Resource and scope conditions drop every item below them; the
    /// item-level filters treat them as extra conditions on each item.
    fn item_level(&self, item: Context) -> Vec<CompiledCondition> {
        let mut out = self.of(item).to_vec();
        out.extend(self.of(Context::Resource).iter().cloned());
        out.extend(self.of(Context::Scope).iter().cloned());
        out
    }
}

pub struct FilterProcessor {
    id: String,
    error_mode: ErrorMode,
    traces: Conditions,
    metrics: Conditions,
    logs: Conditions,
    outputs: Outputs,
    obs: [ProcessorObs; 3],
    filtered: [Counter; 3],
}

impl FilterProcessor {
    pub fn new(
        component_id: &str,
        cfg: FilterConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        let mut traces = Conditions::default();
        traces.add("traces.span", Context::Span, &cfg.span)?;
        traces.add("traces.spanevent", Context::SpanEvent, &cfg.spanevent)?;
        traces.add_blocks(
            "trace_conditions",
            &cfg.trace_conditions,
            SignalKind::Traces,
        )?;
        let mut metrics = Conditions::default();
        metrics.add("metrics.metric", Context::Metric, &cfg.metric)?;
        metrics.add("metrics.datapoint", Context::DataPoint, &cfg.datapoint)?;
        metrics.add_blocks(
            "metric_conditions",
            &cfg.metric_conditions,
            SignalKind::Metrics,
        )?;
        let mut logs = Conditions::default();
        logs.add("logs.log_record", Context::Log, &cfg.log_record)?;
        logs.add_blocks("log_conditions", &cfg.log_conditions, SignalKind::Logs)?;
        let label = format!("filter/{component_id}");
        let filtered = |name: &str, help: &str| {
            registry.int_counter(name, help, &[("filter", label.as_str())])
        };
        Ok(Arc::new(FilterProcessor {
            id: component_id.to_owned(),
            error_mode: cfg.error_mode,
            traces,
            metrics,
            logs,
            outputs,
            obs: [
                ProcessorObs::new(registry, &label, SignalKind::Traces),
                ProcessorObs::new(registry, &label, SignalKind::Metrics),
                ProcessorObs::new(registry, &label, SignalKind::Logs),
            ],
            filtered: [
                filtered(
                    "otelcol_processor_filter_spans_filtered_total",
                    "Number of spans dropped by the filter processor",
                ),
                filtered(
                    "otelcol_processor_filter_datapoints_filtered_total",
                    "Number of metric data points dropped by the filter processor",
                ),
                filtered(
                    "otelcol_processor_filter_logs_filtered_total",
                    "Number of logs dropped by the filter processor",
                ),
            ],
        }))
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        Ok(())
    }

    pub fn process_traces(&self, data: &mut Traces) -> Result<(), ConsumeError> {
        if self.traces.by_context.is_empty() {
            return Ok(());
        }
        data.decode_in_place()?;
        let spans = self.traces.item_level(Context::Span);
        let events = self.traces.of(Context::SpanEvent);
        let d = alloy_ottl::run::filter_traces(
            &spans,
            events,
            &mut data.resource_spans,
            &mut self.error_mode.handler(&self.id),
        )
        .map_err(|e| ConsumeError::permanent(e.message))?;
        self.filtered[0].inc_by(d.items as u64);
        Ok(())
    }

    pub fn process_metrics(&self, data: &mut Metrics) -> Result<(), ConsumeError> {
        if self.metrics.by_context.is_empty() {
            return Ok(());
        }
        let metrics = self.metrics.item_level(Context::Metric);
        let points = self.metrics.of(Context::DataPoint);
        let d = alloy_ottl::run::filter_metrics(
            &metrics,
            points,
            &mut data.resource_metrics,
            &mut self.error_mode.handler(&self.id),
        )
        .map_err(|e| ConsumeError::permanent(e.message))?;
        self.filtered[1].inc_by(d.items as u64);
        Ok(())
    }

    pub fn process_logs(&self, data: &mut Logs) -> Result<(), ConsumeError> {
        if self.logs.by_context.is_empty() {
            return Ok(());
        }
        let conds = self.logs.item_level(Context::Log);
        let d = alloy_ottl::run::filter_logs(
            &conds,
            &mut data.resource_logs,
            &mut self.error_mode.handler(&self.id),
        )
        .map_err(|e| ConsumeError::permanent(e.message))?;
        self.filtered[2].inc_by(d.items as u64);
        Ok(())
    }

    /// Upstream forwards nothing when everything was dropped.
    async fn forward<S: Signal>(
        &self,
        before: u64,
        data: S,
        processed: Result<(), ConsumeError>,
    ) -> Result<(), ConsumeError> {
        let obs = &self.obs[S::KIND as usize];
        obs.incoming.inc_by(before);
        processed?;
        let n = data.item_count() as u64;
        if n == 0 {
            return Ok(());
        }
        self.outputs.for_signal(S::KIND).consume(data).await?;
        obs.outgoing.inc_by(n);
        Ok(())
    }
}

impl Consumer for FilterProcessor {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        let before = data.item_count() as u64;
        let r = self.process_traces(&mut data);
        Box::pin(self.forward(before, data, r))
    }
    fn consume_metrics(&self, mut data: Metrics) -> ConsumeFuture<'_> {
        let before = data.item_count() as u64;
        let r = self.process_metrics(&mut data);
        Box::pin(self.forward(before, data, r))
    }
    fn consume_logs(&self, mut data: Logs) -> ConsumeFuture<'_> {
        let before = data.item_count() as u64;
        let r = self.process_logs(&mut data);
        Box::pin(self.forward(before, data, r))
    }
    fn has_capacity(&self, kind: SignalKind) -> bool {
        self.outputs.for_signal(kind).has_capacity(kind)
    }
}
