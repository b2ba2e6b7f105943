//! `alloy parse` as a user runs it: exit codes, stderr lines, stdin, --tree.

use std::io::Write;
use std::process::{Command, Stdio};

fn alloy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_alloy"))
}

fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("alloy-cli-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write");
    path
}

#[test]
fn clean_file_exits_zero_silently() {
    let path = temp_file("ok.alloy", b"logging {\n\tlevel = \"info\"\n}\n");
    let out = alloy().arg("parse").arg(&path).output().expect("run");
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn errors_print_upstream_lines_and_exit_one() {
    let path = temp_file("bad.alloy", b"a = 1 b = 2\n");
    let out = alloy().arg("parse").arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let expected = format!("{}:1:7: expected TERMINATOR, got IDENT\n", path.display());
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
}

#[test]
fn every_file_is_reported() {
    let good = temp_file("good.alloy", b"a = 1\n");
    let bad = temp_file("bad2.alloy", b"x = [1\n2]\n");
    let out = alloy()
        .arg("parse")
        .arg(&bad)
        .arg(&good)
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let line = format!("{}:1:7: missing ',' in expression list\n", bad.display());
    assert_eq!(String::from_utf8_lossy(&out.stderr), line.repeat(2));
}

#[test]
fn stdin_is_named_like_upstream() {
    let mut child = alloy()
        .args(["parse", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"}\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "<stdin>:1:1: expected identifier, got }\n"
    );
}

#[test]
fn tree_flag_prints_the_cst() {
    let path = temp_file("tree.alloy", b"a = 1\n");
    let out = alloy()
        .args(["parse", "--tree"])
        .arg(&path)
        .output()
        .expect("run");
    assert!(out.status.success());
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.starts_with("ROOT@0..6\n  ATTRIBUTE@0..5\n"), "{tree}");
    assert!(tree.contains("NUMBER@4..5 \"1\""), "{tree}");
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let out = alloy()
        .args(["parse", "/definitely/not/here.alloy"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The wording every subcommand uses (README, "Exit codes").
    assert_eq!(
        stderr,
        "Error: stat /definitely/not/here.alloy: no such file or directory\n"
    );
}
