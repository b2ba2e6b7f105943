//! What an adversarial probe of the pipeline broke (issue 12): exports in
//! flight when the sink dies, bursts against the batch bound.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::{spans, Sink};
use alloy_otelcol::*;
use common::*;

/// A sink in its own process (the `otlp-pipeline` binary: gRPC receiver ->
/// debug exporter), so it can be stopped and killed like a real peer.
struct SinkProcess {
    child: Child,
    metrics: String,
}

impl SinkProcess {
    fn start(grpc: &str) -> SinkProcess {
        let started = Instant::now();
        loop {
            let mut child = Command::new(env!("CARGO_BIN_EXE_otlp-pipeline"))
                .args(["--grpc", grpc, "--exporter", "debug", "--no-batch"])
                .args(["--metrics", "127.0.0.1:0", "--verbosity", "basic"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn otlp-pipeline");
            let stdout = child.stdout.take().expect("stdout");
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            if let Some(metrics) = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("metrics="))
            {
                return SinkProcess {
                    child,
                    metrics: metrics.to_owned(),
                };
            }
            // The port of a killed sink may take a moment to free.
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "sink did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// `otelcol_receiver_accepted_spans_total` as the sink reports it.
    async fn accepted_spans(&self) -> f64 {
        let addr = self.metrics.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let Ok(mut s) = std::net::TcpStream::connect(&addr) else {
                return 0.0;
            };
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = write!(
                s,
                "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            );
            let mut text = String::new();
            let _ = s.read_to_string(&mut text);
            text.lines()
                .filter(|l| l.starts_with("otelcol_receiver_accepted_spans_total"))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        })
        .await
        .unwrap_or(0.0)
    }
}

impl Drop for SinkProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_in_flight_when_the_sink_dies_is_retried_to_the_next_sink() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let endpoint = format!("127.0.0.1:{port}");
    let first = SinkProcess::start(&endpoint);
    let reg = Registry::new();
    let exporter = Arc::new(
        OtlpGrpcExporter::new(
            "otelcol.exporter.otlp.t",
            OtlpGrpcConfig {
                endpoint: endpoint.clone(),
                tls: TlsClientConfig {
                    insecure: true,
                    ..Default::default()
                },
                // Long enough that the stopped sink, not the timeout, ends
                // the attempt.
                timeout: Duration::from_secs(30),
                retry_on_failure: RetryConfig {
                    initial_interval: Duration::from_millis(200),
                    max_interval: Duration::from_secs(1),
                    ..Default::default()
                },
                ..Default::default()
            },
            &reg,
        )
        .expect("config"),
    );
    exporter.start().await.expect("start");
    // A first span over the connection, so the next export is in flight on
    // an established connection when the sink dies.
    exporter
        .consume_traces(spans("svc", 1, 1))
        .await
        .expect("queued");
    let deadline = Instant::now() + Duration::from_secs(20);
    while first.accepted_spans().await < 1.0 {
        assert!(Instant::now() < deadline, "the first sink got nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    first.signal("-STOP");
    exporter
        .consume_traces(spans("svc", 1000, 2))
        .await
        .expect("queued");
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.signal("-KILL");
    drop(first);

    let second = SinkProcess::start(&endpoint);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = second.accepted_spans().await;
        if got >= 1000.0 {
            assert_eq!(got, 1000.0);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new sink got {got} of 1000 spans; send_failed = {}",
            reg.sum("otelcol_exporter_send_failed_spans_total", &[])
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        reg.sum("otelcol_exporter_send_failed_spans_total", &[]),
        0.0
    );
    let _ = exporter
        .shutdown(Instant::now() + Duration::from_secs(2))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_2000_concurrent_requests_to_a_healthy_pipeline_is_not_refused() {
    let sink = SinkPeer::start().await;
    let pipeline = Pipeline::start(PipelineOpts::to(&sink)).await;
    let batch = pipeline.batch.clone();
    let started = Instant::now();
    let tasks: Vec<_> = (0..2000u64)
        .map(|i| {
            let batch = batch.clone();
            tokio::spawn(async move { batch.consume_traces(spans("svc", 10, i + 10)).await })
        })
        .collect();
    let mut refused = 0;
    for t in tasks {
        if t.await.expect("task").is_err() {
            refused += 1;
        }
    }
    assert_eq!(refused, 0, "requests refused by a healthy pipeline");
    let sink_data: Arc<Sink> = sink.sink.clone();
    wait_for(
        "all 20,000 spans at the sink",
        Duration::from_secs(60),
        || sink_data.items(SignalKind::Traces) >= 20_000,
    )
    .await;
    assert_eq!(sink_data.items(SignalKind::Traces), 20_000);
    eprintln!(
        "burst of 2000 x 10 spans delivered in {:?}",
        started.elapsed()
    );
    let _ = pipeline
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await;
}

/// One span with the given IDs, as an encoded `ExportTraceServiceRequest`.
fn request_with_ids(
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
) -> opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
    let mut traces = spans("svc", 1, 7);
    let span = &mut traces.resource_spans[0].scope_spans[0].spans[0];
    span.trace_id = trace_id;
    span.span_id = span_id;
    opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
        resource_spans: traces.resource_spans,
    }
}

async fn post_proto(
    url: &str,
    req: &opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
) -> HttpReply {
    use prost::Message;
    http_post(
        url,
        "POST",
        "application/x-protobuf",
        None,
        req.encode_to_vec(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_of_the_wrong_length_are_refused_with_upstreams_400_and_message() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;

    let sink = SinkPeer::start().await;
    let pipeline = Pipeline::start(PipelineOpts::to(&sink)).await;
    let url = format!("{}/v1/traces", pipeline.http_base());
    let cases = [
        (
            vec![1u8; 5],
            vec![2u8; 8],
            "unmarshal: invalid TraceID length",
        ),
        (
            vec![1u8; 17],
            vec![2u8; 8],
            "unmarshal: invalid TraceID length",
        ),
        (
            vec![1u8; 16],
            vec![2u8; 9],
            "unmarshal: invalid SpanID length",
        ),
    ];
    for (trace_id, span_id, message) in cases {
        let req = request_with_ids(trace_id.clone(), span_id.clone());
        let r = post_proto(&url, &req).await;
        assert_eq!(r.status, 400);
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains(message), "{body:?}");

        let json = serde_json::to_vec(&req).expect("json");
        let r = http_post(&url, "POST", "application/json", None, json).await;
        assert_eq!(r.status, 400);
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json status");
        assert_eq!(body["message"], "ID.UnmarshalJSONIter: length mismatch");

        let mut client = TraceServiceClient::connect(pipeline.grpc_url())
            .await
            .expect("connect");
        let status = client.export(req).await.expect_err("refused");
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(status.message().contains(message), "{}", status.message());
    }
    // Right lengths and empty IDs pass.
    for (t, s) in [(vec![1u8; 16], vec![2u8; 8]), (vec![], vec![])] {
        let req = request_with_ids(t, s);
        let r = post_proto(&url, &req).await;
        assert_eq!(r.status, 200);
    }
    let sink_data = sink.sink.clone();
    wait_for("the two valid spans", Duration::from_secs(10), || {
        sink_data.items(SignalKind::Traces) >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink_data.items(SignalKind::Traces),
        2,
        "a span with a bad ID was forwarded"
    );
    let _ = pipeline
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await;
}

/// A consumer that holds every call until released, so reservations stay.
struct Gate {
    open: tokio::sync::Semaphore,
    taken: std::sync::atomic::AtomicUsize,
}

impl Consumer for Gate {
    fn consume_traces(&self, _data: Traces) -> alloy_otelcol::pdata::ConsumeFuture<'_> {
        Box::pin(async move {
            self.taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _permit = self.open.acquire().await;
            Ok(())
        })
    }
    fn consume_metrics(&self, _data: Metrics) -> alloy_otelcol::pdata::ConsumeFuture<'_> {
        Box::pin(async { Ok(()) })
    }
    fn consume_logs(&self, _data: Logs) -> alloy_otelcol::pdata::ConsumeFuture<'_> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decoding_memory_is_bounded_by_the_receivers_own_limit() {
    use prost::Message;

    let gate = Arc::new(Gate {
        open: tokio::sync::Semaphore::new(0),
        taken: std::sync::atomic::AtomicUsize::new(0),
    });
    let reg = Registry::new();
    let receiver = OtlpReceiver::with_decode_memory_limit(
        "otelcol.receiver.otlp.limited",
        OtlpReceiverConfig {
            grpc: None,
            http: Some(HttpServerConfig {
                endpoint: "127.0.0.1:0".into(),
                ..Default::default()
            }),
        },
        Outputs::all(vec![gate.clone()]),
        &reg,
        4 << 20,
    );
    receiver.start().await.expect("start");
    let url = format!("http://{}/v1/traces", receiver.http_addr().expect("http"));
    // About 600 KB: decoded (the gate takes no encoded data), 6 x 600 KB of
    // a 4 MiB budget fits once.
    let body = opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
        resource_spans: spans("svc", 4400, 3).resource_spans,
    }
    .encode_to_vec();
    assert!(
        body.len() > 550_000 && body.len() < 1_000_000,
        "{}",
        body.len()
    );

    let first = tokio::spawn({
        let (url, body) = (url.clone(), body.clone());
        async move { http_post(&url, "POST", "application/x-protobuf", None, body).await }
    });
    wait_for(
        "the first request to be held",
        Duration::from_secs(10),
        || gate.taken.load(std::sync::atomic::Ordering::SeqCst) == 1,
    )
    .await;
    let refused = http_post(&url, "POST", "application/x-protobuf", None, body.clone()).await;
    assert_eq!(refused.status, 503, "{:?}", refused.body);
    assert!(refused.headers.contains_key("retry-after"));
    assert_eq!(
        reg.sum("otelcol_receiver_memory_limited_requests_total", &[]),
        1.0
    );
    // Released: the reservation returns with the response.
    gate.open.add_permits(100);
    assert_eq!(first.await.expect("task").status, 200);
    let again = http_post(&url, "POST", "application/x-protobuf", None, body).await;
    assert_eq!(again.status, 200);
    let _ = receiver
        .shutdown(Instant::now() + Duration::from_secs(2))
        .await;
}
