//! `otelcol.exporter.loki` / `otelcol.receiver.loki` conversions.

use std::sync::{Arc, Mutex};

use alloy_bridge::otlp_loki::{entries_to_logs, log_to_entry, HintIssues};
use alloy_bridge::{LokiExporter, LokiReceiver};
use alloy_loki::receiver::BoxFuture;
use alloy_loki::{Entry, Labels, Receiver, Timestamp};
use alloy_otelcol::testing::{kv_int, kv_str, Sink};
use alloy_otelcol::{Consumer, Fanout, Logs, Registry};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;

fn resource() -> Resource {
    Resource {
        attributes: vec![
            kv_str("service.name", "api"),
            kv_str("service.namespace", "shop"),
            kv_str("service.instance.id", "pod-1"),
            kv_str("k8s.pod.name", "pod-1"),
            kv_str("loki.resource.labels", "k8s.pod.name, missing.attr"),
        ],
        ..Default::default()
    }
}

fn record(body: &str) -> LogRecord {
    LogRecord {
        time_unix_nano: 1_700_000_000_000_000_000,
        severity_number: 9,
        body: Some(AnyValue {
            value: Some(any_value::Value::StringValue(body.into())),
        }),
        attributes: vec![
            kv_str("user", "<ann>"),
            kv_int("code", 500),
            kv_str("loki.attribute.labels", "code"),
        ],
        ..Default::default()
    }
}

#[test]
fn hints_become_labels_and_leave_the_line() {
    let mut issues = HintIssues::default();
    let scope = InstrumentationScope {
        name: "lib".into(),
        ..Default::default()
    };
    let e = log_to_entry(
        &record("hello"),
        Some(&resource()),
        Some(&scope),
        Timestamp::now(),
        &mut issues,
    )
    .expect("converted");
    let labels: Vec<(&str, &str)> = e.labels.iter().collect();
    assert_eq!(
        labels,
        vec![
            ("code", "500"),
            ("exporter", "OTLP"),
            ("instance", "pod-1"),
            ("job", "shop/api"),
            ("k8s_pod_name", "pod-1"),
            ("level", "INFO"),
        ]
    );
    assert_eq!(
        issues,
        HintIssues {
            missing: 1,
            not_string: 1
        }
    );
    assert_eq!(
        &*e.line,
        r#"{"body":"hello","attributes":{"user":"\u003cann\u003e"},"resources":{"service.instance.id":"pod-1","service.name":"api","service.namespace":"shop"},"instrumentation_scope":{"name":"lib"}}"#
    );
    assert_eq!(
        e.timestamp,
        Timestamp::from_unix_nanos(1_700_000_000_000_000_000)
    );
}

#[test]
fn formats_logfmt_raw_and_invalid() {
    let mut issues = HintIssues::default();
    let mut res = resource();
    res.attributes.push(kv_str("loki.format", "logfmt"));
    let e = log_to_entry(
        &record("msg=\"a b\" n=1"),
        Some(&res),
        None,
        Timestamp::now(),
        &mut issues,
    )
    .expect("logfmt");
    assert_eq!(
        &*e.line,
        "msg=\"a b\" n=1 attribute_user=<ann> resource_service.name=api resource_service.namespace=shop resource_service.instance.id=pod-1"
    );
    let mut r = record("plain text");
    r.attributes.push(kv_str("loki.format", "raw"));
    let e = log_to_entry(&r, None, None, Timestamp::now(), &mut issues).expect("raw");
    assert_eq!(&*e.line, "plain text");
    r.attributes.retain(|a| a.key != "loki.format");
    r.attributes.push(kv_str("loki.format", "xml"));
    assert!(log_to_entry(&r, None, None, Timestamp::now(), &mut issues).is_err());
}

#[derive(Default)]
struct Collect(Mutex<Vec<Entry>>);

impl Receiver for Collect {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        self.0.lock().expect("lock").extend(entries);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn exporter_counts_failed_entries_and_hint_issues() {
    let sink = Arc::new(Collect::default());
    let reg = Registry::new();
    let exp = LokiExporter::new(alloy_loki::Fanout::new(vec![sink.clone()]), &reg);
    let mut bad = record("x");
    bad.attributes.push(kv_str("loki.format", "yaml"));
    let logs = Logs::new(vec![ResourceLogs {
        resource: Some(resource()),
        scope_logs: vec![ScopeLogs {
            log_records: vec![record("a"), bad],
            ..Default::default()
        }],
        schema_url: String::new(),
    }]);
    exp.consume_logs(logs).await.expect("accepted");
    assert_eq!(sink.0.lock().expect("lock").len(), 1);
    assert_eq!(reg.sum("otelcol_exporter_loki_entries_total", &[]), 2.0);
    assert_eq!(reg.sum("otelcol_exporter_loki_entries_failed", &[]), 1.0);
    assert_eq!(
        reg.sum(
            "otelcol_exporter_loki_label_hint_issues_total",
            &[("issue", "missing")]
        ),
        2.0
    );
}

#[tokio::test]
async fn receiver_turns_entries_into_records_that_round_trip() {
    let otlp = Arc::new(Sink::new());
    let reg = Registry::new();
    let recv = LokiReceiver::new(Fanout::new(vec![otlp.clone()]), &reg);
    let labels: Labels = [("filename", "/var/log/app.log"), ("job", "app")]
        .into_iter()
        .collect();
    let mut entry = Entry::new(labels, Timestamp::from_unix_nanos(5_000), "line one");
    entry.structured_metadata.set("trace_id", "abc");
    recv.send(vec![entry.clone()]).await;
    let got = otlp.logs.lock().expect("lock").clone();
    let r = &got[0].resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(r.time_unix_nano, 5_000);
    let keys: Vec<&str> = r.attributes.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "log.file.path",
            "log.file.name",
            "loki.attribute.labels",
            "filename",
            "job",
            "trace_id"
        ]
    );
    assert_eq!(
        reg.sum("otelcol_receiver_loki_accepted_log_records_total", &[]),
        1.0
    );

    // Back through the exporter's conversion, the labels are restored.
    let logs = entries_to_logs(&[entry], Timestamp::now());
    let mut issues = HintIssues::default();
    let e = log_to_entry(
        &logs[0].scope_logs[0].log_records[0],
        None,
        None,
        Timestamp::now(),
        &mut issues,
    )
    .expect("ok");
    assert_eq!(e.labels.get("filename"), Some("/var/log/app.log"));
    assert_eq!(e.labels.get("job"), Some("app"));
    assert_eq!(issues, HintIssues::default());
}
