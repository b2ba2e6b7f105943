//! `cargo run -p xtask -- <task>`: repository automation.

use std::process::ExitCode;

use xtask::catalogue::{self, Outcome};

const USAGE: &str = "\
usage: cargo run -p xtask -- <task>

tasks:
  codegen-catalogue [--check]
      Regenerate analysis/src/catalogue/generated.rs from the upstream
      catalogue (default ../shared/catalogue, or $ALLOY_CATALOGUE_DIR).
      With --check, write nothing and exit 1 if the file is out of date.
  help
      Show this message.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen-catalogue"] => codegen_catalogue(false),
        ["codegen-catalogue", "--check"] => codegen_catalogue(true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn codegen_catalogue(check: bool) -> ExitCode {
    let root = catalogue::workspace_root();
    let dir = catalogue::catalogue_dir(&root);
    match catalogue::run(&root, &dir, check) {
        Ok(Outcome::Unchanged) => {
            println!("{} is up to date", catalogue::OUTPUT);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Written) => {
            println!("wrote {} from {}", catalogue::OUTPUT, dir.display());
            ExitCode::SUCCESS
        }
        Ok(Outcome::Stale) => {
            eprintln!(
                "{} is out of date with {}; run `cargo run -p xtask -- codegen-catalogue`",
                catalogue::OUTPUT,
                dir.display()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("codegen-catalogue: {e}");
            ExitCode::FAILURE
        }
    }
}
