//! `codegen-catalogue`: turns the upstream Alloy catalogue JSON into the Rust
//! tables that `alloy-analysis` embeds.
//!
//! The JSON (about 2 MB) lives outside the repository, in `../shared/catalogue`,
//! and fresh clones do not have it. The generated file is therefore committed,
//! and this generator only has to run when the catalogue changes.

mod emit;
mod model;

use std::fmt;
use std::path::{Path, PathBuf};

pub use model::{load, Catalogue};

/// Upstream release the catalogue was extracted from. The JSON records the
/// commit but not the release, so both are pinned here and the commit is
/// cross-checked against the files: regenerating from a newer extraction
/// fails until someone states which release it belongs to.
pub const UPSTREAM_VERSION: &str = "1.18.0";
/// Commit of `github.com/grafana/alloy` that `UPSTREAM_VERSION` refers to.
pub const UPSTREAM_COMMIT: &str = "66ebea856dffb242f921775e9552a133f60dc5c1";

/// Environment variable that overrides the catalogue directory.
pub const DIR_ENV: &str = "ALLOY_CATALOGUE_DIR";
/// Default catalogue directory, relative to the workspace root.
pub const DEFAULT_DIR: &str = "../shared/catalogue";
/// The generated file, relative to the workspace root.
pub const OUTPUT: &str = "analysis/src/catalogue/generated.rs";

/// A generator failure, with enough context to find the offending JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The workspace root, found from this crate's manifest directory so that the
/// generator works from any current directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or_else(|| manifest.to_path_buf(), Path::to_path_buf)
}

/// `$ALLOY_CATALOGUE_DIR` if set, else `<workspace>/../shared/catalogue`.
pub fn catalogue_dir(root: &Path) -> PathBuf {
    match std::env::var_os(DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join(DEFAULT_DIR),
    }
}

/// Reads the catalogue in `dir` and renders the generated Rust module.
pub fn generate(dir: &Path) -> Result<String, Error> {
    let cat = load(dir)?;
    if cat.upstream_commit != UPSTREAM_COMMIT {
        return Err(Error::new(format!(
            "the catalogue in {} is from commit {}, but xtask pins Alloy v{UPSTREAM_VERSION} \
             at {UPSTREAM_COMMIT}; update UPSTREAM_VERSION and UPSTREAM_COMMIT in \
             xtask/src/catalogue/mod.rs",
            dir.display(),
            cat.upstream_commit
        )));
    }
    emit::render(&cat, UPSTREAM_VERSION)
}

/// What `codegen-catalogue` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Written,
    Unchanged,
    /// Only with `--check`: the committed file differs from a fresh render.
    Stale,
}

/// Regenerates (or with `check`, verifies) `OUTPUT` under `root`.
pub fn run(root: &Path, dir: &Path, check: bool) -> Result<Outcome, Error> {
    let fresh = generate(dir)?;
    let path = root.join(OUTPUT);
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() == Some(fresh.as_str()) {
        return Ok(Outcome::Unchanged);
    }
    if check {
        return Ok(Outcome::Stale);
    }
    std::fs::write(&path, fresh)
        .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))?;
    Ok(Outcome::Written)
}
