//! `otelcol.processor.transform`: rewrites telemetry with OTTL statements,
//! compiled once when the component is built.

use std::sync::Arc;
use std::time::Instant;

use alloy_ottl::run::{self, Group};
use alloy_ottl::{compile_condition, compile_statement, infer_context, Context, Kind2};

use crate::consumer::{Consumer, Outputs};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::processor::ottl_common::{contexts_of, diagnostics_error, parse_context, ErrorMode};
use crate::telemetry::{ProcessorObs, Registry};

/// A `*_statements` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextStatements {
    pub context: String,
    pub conditions: Vec<String>,
    pub statements: Vec<String>,
    pub error_mode: Option<ErrorMode>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransformConfig {
    pub error_mode: ErrorMode,
    pub trace_statements: Vec<ContextStatements>,
    pub metric_statements: Vec<ContextStatements>,
    pub log_statements: Vec<ContextStatements>,
    /// The `statements` block: contexts inferred from path prefixes.
    pub trace: Vec<String>,
    pub metric: Vec<String>,
    pub log: Vec<String>,
}

/// A compiled group with its error mode.
struct Compiled {
    group: Group,
    error_mode: ErrorMode,
}

fn compile_block(
    field: &str,
    block: &ContextStatements,
    signal: SignalKind,
    default_mode: ErrorMode,
) -> Result<Compiled, ConfigError> {
    let context = parse_context(&format!("{field}.context"), &block.context, signal)?;
    let statements = block
        .statements
        .iter()
        .map(|s| {
            compile_statement(context, s)
                .map_err(|d| diagnostics_error(&format!("{field}.statements"), s, &d))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let conditions = block
        .conditions
        .iter()
        .map(|s| {
            compile_condition(context, s)
                .map_err(|d| diagnostics_error(&format!("{field}.conditions"), s, &d))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Compiled {
        group: Group {
            context,
            conditions,
            statements,
        },
        error_mode: block.error_mode.unwrap_or(default_mode),
    })
}

/// Flat statements: each statement's context is inferred from the paths
/// it names; consecutive statements of one context form one group.
fn compile_flat(
    field: &str,
    texts: &[String],
    signal: SignalKind,
    mode: ErrorMode,
) -> Result<Vec<Compiled>, ConfigError> {
    let mut out: Vec<Compiled> = Vec::new();
    for t in texts {
        let Some(context) = infer_context(&[t.as_str()], Kind2::Statement, contexts_of(signal))
        else {
            // Report parse errors first; otherwise the statement names no context.
            let err = compile_statement(Context::Resource, t)
                .err()
                .filter(|d| d.iter().any(|d| !d.message.starts_with("invalid path")));
            return Err(match err {
                Some(d) => diagnostics_error(field, t, &d),
                None => ConfigError::invalid(
                    field,
                    format!(
                        "unable to infer a context from statement {t:?}: prefix its paths with one of {}",
                        contexts_of(signal).iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
                    ),
                ),
            });
        };
        let st = compile_statement(context, t).map_err(|d| diagnostics_error(field, t, &d))?;
        match out.last_mut() {
            Some(last) if last.group.context == context => last.group.statements.push(st),
            _ => out.push(Compiled {
                group: Group::new(context, vec![st]),
                error_mode: mode,
            }),
        }
    }
    Ok(out)
}

pub struct TransformProcessor {
    id: String,
    traces: Vec<Compiled>,
    metrics: Vec<Compiled>,
    logs: Vec<Compiled>,
    outputs: Outputs,
    obs: [ProcessorObs; 3],
}

impl TransformProcessor {
    pub fn new(
        component_id: &str,
        cfg: TransformConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        let mode = cfg.error_mode;
        let blocks = |field: &str,
                      bs: &[ContextStatements],
                      flat: &[String],
                      signal|
         -> Result<Vec<Compiled>, ConfigError> {
            let mut out = bs
                .iter()
                .map(|b| compile_block(field, b, signal, mode))
                .collect::<Result<Vec<_>, _>>()?;
            out.extend(compile_flat(
                &format!(
                    "statements.{}",
                    &field[..field.find('_').unwrap_or(field.len())]
                ),
                flat,
                signal,
                mode,
            )?);
            Ok(out)
        };
        let label = format!("transform/{component_id}");
        Ok(Arc::new(TransformProcessor {
            id: component_id.to_owned(),
            traces: blocks(
                "trace_statements",
                &cfg.trace_statements,
                &cfg.trace,
                SignalKind::Traces,
            )?,
            metrics: blocks(
                "metric_statements",
                &cfg.metric_statements,
                &cfg.metric,
                SignalKind::Metrics,
            )?,
            logs: blocks(
                "log_statements",
                &cfg.log_statements,
                &cfg.log,
                SignalKind::Logs,
            )?,
            outputs,
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

    /// Applies every group in order; a `propagate` error fails the batch.
    pub fn process_traces(&self, data: &mut Traces) -> Result<(), ConsumeError> {
        if self.traces.is_empty() {
            return Ok(());
        }
        data.decode_in_place()?;
        for c in &self.traces {
            run::transform_traces(
                &c.group,
                &mut data.resource_spans,
                &mut c.error_mode.handler(&self.id),
            )
            .map_err(|e| ConsumeError::permanent(e.message))?;
        }
        Ok(())
    }

    pub fn process_metrics(&self, data: &mut Metrics) -> Result<(), ConsumeError> {
        for c in &self.metrics {
            run::transform_metrics(
                &c.group,
                &mut data.resource_metrics,
                &mut c.error_mode.handler(&self.id),
            )
            .map_err(|e| ConsumeError::permanent(e.message))?;
        }
        Ok(())
    }

    pub fn process_logs(&self, data: &mut Logs) -> Result<(), ConsumeError> {
        for c in &self.logs {
            run::transform_logs(
                &c.group,
                &mut data.resource_logs,
                &mut c.error_mode.handler(&self.id),
            )
            .map_err(|e| ConsumeError::permanent(e.message))?;
        }
        Ok(())
    }

    async fn forward<S: Signal>(
        &self,
        data: S,
        processed: Result<(), ConsumeError>,
    ) -> Result<(), ConsumeError> {
        let n = data.item_count() as u64;
        let obs = &self.obs[S::KIND as usize];
        obs.incoming.inc_by(n);
        processed?;
        self.outputs.for_signal(S::KIND).consume(data).await?;
        obs.outgoing.inc_by(n);
        Ok(())
    }
}

impl Consumer for TransformProcessor {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        let r = self.process_traces(&mut data);
        Box::pin(self.forward(data, r))
    }
    fn consume_metrics(&self, mut data: Metrics) -> ConsumeFuture<'_> {
        let r = self.process_metrics(&mut data);
        Box::pin(self.forward(data, r))
    }
    fn consume_logs(&self, mut data: Logs) -> ConsumeFuture<'_> {
        let r = self.process_logs(&mut data);
        Box::pin(self.forward(data, r))
    }
    fn has_capacity(&self, kind: SignalKind) -> bool {
        self.outputs.for_signal(kind).has_capacity(kind)
    }
}
