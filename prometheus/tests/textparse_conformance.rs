//! Prometheus's text and OpenMetrics parser tables
//! (`conformance/prometheus/textparse`): full entry lists and exact error
//! texts, plus the benchmark corpora, which must parse to the end.

mod common;

use std::collections::BTreeMap;

use alloy_prometheus::textparse::{Entry, OpenMetricsParser, Parser, PromParser};
use serde_json::{json, Value};

fn number(v: f64) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v == f64::INFINITY {
        json!("+Inf")
    } else if v == f64::NEG_INFINITY {
        json!("-Inf")
    } else {
        json!(v)
    }
}

fn same_number(a: &Value, b: &Value) -> bool {
    let f = |v: &Value| match v {
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::String(s) if s == "+Inf" => Some(f64::INFINITY),
        Value::String(s) if s == "-Inf" => Some(f64::NEG_INFINITY),
        v => v.as_f64(),
    };
    match (f(a), f(b)) {
        (Some(x), Some(y)) => (x.is_nan() && y.is_nan()) || x == y,
        _ => a == b,
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every entry up to the end or the first error, as the case files write them.
fn entries(p: &mut dyn Parser) -> (Vec<Value>, Option<String>) {
    let mut out = Vec::new();
    let mut labels = Vec::new();
    loop {
        let entry = match p.next() {
            Ok(Some(e)) => e,
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e.0)),
        };
        out.push(match entry {
            Entry::Help => {
                let (m, t) = p.help();
                json!({"type": "help", "metric": text(m), "text": text(&t)})
            }
            Entry::Type => {
                let (m, t) = p.metric_type();
                json!({"type": "type", "metric": text(m), "text": t.as_str()})
            }
            Entry::Unit => {
                let (m, u) = p.unit();
                json!({"type": "unit", "metric": text(m), "text": text(u)})
            }
            Entry::Comment => json!({"type": "comment", "text": text(p.comment())}),
            Entry::Series => {
                let (raw, ts, v) = p.series();
                let raw = text(raw);
                p.labels(&mut labels);
                let map: BTreeMap<String, String> = labels.iter().cloned().collect();
                let exemplar = p.exemplar().map(|e| {
                    let l: BTreeMap<String, String> = e
                        .labels
                        .iter()
                        .map(|l| (l.name.to_owned(), l.value.to_owned()))
                        .collect();
                    json!({"labels": l, "value": number(e.value), "timestamp_ms": e.t})
                });
                let st = p.start_timestamp();
                json!({
                    "type": "series",
                    "metric": map.get("__name__").cloned().unwrap_or_default(),
                    "series_raw": raw,
                    "labels": map,
                    "value": number(v),
                    "timestamp_ms": ts,
                    "start_timestamp_ms": st,
                    "exemplar": exemplar,
                })
            }
        });
    }
}

fn compare(got: &Value, want: &Value, ignore: &[&str]) -> bool {
    let (Some(g), Some(w)) = (got.as_object(), want.as_object()) else {
        return got == want;
    };
    w.iter().all(|(k, wv)| {
        if ignore.contains(&k.as_str()) {
            return true;
        }
        let gv = g.get(k).unwrap_or(&Value::Null);
        match k.as_str() {
            "value" => same_number(gv, wv),
            "exemplar" => match (gv, wv) {
                (Value::Null, Value::Null) => true,
                (g, w) => {
                    g.get("labels") == w.get("labels")
                        && same_number(&g["value"], &w["value"])
                        && g.get("timestamp_ms") == w.get("timestamp_ms")
                }
            },
            _ => gv == wv,
        }
    })
}

fn run_file(file: &str, open_metrics: bool) {
    let Some(cases) = common::load(&format!("prometheus/textparse/{file}")) else {
        return;
    };
    let cases = cases.as_array().expect("case list");
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let input = common::bytes_field(case, "input");
        let opts = &case["options"];
        let tu = opts["type_and_unit_labels"].as_bool().unwrap_or(false);
        let skip = opts["skip_created_series"].as_bool().unwrap_or(false);
        let (got, err) = if open_metrics {
            let mut p = OpenMetricsParser::new(&input)
                .skip_created_series(skip)
                .with_type_and_unit_labels(tu);
            entries(&mut p)
        } else {
            let mut p = PromParser::new(&input).with_type_and_unit_labels(tu);
            entries(&mut p)
        };
        match case["kind"].as_str() {
            Some("entries") => {
                let ignore: Vec<&str> = case["ignore_fields"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let want = case["entries"].as_array().expect("entries");
                if let Some(e) = err {
                    failures.push(format!("{id}: error {e}"));
                    continue;
                }
                if got.len() != want.len() {
                    failures.push(format!("{id}: {} entries, want {}", got.len(), want.len()));
                }
                for (i, (g, w)) in got.iter().zip(want).enumerate() {
                    if !compare(g, w, &ignore) {
                        failures.push(format!("{id}: entry {i}: got {g}\n   want {w}"));
                        break;
                    }
                }
            }
            _ => {
                let want = case["error"].as_str();
                if err.as_deref() != want {
                    failures.push(format!("{id}: error {err:?}, want {want:?}"));
                }
            }
        }
    }
    eprintln!(
        "{file}: {}/{} cases pass",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn prometheus_text_cases() {
    run_file("prometheus.json", false);
}

#[test]
fn openmetrics_cases() {
    run_file("openmetrics.json", true);
}

#[test]
fn corpora_parse_to_the_end() {
    let Some(cases) = common::load("prometheus/textparse/corpora.json") else {
        return;
    };
    let dir = common::conformance_dir()
        .expect("found")
        .join("prometheus/textparse");
    for case in cases.as_array().expect("list") {
        let body = std::fs::read(dir.join(case["file"].as_str().expect("file"))).expect("corpus");
        for parser in case["parsers"].as_array().expect("parsers") {
            let (n, err) = match parser.as_str() {
                Some("openmetrics") => {
                    entries(&mut OpenMetricsParser::new(&body).skip_created_series(true))
                }
                _ => entries(&mut PromParser::new(&body)),
            };
            assert_eq!(err, None, "{} with {parser}", case["id"]);
            assert!(!n.is_empty());
        }
    }
}
