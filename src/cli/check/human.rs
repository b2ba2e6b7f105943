//! The default report: each diagnostic as an annotated snippet (ariadne,
//! byte offsets), with its code, every label in place and help lines.

use std::io::{self, Write};

use alloy_analysis::{Diagnostic, Severity};
use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};

use super::Sources;

pub fn write(
    out: &mut dyn Write,
    report: &[Diagnostic],
    sources: &Sources,
    color: bool,
) -> io::Result<()> {
    let mut sorted: Vec<&Diagnostic> = report.iter().collect();
    // Upstream's order groups by kind of block; people read files top down.
    sorted.sort_by(|a, b| (&a.path, a.range.start()).cmp(&(&b.path, b.range.start())));
    let mut errors = 0;
    let mut warnings = 0;
    for d in sorted {
        match d.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
            Severity::Info => {}
        }
        let Some((_, parse)) = sources.get(&d.path) else {
            continue;
        };
        let text = parse.syntax_node().to_string();
        let span = widen(d.range.start().into(), d.range.end().into(), &text);
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
            Severity::Info => ReportKind::Advice,
        };
        let path = d.path.as_str();
        let mut builder = Report::build(kind, (path, span.clone()))
            .with_config(
                Config::default()
                    .with_index_type(IndexType::Byte)
                    .with_color(color),
            )
            .with_code(d.code.as_str())
            .with_message(&d.message)
            .with_label(Label::new((path, span)).with_message(d.code.title()));
        for note in &d.notes {
            builder = builder.with_help(note);
        }
        builder
            .finish()
            .write((path, Source::from(text.as_str())), &mut *out)?;
    }
    if errors + warnings > 0 {
        writeln!(
            out,
            "{} error{}, {} warning{}",
            errors,
            if errors == 1 { "" } else { "s" },
            warnings,
            if warnings == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// Empty ranges (a missing `,` at the end of a line) get one character so
/// that the label has something to point at.
fn widen(start: u32, end: u32, text: &str) -> std::ops::Range<usize> {
    let (start, end) = (start as usize, end as usize);
    if end > start {
        return start..end;
    }
    let next = text[start.min(text.len())..]
        .chars()
        .next()
        .map_or(0, char::len_utf8);
    start..(start + next).min(text.len())
}
