//! Machine-readable reports: JSON, GitHub workflow commands and SARIF.
//! Lines and columns are 1-based, columns in bytes as upstream; `end` is
//! the position just after the range.

use std::io::{self, Write};

use alloy_analysis::{Code, Diagnostic, Severity};
use alloy_syntax::LineCol;
use serde_json::{json, Value};

use super::Sources;

fn span(d: &Diagnostic, sources: &Sources) -> (LineCol, LineCol) {
    match sources.line_index(&d.path) {
        Some(index) => (
            index.line_col(d.range.start().into()),
            index.line_col(d.range.end().into()),
        ),
        None => (LineCol { line: 1, col: 1 }, LineCol { line: 1, col: 1 }),
    }
}

pub fn json(out: &mut dyn Write, report: &[Diagnostic], sources: &Sources) -> io::Result<()> {
    let items: Vec<Value> = report
        .iter()
        .map(|d| {
            let (start, end) = span(d, sources);
            json!({
                "file": d.path,
                "severity": d.severity.as_str(),
                "code": d.code.as_str(),
                "message": d.message,
                "start": {"line": start.line, "column": start.col},
                "end": {"line": end.line, "column": end.col},
                "notes": d.notes,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &Value::Array(items))?;
    out.write_all(b"\n")
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn github(out: &mut dyn Write, report: &[Diagnostic], sources: &Sources) -> io::Result<()> {
    for d in report {
        let (start, end) = span(d, sources);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&d.path),
            start.line,
            start.col,
            end.line,
            end.col,
            escape_property(&format!("{} {}", d.code, d.code.title())),
            escape_data(&d.message)
        )?;
    }
    Ok(())
}

pub fn sarif(out: &mut dyn Write, report: &[Diagnostic], sources: &Sources) -> io::Result<()> {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": {"text": c.title()},
                "helpUri": format!("{}#{}", DOCS, c.as_str().to_lowercase()),
                "defaultConfiguration": {"level": level(c.severity())},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .iter()
        .map(|d| {
            let (start, end) = span(d, sources);
            json!({
                "ruleId": d.code.as_str(),
                "level": level(d.severity),
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path},
                        "region": {
                            "startLine": start.line,
                            "startColumn": start.col,
                            "endLine": end.line,
                            "endColumn": end.col,
                        }
                    }
                }],
            })
        })
        .collect();
    let log = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "alloy",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": DOCS,
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

const DOCS: &str = "https://github.com/alloy-rs-toolchain/alloy/blob/main/docs/checks.md";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
