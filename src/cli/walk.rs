//! The files a path argument of `alloy fmt` stands for.
//!
//! A directory is walked the way `find DIR` and `gofmt` walk it: directory
//! symlinks below it are not followed, so a link such as `up -> ..` cannot
//! lead the walk out of DIR or round in a cycle. A symlink named `*.alloy`
//! that ends at a regular file inside DIR is formatted (through the link, see
//! `safe_write`), which is what a Kubernetes ConfigMap mount needs
//! (`config.alloy -> ..data/config.alloy`); one that leads outside DIR is
//! skipped with a warning. A file reached twice (a link and its target) is
//! formatted once. Hidden directories are skipped.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::io_error;

/// `path` itself for a file (or `-`), else every `*.alloy` file below the
/// directory, sorted.
pub(crate) fn alloy_files(path: &str) -> Result<Vec<String>, String> {
    if path == "-" {
        return Ok(vec![path.to_owned()]);
    }
    // The argument itself is followed (as `find -H` does).
    let meta = std::fs::metadata(path).map_err(|err| format!("stat {path}: {}", io_error(&err)))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let root =
        std::fs::canonicalize(path).map_err(|err| format!("stat {path}: {}", io_error(&err)))?;
    let mut found: Vec<PathBuf> = Vec::new();
    let mut stack = vec![PathBuf::from(path)];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|err| format!("open {}: {}", dir.display(), io_error(&err)))?;
        for entry in entries.flatten() {
            let child = entry.path();
            // The entry's own type: a link is a link, not what it points at.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let is_alloy = name.ends_with(".alloy");
            if kind.is_dir() {
                if !name.starts_with('.') {
                    stack.push(child);
                }
            } else if kind.is_file() {
                if is_alloy {
                    found.push(child);
                }
            } else if kind.is_symlink() && is_alloy {
                match link_target(&child, &root) {
                    Ok(true) => found.push(child),
                    Ok(false) => {}
                    Err(why) => eprintln!("Warning: skipping {}: {why}", child.display()),
                }
            }
        }
    }
    found.sort();
    // One write per file, whatever the number of names it has here.
    let mut seen = HashSet::new();
    found.retain(|p| match std::fs::metadata(p) {
        Ok(m) => seen.insert((m.dev(), m.ino())),
        Err(_) => true,
    });
    Ok(found
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect())
}

/// Whether a `*.alloy` link is to be formatted: true for a regular file
/// under `root`, false for a link to a directory (not followed), an error
/// for a link that leads outside `root` or nowhere.
fn link_target(link: &Path, root: &Path) -> Result<bool, String> {
    let target = std::fs::canonicalize(link).map_err(|e| io_error(&e))?;
    let meta = std::fs::metadata(&target).map_err(|e| io_error(&e))?;
    if meta.is_dir() {
        return Ok(false);
    }
    if !target.starts_with(root) {
        return Err(format!(
            "it links to {}, outside {}",
            target.display(),
            root.display()
        ));
    }
    Ok(meta.is_file())
}
