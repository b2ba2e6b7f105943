//! Command-line definitions and dispatch.

mod check;
mod fmt;
mod graph;
mod input;
mod lsp;
mod parse;
mod run;
mod safe_write;
mod walk;

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
    /// Print the component graph of a configuration without running it.
    Graph(graph::GraphArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run_check(args),
        Command::Validate(args) => check::run_validate(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Run(args) => run::run(args),
        Command::Graph(args) => graph::run(args),
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
