//! A receiver -> batch -> attributes -> exporter pipeline wired from CLI
//! flags, for benchmarks and manual tests until the runtime wires pipelines
//! from Alloy configuration. Prints `READY grpc=.. http=.. metrics=..` once
//! listening; stops on SIGINT/SIGTERM or after `--duration-secs`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::exporter::{QueuedExporter, Transport};
use alloy_otelcol::processor::attributes::{ActionConfig, ActionKind, AttrValue};
use alloy_otelcol::*;
use bytes::Bytes;
use clap::Parser;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

#[derive(Parser, Debug)]
#[command(about = "Run an OTLP pipeline built from alloy-otelcol components")]
struct Args {
    /// gRPC receiver endpoint ("off" to disable).
    #[arg(long, default_value = "127.0.0.1:4317")]
    grpc: String,
    /// HTTP receiver endpoint ("off" to disable).
    #[arg(long, default_value = "off")]
    http: String,
    /// otlp (gRPC), otlphttp or debug.
    #[arg(long, default_value = "otlp")]
    exporter: String,
    /// Exporter endpoint: host:port for otlp, base URL for otlphttp.
    #[arg(long, default_value = "127.0.0.1:4319")]
    endpoint: String,
    /// gzip or none.
    #[arg(long, default_value = "gzip")]
    compression: String,
    #[arg(long, default_value_t = 1000)]
    queue_size: usize,
    #[arg(long, default_value_t = 10)]
    num_consumers: usize,
    #[arg(long, default_value_t = 5000)]
    retry_initial_ms: u64,
    #[arg(long, default_value_t = 200)]
    batch_timeout_ms: u64,
    #[arg(long, default_value_t = 2000)]
    batch_size: usize,
    #[arg(long, default_value_t = 3000)]
    batch_max_size: usize,
    /// Skip the batch processor.
    #[arg(long)]
    no_batch: bool,
    /// Attribute actions, e.g. `insert:env=prod`, `upsert:k=v`, `delete:secret`, `hash:user`.
    #[arg(long = "attr")]
    attrs: Vec<String>,
    /// Debug exporter verbosity: basic, normal, detailed.
    #[arg(long, default_value = "basic")]
    verbosity: String,
    /// Serve Prometheus text at /metrics here ("off" to disable).
    #[arg(long, default_value = "127.0.0.1:0")]
    metrics: String,
    /// Exit after this many seconds (0 = run until a signal).
    #[arg(long, default_value_t = 0)]
    duration_secs: u64,
    #[arg(long, default_value_t = 10)]
    shutdown_deadline_secs: u64,
    /// Tokio worker threads (0 = one per core); only with `--runtime multi`.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// `current`: everything on one thread; `multi`: a work-stealing pool.
    #[arg(long, default_value = "current")]
    runtime: String,
}

fn parse_action(s: &str) -> Result<ActionConfig, String> {
    let (kind, rest) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?}: expected action:key[=value]"))?;
    let kind: ActionKind = kind.parse()?;
    let (key, value) = match rest.split_once('=') {
        Some((k, v)) => (k, Some(AttrValue::String(v.to_string()))),
        None => (rest, None),
    };
    Ok(ActionConfig {
        value,
        ..ActionConfig::new(key, kind)
    })
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut rt = match args.runtime.as_str() {
        "current" => tokio::runtime::Builder::new_current_thread(),
        "multi" => {
            let mut rt = tokio::runtime::Builder::new_multi_thread();
            if args.threads > 0 {
                rt.worker_threads(args.threads);
            }
            rt
        }
        other => return Err(format!("unknown runtime {other:?} (current or multi)").into()),
    };
    rt.enable_all().build()?.block_on(run(args))
}

struct Stage {
    registry: Registry,
    id: &'static str,
}

async fn run(args: Args) -> Result<(), BoxError> {
    let mut stages = Vec::new();
    let compression = if args.compression == "none" {
        Compression::None
    } else {
        Compression::Gzip
    };
    let queue = QueueConfig {
        queue_size: args.queue_size,
        num_consumers: args.num_consumers,
        ..Default::default()
    };
    let retry = RetryConfig {
        initial_interval: Duration::from_millis(args.retry_initial_ms),
        ..Default::default()
    };

    let reg = Registry::new();
    let (exporter, stop_exporter): (Arc<dyn Consumer>, StopFn) = match args.exporter.as_str() {
        "otlp" => {
            let cfg = OtlpGrpcConfig {
                endpoint: args.endpoint.clone(),
                compression,
                tls: TlsClientConfig {
                    insecure: true,
                    ..Default::default()
                },
                sending_queue: queue,
                retry_on_failure: retry,
                ..Default::default()
            };
            let id = "otelcol.exporter.otlp.default";
            let e = OtlpGrpcExporter::new(id, cfg, &reg)?;
            stages.push(Stage { registry: reg, id });
            started(e).await?
        }
        "otlphttp" => {
            let cfg = OtlpHttpConfig {
                endpoint: args.endpoint.clone(),
                compression,
                sending_queue: queue,
                retry_on_failure: retry,
                ..Default::default()
            };
            let id = "otelcol.exporter.otlphttp.default";
            let e = OtlpHttpExporter::new(id, cfg, &reg)?;
            stages.push(Stage { registry: reg, id });
            started(e).await?
        }
        "debug" => {
            let verbosity = match args.verbosity.as_str() {
                "detailed" => Verbosity::Detailed,
                "normal" => Verbosity::Normal,
                _ => Verbosity::Basic,
            };
            let cfg = DebugConfig {
                verbosity,
                use_internal_logger: false,
                ..Default::default()
            };
            let e = Arc::new(DebugExporter::new(
                "otelcol.exporter.debug.default",
                cfg,
                &reg,
            ));
            stages.push(Stage {
                registry: reg,
                id: "otelcol.exporter.debug.default",
            });
            (e, Box::new(|_| Box::pin(async { Ok(()) })))
        }
        other => return Err(format!("unknown exporter {other:?}").into()),
    };

    let mut next: Arc<dyn Consumer> = exporter;
    if !args.attrs.is_empty() {
        let actions = args
            .attrs
            .iter()
            .map(|a| parse_action(a))
            .collect::<Result<Vec<_>, _>>()?;
        let reg = Registry::new();
        let p = AttributesProcessor::new(
            "otelcol.processor.attributes.default",
            AttributesConfig {
                actions,
                ..Default::default()
            },
            Outputs::all(vec![next]),
            &reg,
        )?;
        stages.push(Stage {
            registry: reg,
            id: "otelcol.processor.attributes.default",
        });
        next = p;
    }
    let mut batch = None;
    if !args.no_batch {
        let reg = Registry::new();
        let cfg = BatchConfig {
            timeout: Duration::from_millis(args.batch_timeout_ms),
            send_batch_size: args.batch_size,
            send_batch_max_size: args.batch_max_size,
            ..Default::default()
        };
        let p = BatchProcessor::new(
            "otelcol.processor.batch.default",
            cfg,
            Outputs::all(vec![next]),
            &reg,
        )?;
        stages.push(Stage {
            registry: reg,
            id: "otelcol.processor.batch.default",
        });
        batch = Some(p.clone());
        next = p;
    }
    let reg = Registry::new();
    let endpoint = |e: &str| (e != "off").then(|| e.to_string());
    let cfg = OtlpReceiverConfig {
        grpc: endpoint(&args.grpc).map(|e| GrpcServerConfig {
            endpoint: e,
            ..Default::default()
        }),
        http: endpoint(&args.http).map(|e| HttpServerConfig {
            endpoint: e,
            ..Default::default()
        }),
    };
    let receiver = OtlpReceiver::new(
        "otelcol.receiver.otlp.default",
        cfg,
        Outputs::all(vec![next]),
        &reg,
    );
    receiver.start().await?;
    stages.push(Stage {
        registry: reg,
        id: "otelcol.receiver.otlp.default",
    });
    let stages = Arc::new(stages);

    let metrics_addr = match endpoint(&args.metrics) {
        Some(addr) => Some(serve_metrics(&addr, stages.clone()).await?),
        None => None,
    };
    println!(
        "READY grpc={} http={} metrics={}",
        receiver.grpc_addr().map_or("off".into(), |a| a.to_string()),
        receiver.http_addr().map_or("off".into(), |a| a.to_string()),
        metrics_addr.map_or("off".into(), |a| a.to_string())
    );

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let limit = async {
        if args.duration_secs == 0 {
            std::future::pending::<()>().await
        } else {
            tokio::time::sleep(Duration::from_secs(args.duration_secs)).await
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = limit => {}
    }
    let deadline = Instant::now() + Duration::from_secs(args.shutdown_deadline_secs);
    let mut clean = true;
    if let Err(e) = receiver.shutdown(deadline).await {
        eprintln!("receiver: {e}");
        clean = false;
    }
    if let Some(b) = batch {
        if let Err(e) = b.shutdown(deadline).await {
            eprintln!("batch: {e}");
            clean = false;
        }
    }
    if let Err(e) = stop_exporter(deadline).await {
        eprintln!("exporter: {e}");
        clean = false;
    }
    let extra: Vec<[(&str, &str); 2]> = stages
        .iter()
        .map(|s| [("component_id", s.id), ("component_path", "/")])
        .collect();
    let sources: Vec<(&Registry, &[(&str, &str)])> = stages
        .iter()
        .zip(extra.iter())
        .map(|(s, e)| (&s.registry, &e[..]))
        .collect();
    eprint!("{}", encode_text(&sources));
    if clean {
        Ok(())
    } else {
        Err("shutdown was not clean".into())
    }
}

/// Starts a queued exporter (OTLP over gRPC or HTTP) and pairs it with the
/// function that drains and stops it.
async fn started<T>(exporter: QueuedExporter<T>) -> Result<(Arc<dyn Consumer>, StopFn), BoxError>
where
    T: Transport<Traces> + Transport<Metrics> + Transport<Logs>,
{
    let exporter = Arc::new(exporter);
    exporter.start().await?;
    let stop = exporter.clone();
    Ok((
        exporter,
        Box::new(move |deadline| {
            let exporter = stop.clone();
            Box::pin(async move { exporter.shutdown(deadline).await })
        }),
    ))
}

/// Shuts the exporter down by a deadline.
type StopFn = Box<dyn Fn(Instant) -> StopFut>;
type StopFut =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ShutdownError>> + Send>>;

async fn serve_metrics(
    addr: &str,
    stages: Arc<Vec<Stage>>,
) -> Result<std::net::SocketAddr, BoxError> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let stages = stages.clone();
            let svc = service_fn(move |_req| {
                let stages = stages.clone();
                async move {
                    let extra: Vec<[(&str, &str); 2]> = stages
                        .iter()
                        .map(|s| [("component_id", s.id), ("component_path", "/")])
                        .collect();
                    let sources: Vec<(&Registry, &[(&str, &str)])> = stages
                        .iter()
                        .zip(extra.iter())
                        .map(|(s, e)| (&s.registry, &e[..]))
                        .collect();
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(encode_text(
                        &sources,
                    )))))
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(bound)
}
