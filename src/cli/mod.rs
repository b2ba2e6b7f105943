//! Command-line definitions and dispatch.

mod check;
mod debug;
mod fmt;
mod input;
mod lsp;
mod parse;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Formatter, checker, language server and runtime for Grafana Alloy
/// configuration files.
#[derive(Debug, Parser)]
#[command(name = "alloy", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check configurations: syntax, schema, references, types, wiring.
    Check(check::CheckArgs),
    /// Validate a configuration as upstream `alloy validate` does.
    Validate(check::ValidateArgs),
    /// Format Alloy files exactly as upstream `alloy fmt` does.
    #[command(alias = "format")]
    Fmt(fmt::FmtArgs),
    /// Parse files and report syntax errors exactly as upstream `alloy fmt` does.
    Parse(parse::ParseArgs),
    /// Serve editors: the language server, over standard input and output.
    Lsp(lsp::LspArgs),
    /// Run a configuration: load it, serve HTTP, reload on SIGHUP.
    Run(run::RunArgs),
    /// Try one pipeline stage on sample input.
    Debug(debug::DebugArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run_check(args),
        Command::Validate(args) => check::run_validate(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Run(args) => run::run(args),
        Command::Debug(args) => debug::run(args),
    }
}

/// Go-style text for an I/O error (`no such file or directory`), as
/// upstream's messages show them.
pub(crate) fn io_error(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => {
            let text = err.to_string();
            // Drop Rust's " (os error N)" suffix.
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
    }
}

/// Replaces `path` with `contents` so that readers see either the old or the
/// new file, never a partial one: write a temporary file beside it, copy the
/// permissions, sync, then rename over the original.
pub(crate) fn write_atomically(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    // Write through a symbolic link, not over it.
    let resolved = std::fs::canonicalize(path)?;
    let path = resolved.as_path();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let permissions = std::fs::metadata(path)?.permissions();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(contents)?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
