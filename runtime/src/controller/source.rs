//! The files of one config, read and parsed.
//!
//! A config is a file, or a directory whose top-level `*.alloy` files are
//! merged into one body (sorted by path), as upstream's `alloy run` loads
//! it. Parsing happens here, off the controller's thread; the controller
//! only walks the trees.

use std::path::Path;
use std::sync::Arc;

use alloy_syntax::ast::Stmt;
use alloy_syntax::Parse;
use sha2::{Digest, Sha256};

use super::diag::{Diagnostic, Diagnostics, FileCtx};

/// One parsed file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub bytes: Arc<[u8]>,
    pub parse: Parse,
}

/// A config ready to load.
#[derive(Clone, Debug)]
pub struct Source {
    files: Vec<SourceFile>,
    sha256: String,
    module_path: String,
}

/// Why a config path could not be read.
#[derive(Debug)]
pub struct ReadError {
    pub path: String,
    pub error: std::io::Error,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "reading config path {:?}: {}", self.path, self.error)
    }
}

impl std::error::Error for ReadError {}

impl Source {
    /// Parses named files (a config made of them, in path order).
    /// `module_path` is what the config sees as `module_path`.
    pub fn from_files(files: Vec<(String, Vec<u8>)>, module_path: impl Into<String>) -> Source {
        let mut files: Vec<SourceFile> = files
            .into_iter()
            .map(|(name, bytes)| {
                let parse = alloy_syntax::parse_file(&bytes);
                SourceFile {
                    name,
                    bytes: bytes.into(),
                    parse,
                }
            })
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let sha256 = hash(&files);
        Source {
            files,
            sha256,
            module_path: module_path.into(),
        }
    }

    /// One file from text, with no `module_path` (for tests and tools).
    pub fn from_text(name: &str, text: &str) -> Source {
        Source::from_files(vec![(name.to_owned(), text.as_bytes().to_vec())], "")
    }

    /// Reads a config file or directory. `module_path` is the directory
    /// itself, or the file's directory.
    pub fn read(path: &str) -> Result<Source, ReadError> {
        let fail = |error| ReadError {
            path: path.to_owned(),
            error,
        };
        let p = Path::new(path);
        let meta = std::fs::metadata(p).map_err(fail)?;
        if !meta.is_dir() {
            let bytes = std::fs::read(p).map_err(fail)?;
            let dir = p
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| ".".to_owned());
            return Ok(Source::from_files(vec![(path.to_owned(), bytes)], dir));
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(p).map_err(fail)? {
            let entry = entry.map_err(fail)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().map_err(fail)?.is_file() && name.ends_with(".alloy") {
                let full = join(path, &name);
                let bytes = std::fs::read(&full).map_err(fail)?;
                files.push((full, bytes));
            }
        }
        Ok(Source::from_files(files, path))
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Hex SHA-256 of the config: of the file's bytes for one file, of
    /// each name and content in order for a directory.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn module_path(&self) -> &str {
        &self.module_path
    }

    /// Syntax errors of every file, in upstream's order and wording.
    pub fn syntax_errors(&self) -> Diagnostics {
        let mut out = Vec::new();
        for file in &self.files {
            if !file.parse.has_errors() {
                continue;
            }
            let ctx = FileCtx::new(&file.name, file.parse.line_index());
            for error in file.parse.errors() {
                out.push(Diagnostic::at(
                    &ctx,
                    error.range.start(),
                    error.kind.to_string(),
                ));
            }
        }
        Diagnostics(out)
    }

    /// The statements of every file with the file they come from. Builds
    /// red trees, so it runs on the thread that walks them.
    pub(crate) fn statements(&self) -> Vec<(Arc<FileCtx>, Stmt)> {
        let mut out = Vec::new();
        for file in &self.files {
            let ctx = FileCtx::new(&file.name, file.parse.line_index());
            for stmt in file.parse.tree().statements() {
                out.push((ctx.clone(), stmt));
            }
        }
        out
    }
}

fn hash(files: &[SourceFile]) -> String {
    let mut hasher = Sha256::new();
    if let [only] = files {
        hasher.update(&only.bytes);
    } else {
        for file in files {
            hasher.update(file.name.as_bytes());
            hasher.update(&file.bytes);
        }
    }
    hex::encode(hasher.finalize())
}

/// `filepath.Join(dir, name)` as upstream prints the files of a directory.
fn join(dir: &str, name: &str) -> String {
    let dir = dir.trim_end_matches('/');
    match dir {
        "" | "." => name.to_owned(),
        _ => format!("{dir}/{name}"),
    }
}
