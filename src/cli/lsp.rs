//! `alloy lsp`: the language server, speaking LSP over standard input and
//! output (see the `alloy-lsp` crate).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Use standard input and output (the only transport; accepted because
    /// some clients pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: LspArgs) -> ExitCode {
    let _ = args.stdio;
    match alloy_lsp::run_stdio() {
        Ok(alloy_lsp::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(alloy_lsp::Outcome::Abrupt) => ExitCode::from(1),
        Err(err) => {
            errln!("alloy lsp: cannot start: {err}");
            ExitCode::from(2)
        }
    }
}
