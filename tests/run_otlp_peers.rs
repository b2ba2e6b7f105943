//! `alloy run` OTLP pipelines against real peers, beyond the gRPC happy path
//! of `run_otlp.rs`:
//!
//! * the OTLP/HTTP receiver fed by the Python SDK's HTTP exporters (gzip),
//!   hand-written OTLP/JSON, and bad input (malformed protobuf, wrong
//!   content type, oversized body, truncated gzip, wrong method), with a
//!   CORS preflight;
//! * the `otelcol.exporter.otlphttp` exporter (zlib) into a sink owned by
//!   the test, through an outage of several seconds: nothing is lost;
//! * the `otelcol.exporter.debug` output at each verbosity;
//! * a full sending queue: the refusal reaches the Python client and the
//!   metrics;
//! * the `tracing` block: the runtime's own spans arrive at a sink.
//!
//! Skipped (a "skipped:" line) without the Python SDK unless
//! `ALLOY_REQUIRE_PEERS=1`.

mod run_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::Sink;
use alloy_otelcol::{
    GrpcServerConfig, HttpServerConfig, OtlpReceiver, OtlpReceiverConfig, Outputs, Registry,
    SignalKind,
};
use opentelemetry_proto::tonic::common::v1::any_value;
use run_support::{eventually, free_port, metric, peers_available, Alloy, TempDir};

/// Runs the Python peer (`otelcol/tests/peers/otlp_peer.py`) and returns
/// the JSON it prints last.
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
    let last = stdout.lines().last().unwrap_or("{}");
    serde_json::from_str(last).unwrap_or_else(|_| {
        panic!(
            "peer printed no JSON: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// One raw HTTP/1.1 request: status, head, body.
fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    (status, head, raw[split + 4..].to_vec())
}

/// A test-owned OTLP sink (the crate's receiver feeding a recorder).
async fn sink_on(grpc: Option<&str>, http: Option<&str>, sink: &Arc<Sink>) -> OtlpReceiver {
    let receiver = OtlpReceiver::new(
        "test.sink",
        OtlpReceiverConfig {
            grpc: grpc.map(|e| GrpcServerConfig {
                endpoint: e.into(),
                ..Default::default()
            }),
            http: http.map(|e| HttpServerConfig {
                endpoint: e.into(),
                ..Default::default()
            }),
        },
        Outputs::all(vec![sink.clone()]),
        &Registry::new(),
    );
    receiver.start().await.expect("start the sink");
    receiver
}

fn wait(what: &str, alloy: &Alloy, check: impl FnMut() -> bool) {
    assert!(
        eventually(Duration::from_secs(30), check),
        "timed out waiting for {what}; alloy log:\n{}",
        alloy.stderr()
    );
}

fn spans_named(sink: &Sink, name: &str) -> Vec<opentelemetry_proto::tonic::trace::v1::Span> {
    sink.traces
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|t| &t.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .filter(|s| s.name == name)
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_receiver_otlphttp_exporter_debug_output_outage_and_bad_input() {
    if !peers_available() {
        return;
    }
    let sink = Arc::new(Sink::new());
    let sink_port = free_port();
    let sink_endpoint = format!("127.0.0.1:{sink_port}");
    let mut sink_receiver = sink_on(None, Some(&sink_endpoint), &sink).await;

    let dir = TempDir::new("otlp-http");
    let http_port = free_port();
    let http_addr: SocketAddr = format!("127.0.0.1:{http_port}").parse().expect("addr");
    let config = dir.write(
        "config.alloy",
        &format!(
            r#"otelcol.receiver.otlp "in" {{
  http {{
    endpoint              = "127.0.0.1:{http_port}"
    max_request_body_size = "64KiB"
    cors {{
      allowed_origins = ["https://*.example.com"]
    }}
  }}
  output {{
    traces  = [otelcol.exporter.otlphttp.sink.input, otelcol.exporter.debug.basic.input, otelcol.exporter.debug.normal.input, otelcol.exporter.debug.detailed.input]
    metrics = [otelcol.exporter.otlphttp.sink.input]
    logs    = [otelcol.exporter.otlphttp.sink.input]
  }}
}}

otelcol.exporter.otlphttp "sink" {{
  client {{
    endpoint    = "http://{sink_endpoint}"
    compression = "zlib"
  }}
  retry_on_failure {{
    initial_interval = "100ms"
    max_interval     = "500ms"
  }}
}}

otelcol.exporter.debug "basic" {{
  verbosity = "basic"
}}

otelcol.exporter.debug "normal" {{
  verbosity = "normal"
}}

otelcol.exporter.debug "detailed" {{
  verbosity = "detailed"
}}
"#
        ),
    );
    let mut alloy = Alloy::start(&dir, &config, &["--stability.level=experimental"]);
    alloy.wait_ready();

    // The Python SDK's OTLP/HTTP exporters, gzip-compressed.
    let endpoint = format!("http://{http_addr}");
    let counts = peer(&[
        "send",
        "--protocol",
        "http",
        "--gzip",
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
    wait("the SDK's data at the sink", &alloy, || {
        sink.items(SignalKind::Traces) >= 120
            && sink.items(SignalKind::Logs) >= 30
            && sink.items(SignalKind::Metrics) >= 10
    });

    // Hand-written OTLP/JSON: hex ids, lowerCamelCase, int64 as a string.
    let json = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-client"}}]},
      "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
      "name":"json-span","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"}]}]}]}"#;
    let (status, head, body) = raw_request(
        http_addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        json.as_bytes(),
    );
    assert_eq!(status, 200, "{head}\n{}", String::from_utf8_lossy(&body));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    wait("the JSON span at the sink", &alloy, || {
        !spans_named(&sink, "json-span").is_empty()
    });
    let json_span = &spans_named(&sink, "json-span")[0];
    assert_eq!(
        json_span.trace_id,
        [
            0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f,
            0xc6, 0x0c
        ]
    );
    assert_eq!(json_span.start_time_unix_nano, 1_544_712_660_000_000_000);

    // Bad input gets client errors, never a crash.
    let proto = [("Content-Type", "application/x-protobuf")];
    let (status, _, _) = raw_request(
        http_addr,
        "POST",
        "/v1/traces",
        &proto,
        b"\x0a\xff\xff\xff\xff\x0f",
    );
    assert_eq!(status, 400, "malformed protobuf");
    let (status, _, body) = raw_request(
        http_addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "text/plain")],
        b"hi",
    );
    assert_eq!(status, 415, "wrong content type");
    assert!(String::from_utf8_lossy(&body).contains("unsupported media type"));
    let big = vec![b'x'; 100 * 1024];
    let (status, _, _) = raw_request(http_addr, "POST", "/v1/traces", &proto, &big);
    assert_eq!(status, 400, "oversized body");
    // The first 20 bytes of a 327-byte gzip stream (header and the start of
    // the deflate data, no end of block, no trailer).
    let truncated_gzip: [u8; 20] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0x64, 0x62, 0x66,
        0x61, 0x65, 0x63, 0xe7, 0xe0,
    ];
    let (status, _, _) = raw_request(
        http_addr,
        "POST",
        "/v1/traces",
        &[
            ("Content-Type", "application/x-protobuf"),
            ("Content-Encoding", "gzip"),
        ],
        &truncated_gzip,
    );
    assert_eq!(status, 400, "truncated gzip");
    let (status, _, _) = raw_request(http_addr, "GET", "/v1/traces", &[], b"");
    assert_eq!(status, 405, "GET");

    // A CORS preflight from an allowed origin; a disallowed one gets no
    // allow headers.
    let (status, head, _) = raw_request(
        http_addr,
        "OPTIONS",
        "/v1/traces",
        &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(status, 204);
    assert!(
        head.to_ascii_lowercase()
            .contains("access-control-allow-origin: https://app.example.com"),
        "{head}"
    );
    let (_, head, _) = raw_request(
        http_addr,
        "OPTIONS",
        "/v1/traces",
        &[
            ("Origin", "https://evil.org"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "{head}"
    );

    // Outage: the sink goes away for several seconds; what the exporter
    // accepted meanwhile is delivered once it is back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = sink.items(SignalKind::Traces);
    sink_receiver
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("stop the sink");
    let counts = peer(&[
        "send",
        "--protocol",
        "http",
        "--endpoint",
        &endpoint,
        "--spans",
        "50",
        "--timeout",
        "10",
    ]);
    assert_eq!(
        counts["spans_ok"], 50,
        "accepted into the queue during the outage: {counts}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.items(SignalKind::Traces), before, "the sink was down");
    sink_receiver = sink_on(None, Some(&sink_endpoint), &sink).await;
    wait("the queued spans after the outage", &alloy, || {
        sink.items(SignalKind::Traces) >= before + 50
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.items(SignalKind::Traces), before + 50, "exactly once");
    assert_eq!(sink.items(SignalKind::Traces), 120 + 1 + 50);

    // The counters agree; bad input was never counted as data.
    let (_, metrics) = alloy.get("/metrics");
    let receiver = r#"{component_id="otelcol.receiver.otlp.in",component_path="/""#;
    assert_eq!(
        metric(
            &metrics,
            &format!("otelcol_receiver_accepted_spans_total{receiver}")
        ),
        Some(171.0),
        "{metrics}"
    );
    assert_eq!(
        metric(
            &metrics,
            r#"otelcol_exporter_sent_spans_total{component_id="otelcol.exporter.otlphttp.sink""#
        ),
        Some(171.0)
    );
    assert_eq!(
        metric(
            &metrics,
            r#"otelcol_exporter_sent_spans_total{component_id="otelcol.exporter.debug.detailed""#
        ),
        Some(171.0)
    );

    // The debug exporters' output at each verbosity, in alloy's log.
    let log = alloy.stderr();
    let lines_of = |id: &str| -> Vec<&str> {
        log.lines()
            .filter(|l| l.contains(&format!("component_id=otelcol.exporter.debug.{id}")))
            .collect()
    };
    let basic = lines_of("basic");
    assert!(!basic.is_empty(), "{log}");
    assert!(basic
        .iter()
        .all(|l| l.contains("TracesExporter") && !l.contains("ResourceTraces")));
    let normal = lines_of("normal");
    assert!(
        normal.iter().any(|l| l.contains("ResourceTraces #0")
            && l.contains("json-span 5b8efff798038103d269b633813fc60c")),
        "{normal:?}"
    );
    let detailed = lines_of("detailed");
    assert!(
        detailed.iter().any(|l| l.contains("ResourceSpans #0")
            && l.contains("Trace ID       : 5b8efff798038103d269b633813fc60c")
            && l.contains("Kind           : Server")),
        "{detailed:?}"
    );

    alloy.signal("TERM");
    assert!(alloy
        .wait_exit(Duration::from_secs(30))
        .is_some_and(|s| s.success()));
    let _ = sink_receiver
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_queue_refusal_reaches_the_client_and_the_metrics() {
    if !peers_available() {
        return;
    }
    let dir = TempDir::new("otlp-queue");
    let grpc_port = free_port();
    // Nothing listens on the exporter's endpoint: the one worker holds the
    // first request in its retry loop and the queue (size 1) takes the next.
    let dead = free_port();
    let config = dir.write(
        "config.alloy",
        &format!(
            r#"otelcol.receiver.otlp "in" {{
  grpc {{
    endpoint = "127.0.0.1:{grpc_port}"
  }}
  output {{
    traces = [otelcol.exporter.otlp.down.input]
  }}
}}

otelcol.exporter.otlp "down" {{
  client {{
    endpoint = "127.0.0.1:{dead}"
    tls {{
      insecure = true
    }}
  }}
  sending_queue {{
    queue_size    = 1
    num_consumers = 1
  }}
  retry_on_failure {{
    initial_interval = "30s"
  }}
}}
"#
        ),
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    let endpoint = format!("127.0.0.1:{grpc_port}");
    let mut results = Vec::new();
    for i in 0..4 {
        let r = peer(&[
            "refused",
            "--protocol",
            "grpc",
            "--endpoint",
            &endpoint,
            "--spans",
            "10",
            "--timeout",
            "3",
            "--run-id",
            &i.to_string(),
        ]);
        results.push(r["result"].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(
        results,
        ["SUCCESS", "SUCCESS", "FAILURE", "FAILURE"],
        "{}",
        alloy.stderr()
    );
    let (_, metrics) = alloy.get("/metrics");
    let exporter = r#"{component_id="otelcol.exporter.otlp.down""#;
    let receiver = r#"{component_id="otelcol.receiver.otlp.in""#;
    let traces_queue =
        r#"{component_id="otelcol.exporter.otlp.down",component_path="/",data_type="traces""#;
    assert_eq!(
        metric(
            &metrics,
            &format!("otelcol_receiver_accepted_spans_total{receiver}")
        ),
        Some(20.0),
        "{metrics}"
    );
    // The SDK retries UNAVAILABLE within its timeout, so each refused
    // export may have been refused several times; every refusal is counted
    // on both sides.
    let refused = metric(
        &metrics,
        &format!("otelcol_receiver_refused_spans_total{receiver}"),
    )
    .unwrap_or(0.0);
    let enqueue_failed = metric(
        &metrics,
        &format!("otelcol_exporter_enqueue_failed_spans_total{exporter}"),
    )
    .unwrap_or(0.0);
    assert!(refused >= 20.0, "{metrics}");
    assert_eq!(refused, enqueue_failed, "{metrics}");
    assert_eq!(
        metric(
            &metrics,
            &format!("otelcol_exporter_queue_size{traces_queue}")
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        metric(
            &metrics,
            &format!("otelcol_exporter_queue_capacity{traces_queue}")
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_block_sends_the_runtimes_spans_to_write_to() {
    let sink = Arc::new(Sink::new());
    let sink_receiver = sink_on(Some("127.0.0.1:0"), None, &sink).await;
    let sink_addr = sink_receiver.grpc_addr().expect("sink address");
    let dir = TempDir::new("otlp-tracing");
    let body = |fraction: &str| {
        format!(
            r#"tracing {{
  sampling_fraction = {fraction}
  write_to          = [otelcol.exporter.otlp.self.input]
}}

otelcol.exporter.otlp "self" {{
  client {{
    endpoint = "{sink_addr}"
    tls {{
      insecure = true
    }}
  }}
}}
"#
        )
    };
    let config = dir.write("config.alloy", &body("1"));
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    // As upstream, the first load's spans start before the block is read
    // and are dropped; a reload is traced.
    let (status, text) = alloy.post("/-/reload");
    assert_eq!(status, 200, "{text}");
    wait("the reload's spans", &alloy, || {
        !spans_named(&sink, "GraphEvaluate").is_empty()
            && spans_named(&sink, "EvaluateNode").len() >= 2
    });
    let root = &spans_named(&sink, "GraphEvaluate")[0];
    let nodes = spans_named(&sink, "EvaluateNode");
    let node_ids: Vec<String> = nodes
        .iter()
        .filter(|s| s.trace_id == root.trace_id && s.parent_span_id == root.span_id)
        .flat_map(|s| &s.attributes)
        .filter(|kv| kv.key == "node_id")
        .filter_map(|kv| match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(node_ids.contains(&"tracing".to_owned()), "{node_ids:?}");
    assert!(
        node_ids.contains(&"otelcol.exporter.otlp.self".to_owned()),
        "{node_ids:?}"
    );
    let service = sink.traces.lock().expect("lock")[0].resource_spans[0]
        .resource
        .as_ref()
        .map(|r| r.attributes.iter().any(|kv| kv.key == "service.name"))
        .unwrap_or(false);
    assert!(service, "resource carries service.name");

    // sampling_fraction = 0 keeps nothing.
    dir.write("config.alloy", &body("0"));
    let (status, text) = alloy.post("/-/reload");
    assert_eq!(status, 200, "{text}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = sink.items(SignalKind::Traces);
    let (status, _) = alloy.post("/-/reload");
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        sink.items(SignalKind::Traces),
        after,
        "fraction 0 samples nothing"
    );

    // What the block cannot honour is refused by name.
    dir.write("config.alloy", "tracing {\n  send_traceparent = true\n}\n");
    let (status, text) = alloy.post("/-/reload");
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("send_traceparent"), "{text}");
    drop(alloy);
    let _ = sink_receiver
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await;
}
