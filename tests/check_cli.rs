//! `alloy check` / `alloy validate` as a user runs them: inputs, output
//! formats and exit codes.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CLEAN: &str = r#"local.file "config" {
  filename = sys.env("CONFIG_PATH")
}
"#;

const WARNING_ONLY: &str = r#"local.file "config" {
  filename = env("CONFIG_PATH")
}
"#;

const ERROR: &str = r#"local.file "config" {
  filname = "/etc/alloy.yaml"
}
"#;

fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("check_cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write file");
    }
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn alloy(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn alloy");
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
    }
    let output = child.wait_with_output().expect("wait for alloy");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn exit_codes() {
    let dir = scratch(
        "exit",
        &[
            ("clean.alloy", CLEAN),
            ("warn.alloy", WARNING_ONLY),
            ("bad.alloy", ERROR),
        ],
    );
    assert_eq!(alloy(&dir, &["check", "clean.alloy"], None).code, 0);
    assert_eq!(alloy(&dir, &["check", "warn.alloy"], None).code, 0);
    assert_eq!(
        alloy(&dir, &["check", "--deny-warnings", "warn.alloy"], None).code,
        1
    );
    assert_eq!(alloy(&dir, &["check", "bad.alloy"], None).code, 1);
    // A missing file exits 1 in every subcommand (README, "Exit codes");
    // 2 is for command-line usage errors.
    let missing = alloy(&dir, &["check", "missing.alloy"], None);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("no such file or directory"),
        "{}",
        missing.stderr
    );
    assert_eq!(
        alloy(&dir, &["check", "--format=yaml", "clean.alloy"], None).code,
        2
    );
    let level = alloy(
        &dir,
        &["check", "--stability.level=beta", "clean.alloy"],
        None,
    );
    assert_eq!(level.code, 2);
    assert!(
        level.stderr.contains("invalid stability level \"beta\""),
        "{}",
        level.stderr
    );
    // validate fails on any diagnostic, warnings too, as upstream.
    assert_eq!(alloy(&dir, &["validate", "clean.alloy"], None).code, 0);
    let warn = alloy(&dir, &["validate", "warn.alloy"], None);
    assert_eq!(warn.code, 1);
    assert!(warn
        .stderr
        .starts_with("Warning: warn.alloy:2:14: this stdlib function"));
    assert!(warn.stderr.ends_with("Error: validation failed\n"));
    assert_eq!(warn.stdout, "\n");
}

#[test]
fn validate_refuses_unconverted_formats_clearly() {
    let dir = scratch("format", &[("prometheus.yaml", "scrape_configs: []\n")]);
    let run = alloy(
        &dir,
        &["validate", "--config.format=prometheus", "prometheus.yaml"],
        None,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--config.format=prometheus is not supported yet"),
        "{}",
        run.stderr
    );
}

#[test]
fn directories_are_one_config_and_stdin_is_a_file() {
    let module = r#"prometheus.remote_write "mimir" {
  endpoint {
    url = "http://mimir:9009/api/v1/push"
  }
}
"#;
    let main = r#"prometheus.scrape "self" {
  targets    = [{"__address__" = "localhost:12345"}]
  forward_to = [prometheus.remote_write.mimir.receiver]
}
"#;
    let dir = scratch(
        "dir",
        &[("a.alloy", main), ("b.alloy", module), ("notes.txt", "x")],
    );
    let run = alloy(&dir, &["check", "--format=json", "."], None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Alone, a.alloy refers to something that is not there.
    let run = alloy(&dir, &["check", "--format=json", "a.alloy"], None);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("AL0401"));
    // The same file in two configs, in either order: each config is
    // checked as itself (a file's items resolve in the config being
    // checked, not in whichever listed the file last).
    for args in [
        ["check", "--format=json", ".", "a.alloy"],
        ["check", "--format=json", "a.alloy", "."],
    ] {
        let run = alloy(&dir, &args, None);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stdout);
        assert_eq!(
            run.stdout.matches("AL0401").count(),
            1,
            "{args:?}: {}",
            run.stdout
        );
    }
    let run = alloy(&dir, &["check", "--format=json", "-"], Some(ERROR));
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("\"file\": \"<stdin>\""),
        "{}",
        run.stdout
    );
}

#[test]
fn json_report_shape() {
    let dir = scratch("json", &[("bad.alloy", ERROR)]);
    let run = alloy(&dir, &["check", "--format=json", "bad.alloy"], None);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON array");
    let items = value.as_array().expect("array");
    assert_eq!(items.len(), 2, "{value:#}");
    let first = &items[0];
    assert_eq!(first["file"], "bad.alloy");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "AL0201");
    assert_eq!(first["message"], "unrecognized attribute name \"filname\"");
    assert_eq!(first["start"]["line"], 2);
    assert_eq!(first["start"]["column"], 3);
    assert_eq!(first["end"]["line"], 2);
    assert_eq!(first["end"]["column"], 30);
    assert_eq!(items[1]["code"], "AL0203");
}

#[test]
fn github_and_sarif_reports() {
    let dir = scratch("ci", &[("bad.alloy", ERROR), ("warn.alloy", WARNING_ONLY)]);
    let run = alloy(
        &dir,
        &["check", "--format=github", "bad.alloy", "warn.alloy"],
        None,
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    // Sorted by file and position: the block-wide AL0203 (line 1) first.
    assert!(lines[0].starts_with("::error file=bad.alloy,line=1,col=1,"));
    assert!(lines[1].starts_with(
        "::error file=bad.alloy,line=2,col=3,endLine=2,endColumn=30,title=AL0201 unknown attribute::"
    ));
    assert!(lines[2].starts_with("::warning file=warn.alloy,line=2,col=14"));

    let run = alloy(&dir, &["check", "--format=sarif", "bad.alloy"], None);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF JSON");
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results[0]["ruleId"], "AL0203");
    assert_eq!(results[1]["ruleId"], "AL0201");
    assert_eq!(results[1]["level"], "error");
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), alloy_analysis::Code::ALL.len());
}

#[test]
fn upstream_format_runs_upstream_checks_only_unless_asked() {
    let dead = r#"prometheus.scrape "orphan" {
  targets    = [{"__address__" = "localhost:9090"}]
  forward_to = []
}
"#;
    let dir = scratch("checks", &[("dead.alloy", dead)]);
    let run = alloy(&dir, &["check", "--format=upstream", "dead.alloy"], None);
    assert_eq!(run.stdout, "");
    let run = alloy(
        &dir,
        &["check", "--format=upstream", "--checks=all", "dead.alloy"],
        None,
    );
    assert!(
        run.stdout.starts_with(
            "Warning: dead.alloy:1:1: the output of prometheus.scrape.orphan goes nowhere"
        ),
        "{}",
        run.stdout
    );
}

/// Upstream's `EnsureUTF8`, on its own sample files: UTF-16 and UTF-32
/// (by their byte order mark) and invalid UTF-8 without a mark are refused
/// before parsing; UTF-8, with or without a mark, goes on to the parser.
#[test]
fn files_upstream_refuses_to_decode() {
    let Some(root) = common::conformance_dir() else {
        return;
    };
    let samples = root.join("internal/static/config/encoder");
    let dir = scratch("encoding", &[]);
    let cases = [
        (
            "test_encoding_utf16be.txt",
            Some("configuration is encoded with UTF16BigEndian but must be utf8"),
        ),
        (
            "test_encoding_utf16le.txt",
            Some("configuration is encoded with UTF16LittleEndian but must be utf8"),
        ),
        (
            "test_encoding_utf32be.txt",
            Some("configuration is encoded with UTF32BigEndian but must be utf8"),
        ),
        (
            "test_encoding_utf32le.txt",
            Some("configuration is encoded with UTF32LittleEndian but must be utf8"),
        ),
        (
            "test_encoding_unknown.txt",
            Some("unknown encoding for config"),
        ),
        ("test_encoding_utf8.txt", None),
        ("test_encoding_utf8bom.txt", None),
    ];
    for (name, refusal) in cases {
        let bytes = std::fs::read(samples.join(name)).expect("sample file");
        std::fs::write(dir.join(name), bytes).expect("copy sample");
        let run = alloy(&dir, &["check", "--format=json", name], None);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
        let items = report.as_array().expect("array");
        let refused: Vec<&serde_json::Value> =
            items.iter().filter(|d| d["code"] == "AL0003").collect();
        match refusal {
            Some(message) => {
                assert_eq!(run.code, 1, "{name}");
                // Only the refusal: upstream never parses the file.
                assert_eq!(items.len(), 1, "{name}: {report:#}");
                assert_eq!(refused[0]["message"], message, "{name}");
                assert_eq!(refused[0]["start"]["line"], 1, "{name}");
                let validate = alloy(&dir, &["validate", name], None);
                assert_eq!(validate.code, 1, "{name}");
                assert_eq!(validate.stdout, "", "{name}");
                assert_eq!(
                    validate.stderr,
                    format!("validation failed: {message}Error: validation failed\n"),
                    "{name}"
                );
            }
            // The samples are YAML, so they fail, but as syntax.
            None => {
                assert!(refused.is_empty(), "{name}: {report:#}");
                assert!(items.iter().all(|d| d["code"] == "AL0001"), "{name}");
            }
        }
    }
}

/// GitHub annotations and SARIF results carry the help lines `human` and
/// `json` show, SARIF carries the edits as `fixes`, and both come sorted
/// by file and position whatever order the paths were given in.
#[test]
fn github_and_sarif_carry_hints_in_order() {
    let comma = "loki.write \"default\" {\n  endpoint {\n    url = \"http://loki:3100/loki/api/v1/push\"\n    headers = {\n      \"X-Scope-OrgID\" = \"a\"\n      \"X-Other\" = \"b\",\n    }\n  }\n}\n";
    let dir = scratch(
        "hints",
        &[
            ("warn.alloy", WARNING_ONLY),
            ("bad.alloy", ERROR),
            ("comma.alloy", comma),
        ],
    );
    let run = alloy(
        &dir,
        &["check", "--format=github", "warn.alloy", "bad.alloy"],
        None,
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    let files: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split("file=").nth(1)?.split(',').next())
        .collect();
    let mut sorted_files = files.clone();
    sorted_files.sort();
    assert_eq!(files, sorted_files, "{}", run.stdout);
    let warn = lines
        .iter()
        .find(|l| l.contains("file=warn.alloy"))
        .expect("the warning");
    assert!(warn.contains("%0Ahelp: "), "{warn}");
    assert!(warn.contains("sys.env"), "{warn}");

    let run = alloy(&dir, &["check", "--format=sarif", "comma.alloy"], None);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF JSON");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "AL0001");
    let text = result["message"]["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("missing ',' in field list\nhelp: add `,`"),
        "{text}"
    );
    let change = &result["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "comma.alloy");
    let replacement = &change["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], ",");
    assert_eq!(replacement["deletedRegion"]["startLine"], 5);
    assert_eq!(replacement["deletedRegion"]["startColumn"], 28);
    assert_eq!(replacement["deletedRegion"]["endColumn"], 28);

    let run = alloy(&dir, &["check", "--format=json", "comma.alloy"], None);
    let items: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(items[0]["fixes"][0]["edits"][0]["text"], ",");
}
