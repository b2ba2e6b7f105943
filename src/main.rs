//! The `alloy` command: one binary for formatting, checking, serving editors
//! and running pipelines. Each subcommand lives in its own module under
//! `cli/`; this file only dispatches.

mod alloc;
mod cli;

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args)
}
