//! `otelcol.receiver.otlp`: OTLP over gRPC and HTTP.
//!
//! A server runs only when its block is configured, as in Alloy. A signal with
//! no downstream consumer is not served at all (gRPC `UNIMPLEMENTED`, HTTP
//! 404), so a client learns its data has nowhere to go instead of having it
//! dropped.

mod body;
mod budget;
pub mod cors;
mod grpc;
mod http;
pub mod status;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::consumer::Outputs;
use crate::error::{ConsumeError, ShutdownError, StartError};
use crate::pdata::{Signal, SignalKind};
use crate::telemetry::{ReceiverObs, Registry};
use crate::tls::TlsServerConfig;

const MIB: usize = 1024 * 1024;

/// The `grpc` block.
#[derive(Debug, Clone, PartialEq)]
pub struct GrpcServerConfig {
    /// `host:port`; upstream default `0.0.0.0:4317`.
    pub endpoint: String,
    /// Largest accepted (decompressed) message; default 4 MiB.
    pub max_recv_msg_size: usize,
    pub max_concurrent_streams: Option<u32>,
    /// Copy gRPC metadata into the batch's client info (for `metadata_keys`
    /// and `from_context`).
    pub include_metadata: bool,
    pub tls: Option<TlsServerConfig>,
    /// HTTP/2 keepalive ping interval (`keepalive > server_parameters > time`, 2h).
    pub keepalive_time: Duration,
    /// How long to wait for a ping ack (`timeout`, 20s).
    pub keepalive_timeout: Duration,
}

impl Default for GrpcServerConfig {
    fn default() -> Self {
        Self {
            endpoint: "0.0.0.0:4317".into(),
            max_recv_msg_size: 4 * MIB,
            max_concurrent_streams: None,
            include_metadata: false,
            tls: None,
            keepalive_time: Duration::from_secs(2 * 3600),
            keepalive_timeout: Duration::from_secs(20),
        }
    }
}

/// The `http` block.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpServerConfig {
    /// `host:port`; upstream default `0.0.0.0:4318`.
    pub endpoint: String,
    pub traces_url_path: String,
    pub metrics_url_path: String,
    pub logs_url_path: String,
    /// Limit for the body both as sent and after decompression; default 20 MiB.
    pub max_request_body_size: usize,
    pub include_metadata: bool,
    pub tls: Option<TlsServerConfig>,
    pub keep_alives_enabled: bool,
    /// Time allowed to receive request headers (1m since Alloy v1.18).
    pub read_header_timeout: Duration,
    /// The `cors` block; `None` (or no allowed origins) disables CORS.
    pub cors: Option<cors::CorsConfig>,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        Self {
            endpoint: "0.0.0.0:4318".into(),
            traces_url_path: "/v1/traces".into(),
            metrics_url_path: "/v1/metrics".into(),
            logs_url_path: "/v1/logs".into(),
            max_request_body_size: 20 * MIB,
            include_metadata: false,
            tls: None,
            keep_alives_enabled: true,
            read_header_timeout: Duration::from_secs(60),
            cors: None,
        }
    }
}

/// Arguments of `otelcol.receiver.otlp` (the `output` block is [`Outputs`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OtlpReceiverConfig {
    pub grpc: Option<GrpcServerConfig>,
    pub http: Option<HttpServerConfig>,
}

/// The metadata of a request without any (or with `include_metadata`
/// off): one shared empty map instead of an allocation per request.
fn no_metadata() -> Arc<crate::pdata::Metadata> {
    static EMPTY: std::sync::OnceLock<Arc<crate::pdata::Metadata>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Arc::default).clone()
}

/// Receiver counters for one transport, one set per signal.
#[derive(Clone, Debug)]
struct TransportObs {
    traces: ReceiverObs,
    metrics: ReceiverObs,
    logs: ReceiverObs,
}

impl TransportObs {
    fn new(reg: &Registry, receiver: &str, transport: &str) -> Self {
        Self {
            traces: ReceiverObs::new(reg, receiver, transport, SignalKind::Traces),
            metrics: ReceiverObs::new(reg, receiver, transport, SignalKind::Metrics),
            logs: ReceiverObs::new(reg, receiver, transport, SignalKind::Logs),
        }
    }

    fn for_signal(&self, kind: SignalKind) -> &ReceiverObs {
        match kind {
            SignalKind::Traces => &self.traces,
            SignalKind::Metrics => &self.metrics,
            SignalKind::Logs => &self.logs,
        }
    }
}

pub use budget::{DECODE_FACTOR, DEFAULT_DECODE_MEMORY_LIMIT, ENCODED_FACTOR};

/// What both transports share: where data goes and how it is counted.
struct Core {
    outputs: Outputs,
    obs: TransportObs,
    component_id: String,
    /// Shared by both transports (see `budget`).
    budget: Arc<budget::DecodeBudget>,
}

impl Core {
    fn serves(&self, kind: SignalKind) -> bool {
        !self.outputs.for_signal(kind).is_empty()
    }

    /// Hands a decoded request downstream and counts the outcome. Empty
    /// requests succeed without being counted, as upstream's do.
    async fn export<S: Signal>(&self, data: S) -> Result<(), ConsumeError> {
        let n = data.item_count() as u64;
        if n == 0 {
            return Ok(());
        }
        let obs = self.obs.for_signal(S::KIND);
        match self.outputs.for_signal(S::KIND).consume(data).await {
            Ok(()) => {
                obs.accepted.inc_by(n);
                tracing::debug!(component_id = %self.component_id, signal = S::KIND.as_str(),
                    items = n, "accepted data");
                Ok(())
            }
            Err(e) => {
                obs.refused.inc_by(n);
                tracing::debug!(component_id = %self.component_id, signal = S::KIND.as_str(),
                    items = n, error = %e, "refused data");
                Err(e)
            }
        }
    }
}

struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    grpc_addr: Option<SocketAddr>,
    http_addr: Option<SocketAddr>,
}

/// The `otelcol.receiver.otlp` component.
pub struct OtlpReceiver {
    component_id: String,
    cfg: OtlpReceiverConfig,
    grpc: Option<Arc<Core>>,
    http: Option<Arc<Core>>,
    running: Mutex<Option<Running>>,
}

impl OtlpReceiver {
    /// `component_id` is Alloy's id (`otelcol.receiver.otlp.default`); the
    /// metric label becomes `receiver="otlp/<component_id>"`.
    pub fn new(
        component_id: &str,
        cfg: OtlpReceiverConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Self {
        Self::with_decode_memory_limit(
            component_id,
            cfg,
            outputs,
            registry,
            DEFAULT_DECODE_MEMORY_LIMIT,
        )
    }

    /// Like [`Self::new`], with the receiver's own limit on the memory of
    /// requests being decoded and handed downstream (see `budget`).
    pub fn with_decode_memory_limit(
        component_id: &str,
        cfg: OtlpReceiverConfig,
        outputs: Outputs,
        registry: &Registry,
        limit: usize,
    ) -> Self {
        let label = format!("otlp/{component_id}");
        let budget = Arc::new(budget::DecodeBudget::new(limit, registry, &label));
        let core = |transport: &str| {
            Arc::new(Core {
                outputs: outputs.clone(),
                obs: TransportObs::new(registry, &label, transport),
                component_id: component_id.to_string(),
                budget: budget.clone(),
            })
        };
        Self {
            component_id: component_id.to_string(),
            grpc: cfg.grpc.as_ref().map(|_| core("grpc")),
            http: cfg.http.as_ref().map(|_| core("http")),
            cfg,
            running: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Binds the configured listeners and starts serving. Errors (a port in
    /// use, unreadable certificates) are returned before anything is served.
    pub async fn start(&self) -> Result<(), StartError> {
        if self.lock().is_some() {
            return Err(StartError::AlreadyStarted);
        }
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut grpc_addr = None;
        let mut http_addr = None;
        if let (Some(cfg), Some(core)) = (&self.cfg.grpc, &self.grpc) {
            let (addr, task) = grpc::start(cfg, core.clone(), stop_rx.clone()).await?;
            grpc_addr = Some(addr);
            tasks.push(task);
        }
        if let (Some(cfg), Some(core)) = (&self.cfg.http, &self.http) {
            match http::start(cfg, core.clone(), stop_rx.clone()).await {
                Ok((addr, task)) => {
                    http_addr = Some(addr);
                    tasks.push(task);
                }
                Err(e) => {
                    let _ = stop.send(true);
                    return Err(e);
                }
            }
        }
        tracing::info!(component_id = %self.component_id, grpc = ?grpc_addr, http = ?http_addr,
            "otlp receiver started");
        *self.lock() = Some(Running {
            stop,
            tasks,
            grpc_addr,
            http_addr,
        });
        Ok(())
    }

    /// The bound gRPC address (useful when the endpoint used port 0).
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.lock().as_ref().and_then(|r| r.grpc_addr)
    }

    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.lock().as_ref().and_then(|r| r.http_addr)
    }

    /// Stops accepting connections and lets in-flight requests finish until
    /// `deadline`; requests still running then are cut off (their clients see
    /// a transport error and retry).
    pub async fn shutdown(&self, deadline: Instant) -> Result<(), ShutdownError> {
        let Some(running) = self.lock().take() else {
            return Ok(());
        };
        let _ = running.stop.send(true);
        let mut cut = 0;
        for mut t in running.tasks {
            if tokio::time::timeout_at(deadline.into(), &mut t)
                .await
                .is_err()
            {
                t.abort();
                cut += 1;
            }
        }
        if cut > 0 {
            return Err(ShutdownError {
                abandoned_items: 0,
                detail: format!("{cut} server(s) still had requests in flight"),
            });
        }
        Ok(())
    }
}
