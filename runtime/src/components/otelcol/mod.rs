//! `otelcol.*` components backed by the `alloy-otelcol` crate:
//! `otelcol.receiver.otlp`, `otelcol.processor.batch`,
//! `otelcol.processor.attributes`, `otelcol.processor.resourcedetection`,
//! `otelcol.processor.transform`, `otelcol.processor.filter`,
//! `otelcol.exporter.otlp`, `otelcol.exporter.otlphttp`,
//! `otelcol.exporter.debug` and `otelcol.exporter.loki` (`alloy-bridge`); the trace
//! processing components are decoded in `traces.rs`.
//!
//! # Why a forwarding consumer
//! Alloy wires pipelines by reference: `output { traces = [x.input] }`
//! evaluates to the capsule `x` exported. The otelcol components take their
//! downstream consumers at construction and cannot be reconfigured, so an
//! update builds a fresh instance. If the export were the instance itself,
//! every update would publish a new capsule and force every upstream
//! component to be rebuilt too (a receiver rebuild rebinds its ports). So
//! processors and exporters export one [`ForwardingConsumer`] for their whole
//! life and swap the instance behind it; the published value never changes,
//! and upstream components keep sending through it.
//!
//! # Lifecycle
//! `update` (on the controller thread) only decodes and builds; anything
//! async (binding ports, starting exporter workers, draining the old
//! instance) happens in the component's `run` task, which picks up the new
//! instance through [`Pending`]. Shutdown order needs nothing here: a
//! receiver references its processors' `input`, so the controller ranks it
//! higher and stops it first, and exporters, referenced by everything, stop
//! last and can drain their queues.
//!
//! # Telemetry
//! The otelcol telemetry of a component is its `ctx.metrics` registry
//! (the one registry type), kept for the component's whole life (counters
//! survive updates because the registry hands back existing series); the
//! runtime adds `component_id` and `component_path` when `/metrics` is
//! gathered.

mod decode;
mod traces;

pub(crate) use decode::consumers;
pub(crate) use decode::{client_tls_body, parse_bytes};

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use alloy_otelcol as otel;
use otel::pdata::ConsumeFuture;
use otel::{ConsumeError, Consumer, Logs, Metrics, Signal, SignalKind, Traces};
use tokio::sync::Notify;

use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Health, Registration, Shutdown,
};
use crate::value::{CapsuleValue, Object, Value};

/// The catalogue's capsule type of `input` exports and `output` lists.
pub(crate) const CONSUMER_TYPE: &str = "otelcol.Consumer";

/// How long one instance may take to stop (flush batches, drain queues).
/// The controller bounds the whole task with
/// `--feature.component-shutdown-deadline` on top of this.
const SHUTDOWN_BUDGET: Duration = Duration::from_secs(30);

/// The registrations of every `otelcol.*` component implemented here.
pub(super) fn registrations() -> Vec<Registration> {
    [
        Kind::Receiver,
        Kind::Batch,
        Kind::Attributes,
        Kind::ResourceDetection,
        Kind::ExporterLoki,
        Kind::Transform,
        Kind::Filter,
        Kind::ExporterGrpc,
        Kind::ExporterHttp,
        Kind::ExporterDebug,
        Kind::TailSampling,
        Kind::ProbabilisticSampler,
        Kind::Span,
        Kind::MemoryLimiter,
        Kind::SpanLogs,
        Kind::SpanMetrics,
        Kind::ServiceGraph,
    ]
    .into_iter()
    .filter_map(|kind| {
        Registration::from_catalogue(kind.name(), move |ctx, args| {
            let component = Arc::new(OtelComponent::new(kind, ctx));
            component.update(args)?;
            Ok(component as Arc<dyn Component>)
        })
        .map_err(
            |e| tracing::error!(err = %e, "an otelcol component is missing from the catalogue"),
        )
        .ok()
    })
    .collect()
}

/// The value of an `otelcol.Consumer` capsule: what `output` lists hold.
pub(crate) struct ConsumerCapsule(pub(crate) Arc<dyn Consumer>);

impl CapsuleValue for ConsumerCapsule {
    fn type_name(&self) -> &str {
        CONSUMER_TYPE
    }
}

/// A stable consumer whose target is swapped when the component is
/// updated (see the module docs). Without a target (never in practice: the
/// first instance is installed at build time) data is refused, never
/// dropped, so the sender counts it as refused.
pub(crate) struct ForwardingConsumer {
    component_id: String,
    target: RwLock<Option<Arc<dyn Consumer>>>,
}

impl ForwardingConsumer {
    fn new(component_id: &str) -> ForwardingConsumer {
        ForwardingConsumer {
            component_id: component_id.to_owned(),
            target: RwLock::new(None),
        }
    }

    fn set(&self, target: Arc<dyn Consumer>) {
        *self.target.write().unwrap_or_else(|p| p.into_inner()) = Some(target);
    }

    fn current(&self) -> Result<Arc<dyn Consumer>, ConsumeError> {
        self.target
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| ConsumeError::retryable(format!("{} is not running", self.component_id)))
    }
}

impl Consumer for ForwardingConsumer {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        match self.current() {
            // `deliver` decodes encoded spans if the target (perhaps swapped
            // since the sender asked `accepts_encoded`) does not take them.
            Ok(target) => Box::pin(async move { data.deliver(target.as_ref()).await }),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_> {
        match self.current() {
            Ok(target) => Box::pin(async move { target.consume_metrics(data).await }),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_> {
        match self.current() {
            Ok(target) => Box::pin(async move { target.consume_logs(data).await }),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    fn has_capacity(&self, kind: SignalKind) -> bool {
        self.current().is_ok_and(|t| t.has_capacity(kind))
    }

    fn free_capacity(&self, kind: SignalKind) -> Option<usize> {
        match self.current() {
            Ok(t) => t.free_capacity(kind),
            Err(_) => Some(0),
        }
    }

    fn accepts_encoded(&self, kind: SignalKind) -> bool {
        self.current().is_ok_and(|t| t.accepts_encoded(kind))
    }
}

/// Which component a [`OtelComponent`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Receiver,
    Batch,
    Attributes,
    ResourceDetection,
    ExporterLoki,
    Transform,
    Filter,
    ExporterGrpc,
    ExporterHttp,
    ExporterDebug,
    TailSampling,
    ProbabilisticSampler,
    Span,
    MemoryLimiter,
    SpanLogs,
    SpanMetrics,
    ServiceGraph,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Receiver => "otelcol.receiver.otlp",
            Kind::Batch => "otelcol.processor.batch",
            Kind::Attributes => "otelcol.processor.attributes",
            Kind::ResourceDetection => "otelcol.processor.resourcedetection",
            Kind::ExporterLoki => "otelcol.exporter.loki",
            Kind::Transform => "otelcol.processor.transform",
            Kind::Filter => "otelcol.processor.filter",
            Kind::ExporterGrpc => "otelcol.exporter.otlp",
            Kind::ExporterHttp => "otelcol.exporter.otlphttp",
            Kind::ExporterDebug => "otelcol.exporter.debug",
            Kind::TailSampling => "otelcol.processor.tail_sampling",
            Kind::ProbabilisticSampler => "otelcol.processor.probabilistic_sampler",
            Kind::Span => "otelcol.processor.span",
            Kind::MemoryLimiter => "otelcol.processor.memory_limiter",
            Kind::SpanLogs => "otelcol.connector.spanlogs",
            Kind::SpanMetrics => "otelcol.connector.spanmetrics",
            Kind::ServiceGraph => "otelcol.connector.servicegraph",
        }
    }

    /// Receivers export nothing; everything else exports `input`.
    fn has_input(self) -> bool {
        self != Kind::Receiver
    }

    /// Builds an instance from decoded arguments.
    fn build(
        self,
        id: &str,
        args: &Arguments,
        telemetry: &otel::Registry,
    ) -> Result<Instance, ComponentError> {
        let config_error = |e: otel::ConfigError| ComponentError::new(e.to_string());
        Ok(match self {
            Kind::Receiver => {
                let (cfg, outputs) = decode::receiver(args)?;
                Instance::Receiver(Arc::new(otel::OtlpReceiver::new(
                    id, cfg, outputs, telemetry,
                )))
            }
            Kind::Batch => {
                let (cfg, outputs) = decode::batch(args)?;
                Instance::Batch(
                    otel::BatchProcessor::new(id, cfg, outputs, telemetry).map_err(config_error)?,
                )
            }
            Kind::Attributes => {
                let (cfg, outputs) = decode::attributes(args)?;
                Instance::Attributes(
                    otel::AttributesProcessor::new(id, cfg, outputs, telemetry)
                        .map_err(config_error)?,
                )
            }
            Kind::ResourceDetection => {
                let (cfg, outputs) = decode::resourcedetection(args)?;
                Instance::ResourceDetection(
                    otel::ResourceDetectionProcessor::new(id, cfg, outputs, telemetry)
                        .map_err(config_error)?,
                )
            }
            Kind::ExporterLoki => Instance::Loki(Arc::new(alloy_bridge::LokiExporter::new(
                crate::components::loki::receivers(args, "forward_to")?,
                telemetry,
            ))),
            Kind::Transform => {
                let (cfg, outputs) = decode::transform(args)?;
                Instance::Transform(
                    otel::TransformProcessor::new(id, cfg, outputs, telemetry)
                        .map_err(config_error)?,
                )
            }
            Kind::Filter => {
                let (cfg, outputs) = decode::filter(args)?;
                Instance::Filter(
                    otel::FilterProcessor::new(id, cfg, outputs, telemetry)
                        .map_err(config_error)?,
                )
            }
            Kind::ExporterGrpc => Instance::Grpc(Arc::new(
                otel::OtlpGrpcExporter::new(id, decode::exporter_grpc(args)?, telemetry)
                    .map_err(config_error)?,
            )),
            Kind::ExporterHttp => Instance::Http(Arc::new(
                otel::OtlpHttpExporter::new(id, decode::exporter_http(args)?, telemetry)
                    .map_err(config_error)?,
            )),
            Kind::ExporterDebug => Instance::Debug(Arc::new(otel::DebugExporter::new(
                id,
                decode::exporter_debug(args)?,
                telemetry,
            ))),
            Kind::TailSampling => Instance::Trace(traces::tail_sampling(id, args, telemetry)?),
            Kind::ProbabilisticSampler => {
                Instance::Trace(traces::probabilistic_sampler(id, args, telemetry)?)
            }
            Kind::Span => Instance::Trace(traces::span(id, args, telemetry)?),
            Kind::MemoryLimiter => Instance::Trace(traces::memory_limiter(id, args, telemetry)?),
            Kind::SpanLogs => Instance::Trace(traces::spanlogs(args)?),
            Kind::SpanMetrics => Instance::Trace(traces::spanmetrics(args)?),
            Kind::ServiceGraph => Instance::Trace(traces::servicegraph(id, args, telemetry)?),
        })
    }
}

/// One built otelcol component.
#[derive(Clone)]
enum Instance {
    Receiver(Arc<otel::OtlpReceiver>),
    Batch(Arc<otel::BatchProcessor>),
    Attributes(Arc<otel::AttributesProcessor>),
    ResourceDetection(Arc<otel::ResourceDetectionProcessor>),
    Loki(Arc<alloy_bridge::LokiExporter>),
    Transform(Arc<otel::TransformProcessor>),
    Filter(Arc<otel::FilterProcessor>),
    Grpc(Arc<otel::OtlpGrpcExporter>),
    Http(Arc<otel::OtlpHttpExporter>),
    Debug(Arc<otel::DebugExporter>),
    Trace(traces::TraceInstance),
}

impl Instance {
    fn consumer(&self) -> Option<Arc<dyn Consumer>> {
        match self {
            Instance::Receiver(_) => None,
            Instance::Batch(p) => Some(p.clone()),
            Instance::Attributes(p) => Some(p.clone()),
            Instance::ResourceDetection(p) => Some(p.clone()),
            Instance::Loki(e) => Some(e.clone()),
            Instance::Transform(p) => Some(p.clone()),
            Instance::Filter(p) => Some(p.clone()),
            Instance::Grpc(e) => Some(e.clone()),
            Instance::Http(e) => Some(e.clone()),
            Instance::Debug(e) => Some(e.clone()),
            Instance::Trace(t) => Some(t.consumer()),
        }
    }

    async fn start(&self) -> Result<(), String> {
        match self {
            Instance::Receiver(r) => r.start().await.map_err(|e| e.to_string()),
            Instance::Grpc(e) => e.start().await.map_err(|e| e.to_string()),
            Instance::Http(e) => e.start().await.map_err(|e| e.to_string()),
            Instance::Debug(e) => e.start().await.map_err(|e| e.to_string()),
            Instance::ResourceDetection(p) => p.start().await.map_err(|e| e.to_string()),
            Instance::Batch(_)
            | Instance::Attributes(_)
            | Instance::Trace(_)
            | Instance::Transform(_)
            | Instance::Filter(_)
            | Instance::Loki(_) => Ok(()),
        }
    }

    async fn shutdown(&self) -> Result<(), String> {
        let deadline = Instant::now() + SHUTDOWN_BUDGET;
        match self {
            Instance::Receiver(r) => r.shutdown(deadline).await,
            Instance::Batch(p) => p.shutdown(deadline).await,
            Instance::Attributes(p) => p.shutdown(deadline).await,
            Instance::ResourceDetection(p) => p.shutdown(deadline).await,
            Instance::Loki(_) => Ok(()),
            Instance::Transform(p) => p.shutdown(deadline).await,
            Instance::Filter(p) => p.shutdown(deadline).await,
            Instance::Grpc(e) => e.shutdown(deadline).await,
            Instance::Http(e) => e.shutdown(deadline).await,
            Instance::Debug(e) => e.shutdown(deadline).await,
            Instance::Trace(t) => return t.shutdown(deadline).await,
        }
        .map_err(|e| e.to_string())
    }

    fn debug_info(&self) -> Option<Value> {
        let Instance::Receiver(r) = self else {
            return None;
        };
        let mut info = Object::new();
        if let Some(addr) = r.grpc_addr() {
            info.insert("grpc_address", Value::from(addr.to_string()));
        }
        if let Some(addr) = r.http_addr() {
            info.insert("http_address", Value::from(addr.to_string()));
        }
        Some(Value::object(info))
    }
}

/// Where the current instance stands.
#[derive(Default)]
struct State {
    /// The instance in use: started while a `run` task is active.
    current: Option<Instance>,
    /// Whether `current` has been shut down (a restarted task rebuilds it
    /// from `args`, as a stopped exporter cannot be started again).
    current_stopped: bool,
    /// An instance built by `update`, waiting for the `run` task to start it
    /// and retire `current`.
    pending: Option<Instance>,
    /// The last accepted arguments.
    args: Option<Arguments>,
    /// Whether a `run` task is active.
    running: bool,
}

/// One `otelcol.*` component in the runtime.
struct OtelComponent {
    kind: Kind,
    ctx: Context,
    telemetry: otel::Registry,
    input: Option<Arc<ForwardingConsumer>>,
    state: Mutex<State>,
    changed: Notify,
    health: Mutex<Health>,
    /// Set by `update`, cleared once the task has tried to start what it
    /// applied (see [`Component::starting`]).
    starting: std::sync::atomic::AtomicBool,
}

impl OtelComponent {
    fn new(kind: Kind, ctx: Context) -> OtelComponent {
        // The one registry type: the component's otelcol telemetry is its
        // own registry.
        let telemetry = ctx.metrics.clone();
        let input = kind.has_input().then(|| {
            let input = Arc::new(ForwardingConsumer::new(&ctx.id));
            let mut exports = Object::new();
            exports.insert(
                "input",
                Value::capsule(ConsumerCapsule(input.clone() as Arc<dyn Consumer>)),
            );
            ctx.exports.publish(Value::object(exports));
            input
        });
        OtelComponent {
            kind,
            ctx,
            telemetry,
            input,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            health: Mutex::new(Health::default()),
            starting: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_health(&self, health: Health) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = health;
    }

    fn build(&self, args: &Arguments) -> Result<Instance, ComponentError> {
        // Processors spawn their batching tasks when built.
        let _runtime = self.ctx.runtime.enter();
        self.kind.build(&self.ctx.id, args, &self.telemetry)
    }

    /// Points `input` at `instance`.
    fn route_to(&self, instance: &Instance) {
        if let (Some(input), Some(consumer)) = (&self.input, instance.consumer()) {
            input.set(consumer);
        }
    }

    /// Shuts an instance down off the controller thread, logging failures.
    fn retire_in_background(&self, instance: Instance) {
        let span = self.ctx.span.clone();
        self.ctx.runtime.spawn(async move {
            if let Err(e) = instance.shutdown().await {
                let _entered = span.enter();
                tracing::warn!(err = %e, "stopping a replaced otelcol instance");
            }
        });
    }

    /// The instance the run task should start: the pending one if any, the
    /// current one unless stopped, else a rebuild from the last arguments.
    fn take_startable(&self) -> Result<Instance, ComponentError> {
        let (pending, current, stopped, args) = {
            let mut state = self.state();
            state.running = true;
            (
                state.pending.take(),
                state.current.clone(),
                state.current_stopped,
                state.args.clone(),
            )
        };
        let instance = match (pending, current) {
            (Some(pending), Some(old)) => {
                if !stopped {
                    self.retire_in_background(old);
                }
                pending
            }
            (Some(pending), None) => pending,
            (None, Some(current)) if !stopped => current,
            _ => {
                let args = args.ok_or_else(|| ComponentError::new("component has no arguments"))?;
                self.build(&args)?
            }
        };
        let mut state = self.state();
        state.current = Some(instance.clone());
        state.current_stopped = false;
        Ok(instance)
    }

    /// Replaces the running instance with `new`. A receiver releases its
    /// ports before the new one binds them; anything else starts the new
    /// instance first and then drains the old one into its outputs, so no
    /// data is refused during the switch.
    async fn swap(&self, new: Instance) {
        let old = self.state().current.clone();
        let started = if self.kind == Kind::Receiver {
            if let Some(old) = &old {
                if let Err(e) = old.shutdown().await {
                    self.log_warn("stopping the previous receiver", &e);
                }
            }
            new.start().await
        } else {
            new.start().await
        };
        match started {
            Ok(()) => {
                self.route_to(&new);
                {
                    let mut state = self.state();
                    state.current = Some(new);
                    state.current_stopped = false;
                }
                if self.kind != Kind::Receiver {
                    if let Some(old) = old {
                        if let Err(e) = old.shutdown().await {
                            self.log_warn("stopping the previous instance", &e);
                        }
                    }
                }
                self.set_health(Health::healthy("started component"));
            }
            Err(e) => {
                self.log_warn("starting the updated component", &e);
                self.set_health(Health::unhealthy(format!(
                    "failed to start updated component: {e}"
                )));
                if self.kind == Kind::Receiver {
                    // The old receiver is gone; keep the new (stopped) one
                    // so the next update or restart retries.
                    let mut state = self.state();
                    state.current = Some(new);
                    state.current_stopped = true;
                } else if let Err(e) = new.shutdown().await {
                    self.log_warn("stopping the instance that failed to start", &e);
                }
            }
        }
    }

    fn log_warn(&self, what: &str, error: &str) {
        let _entered = self.ctx.span.enter();
        tracing::warn!(err = %error, "{what}");
    }
}

impl Component for OtelComponent {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let instance = self.build(&args)?;
        self.starting
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let replaced = {
            let mut state = self.state();
            state.args = Some(args);
            if state.current.is_none() && !state.running {
                // First build: route now so upstream components built
                // after this one have a live target; the run task starts it.
                self.route_to(&instance);
                state.current = Some(instance);
                None
            } else {
                state.pending.replace(instance)
            }
        };
        if let Some(replaced) = replaced {
            // A pending instance that was never started (two updates in a
            // row): processors have spawned tasks that must end.
            self.retire_in_background(replaced);
        }
        self.changed.notify_one();
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let result = self.run_inner(&shutdown).await;
            let (current, stopped) = {
                let mut state = self.state();
                state.running = false;
                let stopped = state.current_stopped;
                state.current_stopped = true;
                (state.current.clone(), stopped)
            };
            if let (Some(current), false) = (current, stopped) {
                if let Err(e) = current.shutdown().await {
                    self.log_warn("stopping component", &e);
                }
            }
            result
        })
    }

    fn health(&self) -> Option<Health> {
        Some(
            self.health
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }

    fn debug_info(&self) -> Option<Value> {
        self.state().current.as_ref().and_then(Instance::debug_info)
    }

    fn starting(&self) -> bool {
        self.starting.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl OtelComponent {
    async fn run_inner(&self, shutdown: &Shutdown) -> Result<(), ComponentError> {
        let instance = self.take_startable()?;
        let started = instance.start().await;
        self.starting
            .store(false, std::sync::atomic::Ordering::SeqCst);
        if let Err(e) = started {
            self.set_health(Health::unhealthy(format!("failed to start component: {e}")));
            return Err(ComponentError::new(format!(
                "failed to start component: {e}"
            )));
        }
        self.route_to(&instance);
        self.set_health(Health::healthy("started component"));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                _ = self.changed.notified() => {
                    let pending = self.state().pending.take();
                    if let Some(new) = pending {
                        self.swap(new).await;
                    }
                    if self.state().pending.is_none() {
                        self.starting.store(false, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
