//! Command-line definitions and dispatch.

mod input;
mod parse;

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
    /// Parse files and report syntax errors exactly as upstream `alloy fmt` does.
    Parse(parse::ParseArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Parse(args) => parse::run(args),
    }
}
