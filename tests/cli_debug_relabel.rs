//! `alloy debug relabel`: upstream's Alloy relabel cases
//! (`conformance/prometheus/relabel`, the `rules_alloy` form) through the
//! binary, output compared with the expected label sets; bad rules exit 1
//! with the position of the offending attribute.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn run(rules: &str, targets: &str) -> (i32, String, String) {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("alloy-debug-relabel-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let file = dir.join("rules.alloy");
    std::fs::write(&file, rules).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .args(["debug", "relabel", "--rules"])
        .arg(&file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("alloy runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(targets.as_bytes())
        .expect("targets written");
    let out = child.wait_with_output().expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn upstream_cases_through_the_cli() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("prometheus/relabel/cases.json")).expect("cases");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases.as_array().expect("list") {
        // Alloy's own cases (Prometheus ones validate under other schemes).
        if case["kind"] != "relabel" || !case["id"].as_str().unwrap_or("").starts_with("alloy/") {
            continue;
        }
        let rules = case["rules_alloy"].as_str().expect("rules_alloy");
        let input = serde_json::json!([case["input"]]).to_string();
        let (code, stdout, stderr) = run(rules, &input);
        checked += 1;
        if code != 0 {
            failures.push(format!("{}: exit {code}: {stderr}", case["id"]));
            continue;
        }
        let got: serde_json::Value = serde_json::from_str(&stdout).expect("json output");
        let want = match case["output"].as_object() {
            None => serde_json::Value::Null,
            Some(m) => serde_json::Value::Object(
                m.iter()
                    .filter(|(_, v)| v.as_str() != Some(""))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        };
        if got[0] != want {
            failures.push(format!("{}: got {} want {want}", case["id"], got[0]));
        }
    }
    eprintln!(
        "alloy debug relabel: {}/{checked} Alloy cases pass",
        checked - failures.len()
    );
    assert!(checked > 20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bad_rules_exit_1_with_a_position() {
    let (code, stdout, stderr) = run(
        "rule {\n  source_labels = [\"a\"]\n  regex = \"a{1001}\"\n  target_label = \"b\"\n}\n",
        "[]",
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stderr.contains("rules.alloy:3:3: error parsing regexp: invalid repeat count: `{1001}`"),
        "{stderr}"
    );
    let (code, _, stderr) = run("rule {\n  action = \"keep\"\n", "[]");
    assert_eq!(code, 1);
    assert!(stderr.contains("rules.alloy:"), "{stderr}");
    let (code, _, stderr) = run(
        "rule {\n  action = \"labeldrop\"\n  regex = \"a\"\n}\n",
        "{\"a\": 1}",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("<stdin>:1:1: targets must be a JSON array"),
        "{stderr}"
    );
}
