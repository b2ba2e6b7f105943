//! `alloy debug <tool>`: try one pipeline stage on example input, outside a
//! running configuration. Each tool is its own module with one variant
//! here.

mod ottl;
mod process;
mod relabel;

use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct DebugArgs {
    #[command(subcommand)]
    command: DebugCommand,
}

#[derive(Debug, Subcommand)]
enum DebugCommand {
    /// Apply `rule` blocks to example targets and print the result.
    Relabel(relabel::RelabelArgs),
    /// Run `loki.process` stages on log entries (JSON lines).
    Process(process::ProcessArgs),
    /// Run OTTL statements (one a line) on OTLP/JSON input and print the result.
    Ottl(ottl::OttlArgs),
}

pub fn run(args: DebugArgs) -> ExitCode {
    match args.command {
        DebugCommand::Relabel(args) => relabel::run(args),
        DebugCommand::Process(args) => process::run(args),
        DebugCommand::Ottl(args) => ottl::run(args),
    }
}
