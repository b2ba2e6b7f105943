//! Hostile and odd input as a new user meets it: random bytes, closed
//! pipes, directories without configs, missing files.

use std::process::{Command, Output, Stdio};

fn alloy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_alloy"))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("alloy-cli-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Deterministic bytes that look random (xorshift).
fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn random_bytes_give_bounded_errors_then_a_count() {
    let dir = temp_dir("random");
    let path = dir.join("random.alloy");
    std::fs::write(&path, random_bytes(1 << 20)).expect("write");
    for sub in ["parse", "fmt"] {
        let out = alloy().arg(sub).arg(&path).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{sub}");
        let text = stderr(&out);
        let lines: Vec<&str> = text.lines().collect();
        let errors = lines
            .iter()
            .filter(|l| {
                l.starts_with(&format!("{}:", path.display()))
                    && !l.contains("more syntax errors not shown")
            })
            .count();
        assert_eq!(errors, alloy_syntax::MAX_ERRORS, "{sub}: {text}");
        let dropped = lines
            .iter()
            .find(|l| l.contains("more syntax errors not shown"))
            .unwrap_or_else(|| panic!("{sub}: no count line in {text}"));
        assert!(dropped.starts_with(&format!("{}: ", path.display())));
        let extra = if sub == "fmt" { 1 } else { 0 };
        assert_eq!(lines.len(), alloy_syntax::MAX_ERRORS + 1 + extra, "{sub}");
        // The kept lines are upstream's first ones.
        let first = alloy_syntax::syntax_report(&random_bytes(1 << 20));
        let expected = alloy_syntax::render_error_line(
            &path.display().to_string(),
            &first.index,
            &first.errors[0],
        );
        assert_eq!(lines[0], expected);
    }
    // check refuses the file on its encoding, before parsing it.
    let out = alloy().arg("check").arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("unknown encoding for config"), "{report}");
    assert_eq!(report.matches("AL0").count(), 1, "{report}");
}

/// `alloy fmt bad.alloy 2>&1 | head -0`: both streams closed before the
/// command writes. It must end quietly: no panic, no exit code 101.
#[test]
fn closed_pipes_end_quietly() {
    let dir = temp_dir("pipes");
    let bad = dir.join("bad.alloy");
    std::fs::write(&bad, b"a = [1\n2]\nb = {\n c = 1\n d = 2\n}\n").expect("write");
    let good = dir.join("good.alloy");
    std::fs::write(&good, b"a   = 1\n").expect("write");
    let cases: [(&str, &std::path::Path); 6] = [
        ("fmt", &bad),
        ("parse", &bad),
        ("check", &bad),
        ("validate", &bad),
        ("fmt", &good),
        ("check", &dir),
    ];
    for (sub, path) in cases {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let writer2 = writer.try_clone().expect("clone");
        let out = alloy()
            .arg(sub)
            .arg(path)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::from(writer2))
            .output()
            .expect("run");
        assert_ne!(out.status.code(), Some(101), "{sub} {}", path.display());
        assert!(out.status.code().is_some(), "{sub}: killed by a signal");
    }
}

#[test]
fn a_directory_without_configs_is_not_a_clean_check() {
    let dir = temp_dir("empty");
    std::fs::create_dir_all(dir.join("conf.d")).expect("mkdir");
    std::fs::write(dir.join("conf.d/main.alloy"), b"logging {}\n").expect("write");
    std::fs::create_dir_all(dir.join(".git")).expect("mkdir");
    let out = alloy().arg("check").arg(&dir).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("nothing was checked"), "{text}");
    assert!(
        text.contains(&format!("{}/conf.d", dir.display())),
        "names the skipped subdirectory: {text}"
    );
    assert!(!text.contains(".git"), "{text}");
    // With the subdirectory itself, it is checked.
    let out = alloy()
        .arg("check")
        .arg(dir.join("conf.d"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// One wording and one exit code for a missing file, whichever command.
#[test]
fn a_missing_file_reads_the_same_everywhere() {
    let dir = temp_dir("missing");
    let path = dir.join("nope.alloy");
    let expected = format!(
        "Error: stat {}: no such file or directory\n",
        path.display()
    );
    for sub in ["fmt", "parse", "check", "validate"] {
        let out = alloy().arg(sub).arg(&path).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{sub}");
        assert_eq!(stderr(&out), expected, "{sub}");
    }
}
