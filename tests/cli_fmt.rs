//! `alloy fmt` as a user runs it: upstream's interface, messages and exit
//! codes, plus directories, diffs, stdin names and atomic writes.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const UNFORMATTED: &str = "logging {\nlevel = \"debug\"\n    format =   \"json\"\n}\n";
const FORMATTED: &str = "logging {\n\tlevel  = \"debug\"\n\tformat = \"json\"\n}\n";

fn alloy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_alloy"))
}

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alloy-cli-fmt-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = alloy()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The command may refuse and exit before reading its input (`fmt -w -`),
    // so a broken pipe here is expected, not a failure.
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().expect("wait")
}

#[test]
fn formats_a_file_to_stdout() {
    let dir = temp_dir("stdout");
    let file = dir.join("a.alloy");
    write(&file, UNFORMATTED);
    let out = alloy().arg("fmt").arg(&file).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), FORMATTED);
    assert!(out.stderr.is_empty());
    assert_eq!(std::fs::read_to_string(&file).expect("read"), UNFORMATTED);
}

#[test]
fn formats_stdin_with_or_without_dash() {
    for args in [&["fmt"][..], &["fmt", "-"][..], &["format"][..]] {
        let out = run_stdin(args, UNFORMATTED);
        assert!(out.status.success());
        assert_eq!(stdout(&out), FORMATTED);
    }
}

#[test]
fn syntax_errors_are_refused_with_upstream_lines() {
    let out = run_stdin(&["fmt"], "a = 1 b = 2\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "<stdin>:1:7: expected TERMINATOR, got IDENT\nError: encountered errors during formatting\n"
    );
    let named = run_stdin(
        &["fmt", "--stdin-filename", "conf/main.alloy"],
        "a = 1 b = 2\n",
    );
    assert!(stderr(&named).starts_with("conf/main.alloy:1:7: expected TERMINATOR"));
}

#[test]
fn test_flag_reports_unformatted_files() {
    let dir = temp_dir("test-flag");
    let bad = dir.join("bad.alloy");
    let good = dir.join("good.alloy");
    write(&bad, UNFORMATTED);
    write(&good, FORMATTED);
    let out = alloy().args(["fmt", "-t"]).arg(&bad).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("Error: file {} is not formatted correctly\n", bad.display())
    );
    assert!(out.stdout.is_empty());
    let out = alloy()
        .args(["fmt", "--test"])
        .arg(&good)
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn conflicting_flags_and_stdin_write_are_errors() {
    let out = alloy()
        .args(["fmt", "-w", "-t", "x.alloy"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "Error: cannot use -w/--write and -t/--test at the same time\n"
    );
    let out = run_stdin(&["fmt", "-w"], FORMATTED);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "Error: cannot use -w with standard input\n");
}

#[test]
fn missing_file_reports_stat_error() {
    let out = alloy().args(["fmt", "nope.alloy"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "Error: stat nope.alloy: no such file or directory\n"
    );
}

#[test]
fn write_is_atomic_keeps_permissions_and_skips_formatted_files() {
    let dir = temp_dir("write");
    let bad = dir.join("bad.alloy");
    let good = dir.join("good.alloy");
    write(&bad, UNFORMATTED);
    write(&good, FORMATTED);
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let before = std::fs::metadata(&good)
        .expect("meta")
        .modified()
        .expect("mtime");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = alloy()
        .args(["fmt", "-w"])
        .arg(&bad)
        .arg(&good)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&bad).expect("read"), FORMATTED);
    let mode = std::fs::metadata(&bad).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let after = std::fs::metadata(&good)
        .expect("meta")
        .modified()
        .expect("mtime");
    assert_eq!(before, after, "an already formatted file was rewritten");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    assert_eq!(
        stderr(&out),
        "reformatted 1 file, 1 already formatted, 0 failed\n"
    );
}

#[test]
fn write_goes_through_symlinks() {
    let dir = temp_dir("symlink");
    let real = dir.join("real.alloy");
    let link = dir.join("link.alloy");
    write(&real, UNFORMATTED);
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let out = alloy()
        .args(["fmt", "-w"])
        .arg(&link)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link)
        .expect("meta")
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).expect("read"), FORMATTED);
}

#[test]
fn directories_are_formatted_recursively_and_errors_do_not_stop_others() {
    let dir = temp_dir("dirs");
    write(&dir.join("a.alloy"), UNFORMATTED);
    write(&dir.join("nested/b.alloy"), UNFORMATTED);
    write(&dir.join("nested/broken.alloy"), "x = [1\n2]\n");
    write(&dir.join("nested/notes.txt"), "not alloy");
    write(&dir.join(".hidden/c.alloy"), UNFORMATTED);
    let out = alloy().args(["fmt", "-w"]).arg(&dir).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("a.alloy")).expect("a"),
        FORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("nested/b.alloy")).expect("b"),
        FORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".hidden/c.alloy")).expect("c"),
        UNFORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("nested/notes.txt")).expect("n"),
        "not alloy"
    );
    let err = stderr(&out);
    assert!(
        err.contains("broken.alloy:1:7: missing ',' in expression list"),
        "{err}"
    );
    assert!(
        err.ends_with("reformatted 2 files, 0 already formatted, 1 failed\n"),
        "{err}"
    );
}

#[test]
fn diff_shows_what_would_change() {
    let dir = temp_dir("diff");
    let file = dir.join("d.alloy");
    write(&file, UNFORMATTED);
    let out = alloy()
        .args(["fmt", "--diff", "-t"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let diff = stdout(&out);
    let name = file.display().to_string();
    assert!(
        diff.starts_with(&format!("--- a/{name}\n+++ b/{name}\n@@ ")),
        "{diff}"
    );
    assert!(diff.contains("-level = \"debug\"\n"), "{diff}");
    assert!(diff.contains("+\tlevel  = \"debug\"\n"), "{diff}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), UNFORMATTED);
}
