//! `otelcol.processor.filter` and `otelcol.processor.transform` under
//! `alloy run`: the OpenTelemetry Python SDK sends spans, logs and metric
//! points over OTLP/gRPC; a test-owned sink checks that the OTTL
//! conditions dropped what they match and the statements rewrote the rest.
//!
//! Skipped without the Python SDK unless `ALLOY_REQUIRE_PEERS=1`.

mod run_support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::Sink;
use alloy_otelcol::{
    GrpcServerConfig, OtlpReceiver, OtlpReceiverConfig, Outputs, Registry, SignalKind,
};
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use run_support::{eventually, free_port, metric, peers_available, run_to_end, Alloy, TempDir};

fn peer(args: &[&str]) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("otelcol/tests/peers/otlp_peer.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the python peer");
    let start = Instant::now();
    while child.try_wait().expect("poll the peer").is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("python peer timed out");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("peer output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("peer printed no JSON: {stdout}"))
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn int_attr(attrs: &[KeyValue], key: &str) -> Option<i64> {
    match attr(attrs, key) {
        Some(any_value::Value::IntValue(i)) => Some(*i),
        _ => None,
    }
}

fn str_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match attr(attrs, key) {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_and_transform_rewrite_sdk_telemetry() {
    if !peers_available() {
        return;
    }
    let sink = Arc::new(Sink::new());
    let sink_port = free_port();
    let receiver = OtlpReceiver::new(
        "test.sink",
        OtlpReceiverConfig {
            grpc: Some(GrpcServerConfig {
                endpoint: format!("127.0.0.1:{sink_port}"),
                ..Default::default()
            }),
            http: None,
        },
        Outputs::all(vec![sink.clone()]),
        &Registry::new(),
    );
    receiver.start().await.expect("start the sink");

    let dir = TempDir::new("ottl-run");
    let grpc_port = free_port();
    let config = dir.write(
        "config.alloy",
        &format!(
            r#"otelcol.receiver.otlp "in" {{
  grpc {{
    endpoint = "127.0.0.1:{grpc_port}"
  }}
  output {{
    traces  = [otelcol.processor.filter.drop.input]
    metrics = [otelcol.processor.filter.drop.input]
    logs    = [otelcol.processor.filter.drop.input]
  }}
}}

otelcol.processor.filter "drop" {{
  error_mode = "ignore"
  traces {{
    span = ["name == \"op-3\""]
  }}
  metrics {{
    datapoint = ["attributes[\"series\"] == 0"]
  }}
  logs {{
    log_record = [`IsMatch(body, "line 1\\d$")`]
  }}
  output {{
    traces  = [otelcol.processor.transform.rewrite.input]
    metrics = [otelcol.processor.transform.rewrite.input]
    logs    = [otelcol.processor.transform.rewrite.input]
  }}
}}

otelcol.processor.transform "rewrite" {{
  error_mode = "ignore"
  trace_statements {{
    context = "resource"
    statements = [`set(attributes["env"], "test")`]
  }}
  trace_statements {{
    context = "span"
    statements = [
      `delete_key(attributes, "secret")`,
      `set(attributes["index.doubled"], attributes["peer.index"] * 2)`,
      `set(name, Concat(["renamed", name], "-")) where attributes["peer.index"] == 5`,
    ]
  }}
  log_statements {{
    context = "log"
    statements = [
      `set(severity_text, "INFO2") where IsMatch(body, "line 2")`,
      `replace_pattern(attributes["secret"], "s3cr3t", "***")`,
    ]
  }}
  statements {{
    metric = [
      `set(metric.description, "rewritten")`,
      `delete_key(datapoint.attributes, "secret")`,
    ]
  }}
  output {{
    traces  = [otelcol.exporter.otlp.sink.input]
    metrics = [otelcol.exporter.otlp.sink.input]
    logs    = [otelcol.exporter.otlp.sink.input]
  }}
}}

otelcol.exporter.otlp "sink" {{
  client {{
    endpoint = "127.0.0.1:{sink_port}"
    tls {{
      insecure = true
    }}
  }}
}}
"#
        ),
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    let endpoint = format!("127.0.0.1:{grpc_port}");
    let counts = peer(&[
        "send",
        "--protocol",
        "grpc",
        "--endpoint",
        &endpoint,
        "--spans",
        "120",
        "--logs",
        "30",
        "--points",
        "10",
        "--timeout",
        "10",
    ]);
    assert_eq!(counts["spans_ok"], 120, "{counts}\n{}", alloy.stderr());
    assert_eq!(counts["logs_ok"], 30, "{counts}");
    assert_eq!(counts["points_ok"], 10, "{counts}");

    // 12 of 120 spans are op-3; lines 10..=19 match; series 0 is one point.
    let done = eventually(Duration::from_secs(30), || {
        sink.items(SignalKind::Traces) >= 108
            && sink.items(SignalKind::Logs) >= 20
            && sink.items(SignalKind::Metrics) >= 9
    });
    assert!(done, "sink saw too little; alloy log:\n{}", alloy.stderr());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.items(SignalKind::Traces), 108);
    assert_eq!(sink.items(SignalKind::Logs), 20);
    assert_eq!(sink.items(SignalKind::Metrics), 9);

    {
        let traces = sink.traces.lock().expect("lock");
        let mut renamed = 0;
        for rs in traces.iter().flat_map(|t| &t.resource_spans) {
            let res = rs.resource.as_ref().expect("resource");
            assert_eq!(str_attr(&res.attributes, "env"), Some("test"));
            for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                assert_ne!(span.name, "op-3");
                assert!(attr(&span.attributes, "secret").is_none(), "{span:?}");
                let index = int_attr(&span.attributes, "peer.index").expect("peer.index");
                assert_eq!(int_attr(&span.attributes, "index.doubled"), Some(index * 2));
                if index == 5 {
                    assert_eq!(span.name, "renamed-op-5");
                    renamed += 1;
                }
            }
        }
        assert_eq!(renamed, 1);
    }
    {
        let logs = sink.logs.lock().expect("lock");
        let records: Vec<_> = logs
            .iter()
            .flat_map(|l| &l.resource_logs)
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .collect();
        for rec in &records {
            let body = match rec.body.as_ref().and_then(|b| b.value.as_ref()) {
                Some(any_value::Value::StringValue(s)) => s.clone(),
                other => panic!("body {other:?}"),
            };
            assert!(
                !body.starts_with("peer log line 1") || body == "peer log line 1",
                "{body}"
            );
            assert_eq!(str_attr(&rec.attributes, "secret"), Some("***"));
            let want = if body.starts_with("peer log line 2") {
                "INFO2"
            } else {
                "INFO"
            };
            assert_eq!(rec.severity_text, want, "{body}");
        }
    }
    {
        let metrics = sink.metrics.lock().expect("lock");
        for m in metrics
            .iter()
            .flat_map(|m| &m.resource_metrics)
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
        {
            assert_eq!(m.description, "rewritten");
            if let Some(opentelemetry_proto::tonic::metrics::v1::metric::Data::Sum(s)) = &m.data {
                for p in &s.data_points {
                    assert!(attr(&p.attributes, "secret").is_none());
                    assert_ne!(int_attr(&p.attributes, "series"), Some(0));
                }
            }
        }
    }
    let (_, text) = alloy.get("/metrics");
    let filter = r#"{component_id="otelcol.processor.filter.drop""#;
    assert_eq!(
        metric(
            &text,
            &format!("otelcol_processor_filter_spans_filtered_total{filter}")
        ),
        Some(12.0),
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            &format!("otelcol_processor_filter_logs_filtered_total{filter}")
        ),
        Some(10.0),
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            &format!("otelcol_processor_filter_datapoints_filtered_total{filter}")
        ),
        Some(1.0),
        "{text}"
    );
    receiver
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .ok();
}

/// A bad statement fails the component at start with the statement and
/// the column of the problem; nothing silently passes through.
#[test]
fn a_bad_statement_is_refused_with_its_position() {
    let dir = TempDir::new("ottl-bad");
    let config = dir.write(
        "config.alloy",
        r#"otelcol.processor.transform "t" {
  trace_statements {
    context    = "span"
    statements = [`set(atributes["x"], "y")`]
  }
  output {}
}
"#,
    );
    let (code, _out, err) = run_to_end(
        &["run", config.to_str().expect("utf-8 path")],
        Duration::from_secs(30),
    );
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("atributes"), "{err}");
}
