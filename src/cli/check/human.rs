//! The default report: each diagnostic as an annotated snippet (ariadne,
//! byte offsets), with its code, every label in place and help lines.

use std::io::{self, Write};

use alloy_analysis::{Code, Diagnostic, Severity};
use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};

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
    // Only files with diagnostics (or related labels) need their text.
    let texts: Vec<(String, String)> = sources
        .paths()
        .filter(|(path, _)| {
            report
                .iter()
                .any(|d| d.path == *path || d.related.iter().any(|r| r.path == *path))
        })
        .map(|(path, parse)| (path.to_owned(), parse.syntax_node().to_string()))
        .collect();
    let mut errors = 0;
    let mut warnings = 0;
    for d in sorted {
        match d.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
            Severity::Info => {}
        }
        // A file upstream refuses to decode has no text worth showing.
        if d.code == Code::Encoding {
            let kind = if color {
                "\x1b[31mError:\x1b[0m"
            } else {
                "Error:"
            };
            writeln!(out, "[{}] {kind} {}: {}", d.code, d.path, d.message)?;
            continue;
        }
        let Some((_, text)) = texts.iter().find(|(p, _)| *p == d.path) else {
            continue;
        };
        let span = widen(d.range.start().into(), d.range.end().into(), text);
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
            Severity::Info => ReportKind::Advice,
        };
        let path = d.path.clone();
        let mut builder = Report::build(kind, (path.clone(), span.clone()))
            .with_config(
                Config::default()
                    .with_index_type(IndexType::Byte)
                    .with_color(color),
            )
            .with_code(d.code.as_str())
            .with_message(&d.message)
            .with_label(
                Label::new((path, span))
                    .with_message(d.code.title())
                    .with_color(if d.severity == Severity::Error {
                        Color::Red
                    } else {
                        Color::Yellow
                    }),
            );
        for related in &d.related {
            if let Some((p, text)) = texts.iter().find(|(p, _)| *p == related.path) {
                let span = widen(
                    related.range.start().into(),
                    related.range.end().into(),
                    text,
                );
                builder = builder.with_label(
                    Label::new((p.clone(), span))
                        .with_message(&related.message)
                        .with_color(Color::Blue),
                );
            }
        }
        for note in &d.notes {
            builder = builder.with_help(note);
        }
        let cache = ariadne::sources(texts.iter().map(|(p, t)| (p.clone(), t.as_str())));
        builder.finish().write(cache, &mut *out)?;
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
    let boundary = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let (start, end) = (boundary(start as usize), boundary(end as usize));
    if end > start {
        return start..end;
    }
    let next = text
        .get(start..)
        .unwrap_or_default()
        .chars()
        .next()
        .map_or(0, char::len_utf8);
    start..(start + next).min(text.len())
}
