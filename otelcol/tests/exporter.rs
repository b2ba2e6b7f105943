//! The exporter's sending queue on its own (no batch processor in front).

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::spans;
use alloy_otelcol::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_queue_refuses_with_a_counted_error_and_shutdown_accounts_for_everything() {
    // Nothing listens on this port: sends fail and are retried.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = dead.local_addr().expect("addr").to_string();
    drop(dead);
    let reg = Registry::new();
    let cfg = OtlpGrpcConfig {
        endpoint,
        tls: TlsClientConfig {
            insecure: true,
            ..Default::default()
        },
        sending_queue: QueueConfig {
            queue_size: 1,
            num_consumers: 1,
            ..Default::default()
        },
        retry_on_failure: RetryConfig {
            initial_interval: Duration::from_millis(100),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = Arc::new(OtlpGrpcExporter::new("otelcol.exporter.otlp.t", cfg, &reg).expect("config"));
    e.start().await.expect("start");
    e.consume_traces(spans("svc", 10, 1))
        .await
        .expect("taken by the worker");
    tokio::time::sleep(Duration::from_millis(100)).await;
    e.consume_traces(spans("svc", 20, 2)).await.expect("queued");
    assert!(!e.has_capacity(SignalKind::Traces));
    let err = e
        .consume_traces(spans("svc", 30, 3))
        .await
        .expect_err("queue full");
    assert_eq!(err.kind(), ConsumeErrorKind::Backpressure);
    let l = [("exporter", "otlp_grpc/otelcol.exporter.otlp.t")];
    assert_eq!(
        reg.sum("otelcol_exporter_enqueue_failed_spans_total", &l),
        30.0
    );
    assert_eq!(reg.sum("otelcol_exporter_queue_size", &l), 1.0);
    assert_eq!(
        reg.sum(
            "otelcol_exporter_queue_capacity",
            &[("data_type", "traces")]
        ),
        1.0
    );

    let started = Instant::now();
    let err = e
        .shutdown(Instant::now() + Duration::from_millis(500))
        .await
        .expect_err("peer never came");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(err.abandoned_items, 30);
    assert_eq!(
        reg.sum("otelcol_exporter_send_failed_spans_total", &l),
        30.0
    );
    assert_eq!(reg.sum("otelcol_exporter_sent_spans_total", &l), 0.0);
    assert_eq!(reg.sum("otelcol_exporter_queue_size", &l), 0.0);
    let refused = e
        .consume_traces(spans("svc", 5, 4))
        .await
        .expect_err("closed");
    assert_eq!(refused.kind(), ConsumeErrorKind::Retryable);
}

#[tokio::test]
async fn debug_exporter_counts_and_renders() {
    let reg = Registry::new();
    let e = DebugExporter::new(
        "otelcol.exporter.debug.t",
        DebugConfig {
            verbosity: Verbosity::Detailed,
            ..Default::default()
        },
        &reg,
    );
    e.consume_traces(spans("svc", 3, 1)).await.expect("ok");
    e.consume_logs(alloy_otelcol::testing::log_records("svc", 2))
        .await
        .expect("ok");
    assert_eq!(
        reg.sum(
            "otelcol_exporter_sent_spans_total",
            &[("exporter", "debug/otelcol.exporter.debug.t")]
        ),
        3.0
    );
    assert_eq!(reg.sum("otelcol_exporter_sent_log_records_total", &[]), 2.0);
    let text =
        alloy_otelcol::exporter::debug::render_traces(&spans("svc", 1, 1), Verbosity::Detailed);
    assert!(
        text.contains("Span #0")
            && text.contains("Kind           : Server")
            && text.contains("-> service.name: Str(svc)"),
        "{text}"
    );
    let normal =
        alloy_otelcol::exporter::debug::render_traces(&spans("svc", 2, 1), Verbosity::Normal);
    assert_eq!(normal.lines().count(), 4, "{normal}");
}
