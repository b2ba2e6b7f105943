//! `alloy debug ottl`: runs OTTL statements on OTLP/JSON and prints the
//! result as OTLP/JSON, so a statement can be tried without a pipeline.
//! A statement that does not compile or fails at run time exits 1 with its
//! line and column.

use std::process::ExitCode;

use alloy_ottl::proto::tonic::logs::v1::LogsData;
use alloy_ottl::proto::tonic::metrics::v1::MetricsData;
use alloy_ottl::proto::tonic::trace::v1::TracesData;
use alloy_ottl::run::{self, Group};
use alloy_ottl::{compile_statement, Context};
use clap::Args;

#[derive(Debug, Args)]
pub struct OttlArgs {
    /// The context the statements run in.
    #[arg(long, value_parser = ["log", "span", "spanevent", "metric", "datapoint", "resource", "scope"])]
    context: String,
    /// A file of statements, one a line (blank lines and `#` comments are skipped).
    #[arg(long, value_name = "FILE")]
    statements: String,
    /// OTLP/JSON input (`resourceLogs`, `resourceSpans` or `resourceMetrics`).
    #[arg(value_name = "INPUT.json")]
    input: String,
}

fn fail(message: String) -> ExitCode {
    eprintln!("Error: {message}");
    ExitCode::FAILURE
}

pub fn run(args: OttlArgs) -> ExitCode {
    let Some(context) = Context::parse(&args.context) else {
        return fail(format!("unknown context {:?}", args.context));
    };
    let source = match std::fs::read_to_string(&args.statements) {
        Ok(s) => s,
        Err(e) => {
            return fail(format!(
                "{}: {}",
                args.statements,
                super::super::io_error(&e)
            ))
        }
    };
    let mut statements = Vec::new();
    let mut failed = false;
    for (n, line) in source.lines().enumerate() {
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        match compile_statement(context, text) {
            Ok(s) => statements.push((n + 1, s)),
            Err(diags) => {
                failed = true;
                for d in diags {
                    let col = text[..d.span.start.min(text.len())].chars().count() + indent + 1;
                    eprintln!("{}:{}:{col}: {}", args.statements, n + 1, d.message);
                    if let Some(h) = d.help {
                        eprintln!("  help: {h}");
                    }
                }
            }
        }
    }
    if failed {
        return ExitCode::FAILURE;
    }
    let input = match std::fs::read_to_string(&args.input) {
        Ok(s) => s,
        Err(e) => return fail(format!("{}: {}", args.input, super::super::io_error(&e))),
    };
    let json: serde_json::Value = match serde_json::from_str(&input) {
        Ok(j) => j,
        Err(e) => return fail(format!("{}: invalid JSON: {e}", args.input)),
    };
    let statements_file = args.statements.clone();
    let mut on_error = |e: alloy_ottl::ExecError| Err(e);
    let run_all =
        |f: &mut dyn FnMut(&Group) -> Result<(), alloy_ottl::ExecError>| -> Result<(), String> {
            for (line, s) in &statements {
                f(&Group::new(context, vec![s.clone()]))
                    .map_err(|e| format!("{statements_file}:{line}: {}", e.message))?;
            }
            Ok(())
        };
    let signal = ["resourceLogs", "resourceSpans", "resourceMetrics"]
        .into_iter()
        .find(|k| json.get(k).is_some());
    let out = match signal {
        Some("resourceLogs") => match serde_json::from_value::<LogsData>(json) {
            Ok(mut d) => {
                run_all(&mut |g| run::transform_logs(g, &mut d.resource_logs, &mut on_error))
                    .map(|_| serde_json::to_value(&d))
            }
            Err(e) => return fail(format!("{}: not OTLP/JSON logs: {e}", args.input)),
        },
        Some("resourceSpans") => match serde_json::from_value::<TracesData>(json) {
            Ok(mut d) => {
                run_all(&mut |g| run::transform_traces(g, &mut d.resource_spans, &mut on_error))
                    .map(|_| serde_json::to_value(&d))
            }
            Err(e) => return fail(format!("{}: not OTLP/JSON traces: {e}", args.input)),
        },
        Some(_) => match serde_json::from_value::<MetricsData>(json) {
            Ok(mut d) => {
                run_all(&mut |g| run::transform_metrics(g, &mut d.resource_metrics, &mut on_error))
                    .map(|_| serde_json::to_value(&d))
            }
            Err(e) => return fail(format!("{}: not OTLP/JSON metrics: {e}", args.input)),
        },
        None => {
            return fail(format!(
                "{}: expected resourceLogs, resourceSpans or resourceMetrics",
                args.input
            ))
        }
    };
    match out {
        Ok(Ok(v)) => {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => fail(e.to_string()),
        Err(e) => fail(e),
    }
}
