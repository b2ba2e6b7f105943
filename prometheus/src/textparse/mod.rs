//! The text exposition parsers: Prometheus text 0.0.4 ([`PromParser`]) and
//! OpenMetrics 1.0 ([`OpenMetricsParser`]).
//!
//! Both follow Prometheus's `model/textparse` exactly, lexer state by lexer
//! state (its golex scanners never back up, treat NUL as end of input except
//! inside label values, help texts and comments, and read one character
//! past each token), so that what Prometheus accepts is accepted, what it
//! refuses is refused, and the error text is the same. They are zero-copy:
//! [`Parser::next`] moves to the next entry and the accessors borrow from the
//! body; [`Parser::series`] gives the raw series text, which the scrape loop
//! uses as its cache key, so labels are only built for series it has not
//! seen before.

mod lex;
mod openmetrics;
mod prom;

use std::borrow::Cow;
use std::fmt;

pub use openmetrics::OpenMetricsParser;
pub use prom::PromParser;

use crate::model::{Exemplar, MetricType};

/// What [`Parser::next`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Help,
    Type,
    Unit,
    Comment,
    Series,
}

/// A refused exposition, with Prometheus's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// The interface both parsers share (upstream's `textparse.Parser`).
pub trait Parser {
    /// The next entry, `None` at the (valid) end.
    fn next(&mut self) -> Result<Option<Entry>, ParseError>;
    /// After a series: the raw series text, the timestamp in ms and the value.
    fn series(&self) -> (&[u8], Option<i64>, f64);
    /// After a help entry: the metric name and the unescaped text.
    fn help(&self) -> (&[u8], Cow<'_, [u8]>);
    /// After a type entry.
    fn metric_type(&self) -> (&[u8], MetricType);
    /// After a unit entry (OpenMetrics only).
    fn unit(&self) -> (&[u8], &[u8]);
    /// After a comment entry: the raw line.
    fn comment(&self) -> &[u8];
    /// After a series: its labels (metric name as `__name__`), unescaped,
    /// sorted by name, as Prometheus builds them (duplicates kept).
    fn labels(&self, out: &mut Vec<(String, String)>);
    /// After a series: its exemplar, once.
    fn exemplar(&mut self) -> Option<Exemplar>;
    /// After a series: its start timestamp in ms (OpenMetrics `_created`), or 0.
    fn start_timestamp(&mut self) -> i64;
}

/// Go's `strconv.ParseFloat(s, 64)` as the parsers use it: no `p`, `P` or
/// `_` (pre-Go 1.13 formats), Go's messages.
pub(crate) fn parse_float(s: &[u8]) -> Result<f64, String> {
    if s.iter().any(|b| matches!(b, b'p' | b'P' | b'_')) {
        return Err("unsupported character in float".to_owned());
    }
    let text = String::from_utf8_lossy(s);
    let invalid = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )
    };
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let signs = lower.len() - unsigned.len();
    if signs > 1 {
        return Err(invalid());
    }
    match unsigned {
        "inf" | "infinity" => {
            return Ok(if lower.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        "nan" if signs == 0 => return Ok(f64::NAN),
        "nan" => return Err(invalid()),
        _ => {}
    }
    // Rust accepts what Go accepts for decimal floats, plus nothing more
    // once the special words are handled above (hex needs a `p`).
    if unsigned.starts_with("0x") || unsigned.is_empty() {
        return Err(invalid());
    }
    let v: f64 = text.parse().map_err(|_| invalid())?;
    if v.is_infinite() {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote(s)
        ));
    }
    Ok(v)
}

/// Go's `strconv.ParseInt(s, 10, 64)` for the digits the lexer allows.
pub(crate) fn parse_int(s: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| {
            format!(
                "strconv.ParseInt: parsing {}: value out of range",
                go_quote(s)
            )
        })
}

/// The NaN Prometheus stores for an exposed NaN (`value.NormalNaN`).
pub const NORMAL_NAN: f64 = f64::from_bits(0x7ff8_0000_0000_0001);

/// Label-value unescaping (`\"`, `\\`, `\n`; any other backslash stays).
pub(crate) fn unescape_value(s: &[u8], help_only: bool) -> Cow<'_, [u8]> {
    if !s.contains(&b'\\') {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            match s[i + 1] {
                b'"' if !help_only => {
                    out.push(b'"');
                    i += 2;
                    continue;
                }
                b'\\' => {
                    out.push(b'\\');
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(s[i]);
        i += 1;
    }
    Cow::Owned(out)
}

pub(crate) fn lossy(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// Prometheus's `FormatOpenMetricsFloat`: Go's shortest `%g`, with `.0`
/// added to integers.
pub fn format_openmetrics_float(f: f64) -> String {
    if f == 1.0 {
        return "1.0".into();
    }
    if f == 0.0 {
        return "0.0".into();
    }
    if f == -1.0 {
        return "-1.0".into();
    }
    let s = alloy_metrics::text::format_value(f);
    if f.is_nan() || f.is_infinite() || s.contains(['e', '.']) {
        return s;
    }
    s + ".0"
}

/// `quantile` of summaries and `le` of histograms in float form.
pub(crate) fn normalize_label_value(t: MetricType, name: &str, value: String) -> String {
    let applies = (t == MetricType::Summary && name == "quantile")
        || (t == MetricType::Histogram && name == "le");
    if !applies {
        return value;
    }
    match parse_float(value.as_bytes()) {
        Ok(f) => format_openmetrics_float(f),
        Err(_) => value,
    }
}

/// Go's `%q` of a byte string.
pub fn go_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut rest = s;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                quote_str(valid, &mut out);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                quote_str(std::str::from_utf8(good).unwrap_or(""), &mut out);
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for b in &bad[..n] {
                    out.push_str(&format!("\\x{b:02x}"));
                }
                rest = &bad[n..];
            }
        }
    }
    out.push('"');
    out
}

fn quote_str(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
}

/// Which parser a scrape answer needs, from its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    PrometheusText,
    OpenMetrics,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_follow_go() {
        assert_eq!(parse_float(b"1.5"), Ok(1.5));
        assert_eq!(parse_float(b"+Inf"), Ok(f64::INFINITY));
        assert_eq!(parse_float(b"-inf"), Ok(f64::NEG_INFINITY));
        assert!(parse_float(b"NaN").is_ok_and(f64::is_nan));
        assert_eq!(
            parse_float(b"true"),
            Err("strconv.ParseFloat: parsing \"true\": invalid syntax".into())
        );
        assert_eq!(
            parse_float(b"1_2"),
            Err("unsupported character in float".into())
        );
        assert!(parse_float(b"1e400").is_err());
        assert_eq!(parse_float(b".5"), Ok(0.5));
    }

    #[test]
    fn quoting_follows_go() {
        assert_eq!(go_quote(b"a\"\n\x00\xff"), "\"a\\\"\\n\\x00\\xff\"");
    }

    #[test]
    fn om_floats() {
        assert_eq!(format_openmetrics_float(1.0), "1.0");
        assert_eq!(format_openmetrics_float(10.0), "10.0");
        assert_eq!(format_openmetrics_float(0.25), "0.25");
        assert_eq!(format_openmetrics_float(f64::INFINITY), "+Inf");
        assert_eq!(format_openmetrics_float(1e7), "1e+07");
    }
}
