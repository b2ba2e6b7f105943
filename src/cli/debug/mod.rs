//! `alloy debug <tool>`: tools that run one piece of a pipeline on input
//! given on the command line.

mod process;

use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct DebugArgs {
    #[command(subcommand)]
    command: DebugCommand,
}

#[derive(Debug, Subcommand)]
enum DebugCommand {
    /// Run `loki.process` stages on log entries (JSON lines).
    Process(process::ProcessArgs),
}

pub fn run(args: DebugArgs) -> ExitCode {
    match args.command {
        DebugCommand::Process(args) => process::run(args),
    }
}
