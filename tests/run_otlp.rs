//! `alloy run` with an OTLP pipeline and real peers on both ends:
//!
//! ```text
//! Python OpenTelemetry SDK --OTLP/gRPC--> otelcol.receiver.otlp
//!   -> otelcol.processor.batch -> otelcol.processor.attributes (insert)
//!   -> otelcol.exporter.otlp --OTLP/gRPC--> sink owned by this test
//! ```
//!
//! The sink is `alloy-otelcol`'s own gRPC receiver feeding its recording
//! consumer, so it is a real tonic server independent of the process under
//! test. The test asserts exact counts at the sink, the inserted attribute
//! on every span, log record and data point, the otelcol counters on
//! `/metrics` (with `component_id`), and a clean exit on SIGTERM.
//!
//! Skipped (a "skipped:" line) when `python3 -c "import opentelemetry.sdk"`
//! fails, unless `ALLOY_REQUIRE_PEERS=1`, in which case that is a failure.

mod run_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::Sink;
use alloy_otelcol::{
    GrpcServerConfig, OtlpReceiver, OtlpReceiverConfig, Outputs, Registry, SignalKind,
};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use run_support::{free_port, peers_available};

const ATTR_KEY: &str = "alloy.pipeline";
const ATTR_VALUE: &str = "run_otlp";

/// A plain HTTP/1.0 GET on loopback: status and body.
fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The value of the first sample of `name` whose line contains every
/// `label="value"` pair.
fn sample(metrics: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with('{'))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn has_attr(attrs: &[KeyValue]) -> bool {
    has_attr_value(attrs, ATTR_VALUE)
}

fn has_attr_value(attrs: &[KeyValue], value: &str) -> bool {
    attrs.iter().any(|kv| {
        kv.key == ATTR_KEY
            && kv.value.as_ref().and_then(|v| v.value.as_ref())
                == Some(
                    &opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(
                        value.into(),
                    ),
                )
    })
}

/// Kills the process if the test fails half way.
struct Alloy(Option<Child>);

impl Drop for Alloy {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn config(receiver: u16, sink: SocketAddr, value: &str, max_recv: &str) -> String {
    format!(
        r#"otelcol.receiver.otlp "default" {{
  grpc {{
    endpoint = "127.0.0.1:{receiver}"
    max_recv_msg_size = "{max_recv}"
  }}
  output {{
    traces  = [otelcol.processor.batch.default.input]
    metrics = [otelcol.processor.batch.default.input]
    logs    = [otelcol.processor.batch.default.input]
  }}
}}

otelcol.processor.batch "default" {{
  timeout = "100ms"
  send_batch_size = 200
  output {{
    traces  = [otelcol.processor.attributes.default.input]
    metrics = [otelcol.processor.attributes.default.input]
    logs    = [otelcol.processor.attributes.default.input]
  }}
}}

otelcol.processor.attributes "default" {{
  action {{
    key    = "{ATTR_KEY}"
    value  = "{value}"
    action = "insert"
  }}
  output {{
    traces  = [otelcol.exporter.otlp.sink.input]
    metrics = [otelcol.exporter.otlp.sink.input]
    logs    = [otelcol.exporter.otlp.sink.input]
  }}
}}

otelcol.exporter.otlp "sink" {{
  client {{
    endpoint    = "{sink}"
    compression = "none"
    tls {{
      insecure = true
    }}
  }}
  retry_on_failure {{
    initial_interval = "100ms"
  }}
}}
"#
    )
}

fn run_peer(script: &Path, endpoint: &str, spans: u64, logs: u64, points: u64) -> String {
    let mut child = Command::new("python3")
        .arg(script)
        .args(["send", "--protocol", "grpc", "--endpoint", endpoint])
        .args(["--spans", &spans.to_string()])
        .args(["--logs", &logs.to_string()])
        .args(["--points", &points.to_string()])
        .args(["--timeout", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the python peer");
    let start = Instant::now();
    loop {
        match child.try_wait().expect("poll the python peer") {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("python peer timed out");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let out = child.wait_with_output().expect("peer output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "peer failed: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().last().unwrap_or("{}").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_pipeline_runs_end_to_end() {
    if !peers_available() {
        return;
    }
    // The sink: a real OTLP/gRPC server recording what it accepts.
    let sink = Arc::new(Sink::new());
    let sink_receiver = OtlpReceiver::new(
        "test.sink",
        OtlpReceiverConfig {
            grpc: Some(GrpcServerConfig {
                endpoint: "127.0.0.1:0".into(),
                ..Default::default()
            }),
            http: None,
        },
        Outputs::all(vec![sink.clone()]),
        &Registry::new(),
    );
    sink_receiver.start().await.expect("start the sink");
    let sink_addr = sink_receiver.grpc_addr().expect("sink address");

    let dir: PathBuf = std::env::temp_dir().join(format!("alloy-run-otlp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let receiver_port = free_port();
    let http_addr: SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("address");
    let config_path = dir.join("config.alloy");
    std::fs::write(
        &config_path,
        config(receiver_port, sink_addr, ATTR_VALUE, "8MiB"),
    )
    .expect("write config");
    let log_path = dir.join("alloy.log");
    let log = std::fs::File::create(&log_path).expect("log file");

    let child = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .arg("run")
        .arg(&config_path)
        .arg(format!("--server.http.listen-addr={http_addr}"))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start alloy run");
    let mut alloy = Alloy(Some(child));
    let logs_text = || std::fs::read_to_string(&log_path).unwrap_or_default();

    wait_until("alloy to be ready", Duration::from_secs(30), || {
        if let Some(child) = alloy.0.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("alloy run exited early ({status}):\n{}", logs_text());
            }
        }
        http_get(http_addr, "/-/ready").is_some_and(|(s, _)| s == 200)
    });

    let (spans, logs, points) = (300u64, 120u64, 25u64);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("otelcol/tests/peers/otlp_peer.py");
    let script_out = run_peer(
        &script,
        &format!("127.0.0.1:{receiver_port}"),
        spans,
        logs,
        points,
    );
    let counts: serde_json::Value =
        serde_json::from_str(&script_out).expect("peer prints its counts as JSON");
    assert_eq!(counts["spans_ok"], spans, "{counts}\n{}", logs_text());
    assert_eq!(counts["logs_ok"], logs, "{counts}");
    assert_eq!(counts["points_ok"], points, "{counts}");

    wait_until("the data at the sink", Duration::from_secs(20), || {
        sink.items(SignalKind::Traces) >= spans
            && sink.items(SignalKind::Logs) >= logs
            && sink.items(SignalKind::Metrics) >= points
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.items(SignalKind::Traces), spans);
    assert_eq!(sink.items(SignalKind::Logs), logs);
    assert_eq!(sink.items(SignalKind::Metrics), points);

    {
        let traces = sink.traces.lock().expect("lock");
        let all_spans = traces
            .iter()
            .flat_map(|t| &t.resource_spans)
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans);
        assert!(all_spans.clone().count() as u64 == spans);
        assert!(all_spans.clone().all(|s| has_attr(&s.attributes)));
        let logs_held = sink.logs.lock().expect("lock");
        assert!(logs_held
            .iter()
            .flat_map(|l| &l.resource_logs)
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .all(|r| has_attr(&r.attributes)));
        let metrics_held = sink.metrics.lock().expect("lock");
        let mut checked = 0;
        for m in metrics_held
            .iter()
            .flat_map(|m| &m.resource_metrics)
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
        {
            if let Some(Data::Sum(sum)) = &m.data {
                for p in &sum.data_points {
                    assert!(has_attr(&p.attributes), "point without {ATTR_KEY}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, points);
    }

    let (status, metrics) = http_get(http_addr, "/metrics").expect("GET /metrics");
    assert_eq!(status, 200);
    let receiver_id = [
        ("component_id", "otelcol.receiver.otlp.default"),
        ("component_path", "/"),
        ("transport", "grpc"),
    ];
    assert_eq!(
        sample(
            &metrics,
            "otelcol_receiver_accepted_spans_total",
            &receiver_id
        ),
        Some(spans as f64),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            "otelcol_receiver_accepted_log_records_total",
            &receiver_id
        ),
        Some(logs as f64)
    );
    assert_eq!(
        sample(
            &metrics,
            "otelcol_receiver_accepted_metric_points_total",
            &receiver_id
        ),
        Some(points as f64)
    );
    let exporter_id = [("component_id", "otelcol.exporter.otlp.sink")];
    assert_eq!(
        sample(&metrics, "otelcol_exporter_sent_spans_total", &exporter_id),
        Some(spans as f64),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            "otelcol_exporter_sent_log_records_total",
            &exporter_id
        ),
        Some(logs as f64)
    );
    assert_eq!(
        sample(
            &metrics,
            "otelcol_exporter_sent_metric_points_total",
            &exporter_id
        ),
        Some(points as f64)
    );
    let (status, health) = http_get(http_addr, "/-/healthy").expect("GET /-/healthy");
    assert_eq!(status, 200, "{health}");

    // Reload with changed arguments: the receiver rebinds its port, the
    // processors and the exporter are rebuilt behind their stable `input`,
    // and data keeps flowing with the new attribute value.
    let reloaded = "run_otlp_reloaded";
    std::fs::write(
        &config_path,
        config(receiver_port, sink_addr, reloaded, "9MiB"),
    )
    .expect("rewrite config");
    let (status, body) = http_get(http_addr, "/-/reload").expect("GET /-/reload");
    assert_eq!(status, 200, "{body}\n{}", logs_text());
    let more = 200u64;
    let script_out = run_peer(&script, &format!("127.0.0.1:{receiver_port}"), more, 0, 0);
    let counts: serde_json::Value =
        serde_json::from_str(&script_out).expect("peer prints its counts as JSON");
    assert_eq!(counts["spans_ok"], more, "{counts}\n{}", logs_text());
    wait_until(
        "the data sent after the reload",
        Duration::from_secs(20),
        || sink.items(SignalKind::Traces) >= spans + more,
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.items(SignalKind::Traces), spans + more);
    let with_new_value = sink
        .traces
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|t| &t.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .filter(|s| has_attr_value(&s.attributes, reloaded))
        .count() as u64;
    assert_eq!(with_new_value, more);
    let (_, metrics) = http_get(http_addr, "/metrics").expect("GET /metrics");
    assert_eq!(
        sample(
            &metrics,
            "otelcol_receiver_accepted_spans_total",
            &receiver_id
        ),
        Some((spans + more) as f64),
        "counters survive the update"
    );
    assert_eq!(
        sample(&metrics, "otelcol_exporter_sent_spans_total", &exporter_id),
        Some((spans + more) as f64)
    );

    // SIGTERM: the process stops (receiver first, exporter last) and exits 0.
    let mut child = alloy.0.take().expect("alloy is running");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll alloy") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "alloy run did not exit within 30s of SIGTERM:\n{}",
                logs_text()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status}:\n{}", logs_text());

    sink_receiver
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("stop the sink");
    let _ = std::fs::remove_dir_all(&dir);
}
