//! `otelcol.connector.spanlogs`: turns spans into logfmt log lines for
//! trace discovery ("automatic logging"), as Alloy's own connector does:
//! one line per span (`spans`), per root span (`roots`), per process and
//! trace (`processes`) and per span event (`events`), each with the
//! attributes named and, as log attributes, the `labels` named.
//!
//! Key order follows Alloy's: span name, duration, status (unless unset),
//! span attributes, service, process attributes, trace id. One deliberate
//! difference: Alloy stops reading a scope's spans at the first span that
//! produces no line (with only `roots` set, a child span hides every later
//! root of the scope); here such spans are skipped and later ones logged.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::trace::v1::{status, Span};

use crate::consumer::{Consumer, Fanout};
use crate::error::{ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, Traces};

/// The `overrides` block: the keys the lines use.
#[derive(Debug, Clone)]
pub struct Overrides {
    pub logs_instance_tag: String,
    pub service_key: String,
    pub span_name_key: String,
    pub status_key: String,
    pub duration_key: String,
    pub trace_id_key: String,
}

impl Default for Overrides {
    fn default() -> Self {
        Self {
            logs_instance_tag: "traces".into(),
            service_key: "svc".into(),
            span_name_key: "span".into(),
            status_key: "status".into(),
            duration_key: "dur".into(),
            trace_id_key: "tid".into(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SpanLogsConfig {
    pub spans: bool,
    pub roots: bool,
    pub processes: bool,
    pub events: bool,
    pub span_attributes: Vec<String>,
    pub process_attributes: Vec<String>,
    pub event_attributes: Vec<String>,
    pub labels: Vec<String>,
    pub overrides: Overrides,
}

/// An ordered map as pdata's: putting an existing key replaces its value
/// in place.
#[derive(Default, Clone)]
struct Fields(Vec<(String, AnyValue)>);

impl Fields {
    fn put(&mut self, key: &str, value: AnyValue) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    fn put_str(&mut self, key: &str, value: String) {
        self.put(
            key,
            AnyValue {
                value: Some(any_value::Value::StringValue(value)),
            },
        );
    }

    fn copy_from(&mut self, attrs: &[KeyValue], names: &[String]) {
        for name in names {
            if let Some(v) = attrs
                .iter()
                .find(|kv| kv.key == *name)
                .and_then(|kv| kv.value.clone())
            {
                self.put(name, v);
            }
        }
    }
}

/// The `otelcol.connector.spanlogs` component.
pub struct SpanLogs {
    cfg: SpanLogsConfig,
    logs: Fanout,
}

impl SpanLogs {
    pub fn new(cfg: SpanLogsConfig, logs: Fanout) -> Arc<Self> {
        Arc::new(Self { cfg, logs })
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        Ok(())
    }

    fn record(&self, kind: &str, fields: &Fields) -> LogRecord {
        let mut attributes = vec![KeyValue {
            key: self.cfg.overrides.logs_instance_tag.clone(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue(kind.to_owned())),
            }),
            ..Default::default()
        }];
        for (k, v) in &fields.0 {
            if self.cfg.labels.iter().any(|l| l == k) {
                attributes.push(KeyValue {
                    key: k.clone(),
                    value: Some(v.clone()),
                    ..Default::default()
                });
            }
        }
        LogRecord {
            body: Some(AnyValue {
                value: Some(any_value::Value::StringValue(logfmt(&fields.0))),
            }),
            attributes,
            ..Default::default()
        }
    }

    fn process_fields(&self, out: &mut Fields, resource_attrs: &[KeyValue], svc: &str) {
        out.put_str(&self.cfg.overrides.service_key, svc.to_owned());
        out.copy_from(resource_attrs, &self.cfg.process_attributes);
    }

    /// Log records for one scope's spans.
    fn scope(&self, spans: &[Span], resource_attrs: &[KeyValue], svc: &str) -> Vec<LogRecord> {
        let o = &self.cfg.overrides;
        let mut out = Vec::new();
        let mut last_trace = None::<String>;
        for span in spans {
            let tid = hex(&span.trace_id);
            let is_root = span.parent_span_id.is_empty();
            let log_roots = self.cfg.roots && is_root;
            let log_process = self.cfg.processes && last_trace.as_deref() != Some(tid.as_str());
            if !self.cfg.spans && !log_roots && !log_process && !self.cfg.events {
                continue;
            }
            if log_process {
                let mut f = Fields::default();
                self.process_fields(&mut f, resource_attrs, svc);
                f.put_str(&o.trace_id_key, tid.clone());
                out.push(self.record("process", &f));
                last_trace = Some(tid.clone());
            }
            let mut f = Fields::default();
            f.put_str(&o.span_name_key, span.name.clone());
            let dur = span.end_time_unix_nano as i64 - span.start_time_unix_nano as i64;
            f.put_str(&o.duration_key, format!("{dur}ns"));
            let code = span.status.as_ref().map_or(0, |s| s.code);
            if code != status::StatusCode::Unset as i32 {
                let text = if code == status::StatusCode::Ok as i32 {
                    "Ok"
                } else if code == status::StatusCode::Error as i32 {
                    "Error"
                } else {
                    ""
                };
                f.put_str(&o.status_key, text.to_owned());
            }
            f.copy_from(&span.attributes, &self.cfg.span_attributes);
            self.process_fields(&mut f, resource_attrs, svc);
            f.put_str(&o.trace_id_key, tid);
            if self.cfg.spans {
                out.push(self.record("span", &f));
            }
            if log_roots {
                out.push(self.record("root", &f));
            }
            if self.cfg.events {
                for event in &span.events {
                    let mut e = f.clone();
                    e.copy_from(&event.attributes, &self.cfg.event_attributes);
                    out.push(self.record("event", &e));
                }
            }
        }
        out
    }

    fn convert(&self, data: &Traces) -> Logs {
        let resource_logs = data
            .resource_spans
            .iter()
            .map(|rs| {
                let attrs = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
                let svc = attrs
                    .iter()
                    .find(|kv| kv.key == "service.name")
                    .and_then(|kv| kv.value.as_ref())
                    .and_then(|v| match &v.value {
                        Some(any_value::Value::StringValue(s)) => Some(s.as_str()),
                        _ => None,
                    })
                    .unwrap_or("");
                ResourceLogs {
                    scope_logs: rs
                        .scope_spans
                        .iter()
                        .map(|ss| ScopeLogs {
                            log_records: self.scope(&ss.spans, attrs, svc),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }
            })
            .collect();
        let mut logs = Logs::new(resource_logs);
        logs.set_client(data.client.clone());
        logs
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    if bytes.iter().all(|b| *b == 0) {
        return String::new();
    }
    bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Go's `logfmt.MarshalKeyvals` over pdata values: strings quoted when they
/// hold a space, `=`, `"` or a control character; numbers and booleans as
/// Go prints them. Maps and lists, which Go's logfmt refuses, are written
/// as JSON.
pub fn logfmt(fields: &[(String, AnyValue)]) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
        out.push('=');
        let text = match &v.value {
            None => {
                out.push_str("null");
                continue;
            }
            Some(any_value::Value::StringValue(s)) => s.clone(),
            Some(any_value::Value::BoolValue(b)) => b.to_string(),
            Some(any_value::Value::IntValue(i)) => i.to_string(),
            Some(any_value::Value::DoubleValue(d)) => go_float(*d),
            Some(any_value::Value::BytesValue(b)) => String::from_utf8_lossy(b).into_owned(),
            Some(_) => serde_json::to_string(v).unwrap_or_default(),
        };
        write_value(&mut out, &text);
    }
    out
}

fn write_value(out: &mut String, value: &str) {
    let needs_quotes = value
        .chars()
        .any(|c| c <= ' ' || c == '=' || c == '"' || c == char::REPLACEMENT_CHARACTER);
    if !needs_quotes {
        out.push_str(value);
        return;
    }
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `%v` of a float64: shortest representation, exponent form for
/// exponents below -4 or at least 21.
fn go_float(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let exp = if d == 0.0 {
        0
    } else {
        d.abs().log10().floor() as i32
    };
    if (-4..21).contains(&exp) {
        format!("{d}")
    } else {
        let s = format!("{d:e}");
        // Rust writes 1e21, Go 1e+21; both write 1.5e-07 differently (Go pads to two digits).
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match e.strip_prefix('-') {
            Some(rest) => ('-', rest),
            None => ('+', e),
        };
        format!("{mant}e{sign}{digits:0>2}")
    }
}

impl Consumer for SpanLogs {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        Box::pin(async move {
            data.decode_in_place()?;
            let logs = self.convert(&data);
            if logs.item_count() == 0 {
                return Ok(());
            }
            self.logs.consume(logs).await
        })
    }
    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.connector.spanlogs does not accept metrics",
        ))))
    }
    fn consume_logs(&self, _data: Logs) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.connector.spanlogs does not accept logs",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{kv_int, kv_str, Sink};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{span::Event, ResourceSpans, ScopeSpans, Status};

    fn data() -> Traces {
        let span = |name: &str, parent: Vec<u8>, err: bool| Span {
            trace_id: vec![0xab; 16],
            span_id: vec![1; 8],
            parent_span_id: parent,
            name: name.into(),
            start_time_unix_nano: 100,
            end_time_unix_nano: 2100,
            attributes: vec![kv_str("http.method", "GET"), kv_int("attempt", 2)],
            status: err.then(|| Status {
                code: 2,
                ..Default::default()
            }),
            events: vec![Event {
                name: "e".into(),
                attributes: vec![kv_str("log", "a b")],
                ..Default::default()
            }],
            ..Default::default()
        };
        Traces::new(vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv_str("service.name", "shop"), kv_str("host", "h1")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![
                    span("child", vec![2; 8], false),
                    span("root op", vec![], true),
                ],
                ..Default::default()
            }],
            ..Default::default()
        }])
    }

    fn lines(sink: &Sink) -> Vec<(String, Vec<KeyValue>)> {
        sink.logs
            .lock()
            .expect("lock")
            .iter()
            .flat_map(|l| l.resource_logs.iter())
            .flat_map(|rl| rl.scope_logs.iter())
            .flat_map(|sl| sl.log_records.iter())
            .map(|r| {
                let body = match r.body.as_ref().and_then(|b| b.value.as_ref()) {
                    Some(any_value::Value::StringValue(s)) => s.clone(),
                    _ => String::new(),
                };
                (body, r.attributes.clone())
            })
            .collect()
    }

    #[tokio::test]
    async fn spans_roots_processes_and_events_as_alloy_writes_them() {
        let sink = Arc::new(Sink::new());
        let c = SpanLogs::new(
            SpanLogsConfig {
                spans: true,
                roots: true,
                processes: true,
                events: true,
                span_attributes: vec!["http.method".into(), "attempt".into()],
                process_attributes: vec!["host".into()],
                event_attributes: vec!["log".into()],
                labels: vec!["svc".into(), "http.method".into()],
                overrides: Overrides::default(),
            },
            Fanout::new(vec![sink.clone()]),
        );
        c.consume_traces(data()).await.expect("ok");
        let got = lines(&sink);
        let tid = "ab".repeat(16);
        let bodies: Vec<&str> = got.iter().map(|(b, _)| b.as_str()).collect();
        assert_eq!(
            bodies,
            vec![
                format!("svc=shop host=h1 tid={tid}"),
                format!("span=child dur=2000ns http.method=GET attempt=2 svc=shop host=h1 tid={tid}"),
                format!("span=child dur=2000ns http.method=GET attempt=2 svc=shop host=h1 tid={tid} log=\"a b\""),
                format!("span=\"root op\" dur=2000ns status=Error http.method=GET attempt=2 svc=shop host=h1 tid={tid}"),
                format!("span=\"root op\" dur=2000ns status=Error http.method=GET attempt=2 svc=shop host=h1 tid={tid}"),
                format!("span=\"root op\" dur=2000ns status=Error http.method=GET attempt=2 svc=shop host=h1 tid={tid} log=\"a b\""),
            ]
        );
        let kinds: Vec<String> = got
            .iter()
            .map(
                |(_, a)| match a[0].value.as_ref().and_then(|v| v.value.as_ref()) {
                    Some(any_value::Value::StringValue(s)) => s.clone(),
                    _ => String::new(),
                },
            )
            .collect();
        assert_eq!(kinds, ["process", "span", "event", "span", "root", "event"]);
        // labels: http.method then svc, in field order.
        let keys: Vec<&str> = got[1].1.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(keys, ["traces", "http.method", "svc"]);
    }

    #[tokio::test]
    async fn roots_only_logs_every_root() {
        let sink = Arc::new(Sink::new());
        let c = SpanLogs::new(
            SpanLogsConfig {
                roots: true,
                ..Default::default()
            },
            Fanout::new(vec![sink.clone()]),
        );
        c.consume_traces(data()).await.expect("ok");
        let got = lines(&sink);
        assert_eq!(got.len(), 1);
        assert!(got[0].0.starts_with("span=\"root op\""));
    }

    #[test]
    fn logfmt_quotes_and_numbers_like_go() {
        let v = |x| AnyValue { value: Some(x) };
        let line = logfmt(&[
            ("a".into(), v(any_value::Value::StringValue(String::new()))),
            (
                "b".into(),
                v(any_value::Value::StringValue("x=\"y\"\n".into())),
            ),
            ("c".into(), v(any_value::Value::DoubleValue(1.5))),
            ("d".into(), v(any_value::Value::DoubleValue(1e21))),
            ("e".into(), v(any_value::Value::BoolValue(true))),
        ]);
        assert_eq!(line, r#"a= b="x=\"y\"\n" c=1.5 d=1e+21 e=true"#);
    }
}
