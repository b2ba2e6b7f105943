//! `loki.process` stage cases from upstream's tests
//! (`../shared/conformance/loki-process/cases.json`, rules in its README):
//! every case is run; a case whose stages this runtime refuses by name is
//! counted as refused, never as passed. Skipped when the folder is absent
//! unless `ALLOY_REQUIRE_CONFORMANCE=1`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use alloy_loki::process::{Item, Pipeline};
use alloy_loki::{Entry, Labels, Timestamp};
use alloy_runtime::components::loki::process::parse_stages;
use serde_json::Value;

fn cases_path() -> Option<PathBuf> {
    let dir = std::env::var_os("ALLOY_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
        });
    let path = dir.join("loki-process/cases.json");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
        "ALLOY_REQUIRE_CONFORMANCE=1 but {} is missing",
        path.display()
    );
    println!("skipped: {} not found", path.display());
    None
}

enum Outcome {
    Pass,
    Refused(String),
    Fail(String),
    Unchecked(String),
}

fn entry(input: &Value) -> Entry {
    let labels: Labels = input["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let ts = match input["timestamp"].as_str() {
        Some(t) => alloy_loki::time::parse_rfc3339(t).unwrap_or_default(),
        None => Timestamp::now(),
    };
    let mut e = Entry::new(labels, ts, input["line"].as_str().unwrap_or_default());
    if let Some(sm) = input["structured_metadata"].as_object() {
        e.structured_metadata = sm
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
    }
    e
}

/// JSON numbers compare by value (1 == 1.0 is not true upstream: an int
/// is not a float), so types are compared as the README says.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64() == y.as_f64() && (x.is_f64() == y.is_f64())
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

fn check_entry(
    want: &Value,
    got: &Item,
    input: &Entry,
    precision_second: bool,
) -> Result<(), String> {
    let e = &got.entry;
    if let Some(line) = want.get("line").and_then(Value::as_str) {
        if *e.line != *line {
            return Err(format!("line {:?} != {:?}", e.line, line));
        }
    }
    if let Some(lj) = want.get("line_json") {
        let parsed: Value = serde_json::from_str(&e.line).map_err(|x| x.to_string())?;
        if &parsed != lj {
            return Err(format!("line_json {parsed} != {lj}"));
        }
    }
    if let Some(labels) = want.get("labels").and_then(Value::as_object) {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        if e.labels.as_map() != &want {
            return Err(format!("labels {:?} != {:?}", e.labels, want));
        }
    }
    if let Some(ex) = want.get("extracted").and_then(Value::as_object) {
        let got_map = Value::Object(got.extracted.clone().into_iter().collect());
        if !same_value(&got_map, &Value::Object(ex.clone())) {
            return Err(format!(
                "extracted {got_map} != {}",
                Value::Object(ex.clone())
            ));
        }
    }
    if let Some(ts) = want.get("timestamp").and_then(Value::as_str) {
        let want_ts = alloy_loki::time::parse_rfc3339(ts)?;
        let ok = if precision_second {
            want_ts.secs == e.timestamp.secs
        } else {
            want_ts == e.timestamp
        };
        if !ok {
            return Err(format!(
                "timestamp {} != {ts}",
                alloy_loki::time::format_rfc3339_nanos(e.timestamp)
            ));
        }
    }
    if want.get("timestamp_same_as_input").is_some() && e.timestamp != input.timestamp {
        return Err("timestamp changed".into());
    }
    if let Some(sm) = want.get("structured_metadata").and_then(Value::as_object) {
        let mut want: Vec<(String, String)> = sm
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let mut have: Vec<(String, String)> = e
            .structured_metadata
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        want.sort();
        have.sort();
        if want != have {
            return Err(format!("structured_metadata {have:?} != {want:?}"));
        }
    }
    if let Some(t) = want.get("tenant") {
        let have = e.labels.get("__tenant_id__");
        if have != t.as_str() {
            return Err(format!("tenant {have:?} != {t}"));
        }
    }
    Ok(())
}

fn run_case(case: &Value) -> Outcome {
    let text = case["stages_alloy"].as_str().unwrap_or_default();
    let built = parse_stages(text);
    if case.get("error").is_some() {
        return match built {
            Err(_) => Outcome::Pass,
            Ok(_) => Outcome::Fail("configuration accepted, upstream rejects it".into()),
        };
    }
    let stages = match built {
        Ok(s) => s,
        Err(e) if e.message.contains("not supported by this runtime yet") => {
            return Outcome::Refused(e.message)
        }
        Err(e) => return Outcome::Fail(format!("build: {}", e.message)),
    };
    if case.get("expected_metrics_text").is_some() || case.get("expected_metrics_values").is_some()
    {
        return Outcome::Unchecked("metrics expectations".into());
    }
    let Ok(mut pipeline) = Pipeline::new(&stages) else {
        return Outcome::Fail("pipeline".into());
    };
    let stage_runner = case["runner"] == "stage";
    let mut outputs: Vec<(Item, Entry)> = Vec::new();
    let inputs = case["input"].as_array().cloned().unwrap_or_default();
    for input in &inputs {
        if input.get("timestamp_offset_from_now").is_some()
            || input.get("delay_before_ms").is_some()
        {
            return Outcome::Unchecked("clock-dependent input".into());
        }
        let e = entry(input);
        let extracted: BTreeMap<String, Value> = input["extracted"]
            .as_object()
            .map(|m| m.clone().into_iter().collect())
            .unwrap_or_default();
        let mut item = if stage_runner {
            Item {
                entry: e.clone(),
                extracted,
            }
        } else {
            Item::new(e.clone(), extracted)
        };
        if pipeline.run(&mut item) {
            outputs.push((item, e));
        }
    }
    if case.get("dropped").and_then(Value::as_bool) == Some(true) {
        return if outputs.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail("expected the entry to be dropped".into())
        };
    }
    if let Some(n) = case.get("expected_count").and_then(Value::as_u64) {
        return if outputs.len() as u64 == n {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("{} entries, expected {n}", outputs.len()))
        };
    }
    let Some(expected) = case.get("expected").and_then(Value::as_array) else {
        return Outcome::Unchecked("no expectation this harness reads".into());
    };
    if case["compare"].get("order").is_some() {
        return Outcome::Unchecked("non-positional comparison".into());
    }
    if expected.len() != outputs.len() {
        return Outcome::Fail(format!(
            "{} entries, expected {}",
            outputs.len(),
            expected.len()
        ));
    }
    let second = case["compare"]["timestamp_precision"] == "second";
    for (want, (got, input)) in expected.iter().zip(&outputs) {
        if let Err(e) = check_entry(want, got, input, second) {
            return Outcome::Fail(e);
        }
    }
    Outcome::Pass
}

#[test]
fn loki_process_conformance() {
    let Some(path) = cases_path() else { return };
    let text = std::fs::read_to_string(&path).expect("cases.json");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("cases.json parses");
    let (mut pass, mut refused, mut unchecked) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut refused_by: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?").to_owned();
        match run_case(case) {
            Outcome::Pass => pass += 1,
            Outcome::Refused(why) => {
                refused += 1;
                *refused_by.entry(why).or_default() += 1;
            }
            Outcome::Unchecked(_) => unchecked += 1,
            Outcome::Fail(why) => failures.push(format!("{id}: {why}")),
        }
    }
    println!(
        "loki.process conformance: {} cases, {pass} pass, {} fail, {refused} refused by name, {unchecked} not checkable here",
        cases.len(),
        failures.len()
    );
    for (why, n) in &refused_by {
        println!("  refused {n}: {why}");
    }
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} conformance failures",
        failures.len()
    );
}
