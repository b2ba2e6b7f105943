//! Upstream's OTLP → Prometheus name and label translation (the collector's
//! `pkg/translator/prometheus` as Alloy uses it) and pdata's `AsString` for
//! attribute values.
//!
//! Why by hand and not through a general "sanitise" helper: the exact token
//! rules (what separates tokens, which unit words are appended, when
//! `_total` and `_ratio` move to the end) decide series identity downstream,
//! so they follow upstream rule for rule. Go's `unicode.IsLetter` and
//! `unicode.IsDigit` are approximated by Rust's `char::is_alphabetic` and
//! `char::is_numeric`; they agree on every letter and digit of the scripts
//! metric names use.

use std::fmt::Write as _;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};

/// The metric kind as far as naming cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Gauge,
    /// A monotonic sum (a counter): gets `_total`.
    MonotonicSum,
    Other,
}

fn is_alnum(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric()
}

/// OTLP unit words to Prometheus unit words (`"1"` maps to nothing).
fn unit_word(unit: &str) -> &str {
    match unit {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" | "B" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" | "KB" => "kilobytes",
        "MBy" | "MB" => "megabytes",
        "GBy" | "GB" => "gigabytes",
        "TBy" | "TB" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "1" => "",
        "%" => "percent",
        "$" => "dollars",
        other => other,
    }
}

/// The "per" part of a unit (`s` in `By/s`) in the singular.
fn per_unit_word(unit: &str) -> &str {
    match unit {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        other => other,
    }
}

/// Runs of characters kept by `keep`, joined with `_` (Go's
/// `strings.FieldsFunc` followed by `strings.Join`).
fn fields_joined(s: &str, keep: impl Fn(char) -> bool, out: &mut String) {
    let mut first = true;
    for field in s.split(|c: char| !keep(c)).filter(|f| !f.is_empty()) {
        if !first {
            out.push('_');
        }
        out.push_str(field);
        first = false;
    }
}

fn clean_up(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fields_joined(s, is_alnum, &mut out);
    out
}

/// The Prometheus name of an OTLP metric (`BuildCompliantName` without a
/// namespace).
pub fn build_compliant_name(name: &str, unit: &str, kind: NameKind, add_suffixes: bool) -> String {
    let mut out = String::with_capacity(name.len() + 16);
    if add_suffixes {
        normalize_name(name, unit, kind, &mut out);
    } else {
        fields_joined(name, |c| is_alnum(c) || c == '_' || c == ':', &mut out);
    }
    if out.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        out.insert(0, '_');
    }
    out
}

fn normalize_name(name: &str, unit: &str, kind: NameKind, out: &mut String) {
    let mut tokens: Vec<String> = name
        .split(|c: char| !is_alnum(c))
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    let mut parts = unit.splitn(2, '/');
    let main = parts.next().unwrap_or("").trim();
    if !main.is_empty() && !main.contains(['{', '}']) {
        let word = clean_up(unit_word(main));
        if !word.is_empty() && !tokens.contains(&word) {
            tokens.push(word);
        }
    }
    if let Some(per) = parts.next().filter(|p| !p.is_empty()) {
        let per = per.trim();
        if !per.is_empty() && !per.contains(['{', '}']) {
            let word = clean_up(per_unit_word(per));
            if !word.is_empty() && !tokens.contains(&word) {
                tokens.push("per".to_owned());
                tokens.push(word);
            }
        }
    }
    if kind == NameKind::MonotonicSum {
        tokens.retain(|t| t != "total");
        tokens.push("total".to_owned());
    }
    if unit == "1" && kind == NameKind::Gauge {
        tokens.retain(|t| t != "ratio");
        tokens.push("ratio".to_owned());
    }
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            out.push('_');
        }
        out.push_str(t);
    }
}

/// An attribute key as a Prometheus label name (`NormalizeLabel`): every
/// character that is not a letter or digit becomes `_`; a leading digit gets
/// `key_`, a single leading `_` gets `key`.
pub fn normalize_label(key: &str, out: &mut String) {
    out.clear();
    if key.is_empty() {
        return;
    }
    let start = out.len();
    for c in key.chars() {
        out.push(if is_alnum(c) { c } else { '_' });
    }
    let s = &out[start..];
    if s.as_bytes()[0].is_ascii_digit() {
        out.insert_str(start, "key_");
    } else if s.starts_with('_') && !s.starts_with("__") {
        out.insert_str(start, "key");
    }
}

/// pdata's `Value.AsString`: strings as they are, numbers and booleans as
/// JSON writes them, bytes in standard base64, maps and lists as JSON.
pub fn value_as_string(v: Option<&AnyValue>, out: &mut String) {
    let Some(value) = v.and_then(|v| v.value.as_ref()) else {
        return;
    };
    match value {
        any_value::Value::StringValue(s) => out.push_str(s),
        // An index into a dictionary this pipeline never carries.
        any_value::Value::StringValueStrindex(_) => {}
        any_value::Value::BoolValue(b) => out.push_str(if *b { "true" } else { "false" }),
        any_value::Value::IntValue(i) => {
            let _ = write!(out, "{i}");
        }
        any_value::Value::DoubleValue(d) => push_json_float(*d, out),
        any_value::Value::BytesValue(b) => push_base64(b, out),
        any_value::Value::ArrayValue(_) | any_value::Value::KvlistValue(_) => {
            let json = to_json(value);
            out.push_str(&json.to_string());
        }
    }
}

fn to_json(v: &any_value::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        any_value::Value::StringValue(s) => J::String(s.clone()),
        any_value::Value::StringValueStrindex(_) => J::Null,
        any_value::Value::BoolValue(b) => J::Bool(*b),
        any_value::Value::IntValue(i) => J::from(*i),
        any_value::Value::DoubleValue(d) => {
            serde_json::Number::from_f64(*d).map_or(J::Null, J::Number)
        }
        any_value::Value::BytesValue(b) => {
            let mut s = String::new();
            push_base64(b, &mut s);
            J::String(s)
        }
        any_value::Value::ArrayValue(a) => J::Array(
            a.values
                .iter()
                .map(|x| x.value.as_ref().map_or(J::Null, to_json))
                .collect(),
        ),
        any_value::Value::KvlistValue(kv) => J::Object(
            kv.values
                .iter()
                .map(|kv| {
                    let v = kv.value.as_ref().and_then(|v| v.value.as_ref());
                    (kv.key.clone(), v.map_or(J::Null, to_json))
                })
                .collect(),
        ),
    }
}

/// A float as Go's `encoding/json` writes it (ES6 number formatting).
pub fn push_json_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("json: unsupported value: NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 {
            "json: unsupported value: +Inf"
        } else {
            "json: unsupported value: -Inf"
        });
        return;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Exponent form with at least one exponent digit and no padding.
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        out.push_str(mant);
        out.push('e');
        if exp.starts_with('-') {
            out.push_str(exp);
        } else {
            out.push('+');
            out.push_str(exp);
        }
    } else {
        let _ = write!(out, "{f}");
    }
}

fn push_base64(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// A float as Go's `strconv.FormatFloat(f, 'f', -1, 64)` writes it, with
/// `+Inf`/`-Inf`/`NaN` as Prometheus writes `le` and `quantile` values.
pub fn format_float_label(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{f}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str, unit: &str, kind: NameKind, add: bool) -> String {
        build_compliant_name(n, unit, kind, add)
    }

    #[test]
    fn names_follow_upstream_token_rules() {
        assert_eq!(
            name("system.io", "By", NameKind::MonotonicSum, true),
            "system_io_bytes_total"
        );
        assert_eq!(
            name("cpu.utilization", "1", NameKind::Gauge, true),
            "cpu_utilization_ratio"
        );
        assert_eq!(
            name("net.rate", "By/s", NameKind::Gauge, true),
            "net_rate_bytes_per_second"
        );
        assert_eq!(
            name("total.requests", "", NameKind::MonotonicSum, true),
            "requests_total"
        );
        assert_eq!(name("x", "{requests}", NameKind::Gauge, true), "x");
        assert_eq!(name("2xx.count", "", NameKind::Gauge, true), "_2xx_count");
        assert_eq!(name("a.b-c__d", "s", NameKind::Gauge, false), "a_b_c__d");
        assert_eq!(name("__a..b__", "", NameKind::Gauge, false), "__a_b__");
        assert_eq!(
            name("latency_seconds", "s", NameKind::Other, true),
            "latency_seconds"
        );
    }

    #[test]
    fn labels_are_normalised() {
        let mut s = String::new();
        normalize_label("service.name", &mut s);
        assert_eq!(s, "service_name");
        normalize_label("0abc", &mut s);
        assert_eq!(s, "key_0abc");
        normalize_label("_x", &mut s);
        assert_eq!(s, "key_x");
        normalize_label("__x", &mut s);
        assert_eq!(s, "__x");
    }

    #[test]
    fn values_as_strings() {
        let mut s = String::new();
        push_json_float(1e21, &mut s);
        assert_eq!(s, "1e+21");
        s.clear();
        push_json_float(0.000_000_1, &mut s);
        assert_eq!(s, "1e-7");
        s.clear();
        push_json_float(2.5, &mut s);
        assert_eq!(s, "2.5");
        s.clear();
        push_base64(b"hello", &mut s);
        assert_eq!(s, "aGVsbG8=");
        s.clear();
        format_float_label(f64::INFINITY, &mut s);
        format_float_label(0.25, &mut s);
        assert_eq!(s, "+Inf0.25");
    }
}
