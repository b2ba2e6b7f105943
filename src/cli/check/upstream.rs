//! Upstream's diagnostic report (`diag.Fprint` with one context line before
//! and after), byte for byte: a header per diagnostic, then the source
//! lines with `^` under the range, tabs shown as four spaces.

use std::io::{self, Write};

use alloy_analysis::{Code, Diagnostic, Severity};
use alloy_syntax::LineCol;

use super::Sources;

/// Upstream's 1-based start and inclusive end of a diagnostic.
pub fn positions(d: &Diagnostic, sources: &Sources) -> Option<(LineCol, LineCol)> {
    let index = sources.line_index(&d.path)?;
    let start = index.line_col(d.range.start().into());
    let end = if d.range.is_empty() {
        start
    } else {
        index.line_col(u32::from(d.range.end()) - 1)
    };
    Some((start, end))
}

pub fn write(
    out: &mut dyn Write,
    report: &[Diagnostic],
    sources: &Sources,
    color: bool,
) -> io::Result<()> {
    for (i, d) in report.iter().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        let (label, paint) = match d.severity {
            Severity::Error => ("Error: ", "\x1b[31;1m"),
            Severity::Warning => ("Warning: ", "\x1b[33;1m"),
            Severity::Info => ("", ""),
        };
        // Upstream refuses such a file before reading it: there is no
        // position to give and no text to show.
        if d.code == Code::Encoding {
            let header = format!("{}: {}\n", d.path, d.message);
            if color && !label.is_empty() {
                write!(out, "{paint}{label}\x1b[0m\x1b[1m{header}\x1b[0m")?;
            } else {
                write!(out, "{label}{header}")?;
            }
            continue;
        }
        let Some((start, end)) = positions(d, sources) else {
            continue;
        };
        let header = format!("{}:{}:{}: {}\n", d.path, start.line, start.col, d.message);
        if color && !label.is_empty() {
            write!(out, "{paint}{label}\x1b[0m\x1b[1m{header}\x1b[0m")?;
        } else {
            write!(out, "{label}{header}")?;
        }
        if let Some((bytes, _)) = sources.get(&d.path) {
            snippet(out, bytes, start, end)?;
        }
    }
    Ok(())
}

fn snippet(out: &mut dyn Write, bytes: &[u8], start: LineCol, end: LineCol) -> io::Result<()> {
    out.write_all(b"\n")?;
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let first = start.line.saturating_sub(1).max(1);
    let last = (end.line + 1).min(lines.len() as u32);
    let multiline = end.line > start.line;
    let width = last.to_string().len();
    for n in first..=last {
        let Some(line) = lines.get(n as usize - 1) else {
            break;
        };
        write!(out, "{n:>width$} | ")?;
        if multiline {
            out.write_all(if start.line < n && n <= end.line {
                b"| "
            } else {
                b"  "
            })?;
        }
        let mut text = String::with_capacity(line.len());
        for (_, ch) in runes(line) {
            match ch {
                '\r' => {}
                '\t' | '\u{b}' => text.push_str("    "),
                _ => text.push(ch),
            }
        }
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")?;
        if n == start.line || (multiline && n == end.line) {
            write!(out, "{:width$}", "")?;
            let prefix: &[u8] = if !multiline {
                b" | "
            } else if n == start.line {
                b" |  _"
            } else {
                b" | |_"
            };
            out.write_all(prefix)?;
            let blank: &[u8] = if multiline { b"_" } else { b" " };
            for (i, ch) in runes(line) {
                let column = i as u32 + 1;
                if n == end.line && column > end.col {
                    break;
                }
                if ch == '\t' || ch == '\u{b}' {
                    for _ in 0..4 {
                        out.write_all(blank)?;
                    }
                    continue;
                }
                let inside = if n == start.line {
                    column >= start.col
                } else {
                    n < end.line || column <= end.col
                };
                out.write_all(if inside { b"^" } else { blank })?;
            }
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// Go's `range` over a string: byte offset and rune, invalid bytes as
/// U+FFFD one byte wide.
fn runes(line: &[u8]) -> Vec<(usize, char)> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let len = utf8_len(line[i]);
        let decoded = line
            .get(i..i + len)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.chars().next());
        match decoded {
            Some(ch) => {
                out.push((i, ch));
                i += len;
            }
            None => {
                out.push((i, '\u{FFFD}'));
                i += 1;
            }
        }
    }
    out
}

fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}
