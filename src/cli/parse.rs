//! `alloy parse`: syntax-check files, printing upstream's error lines.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::input;

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Print the concrete syntax tree of each file.
    #[arg(long)]
    tree: bool,
    /// Files to parse; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
}

pub fn run(args: ParseArgs) -> ExitCode {
    let mut failed = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for arg in &args.files {
        let input = match input::read(arg, None) {
            Ok(input) => input,
            Err(err) => {
                eprintln!("Error: {arg}: {err}");
                failed = true;
                continue;
            }
        };
        let parse = alloy_syntax::parse_file(&input.bytes);
        if args.tree {
            let _ = out.write_all(alloy_syntax::debug_dump(&parse).as_bytes());
        }
        if parse.has_errors() {
            failed = true;
            let index = parse.line_index();
            for error in parse.errors() {
                eprintln!(
                    "{}",
                    alloy_syntax::render_error_line(&input.name, &index, error)
                );
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
