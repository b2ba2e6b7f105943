//! OTLP/gRPC load generator and counting sink for benchmarks.
//!
//! `send` replays pre-encoded `ExportTraceServiceRequest`s (so the generator
//! spends its CPU on the wire, not on building spans), either at a fixed span
//! rate or as fast as `--concurrency` in-flight requests allow. `sink` is an
//! OTLP/gRPC server that counts what it receives. Both stop by themselves
//! after `--duration-secs`.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::{kv_int, kv_str, Sink};
use alloy_otelcol::*;
use bytes::{BufMut, Bytes};
use clap::{Parser, Subcommand};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::{Channel, Endpoint};

#[derive(Parser)]
#[command(about = "OTLP load generator and counting sink")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Send spans over OTLP/gRPC.
    Send {
        #[arg(long, default_value = "127.0.0.1:4317")]
        endpoint: String,
        /// Spans per second in total; 0 = as fast as possible.
        #[arg(long, default_value_t = 10_000)]
        rate: u64,
        #[arg(long, default_value_t = 30)]
        duration_secs: u64,
        /// Spans per request (the testbed uses 100).
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Attributes per span.
        #[arg(long, default_value_t = 5)]
        attrs: usize,
        /// Maximum requests in flight.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// HTTP/2 connections to spread requests over.
        #[arg(long, default_value_t = 2)]
        connections: usize,
        #[arg(long)]
        gzip: bool,
        /// Also stop after this many spans (0 = no limit).
        #[arg(long, default_value_t = 0)]
        max_spans: u64,
    },
    /// Receive OTLP/gRPC and count items.
    Sink {
        #[arg(long, default_value = "127.0.0.1:4319")]
        listen: String,
        #[arg(long, default_value_t = 60)]
        duration_secs: u64,
        /// Print the running count every second on stderr.
        #[arg(long)]
        progress: bool,
    },
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.cmd {
        Cmd::Send {
            endpoint,
            rate,
            duration_secs,
            batch,
            attrs,
            concurrency,
            connections,
            gzip,
            max_spans,
        } => rt.block_on(send(SendArgs {
            endpoint,
            rate,
            duration: Duration::from_secs(duration_secs),
            batch: batch.max(1),
            attrs,
            concurrency: concurrency.max(1),
            connections: connections.max(1),
            gzip,
            max_spans,
        })),
        Cmd::Sink {
            listen,
            duration_secs,
            progress,
        } => rt.block_on(sink(&listen, Duration::from_secs(duration_secs), progress)),
    }
}

struct SendArgs {
    endpoint: String,
    rate: u64,
    duration: Duration,
    batch: usize,
    attrs: usize,
    concurrency: usize,
    connections: usize,
    gzip: bool,
    max_spans: u64,
}

/// Distinct requests cycled through, so ids differ between requests.
const DISTINCT_REQUESTS: usize = 64;

fn build_request(seq: usize, batch: usize, attrs: usize) -> Bytes {
    let spans = (0..batch)
        .map(|i| {
            let id = (seq * batch + i) as u64 + 1;
            let mut attributes = vec![
                kv_int("load_generator.span_seq_num", id as i64),
                kv_int("load_generator.trace_seq_num", seq as i64),
            ];
            for a in 0..attrs.saturating_sub(2) {
                attributes.push(kv_str(&format!("attr.{a}"), "value-of-some-length"));
            }
            Span {
                trace_id: [id.to_be_bytes(), (seq as u64).to_be_bytes()].concat(),
                span_id: id.to_be_bytes().to_vec(),
                name: "load-generator-span".into(),
                kind: 3,
                start_time_unix_nano: 1_700_000_000_000_000_000 + id,
                end_time_unix_nano: 1_700_000_000_000_500_000 + id,
                attributes,
                ..Default::default()
            }
        })
        .collect();
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv_str("service.name", "otlp-load")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "otlp-load".into(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    Bytes::from(req.encode_to_vec())
}

#[derive(Default)]
struct Stats {
    sent_spans: AtomicU64,
    failed_requests: AtomicU64,
}

async fn send(a: SendArgs) -> Result<(), BoxError> {
    let reqs: Arc<Vec<Bytes>> = Arc::new(
        (0..DISTINCT_REQUESTS)
            .map(|s| build_request(s, a.batch, a.attrs))
            .collect(),
    );
    let uri = format!("http://{}", a.endpoint.trim_start_matches("http://"));
    let mut clients = Vec::new();
    for _ in 0..a.connections {
        let ch = Endpoint::from_shared(uri.clone())?
            .tcp_nodelay(true)
            .connect()
            .await?;
        let mut g = tonic::client::Grpc::new(ch);
        if a.gzip {
            g = g.send_compressed(CompressionEncoding::Gzip);
        }
        clients.push(g);
    }
    let stats = Arc::new(Stats::default());
    let started = Instant::now();
    let end = started + a.duration;
    let sem = Arc::new(tokio::sync::Semaphore::new(a.concurrency));
    let mut seq = 0usize;
    // Fixed rate: one request per tick; unthrottled: as permits free up.
    let mut ticker = (a.rate > 0).then(|| {
        let per_req = Duration::from_secs_f64(a.batch as f64 / a.rate as f64);
        let mut t = tokio::time::interval(per_req);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        t
    });
    let limit = if a.max_spans == 0 {
        u64::MAX
    } else {
        a.max_spans
    };
    let mut issued = 0u64;
    while Instant::now() < end && issued < limit {
        if let Some(t) = ticker.as_mut() {
            t.tick().await;
        }
        let permit = tokio::select! {
            p = sem.clone().acquire_owned() => p?,
            _ = tokio::time::sleep_until(end.into()) => break,
        };
        let client = clients[seq % clients.len()].clone();
        let body = reqs[seq % reqs.len()].clone();
        let stats = stats.clone();
        let n = a.batch as u64;
        issued += n;
        seq += 1;
        tokio::spawn(async move {
            let _permit = permit;
            if export(client, body).await.is_ok() {
                stats.sent_spans.fetch_add(n, Ordering::Relaxed);
            } else {
                stats.failed_requests.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    // Wait for in-flight requests.
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        sem.acquire_many(a.concurrency as u32),
    )
    .await;
    let secs = started.elapsed().as_secs_f64();
    let sent = stats.sent_spans.load(Ordering::Relaxed);
    println!(
        "{{\"sent_spans\":{sent},\"failed_requests\":{},\"seconds\":{secs:.2},\"spans_per_sec\":{:.0}}}",
        stats.failed_requests.load(Ordering::Relaxed),
        sent as f64 / secs
    );
    Ok(())
}

async fn export(
    mut client: tonic::client::Grpc<Channel>,
    body: Bytes,
) -> Result<(), tonic::Status> {
    client
        .ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    client
        .unary(
            tonic::Request::new(body),
            http::uri::PathAndQuery::from_static(
                "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            ),
            RawCodec::<ExportTraceServiceResponse>(PhantomData),
        )
        .await
        .map(|_| ())
}

async fn sink(listen: &str, duration: Duration, progress: bool) -> Result<(), BoxError> {
    let sink = Arc::new(Sink::counting());
    let cfg = OtlpReceiverConfig {
        grpc: Some(GrpcServerConfig {
            endpoint: listen.into(),
            ..Default::default()
        }),
        http: None,
    };
    let receiver = OtlpReceiver::new(
        "otelcol.receiver.otlp.sink",
        cfg,
        Outputs::all(vec![sink.clone()]),
        &Registry::new(),
    );
    receiver.start().await?;
    eprintln!(
        "sink listening on {}",
        receiver.grpc_addr().map_or("?".into(), |a| a.to_string())
    );
    let end = Instant::now() + duration;
    while Instant::now() < end {
        tokio::time::sleep(
            Duration::from_secs(1).min(end.saturating_duration_since(Instant::now())),
        )
        .await;
        if progress {
            eprintln!("spans={}", sink.items(SignalKind::Traces));
        }
    }
    let _ = receiver
        .shutdown(Instant::now() + Duration::from_secs(2))
        .await;
    println!(
        "FINAL spans={} points={} logs={}",
        sink.items(SignalKind::Traces),
        sink.items(SignalKind::Metrics),
        sink.items(SignalKind::Logs)
    );
    Ok(())
}

/// Sends pre-encoded bytes; decodes the (empty) response.
struct RawCodec<R>(PhantomData<fn() -> R>);
struct RawEncoder;
struct RespDecoder<R>(PhantomData<fn() -> R>);

impl<R: Message + Default + 'static> Codec for RawCodec<R> {
    type Encode = Bytes;
    type Decode = R;
    type Encoder = RawEncoder;
    type Decoder = RespDecoder<R>;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> RespDecoder<R> {
        RespDecoder(PhantomData)
    }
}

impl Encoder for RawEncoder {
    type Item = Bytes;
    type Error = tonic::Status;
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }
}

impl<R: Message + Default> Decoder for RespDecoder<R> {
    type Item = R;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<R>, tonic::Status> {
        R::decode(src)
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}
