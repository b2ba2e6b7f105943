//! Go's `strconv` number and string-literal rules, which upstream applies to
//! literals (`010` is octal 8, `09` is the float 9), to string-to-number
//! conversions and to number formatting. Rust's own parsers accept a
//! different language (no octal, no `_`, different infinities), so the
//! grammar is checked here and Rust only does the correctly rounded
//! arithmetic.

use std::fmt;

/// Why a Go number parse failed, rendered like Go's `*strconv.NumError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumError {
    pub func: &'static str,
    pub input: String,
    pub kind: NumErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumErrorKind {
    Syntax,
    Range,
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.kind {
            NumErrorKind::Syntax => "invalid syntax",
            NumErrorKind::Range => "value out of range",
        };
        write!(
            f,
            "strconv.{}: parsing {}: {}",
            self.func,
            alloy_syntax::unicode::go_quote(self.input.as_bytes()),
            why
        )
    }
}

impl std::error::Error for NumError {}

fn num_error(func: &'static str, input: &str, kind: NumErrorKind) -> NumError {
    NumError {
        func,
        input: input.to_owned(),
        kind,
    }
}

/// Go's `underscoreOK`: underscores may only separate digits (a base
/// prefix counts as a digit).
fn underscore_ok(s: &str) -> bool {
    let mut s = s.as_bytes();
    if let Some((&(b'-' | b'+'), rest)) = s.split_first() {
        s = rest;
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go `strconv.ParseUint(s, base, 64)` for base 0 (prefixes and
/// underscores allowed) or an explicit base.
pub fn parse_uint(s: &str, base: u32) -> Result<u64, NumError> {
    parse_uint_as("ParseUint", s, base)
}

fn parse_uint_as(func: &'static str, s0: &str, base: u32) -> Result<u64, NumError> {
    if s0.is_empty() {
        return Err(num_error(func, s0, NumErrorKind::Syntax));
    }
    let base0 = base == 0;
    let mut base = base;
    let mut s = s0.as_bytes();
    if base0 {
        base = 10;
        if s[0] == b'0' {
            let prefix = s.get(1).map(u8::to_ascii_lowercase);
            match prefix {
                Some(b'b') if s.len() >= 3 => {
                    base = 2;
                    s = &s[2..];
                }
                Some(b'o') if s.len() >= 3 => {
                    base = 8;
                    s = &s[2..];
                }
                Some(b'x') if s.len() >= 3 => {
                    base = 16;
                    s = &s[2..];
                }
                _ => {
                    base = 8;
                    s = &s[1..];
                }
            }
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in s {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u32::from(c - b'0'),
            c if c.is_ascii_alphabetic() => u32::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return Err(num_error(func, s0, NumErrorKind::Syntax)),
        };
        if d >= base {
            return Err(num_error(func, s0, NumErrorKind::Syntax));
        }
        n = match n
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(d)))
        {
            Some(next) => next,
            None => return Err(num_error(func, s0, NumErrorKind::Range)),
        };
    }
    if underscores && !underscore_ok(s0) {
        return Err(num_error(func, s0, NumErrorKind::Syntax));
    }
    Ok(n)
}

/// Go `strconv.ParseInt(s, base, 64)`.
pub fn parse_int(s0: &str, base: u32) -> Result<i64, NumError> {
    const FUNC: &str = "ParseInt";
    if s0.is_empty() {
        return Err(num_error(FUNC, s0, NumErrorKind::Syntax));
    }
    let (neg, digits) = match s0.as_bytes()[0] {
        b'+' => (false, &s0[1..]),
        b'-' => (true, &s0[1..]),
        _ => (false, s0),
    };
    let magnitude = match parse_uint_as(FUNC, digits, base) {
        Ok(n) => n,
        Err(e) if e.kind == NumErrorKind::Range => u64::MAX,
        Err(_) => return Err(num_error(FUNC, s0, NumErrorKind::Syntax)),
    };
    const CUTOFF: u64 = 1 << 63;
    if !neg && magnitude >= CUTOFF {
        return Err(num_error(FUNC, s0, NumErrorKind::Range));
    }
    if neg && magnitude > CUTOFF {
        return Err(num_error(FUNC, s0, NumErrorKind::Range));
    }
    Ok(if neg {
        (magnitude as i64).wrapping_neg()
    } else {
        magnitude as i64
    })
}

/// Go `strconv.ParseFloat(s, 64)`: decimal and hexadecimal forms,
/// underscores between digits, and case-insensitive `inf`, `infinity` and
/// `nan`. Out-of-range values are an error, as in Go.
pub fn parse_float(s: &str) -> Result<f64, NumError> {
    const FUNC: &str = "ParseFloat";
    let syntax = || num_error(FUNC, s, NumErrorKind::Syntax);
    if let Some((value, n)) = special_float(s) {
        return if n == s.len() {
            Ok(value)
        } else {
            Err(syntax())
        };
    }
    let scan = scan_float(s).ok_or_else(syntax)?;
    if scan.len != s.len() {
        return Err(syntax());
    }
    let value = if scan.hex {
        hex_float(s).ok_or_else(syntax)?
    } else {
        let cleaned: String = s.chars().filter(|&c| c != '_').collect();
        cleaned.parse::<f64>().map_err(|_| syntax())?
    };
    if value.is_infinite() {
        return Err(num_error(FUNC, s, NumErrorKind::Range));
    }
    Ok(value)
}

/// Go's `special`: `[+-]inf`, `[+-]infinity` and `nan`, returning the
/// value and how many bytes it used.
fn special_float(s: &str) -> Option<(f64, usize)> {
    let bytes = s.as_bytes();
    let first = *bytes.first()?;
    let prefix_len = |rest: &[u8], word: &[u8]| {
        rest.iter()
            .zip(word)
            .take_while(|(a, b)| a.to_ascii_lowercase() == **b)
            .count()
    };
    let (sign, nsign, rest) = match first {
        b'+' => (1.0, 1, &bytes[1..]),
        b'-' => (-1.0, 1, &bytes[1..]),
        b'n' | b'N' => {
            return (prefix_len(bytes, b"nan") == 3).then_some((f64::NAN, 3));
        }
        _ => (1.0, 0, bytes),
    };
    match rest.first() {
        Some(b'i' | b'I') => {
            let mut n = prefix_len(rest, b"infinity");
            if 3 < n && n < 8 {
                n = 3;
            }
            (n == 3 || n == 8).then_some((sign * f64::INFINITY, nsign + n))
        }
        _ => None,
    }
}

struct FloatScan {
    len: usize,
    hex: bool,
}

/// Go's `readFloat` grammar check: how long the float prefix of `s` is
/// and whether it is hexadecimal; `None` for no valid prefix.
fn scan_float(s: &str) -> Option<FloatScan> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut hex = false;
    if i + 2 < b.len() && b[i] == b'0' && b[i + 1].eq_ignore_ascii_case(&b'x') {
        hex = true;
        i += 2;
    }
    let (mut sawdot, mut sawdigits, mut underscores) = (false, false, false);
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if sawdot {
                break;
            }
            sawdot = true;
        } else if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            sawdigits = true;
        } else {
            break;
        }
        i += 1;
    }
    if !sawdigits {
        return None;
    }
    let exp_char = if hex { b'p' } else { b'e' };
    if i < b.len() && b[i].to_ascii_lowercase() == exp_char {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
    } else if hex {
        return None;
    }
    if underscores && !underscore_ok(&s[..i]) {
        return None;
    }
    Some(FloatScan { len: i, hex })
}

/// Evaluates an already validated hexadecimal float (`0x1.8p3`).
/// Mantissas wider than 64 bits lose their low digits, so rounding can
/// differ from Go's in the last place for such inputs.
fn hex_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let body = body.get(2..)?;
    let (mantissa_text, exp_text) = body.split_once(['p', 'P'])?;
    let mut mantissa: u64 = 0;
    let mut exp: i64 = 0;
    let mut after_dot = false;
    for c in mantissa_text.chars() {
        match c {
            '_' => {}
            '.' => after_dot = true,
            c => {
                let d = u64::from(c.to_digit(16)?);
                if mantissa >> 60 == 0 {
                    mantissa = mantissa * 16 + d;
                    if after_dot {
                        exp -= 4;
                    }
                } else if !after_dot {
                    exp += 4;
                }
            }
        }
    }
    let exp_clean: String = exp_text.chars().filter(|&c| c != '_').collect();
    let e: i64 = exp_clean
        .parse::<i64>()
        .unwrap_or(if exp_clean.starts_with('-') {
            i64::MIN / 2
        } else {
            i64::MAX / 2
        });
    let total = exp.saturating_add(e).clamp(-2000, 2000) as i32;
    let value = (mantissa as f64) * 2f64.powi(total);
    Some(if neg { -value } else { value })
}

/// Go `strconv.Unquote`: interpreted (`"..."`), raw (`` `...` ``, carriage
/// returns dropped) and single-character (`'x'`) literals. `\x` and octal
/// escapes produce raw bytes; bytes that are not UTF-8 become U+FFFD since
/// Alloy strings here are Rust strings. `None` means Go's `invalid syntax`.
pub fn unquote(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return None;
    }
    let quote = b[0];
    if b[b.len() - 1] != quote {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    match quote {
        b'`' => {
            if inner.contains('`') {
                return None;
            }
            Some(inner.chars().filter(|&c| c != '\r').collect())
        }
        b'"' | b'\'' => unquote_interpreted(inner, quote),
        _ => None,
    }
}

fn unquote_interpreted(inner: &str, quote: u8) -> Option<String> {
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut rest = inner.as_bytes();
    let mut chars = 0usize;
    while let Some(&c) = rest.first() {
        chars += 1;
        match c {
            b'\n' => return None,
            b'\\' => {
                let (bytes, used) = unescape(rest, quote)?;
                out.extend_from_slice(&bytes);
                rest = &rest[used..];
            }
            c if c == quote => return None,
            _ => {
                // Copy one UTF-8 character verbatim.
                let width = utf8_width(c);
                let end = width.min(rest.len());
                out.extend_from_slice(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    if quote == b'\'' && chars != 1 {
        return None;
    }
    Some(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// One escape sequence at the start of `s` (which begins with `\`):
/// the bytes it stands for and how many input bytes it used.
fn unescape(s: &[u8], quote: u8) -> Option<(Vec<u8>, usize)> {
    let c = *s.get(1)?;
    let simple = |b: u8| Some((vec![b], 2));
    match c {
        b'a' => simple(0x07),
        b'b' => simple(0x08),
        b'f' => simple(0x0c),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(0x0b),
        b'\\' => simple(b'\\'),
        b'\'' | b'"' if c == quote => simple(c),
        b'x' | b'u' | b'U' => {
            let n = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = s.get(2..2 + n)?;
            let mut v: u32 = 0;
            for &d in digits {
                v = (v << 4) | char::from(d).to_digit(16)?;
            }
            if c == b'x' {
                return Some((vec![v as u8], 2 + n));
            }
            let ch = char::from_u32(v)?;
            let mut buf = [0u8; 4];
            Some((ch.encode_utf8(&mut buf).as_bytes().to_vec(), 2 + n))
        }
        b'0'..=b'7' => {
            let digits = s.get(1..4)?;
            let mut v: u32 = 0;
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                v = (v << 3) | u32::from(d - b'0');
            }
            (v <= 255).then(|| (vec![v as u8], 4))
        }
        _ => None,
    }
}

/// Go `strconv.FormatFloat(f, 'f', -1, 64)`.
pub fn format_float_f_shortest(x: f64) -> String {
    if let Some(special) = special_text(x) {
        return special.to_owned();
    }
    // Rust's `Display` for floats is the shortest round-trip decimal
    // without an exponent, which is exactly Go's `'f', -1`.
    format!("{x}")
}

fn special_text(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some("NaN")
    } else if x == f64::INFINITY {
        Some("+Inf")
    } else if x == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// Decimal digits of a non-negative finite float: `0.d1d2...dn × 10^dp`,
/// with no trailing zeros. Zero has no digits.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

impl Digits {
    /// From Rust's `{:e}` rendering, shortest (`None`) or rounded to
    /// `sig` significant digits.
    fn of(x: f64, sig: Option<usize>) -> Digits {
        let text = match sig {
            None => format!("{x:e}"),
            Some(n) => format!("{:.*e}", n.saturating_sub(1), x),
        };
        let (mantissa, exp) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let mut d: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while d.last() == Some(&b'0') {
            d.pop();
        }
        if d.is_empty() {
            return Digits { d, dp: 0 };
        }
        Digits { d, dp: exp + 1 }
    }

    fn nd(&self) -> i32 {
        self.d.len() as i32
    }

    fn digit(&self, i: i32) -> u8 {
        if i < 0 {
            return b'0';
        }
        self.d.get(i as usize).copied().unwrap_or(b'0')
    }

    /// Go's `fmtE`: `d.ddde±XX` with `prec` digits after the point.
    fn fmt_e(&self, prec: i32, upper: bool, out: &mut String) {
        out.push(char::from(self.digit(0)));
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(char::from(self.digit(i)));
            }
        }
        out.push(if upper { 'E' } else { 'e' });
        let exp = if self.d.is_empty() { 0 } else { self.dp - 1 };
        out.push(if exp < 0 { '-' } else { '+' });
        let exp = exp.unsigned_abs();
        if exp < 10 {
            out.push('0');
        }
        out.push_str(&exp.to_string());
    }

    /// Go's `fmtF`: all integer digits and `prec` fractional ones.
    fn fmt_f(&self, prec: i32, out: &mut String) {
        if self.dp > 0 {
            for i in 0..self.dp {
                out.push(char::from(self.digit(i)));
            }
        } else {
            out.push('0');
        }
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(char::from(self.digit(self.dp + i - 1)));
            }
        }
    }
}

/// Go `strconv.FormatFloat(x, fmt, prec, 64)` for the `e`, `E`, `f`, `g`
/// and `G` formats; `prec` of `None` means shortest (`-1`).
pub fn format_float(x: f64, fmt: char, prec: Option<usize>) -> String {
    if let Some(special) = special_text(x) {
        return special.to_owned();
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    let x = x.abs();
    match fmt {
        'e' | 'E' => {
            let digits = Digits::of(x, prec.map(|p| p + 1));
            let p = match prec {
                Some(p) => p as i32,
                None => (digits.nd() - 1).max(0),
            };
            digits.fmt_e(p, fmt == 'E', &mut out);
        }
        'f' | 'F' => match prec {
            Some(p) => out.push_str(&format!("{x:.p$}")),
            None => out.push_str(&format!("{x}")),
        },
        _ => {
            let upper = fmt == 'G';
            let shortest = prec.is_none();
            let want = prec.map(|p| p.max(1));
            let digits = Digits::of(x, want);
            let mut p = match want {
                Some(p) => p as i32,
                None => digits.nd(),
            };
            let mut eprec = p;
            if eprec > digits.nd() && digits.nd() >= digits.dp {
                eprec = digits.nd();
            }
            if shortest {
                eprec = 6;
            }
            let exp = digits.dp - 1;
            if !digits.d.is_empty() && (exp < -4 || exp >= eprec) {
                if p > digits.nd() {
                    p = digits.nd();
                }
                digits.fmt_e((p - 1).max(0), upper, &mut out);
            } else {
                if p > digits.dp {
                    p = digits.nd();
                }
                digits.fmt_f((p - digits.dp).max(0), &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_follow_go_base_zero() {
        assert_eq!(parse_int("010", 0), Ok(8));
        assert!(parse_int("09", 0).is_err());
        assert_eq!(parse_int("0x1F", 0), Ok(31));
        assert_eq!(parse_int("1_000", 0), Ok(1000));
        assert!(parse_int("1__0", 0).is_err());
        assert!(parse_int("1_000", 10).is_err());
        assert_eq!(parse_int("-9223372036854775808", 10), Ok(i64::MIN));
        assert_eq!(
            parse_int("9223372036854775808", 0).map_err(|e| e.kind),
            Err(NumErrorKind::Range)
        );
        assert_eq!(parse_uint("18446744073709551615", 0), Ok(u64::MAX));
        assert_eq!(parse_uint("0", 0), Ok(0));
    }

    #[test]
    fn floats_follow_go() {
        assert_eq!(parse_float("09"), Ok(9.0));
        assert_eq!(parse_float(".5"), Ok(0.5));
        assert_eq!(parse_float("1e3"), Ok(1000.0));
        assert_eq!(parse_float("1_0.5"), Ok(10.5));
        assert_eq!(parse_float("0x1.8p1"), Ok(3.0));
        assert_eq!(parse_float("-Inf"), Ok(f64::NEG_INFINITY));
        assert!(parse_float("infinit").is_err());
        assert!(parse_float("1e").is_err());
        assert!(parse_float("").is_err());
        assert_eq!(
            parse_float("1e400").map_err(|e| e.to_string()),
            Err("strconv.ParseFloat: parsing \"1e400\": value out of range".to_owned())
        );
        assert_eq!(
            parse_float("18446744073709551616"),
            Ok(1.8446744073709552e19)
        );
    }

    #[test]
    fn unquote_follows_go() {
        assert_eq!(unquote(r#""a\tb""#).as_deref(), Some("a\tb"));
        assert_eq!(unquote(r#""\u00e9\101""#).as_deref(), Some("éA"));
        assert_eq!(unquote("`a\r\nb`").as_deref(), Some("a\nb"));
        assert_eq!(unquote(r#""\'""#), None);
        assert_eq!(unquote("\"a\nb\""), None);
        assert_eq!(unquote(r#""\q""#), None);
        assert_eq!(unquote(r#""\xff""#).as_deref(), Some("\u{fffd}"));
        assert_eq!(unquote("'x'").as_deref(), Some("x"));
        assert_eq!(unquote("'xy'"), None);
    }

    #[test]
    fn formatting_follows_go() {
        assert_eq!(format_float(1000000.0, 'g', None), "1e+06");
        assert_eq!(format_float(123456.0, 'g', None), "123456");
        assert_eq!(format_float(0.00001, 'g', None), "1e-05");
        assert_eq!(format_float(0.6, 'g', None), "0.6");
        assert_eq!(format_float(1.23456, 'f', Some(2)), "1.23");
        assert_eq!(format_float(3.0, 'f', Some(6)), "3.000000");
        assert_eq!(format_float(1234.5678, 'e', Some(3)), "1.235e+03");
        assert_eq!(format_float(0.0, 'e', None), "0e+00");
        assert_eq!(format_float(0.0, 'g', None), "0");
        assert_eq!(format_float(100.0, 'g', Some(2)), "1e+02");
        assert_eq!(format_float(-2.5, 'g', None), "-2.5");
        assert_eq!(format_float(f64::NAN, 'g', None), "NaN");
    }
}
