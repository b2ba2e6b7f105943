//! End-to-end tests of receiver -> batch -> attributes -> exporter -> sink
//! over loopback, with Rust clients (tonic and raw HTTP).

mod common;

use std::time::{Duration, Instant};

use alloy_otelcol::testing::{gauge_points, log_records, spans};
use alloy_otelcol::SignalKind;
use common::*;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use tonic::codec::CompressionEncoding;

fn trace_req(n: usize, seed: u64) -> ExportTraceServiceRequest {
    let mut t = spans("rust-client", n, seed);
    for sp in t
        .resource_spans
        .iter_mut()
        .flat_map(|r| &mut r.scope_spans)
        .flat_map(|s| &mut s.spans)
    {
        sp.attributes
            .push(alloy_otelcol::testing::kv_str("secret", "x"));
    }
    ExportTraceServiceRequest {
        resource_spans: t.resource_spans,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_signals_over_grpc_and_http_arrive_exactly_once_with_attribute_changes() {
    let peer = SinkPeer::start().await;
    let p = Pipeline::start(PipelineOpts::to(&peer)).await;

    let mut traces = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    for i in 0..10 {
        traces.export(trace_req(100, i)).await.expect("grpc traces");
    }
    let mut gz = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect")
        .send_compressed(CompressionEncoding::Gzip);
    gz.export(trace_req(50, 99))
        .await
        .expect("grpc gzip traces");
    let mut metrics = MetricsServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    metrics
        .export(ExportMetricsServiceRequest {
            resource_metrics: gauge_points("rust-client", 500).resource_metrics,
        })
        .await
        .expect("grpc metrics");
    let mut logs = LogsServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    logs.export(ExportLogsServiceRequest {
        resource_logs: log_records("rust-client", 700).resource_logs,
    })
    .await
    .expect("grpc logs");

    // HTTP: protobuf, gzip'd protobuf, JSON.
    let base = p.http_base();
    let r = http_post(
        &format!("{base}/v1/traces"),
        "POST",
        "application/x-protobuf",
        None,
        trace_req(300, 1000).encode_to_vec(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/x-protobuf"[..])
    );
    let r = http_post(
        &format!("{base}/v1/traces"),
        "POST",
        "application/x-protobuf",
        Some("gzip"),
        gzip(&trace_req(100, 2000).encode_to_vec()),
    )
    .await;
    assert_eq!(r.status, 200);
    let json = serde_json::to_vec(&trace_req(200, 3000)).expect("json");
    assert!(String::from_utf8_lossy(&json).contains("\"traceId\":\""));
    let r = http_post(
        &format!("{base}/v1/traces"),
        "POST",
        "application/json",
        None,
        json,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(&r.body[..], b"{}");
    let logs_json = serde_json::to_vec(&ExportLogsServiceRequest {
        resource_logs: log_records("json", 30).resource_logs,
    })
    .expect("json");
    let r = http_post(
        &format!("{base}/v1/logs"),
        "POST",
        "application/json; charset=utf-8",
        Some("gzip"),
        gzip(&logs_json),
    )
    .await;
    assert_eq!(r.status, 200);

    let want_spans = 1000 + 50 + 300 + 100 + 200;
    let sink = peer.sink.clone();
    wait_for("all items at the sink", Duration::from_secs(20), || {
        sink.items(SignalKind::Traces) >= want_spans
            && sink.items(SignalKind::Metrics) >= 500
            && sink.items(SignalKind::Logs) >= 730
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.items(SignalKind::Traces), want_spans);
    assert_eq!(sink.items(SignalKind::Metrics), 500);
    assert_eq!(sink.items(SignalKind::Logs), 730);
    assert!(all_spans_have(&sink, "pipeline", true));
    assert!(all_spans_have(&sink, "secret", false));
    assert!(all_logs_have(&sink, "pipeline", true));
    assert!(all_points_have(&sink, "pipeline", true));

    // Telemetry, with upstream names and labels.
    let rl = [("receiver", "otlp/otelcol.receiver.otlp.default")];
    assert_eq!(
        p.metric(
            "otelcol_receiver_accepted_spans_total",
            &[rl[0], ("transport", "grpc")]
        ),
        1050.0
    );
    assert_eq!(
        p.metric(
            "otelcol_receiver_accepted_spans_total",
            &[rl[0], ("transport", "http")]
        ),
        600.0
    );
    assert_eq!(
        p.metric("otelcol_receiver_accepted_metric_points_total", &rl),
        500.0
    );
    assert_eq!(
        p.metric("otelcol_receiver_accepted_log_records_total", &rl),
        730.0
    );
    assert_eq!(p.metric("otelcol_receiver_refused_spans_total", &rl), 0.0);
    let el = [("exporter", "otlp_grpc/otelcol.exporter.otlp.default")];
    assert_eq!(
        p.metric("otelcol_exporter_sent_spans_total", &el),
        want_spans as f64
    );
    assert_eq!(
        p.metric("otelcol_exporter_sent_metric_points_total", &el),
        500.0
    );
    assert_eq!(
        p.metric("otelcol_exporter_sent_log_records_total", &el),
        730.0
    );
    assert_eq!(
        p.metric(
            "otelcol_exporter_queue_capacity",
            &[el[0], ("data_type", "traces")]
        ),
        1000.0
    );
    assert!(p.metric("otelcol_processor_batch_batch_send_size", &[]) > 0.0);
    let text = p.metrics_text();
    assert!(
        text.contains("# TYPE otelcol_receiver_accepted_spans_total counter"),
        "{text}"
    );
    assert!(text.contains(
        "otelcol_receiver_accepted_spans_total{component_id=\"otelcol.receiver.otlp.default\",component_path=\"/\",otel_scope_name=\"go.opentelemetry.io/collector/receiver/receiverhelper\",otel_scope_schema_url=\"\",otel_scope_version=\"\",receiver=\"otlp/otelcol.receiver.otlp.default\",transport=\"grpc\"} 1050"
    ), "{text}");
    assert!(
        text.contains("otelcol_exporter_queue_size{component_id=\"otelcol.exporter.otlp.default\""),
        "{text}"
    );
    assert!(
        text.contains("otelcol_processor_batch_batch_send_size_bucket{"),
        "{text}"
    );
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_of_several_seconds_loses_nothing() {
    let peer = SinkPeer::start().await;
    let mut opts = PipelineOpts::to(&peer);
    // 20 batches: 10 retried by the workers, 10 waiting in the queue.
    opts.batch = alloy_otelcol::BatchConfig {
        send_batch_size: 100,
        send_batch_max_size: 100,
        ..Default::default()
    };
    let p = Pipeline::start(opts).await;
    let (sink, grpc, http) = peer.stop().await;

    let mut client = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    for i in 0..20 {
        client
            .export(trace_req(100, i))
            .await
            .expect("accepted while the sink is down (queued)");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.items(SignalKind::Traces), 0);
    assert!(
        p.metric("otelcol_exporter_queue_size", &[]) >= 1.0,
        "data waits in the queue"
    );
    let peer = SinkPeer::start_on(&grpc.to_string(), &http.to_string(), sink.clone(), None).await;
    wait_for(
        "queued spans delivered after the outage",
        Duration::from_secs(20),
        || sink.items(SignalKind::Traces) >= 2000,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.items(SignalKind::Traces), 2000);
    assert_eq!(
        p.metric("otelcol_exporter_send_failed_spans_total", &[]),
        0.0
    );
    assert_eq!(p.metric("otelcol_exporter_sent_spans_total", &[]), 2000.0);
    assert_eq!(p.metric("otelcol_exporter_queue_size", &[]), 0.0);
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean shutdown");
    let _ = peer.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_queue_refuses_to_the_client_and_is_counted_and_accepted_data_is_delivered() {
    let peer = SinkPeer::start().await;
    let mut opts = PipelineOpts::to(&peer);
    opts.queue_size = 2;
    opts.num_consumers = 1;
    opts.batch = alloy_otelcol::BatchConfig {
        timeout: Duration::from_millis(10),
        send_batch_size: 50,
        send_batch_max_size: 50,
        ..Default::default()
    };
    let p = Pipeline::start(opts).await;
    let (sink, grpc, http) = peer.stop().await;

    let mut client = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    let mut refused_grpc = 0;
    let mut accepted = 0u64;
    for i in 0..8 {
        match client.export(trace_req(50, i)).await {
            Ok(_) => accepted += 50,
            Err(s) => {
                assert_eq!(s.code(), tonic::Code::Unavailable, "{s:?}");
                refused_grpc += 1;
            }
        }
    }
    assert!(refused_grpc > 0, "a full queue must refuse");
    let r = http_post(
        &format!("{}/v1/traces", p.http_base()),
        "POST",
        "application/x-protobuf",
        None,
        trace_req(50, 100).encode_to_vec(),
    )
    .await;
    assert_eq!(r.status, 503, "HTTP clients get 503 so they retry");
    let st = alloy_otelcol::receiver::otlp::status::RpcStatus::decode(&r.body[..])
        .expect("google.rpc.Status body");
    assert_eq!(st.code, tonic::Code::Unavailable as i32);

    let refused_items = p.metric("otelcol_receiver_refused_spans_total", &[]);
    assert_eq!(refused_items, (refused_grpc * 50 + 50) as f64);
    // The batch processor held back instead of overfilling the queue.
    assert_eq!(
        p.metric("otelcol_exporter_queue_size", &[("data_type", "traces")]),
        2.0
    );
    assert_eq!(
        p.metric("otelcol_exporter_enqueue_failed_spans_total", &[]),
        0.0
    );
    assert_eq!(
        p.metric("otelcol_receiver_accepted_spans_total", &[]),
        accepted as f64
    );

    let peer = SinkPeer::start_on(&grpc.to_string(), &http.to_string(), sink.clone(), None).await;
    wait_for("accepted spans delivered", Duration::from_secs(20), || {
        sink.items(SignalKind::Traces) >= accepted
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.items(SignalKind::Traces),
        accepted,
        "everything accepted arrives; nothing else does"
    );
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean shutdown");
    let _ = peer.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_the_queue_or_reports_what_it_gave_up() {
    // Peer returns during shutdown: everything is delivered before it ends.
    let peer = SinkPeer::start().await;
    let p = Pipeline::start(PipelineOpts::to(&peer)).await;
    let (sink, grpc, http) = peer.stop().await;
    let mut client = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    for i in 0..5 {
        client.export(trace_req(100, i)).await.expect("queued");
    }
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        SinkPeer::start_on(&grpc.to_string(), &http.to_string(), sink, None).await
    });
    p.shutdown(Instant::now() + Duration::from_secs(15))
        .await
        .expect("drained before the deadline");
    let peer = restart.await.expect("restart");
    assert_eq!(peer.sink.items(SignalKind::Traces), 500);
    let _ = peer.stop().await;

    // Peer never returns: the deadline bounds shutdown and the loss is counted.
    let peer = SinkPeer::start().await;
    let p = Pipeline::start(PipelineOpts::to(&peer)).await;
    let _ = peer.stop().await;
    let mut client = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    client.export(trace_req(100, 1)).await.expect("queued");
    let started = Instant::now();
    let err = p
        .shutdown(Instant::now() + Duration::from_secs(2))
        .await
        .expect_err("deadline hit");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.abandoned_items, 100);
    assert_eq!(
        p.metric("otelcol_exporter_send_failed_spans_total", &[]),
        100.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_errors_and_the_server_keeps_serving() {
    let peer = SinkPeer::start().await;
    let mut opts = PipelineOpts::to(&peer);
    opts.grpc_max_recv = 64 * 1024;
    opts.http_max_body = 64 * 1024;
    let p = Pipeline::start(opts).await;
    let base = p.http_base();
    let url = format!("{base}/v1/traces");

    let garbage = vec![0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02];
    let r = http_post(
        &url,
        "POST",
        "application/x-protobuf",
        None,
        garbage.clone(),
    )
    .await;
    assert_eq!(r.status, 400);
    let st =
        alloy_otelcol::receiver::otlp::status::RpcStatus::decode(&r.body[..]).expect("status body");
    assert_eq!(st.code, tonic::Code::InvalidArgument as i32);
    let r = http_post(
        &url,
        "POST",
        "application/json",
        None,
        b"{\"resourceSpans\": [".to_vec(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("\"code\":3"));
    let r = http_post(&url, "POST", "text/plain", None, b"hello".to_vec()).await;
    assert_eq!(r.status, 415);
    let r = http_post(&url, "GET", "application/x-protobuf", None, Vec::new()).await;
    assert_eq!(r.status, 405);
    let r = http_post(
        &format!("{base}/v1/nope"),
        "POST",
        "application/x-protobuf",
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(r.status, 404);
    let big = trace_req(2000, 1).encode_to_vec();
    assert!(big.len() > 64 * 1024);
    let r = http_post(&url, "POST", "application/x-protobuf", None, big.clone()).await;
    assert_eq!(r.status, 400, "oversized body");
    let bomb = gzip(&vec![0u8; 1 << 20]);
    let r = http_post(&url, "POST", "application/x-protobuf", Some("gzip"), bomb).await;
    assert_eq!(r.status, 400, "decompressed size is capped");
    let gz = gzip(&trace_req(10, 1).encode_to_vec());
    let r = http_post(
        &url,
        "POST",
        "application/x-protobuf",
        Some("gzip"),
        gz[..gz.len() / 2].to_vec(),
    )
    .await;
    assert_eq!(r.status, 400, "truncated gzip");
    let r = http_post(
        &url,
        "POST",
        "application/x-protobuf",
        Some("br"),
        b"xx".to_vec(),
    )
    .await;
    assert_eq!(r.status, 400, "unsupported encoding");

    // gRPC: oversized and malformed messages.
    let mut client = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    let err = client
        .export(trace_req(2000, 1))
        .await
        .expect_err("over max_recv_msg_size");
    assert!(
        matches!(
            err.code(),
            tonic::Code::ResourceExhausted | tonic::Code::OutOfRange | tonic::Code::Internal
        ),
        "{err:?}"
    );
    let mut raw = tonic::client::Grpc::new(
        tonic::transport::Endpoint::from_shared(p.grpc_url())
            .expect("uri")
            .connect()
            .await
            .expect("connect"),
    );
    raw.ready().await.expect("ready");
    let err = raw
        .unary::<Vec<u8>, opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse, _>(
            tonic::Request::new(garbage),
            http::uri::PathAndQuery::from_static("/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
            RawBytesCodec,
        )
        .await
        .expect_err("malformed protobuf");
    assert_eq!(err.code(), tonic::Code::Internal, "{err:?}");

    // Still serving.
    let mut client = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    client
        .export(trace_req(10, 1))
        .await
        .expect("good request after bad ones");
    let r = http_post(
        &url,
        "POST",
        "application/x-protobuf",
        None,
        trace_req(10, 2).encode_to_vec(),
    )
    .await;
    assert_eq!(r.status, 200);
    wait_for("good data", Duration::from_secs(10), || {
        peer.sink.items(SignalKind::Traces) >= 20
    })
    .await;
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean shutdown");
}

/// Sends raw bytes as a gRPC message, to deliver malformed protobuf.
#[derive(Clone, Copy)]
struct RawBytesCodec;

impl tonic::codec::Codec for RawBytesCodec {
    type Encode = Vec<u8>;
    type Decode = opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    type Encoder = RawBytesEnc;
    type Decoder = tonic_prost::ProstDecoder<Self::Decode>;
    fn encoder(&mut self) -> Self::Encoder {
        RawBytesEnc
    }
    fn decoder(&mut self) -> Self::Decoder {
        tonic_prost::ProstDecoder::default()
    }
}

struct RawBytesEnc;

impl tonic::codec::Encoder for RawBytesEnc {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlphttp_exporter_retries_refusals_until_accepted() {
    let peer = SinkPeer::start().await;
    let mut opts = PipelineOpts::to(&peer);
    opts.use_http_exporter = true;
    opts.exporter_endpoint = format!("http://{}", peer.http);
    let p = Pipeline::start(opts).await;
    // The sink refuses retryably (its receiver answers 503) for a while.
    peer.sink
        .set_refusal(Some(alloy_otelcol::ConsumeError::retryable("sink busy")));
    let mut client = LogsServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    client
        .export(ExportLogsServiceRequest {
            resource_logs: log_records("svc", 300).resource_logs,
        })
        .await
        .expect("queued");
    let mut traces = TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect");
    traces.export(trace_req(200, 5)).await.expect("queued");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(peer.sink.items(SignalKind::Logs), 0);
    peer.sink.set_refusal(None);
    wait_for("delivered after 503s", Duration::from_secs(15), || {
        peer.sink.items(SignalKind::Logs) >= 300 && peer.sink.items(SignalKind::Traces) >= 200
    })
    .await;
    assert_eq!(peer.sink.items(SignalKind::Logs), 300);
    let el = [("exporter", "otlp_http/otelcol.exporter.otlphttp.default")];
    assert_eq!(
        p.metric("otelcol_exporter_sent_log_records_total", &el),
        300.0
    );
    assert_eq!(
        p.metric("otelcol_exporter_send_failed_log_records_total", &el),
        0.0
    );

    // A permanent refusal (HTTP 500) is not retried and is counted as failed.
    peer.sink
        .set_refusal(Some(alloy_otelcol::ConsumeError::permanent("bad data")));
    client
        .export(ExportLogsServiceRequest {
            resource_logs: log_records("svc", 10).resource_logs,
        })
        .await
        .expect("queued");
    wait_for("permanent failure counted", Duration::from_secs(10), || {
        p.metric("otelcol_exporter_send_failed_log_records_total", &el) >= 10.0
    })
    .await;
    assert_eq!(peer.sink.items(SignalKind::Logs), 300);
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean shutdown");
}
