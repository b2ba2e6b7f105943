//! Interop with a real OTLP client: the OpenTelemetry Python SDK sends
//! traces, logs and metrics into a receiver -> batch -> attributes ->
//! exporter pipeline whose exporter feeds a sink owned by the test.
//!
//! Skipped (with a "skipped:" line) when `python3 -c "import opentelemetry"`
//! fails, unless `ALLOY_REQUIRE_PEERS=1`, in which case that is a failure.
//! `ALLOY_PEERS_PYTHON` selects the interpreter (default `python3`).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use alloy_otelcol::SignalKind;
use common::*;

fn python() -> String {
    std::env::var("ALLOY_PEERS_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether the SDK is importable; panics if it is required but missing.
fn peers_available() -> bool {
    let ok = std::process::Command::new(python())
        .args(["-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.proto.http"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("ALLOY_REQUIRE_PEERS").as_deref() != Ok("1"),
            "ALLOY_REQUIRE_PEERS=1 but the OpenTelemetry Python SDK is not importable; run: python3 -m pip install -r otelcol/tests/peers/requirements.txt"
        );
        println!("skipped: OpenTelemetry Python SDK not installed (pip install -r otelcol/tests/peers/requirements.txt)");
    }
    ok
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/otlp_peer.py")
}

/// Runs the peer script (bounded by a kill timer) and parses its JSON line.
async fn run_peer(args: &[&str], limit: Duration) -> serde_json::Value {
    let mut cmd = tokio::process::Command::new(python());
    cmd.arg(script())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().expect("spawn python peer");
    let out = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .expect("python peer timed out")
        .expect("peer output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "peer failed: {}\nstderr: {}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().unwrap_or("{}");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad peer output {line:?}: {e}"))
}

async fn sdk_roundtrip(protocol: &str, gzip: bool) {
    let peer = SinkPeer::start().await;
    let p = Pipeline::start(PipelineOpts::to(&peer)).await;
    let endpoint = match protocol {
        "grpc" => p.receiver.grpc_addr().expect("grpc").to_string(),
        _ => p.http_base(),
    };
    let (spans, logs, points) = (3000u64, 1200u64, 250u64);
    let mut args = vec![
        "send".to_string(),
        "--protocol".into(),
        protocol.into(),
        "--endpoint".into(),
        endpoint,
        "--spans".into(),
        spans.to_string(),
        "--logs".into(),
        logs.to_string(),
        "--points".into(),
        points.to_string(),
    ];
    if gzip {
        args.push("--gzip".into());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let res = run_peer(&argv, Duration::from_secs(120)).await;
    assert_eq!(res["spans_ok"], spans, "{res}");
    assert_eq!(res["logs_ok"], logs, "{res}");
    assert_eq!(res["points_ok"], points, "{res}");
    assert_eq!(res["spans_failed"], 0, "{res}");

    let sink = peer.sink.clone();
    wait_for("SDK data at the sink", Duration::from_secs(20), || {
        sink.items(SignalKind::Traces) >= spans
            && sink.items(SignalKind::Logs) >= logs
            && sink.items(SignalKind::Metrics) >= points
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.items(SignalKind::Traces), spans);
    assert_eq!(sink.items(SignalKind::Logs), logs);
    assert_eq!(sink.items(SignalKind::Metrics), points);
    assert!(all_spans_have(&sink, "pipeline", true) && all_spans_have(&sink, "secret", false));
    assert!(all_logs_have(&sink, "pipeline", true) && all_logs_have(&sink, "secret", false));
    assert!(all_points_have(&sink, "pipeline", true) && all_points_have(&sink, "secret", false));
    let transport = if protocol == "grpc" { "grpc" } else { "http" };
    assert_eq!(
        p.metric(
            "otelcol_receiver_accepted_spans_total",
            &[("transport", transport)]
        ),
        spans as f64
    );
    assert_eq!(
        p.metric("otelcol_exporter_sent_spans_total", &[]),
        spans as f64
    );
    assert_eq!(
        p.metric("otelcol_exporter_sent_log_records_total", &[]),
        logs as f64
    );
    assert_eq!(
        p.metric("otelcol_exporter_sent_metric_points_total", &[]),
        points as f64
    );
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_over_grpc() {
    if peers_available() {
        sdk_roundtrip("grpc", false).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_over_http_gzip() {
    if peers_available() {
        sdk_roundtrip("http", true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_sees_refusal_when_the_queue_is_full() {
    if !peers_available() {
        return;
    }
    let peer = SinkPeer::start().await;
    let mut opts = PipelineOpts::to(&peer);
    opts.queue_size = 1;
    opts.num_consumers = 1;
    opts.batch = alloy_otelcol::BatchConfig {
        timeout: Duration::from_millis(10),
        send_batch_size: 10,
        send_batch_max_size: 10,
        ..Default::default()
    };
    let p = Pipeline::start(opts).await;
    let _ = peer.stop().await;
    // One batch at the worker, one queued, two held by the batch processor:
    // the fifth export and later ones must be refused.
    let mut accepted = 0;
    for i in 0..6 {
        let r = run_peer(
            &[
                "refused",
                "--protocol",
                "grpc",
                "--endpoint",
                &p.receiver.grpc_addr().expect("grpc").to_string(),
                "--spans",
                "10",
                "--timeout",
                "3",
                "--run-id",
                &i.to_string(),
            ],
            Duration::from_secs(60),
        )
        .await;
        if r["result"] == "SUCCESS" {
            accepted += 1;
        }
    }
    assert_eq!(
        accepted, 4,
        "a full queue must refuse the exports beyond what is held"
    );
    let r = run_peer(
        &[
            "refused",
            "--protocol",
            "http",
            "--endpoint",
            &p.http_base(),
            "--spans",
            "10",
            "--timeout",
            "3",
        ],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(r["result"], "FAILURE", "{r}");
    assert_eq!(
        p.metric("otelcol_exporter_queue_size", &[("data_type", "traces")]),
        1.0
    );
    assert!(
        p.metric(
            "otelcol_receiver_refused_spans_total",
            &[("transport", "grpc")]
        ) >= 10.0
    );
    assert!(
        p.metric(
            "otelcol_receiver_refused_spans_total",
            &[("transport", "http")]
        ) >= 10.0
    );
    let _ = p.shutdown(Instant::now() + Duration::from_secs(1)).await;
}
