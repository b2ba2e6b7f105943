//! One fixture per check code (`fixtures/check/ALxxxx_*.alloy`), with the
//! human report pinned by an insta snapshot. Each fixture must also report
//! the code its name carries, so a fixture cannot silently stop testing
//! its check.

use std::path::Path;
use std::process::Command;

fn human_report(path: &Path) -> (String, i32) {
    let dir = path.parent().expect("fixture dir");
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("fixture name");
    let output = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .args(["check", "--color=never", name])
        .current_dir(dir)
        .output()
        .expect("run alloy check");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn every_check_code_has_a_fixture_that_reports_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/check")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    for code in alloy_analysis::Code::ALL {
        assert!(
            names.iter().any(|n| n.starts_with(code.as_str())),
            "no fixture for {code}"
        );
    }
}

#[test]
fn fixtures_human_output() {
    insta::glob!("../fixtures/check", "*.alloy", |path| {
        let (report, code) = human_report(path);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(expected) = name.split('_').next().filter(|c| c.starts_with("AL")) {
            assert!(
                report.contains(&format!("[{expected}]")),
                "{name} does not report {expected}:\n{report}"
            );
        }
        insta::assert_snapshot!(format!("exit: {code}\n{report}"));
    });
}
