//! `alloy completion SHELL`: the shell completion script, generated from
//! the command-line definitions so it never falls behind them.

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: CompletionArgs) -> ExitCode {
    let mut command = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "alloy", &mut script);
    use std::io::Write;
    // A closed pipe is the reader's choice, not an error.
    let _ = std::io::stdout().lock().write_all(&script);
    ExitCode::SUCCESS
}
