//! `alloy check --format=upstream` against every upstream validator fixture
//! (`internal/validator/testdata/{default,ga}`): the report must equal the
//! `.diags` file byte for byte. `ga` runs at `generally-available`,
//! `default` at `experimental`, as upstream's test does. Also the pretty
//! rendering of parse errors (`probes/*.diag`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{conformance_dir, files_with_suffix, read_string, Failures};

/// Splits a txtar archive into its comment and `(name, content)` files.
fn txtar(text: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches('\n');
        if let Some(name) = trimmed
            .strip_prefix("-- ")
            .and_then(|rest| rest.strip_suffix(" --"))
        {
            files.push((name.to_owned(), String::new()));
        } else if let Some((_, content)) = files.last_mut() {
            content.push_str(line);
        }
    }
    files
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("check_validator")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn run(dir: &Path, args: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run alloy");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn validator_fixtures_match_upstream_reports() {
    let Some(root) = conformance_dir() else {
        return;
    };
    let mut failures = Failures::default();
    for (sub, level) in [("default", "experimental"), ("ga", "generally-available")] {
        let dir = root.join("internal/validator/testdata").join(sub);
        for archive in files_with_suffix(&dir, ".txtar") {
            let stem = archive
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            let work = scratch(&format!("{sub}_{stem}"));
            for (name, content) in txtar(&read_string(&archive)) {
                std::fs::write(work.join(&name), content).expect("write fixture file");
            }
            let expected = read_string(&archive.with_extension("diags")).replace("\r\n", "\n");
            let (actual, code) = run(
                &work,
                &[
                    "check",
                    "--format=upstream",
                    "--stability.level",
                    level,
                    ".",
                ],
            );
            // `check` fails on errors only; warnings need --deny-warnings.
            let expected_code = i32::from(expected.contains("Error: "));
            failures.check(actual == expected && code == expected_code, || {
                format!("{sub}/{stem} (exit {code})\nexpected:\n{expected}\nactual:\n{actual}")
            });
            // The upstream-compatible alias: same report on stderr.
            let output = Command::new(env!("CARGO_BIN_EXE_alloy"))
                .args(["validate", "--stability.level", level, "."])
                .current_dir(&work)
                .env("NO_COLOR", "1")
                .output()
                .expect("run alloy validate");
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            let want = if expected.is_empty() {
                String::new()
            } else {
                format!("{expected}Error: validation failed\n")
            };
            failures.check(stderr == want, || {
                format!("validate {sub}/{stem}\nexpected:\n{want}\nactual:\n{stderr}")
            });
        }
    }
    assert_eq!(
        failures.checked, 26,
        "13 fixtures, each through check and validate"
    );
    failures.finish("validator fixtures");
}

#[test]
fn parse_errors_render_like_upstream_probes() {
    let Some(root) = conformance_dir() else {
        return;
    };
    let dir = root.join("probes");
    let work = scratch("probes");
    let mut failures = Failures::default();
    for diag in files_with_suffix(&dir, ".diag") {
        let stem = diag
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let name = format!("{stem}.alloy");
        std::fs::copy(dir.join(format!("{stem}.in")), work.join(&name)).expect("copy probe");
        let (actual, _) = run(&work, &["check", "--format=upstream", &name]);
        // The probes were rendered through `alloy fmt`, which skips
        // `EnsureUTF8`; `alloy validate` refuses invalid UTF-8 without a byte
        // order mark before parsing (`err_invalid_utf8`), so `check` does too.
        let bytes = std::fs::read(work.join(&name)).expect("read probe");
        let expected = match alloy_analysis::encoding::ensure_utf8(&bytes) {
            Err(refusal) => format!("Error: {name}: {refusal}\n"),
            Ok(()) => read_string(&diag),
        };
        failures.check(actual == expected, || {
            format!("probe {stem}\nexpected:\n{expected}\nactual:\n{actual}")
        });
    }
    failures.finish("probe diagnostics");
}
