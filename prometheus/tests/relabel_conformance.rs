//! Upstream's relabel tables (`conformance/prometheus/relabel`): Prometheus's
//! and Alloy's TestRelabel/TestRelabelValidate, the component tests, and the
//! target-label pattern cases. Each case runs through the rule's dialect;
//! Prometheus cases that note Alloy's own verdict are run through Alloy's too.

mod common;

use std::collections::BTreeMap;

use alloy_prometheus::relabel::{
    apply, is_valid_target_template, Dialect, NameValidation, RuleSpec,
};
use alloy_prometheus::Labels;
use serde_json::Value;

fn spec(rule: &Value, defaults: bool) -> RuleSpec {
    let text = |k: &str| rule.get(k).and_then(Value::as_str).map(str::to_owned);
    let base = if defaults {
        RuleSpec::default()
    } else {
        RuleSpec {
            source_labels: None,
            separator: String::new(),
            regex: String::new(),
            modulus: 0,
            target_label: String::new(),
            replacement: String::new(),
            action: String::new(),
        }
    };
    // With defaults, a missing or empty field takes the default.
    let pick = |k: &str, d: String| match text(k) {
        Some(v) if !(defaults && v.is_empty()) => v,
        _ => d,
    };
    RuleSpec {
        source_labels: rule
            .get("source_labels")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
        separator: pick("separator", base.separator),
        regex: pick("regex", base.regex),
        modulus: rule
            .get("modulus")
            .and_then(Value::as_u64)
            .unwrap_or(base.modulus),
        target_label: pick("target_label", base.target_label),
        replacement: pick("replacement", base.replacement),
        action: pick("action", base.action),
    }
}

fn labels(v: &Value) -> Labels {
    let map = v.as_object().expect("label object");
    Labels::from_pairs(
        map.iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or(""))),
    )
}

fn as_map(l: &Labels) -> BTreeMap<String, String> {
    l.iter()
        .map(|l| (l.name.to_owned(), l.value.to_owned()))
        .collect()
}

fn expected_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .expect("label object")
        .iter()
        .filter_map(|(k, v)| {
            let v = v.as_str().unwrap_or("");
            (!v.is_empty()).then(|| (k.clone(), v.to_owned()))
        })
        .collect()
}

/// Runs one case under `dialect`; `Err` explains a mismatch.
fn run(case: &Value, dialect: Dialect, expected_error: Option<&str>) -> Result<(), String> {
    let defaults = case["apply_defaults"].as_bool().unwrap_or(true);
    let specs: Vec<RuleSpec> = case["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| spec(r, defaults))
        .collect();
    let compiled: Result<Vec<_>, _> = specs.iter().map(|s| s.compile(dialect)).collect();
    let rules = match (compiled, expected_error) {
        (Err(e), Some(want)) if e.0.contains(want) => return Ok(()),
        (Err(e), Some(want)) => {
            return Err(format!("error {:?}, want one containing {want:?}", e.0))
        }
        (Err(e), None) => return Err(format!("unexpected error {:?}", e.0)),
        (Ok(_), Some(want)) => return Err(format!("accepted, want error {want:?}")),
        (Ok(rules), None) => rules,
    };
    if case["kind"] == "validate" {
        return Ok(());
    }
    let got = apply(&rules, &labels(&case["input"]));
    match (&got, case["output"].is_null()) {
        (None, true) => Ok(()),
        (Some(l), false) if as_map(l) == expected_map(&case["output"]) => Ok(()),
        _ => Err(format!(
            "got {:?}, want {}",
            got.as_ref().map(as_map),
            case["output"]
        )),
    }
}

#[test]
fn relabel_cases() {
    let Some(cases) = common::load("prometheus/relabel/cases.json") else {
        return;
    };
    let cases = cases.as_array().expect("case list");
    let (mut passed, mut failures) = (0, Vec::new());
    let mut alloy_checked = 0;
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let dialect = match (
            case["suite"].as_str(),
            case["name_validation_scheme"].as_str(),
        ) {
            (Some("prometheus"), Some("legacy")) => Dialect::Prometheus(NameValidation::Legacy),
            (Some("prometheus"), _) => Dialect::Prometheus(NameValidation::Utf8),
            _ => Dialect::Alloy,
        };
        let error = case["error"].as_str();
        match run(case, dialect, error) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{id}: {e}")),
        }
        // Alloy's own verdict on a Prometheus case, where the data gives it.
        if let Some(alloy) = case.get("alloy_expected_error") {
            alloy_checked += 1;
            let mut alloy_case = case.clone();
            // Alloy decodes blocks with defaults first.
            alloy_case["apply_defaults"] = Value::Bool(true);
            if let Err(e) = run(&alloy_case, Dialect::Alloy, alloy.as_str()) {
                failures.push(format!("{id} (alloy): {e}"));
            }
        }
    }
    eprintln!(
        "relabel conformance: {passed}/{} cases pass, {alloy_checked} Alloy verdicts checked",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn target_label_pattern_cases() {
    let Some(cases) = common::load("prometheus/relabel/target_label_validity.json") else {
        return;
    };
    let cases = cases.as_array().expect("case list");
    let mut failures = Vec::new();
    for case in cases {
        let target = case["target_label"].as_str().unwrap_or("");
        let want = case["matches_legacy_target_pattern"]
            .as_bool()
            .unwrap_or(false);
        if is_valid_target_template(target) != want {
            failures.push(format!("{}: {target:?} want {want}", case["id"]));
        }
    }
    eprintln!(
        "target label pattern: {}/{} cases pass",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
