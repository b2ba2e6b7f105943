//! The `tracing` block: the runtime's own spans, sampled with
//! `sampling_fraction` and sent as OTLP traces to the `write_to` consumers.
//!
//! Upstream builds an OpenTelemetry-Go tracer provider whose exporter is a
//! consumer fan-out. The runtime's spans are few (one per graph evaluation
//! and one per evaluated node), so instead of an SDK this keeps a small
//! recorder: a span is decided at its start (root spans by trace-id ratio
//! as Go's `TraceIDRatioBased`, children by their parent, as `ParentBased`),
//! a sampled-out or unconfigured span costs one lock-free check, and ended
//! spans are buffered and sent about once a second (upstream's batch span
//! processor waits 5 s; a shorter delay makes a reload's spans visible
//! promptly at the same cost, since the volume is tiny).
//!
//! As upstream, spans started before the block is evaluated (or while
//! `write_to` is empty) are dropped, and removing the block drops
//! everything again.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_otelcol::proto::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use alloy_otelcol::proto::resource::v1::Resource;
use alloy_otelcol::proto::trace::v1::{span, status, ResourceSpans, ScopeSpans, Span, Status};
use alloy_otelcol::{Fanout, Traces};
use tokio::runtime::Handle;
use tokio::sync::Notify;

/// Upstream's instrumentation scope for the controller's spans.
const SCOPE: &str = "github.com/grafana/alloy/internal/runtime";
/// How often buffered spans are sent.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Spans held before new ones are dropped (the batch span processor's
/// default queue size), so a consumer that refuses cannot grow memory.
const MAX_BUFFERED: usize = 2048;
/// A flush starts early once this many spans are waiting.
const FLUSH_AT: usize = 512;

/// Settings of the `tracing` block.
#[derive(Clone, Default)]
pub struct TracingSettings {
    /// `sampling_fraction` (upstream default 0.1); ≤ 0 samples nothing,
    /// ≥ 1 everything.
    pub sampling_fraction: f64,
    /// `write_to`; empty drops every span.
    pub write_to: Fanout,
}

impl std::fmt::Debug for TracingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracingSettings")
            .field("sampling_fraction", &self.sampling_fraction)
            .field("write_to", &self.write_to.len())
            .finish()
    }
}

/// Identifies a span for its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
}

/// A started, sampled span; recorded when [`ActiveSpan::end`] is called
/// (or it is dropped).
pub struct ActiveSpan {
    tracer: Arc<SelfTracer>,
    context: SpanContext,
    parent: Option<[u8; 8]>,
    name: &'static str,
    start_unix_nano: u64,
    attributes: Vec<KeyValue>,
    error: Option<String>,
    ended: bool,
}

impl ActiveSpan {
    pub fn context(&self) -> SpanContext {
        self.context
    }

    pub fn set_attribute(&mut self, key: &str, value: impl Into<String>) {
        self.attributes.push(string_kv(key, value.into()));
    }

    /// Marks the span failed (status `ERROR` with `message`).
    pub fn set_error(&mut self, message: impl Into<String>) {
        self.error = Some(message.into());
    }

    pub fn end(mut self) {
        self.record();
    }

    fn record(&mut self) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        let status = self.error.take().map(|message| Status {
            message,
            code: status::StatusCode::Error as i32,
        });
        let span = Span {
            trace_id: self.context.trace_id.to_vec(),
            span_id: self.context.span_id.to_vec(),
            parent_span_id: self.parent.map(|p| p.to_vec()).unwrap_or_default(),
            name: self.name.to_owned(),
            kind: span::SpanKind::Internal as i32,
            start_time_unix_nano: self.start_unix_nano,
            end_time_unix_nano: unix_nanos(),
            attributes: std::mem::take(&mut self.attributes),
            status,
            ..Span::default()
        };
        self.tracer.buffer(span);
    }
}

impl Drop for ActiveSpan {
    fn drop(&mut self) {
        self.record();
    }
}

/// The process-wide recorder the `tracing` block configures.
pub struct SelfTracer {
    /// Quick check on every span start: false while `write_to` is empty.
    enabled: AtomicBool,
    /// `sampling_fraction` scaled to Go's 63-bit threshold.
    threshold: AtomicU64,
    state: Mutex<State>,
    wake: Notify,
    runtime: Handle,
    ids: IdSource,
    resource: Resource,
}

#[derive(Default)]
struct State {
    write_to: Fanout,
    buffered: Vec<Span>,
    dropped: u64,
    flusher: bool,
}

impl SelfTracer {
    /// `version` is reported as the `service.version` resource attribute.
    pub fn new(runtime: Handle, version: &str) -> Arc<SelfTracer> {
        Arc::new(SelfTracer {
            enabled: AtomicBool::new(false),
            threshold: AtomicU64::new(0),
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            runtime,
            ids: IdSource::new(),
            resource: Resource {
                attributes: vec![
                    string_kv("service.name", "alloy".to_owned()),
                    string_kv("service.version", version.to_owned()),
                ],
                ..Resource::default()
            },
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies the block's settings (or the defaults when it is absent).
    pub fn apply(self: &Arc<Self>, settings: TracingSettings) {
        let enabled = !settings.write_to.is_empty() && settings.sampling_fraction > 0.0;
        self.threshold.store(
            ratio_threshold(settings.sampling_fraction),
            Ordering::Relaxed,
        );
        let start_flusher = {
            let mut state = self.state();
            state.write_to = settings.write_to;
            if !enabled {
                state.buffered.clear();
            }
            // Under the lock, so the flusher's exit check cannot interleave.
            self.enabled.store(enabled, Ordering::Release);
            enabled && !std::mem::replace(&mut state.flusher, true)
        };
        if start_flusher {
            // The task ends when tracing is disabled; `apply` starts a new
            // one when it is enabled again.
            let tracer = self.clone();
            self.runtime.spawn(async move {
                loop {
                    let wake = tracer.wake.notified();
                    tokio::pin!(wake);
                    wake.as_mut().enable();
                    tracer.flush().await;
                    {
                        let mut state = tracer.state();
                        if !tracer.enabled.load(Ordering::Acquire) {
                            state.flusher = false;
                            return;
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(FLUSH_EVERY) => {}
                        _ = wake => {}
                    }
                }
            });
        }
    }

    /// Starts a root span, if tracing is configured and the sampler keeps it.
    pub fn root(self: &Arc<Self>, name: &'static str) -> Option<ActiveSpan> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let trace_id = self.ids.trace_id();
        let low = u64::from_be_bytes(trace_id[8..].try_into().unwrap_or_default());
        if (low >> 1) >= self.threshold.load(Ordering::Relaxed) {
            return None;
        }
        Some(self.start(name, trace_id, None))
    }

    /// Starts a child of `parent` (sampled because its parent was).
    pub fn child(self: &Arc<Self>, parent: &SpanContext, name: &'static str) -> Option<ActiveSpan> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        Some(self.start(name, parent.trace_id, Some(parent.span_id)))
    }

    fn start(
        self: &Arc<Self>,
        name: &'static str,
        trace_id: [u8; 16],
        parent: Option<[u8; 8]>,
    ) -> ActiveSpan {
        ActiveSpan {
            tracer: self.clone(),
            context: SpanContext {
                trace_id,
                span_id: self.ids.span_id(),
            },
            parent,
            name,
            start_unix_nano: unix_nanos(),
            attributes: Vec::new(),
            error: None,
            ended: false,
        }
    }

    fn buffer(&self, span: Span) {
        if !self.enabled.load(Ordering::Acquire) {
            return;
        }
        let wake = {
            let mut state = self.state();
            if state.buffered.len() >= MAX_BUFFERED {
                state.dropped += 1;
                return;
            }
            state.buffered.push(span);
            state.buffered.len() == FLUSH_AT
        };
        if wake {
            self.wake.notify_one();
        }
    }

    /// Sends what is buffered to `write_to`.
    async fn flush(&self) {
        let (spans, write_to, dropped) = {
            let mut state = self.state();
            (
                std::mem::take(&mut state.buffered),
                state.write_to.clone(),
                std::mem::take(&mut state.dropped),
            )
        };
        if dropped > 0 {
            tracing::warn!(
                spans = dropped,
                "dropped runtime spans: the tracing buffer was full"
            );
        }
        if spans.is_empty() || write_to.is_empty() {
            return;
        }
        let n = spans.len();
        let traces = Traces::new(vec![ResourceSpans {
            resource: Some(self.resource.clone()),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: SCOPE.to_owned(),
                    ..InstrumentationScope::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }]);
        if let Err(e) = write_to.consume(traces).await {
            tracing::debug!(spans = n, err = %e, "the tracing block's write_to refused spans");
        }
    }
}

/// Go's `TraceIDRatioBased` bound: a trace is kept when the low 63 bits of
/// its id's last eight bytes are below `fraction · 2^63`.
fn ratio_threshold(fraction: f64) -> u64 {
    if fraction >= 1.0 {
        u64::MAX
    } else if fraction > 0.0 {
        (fraction * (1u64 << 63) as f64) as u64
    } else {
        0
    }
}

fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn string_kv(key: &str, value: String) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value)),
        }),
        ..KeyValue::default()
    }
}

/// Random-looking ids without a random-number dependency: a counter mixed
/// by std's randomly seeded SipHash. Ids need to be unique and evenly
/// spread (the sampler reads their bits), not unpredictable.
struct IdSource {
    seed: RandomState,
    counter: AtomicU64,
}

impl IdSource {
    fn new() -> IdSource {
        IdSource {
            seed: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }

    fn next(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // Zero is an invalid id.
        self.seed.hash_one(n).max(1)
    }

    fn trace_id(&self) -> [u8; 16] {
        let mut id = [0; 16];
        id[..8].copy_from_slice(&self.next().to_be_bytes());
        id[8..].copy_from_slice(&self.next().to_be_bytes());
        id
    }

    fn span_id(&self) -> [u8; 8] {
        self.next().to_be_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_otelcol::testing::Sink;
    use alloy_otelcol::{Consumer, SignalKind};

    fn settings(fraction: f64, sink: &Arc<Sink>) -> TracingSettings {
        TracingSettings {
            sampling_fraction: fraction,
            write_to: Fanout::new(vec![sink.clone() as Arc<dyn Consumer>]),
        }
    }

    #[tokio::test]
    async fn sampled_spans_reach_write_to_with_parent_links() {
        let tracer = SelfTracer::new(Handle::current(), "v1.2.3");
        let sink = Arc::new(Sink::new());
        assert!(tracer.root("before").is_none(), "no write_to: no spans");
        tracer.apply(settings(1.0, &sink));
        let mut root = tracer
            .root("GraphEvaluate")
            .expect("fraction 1 samples all");
        let mut child = tracer
            .child(&root.context(), "EvaluateNode")
            .expect("children follow the parent");
        child.set_attribute("node_id", "local.file.a");
        child.set_error("boom");
        child.end();
        root.set_attribute("controller_path", "/");
        root.end();
        tokio::time::timeout(Duration::from_secs(5), async {
            while sink.items(SignalKind::Traces) < 2 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("spans flushed within a second or so");
        let traces = sink.traces.lock().expect("lock");
        let rs = &traces[0].resource_spans[0];
        let attrs = &rs.resource.as_ref().expect("resource").attributes;
        assert!(attrs.iter().any(|kv| kv.key == "service.name"));
        let spans = &rs.scope_spans[0].spans;
        let root = spans
            .iter()
            .find(|s| s.name == "GraphEvaluate")
            .expect("root");
        let child = spans
            .iter()
            .find(|s| s.name == "EvaluateNode")
            .expect("child");
        assert_eq!(child.trace_id, root.trace_id);
        assert_eq!(child.parent_span_id, root.span_id);
        assert!(root.parent_span_id.is_empty());
        assert_eq!(child.attributes[0].key, "node_id");
        assert_eq!(
            child.status.as_ref().map(|s| s.message.as_str()),
            Some("boom")
        );
        assert!(child.end_time_unix_nano >= child.start_time_unix_nano);
    }

    #[tokio::test]
    async fn sampling_fraction_is_a_trace_id_ratio() {
        let tracer = SelfTracer::new(Handle::current(), "v");
        let sink = Arc::new(Sink::new());
        tracer.apply(settings(0.25, &sink));
        let kept = (0..4000).filter(|_| tracer.root("r").is_some()).count();
        assert!((700..1300).contains(&kept), "kept {kept} of 4000 at 0.25");
        tracer.apply(settings(0.0, &sink));
        assert!(tracer.root("r").is_none());
        // Removing write_to (the block removed) disables recording.
        tracer.apply(TracingSettings {
            sampling_fraction: 1.0,
            write_to: Fanout::default(),
        });
        assert!(tracer.root("r").is_none());
    }

    #[test]
    fn threshold_matches_go() {
        assert_eq!(ratio_threshold(0.0), 0);
        assert_eq!(ratio_threshold(-1.0), 0);
        assert_eq!(ratio_threshold(1.0), u64::MAX);
        assert_eq!(ratio_threshold(0.5), 1u64 << 62);
    }
}
