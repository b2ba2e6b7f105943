//! `alloy run` with `otelcol.processor.resourcedetection` between an OTLP
//! receiver and an OTLP exporter:
//!
//! ```text
//! this test --OTLP/HTTP JSON--> otelcol.receiver.otlp
//!   -> otelcol.processor.resourcedetection (env, system)
//!   -> otelcol.exporter.otlp --OTLP/gRPC--> sink owned by this test
//! ```
//!
//! The `env` detector reads `OTEL_RESOURCE_ATTRIBUTES` given to the child;
//! the test checks the detected attributes on what the sink received, and
//! that a detector this runtime does not implement is refused by name.

mod run_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use alloy_otelcol::testing::Sink;
use alloy_otelcol::{
    GrpcServerConfig, OtlpReceiver, OtlpReceiverConfig, Outputs, Registry, SignalKind,
};
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use run_support::{eventually, free_port, run_to_end, TempDir};

fn post_json(addr: &str, path: &str, body: &str) -> Option<u16> {
    let addr: SocketAddr = addr.parse().ok()?;
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

fn attr(attrs: &[KeyValue], key: &str) -> Option<String> {
    attrs
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            _ => None,
        })
}

fn config(otlp_http: &str, sink: SocketAddr, detectors: &str) -> String {
    format!(
        r#"otelcol.receiver.otlp "in" {{
  http {{
    endpoint = "{otlp_http}"
  }}
  output {{
    logs    = [otelcol.processor.resourcedetection.default.input]
    metrics = [otelcol.processor.resourcedetection.default.input]
  }}
}}

otelcol.processor.resourcedetection "default" {{
  detectors = {detectors}
  timeout   = "2s"
  system {{
    hostname_sources = ["os"]
    resource_attributes {{
      host.arch {{ enabled = true }}
    }}
  }}
  output {{
    logs    = [otelcol.exporter.otlp.sink.input]
    metrics = [otelcol.exporter.otlp.sink.input]
  }}
}}

otelcol.exporter.otlp "sink" {{
  client {{
    endpoint = "{sink}"
    tls {{
      insecure = true
    }}
  }}
}}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detected_attributes_reach_the_exporter() {
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

    let dir = TempDir::new("resourcedetection");
    let otlp_http = format!("127.0.0.1:{}", free_port());
    let cfg = dir.write(
        "config.alloy",
        &config(&otlp_http, sink_addr, r#"["env", "system"]"#),
    );
    let http_addr = format!("127.0.0.1:{}", free_port());
    let stderr_path = dir.path().join("alloy.stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .arg("run")
        .arg(&cfg)
        .arg("--server.http.listen-addr")
        .arg(&http_addr)
        .arg("--storage.path")
        .arg(dir.path().join("data"))
        .env(
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=e2e,service.name=from-env",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("alloy starts");
    let stderr = || std::fs::read_to_string(&stderr_path).unwrap_or_default();

    let body = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"orig"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","body":{"stringValue":"hello"}}]}]}]}"#;
    let sent = eventually(Duration::from_secs(30), || {
        post_json(&otlp_http, "/v1/logs", body) == Some(200)
    });
    assert!(
        sent,
        "the receiver never accepted the log; stderr:\n{}",
        stderr()
    );
    let arrived = eventually(Duration::from_secs(20), || {
        sink.items(SignalKind::Logs) >= 1
    });
    assert!(arrived, "nothing reached the sink; stderr:\n{}", stderr());

    let logs = sink.logs.lock().expect("lock").clone();
    let res = logs[0].resource_logs[0].resource.clone().expect("resource");
    assert_eq!(
        attr(&res.attributes, "deployment.environment").as_deref(),
        Some("e2e")
    );
    assert_eq!(
        attr(&res.attributes, "service.name").as_deref(),
        Some("from-env"),
        "override defaults to true"
    );
    assert!(attr(&res.attributes, "host.name").is_some_and(|h| !h.is_empty()));
    assert_eq!(
        attr(&res.attributes, "os.type").as_deref(),
        Some(std::env::consts::OS)
    );
    assert!(attr(&res.attributes, "host.arch").is_some());

    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn unimplemented_detectors_are_refused_by_name() {
    let dir = TempDir::new("resourcedetection-refused");
    let cfg = dir.write(
        "config.alloy",
        &config(
            &format!("127.0.0.1:{}", free_port()),
            "127.0.0.1:1".parse().expect("addr"),
            r#"["docker"]"#,
        ),
    );
    let addr = format!("127.0.0.1:{}", free_port());
    let data = dir.path().join("data");
    let (_, _, stderr) = run_to_end(
        &[
            "run",
            &cfg.to_string_lossy(),
            "--server.http.listen-addr",
            &addr,
            "--storage.path",
            &data.to_string_lossy(),
        ],
        Duration::from_secs(15),
    );
    assert!(
        stderr.contains(r#"detector \"docker\" is not supported yet"#)
            || stderr.contains(r#"detector "docker" is not supported yet"#),
        "{stderr}"
    );
}

/// The gateway config's logs path: OTLP in, resource detection, then
/// `otelcol.exporter.loki` into `loki.write`, received by the Loki-compatible
/// sink of `alloy-loki` (protobuf + snappy as Loki decodes it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_logs_reach_loki_with_detected_attributes() {
    let loki = alloy_loki::sink::Sink::start().await.expect("loki sink");
    let dir = TempDir::new("otlp-loki");
    let otlp_http = format!("127.0.0.1:{}", free_port());
    let cfg = dir.write(
        "config.alloy",
        &format!(
            r#"otelcol.receiver.otlp "in" {{
  http {{
    endpoint = "{otlp_http}"
  }}
  output {{
    logs = [otelcol.processor.resourcedetection.default.input]
  }}
}}

otelcol.processor.resourcedetection "default" {{
  detectors = ["env"]
  output {{
    logs = [otelcol.exporter.loki.default.input]
  }}
}}

otelcol.exporter.loki "default" {{
  forward_to = [loki.write.local.receiver]
}}

loki.write "local" {{
  endpoint {{
    url        = "{url}"
    batch_wait = "100ms"
  }}
}}
"#,
            url = loki.push_url()
        ),
    );
    let http_addr = format!("127.0.0.1:{}", free_port());
    let stderr_path = dir.path().join("alloy.stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .arg("run")
        .arg(&cfg)
        .arg("--server.http.listen-addr")
        .arg(&http_addr)
        .arg("--storage.path")
        .arg(dir.path().join("data"))
        .env("OTEL_RESOURCE_ATTRIBUTES", "service.name=gw,loki.resource.labels=deployment.environment,deployment.environment=e2e")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("alloy starts");
    let stderr = || std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let body = r#"{"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":13,"body":{"stringValue":"disk almost full"}}]}]}]}"#;
    let sent = eventually(Duration::from_secs(30), || {
        post_json(&otlp_http, "/v1/logs", body) == Some(200)
    });
    assert!(
        sent,
        "the receiver never accepted the log; stderr:\n{}",
        stderr()
    );
    let entries = loki.wait_for_entries(1, Duration::from_secs(20)).await;
    assert!(
        !entries.is_empty(),
        "nothing reached Loki; stderr:\n{}",
        stderr()
    );
    let e = &entries[0];
    assert_eq!(e.labels.get("job"), Some("gw"));
    assert_eq!(e.labels.get("exporter"), Some("OTLP"));
    assert_eq!(e.labels.get("level"), Some("WARN"));
    assert_eq!(e.labels.get("deployment_environment"), Some("e2e"));
    assert!(
        e.line.contains("\"body\":\"disk almost full\""),
        "{}",
        e.line
    );
    let _ = child.kill();
    let _ = child.wait();
}
