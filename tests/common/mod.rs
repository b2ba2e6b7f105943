//! Locating upstream's conformance data. It lives beside the repository (in
//! `../shared/conformance`) and is never copied in; `ALLOY_CONFORMANCE_DIR`
//! overrides the location. Without it the suites report that they skipped,
//! unless `ALLOY_REQUIRE_CONFORMANCE=1` (set by CI) makes absence a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() == Ok("1") {
        panic!(
            "conformance data not found at {} and ALLOY_REQUIRE_CONFORMANCE=1",
            dir.display()
        );
    }
    eprintln!(
        "skipped: conformance data not found at {} (set ALLOY_CONFORMANCE_DIR)",
        dir.display()
    );
    None
}

/// Files directly in `dir` whose name ends with `suffix`, sorted.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_file()
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(suffix))
        })
        .collect();
    files.sort();
    files
}

/// Every file below `dir` (recursively) whose name ends with `suffix`, sorted.
pub fn walk(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_str().is_some_and(|p| p.ends_with(suffix)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

pub fn read_string(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The error lines `alloy fmt` prints for `bytes` named `name`.
pub fn error_lines(name: &str, bytes: &[u8]) -> String {
    let parse = alloy_syntax::parse_file(bytes);
    let index = parse.line_index();
    let mut out = String::new();
    for error in parse.errors() {
        out.push_str(&alloy_syntax::render_error_line(name, &index, error));
        out.push('\n');
    }
    out
}

/// Collects mismatches and fails once at the end with all of them, so one
/// run shows every broken case.
#[derive(Default)]
pub struct Failures {
    pub checked: usize,
    failures: Vec<String>,
}

impl Failures {
    pub fn check(&mut self, ok: bool, describe: impl FnOnce() -> String) {
        self.checked += 1;
        if !ok {
            self.failures.push(describe());
        }
    }

    pub fn finish(self, suite: &str) {
        eprintln!(
            "{suite}: {} of {} cases match",
            self.checked - self.failures.len(),
            self.checked
        );
        if !self.failures.is_empty() {
            panic!(
                "{suite}: {} failures:\n{}",
                self.failures.len(),
                self.failures.join("\n---\n")
            );
        }
    }
}
