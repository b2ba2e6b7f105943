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

/// Diagnostics by file, then position: the order people read (and GitHub
/// shows annotations in), whatever order the checks found them in.
fn sorted(report: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut sorted: Vec<&Diagnostic> = report.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.path, a.range.start(), a.range.end()).cmp(&(&b.path, b.range.start(), b.range.end()))
    });
    sorted
}

/// A position in `path` (1-based line and byte column).
fn line_col(sources: &Sources, path: &str, offset: alloy_analysis::TextSize) -> LineCol {
    match sources.line_index(path) {
        Some(index) => index.line_col(offset.into()),
        None => LineCol { line: 1, col: 1 },
    }
}

/// The path of an edit's file: one of the report's files.
fn path_of<'a>(
    report: &'a [Diagnostic],
    d: &'a Diagnostic,
    file: alloy_analysis::SourceFile,
) -> &'a str {
    if d.file == file {
        return &d.path;
    }
    report
        .iter()
        .find(|x| x.file == file)
        .map_or(d.path.as_str(), |x| x.path.as_str())
}

/// A fix's edits as (path, start, end, new text).
fn fix_edits<'a>(
    report: &'a [Diagnostic],
    d: &'a Diagnostic,
    fix: &'a alloy_analysis::Fix,
    sources: &Sources,
) -> Vec<(&'a str, LineCol, LineCol, &'a str)> {
    fix.edits
        .iter()
        .map(|e| {
            let path = path_of(report, d, e.file);
            (
                path,
                line_col(sources, path, e.range.start()),
                line_col(sources, path, e.range.end()),
                e.new_text.as_str(),
            )
        })
        .collect()
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
                "fixes": d.fixes.iter().map(|fix| json!({
                    "title": fix.title,
                    "edits": fix_edits(report, d, fix, sources).into_iter().map(|(path, start, end, text)| json!({
                        "file": path,
                        "start": {"line": start.line, "column": start.col},
                        "end": {"line": end.line, "column": end.col},
                        "text": text,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
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
    for d in sorted(report) {
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
            escape_data(&with_hints(d))
        )?;
    }
    Ok(())
}

/// The message followed by its help lines, one per line, as `human`
/// output shows them.
fn with_hints(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    for note in &d.notes {
        text.push_str("\nhelp: ");
        text.push_str(note);
    }
    for fix in &d.fixes {
        if !fix.title.is_empty() && d.notes.is_empty() {
            text.push_str("\nhelp: ");
            text.push_str(&fix.title);
        }
    }
    text
}

fn region(start: LineCol, end: LineCol) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.col,
        "endLine": end.line,
        "endColumn": end.col,
    })
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
    let results: Vec<Value> = sorted(report)
        .into_iter()
        .map(|d| {
            let (start, end) = span(d, sources);
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "level": level(d.severity),
                "message": {"text": with_hints(d)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path},
                        "region": region(start, end),
                    }
                }],
            });
            if !d.related.is_empty() {
                result["relatedLocations"] = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        json!({
                            "id": i,
                            "message": {"text": r.message},
                            "physicalLocation": {
                                "artifactLocation": {"uri": r.path},
                                "region": region(
                                    line_col(sources, &r.path, r.range.start()),
                                    line_col(sources, &r.path, r.range.end()),
                                ),
                            }
                        })
                    })
                    .collect();
            }
            // SARIF fixes: the edit, where it is known.
            if !d.fixes.is_empty() {
                result["fixes"] = d
                    .fixes
                    .iter()
                    .map(|fix| {
                        let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
                        for (path, start, end, text) in fix_edits(report, d, fix, sources) {
                            let replacement = json!({
                                "deletedRegion": region(start, end),
                                "insertedContent": {"text": text},
                            });
                            match changes.iter_mut().find(|(p, _)| *p == path) {
                                Some((_, list)) => list.push(replacement),
                                None => changes.push((path, vec![replacement])),
                            }
                        }
                        json!({
                            "description": {"text": fix.title},
                            "artifactChanges": changes.into_iter().map(|(path, replacements)| json!({
                                "artifactLocation": {"uri": path},
                                "replacements": replacements,
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
            }
            result
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
