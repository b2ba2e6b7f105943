//! The `alloy` command: one binary for formatting, checking, serving editors
//! and running pipelines. Each subcommand lives in its own module under
//! `cli/`; this file only dispatches.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args)
}
