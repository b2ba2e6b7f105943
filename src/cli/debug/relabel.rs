//! `alloy debug relabel --rules FILE [TARGETS.json]`: the rules of FILE
//! (`rule { ... }` blocks, validated as `discovery.relabel` validates them)
//! applied to each target of a JSON array of label objects (standard input
//! without a file). Prints a JSON array with one entry per target, in
//! order: the resulting labels, or `null` when a rule drops the target.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use alloy_prometheus::relabel::apply;
use alloy_prometheus::Labels;
use clap::Args;

#[derive(Debug, Args)]
pub struct RelabelArgs {
    /// A file of `rule { ... }` blocks in Alloy syntax.
    #[arg(long, value_name = "FILE")]
    rules: PathBuf,
    /// A JSON array of label objects; standard input when absent.
    #[arg(value_name = "TARGETS.json")]
    targets: Option<PathBuf>,
}

/// Applies `rules_text` to `targets_json`: the output JSON, or the error.
pub fn relabel(
    rules_text: &str,
    rules_file: &str,
    targets_json: &str,
    targets_file: &str,
) -> Result<String, String> {
    let rules = alloy_runtime::components::rules_from_source(rules_text, rules_file)?;
    let targets: Vec<BTreeMap<String, String>> =
        serde_json::from_str(targets_json).map_err(|e| {
            format!(
            "{targets_file}:{}:{}: targets must be a JSON array of objects with string values: {e}",
            e.line(),
            e.column().max(1)
        )
        })?;
    let out: Vec<serde_json::Value> = targets
        .iter()
        .map(|t| {
            let labels = Labels::from_pairs(t.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            match apply(&rules, &labels).filter(|l| !l.is_empty()) {
                None => serde_json::Value::Null,
                Some(l) => serde_json::Value::Object(
                    l.iter()
                        .map(|l| {
                            (
                                l.name.to_owned(),
                                serde_json::Value::String(l.value.to_owned()),
                            )
                        })
                        .collect(),
                ),
            }
        })
        .collect();
    serde_json::to_string_pretty(&out).map_err(|e| e.to_string())
}

pub fn run(args: RelabelArgs) -> ExitCode {
    let rules_file = args.rules.display().to_string();
    let rules_text = match std::fs::read_to_string(&args.rules) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Error: open {rules_file}: {}", super::super::io_error(&e));
            return ExitCode::from(1);
        }
    };
    let (targets_file, targets_json) = match &args.targets {
        Some(path) => {
            let name = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(t) => (name, t),
                Err(e) => {
                    eprintln!("Error: open {name}: {}", super::super::io_error(&e));
                    return ExitCode::from(1);
                }
            }
        }
        None => {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("Error: reading standard input: {e}");
                return ExitCode::from(1);
            }
            ("<stdin>".to_owned(), text)
        }
    };
    match relabel(&rules_text, &rules_file, &targets_json, &targets_file) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}
