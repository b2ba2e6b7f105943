//! Upstream's OTLP → Prometheus conversion cases
//! (`../shared/conformance/prometheus/otlp-to-prom/cases.json`, Alloy's
//! `convert_test.go`), run against [`Converter`].
//!
//! The harness plays upstream's test appenders: samples are keyed by label
//! set (last wins), metadata by name, the last exemplar per series is kept;
//! families are rendered in the OpenMetrics or 0.0.4 text form the case
//! names and compared byte for byte after putting the labels inside each
//! `{}` in one order (upstream's own label order is not a strict sort; the
//! case README says label order is not meaningful).

use std::collections::BTreeMap;
use std::path::PathBuf;

use alloy_bridge::otlp_to_prom::{Converter, ExporterOptions};
use alloy_prometheus::{Batch, Histogram, HistogramValue, Labels, MetricType};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use serde_json::{json, Value};

fn conformance_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ALLOY_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
        "conformance folder {} missing",
        dir.display()
    );
    None
}

fn options(o: &Value) -> ExporterOptions {
    let b = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    ExporterOptions {
        include_target_info: b("include_target_info"),
        include_scope_info: b("include_scope_info"),
        include_scope_labels: b("include_scope_labels"),
        add_metric_suffixes: b("add_metric_suffixes"),
        resource_to_telemetry_conversion: b("resource_to_telemetry_conversion"),
        honor_metadata: b("honor_metadata"),
        convert_classic_histograms_to_nhcb: b("convert_classic_histograms_to_nhcb"),
        keep_identifying_resource_attributes: b("keep_identifying_resource_attributes"),
        start_timestamp_zero_ingestion: b("start_timestamp_zero_ingestion"),
    }
}

/// What upstream's collecting appender holds after a conversion.
#[derive(Default)]
struct Collected {
    floats: BTreeMap<String, (Labels, f64)>,
    hists: BTreeMap<String, (Labels, Histogram)>,
    exemplars: BTreeMap<String, (Labels, f64)>,
    metadata: BTreeMap<String, (MetricType, String)>,
}

fn key(l: &Labels) -> String {
    l.to_string()
}

fn collect(batch: &Batch) -> Collected {
    let mut c = Collected::default();
    for (s, sample) in batch.iter_samples() {
        c.floats
            .insert(key(&s.labels), (s.labels.clone(), sample.v));
    }
    for h in batch.histograms() {
        let s = &batch.series()[h.series as usize];
        if let HistogramValue::Int(hist) = &h.value {
            c.hists
                .insert(key(&s.labels), (s.labels.clone(), hist.clone()));
        }
    }
    for e in batch.exemplars() {
        let s = &batch.series()[e.series as usize];
        c.exemplars.insert(
            key(&s.labels),
            (e.exemplar.labels.clone(), e.exemplar.value),
        );
    }
    for m in batch.metadata() {
        let s = &batch.series()[m.series as usize];
        c.metadata.insert(
            s.labels.metric_name().to_owned(),
            (m.metadata.metric_type, m.metadata.help.clone()),
        );
    }
    c
}

/// prometheus/common's float forms: OpenMetrics writes integral values with
/// `.0`, the text format Go's shortest `%g`.
fn fmt_float(v: f64, om: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if om && v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.1}");
    }
    let s = format!("{v}");
    if v.abs() >= 1e21 || (v != 0.0 && v.abs() < 1e-4) {
        return format!("{v:e}");
    }
    s
}

fn label_text(labels: &Labels, skip_name: bool, om: bool) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .filter(|l| !(skip_name && l.name == "__name__"))
        .map(|l| {
            let v = if om && matches!(l.name, "le" | "quantile") {
                l.value
                    .parse::<f64>()
                    .map_or_else(|_| l.value.to_owned(), |f| fmt_float(f, true))
            } else {
                l.value.to_owned()
            };
            format!("{}=\"{}\"", l.name, v)
        })
        .collect();
    parts.sort();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn exemplar_text(c: &Collected, labels: &Labels, om: bool) -> String {
    match c.exemplars.get(&key(labels)) {
        Some((el, v)) if om => format!(
            " # {} {}",
            label_text(el, false, true).trim_start_matches(' '),
            fmt_float(*v, true)
        ),
        _ => String::new(),
    }
}

fn render(c: &Collected, om: bool) -> String {
    // Families from metadata; everything else untyped under its own name.
    let mut families: BTreeMap<String, (MetricType, String)> = BTreeMap::new();

    for (name, md) in &c.metadata {
        families.insert(name.clone(), md.clone());
    }
    let family_of = |name: &str| -> Option<String> {
        for (fam, (t, _)) in &families {
            let members: Vec<String> = match t {
                MetricType::Summary => {
                    vec![fam.clone(), format!("{fam}_sum"), format!("{fam}_count")]
                }
                MetricType::Histogram => vec![
                    format!("{fam}_bucket"),
                    format!("{fam}_sum"),
                    format!("{fam}_count"),
                ],
                _ => vec![fam.clone()],
            };
            if members.iter().any(|m| m == name) {
                return Some(fam.clone());
            }
        }
        None
    };
    let mut members: BTreeMap<String, Vec<(Labels, f64)>> = BTreeMap::new();
    let mut untyped = Vec::new();
    for (labels, v) in c.floats.values() {
        let name = labels.metric_name();
        let fam = family_of(name).unwrap_or_else(|| {
            untyped.push(name.to_owned());
            name.to_owned()
        });
        members.entry(fam).or_default().push((labels.clone(), *v));
    }
    let mut families_snapshot = families.clone();
    for name in untyped {
        families_snapshot
            .entry(name)
            .or_insert((MetricType::Unknown, String::new()));
    }
    let mut out = String::new();
    for (fam, (t, help)) in &families_snapshot {
        let Some(samples) = members.get(fam) else {
            continue;
        };
        let type_name = match t {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
            _ if om => "unknown",
            _ => "untyped",
        };
        let shown = if om && *t == MetricType::Counter {
            fam.strip_suffix("_total").unwrap_or(fam).to_owned()
        } else {
            fam.clone()
        };
        if !help.is_empty() {
            out.push_str(&format!("# HELP {shown} {help}\n"));
        }
        out.push_str(&format!("# TYPE {shown} {type_name}\n"));
        // Metrics by label set (without name and le/quantile), then the
        // members of each metric in upstream's order.
        let mut by_metric: BTreeMap<String, Vec<&(Labels, f64)>> = BTreeMap::new();
        for s in samples {
            let mut b = s.0.to_builder();
            b.del("__name__");
            b.del("le");
            b.del("quantile");
            by_metric
                .entry(label_text(&b.labels(), true, false))
                .or_default()
                .push(s);
        }
        for group in by_metric.values_mut() {
            let rank = |l: &Labels| -> (u8, f64) {
                let n = l.metric_name();
                let f = |k: &str| {
                    l.get(k).map_or(0.0, |v| {
                        if v == "+Inf" {
                            f64::INFINITY
                        } else {
                            v.parse().unwrap_or(0.0)
                        }
                    })
                };
                if n.ends_with("_bucket") && *t == MetricType::Histogram {
                    (0, f("le"))
                } else if n.ends_with("_sum") && n != fam {
                    (2, 0.0)
                } else if n.ends_with("_count") && n != fam {
                    (3, 0.0)
                } else {
                    (1, f("quantile"))
                }
            };
            group.sort_by(|a, b| {
                rank(&a.0)
                    .partial_cmp(&rank(&b.0))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            for (labels, v) in group.iter() {
                let mut name = labels.metric_name().to_owned();
                if om && *t == MetricType::Counter && !name.ends_with("_total") {
                    name.push_str("_total");
                }
                let integral = matches!(t, MetricType::Histogram)
                    && (name.ends_with("_bucket") || name.ends_with("_count"))
                    || matches!(t, MetricType::Summary) && name.ends_with("_count");
                let value = if integral {
                    format!("{}", *v as u64)
                } else {
                    fmt_float(*v, om)
                };
                let ex = if matches!(t, MetricType::Counter)
                    || (matches!(t, MetricType::Histogram) && name.ends_with("_bucket"))
                {
                    exemplar_text(c, labels, om)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "{name}{} {value}{ex}\n",
                    label_text(labels, true, om)
                ));
            }
        }
    }
    out
}

/// The expected text with the labels of each `{}` put in the same order.
fn canonical(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut rest = line;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            out.push_str(&rest[..open]);
            let inner = &rest[open + 1..open + close];
            let mut parts: Vec<&str> = split_labels(inner);
            parts.sort();
            out.push('{');
            out.push_str(&parts.join(","));
            out.push('}');
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

fn split_labels(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut in_q) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_q = !in_q,
            ',' if !in_q => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < s.len() {
        parts.push(&s[start..]);
    }
    parts
}

fn family_json(c: &Collected, name: &str) -> Value {
    let (t, help) = c
        .metadata
        .get(name)
        .cloned()
        .unwrap_or((MetricType::Unknown, String::new()));
    let ty = match t {
        MetricType::Counter => 0,
        MetricType::Gauge => 1,
        MetricType::Summary => 2,
        MetricType::Histogram => 4,
        _ => 3,
    };
    let mut metrics = Vec::new();
    for (labels, h) in c.hists.values().filter(|(l, _)| l.metric_name() == name) {
        let spans = |s: &[alloy_prometheus::HistogramSpan]| -> Value {
            Value::Array(
                s.iter()
                    .map(|s| json!({"offset": s.offset, "length": s.length}))
                    .collect(),
            )
        };
        let mut hist = serde_json::Map::new();
        hist.insert("sample_count".into(), json!(h.count));
        hist.insert("sample_sum".into(), json!(h.sum));
        hist.insert("schema".into(), json!(h.schema));
        hist.insert("zero_threshold".into(), json!(h.zero_threshold));
        hist.insert("zero_count".into(), json!(h.zero_count));
        if !h.positive_spans.is_empty() {
            hist.insert("positive_span".into(), spans(&h.positive_spans));
            hist.insert("positive_delta".into(), json!(h.positive_deltas));
        }
        if !h.negative_spans.is_empty() {
            hist.insert("negative_span".into(), spans(&h.negative_spans));
            hist.insert("negative_delta".into(), json!(h.negative_deltas));
        }
        if ty == 4 {
            if let Some((el, v)) = c.exemplars.get(&key(labels)) {
                let label: Vec<Value> = el
                    .iter()
                    .map(|l| json!({"name": l.name, "value": l.value}))
                    .collect();
                hist.insert(
                    "bucket".into(),
                    json!([{"exemplar": {"label": label, "value": v}}]),
                );
            }
        }
        let mut m = serde_json::Map::new();
        let lbls: Vec<Value> = labels
            .iter()
            .filter(|l| l.name != "__name__")
            .map(|l| json!({"name": l.name, "value": l.value}))
            .collect();
        if !lbls.is_empty() {
            m.insert("label".into(), Value::Array(lbls));
        }
        m.insert("histogram".into(), Value::Object(hist));
        metrics.push(Value::Object(m));
    }
    let mut f = serde_json::Map::new();
    f.insert("name".into(), json!(name));
    if !help.is_empty() {
        f.insert("help".into(), json!(help));
    }
    f.insert("type".into(), json!(ty));
    f.insert("metric".into(), Value::Array(metrics));
    Value::Object(f)
}

/// Numbers compared by value (`3` equals `3.0`), within the last bit that
/// serde_json's fast float parser may get wrong (it reads `1e-128` as
/// `9.999999999999999e-129`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-15 * x.abs().max(y.abs()),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn run_case(case: &Value) -> Result<(), String> {
    let req: ExportMetricsServiceRequest = serde_json::from_value(case["input_otlp_json"].clone())
        .map_err(|e| format!("input: {e}"))?;
    let mut conv = Converter::new(options(&case["options"]));
    let mut batch = Batch::new();
    conv.convert(&req.resource_metrics, 0, &mut batch);
    let c = collect(&batch);
    match case["check"].as_str() {
        Some("exposition") => {
            let om = case["harness"]["exposition_format"] == "openmetrics";
            let got = canonical(&render(&c, om));
            let want = canonical(case["expected_exposition"].as_str().unwrap_or(""));
            if got != want {
                return Err(format!(
                    "exposition differs\n--- want\n{want}--- got\n{got}"
                ));
            }
        }
        Some("metric_family_json") => {
            let h = &case["harness"];
            let mut names: Vec<String> = c
                .hists
                .values()
                .map(|(l, _)| l.metric_name().to_owned())
                .chain(c.floats.values().map(|(l, _)| l.metric_name().to_owned()))
                .collect();
            names.sort();
            names.dedup();
            let name = match (
                h.get("family_name").and_then(Value::as_str),
                h.get("family_index").and_then(Value::as_u64),
            ) {
                (Some(n), _) => n.to_owned(),
                (None, Some(i)) => names.get(i as usize).cloned().ok_or("no family at index")?,
                _ => return Err("harness names no family".into()),
            };
            for absent in h["absent_families"].as_array().into_iter().flatten() {
                if names.iter().any(|n| Some(n.as_str()) == absent.as_str()) {
                    return Err(format!("family {absent} must be absent"));
                }
            }
            let got = family_json(&c, &name);
            if !json_eq(&got, &case["expected_metric_family_json"]) {
                return Err(format!(
                    "family differs\nwant {}\ngot  {got}",
                    case["expected_metric_family_json"]
                ));
            }
        }
        Some("native_histogram") => {
            let e = &case["expected_native_histogram"];
            if c.hists.len() != e["metric_count"].as_u64().unwrap_or(1) as usize
                || !c.floats.is_empty()
            {
                return Err(format!(
                    "want one native histogram, got {} and {} floats",
                    c.hists.len(),
                    c.floats.len()
                ));
            }
            let (_, h) = c.hists.values().next().ok_or("no histogram")?;
            let spans: Vec<Value> = h
                .positive_spans
                .iter()
                .map(|s| json!({"offset": s.offset, "length": s.length}))
                .collect();
            let got = json!({"schema": h.schema, "sample_count": h.count, "sample_sum": h.sum,
                "positive_spans": spans, "positive_deltas": h.positive_deltas});
            for k in [
                "schema",
                "sample_count",
                "sample_sum",
                "positive_spans",
                "positive_deltas",
            ] {
                if !json_eq(&got[k], &e[k]) {
                    return Err(format!("{k}: want {} got {}", e[k], got[k]));
                }
            }
        }
        Some("metadata_order") => {
            let e = &case["expected_metadata"];
            let mut errors = 0;
            let mut writes = 0;
            for fam in c.metadata.keys() {
                let known = c
                    .floats
                    .values()
                    .map(|(l, _)| l.metric_name())
                    .chain(c.hists.values().map(|(l, _)| l.metric_name()))
                    .any(|n| {
                        let base = ["_bucket", "_sum", "_count", "_total"]
                            .iter()
                            .find_map(|s| n.strip_suffix(s))
                            .unwrap_or(n);
                        base == fam || n == fam
                    });
                if known {
                    writes += 1
                } else {
                    errors += 1
                }
            }
            if errors != e["errors"].as_u64().unwrap_or(0) {
                return Err(format!("{errors} metadata rejections"));
            }
            if let Some(w) = e.get("writes").and_then(Value::as_u64) {
                if writes != w {
                    return Err(format!("want {w} metadata writes, got {writes}"));
                }
            }
            if let Some(w) = e.get("writes_at_least").and_then(Value::as_u64) {
                if writes < w {
                    return Err(format!("want at least {w} metadata writes, got {writes}"));
                }
            }
        }
        Some("appender_calls") => {
            // A start-timestamp zero sample is a 0 written before a later
            // sample of the same series in the same batch.
            let mut calls: Vec<(&'static str, u32, i64, i64)> = Vec::new();
            let samples = batch.samples();
            for (i, s) in samples.iter().enumerate() {
                let next = samples[i + 1..].iter().find(|n| n.series == s.series);
                match next {
                    Some(n) if s.sample.v == 0.0 && n.sample.t > s.sample.t => {
                        calls.push(("append_st_zero", s.series, n.sample.t, s.sample.t))
                    }
                    _ => calls.push(("append", s.series, s.sample.t, 0)),
                }
            }
            let e = &case["expected_appender_calls"];
            let zeros: Vec<_> = calls.iter().filter(|c| c.0 == "append_st_zero").collect();
            if let Some(list) = e.get("st_zero_samples").and_then(Value::as_array) {
                let got: Vec<Value> = zeros
                    .iter()
                    .map(|c| json!({"t_ms": c.2, "st_ms": c.3}))
                    .collect();
                if !json_eq(&Value::Array(got.clone()), &Value::Array(list.clone())) {
                    return Err(format!("st zero samples: want {list:?} got {got:?}"));
                }
            }
            if let Some(first) = e.get("first_calls").and_then(Value::as_array) {
                let got: Vec<&str> = calls.iter().take(first.len()).map(|c| c.0).collect();
                let want: Vec<&str> = first.iter().filter_map(Value::as_str).collect();
                if got != want {
                    return Err(format!("first calls: want {want:?} got {got:?}"));
                }
                if e["first_calls_same_labels"] == true
                    && calls.iter().take(first.len()).any(|c| c.1 != calls[0].1)
                {
                    return Err("first calls on different series".into());
                }
            }
            if let Some(n) = e.get("st_zero_sample_count").and_then(Value::as_u64) {
                if zeros.len() as u64 != n {
                    return Err(format!("want {n} st zero samples, got {}", zeros.len()));
                }
            }
            if let Some(st) = e.get("st_zero_st_ms").and_then(Value::as_i64) {
                if zeros.iter().any(|z| z.3 != st) {
                    return Err(format!("st zero at other than {st}"));
                }
            }
            if let Some(n) = e.get("append_count").and_then(Value::as_u64) {
                let appends = calls.iter().filter(|c| c.0 == "append").count() as u64;
                if appends != n {
                    return Err(format!("want {n} appends, got {appends}"));
                }
            }
        }
        other => return Err(format!("unknown check {other:?}")),
    }
    Ok(())
}

#[test]
fn otlp_to_prom_cases() {
    let Some(dir) = conformance_dir() else { return };
    let path = dir.join("prometheus/otlp-to-prom/cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<Value> = serde_json::from_str(&text).expect("cases.json is JSON");
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(case) {
            failures.push(format!("{}: {e}", case["id"]));
        }
    }
    eprintln!(
        "otlp-to-prom: {}/{} cases pass",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
