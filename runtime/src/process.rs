//! `alloy run`: the process around the controller.
//!
//! [`run`] builds the async runtime, binds the HTTP listener (failing the
//! process if it cannot), starts the controller and the server, performs
//! the first load, then waits for signals:
//!
//! * `SIGHUP` (like `GET`/`POST /-/reload`) re-reads the config and
//!   reloads it; a config that fails to load leaves the running graph
//!   alone and is reported (logs, the 400 answer, the config metrics);
//! * `SIGTERM`/`SIGINT` stop the components, roots first so that exporters
//!   drain what receivers queued, each within the task deadline, then the
//!   HTTP server.
//!
//! The checks a config goes through before every load are in
//! [`preflight`]; the caller prints the first load's report (the CLI prints
//! it in upstream's format).

pub mod preflight;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_analysis::catalogue::Stability;
use tokio_util::sync::CancellationToken;

use crate::component::Registry;
use crate::controller::{Controller, LoadError, Options, Source};
use crate::http::{ReloadFn, ServerState};
use crate::metrics;

/// `alloy run`'s settings.
pub struct RunOptions {
    /// The config file or directory.
    pub path: String,
    /// `--server.http.listen-addr`.
    pub listen_addr: String,
    /// `--storage.path`.
    pub storage_path: PathBuf,
    /// `--stability.level`.
    pub min_stability: Stability,
    /// `--feature.community-components.enabled`.
    pub community_components: bool,
    /// `--feature.component-shutdown-deadline`.
    pub task_shutdown_deadline: Duration,
    /// The components that can run (the caller adds crates' components).
    pub registry: Registry,
    /// For `alloy_build_info`.
    pub version: String,
    /// `--server.http.read-header-timeout`, `--server.http.idle-timeout`.
    pub http_timeouts: crate::http::Timeouts,
}

/// Why `alloy run` stopped with an error.
#[derive(Debug)]
pub enum RunError {
    Io {
        what: &'static str,
        error: std::io::Error,
    },
    Listen {
        addr: String,
        error: std::io::Error,
    },
    InitialLoad(LoadError),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Io { what, error } => write!(f, "{what}: {error}"),
            RunError::Listen { addr, error } => write!(f, "failed to listen on {addr}: {error}"),
            RunError::InitialLoad(error) => write!(f, "error during the initial load: {error}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Upstream's config metrics (`alloy_config_*`), set after every load.
#[derive(Clone)]
struct ConfigMetrics(metrics::Registry);

impl ConfigMetrics {
    fn record(&self, success: bool, hash: &str) {
        let registry = &self.0;
        let loaded = registry.gauge(
            "alloy_config_last_load_successful",
            "Config loaded successfully.",
            &[],
        );
        let failures = registry.counter(
            "alloy_config_load_failures_total",
            "Configuration load failures.",
            &[],
        );
        let when = registry.gauge(
            "alloy_config_last_load_success_timestamp_seconds",
            "Timestamp of the last successful configuration load.",
            &[],
        );
        if success {
            registry.reset("alloy_config_hash");
            registry
                .gauge(
                    "alloy_config_hash",
                    "Hash of the currently active config file.",
                    &[("cluster_name", ""), ("sha256", hash)],
                )
                .set(1.0);
            loaded.set(1.0);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            when.set(now);
        } else {
            loaded.set(0.0);
            failures.inc();
        }
    }
}

/// How long `/-/reload` waits for the components it changed to start.
const RELOAD_START_WAIT: Duration = Duration::from_secs(10);

/// Reloads serialise on this lock (a SIGHUP during a `/-/reload`).
struct Reloader {
    path: String,
    registry: Arc<Registry>,
    min_stability: Stability,
    community: bool,
    controller: Arc<Controller>,
    config_metrics: ConfigMetrics,
    lock: tokio::sync::Mutex<()>,
}

impl Reloader {
    async fn reload(&self) -> Result<(), String> {
        let _serial = self.lock.lock().await;
        let source = match Source::read(&self.path) {
            Ok(source) => source,
            Err(error) => {
                self.config_metrics.record(false, "");
                return Err(error.to_string());
            }
        };
        let report = preflight::check(&source, &self.registry, self.min_stability, self.community);
        if report.has_errors() {
            self.config_metrics.record(false, source.sha256());
            return Err(report.error_text(&source));
        }
        let loaded_at = SystemTime::now();
        let result = self.controller.load(source.clone()).await;
        self.config_metrics.record(result.is_ok(), source.sha256());
        result.map_err(|e| e.to_string())?;
        // A component that cannot start (a port in use) fails the reload,
        // named with its error; upstream answers 200 here.
        let failed =
            crate::http::start_failures(self.controller.shared(), loaded_at, RELOAD_START_WAIT)
                .await;
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "config loaded, but components failed to start: {}",
                failed.join("; ")
            ))
        }
    }
}

/// Runs until SIGTERM or SIGINT. `source` has passed [`preflight::check`].
pub fn run(options: RunOptions, source: Source) -> Result<(), RunError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("alloy-worker")
        .build()
        .map_err(|error| RunError::Io {
            what: "starting the async runtime",
            error,
        })?;
    let result = runtime.block_on(serve(options, source));
    // Tasks that ignored their deadline are not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn serve(options: RunOptions, source: Source) -> Result<(), RunError> {
    let logging = crate::logging::install(Box::new(std::io::stderr())).ok();
    let result = serve_inner(options, source, logging.clone()).await;
    if let Some(logging) = logging {
        logging.flush();
    }
    result
}

async fn serve_inner(
    options: RunOptions,
    source: Source,
    logging: Option<crate::logging::Handle>,
) -> Result<(), RunError> {
    // Installed first: a signal during start-up is handled (after the first
    // load) rather than killing the process with the default action.
    let mut signals = Signals::install();
    let registry = Arc::new(options.registry);
    let metrics = metrics::Registry::new();
    metrics::process::register(&metrics, &options.version);
    metrics::set_process_registry(&metrics);
    let config_metrics = ConfigMetrics(metrics.clone());

    let listener = tokio::net::TcpListener::bind(&options.listen_addr)
        .await
        .map_err(|error| RunError::Listen {
            addr: options.listen_addr.clone(),
            error,
        })?;

    let controller = Arc::new(
        Controller::start(Options {
            registry: registry.clone(),
            data_path: options.storage_path.clone(),
            min_stability: options.min_stability,
            community_components: options.community_components,
            metrics: metrics.clone(),
            task_shutdown_deadline: options.task_shutdown_deadline,
            logging,
            runtime: tokio::runtime::Handle::current(),
            tracer: Some(crate::selftrace::SelfTracer::new(
                tokio::runtime::Handle::current(),
                &options.version,
            )),
        })
        .map_err(|error| RunError::Io {
            what: "starting the controller",
            error,
        })?,
    );
    let reloader = Arc::new(Reloader {
        path: options.path.clone(),
        registry,
        min_stability: options.min_stability,
        community: options.community_components,
        controller: controller.clone(),
        config_metrics: config_metrics.clone(),
        lock: tokio::sync::Mutex::new(()),
    });
    let for_http = reloader.clone();
    let reload: ReloadFn = Arc::new(move || {
        let reloader = for_http.clone();
        Box::pin(async move { reloader.reload().await })
    });

    // The server comes up before the first load, so that /metrics answers
    // while the graph is loading, as upstream.
    let server_stop = CancellationToken::new();
    let state = ServerState {
        shared: controller.shared().clone(),
        metrics: metrics.clone(),
        reload,
    };
    tracing::info!(addr = %options.listen_addr, "now listening for http traffic");
    let server = tokio::spawn(crate::http::serve(
        listener,
        state,
        server_stop.clone(),
        options.http_timeouts,
    ));

    let hash = source.sha256().to_owned();
    let first = controller.load(source).await;
    config_metrics.record(first.is_ok(), &hash);
    if let Err(error) = first {
        controller.shutdown().await;
        server_stop.cancel();
        let _ = server.await;
        return Err(RunError::InitialLoad(error));
    }

    signals.wait(&reloader).await;

    eprintln!("interrupt received");
    tracing::info!("shutting down");
    controller.shutdown().await;
    server_stop.cancel();
    match server.await {
        Ok(Err(error)) => tracing::error!(err = %error, "http server closed with an error"),
        Err(error) => tracing::error!(err = %error, "http server task failed"),
        Ok(Ok(())) => {}
    }
    Ok(())
}

/// The signals `alloy run` handles.
struct Signals {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    #[cfg(unix)]
    fn install() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        let streams = match (
            signal(SignalKind::hangup()),
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(hangup), Ok(terminate), Ok(interrupt)) => Some([hangup, terminate, interrupt]),
            _ => {
                tracing::error!("cannot install signal handlers");
                None
            }
        };
        Signals { streams }
    }

    #[cfg(not(unix))]
    fn install() -> Signals {
        Signals {}
    }

    /// Reloads on SIGHUP until SIGTERM or SIGINT.
    #[cfg(unix)]
    async fn wait(&mut self, reloader: &Reloader) {
        let Some([hangup, terminate, interrupt]) = self.streams.as_mut() else {
            // Without handlers the default actions apply; wait for them.
            std::future::pending::<()>().await;
            return;
        };
        loop {
            tokio::select! {
                _ = terminate.recv() => return,
                _ = interrupt.recv() => return,
                _ = hangup.recv() => match reloader.reload().await {
                    Ok(()) => tracing::info!("config reloaded"),
                    Err(error) => tracing::error!(err = %error, "failed to reload config"),
                },
            }
        }
    }

    #[cfg(not(unix))]
    async fn wait(&mut self, _: &Reloader) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
