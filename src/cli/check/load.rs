//! Turning a command-line path into the files of one config, as upstream
//! loads them: a file as is (any extension), a directory as its regular
//! `*.alloy` files (not recursive), `-` as standard input.

use std::path::Path;

use super::super::input::{self, Input};

pub fn config_files(path: &str) -> Result<Vec<Input>, String> {
    if path == "-" {
        return input::read(path, None)
            .map(|i| vec![i])
            .map_err(|err| format!("reading standard input: {err}"));
    }
    let p = Path::new(path);
    let meta = std::fs::metadata(p)
        .map_err(|err| format!("stat {path}: {}", super::super::io_error(&err)))?;
    if !meta.is_dir() {
        return input::read(path, None)
            .map(|i| vec![i])
            .map_err(|err| format!("{path}: {err}"));
    }
    let entries = std::fs::read_dir(p).map_err(|err| format!("{path}: {err}"))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| format!("{path}: {err}"))?;
        let file_type = entry.file_type().map_err(|err| format!("{path}: {err}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if file_type.is_file() && name.ends_with(".alloy") {
            names.push(join(path, &name));
        }
    }
    names.sort();
    names
        .iter()
        .map(|name| input::read(name, None).map_err(|err| format!("{name}: {err}")))
        .collect()
}

/// `filepath.Join(dir, name)` for the paths upstream prints: `.` and a
/// trailing `/` vanish, a leading `./` is dropped.
fn join(dir: &str, name: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let dir = dir.strip_prefix("./").unwrap_or(dir);
    match dir {
        "" | "." => name.to_owned(),
        _ => format!("{dir}/{name}"),
    }
}
