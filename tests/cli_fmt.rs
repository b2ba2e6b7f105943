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

// ---- `fmt -w` against a hostile or particular file system (issue 12) ----

use std::os::unix::fs::MetadataExt;

fn fmt_write(paths: &[&Path]) -> Output {
    alloy()
        .args(["fmt", "-w"])
        .args(paths)
        .output()
        .expect("run")
}

/// Whether this process may give files away (root): the owner of a new
/// file is the effective user.
fn is_root(dir: &Path) -> bool {
    let probe = dir.join(".uid-probe");
    write(&probe, "");
    let uid = std::fs::metadata(&probe).expect("meta").uid();
    let _ = std::fs::remove_file(&probe);
    uid == 0
}

#[test]
fn write_never_goes_through_a_link_planted_at_a_temporary_name() {
    let dir = temp_dir("planted");
    let victim = dir.join("victim");
    write(&victim, "root-only secret\n");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let file = dir.join("a.alloy");
    write(&file, UNFORMATTED);
    // The names the old writer used (`.NAME.<pid>.tmp`) for the next pids,
    // all pointing at the victim.
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    for pid in last..last + 400 {
        std::os::unix::fs::symlink(&victim, dir.join(format!(".a.alloy.{pid}.tmp")))
            .expect("plant");
    }
    let out = fmt_write(&[&file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), FORMATTED);
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "root-only secret\n"
    );
    let meta = std::fs::symlink_metadata(&victim).expect("meta");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    // Only the planted links remain beside the file: no temporary left.
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n != "a.alloy"
                && n != "victim"
                && !std::fs::symlink_metadata(dir.join(n))
                    .expect("meta")
                    .file_type()
                    .is_symlink()
        })
        .collect();
    assert!(extra.is_empty(), "left behind: {extra:?}");
}

#[test]
fn write_keeps_owner_group_and_mode() {
    let dir = temp_dir("owner");
    if !is_root(&dir) {
        eprintln!("skipped: giving a file to another user needs root");
        return;
    }
    let file = dir.join("config.alloy");
    write(&file, UNFORMATTED);
    std::os::unix::fs::chown(&file, Some(65534), Some(65534)).expect("chown");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = fmt_write(&[&file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), FORMATTED);
    let meta = std::fs::metadata(&file).expect("meta");
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
}

#[test]
fn write_keeps_hard_links() {
    let dir = temp_dir("hardlink");
    let file = dir.join("a.alloy");
    let other = dir.join("elsewhere/b.alloy");
    write(&file, UNFORMATTED);
    std::fs::create_dir_all(other.parent().expect("parent")).expect("mkdir");
    std::fs::hard_link(&file, &other).expect("link");
    let inode = std::fs::metadata(&file).expect("meta").ino();
    let out = fmt_write(&[&file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (a, b) = (
        std::fs::metadata(&file).expect("meta"),
        std::fs::metadata(&other).expect("meta"),
    );
    assert_eq!((a.ino(), b.ino(), a.nlink()), (inode, inode, 2));
    assert_eq!(std::fs::read_to_string(&other).expect("read"), FORMATTED);
    let names: Vec<_> = std::fs::read_dir(&dir).expect("dir").flatten().collect();
    assert_eq!(names.len(), 2, "temporary file left behind");
}

#[test]
fn read_only_files_are_refused_as_upstream_refuses_them() {
    let dir = temp_dir("readonly");
    let file = dir.join("ro.alloy");
    write(&file, UNFORMATTED);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let out = fmt_write(&[&file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("Error: open {}: permission denied\n", file.display())
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), UNFORMATTED);
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o444);
}

/// A Kubernetes ConfigMap volume: `config.alloy -> ..data/config.alloy`,
/// `..data -> ..2026_12_08_00_00_00.1/`, the file in the hidden directory.
fn configmap(dir: &Path) -> (PathBuf, PathBuf) {
    let real = dir.join("..2026_12_08_00_00_00.1/config.alloy");
    write(&real, UNFORMATTED);
    std::os::unix::fs::symlink("..2026_12_08_00_00_00.1", dir.join("..data")).expect("link");
    let link = dir.join("config.alloy");
    std::os::unix::fs::symlink("..data/config.alloy", &link).expect("link");
    (link, real)
}

fn assert_links_kept(dir: &Path) {
    assert_eq!(
        std::fs::read_link(dir.join("config.alloy")).expect("link"),
        Path::new("..data/config.alloy")
    );
    assert_eq!(
        std::fs::read_link(dir.join("..data")).expect("link"),
        Path::new("..2026_12_08_00_00_00.1")
    );
}

#[test]
fn symlink_chains_format_the_target_and_keep_every_link() {
    let dir = temp_dir("configmap");
    let (link, real) = configmap(&dir);
    let out = fmt_write(&[&link]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&real).expect("read"), FORMATTED);
    assert_links_kept(&dir);

    // The same mount given as a directory: the file is formatted once.
    let dir = temp_dir("configmap-dir");
    let (_, real) = configmap(&dir);
    let out = fmt_write(&[&dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&real).expect("read"), FORMATTED);
    assert_links_kept(&dir);
}

#[test]
fn directory_walk_does_not_follow_directory_links() {
    let base = temp_dir("dirlinks");
    let outside = base.join("outside.alloy");
    write(&outside, UNFORMATTED);
    let dir = base.join("tree");
    write(&dir.join("a.alloy"), UNFORMATTED);
    write(&dir.join("sub/b.alloy"), UNFORMATTED);
    std::os::unix::fs::symlink("..", dir.join("sub/up")).expect("link");
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).expect("link");
    std::os::unix::fs::symlink(&base, dir.join("sub/base.alloy")).expect("link");
    std::os::unix::fs::symlink(&outside, dir.join("escape.alloy")).expect("link");
    let out = fmt_write(&[&dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("a.alloy")).expect("read"),
        FORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/b.alloy")).expect("read"),
        FORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(&outside).expect("read"),
        UNFORMATTED,
        "a file outside the directory was formatted"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "Warning: skipping {}",
            dir.join("escape.alloy").display()
        )),
        "{err}"
    );
    assert!(
        err.ends_with("reformatted 2 files, 0 already formatted, 0 failed\n"),
        "{err}"
    );
}
