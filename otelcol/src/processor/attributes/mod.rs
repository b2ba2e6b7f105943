//! `otelcol.processor.attributes`: edits span, log record and data point
//! attributes with ordered actions, optionally only for matching items.

pub(crate) mod action;
pub mod config;
pub(crate) mod matcher;

use std::sync::Arc;
use std::time::Instant;

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::metric;

use crate::consumer::{Consumer, Outputs};
use crate::error::{ConfigError, ShutdownError};
use crate::pdata::{ClientInfo, ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::telemetry::{ProcessorObs, Registry};

pub use action::string_attr;
pub use config::{
    severity_number, ActionConfig, ActionKind, AttrValue, AttributeMatch, AttributesConfig,
    ConvertedType, LibraryMatch, LogSeverity, MatchConfig, MatchType,
};

use action::Action;
use matcher::Matcher;

/// Compiled include/exclude for one signal.
struct Filter {
    include: Option<Matcher>,
    exclude: Option<Matcher>,
}

impl Filter {
    fn new(cfg: &AttributesConfig, signal: SignalKind) -> Result<Self, ConfigError> {
        Ok(Self {
            include: cfg
                .include
                .as_ref()
                .map(|m| Matcher::new(m, signal, "include"))
                .transpose()?,
            exclude: cfg
                .exclude
                .as_ref()
                .map(|m| Matcher::new(m, signal, "exclude"))
                .transpose()?,
        })
    }

    /// `include` first, then `exclude`; non-matching items pass unchanged.
    fn selects(&self, f: impl Fn(&Matcher) -> bool) -> bool {
        self.include.as_ref().is_none_or(&f) && !self.exclude.as_ref().is_some_and(&f)
    }
}

/// The `otelcol.processor.attributes` component.
pub struct AttributesProcessor {
    actions: Vec<Action>,
    traces: Option<Filter>,
    metrics: Option<Filter>,
    logs: Option<Filter>,
    outputs: Outputs,
    obs: [ProcessorObs; 3],
}

impl AttributesProcessor {
    /// Filters are compiled only for signals that have an output, so a
    /// `span_names` filter does not make a traces-only pipeline invalid.
    pub fn new(
        component_id: &str,
        cfg: AttributesConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        if cfg.actions.is_empty() {
            return Err(ConfigError::invalid(
                "action",
                "at least one action must be configured",
            ));
        }
        let actions = cfg
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| action::compile(i, a))
            .collect::<Result<_, _>>()?;
        let filter = |kind| -> Result<Option<Filter>, ConfigError> {
            if outputs.for_signal(kind).is_empty() {
                Ok(None)
            } else {
                Filter::new(&cfg, kind).map(Some)
            }
        };
        let label = format!("attributes/{component_id}");
        Ok(Arc::new(Self {
            actions,
            traces: filter(SignalKind::Traces)?,
            metrics: filter(SignalKind::Metrics)?,
            logs: filter(SignalKind::Logs)?,
            outputs: outputs.clone(),
            obs: [
                ProcessorObs::new(registry, &label, SignalKind::Traces),
                ProcessorObs::new(registry, &label, SignalKind::Metrics),
                ProcessorObs::new(registry, &label, SignalKind::Logs),
            ],
        }))
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        Ok(())
    }

    fn apply(&self, attrs: &mut Vec<KeyValue>, client: &ClientInfo) {
        for a in &self.actions {
            a.apply(attrs, client);
        }
    }

    fn process_traces(&self, data: &mut Traces) {
        let Some(filter) = &self.traces else { return };
        let client = data.client.clone();
        for rs in &mut data.resource_spans {
            for ss in &mut rs.scope_spans {
                for span in &mut ss.spans {
                    if filter.selects(|m| m.span(rs.resource.as_ref(), ss.scope.as_ref(), span)) {
                        self.apply(&mut span.attributes, &client);
                    }
                }
            }
        }
    }

    fn process_logs(&self, data: &mut Logs) {
        let Some(filter) = &self.logs else { return };
        let client = data.client.clone();
        for rl in &mut data.resource_logs {
            for sl in &mut rl.scope_logs {
                for rec in &mut sl.log_records {
                    if filter.selects(|m| m.log(rl.resource.as_ref(), sl.scope.as_ref(), rec)) {
                        self.apply(&mut rec.attributes, &client);
                    }
                }
            }
        }
    }

    fn process_metrics(&self, data: &mut Metrics) {
        let Some(filter) = &self.metrics else { return };
        let client = data.client.clone();
        for rm in &mut data.resource_metrics {
            for sm in &mut rm.scope_metrics {
                for m in &mut sm.metrics {
                    if !filter.selects(|f| f.metric(rm.resource.as_ref(), &m.name)) {
                        continue;
                    }
                    match &mut m.data {
                        Some(metric::Data::Gauge(g)) => g
                            .data_points
                            .iter_mut()
                            .for_each(|p| self.apply(&mut p.attributes, &client)),
                        Some(metric::Data::Sum(s)) => s
                            .data_points
                            .iter_mut()
                            .for_each(|p| self.apply(&mut p.attributes, &client)),
                        Some(metric::Data::Histogram(h)) => h
                            .data_points
                            .iter_mut()
                            .for_each(|p| self.apply(&mut p.attributes, &client)),
                        Some(metric::Data::ExponentialHistogram(h)) => h
                            .data_points
                            .iter_mut()
                            .for_each(|p| self.apply(&mut p.attributes, &client)),
                        Some(metric::Data::Summary(s)) => s
                            .data_points
                            .iter_mut()
                            .for_each(|p| self.apply(&mut p.attributes, &client)),
                        None => {}
                    }
                }
            }
        }
    }

    async fn forward<S: Signal>(&self, data: S) -> Result<(), crate::ConsumeError> {
        let n = data.item_count() as u64;
        let obs = &self.obs[S::KIND as usize];
        obs.incoming.inc_by(n);
        self.outputs.for_signal(S::KIND).consume(data).await?;
        obs.outgoing.inc_by(n);
        Ok(())
    }
}

impl Consumer for AttributesProcessor {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        self.process_traces(&mut data);
        Box::pin(self.forward(data))
    }
    fn consume_metrics(&self, mut data: Metrics) -> ConsumeFuture<'_> {
        self.process_metrics(&mut data);
        Box::pin(self.forward(data))
    }
    fn consume_logs(&self, mut data: Logs) -> ConsumeFuture<'_> {
        self.process_logs(&mut data);
        Box::pin(self.forward(data))
    }
    fn has_capacity(&self, kind: SignalKind) -> bool {
        self.outputs.for_signal(kind).has_capacity(kind)
    }
    fn free_capacity(&self, kind: SignalKind) -> Option<usize> {
        self.outputs.for_signal(kind).free_capacity(kind)
    }
}

#[cfg(test)]
mod tests;
