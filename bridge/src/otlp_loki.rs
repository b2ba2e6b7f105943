//! OTLP logs ↔ Loki entries (`otelcol.exporter.loki`, `otelcol.receiver.loki`).
//!
//! OTLP → Loki follows the collector's Loki translator as Alloy calls it:
//! labels `exporter="OTLP"`, `job` (`service.namespace/service.name`) and
//! `instance` (`service.instance.id`), plus the attributes named by the
//! hints `loki.resource.labels` (resource attributes) and
//! `loki.attribute.labels` (record attributes), and `loki.tenant`; a record
//! with a severity number gets a `level` attribute and label. Label names
//! are normalised as Prometheus labels. Hint attributes and promoted
//! attributes leave the line, which is the record encoded as `json`
//! (default), `logfmt` or `raw` (`loki.format`).
//!
//! A hint naming an attribute that does not exist adds no label (as
//! upstream) and a hint naming a non-string attribute labels its string
//! form (as upstream); both are counted ([`HintIssues`]) so a misspelt hint
//! shows on `/metrics`. An unknown format drops the record, counted.
//!
//! Loki → OTLP: one log record per entry, the line as a string body, the
//! labels (and structured metadata) as attributes, `loki.attribute.labels`
//! naming the labels so a later `otelcol.exporter.loki` restores them, and
//! `log.file.path`/`log.file.name` from a `filename` label.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use alloy_loki::{Entry, Labels as LokiLabels, Timestamp};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::names::{normalize_label, push_json_float, value_as_string};

const HINT_ATTRIBUTES: &str = "loki.attribute.labels";
const HINT_RESOURCES: &str = "loki.resource.labels";
const HINT_TENANT: &str = "loki.tenant";
const HINT_FORMAT: &str = "loki.format";

/// Hints that named something unusable, for counting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HintIssues {
    /// Attribute names in hints that matched no attribute.
    pub missing: u64,
    /// Attributes in hints whose value is not a string (labelled with its
    /// string form).
    pub not_string: u64,
}

/// Why a record was not converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LokiConvertError {
    InvalidFormat(String),
}

impl std::fmt::Display for LokiConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LokiConvertError::InvalidFormat(fmt) => write!(
                f,
                "invalid format {fmt}. Expected one of: json, logfmt, raw"
            ),
        }
    }
}

fn str_value(v: Option<&AnyValue>) -> Option<&str> {
    match v?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn get<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn as_string(v: Option<&AnyValue>) -> String {
    let mut s = String::new();
    value_as_string(v, &mut s);
    s
}

/// `a.b` as a top-level attribute `a.b`, or nested: `b` inside map `a`.
fn get_nested<'a>(attrs: &'a [KeyValue], name: &str) -> Option<&'a AnyValue> {
    if let Some(v) = get(attrs, name) {
        return Some(v);
    }
    let (left, right) = name.split_once('.')?;
    let v = get(attrs, left)?;
    match v.value.as_ref()? {
        any_value::Value::KvlistValue(kv) => get_nested(&kv.values, right),
        _ => None,
    }
}

/// A hint value: a comma-separated string or a list.
fn hint_names(v: &AnyValue) -> Vec<String> {
    match v.value.as_ref() {
        Some(any_value::Value::StringValue(s)) => s.split(',').map(str::to_owned).collect(),
        Some(any_value::Value::ArrayValue(a)) => {
            a.values.iter().map(|x| as_string(Some(x))).collect()
        }
        _ => vec![as_string(Some(v))],
    }
}

fn select(
    attrs: &[KeyValue],
    hint: &AnyValue,
    out: &mut BTreeMap<String, String>,
    issues: &mut HintIssues,
) {
    for name in hint_names(hint) {
        let name = name.trim();
        match get_nested(attrs, name) {
            Some(v) => {
                if str_value(Some(v)).is_none() {
                    issues.not_string += 1;
                }
                out.insert(name.to_owned(), as_string(Some(v)));
            }
            None => issues.missing += 1,
        }
    }
}

fn level_name(severity: i32) -> &'static str {
    const NAMES: [&str; 25] = [
        "UNSPECIFIED",
        "TRACE",
        "TRACE2",
        "TRACE3",
        "TRACE4",
        "DEBUG",
        "DEBUG2",
        "DEBUG3",
        "DEBUG4",
        "INFO",
        "INFO2",
        "INFO3",
        "INFO4",
        "WARN",
        "WARN2",
        "WARN3",
        "WARN4",
        "ERROR",
        "ERROR2",
        "ERROR3",
        "ERROR4",
        "FATAL",
        "FATAL2",
        "FATAL3",
        "FATAL4",
    ];
    NAMES.get(severity as usize).copied().unwrap_or("")
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

/// One OTLP log record as a Loki entry.
pub fn log_to_entry(
    record: &LogRecord,
    resource: Option<&Resource>,
    scope: Option<&InstrumentationScope>,
    now: Timestamp,
    issues: &mut HintIssues,
) -> Result<Entry, LokiConvertError> {
    let mut attrs = record.attributes.clone();
    let mut res_attrs = resource.map(|r| r.attributes.clone()).unwrap_or_default();

    // `level` from the severity number, and a hint to promote it.
    if record.severity_number != 0 {
        match attrs.iter_mut().find(|kv| kv.key == HINT_ATTRIBUTES) {
            Some(existing) => match existing.value.as_mut().and_then(|v| v.value.as_mut()) {
                Some(any_value::Value::ArrayValue(a)) => a.values.push(AnyValue {
                    value: Some(any_value::Value::StringValue("level".into())),
                }),
                Some(any_value::Value::StringValue(s)) => s.push_str(",level"),
                _ => {}
            },
            None => attrs.push(kv(HINT_ATTRIBUTES, "level")),
        }
        if get(&attrs, "level").is_none() {
            attrs.push(kv("level", level_name(record.severity_number)));
        }
    }

    let format = get(&res_attrs, HINT_FORMAT)
        .or_else(|| get(&attrs, HINT_FORMAT))
        .map_or_else(|| "json".to_owned(), |v| as_string(Some(v)));

    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    labels.insert("exporter".into(), "OTLP".into());
    if let Some(name) = get(&res_attrs, "service.name") {
        let mut job = String::new();
        if let Some(ns) = get(&res_attrs, "service.namespace") {
            job = as_string(Some(ns));
            job.push('/');
        }
        job.push_str(&as_string(Some(name)));
        labels.insert("job".into(), job);
    }
    if let Some(id) = get(&res_attrs, "service.instance.id") {
        labels.insert("instance".into(), as_string(Some(id)));
    }
    if let Some(h) = get(&res_attrs, HINT_RESOURCES) {
        select(&res_attrs, h, &mut labels, issues);
    }
    if let Some(h) = get(&attrs, HINT_RESOURCES) {
        select(&res_attrs, h, &mut labels, issues);
    }
    if let Some(h) = get(&attrs, HINT_ATTRIBUTES) {
        select(&attrs, h, &mut labels, issues);
    }
    match get(&res_attrs, HINT_TENANT) {
        Some(h) => select(&res_attrs, h, &mut labels, issues),
        None => {
            if let Some(h) = get(&attrs, HINT_TENANT) {
                select(&attrs, h, &mut labels, issues);
            }
        }
    }

    let promoted = |k: &str| {
        matches!(
            k,
            HINT_ATTRIBUTES | HINT_RESOURCES | HINT_TENANT | HINT_FORMAT
        ) || labels.contains_key(k)
    };
    attrs.retain(|kv| !promoted(&kv.key));
    res_attrs.retain(|kv| !promoted(&kv.key));

    let line = match format.as_str() {
        "json" => encode_json(record, &attrs, &res_attrs, scope),
        "logfmt" => encode_logfmt(record, &attrs, &res_attrs, scope),
        "raw" => as_string(record.body.as_ref()),
        other => return Err(LokiConvertError::InvalidFormat(other.to_owned())),
    };
    let ts = if record.time_unix_nano != 0 {
        Timestamp::from_unix_nanos(record.time_unix_nano as i128)
    } else if record.observed_time_unix_nano != 0 {
        Timestamp::from_unix_nanos(record.observed_time_unix_nano as i128)
    } else {
        now
    };
    let mut name = String::new();
    let labels: LokiLabels = labels
        .into_iter()
        .map(|(k, v)| {
            normalize_label(&k, &mut name);
            (name.clone(), v)
        })
        .collect();
    Ok(Entry::new(labels, ts, line))
}

/// Go `encoding/json` escapes `<`, `>`, `&`, U+2028 and U+2029 in strings;
/// they only occur inside strings in JSON text.
fn go_json_escape(s: String) -> String {
    if !s.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// pdata's `AsRaw` as JSON (maps with sorted keys, as Go marshals maps).
fn raw_json(v: Option<&AnyValue>) -> serde_json::Value {
    use serde_json::Value as J;
    let Some(v) = v.and_then(|v| v.value.as_ref()) else {
        return J::Null;
    };
    match v {
        any_value::Value::StringValue(s) => J::String(s.clone()),
        any_value::Value::BoolValue(b) => J::Bool(*b),
        any_value::Value::IntValue(i) => J::from(*i),
        any_value::Value::DoubleValue(d) => {
            if d.fract() == 0.0 && d.abs() < 1e15 {
                J::from(*d as i64)
            } else {
                serde_json::Number::from_f64(*d).map_or(J::Null, J::Number)
            }
        }
        any_value::Value::BytesValue(_) => J::String(as_string(Some(&AnyValue {
            value: Some(v.clone()),
        }))),
        any_value::Value::ArrayValue(a) => {
            J::Array(a.values.iter().map(|x| raw_json(Some(x))).collect())
        }
        any_value::Value::KvlistValue(kv) => J::Object(attrs_json(&kv.values)),
        any_value::Value::StringValueStrindex(_) => J::Null,
    }
}

fn attrs_json(attrs: &[KeyValue]) -> serde_json::Map<String, serde_json::Value> {
    let sorted: BTreeMap<&str, serde_json::Value> = attrs
        .iter()
        .map(|kv| (kv.key.as_str(), raw_json(kv.value.as_ref())))
        .collect();
    sorted.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn nonzero(id: &[u8]) -> bool {
    id.iter().any(|&b| b != 0)
}

/// The `json` line: upstream's `lokiEntry` fields in its struct order (the
/// nested maps with sorted keys, as Go marshals maps).
fn encode_json(
    r: &LogRecord,
    attrs: &[KeyValue],
    res: &[KeyValue],
    scope: Option<&InstrumentationScope>,
) -> String {
    let mut fields: Vec<(&str, serde_json::Value)> = Vec::new();
    if r.body.as_ref().and_then(|b| b.value.as_ref()).is_some() {
        fields.push(("body", raw_json(r.body.as_ref())));
    }
    if nonzero(&r.trace_id) {
        fields.push(("traceid", hex(&r.trace_id).into()));
    }
    if nonzero(&r.span_id) {
        fields.push(("spanid", hex(&r.span_id).into()));
    }
    if !r.severity_text.is_empty() {
        fields.push(("severity", r.severity_text.clone().into()));
    }
    if r.flags != 0 {
        fields.push(("flags", r.flags.into()));
    }
    if !attrs.is_empty() {
        fields.push(("attributes", attrs_json(attrs).into()));
    }
    if !res.is_empty() {
        fields.push(("resources", attrs_json(res).into()));
    }
    if let Some(s) = scope.filter(|s| !s.name.is_empty()) {
        let mut sc = format!("{{\"name\":{}", serde_json::Value::from(s.name.clone()));
        if !s.version.is_empty() {
            let _ = write!(
                sc,
                ",\"version\":{}",
                serde_json::Value::from(s.version.clone())
            );
        }
        sc.push('}');
        fields.push(("instrumentation_scope", serde_json::Value::String(sc)));
    }
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{k}\":");
        match (k, v) {
            (&"instrumentation_scope", serde_json::Value::String(raw)) => out.push_str(raw),
            _ => out.push_str(&v.to_string()),
        }
    }
    out.push('}');
    go_json_escape(out)
}

/// A logfmt value: bare when it needs no quoting, else quoted with Go
/// escapes.
fn logfmt_value(v: &str, out: &mut String) {
    let needs_quote = v.is_empty()
        || v.chars()
            .any(|c| c <= ' ' || c == '=' || c == '"' || c == '\u{7f}' || c == '\u{fffd}');
    if !needs_quote {
        out.push_str(v);
        return;
    }
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn value_keyvals(key: &str, v: Option<&AnyValue>, out: &mut Vec<(String, String)>) {
    let Some(inner) = v.and_then(|v| v.value.as_ref()) else {
        return;
    };
    match inner {
        any_value::Value::KvlistValue(kv) => {
            let prefix = if key.is_empty() {
                String::new()
            } else {
                format!("{key}_")
            };
            for item in &kv.values {
                value_keyvals(&format!("{prefix}{}", item.key), item.value.as_ref(), out);
            }
        }
        any_value::Value::ArrayValue(a) => {
            let prefix = if key.is_empty() {
                String::new()
            } else {
                format!("{key}_")
            };
            for (i, item) in a.values.iter().enumerate() {
                value_keyvals(&format!("{prefix}{i}"), Some(item), out);
            }
        }
        any_value::Value::DoubleValue(d) => {
            let mut s = String::new();
            push_json_float(*d, &mut s);
            out.push((key.to_owned(), s));
        }
        _ => out.push((key.to_owned(), as_string(v))),
    }
}

/// A string body read as logfmt (`k=v k2="v 2" flag`); `None` when it is not.
fn parse_logfmt(line: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c == ' ' || c == '\t' {
            chars.next();
            continue;
        }
        let mut key_end = line.len();
        while let Some(&(i, c)) = chars.peek() {
            if c == '=' || c == ' ' || c == '\t' {
                key_end = i;
                break;
            }
            if c == '"' {
                return None;
            }
            chars.next();
        }
        let key = &line[start..key_end.min(line.len())];
        if key.is_empty() {
            return None;
        }
        let mut value = String::new();
        if let Some(&(_, '=')) = chars.peek() {
            chars.next();
            if let Some(&(_, '"')) = chars.peek() {
                chars.next();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, 't')) => value.push('\t'),
                            Some((_, 'r')) => value.push('\r'),
                            Some((_, o)) => value.push(o),
                            None => return None,
                        },
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                if !closed {
                    return None;
                }
            } else {
                while let Some(&(_, c)) = chars.peek() {
                    if c == ' ' || c == '\t' {
                        break;
                    }
                    if c == '"' || c == '=' {
                        return None;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        out.push((key.to_owned(), value));
    }
    Some(out)
}

fn encode_logfmt(
    r: &LogRecord,
    attrs: &[KeyValue],
    res: &[KeyValue],
    scope: Option<&InstrumentationScope>,
) -> String {
    let mut kvs: Vec<(String, String)> = Vec::new();
    match r.body.as_ref().and_then(|b| b.value.as_ref()) {
        None => {}
        Some(any_value::Value::StringValue(s)) => match parse_logfmt(s) {
            Some(parsed) => kvs = parsed,
            None => kvs.push(("msg".into(), s.clone())),
        },
        Some(any_value::Value::KvlistValue(_)) => value_keyvals("", r.body.as_ref(), &mut kvs),
        Some(any_value::Value::ArrayValue(_)) => value_keyvals("body", r.body.as_ref(), &mut kvs),
        Some(_) => kvs.push(("msg".into(), as_string(r.body.as_ref()))),
    }
    let mut replace = |k: &str, v: String| match kvs.iter_mut().find(|(key, _)| key == k) {
        Some(slot) => slot.1 = v,
        None => kvs.push((k.to_owned(), v)),
    };
    if nonzero(&r.trace_id) {
        replace("traceID", hex(&r.trace_id));
    }
    if nonzero(&r.span_id) {
        replace("spanID", hex(&r.span_id));
    }
    if !r.severity_text.is_empty() {
        replace("severity", r.severity_text.clone());
    }
    if r.flags != 0 {
        replace("flags", r.flags.to_string());
    }
    for a in attrs {
        value_keyvals(&format!("attribute_{}", a.key), a.value.as_ref(), &mut kvs);
    }
    for a in res {
        value_keyvals(&format!("resource_{}", a.key), a.value.as_ref(), &mut kvs);
    }
    if let Some(s) = scope.filter(|s| !s.name.is_empty()) {
        kvs.push(("instrumentation_scope_name".into(), s.name.clone()));
        if !s.version.is_empty() {
            kvs.push(("instrumentation_scope_version".into(), s.version.clone()));
        }
    }
    let mut line = String::new();
    for (i, (k, v)) in kvs.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(k);
        line.push('=');
        logfmt_value(v, &mut line);
    }
    line
}

/// Converts every record of `logs`; failed records are counted in the
/// returned number.
pub fn logs_to_entries(
    logs: &[ResourceLogs],
    now: Timestamp,
    issues: &mut HintIssues,
) -> (Vec<Entry>, u64) {
    let mut out = Vec::new();
    let mut failed = 0;
    for rl in logs {
        for sl in &rl.scope_logs {
            for rec in &sl.log_records {
                match log_to_entry(rec, rl.resource.as_ref(), sl.scope.as_ref(), now, issues) {
                    Ok(e) => out.push(e),
                    Err(_) => failed += 1,
                }
            }
        }
    }
    (out, failed)
}

/// A Loki entry as an OTLP log batch (one resource, one scope, one record
/// per entry), as `otelcol.receiver.loki` sends it.
pub fn entries_to_logs(entries: &[Entry], now: Timestamp) -> Vec<ResourceLogs> {
    let observed = now.unix_nanos().max(0) as u64;
    let records = entries
        .iter()
        .map(|e| {
            let mut attrs = Vec::with_capacity(e.labels.len() + 3);
            if let Some(path) = e.labels.get("filename") {
                attrs.push(kv("log.file.path", path));
                let base = path.rsplit('/').next().unwrap_or(path);
                attrs.push(kv("log.file.name", base));
            }
            if !e.labels.is_empty() {
                let names: Vec<&str> = e.labels.iter().map(|(k, _)| k).collect();
                attrs.push(kv(HINT_ATTRIBUTES, &names.join(",")));
            }
            for (k, v) in e.labels.iter() {
                attrs.push(kv(k, v));
            }
            for (k, v) in e.structured_metadata.iter() {
                attrs.push(kv(k, v));
            }
            let ts = e.timestamp.unix_nanos();
            LogRecord {
                time_unix_nano: if ts > 0 { ts as u64 } else { observed },
                observed_time_unix_nano: observed,
                body: Some(AnyValue {
                    value: Some(any_value::Value::StringValue(e.line.to_string())),
                }),
                attributes: attrs,
                ..Default::default()
            }
        })
        .collect();
    vec![ResourceLogs {
        resource: Some(Resource::default()),
        scope_logs: vec![ScopeLogs {
            log_records: records,
            ..Default::default()
        }],
        schema_url: String::new(),
    }]
}
