//! Values upstream accepts when it loads a config and refuses only when a
//! component decodes or builds them at run time: durations (Go's
//! `time.ParseDuration`, also reached by a number, which Alloy converts to
//! a string), URLs of `endpoint` blocks (Go's `net/url.Parse`), and the
//! `regex` of relabelling `rule` blocks (Go's RE2, anchored as Prometheus
//! anchors it). Each function returns the message the run-time would give,
//! word for word, or `None` when the value is accepted.

use alloy_syntax::unicode::go_quote;

fn quote(s: &str) -> String {
    go_quote(s.as_bytes())
}

/// Go's `time.ParseDuration(text)` error text. `d`, `w` and `y` are
/// accepted too: some Alloy durations are Prometheus durations, and a
/// false error costs more than a missed one.
pub(crate) fn duration_error(text: &str) -> Option<String> {
    let invalid = || Some(format!("time: invalid duration {}", quote(text)));
    let mut s = text.strip_prefix(['-', '+']).unwrap_or(text);
    if s == "0" {
        return None;
    }
    if s.is_empty() {
        return invalid();
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return invalid();
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut i = int_len;
        let mut frac_len = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            frac_len = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            i += frac_len;
        }
        if int_len == 0 && frac_len == 0 {
            return invalid();
        }
        let number: f64 = s[..i].trim_end_matches('.').parse().unwrap_or(0.0);
        let unit_len = s[i..]
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(s.len() - i, |(j, _)| j);
        if unit_len == 0 {
            return Some(format!("time: missing unit in duration {}", quote(text)));
        }
        let unit = &s[i..i + unit_len];
        let nanos = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86400e9,
            "w" => 7.0 * 86400e9,
            "y" => 365.0 * 86400e9,
            _ => {
                return Some(format!(
                    "time: unknown unit {} in duration {}",
                    quote(unit),
                    quote(text)
                ))
            }
        };
        total += number * nanos;
        if total > 9.223_372_036_854_776e18 {
            return invalid();
        }
        s = &s[i + unit_len..];
    }
    None
}

/// How Alloy turns a number into the string a duration is parsed from:
/// integers in decimal, floats in Go's shortest form.
pub(crate) fn number_text(literal: &str) -> String {
    if literal.bytes().all(|b| b.is_ascii_digit()) {
        let digits = literal.trim_start_matches('0');
        return if digits.is_empty() { "0" } else { digits }.to_owned();
    }
    match literal.parse::<f64>() {
        Ok(v) if v.is_finite() => format!("{v}"),
        _ => literal.to_owned(),
    }
}

/// Go's `url.Parse(text)` error text (`parse "URL": reason`) for the
/// reasons a configured endpoint meets: control characters, a missing
/// scheme before `:`, a colon in the first path segment of a scheme-less
/// URL, bad percent-escapes, a non-numeric port, bad host characters.
pub(crate) fn url_error(text: &str) -> Option<String> {
    let fail = |reason: String| Some(format!("parse {}: {reason}", quote(text)));
    if text.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return fail("net/url: invalid control character in URL".to_owned());
    }
    let (without_fragment, fragment) = match text.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (text, None),
    };
    if let Some(f) = fragment {
        if let Some(bad) = bad_escape(f) {
            return fail(format!("invalid URL escape {}", quote(bad)));
        }
    }
    // getScheme.
    let mut rest = without_fragment;
    let mut has_scheme = false;
    for (i, c) in without_fragment.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return fail("missing protocol scheme".to_owned()),
            ':' => {
                has_scheme = true;
                rest = &without_fragment[i + 1..];
                break;
            }
            _ => break,
        }
    }
    let rest = rest.split_once('?').map_or(rest, |(a, _)| a);
    if !has_scheme && !rest.starts_with('/') {
        let first = rest.split('/').next().unwrap_or("");
        if first.contains(':') {
            return fail("first path segment in URL cannot contain colon".to_owned());
        }
    }
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) if has_scheme || rest.starts_with("//") => {
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        _ => (None, rest),
    };
    if let Some(authority) = authority {
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if let Some(reason) = host_error(host) {
            return fail(reason);
        }
    }
    if let Some(bad) = bad_escape(path) {
        return fail(format!("invalid URL escape {}", quote(bad)));
    }
    None
}

/// The first malformed `%` escape of `s`, as Go quotes it.
fn bad_escape(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok =
                b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
            if !ok {
                let end = (i + 3).min(b.len());
                return Some(s.get(i..end).unwrap_or(&s[i..]));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

/// Go's `parseHost` checks: the port after the last `:` must be digits,
/// an IPv6 literal must be closed, and only some characters may appear.
fn host_error(host: &str) -> Option<String> {
    let (name, port) = if let Some(inner) = host.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            return Some("missing ']' in host".to_owned());
        };
        let after = &inner[close + 1..];
        if !after.is_empty() && !after.starts_with(':') {
            return Some(format!("invalid port {} after host", quote(after)));
        }
        (&inner[..close], after)
    } else {
        match host.rfind(':') {
            Some(i) => (&host[..i], &host[i..]),
            None => (host, ""),
        }
    };
    if !port.is_empty() && !port[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("invalid port {} after host", quote(port)));
    }
    if !host.starts_with('[') {
        for c in name.chars() {
            let allowed = c.is_ascii_alphanumeric()
                || "-._~!$&'()*+,;=%:[]<>\"".contains(c)
                || (c as u32) >= 0x80;
            if !allowed {
                return Some(format!(
                    "invalid character {} in host name",
                    quote(&c.to_string())
                ));
            }
        }
    }
    None
}

/// The error `regexp.Compile("^(?s:" + text + ")$")` gives, as a relabel
/// `rule`'s `regex` is compiled when the component is built (Go's RE2
/// syntax and messages, from `alloy-goregex`).
pub(crate) fn rule_regex_error(text: &str) -> Option<String> {
    alloy_goregex::Regex::new_anchored(text)
        .err()
        .map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_fail_as_go_does() {
        for ok in [
            "0", "5s", "1m30s", "1.5h", "-2ms", "300us", "1d", "2w", ".5s", "5.s",
        ] {
            assert_eq!(duration_error(ok), None, "{ok}");
        }
        assert_eq!(
            duration_error("5").as_deref(),
            Some("time: missing unit in duration \"5\"")
        );
        assert_eq!(
            duration_error("5 s").as_deref(),
            Some("time: unknown unit \" s\" in duration \"5 s\"")
        );
        assert_eq!(
            duration_error("5x").as_deref(),
            Some("time: unknown unit \"x\" in duration \"5x\"")
        );
        assert_eq!(
            duration_error("").as_deref(),
            Some("time: invalid duration \"\"")
        );
        assert_eq!(
            duration_error("s").as_deref(),
            Some("time: invalid duration \"s\"")
        );
        assert_eq!(
            duration_error(".s").as_deref(),
            Some("time: invalid duration \".s\"")
        );
        assert_eq!(number_text("5"), "5");
        assert_eq!(number_text("007"), "7");
        assert_eq!(number_text("1.50"), "1.5");
    }

    #[test]
    fn rule_regexes_fail_as_go_does() {
        for ok in [
            "(.*)",
            "__meta_kubernetes_pod_label_(.+)",
            "a|b",
            "\\d+",
            "(?i)x",
            "[[]",
        ] {
            assert_eq!(rule_regex_error(ok), None, "{ok}");
        }
        assert_eq!(
            rule_regex_error("a{1001}").as_deref(),
            Some("error parsing regexp: invalid repeat count: `{1001}`")
        );
        assert_eq!(
            rule_regex_error("(abc").as_deref(),
            Some("error parsing regexp: missing closing ): `^(?s:(abc)$`")
        );
        assert_eq!(
            rule_regex_error("(?!a)b").as_deref(),
            Some("error parsing regexp: invalid or unsupported Perl syntax: `(?!`")
        );
    }

    #[test]
    fn urls_fail_as_go_does() {
        for ok in [
            "http://loki:3100/loki/api/v1/push",
            "https://user:pass@example.com/api/prom/push",
            "http://[::1]:9090/api/v1/write",
            "/relative/path",
            "localhost",
            "loki:3100/push",
            "http://host/a%20b",
        ] {
            assert_eq!(url_error(ok), None, "{ok}");
        }
        let cases = [
            (
                "http://loki:31OO/push",
                "parse \"http://loki:31OO/push\": invalid port \":31OO\" after host",
            ),
            ("://loki", "parse \"://loki\": missing protocol scheme"),
            (
                "127.0.0.1:3100/push",
                "parse \"127.0.0.1:3100/push\": first path segment in URL cannot contain colon",
            ),
            (
                "http://host/a%zzb",
                "parse \"http://host/a%zzb\": invalid URL escape \"%zz\"",
            ),
            (
                "http://lo ki/",
                "parse \"http://lo ki/\": invalid character \" \" in host name",
            ),
            (
                "http://x/\n",
                "parse \"http://x/\\n\": net/url: invalid control character in URL",
            ),
        ];
        for (url, message) in cases {
            assert_eq!(url_error(url).as_deref(), Some(message), "{url}");
        }
    }
}
