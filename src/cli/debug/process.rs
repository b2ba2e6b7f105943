//! `alloy debug process --stages FILE [ENTRIES.jsonl]`: runs `stage.*`
//! blocks (Alloy syntax, as inside `loki.process`) on entries given one
//! JSON object per line (`line`, `labels`, optional `timestamp` in RFC 3339
//! with nanoseconds, optional `structured_metadata`), from the file or
//! standard input. Prints one JSON object per input line in the same shape,
//! or `{"dropped": true}`. Invalid stages exit 1 with the error at its file
//! position; an invalid entry line is reported on standard error with its
//! line number, printed as `{"error": ...}`, and makes the exit status 1.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use alloy_loki::process::Pipeline;
use alloy_loki::time::{format_rfc3339_nanos, parse_rfc3339};
use alloy_loki::{Entry, Labels, Timestamp};
use clap::Args;
use serde_json::{json, Map, Value};

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// File holding the `stage.*` blocks.
    #[arg(long)]
    stages: PathBuf,
    /// Entries, one JSON object per line (standard input when absent).
    entries: Option<PathBuf>,
}

/// 1-based line and column of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub fn run(args: ProcessArgs) -> ExitCode {
    let stages_name = args.stages.display().to_string();
    let text = match std::fs::read(&args.stages) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("Error: open {stages_name}: {}", super::super::io_error(&e));
            return ExitCode::from(1);
        }
    };
    let stages = match alloy_runtime::components::loki::process::parse_stages(&text) {
        Ok(s) => s,
        Err(e) => {
            match e.range {
                Some(r) => {
                    let (line, col) = position(&text, usize::from(r.start()));
                    eprintln!("Error: {stages_name}:{line}:{col}: {}", e.message);
                }
                None => eprintln!("Error: {stages_name}: {}", e.message),
            }
            return ExitCode::from(1);
        }
    };
    let mut pipeline = match Pipeline::new(&stages) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Error: {stages_name}: {e}");
            return ExitCode::from(1);
        }
    };
    let input: Box<dyn BufRead> = match &args.entries {
        None => Box::new(std::io::stdin().lock()),
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!(
                    "Error: open {}: {}",
                    path.display(),
                    super::super::io_error(&e)
                );
                return ExitCode::from(1);
            }
        },
    };
    let entries_name = args
        .entries
        .as_ref()
        .map_or("<stdin>".to_owned(), |p| p.display().to_string());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    for (n, line) in input.split(b'\n').enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("Error: reading {entries_name}: {e}");
                return ExitCode::from(1);
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let result = match decode_entry(&line) {
            Ok(entry) => match pipeline.process(entry) {
                Some(e) => encode_entry(&e),
                None => json!({"dropped": true}),
            },
            Err(e) => {
                eprintln!("Error: {entries_name}:{}: {e}", n + 1);
                failed = true;
                json!({ "error": e })
            }
        };
        if writeln!(out, "{result}").is_err() {
            // Standard output closed (a pipe to `head`): stop quietly.
            return ExitCode::SUCCESS;
        }
    }
    let _ = out.flush();
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn string_map(v: Option<&Value>, what: &str) -> Result<Vec<(String, String)>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(format!("{what}.{k}: expected a string")),
            })
            .collect(),
        Some(_) => Err(format!("{what}: expected an object of strings")),
    }
}

fn decode_entry(bytes: &[u8]) -> Result<Entry, String> {
    // Invalid UTF-8 in a line is kept as U+FFFD rather than refused.
    let text = String::from_utf8_lossy(bytes);
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(obj) = v else {
        return Err("expected a JSON object".into());
    };
    let line = match obj.get("line") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("\"line\" must be a string".into()),
    };
    let labels: Labels = string_map(obj.get("labels"), "labels")?
        .into_iter()
        .collect();
    let timestamp = match obj.get("timestamp") {
        None | Some(Value::Null) => Timestamp::now(),
        Some(Value::String(s)) => parse_rfc3339(s)?,
        Some(_) => return Err("\"timestamp\" must be an RFC 3339 string".into()),
    };
    let mut entry = Entry::new(labels, timestamp, line);
    entry.structured_metadata = string_map(obj.get("structured_metadata"), "structured_metadata")?
        .into_iter()
        .collect();
    Ok(entry)
}

fn encode_entry(e: &Entry) -> Value {
    let labels: Map<String, Value> = e
        .labels
        .iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
        .collect();
    let sm: Map<String, Value> = e
        .structured_metadata
        .iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
        .collect();
    json!({
        "line": &*e.line,
        "labels": labels,
        "timestamp": format_rfc3339_nanos(e.timestamp),
        "structured_metadata": sm,
    })
}
