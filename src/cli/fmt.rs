//! `alloy fmt`: upstream's interface and messages, plus several files,
//! directories, diffs and atomic writes.
//!
//! With one file (or stdin) and no new flags, stdout, stderr and the exit
//! code are upstream's. The extras only add output where upstream has none
//! (a summary on stderr when more than one file is processed).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::{input, safe_write, walk};

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Write the result to the source file instead of stdout.
    #[arg(short = 'w', long)]
    write: bool,
    /// Exit with non-zero when changes would be made. Cannot be used with -w/--write.
    #[arg(short = 't', long)]
    test: bool,
    /// Print a unified diff of what formatting would change (with --test too).
    #[arg(long)]
    diff: bool,
    /// The name used for standard input in messages (default `<stdin>`).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Files or directories (searched recursively for `*.alloy`); `-` or
    /// nothing reads standard input.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Unchanged,
    Changed,
    Failed,
}

pub fn run(args: FmtArgs) -> ExitCode {
    if args.write && args.test {
        errln!("Error: cannot use -w/--write and -t/--test at the same time");
        return ExitCode::FAILURE;
    }
    let paths = if args.paths.is_empty() {
        vec!["-".to_owned()]
    } else {
        args.paths.clone()
    };
    if args.write && paths.iter().any(|p| p == "-") {
        errln!("Error: cannot use -w with standard input");
        return ExitCode::FAILURE;
    }

    let mut targets: Vec<String> = Vec::new();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for path in &paths {
        match walk::alloy_files(path) {
            Ok(found) => targets.extend(found),
            Err(message) => {
                errln!("Error: {message}");
                outcomes.push(Outcome::Failed);
            }
        }
    }
    let several = targets.len() > 1;
    for target in &targets {
        outcomes.push(format_one(&args, target, several));
    }

    if several || outcomes.len() > 1 {
        let count = |o: Outcome| outcomes.iter().filter(|&&x| x == o).count();
        let verb = if args.write {
            "reformatted"
        } else {
            "would reformat"
        };
        errln!(
            "{} {}, {} already formatted, {} failed",
            verb,
            plural(count(Outcome::Changed), "file"),
            count(Outcome::Unchanged),
            count(Outcome::Failed)
        );
    }
    let failed =
        outcomes.contains(&Outcome::Failed) || (args.test && outcomes.contains(&Outcome::Changed));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn format_one(args: &FmtArgs, target: &str, several: bool) -> Outcome {
    let input = match input::read(target, args.stdin_filename.as_deref()) {
        Ok(input) => input,
        Err(err) => {
            errln!("Error: {}", super::missing_input(target, &err));
            return Outcome::Failed;
        }
    };
    // Large files are formatted in pieces on every core; the output is the
    // one-thread output byte for byte (see `alloy_fmt::format_source_parallel`).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let formatted = match alloy_fmt::format_source_parallel(&input.bytes, threads) {
        Ok(formatted) => formatted,
        Err(alloy_fmt::FormatError::Syntax(_)) => {
            // The errors again with positions, without a tree.
            let report = alloy_syntax::syntax_report(&input.bytes);
            super::parse::print_syntax_errors(&input.name, &report);
            errln!("Error: encountered errors during formatting");
            return Outcome::Failed;
        }
        Err(other) => {
            errln!("Error: {}: {other}", input.name);
            return Outcome::Failed;
        }
    };
    let changed = formatted.as_bytes() != input.bytes.as_slice();
    let outcome = if changed {
        Outcome::Changed
    } else {
        Outcome::Unchanged
    };

    if args.diff && changed {
        print_diff(&input.name, &input.bytes, &formatted);
    }
    if args.test {
        if changed {
            errln!("Error: file {} is not formatted correctly", input.name);
        }
        return outcome;
    }
    if args.write {
        if changed {
            if let Err(err) = safe_write::rewrite(Path::new(target), formatted.as_bytes()) {
                errln!("Error: {err}");
                return Outcome::Failed;
            }
        }
        return outcome;
    }
    if !args.diff {
        let mut stdout = std::io::stdout().lock();
        if several {
            let _ = writeln!(stdout, "// {}", input.name);
        }
        let _ = stdout.write_all(formatted.as_bytes());
    }
    outcome
}

fn print_diff(name: &str, before: &[u8], after: &str) {
    let before = String::from_utf8_lossy(before);
    let diff = similar::TextDiff::from_lines(before.as_ref(), after);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string();
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
