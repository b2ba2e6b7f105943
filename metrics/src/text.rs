//! The Prometheus text format (0.0.4), as upstream's `/metrics` writes it
//! through client_golang's `promhttp` without OpenMetrics: families sorted
//! by name, one `# HELP`/`# TYPE` header per family even when several
//! registries contribute series, series sorted by their labels, values in
//! Go's shortest `%g` form.
//!
//! [`parse`] reads the same format back, so that a crate which only renders
//! text (a registry we do not control) can be merged into `/metrics`.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use crate::family::{Metric, MetricFamily, MetricKind, MetricValue};

/// Content type of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which client_golang uses for
/// every sample value and bucket bound: the shortest digits that read back
/// as `v`, in exponent form when the exponent is below -4 or at least 6.
pub fn format_value(v: f64) -> String {
    if v == f64::INFINITY {
        return "+Inf".to_owned();
    }
    if v == f64::NEG_INFINITY {
        return "-Inf".to_owned();
    }
    if v.is_nan() {
        return "NaN".to_owned();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `8.06373e6`.
    let scientific = format!("{:e}", v.abs());
    let (mantissa, exp) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let nd = digits.len() as i32;
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let dp = exp + 1;
    if dp <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-dp) as usize))
    } else if dp >= nd {
        format!("{sign}{digits}{}", "0".repeat((dp - nd) as usize))
    } else {
        let (int, frac) = digits.split_at(dp as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// Merges families with the same name (the first help and type win; a
/// family of another type under the same name is dropped, as is a series
/// whose labels were already seen) and renders them.
pub fn encode(families: impl IntoIterator<Item = MetricFamily>) -> String {
    let mut merged: BTreeMap<String, MetricFamily> = BTreeMap::new();
    for family in families {
        match merged.get_mut(&family.name) {
            Some(existing) if existing.kind == family.kind => {
                for metric in family.metrics {
                    if existing.metrics.iter().all(|m| m.labels != metric.labels) {
                        existing.metrics.push(metric);
                    }
                }
            }
            Some(_) => {}
            None => {
                merged.insert(family.name.clone(), family);
            }
        }
    }
    let mut out = String::new();
    for (_, mut family) in merged {
        if family.metrics.is_empty() {
            continue;
        }
        family.metrics.sort_by(|a, b| a.labels.cmp(&b.labels));
        // Writing to a String cannot fail.
        let _ = write_family(&mut out, &family);
    }
    out
}

fn write_family(out: &mut String, family: &MetricFamily) -> fmt::Result {
    let name = &family.name;
    writeln!(out, "# HELP {name} {}", escape_help(&family.help))?;
    writeln!(out, "# TYPE {name} {}", family.kind.as_str())?;
    for metric in &family.metrics {
        match &metric.value {
            MetricValue::Scalar(v) => sample(out, name, &metric.labels, None, *v)?,
            MetricValue::Histogram {
                buckets,
                sum,
                count,
            } => {
                let bucket = format!("{name}_bucket");
                for (bound, n) in buckets {
                    sample(
                        out,
                        &bucket,
                        &metric.labels,
                        Some(&format_value(*bound)),
                        *n as f64,
                    )?;
                }
                sample(out, &bucket, &metric.labels, Some("+Inf"), *count as f64)?;
                sample(out, &format!("{name}_sum"), &metric.labels, None, *sum)?;
                sample(
                    out,
                    &format!("{name}_count"),
                    &metric.labels,
                    None,
                    *count as f64,
                )?;
            }
        }
    }
    Ok(())
}

fn sample(
    out: &mut String,
    name: &str,
    labels: &[(String, String)],
    le: Option<&str>,
    value: f64,
) -> fmt::Result {
    out.push_str(name);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        let pairs = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(le.map(|le| ("le", le)));
        for (i, (k, v)) in pairs.enumerate() {
            if i > 0 {
                out.push(',');
            }
            write!(out, "{k}=\"{}\"", escape_label(v))?;
        }
        out.push('}');
    }
    writeln!(out, " {}", format_value(value))
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Why [`parse`] rejected its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Reads the text format back into families. Histograms are regrouped
/// from their `_bucket`, `_sum` and `_count` lines; timestamps are ignored.
pub fn parse(text: &str) -> Result<Vec<MetricFamily>, ParseError> {
    let mut families: Vec<MetricFamily> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let family_of = |families: &mut Vec<MetricFamily>,
                     index: &mut BTreeMap<String, usize>,
                     name: &str|
     -> usize {
        *index.entry(name.to_owned()).or_insert_with(|| {
            families.push(MetricFamily::new(name, "", MetricKind::Untyped));
            families.len() - 1
        })
    };
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('#') {
            let rest = rest.trim_start();
            if let Some(help) = rest.strip_prefix("HELP ") {
                let (name, text) = help.split_once(' ').unwrap_or((help, ""));
                let i = family_of(&mut families, &mut index, name);
                families[i].help = text.replace("\\n", "\n").replace("\\\\", "\\");
            } else if let Some(ty) = rest.strip_prefix("TYPE ") {
                let (name, kind) = ty.split_once(' ').unwrap_or((ty, "untyped"));
                let kind = match kind.trim() {
                    "counter" => MetricKind::Counter,
                    "gauge" => MetricKind::Gauge,
                    "histogram" => MetricKind::Histogram,
                    _ => MetricKind::Untyped,
                };
                let i = family_of(&mut families, &mut index, name);
                families[i].kind = kind;
            }
            continue;
        }
        let (name, labels, value) = parse_sample(line).map_err(|message| ParseError {
            line: line_no,
            message,
        })?;
        // A histogram line belongs to the family without its suffix.
        let histogram_part = ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
            let base = name.strip_suffix(suffix)?;
            let i = *index.get(base)?;
            (families[i].kind == MetricKind::Histogram).then_some((i, *suffix))
        });
        match histogram_part {
            Some((i, suffix)) => add_histogram_part(&mut families[i], suffix, labels, value)
                .map_err(|message| ParseError {
                    line: line_no,
                    message,
                })?,
            None => {
                let i = family_of(&mut families, &mut index, &name);
                families[i].metrics.push(Metric {
                    labels,
                    value: MetricValue::Scalar(value),
                });
            }
        }
    }
    Ok(families)
}

fn add_histogram_part(
    family: &mut MetricFamily,
    suffix: &str,
    mut labels: Vec<(String, String)>,
    value: f64,
) -> Result<(), String> {
    let le = labels
        .iter()
        .position(|(k, _)| k == "le")
        .map(|i| labels.remove(i).1);
    let position = family.metrics.iter().position(|m| m.labels == labels);
    let metric = match position {
        Some(i) => &mut family.metrics[i],
        None => {
            family.metrics.push(Metric {
                labels,
                value: MetricValue::Histogram {
                    buckets: Vec::new(),
                    sum: 0.0,
                    count: 0,
                },
            });
            let last = family.metrics.len() - 1;
            &mut family.metrics[last]
        }
    };
    let MetricValue::Histogram {
        buckets,
        sum,
        count,
    } = &mut metric.value
    else {
        return Err("histogram sample for a non-histogram series".to_owned());
    };
    match suffix {
        "_bucket" => {
            let le = le.ok_or("bucket without an le label")?;
            if le != "+Inf" {
                let bound = le
                    .parse::<f64>()
                    .map_err(|_| format!("invalid le {le:?}"))?;
                buckets.push((bound, value as u64));
            }
        }
        "_sum" => *sum = value,
        _ => *count = value as u64,
    }
    Ok(())
}

type Labels = Vec<(String, String)>;

fn parse_sample(line: &str) -> Result<(String, Labels, f64), String> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .ok_or("sample without a value")?;
    let name = &line[..name_end];
    if name.is_empty() {
        return Err("sample without a name".to_owned());
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices().peekable();
        let consumed;
        loop {
            // Skip separators and whitespace.
            while let Some((_, c)) = chars.peek() {
                if *c == ',' || c.is_whitespace() {
                    chars.next();
                } else {
                    break;
                }
            }
            let Some((start, c)) = chars.next() else {
                return Err("unterminated label set".to_owned());
            };
            if c == '}' {
                consumed = start + 1;
                break;
            }
            let mut key = String::from(c);
            for (_, c) in chars.by_ref() {
                if c == '=' {
                    break;
                }
                key.push(c);
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(format!("label {key:?} without a quoted value"));
            }
            let mut value = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('n') => value.push('\n'),
                        Some(other) => value.push(other),
                        None => break,
                    },
                    '"' => {
                        closed = true;
                        break;
                    }
                    other => value.push(other),
                }
            }
            if !closed {
                return Err("unterminated label value".to_owned());
            }
            labels.push((key.trim().to_owned(), value));
        }
        rest = &after[consumed..];
    }
    let value_text = rest
        .split_whitespace()
        .next()
        .ok_or("sample without a value")?;
    let value = match value_text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        other => other
            .parse::<f64>()
            .map_err(|_| format!("invalid value {other:?}"))?,
    };
    labels.sort();
    Ok((name.to_owned(), labels, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_like_go() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(18.71), "18.71");
        assert_eq!(format_value(830825.0), "830825");
        assert_eq!(format_value(8063730.0), "8.06373e+06");
        assert_eq!(format_value(1048576.0), "1.048576e+06");
        assert_eq!(format_value(0.005), "0.005");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(1e6), "1e+06");
        assert_eq!(format_value(123456789.0), "1.23456789e+08");
        assert_eq!(format_value(0.0001), "0.0001");
        assert_eq!(format_value(0.00001234), "1.234e-05");
        assert_eq!(format_value(-2.5), "-2.5");
        assert_eq!(format_value(1e21), "1e+21");
        assert_eq!(format_value(5e-324), "5e-324");
        assert_eq!(format_value(100.0), "100");
    }

    #[test]
    fn families_merge_sort_and_round_trip() {
        let a = MetricFamily::new("b_total", "B things.", MetricKind::Counter)
            .with(&[("component_id", "z\"q")], 2.0);
        let b = MetricFamily::new("b_total", "ignored", MetricKind::Counter)
            .with(&[("component_id", "a")], 1.0);
        let c = MetricFamily::new("a", "A gauge.\nline", MetricKind::Gauge).with(&[], -1.5);
        let mut h = MetricFamily::new("h_seconds", "H.", MetricKind::Histogram);
        h.metrics.push(Metric {
            labels: vec![("x".into(), "1".into())],
            value: MetricValue::Histogram {
                buckets: vec![(0.5, 1), (1.0, 2)],
                sum: 1.25,
                count: 3,
            },
        });
        let text = encode(vec![a, b, c, h]);
        let expected = "# HELP a A gauge.\\nline\n# TYPE a gauge\na -1.5\n\
# HELP b_total B things.\n# TYPE b_total counter\n\
b_total{component_id=\"a\"} 1\nb_total{component_id=\"z\\\"q\"} 2\n\
# HELP h_seconds H.\n# TYPE h_seconds histogram\n\
h_seconds_bucket{x=\"1\",le=\"0.5\"} 1\nh_seconds_bucket{x=\"1\",le=\"1\"} 2\n\
h_seconds_bucket{x=\"1\",le=\"+Inf\"} 3\nh_seconds_sum{x=\"1\"} 1.25\nh_seconds_count{x=\"1\"} 3\n";
        assert_eq!(text, expected);
        let parsed = parse(&text).expect("parses");
        assert_eq!(encode(parsed), expected);
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert!(parse("x{a=\"1\" 2\n").is_err());
        assert!(parse("x abc\n").is_err());
        assert!(parse("x{a=1} 2\n").is_err());
    }
}
