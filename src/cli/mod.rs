//! Command-line definitions and dispatch.

/// `eprintln!` that never panics: a closed standard error (`2>&1 | head`)
/// must end the command quietly, not with a panic and exit code 101.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// `eprint!` that never panics (see [`errln`]).
macro_rules! errp {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// `println!` that never panics: a reader that stopped early is not our
/// failure.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod check;
mod completion;
mod debug;
mod fmt;
mod graph;
mod input;
mod lsp;
mod parse;
mod run;
mod safe_write;
mod walk;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Formatter, checker, language server and runtime for Grafana Alloy
/// configuration files.
#[derive(Debug, Parser)]
#[command(
    name = "alloy",
    version,
    about,
    propagate_version = true,
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Every subcommand with one example, printed by `alloy --help` (each
/// subcommand's `--help` repeats its own).
const EXAMPLES: &str = "\
Examples:
  alloy check conf.d/                     check every *.alloy file of a directory (one config)
  alloy validate config.alloy             upstream `alloy validate`'s report
  alloy fmt -w config.alloy               format a file in place
  alloy parse config.alloy                report syntax errors as upstream does
  alloy lsp                               language server on stdio (for editors)
  alloy run config.alloy                  run a configuration; UI on http://127.0.0.1:12345
  alloy graph config.alloy | dot -Tsvg    the component graph, without running it
  alloy debug relabel --rules rules.alloy targets.json
                                          try rule blocks (or stages, OTTL) on examples
  alloy completion bash > ~/.local/share/bash-completion/completions/alloy
                                          shell completions (bash, zsh, fish, powershell)

Exit codes: 0 success, 1 findings or unreadable input, 2 usage errors (README, \"Exit codes\").";

#[derive(Debug, Subcommand)]
enum Command {
    /// Check configurations: syntax, schema, references, types, wiring.
    #[command(after_help = "Example:\n  alloy check --format=github conf.d/")]
    Check(check::CheckArgs),
    /// Validate a configuration as upstream `alloy validate` does.
    #[command(
        after_help = "Example:\n  alloy validate --stability.level=experimental config.alloy"
    )]
    Validate(check::ValidateArgs),
    /// Format Alloy files exactly as upstream `alloy fmt` does.
    #[command(
        alias = "format",
        after_help = "Example:\n  alloy fmt --diff -t conf.d/"
    )]
    Fmt(fmt::FmtArgs),
    /// Parse files and report syntax errors exactly as upstream `alloy fmt` does.
    #[command(after_help = "Example:\n  cat config.alloy | alloy parse -")]
    Parse(parse::ParseArgs),
    /// Serve editors: the language server, over standard input and output.
    #[command(
        after_help = "Example (Neovim, VS Code and others start it themselves):\n  alloy lsp"
    )]
    Lsp(lsp::LspArgs),
    /// Run a configuration: load it, serve HTTP, reload on SIGHUP.
    #[command(
        after_help = "Example:\n  alloy run --server.http.listen-addr=127.0.0.1:12345 conf.d/"
    )]
    Run(run::RunArgs),
    /// Print the component graph of a configuration without running it.
    #[command(after_help = "Example:\n  alloy graph --format mermaid conf.d/")]
    Graph(graph::GraphArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    #[command(after_help = "Example:\n  alloy completion zsh > \"${fpath[1]}/_alloy\"")]
    Completion(completion::CompletionArgs),
    /// Debugging tools: try pipeline stages on example input.
    #[command(after_help = "Example:\n  alloy debug relabel --rules rules.alloy targets.json")]
    Debug(debug::DebugArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run_check(args),
        Command::Validate(args) => check::run_validate(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Run(args) => run::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Completion(args) => completion::run(args),
        Command::Debug(args) => debug::run(args),
    }
}

/// The one message for an input that cannot be read, whichever subcommand
/// reads it: Go's wording as upstream `alloy fmt` prints it (`stat PATH: no
/// such file or directory` when it does not exist, `open PATH: ...` when it
/// cannot be read). Every subcommand then exits with 1 (see README, "Exit
/// codes").
pub(crate) fn missing_input(path: &str, err: &std::io::Error) -> String {
    let op = if err.kind() == std::io::ErrorKind::NotFound {
        "stat"
    } else {
        "open"
    };
    format!("{op} {path}: {}", io_error(err))
}

/// Go-style text for an I/O error (`no such file or directory`), as
/// upstream's messages show them.
pub(crate) fn io_error(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => {
            let text = err.to_string();
            // Drop Rust's " (os error N)" suffix.
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
    }
}
