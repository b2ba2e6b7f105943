//! `alloy run` trace processing against the OpenTelemetry Python SDK: a
//! known mix of traces goes through `otelcol.processor.tail_sampling` with
//! the config that keeps errors and slow traces and samples 10 % of the
//! rest, and through `otelcol.processor.probabilistic_sampler` at 10 %;
//! each sink must receive exactly the traces the policies keep, each
//! complete.
//!
//! Skipped (a "skipped:" line) without the Python SDK unless
//! `ALLOY_REQUIRE_PEERS=1`.

mod run_support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use alloy_otelcol::processor::probabilistic_sampler::threshold::{trace_id_randomness, Threshold};
use alloy_otelcol::processor::tail_sampling::policy::{fnv64a, ratio_threshold};
use alloy_otelcol::testing::Sink;
use alloy_otelcol::{GrpcServerConfig, OtlpReceiver, OtlpReceiverConfig, Outputs, Registry};
use run_support::{eventually, free_port, peers_available, Alloy, TempDir};

/// Runs `trace_mix.py` and returns (trace id hex -> (spans, kind)).
fn send_mix(endpoint: &str, traces: usize) -> BTreeMap<String, (u64, String)> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("otelcol/tests/peers/trace_mix.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["--endpoint", endpoint, "--traces", &traces.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run the python peer");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "peer failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).expect("peer JSON");
    assert_eq!(v["failed"], 0, "{v}");
    v["traces"]
        .as_object()
        .expect("traces")
        .iter()
        .map(|(id, t)| {
            (
                id.clone(),
                (
                    t["spans"].as_u64().unwrap_or(0),
                    t["kind"].as_str().unwrap_or("").to_owned(),
                ),
            )
        })
        .collect()
}

fn unhex(id: &str) -> Vec<u8> {
    (0..id.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&id[i..i + 2], 16).unwrap_or(0))
        .collect()
}

/// Spans received per trace id (hex).
fn received(sink: &Sink) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for t in sink.traces.lock().expect("lock").iter() {
        for rs in &t.resource_spans {
            for ss in &rs.scope_spans {
                for s in &ss.spans {
                    let id: String = s.trace_id.iter().map(|b| format!("{b:02x}")).collect();
                    *out.entry(id).or_default() += 1;
                }
            }
        }
    }
    out
}

async fn sink_on(port: u16, sink: &Arc<Sink>) -> OtlpReceiver {
    let receiver = OtlpReceiver::new(
        "test.sink",
        OtlpReceiverConfig {
            grpc: Some(GrpcServerConfig {
                endpoint: format!("127.0.0.1:{port}"),
                ..Default::default()
            }),
            http: None,
        },
        Outputs::all(vec![sink.clone()]),
        &Registry::new(),
    );
    receiver.start().await.expect("start the sink");
    receiver
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_mix_keeps_errors_slow_and_ten_percent_each_complete() {
    if !peers_available() {
        return;
    }
    let (tail_port, prob_port, in_port) = (free_port(), free_port(), free_port());
    let tail_sink = Arc::new(Sink::new());
    let prob_sink = Arc::new(Sink::new());
    let _tail = sink_on(tail_port, &tail_sink).await;
    let _prob = sink_on(prob_port, &prob_sink).await;

    let dir = TempDir::new("run-traces-mix");
    let config = dir.write(
        "config.alloy",
        &format!(
            r#"otelcol.receiver.otlp "in" {{
  grpc {{
    endpoint = "127.0.0.1:{in_port}"
  }}
  output {{
    traces = [otelcol.processor.tail_sampling.keep.input, otelcol.processor.probabilistic_sampler.ten.input]
  }}
}}

otelcol.processor.tail_sampling "keep" {{
  decision_wait  = "2s"
  num_traces     = 5000
  decision_cache = {{ sampled_cache_size = 5000, non_sampled_cache_size = 5000 }}

  policy {{
    name = "errors"
    type = "status_code"
    status_code {{
      status_codes = ["ERROR"]
    }}
  }}
  policy {{
    name = "slow"
    type = "latency"
    latency {{
      threshold_ms = 500
    }}
  }}
  policy {{
    name = "ten-percent"
    type = "probabilistic"
    probabilistic {{
      sampling_percentage = 10
    }}
  }}

  output {{
    traces = [otelcol.exporter.otlp.tail.input]
  }}
}}

otelcol.processor.probabilistic_sampler "ten" {{
  sampling_percentage = 10
  output {{
    traces = [otelcol.exporter.otlp.prob.input]
  }}
}}

otelcol.exporter.otlp "tail" {{
  client {{
    endpoint = "127.0.0.1:{tail_port}"
    tls {{
      insecure = true
    }}
  }}
}}

otelcol.exporter.otlp "prob" {{
  client {{
    endpoint = "127.0.0.1:{prob_port}"
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

    let sent = tokio::task::spawn_blocking(move || send_mix(&format!("127.0.0.1:{in_port}"), 400))
        .await
        .expect("peer task");
    assert_eq!(sent.len(), 400);

    let salt_threshold = ratio_threshold(0.1);
    let tail_expected: BTreeMap<String, u64> = sent
        .iter()
        .filter(|(id, (_, kind))| {
            kind != "normal" || fnv64a(&[b"default-hash-seed", &unhex(id)]) <= salt_threshold
        })
        .map(|(id, (n, _))| (id.clone(), *n))
        .collect();
    let th = Threshold::from_probability(0.1, 4).expect("range");
    let prob_expected: BTreeMap<String, u64> = sent
        .iter()
        .filter(|(id, _)| th.should_sample(trace_id_randomness(&unhex(id))))
        .map(|(id, (n, _))| (id.clone(), *n))
        .collect();
    let normal_kept =
        tail_expected.len() - sent.values().filter(|(_, kind)| kind != "normal").count();
    assert!(normal_kept > 5, "the 10 % share keeps some normal traces");

    let want = tail_expected.values().sum::<u64>();
    let settled = eventually(Duration::from_secs(30), || {
        received(&tail_sink).values().sum::<u64>() >= want
            && received(&prob_sink).values().sum::<u64>() >= prob_expected.values().sum::<u64>()
    });
    assert!(
        settled,
        "sinks did not fill; alloy log:\n{}",
        alloy.stderr()
    );
    // Another decision round must not add anything.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(received(&tail_sink), tail_expected);
    assert_eq!(received(&prob_sink), prob_expected);

    let (_, text) = alloy.get("/metrics");
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("otelcol_processor_tail_sampling_global_count_traces_sampled_total")
                && l.contains("sampled=\"true\"")
        })
        .unwrap_or_default()
        .to_owned();
    assert!(
        line.ends_with(&format!(" {}", tail_expected.len())),
        "{line}\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_spans_through_memory_limiter_span_spanlogs_spanmetrics_servicegraph() {
    if !peers_available() {
        return;
    }
    let (sink_port, in_port) = (free_port(), free_port());
    let sink = Arc::new(Sink::new());
    let _sink = sink_on(sink_port, &sink).await;
    let dir = TempDir::new("run-traces-span");
    let config = dir.write(
        "config.alloy",
        &format!(
            r#"otelcol.receiver.otlp "in" {{
  grpc {{
    endpoint = "127.0.0.1:{in_port}"
  }}
  output {{
    traces = [otelcol.processor.memory_limiter.guard.input, otelcol.connector.spanlogs.auto.input, otelcol.connector.spanmetrics.red.input, otelcol.connector.servicegraph.edges.input]
  }}
}}

otelcol.connector.servicegraph "edges" {{
  metrics_flush_interval = "1s"
  store_expiration_loop  = "200ms"
  store {{
    ttl = "500ms"
  }}
  output {{
    metrics = [otelcol.exporter.otlp.sink.input]
  }}
}}

otelcol.connector.spanmetrics "red" {{
  metrics_flush_interval = "1s"
  dimension {{
    name    = "http.method"
    default = "none"
  }}
  histogram {{
    explicit {{
      buckets = ["1ms", "10ms", "1s"]
    }}
  }}
  output {{
    metrics = [otelcol.exporter.otlp.sink.input]
  }}
}}

otelcol.connector.spanlogs "auto" {{
  roots  = true
  labels = ["svc"]
  output {{
    logs = [otelcol.exporter.otlp.sink.input]
  }}
}}

otelcol.processor.memory_limiter "guard" {{
  check_interval   = "100ms"
  limit_percentage = 95
  output {{
    traces = [otelcol.processor.span.names.input]
  }}
}}

otelcol.processor.span "names" {{
  name {{
    to_attributes {{
      rules = ["^child-(?P<trace_index>\\d+)-(?P<child_index>\\d+)$"]
    }}
  }}
  status {{
    code = "Ok"
  }}
  exclude {{
    match_type = "regexp"
    span_names = ["^root-"]
  }}
  output {{
    traces = [otelcol.exporter.otlp.sink.input]
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
    let sent = tokio::task::spawn_blocking(move || send_mix(&format!("127.0.0.1:{in_port}"), 20))
        .await
        .expect("peer task");
    let want: u64 = sent.values().map(|(n, _)| n).sum();
    assert!(
        eventually(Duration::from_secs(20), || sink
            .items(alloy_otelcol::SignalKind::Traces)
            >= want),
        "{}",
        alloy.stderr()
    );
    let spans: Vec<_> = sink
        .traces
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|t| t.resource_spans.clone())
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .collect();
    let children: Vec<_> = spans
        .iter()
        .filter(|s| !s.name.starts_with("root-"))
        .collect();
    assert_eq!(children.len() as u64, want - sent.len() as u64);
    for c in &children {
        assert_eq!(c.name, "child-{trace_index}-{child_index}");
        assert!(c.attributes.iter().any(|kv| kv.key == "trace_index"));
        assert_eq!(c.status.as_ref().map(|s| s.code), Some(1), "status Ok");
    }
    // spanlogs: one line per root span, as Alloy writes it.
    assert!(
        eventually(Duration::from_secs(10), || sink
            .items(alloy_otelcol::SignalKind::Logs)
            >= sent.len() as u64),
        "{}",
        alloy.stderr()
    );
    let bodies: Vec<String> = sink
        .logs
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|l| l.resource_logs.clone())
        .flat_map(|rl| rl.scope_logs)
        .flat_map(|sl| sl.log_records)
        .filter_map(|r| match r.body.and_then(|b| b.value) {
            Some(opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(s)) => {
                Some(s)
            }
            _ => None,
        })
        .collect();
    assert_eq!(bodies.len(), sent.len());
    for (id, _) in sent.iter() {
        assert!(
            bodies
                .iter()
                .any(|b| b.starts_with("span=root-")
                    && b.ends_with(&format!(" svc=trace-mix tid={id}"))),
            "no root line for {id}: {bodies:?}"
        );
    }
    // spanmetrics: the cumulative calls of the last flush add up to every span sent.
    let calls = || -> u64 {
        use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
        let batches = sink.metrics.lock().expect("lock").clone();
        let Some(last) = batches.iter().rev().find(|m| {
            m.resource_metrics.iter().any(|rm| {
                rm.scope_metrics.iter().any(|sm| {
                    sm.metrics
                        .iter()
                        .any(|m| m.name == "traces.span.metrics.calls")
                })
            })
        }) else {
            return 0;
        };
        last.resource_metrics
            .iter()
            .flat_map(|rm| rm.scope_metrics.iter())
            .flat_map(|sm| sm.metrics.iter())
            .filter(|m| m.name == "traces.span.metrics.calls")
            .filter_map(|m| match &m.data {
                Some(metric::Data::Sum(s)) => Some(
                    s.data_points
                        .iter()
                        .map(|p| match p.value {
                            Some(number_data_point::Value::AsInt(v)) => v as u64,
                            _ => 0,
                        })
                        .sum::<u64>(),
                ),
                _ => None,
            })
            .sum()
    };
    assert!(
        eventually(Duration::from_secs(10), || calls() == want),
        "calls {} != {want}; {}",
        calls(),
        alloy.stderr()
    );
    // servicegraph: roots (SERVER, no parent) are edges from the virtual
    // client "user"; children (CLIENT to peer.service) edges to "inventory".
    let edges = |client: &str, server: &str| -> i64 {
        use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
        let batches = sink.metrics.lock().expect("lock").clone();
        let mut last = 0;
        for m in &batches {
            // Cumulative: the sum over this flush's series (failed or not).
            let mut this = 0;
            for x in m
                .resource_metrics
                .iter()
                .flat_map(|rm| rm.scope_metrics.iter())
                .flat_map(|sm| sm.metrics.iter())
            {
                if x.name != "traces_service_graph_request_total" {
                    continue;
                }
                if let Some(metric::Data::Sum(s)) = &x.data {
                    for p in &s.data_points {
                        let has = |k: &str, v: &str| {
                            p.attributes.iter().any(|kv| kv.key == k && kv.value.as_ref().and_then(|v| v.value.as_ref()) == Some(&opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(v.into())))
                        };
                        if has("client", client) && has("server", server) {
                            if let Some(number_data_point::Value::AsInt(v)) = p.value {
                                this += v;
                            }
                        }
                    }
                }
            }
            last = last.max(this);
        }
        last
    };
    let children = (want - sent.len() as u64) as i64;
    assert!(
        eventually(Duration::from_secs(10), || edges("user", "trace-mix")
            == sent.len() as i64
            && edges("trace-mix", "inventory") == children),
        "user->trace-mix {} trace-mix->inventory {} (want {} and {children})",
        edges("user", "trace-mix"),
        edges("trace-mix", "inventory"),
        sent.len()
    );
    // Roots are excluded: untouched.
    assert!(spans
        .iter()
        .filter(|s| s.name.starts_with("root-"))
        .all(|s| s.status.as_ref().is_none_or(|st| st.code == 0)));
}

/// What is not implemented fails the component with a message naming it.
#[test]
fn unsupported_trace_arguments_are_refused_by_name() {
    let cases = [
        (
            r#"otelcol.processor.tail_sampling "t" {
  policy {
    name = "o"
    type = "ottl_condition"
    ottl_condition {
      error_mode = "ignore"
      span       = ["attributes[\"x\"] == 1"]
    }
  }
  output {}
}"#,
            "type \"ottl_condition\" is not supported by this runtime yet",
        ),
        (
            r#"otelcol.processor.tail_sampling "t" {
  block_on_overflow = true
  policy {
    name = "all"
    type = "always_sample"
  }
  output {}
}"#,
            "block_on_overflow is not supported by this runtime yet",
        ),
        (
            r#"otelcol.processor.probabilistic_sampler "p" {
  sampling_percentage = -3
  output {}
}"#,
            "sampling rate is negative",
        ),
        (
            r#"otelcol.processor.span "s" {
  output {}
}"#,
            "must be specified",
        ),
        (
            r#"otelcol.processor.memory_limiter "m" {
  check_interval = "1s"
  output {}
}"#,
            "'limit_mib' or 'limit_percentage' must be greater than zero",
        ),
    ];
    for (config, message) in cases {
        let dir = TempDir::new("run-traces-refused");
        let path = dir.write("config.alloy", config);
        let addr = format!("127.0.0.1:{}", free_port());
        let storage = dir.path().join("data").display().to_string();
        let path = path.display().to_string();
        let (code, _, stderr) = run_support::run_to_end(
            &[
                "run",
                &path,
                "--server.http.listen-addr",
                &addr,
                "--storage.path",
                &storage,
            ],
            Duration::from_secs(30),
        );
        assert_eq!(code, Some(1), "{config}\n{stderr}");
        assert!(stderr.contains(message), "{message}\n{stderr}");
    }
}
