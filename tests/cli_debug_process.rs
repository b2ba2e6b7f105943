//! `alloy debug process`: stages from a file run on JSON-lines entries.

mod run_support;

use std::time::Duration;

use run_support::TempDir;

/// Runs `alloy` with output to files (a 10 MB line would fill a pipe the
/// parent does not read until exit), killed after `timeout`.
fn run_to_end(args: &[&str], timeout: Duration) -> (Option<i32>, String, String) {
    let dir = TempDir::new("debug-process-out");
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alloy"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("alloy starts");
    let until = std::time::Instant::now() + timeout;
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if std::time::Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        code,
        std::fs::read_to_string(&out_path).unwrap_or_default(),
        std::fs::read_to_string(&err_path).unwrap_or_default(),
    )
}

const STAGES: &str = r#"
stage.json {
  expressions = { level = "", msg = "" }
}
stage.labels {
  values = { level = "" }
}
stage.output {
  source = "msg"
}
stage.match {
  selector = "{level=\"debug\"}"
  action   = "drop"
}
"#;

#[test]
fn processes_entries_and_reports_drops() {
    let dir = TempDir::new("debug-process");
    let stages = dir.write("stages.alloy", STAGES);
    let big = "x".repeat(10 << 20);
    let entries = dir.write(
        "entries.jsonl",
        &format!(
            "{}\n{}\n{}\n",
            r#"{"line":"{\"level\":\"info\",\"msg\":\"hi\"}","labels":{"job":"a"},"timestamp":"2024-01-02T03:04:05.123456789Z","structured_metadata":{"trace_id":"t1"}}"#,
            r#"{"line":"{\"level\":\"debug\",\"msg\":\"x\"}","labels":{}}"#,
            serde_json::json!({"line": big, "labels": {"job": "big"}, "timestamp": "2024-01-02T03:04:05Z"}),
        ),
    );
    let (code, out, err) = run_to_end(
        &[
            "debug",
            "process",
            "--stages",
            stages.to_str().expect("utf-8"),
            entries.to_str().expect("utf-8"),
        ],
        Duration::from_secs(60),
    );
    assert_eq!(code, Some(0), "stderr: {err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json output"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        serde_json::json!({
            "line": "hi",
            "labels": {"job": "a", "level": "info"},
            "timestamp": "2024-01-02T03:04:05.123456789Z",
            "structured_metadata": {"trace_id": "t1"},
        })
    );
    assert_eq!(lines[1], serde_json::json!({"dropped": true}));
    assert_eq!(lines[2]["line"].as_str().map(str::len), Some(10 << 20));
}

#[test]
fn invalid_stages_exit_1_with_the_position() {
    let dir = TempDir::new("debug-process-bad");
    let stages = dir.write("stages.alloy", "stage.json {\n  expressions = 5\n}\n");
    let empty = dir.write("entries.jsonl", "");
    let (code, _, err) = run_to_end(
        &[
            "debug",
            "process",
            "--stages",
            stages.to_str().expect("utf-8"),
            empty.to_str().expect("utf-8"),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("stages.alloy:2:17:"), "{err}");

    let unsupported = dir.write(
        "unsupported.alloy",
        "stage.template {\n  source = \"x\"\n  template = \"y\"\n}\n",
    );
    let (code, _, err) = run_to_end(
        &[
            "debug",
            "process",
            "--stages",
            unsupported.to_str().expect("utf-8"),
            empty.to_str().expect("utf-8"),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("stage.template is not supported"), "{err}");
}

#[test]
fn invalid_entries_are_reported_by_line_and_exit_1() {
    let dir = TempDir::new("debug-process-entries");
    let stages = dir.write("stages.alloy", STAGES);
    let path = dir.path().join("entries.jsonl");
    let mut bytes = b"not json\n{\"line\":\"a\",\"timestamp\":\"yesterday\"}\n".to_vec();
    // Invalid UTF-8 inside a string value is kept as U+FFFD.
    bytes.extend_from_slice(b"{\"line\":\"ok \xff\",\"labels\":{}}\n");
    std::fs::write(&path, bytes).expect("write");
    let (code, out, err) = run_to_end(
        &[
            "debug",
            "process",
            "--stages",
            stages.to_str().expect("utf-8"),
            path.to_str().expect("utf-8"),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("entries.jsonl:1: invalid JSON"), "{err}");
    assert!(err.contains("entries.jsonl:2: parsing time"), "{err}");
    let last: serde_json::Value =
        serde_json::from_str(out.lines().last().expect("three outputs")).expect("json");
    assert_eq!(last["line"], "ok \u{fffd}");
}
