//! `otelcol.exporter.debug`: writes a summary (basic), one line per item
//! (normal) or a full dump (detailed) of every batch. No queue, no retry,
//! as upstream.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::{metric, Metric};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;

use super::encode::Frame;

use crate::consumer::Consumer;
use crate::error::{ConsumeError, ShutdownError, StartError};
use crate::pdata::{metric_point_count, ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::telemetry::{ExporterObs, Registry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    #[default]
    Basic,
    Normal,
    Detailed,
}

/// Arguments of `otelcol.exporter.debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugConfig {
    pub verbosity: Verbosity,
    /// Per second, log the first `sampling_initial` batches, then every
    /// `sampling_thereafter`-th (zap's sampler, which upstream uses).
    pub sampling_initial: u64,
    pub sampling_thereafter: u64,
    /// Log through `tracing` (Alloy's logger) instead of writing to stdout.
    pub use_internal_logger: bool,
}

impl Default for DebugConfig {
    fn default() -> Self {
        Self {
            verbosity: Verbosity::Basic,
            sampling_initial: 2,
            sampling_thereafter: 1,
            use_internal_logger: true,
        }
    }
}

struct Sampler {
    window: Mutex<(Instant, u64)>,
}

impl Sampler {
    fn allow(&self, initial: u64, thereafter: u64) -> bool {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if now.duration_since(w.0).as_secs() >= 1 {
            *w = (now, 0);
        }
        w.1 += 1;
        let n = w.1;
        n <= initial || (thereafter > 0 && (n - initial).is_multiple_of(thereafter))
    }
}

/// The `otelcol.exporter.debug` component.
pub struct DebugExporter {
    component_id: String,
    cfg: DebugConfig,
    obs: [ExporterObs; 3],
    sampler: Sampler,
    written: AtomicU64,
}

impl DebugExporter {
    /// Label `exporter="debug/<component_id>"`.
    pub fn new(component_id: &str, cfg: DebugConfig, registry: &Registry) -> Self {
        let label = format!("debug/{component_id}");
        Self {
            component_id: component_id.to_string(),
            cfg,
            obs: [
                ExporterObs::new(registry, &label, SignalKind::Traces, false),
                ExporterObs::new(registry, &label, SignalKind::Metrics, false),
                ExporterObs::new(registry, &label, SignalKind::Logs, false),
            ],
            sampler: Sampler {
                window: Mutex::new((Instant::now(), 0)),
            },
            written: AtomicU64::new(0),
        }
    }

    pub async fn start(&self) -> Result<(), StartError> {
        Ok(())
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        Ok(())
    }

    /// Batches written so far (after sampling); for tests.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    fn emit<S: Signal>(&self, data: &S, summary: String, body: impl FnOnce() -> String) {
        let obs = &self.obs[S::KIND as usize];
        obs.sent.inc_by(data.item_count() as u64);
        if !self
            .sampler
            .allow(self.cfg.sampling_initial, self.cfg.sampling_thereafter)
        {
            return;
        }
        self.written.fetch_add(1, Ordering::Relaxed);
        let body = if self.cfg.verbosity == Verbosity::Basic {
            String::new()
        } else {
            body()
        };
        if self.cfg.use_internal_logger {
            if body.is_empty() {
                tracing::info!(component_id = %self.component_id, "{summary}");
            } else {
                tracing::info!(component_id = %self.component_id, "{summary}\n{body}");
            }
        } else {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{summary}");
            if !body.is_empty() {
                let _ = write!(out, "{body}");
            }
        }
    }

    fn traces(&self, data: &Traces) {
        let summary = format!(
            "TracesExporter resource spans={} spans={}",
            data.resource_spans.len(),
            data.item_count()
        );
        self.emit(data, summary, || render_traces(data, self.cfg.verbosity))
    }

    fn metrics(&self, data: &Metrics) {
        let metrics: usize = data
            .resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .map(|s| s.metrics.len())
            .sum();
        let summary = format!(
            "MetricsExporter resource metrics={} metrics={} data points={}",
            data.resource_metrics.len(),
            metrics,
            data.item_count()
        );
        self.emit(data, summary, || render_metrics(data, self.cfg.verbosity))
    }

    fn logs(&self, data: &Logs) {
        let summary = format!(
            "LogsExporter resource logs={} log records={}",
            data.resource_logs.len(),
            data.item_count()
        );
        self.emit(data, summary, || render_logs(data, self.cfg.verbosity))
    }
}

impl Consumer for DebugExporter {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        self.traces(&data);
        Box::pin(std::future::ready(Ok::<(), ConsumeError>(())))
    }
    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_> {
        self.metrics(&data);
        Box::pin(std::future::ready(Ok(())))
    }
    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_> {
        self.logs(&data);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Upstream's `Str(..)`, `Int(..)` notation for attribute values.
pub fn fmt_value(v: Option<&AnyValue>) -> String {
    match v.and_then(|v| v.value.as_ref()) {
        None => "Empty()".into(),
        Some(any_value::Value::StringValue(s)) => format!("Str({s})"),
        Some(any_value::Value::BoolValue(b)) => format!("Bool({b})"),
        Some(any_value::Value::IntValue(i)) => format!("Int({i})"),
        Some(any_value::Value::DoubleValue(d)) => format!("Double({d})"),
        Some(any_value::Value::BytesValue(b)) => format!("Bytes({})", hex::encode(b)),
        Some(any_value::Value::ArrayValue(a)) => {
            let items: Vec<String> = a.values.iter().map(|v| fmt_value(Some(v))).collect();
            format!("Slice([{}])", items.join(", "))
        }
        Some(any_value::Value::KvlistValue(kv)) => {
            let items: Vec<String> = kv
                .values
                .iter()
                .map(|k| format!("{}: {}", k.key, fmt_value(k.value.as_ref())))
                .collect();
            format!("Map({{{}}})", items.join(", "))
        }
        Some(any_value::Value::StringValueStrindex(i)) => format!("StrIndex({i})"),
    }
}

fn attrs_inline(attrs: &[KeyValue]) -> String {
    attrs
        .iter()
        .map(|kv| format!("{}={}", kv.key, fmt_value(kv.value.as_ref())))
        .collect::<Vec<_>>()
        .join(" ")
}

fn attrs_block(out: &mut String, title: &str, attrs: &[KeyValue]) {
    if attrs.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for kv in attrs {
        let _ = writeln!(out, "     -> {}: {}", kv.key, fmt_value(kv.value.as_ref()));
    }
}

fn span_kind(k: i32) -> &'static str {
    match k {
        1 => "Internal",
        2 => "Server",
        3 => "Client",
        4 => "Producer",
        5 => "Consumer",
        _ => "Unspecified",
    }
}

/// How a signal's resources and scopes are headed in the output.
struct Headings {
    /// `ResourceSpans` (detailed) / `ResourceTraces` (basic and normal).
    resource_detailed: &'static str,
    resource: &'static str,
    scope: &'static str,
    /// Traces print the scope over three lines at `detailed`.
    scope_block_detailed: bool,
}

/// The resource and scope framing shared by the three signals; `item`
/// writes one span, metric or log record.
fn render<R, S, L>(
    resources: &[R],
    v: Verbosity,
    h: &Headings,
    item: impl Fn(&mut String, usize, &L),
) -> String
where
    R: Frame<Header = Resource, Child = S>,
    S: Frame<Header = InstrumentationScope, Child = L>,
{
    let mut out = String::new();
    for (ri, r) in resources.iter().enumerate() {
        let res_attrs = r.header().map(|r| r.attributes.as_slice()).unwrap_or(&[]);
        if v == Verbosity::Detailed {
            let _ = writeln!(
                out,
                "{} #{ri}\nResource SchemaURL: {}",
                h.resource_detailed,
                r.schema_url()
            );
            attrs_block(&mut out, "Resource attributes", res_attrs);
        } else {
            let _ = writeln!(out, "{} #{ri} {}", h.resource, attrs_inline(res_attrs));
        }
        for (si, s) in r.children().iter().enumerate() {
            let (name, version) = s
                .header()
                .map(|s| (s.name.as_str(), s.version.as_str()))
                .unwrap_or(("", ""));
            if v == Verbosity::Detailed && h.scope_block_detailed {
                let _ = writeln!(
                    out,
                    "{} #{si}\n{} SchemaURL: {}\nInstrumentationScope {name} {version}",
                    h.scope,
                    h.scope,
                    s.schema_url()
                );
            } else {
                let _ = writeln!(out, "{} #{si} {name}@{version}", h.scope);
            }
            for (i, leaf) in s.children().iter().enumerate() {
                item(&mut out, i, leaf);
            }
        }
    }
    out
}

pub fn render_traces(data: &Traces, v: Verbosity) -> String {
    let headings = Headings {
        resource_detailed: "ResourceSpans",
        resource: "ResourceTraces",
        scope: if v == Verbosity::Detailed {
            "ScopeSpans"
        } else {
            "ScopeTraces"
        },
        scope_block_detailed: true,
    };
    render(&data.resource_spans, v, &headings, |out, i, s: &Span| {
        if v == Verbosity::Detailed {
            let status = s.status.as_ref();
            let _ = writeln!(
                out,
                "Span #{i}\n    Trace ID       : {}\n    Parent ID      : {}\n    ID             : {}\n    Name           : {}\n    Kind           : {}\n    Start time     : {}\n    End time       : {}\n    Status code    : {}\n    Status message : {}",
                hex::encode(&s.trace_id),
                hex::encode(&s.parent_span_id),
                hex::encode(&s.span_id),
                s.name,
                span_kind(s.kind),
                s.start_time_unix_nano,
                s.end_time_unix_nano,
                match status.map_or(0, |st| st.code) { 1 => "Ok", 2 => "Error", _ => "Unset" },
                status.map_or("", |st| st.message.as_str()),
            );
            attrs_block(out, "Attributes", &s.attributes);
        } else {
            let _ = writeln!(
                out,
                "{} {} {} {}",
                s.name,
                hex::encode(&s.trace_id),
                hex::encode(&s.span_id),
                attrs_inline(&s.attributes)
            );
        }
    })
}

pub fn render_metrics(data: &Metrics, v: Verbosity) -> String {
    let headings = Headings {
        resource_detailed: "ResourceMetrics",
        resource: "ResourceMetrics",
        scope: "ScopeMetrics",
        scope_block_detailed: false,
    };
    render(
        &data.resource_metrics,
        v,
        &headings,
        |out, i, m: &Metric| {
            let kind = match &m.data {
                Some(metric::Data::Gauge(_)) => "Gauge",
                Some(metric::Data::Sum(_)) => "Sum",
                Some(metric::Data::Histogram(_)) => "Histogram",
                Some(metric::Data::ExponentialHistogram(_)) => "ExponentialHistogram",
                Some(metric::Data::Summary(_)) => "Summary",
                None => "Empty",
            };
            let points = metric_point_count(m.data.as_ref());
            if v == Verbosity::Detailed {
                let _ = writeln!(
                out,
                "Metric #{i}\nDescriptor:\n     -> Name: {}\n     -> Description: {}\n     -> Unit: {}\n     -> DataType: {kind}\n     -> DataPoints: {points}",
                m.name, m.description, m.unit
            );
            } else {
                let _ = writeln!(out, "{} {kind} points={points}", m.name);
            }
        },
    )
}

pub fn render_logs(data: &Logs, v: Verbosity) -> String {
    let headings = Headings {
        resource_detailed: "ResourceLog",
        resource: "ResourceLog",
        scope: "ScopeLogs",
        scope_block_detailed: false,
    };
    render(
        &data.resource_logs,
        v,
        &headings,
        |out, i, r: &LogRecord| {
            if v == Verbosity::Detailed {
                let _ = writeln!(
                out,
                "LogRecord #{i}\nObservedTimestamp: {}\nTimestamp: {}\nSeverityText: {}\nSeverityNumber: {}\nBody: {}\nTrace ID: {}\nSpan ID: {}\nFlags: {}",
                r.observed_time_unix_nano, r.time_unix_nano, r.severity_text, r.severity_number,
                fmt_value(r.body.as_ref()), hex::encode(&r.trace_id), hex::encode(&r.span_id), r.flags
            );
                attrs_block(out, "Attributes", &r.attributes);
            } else {
                let _ = writeln!(
                    out,
                    "{} {}",
                    fmt_value(r.body.as_ref()),
                    attrs_inline(&r.attributes)
                );
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{gauge_points, log_records, spans};

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn headings_per_signal_and_verbosity() {
        let t = spans("svc", 1, 1);
        let normal = render_traces(&t, Verbosity::Normal);
        let l = lines(&normal);
        assert_eq!(l[0], "ResourceTraces #0 service.name=Str(svc)");
        assert!(l[1].starts_with("ScopeTraces #0 "), "{normal}");
        assert_eq!(l.len(), 3, "{normal}");
        let detailed = render_traces(&t, Verbosity::Detailed);
        let l = lines(&detailed);
        assert_eq!(
            l[..3],
            [
                "ResourceSpans #0",
                "Resource SchemaURL: ",
                "Resource attributes:"
            ]
        );
        assert!(
            l.contains(&"ScopeSpans #0") && l.contains(&"ScopeSpans SchemaURL: "),
            "{detailed}"
        );
        assert!(
            l.iter().any(|x| x.starts_with("InstrumentationScope ")),
            "{detailed}"
        );
        assert!(l.contains(&"Span #0"), "{detailed}");

        let m = gauge_points("svc", 2);
        let normal = render_metrics(&m, Verbosity::Normal);
        assert!(
            normal.starts_with("ResourceMetrics #0 service.name=Str(svc)\nScopeMetrics #0 "),
            "{normal}"
        );
        assert!(render_metrics(&m, Verbosity::Detailed).contains("Metric #0\nDescriptor:\n"));

        let logs = log_records("svc", 1);
        let detailed = render_logs(&logs, Verbosity::Detailed);
        assert!(
            detailed.starts_with("ResourceLog #0\nResource SchemaURL: \n"),
            "{detailed}"
        );
        assert!(
            detailed.contains("\nScopeLogs #0 ") && detailed.contains("\nLogRecord #0\n"),
            "{detailed}"
        );
    }
}
