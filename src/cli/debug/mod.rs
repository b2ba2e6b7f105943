//! `alloy debug <tool>`: run one pipeline stage on sample input.

pub mod ottl;

use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct DebugArgs {
    #[command(subcommand)]
    tool: Tool,
}

#[derive(Debug, Subcommand)]
enum Tool {
    /// Run OTTL statements (one a line) on OTLP/JSON input and print the result.
    Ottl(ottl::OttlArgs),
}

pub fn run(args: DebugArgs) -> ExitCode {
    match args.tool {
        Tool::Ottl(a) => ottl::run(a),
    }
}
