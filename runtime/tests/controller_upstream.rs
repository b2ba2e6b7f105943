//! Upstream's runtime cases (`internal/runtime/testdata`): `import.file`
//! (files, folders, nested imports, updates of imported files, reloads),
//! `import.string`, `foreach` and the import error cases, run against the
//! controller with upstream's test components, the way upstream's
//! `import_test.go` and `foreach_test.go` run them:
//!
//! * import cases: `testcomponents.summation.sum` must reach
//!   `last_added >= 10`; after an update of an imported file, or a reload
//!   with `reload_config.alloy`, `last_added <= -10`;
//! * foreach cases: the debug info of `testcomponents.summation_receiver.sum`
//!   must reach 10, and 30 after an update or reload;
//! * error cases: the load fails with the expected text.
//!
//! Cases read and write files relative to the working directory (as
//! upstream's do), so they run one after the other in a single test, each
//! in a fresh directory. The `import.git`/`import.http` cases need a git
//! repository and an HTTP server and are not run (both imports are refused
//! by this runtime for now).

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_analysis::catalogue::Stability;
use alloy_runtime::controller::{LoadError, Source};
use support::{debug_info, eventually, exports, int_field, Txtar};

/// How long a case may take to reach its value. Generous: `eventually`
/// returns as soon as the value is reached, and on a loaded 2-core CI
/// machine a file watch plus re-evaluation has been seen to take over 5 s.
const WAIT: Duration = Duration::from_secs(30);

fn cases(dir: &Path, category: &str) -> Vec<(String, Txtar)> {
    let mut out: Vec<(String, Txtar)> = std::fs::read_dir(dir.join(category))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "txtar"))
                .filter_map(|p| {
                    let text = std::fs::read_to_string(&p).ok()?;
                    let name = p.file_name()?.to_string_lossy().into_owned();
                    Some((name, Txtar::parse(&text)))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Writes every file of the case except the main config, the expected
/// results and the `update/` replacements.
fn write_files(case: &Txtar, into: &Path) {
    for (name, content) in &case.files {
        let skip = name == "main.alloy"
            || name == "reload_config.alloy"
            || name == "error"
            || name.starts_with("update/")
            || name == "utils/update_module2.alloy"
            || name == "added.alloy"
            || name.starts_with("expected_");
        if skip {
            continue;
        }
        let path = into.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("case directory");
        }
        std::fs::write(&path, content).expect("case file");
    }
}

/// What an update writes: (file, content).
fn update_of(case: &Txtar, folder: Option<&str>) -> Vec<(PathBuf, String)> {
    let at = |name: &str| match folder {
        Some(folder) => Path::new(folder).join(name),
        None => PathBuf::from(name),
    };
    let mut out = Vec::new();
    for (name, content) in &case.files {
        if let Some(target) = name.strip_prefix("update/") {
            out.push((at(target), content.clone()));
        } else if name == "utils/update_module2.alloy" {
            out.push((at("utils/module2.alloy"), content.clone()));
        } else if name == "added.alloy" {
            out.push((at("added.alloy"), content.clone()));
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// `testcomponents.summation.sum`'s `last_added`.
    Summation,
    /// `testcomponents.summation_receiver.sum`'s debug info.
    Receiver,
}

fn value(controller: &alloy_runtime::controller::Controller, check: Check) -> Option<i64> {
    match check {
        Check::Summation => int_field(
            &exports(controller, "testcomponents.summation.sum")?,
            "last_added",
        ),
        Check::Receiver => {
            let number = debug_info(controller, "testcomponents.summation_receiver.sum")?;
            Some(number.as_number()?.as_f64() as i64)
        }
    }
}

/// Runs one case; returns a failure description.
fn run_case(
    case: &Txtar,
    stability: Stability,
    check: Check,
    folder: Option<&str>,
) -> Result<(), String> {
    let runtime = support::runtime();
    let data = support::temp_dir("data");
    let controller = support::controller(&runtime, stability, data.clone());
    let result = (|| {
        let main = case.file("main.alloy").ok_or("no main.alloy")?;
        controller
            .load_blocking(Source::from_text("main.alloy", main))
            .map_err(|e| format!("load: {e}"))?;
        if !controller.ready() {
            return Err("not ready after the first load".to_owned());
        }
        let (first, after) = match check {
            Check::Summation => (10, -10),
            Check::Receiver => (10, 30),
        };
        let reached = |target: i64, controller: &alloy_runtime::controller::Controller| {
            eventually(WAIT, || {
                value(controller, check).is_some_and(|v| match check {
                    Check::Summation if target < 0 => v <= target,
                    _ => v >= target,
                })
            })
        };
        if !reached(first, &controller) {
            return Err(format!(
                "initial value {:?}, wanted {first}",
                value(&controller, check)
            ));
        }
        let update = update_of(case, folder);
        let removed = case.file("removed.alloy").is_some();
        if !update.is_empty() || removed {
            if removed {
                let path = Path::new(folder.unwrap_or(".")).join("removed.alloy");
                std::fs::remove_file(path).map_err(|e| format!("remove: {e}"))?;
            }
            for (path, content) in update {
                std::fs::write(&path, content).map_err(|e| format!("update {path:?}: {e}"))?;
            }
            if !reached(after, &controller) {
                return Err(format!(
                    "after the update: {:?}, wanted {after}",
                    value(&controller, check)
                ));
            }
        }
        if let Some(reload) = case.file("reload_config.alloy") {
            controller
                .load_blocking(Source::from_text("reload_config.alloy", reload))
                .map_err(|e| format!("reload: {e}"))?;
            if !reached(after, &controller) {
                return Err(format!(
                    "after the reload: {:?}, wanted {after}",
                    value(&controller, check)
                ));
            }
        }
        Ok(())
    })();
    controller.shutdown_blocking();
    let _ = std::fs::remove_dir_all(&data);
    result
}

#[test]
fn upstream_runtime_cases() {
    let Some(conformance) = support::conformance_dir() else {
        assert!(
            std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
            "the conformance data is required (ALLOY_REQUIRE_CONFORMANCE=1)"
        );
        eprintln!("skipped: ../shared/conformance not found");
        return;
    };
    let testdata = conformance.join("internal/runtime/testdata");
    let home = std::env::current_dir().expect("cwd");
    let mut failures = Vec::new();
    let mut ran = 0;
    let groups: [(&str, Stability, Check, Option<&str>); 5] = [
        (
            "import_file",
            Stability::PublicPreview,
            Check::Summation,
            None,
        ),
        (
            "import_file_folder",
            Stability::PublicPreview,
            Check::Summation,
            Some("tmpTest"),
        ),
        (
            "import_string",
            Stability::PublicPreview,
            Check::Summation,
            None,
        ),
        ("foreach", Stability::Experimental, Check::Receiver, None),
        (
            "import_error",
            Stability::PublicPreview,
            Check::Summation,
            None,
        ),
    ];
    for (category, stability, check, folder) in groups {
        for (name, case) in cases(&testdata, category) {
            let dir = support::temp_dir(&format!("case-{name}"));
            std::env::set_current_dir(&dir).expect("chdir");
            let target = folder.map_or_else(|| dir.clone(), |f| dir.join(f));
            std::fs::create_dir_all(&target).expect("case folder");
            write_files(&case, &target);
            let result = if category == "import_error" {
                expect_error(&case, stability)
            } else {
                run_case(&case, stability, check, folder)
            };
            std::env::set_current_dir(&home).expect("chdir back");
            let _ = std::fs::remove_dir_all(&dir);
            ran += 1;
            if let Err(why) = result {
                failures.push(format!("{category}/{name} ({}): {why}", case.comment));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 20 import.file, 7 folder, 1 string, 12 foreach, 6 error cases.
    assert_eq!(ran, 46, "cases found");
}

fn expect_error(case: &Txtar, stability: Stability) -> Result<(), String> {
    let expected = case
        .file("error")
        .ok_or("no error file")?
        .trim_end_matches('\n');
    let runtime = support::runtime();
    let data = support::temp_dir("data");
    let controller = support::controller(&runtime, stability, data.clone());
    let main = case.file("main.alloy").ok_or("no main.alloy")?;
    let result = controller.load_blocking(Source::from_text("main.alloy", main));
    controller.shutdown_blocking();
    let _ = std::fs::remove_dir_all(&data);
    match result {
        Err(LoadError::Failed(diags)) => {
            let all: Vec<String> = diags.iter().map(ToString::to_string).collect();
            if all.iter().any(|d| d.contains(expected)) {
                Ok(())
            } else {
                Err(format!("expected {expected:?}, got {all:?}"))
            }
        }
        Err(other) => Err(format!("unexpected error {other}")),
        Ok(()) => Err(format!("loaded, expected {expected:?}")),
    }
}
