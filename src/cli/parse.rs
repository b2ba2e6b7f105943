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
                errln!("Error: {}", super::missing_input(arg, &err));
                failed = true;
                continue;
            }
        };
        if args.tree {
            let parse = alloy_syntax::parse_file(&input.bytes);
            if out
                .write_all(alloy_syntax::debug_dump(&parse).as_bytes())
                .is_err()
            {
                // The reader went away: nothing more to say.
                return ExitCode::FAILURE;
            }
        }
        // Errors only, without keeping the tree: bounded memory and output
        // whatever the input.
        let report = alloy_syntax::syntax_report(&input.bytes);
        if !report.errors.is_empty() {
            failed = true;
            print_syntax_errors(&input.name, &report);
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints a file's syntax errors as upstream does (`FILE:LINE:COL: message`),
/// the first [`alloy_syntax::MAX_ERRORS`] of them, then how many more there
/// were.
pub(crate) fn print_syntax_errors(name: &str, report: &alloy_syntax::SyntaxReport) {
    let stderr = std::io::stderr();
    let mut err = std::io::BufWriter::new(stderr.lock());
    for error in &report.errors {
        let line = alloy_syntax::render_error_line(name, &report.index, error);
        if writeln!(err, "{line}").is_err() {
            return;
        }
    }
    if report.dropped > 0 {
        let _ = writeln!(
            err,
            "{}",
            alloy_syntax::render_dropped_line(name, report.dropped)
        );
    }
    let _ = err.flush();
}
