//! Turning a command-line path into the files of one config, as upstream
//! loads them: a file as is (any extension), a directory as its regular
//! `*.alloy` files (not recursive), `-` as standard input.

use std::path::Path;

use super::super::input::{self, Input};
use super::super::missing_input;

/// The files of one config, and the subdirectories that were not searched.
pub struct Loaded {
    pub files: Vec<Input>,
    /// Subdirectories of a directory argument (not searched, as upstream),
    /// sorted; named when nothing else was found.
    pub skipped_dirs: Vec<String>,
}

pub fn config_files(path: &str) -> Result<Loaded, String> {
    let one = |i| Loaded {
        files: vec![i],
        skipped_dirs: Vec::new(),
    };
    if path == "-" {
        return input::read(path, None)
            .map(one)
            .map_err(|err| format!("reading standard input: {err}"));
    }
    let p = Path::new(path);
    let meta = std::fs::metadata(p).map_err(|err| missing_input(path, &err))?;
    if !meta.is_dir() {
        return input::read(path, None)
            .map(one)
            .map_err(|err| missing_input(path, &err));
    }
    let entries = std::fs::read_dir(p).map_err(|err| missing_input(path, &err))?;
    let mut names = Vec::new();
    let mut skipped_dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| missing_input(path, &err))?;
        let file_type = entry.file_type().map_err(|err| missing_input(path, &err))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if file_type.is_file() && name.ends_with(".alloy") {
            names.push(join(path, &name));
        } else if file_type.is_dir() && !name.starts_with('.') {
            skipped_dirs.push(join(path, &name));
        }
    }
    names.sort();
    skipped_dirs.sort();
    let files = names
        .iter()
        .map(|name| input::read(name, None).map_err(|err| missing_input(name, &err)))
        .collect::<Result<_, _>>()?;
    Ok(Loaded {
        files,
        skipped_dirs,
    })
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
