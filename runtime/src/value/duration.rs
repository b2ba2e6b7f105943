//! Go's `time.Duration` text forms. Alloy has no duration type: durations
//! are strings that components parse with `time.ParseDuration` (so users
//! write `"1m30s"`), and durations a component exports are rendered with
//! `Duration.String()`. Both directions, and the exact error texts users see
//! for a bad duration, are reproduced here.

use std::fmt;

/// A Go `time.Duration`: signed nanoseconds. Negative durations are valid
/// in Go (`"-1s"`), which `std::time::Duration` cannot hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub i64);

impl GoDuration {
    pub const fn from_nanos(nanos: i64) -> GoDuration {
        GoDuration(nanos)
    }

    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// The duration as a `std::time::Duration`, or `None` if negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }

    /// Converts from a `std::time::Duration`, saturating at Go's maximum
    /// (about 292 years).
    pub fn from_std(d: std::time::Duration) -> GoDuration {
        GoDuration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

/// Why a duration string was rejected; `Display` is Go's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationError {
    Invalid(String),
    MissingUnit(String),
    UnknownUnit { unit: String, input: String },
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Invalid(s) => write!(f, "time: invalid duration {}", time_quote(s)),
            DurationError::MissingUnit(s) => {
                write!(f, "time: missing unit in duration {}", time_quote(s))
            }
            DurationError::UnknownUnit { unit, input } => write!(
                f,
                "time: unknown unit {} in duration {}",
                time_quote(unit),
                time_quote(input)
            ),
        }
    }
}

impl std::error::Error for DurationError {}

/// The `time` package's own quoting, which differs from `strconv.Quote`:
/// only `"` and `\` are escaped, and non-ASCII or control bytes become `\x`
/// escapes.
fn time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if !c.is_ascii() || (c as u32) < 0x20 {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

const HALF: u64 = 1 << 63;

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Go `time.ParseDuration`: a signed sequence of decimal numbers, each
/// with an optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`,
/// `h`), such as `"300ms"`, `"-1.5h"` or `"2h45m"`.
pub fn parse_duration(input: &str) -> Result<GoDuration, DurationError> {
    let invalid = || DurationError::Invalid(input.to_owned());
    let mut s = input;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(GoDuration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part.
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut v: u64 = 0;
        for b in s[..int_len].bytes() {
            if v > HALF / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(b - b'0');
            if v > HALF {
                return Err(invalid());
            }
        }
        let pre = int_len > 0;
        s = &s[int_len..];
        // Fraction.
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            let frac_len = s.bytes().take_while(u8::is_ascii_digit).count();
            post = frac_len > 0;
            let mut overflow = false;
            for b in s[..frac_len].bytes() {
                if overflow {
                    continue;
                }
                if f > (HALF - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(b - b'0');
                if y > HALF {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            s = &s[frac_len..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // Unit.
        let unit_len = s
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(DurationError::MissingUnit(input.to_owned()));
        }
        let unit_text = &s[..unit_len];
        s = &s[unit_len..];
        let unit = unit_nanos(unit_text).ok_or_else(|| DurationError::UnknownUnit {
            unit: unit_text.to_owned(),
            input: input.to_owned(),
        })?;
        if v > HALF / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > HALF {
                return Err(invalid());
            }
        }
        total += v;
        if total > HALF {
            return Err(invalid());
        }
    }
    if neg {
        return Ok(GoDuration((total as i64).wrapping_neg()));
    }
    if total > HALF - 1 {
        return Err(invalid());
    }
    Ok(GoDuration(total as i64))
}

/// Go's `Duration.String()`: `"1h2m3.5s"`, `"1.5ms"`, `"0s"`.
impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let mut u = self.0.unsigned_abs();
        // Work right to left, as Go does.
        let mut buf: Vec<u8> = Vec::with_capacity(32);
        if u < 1_000_000_000 {
            // Sub-second: a single unit with a fraction.
            let prec;
            if u == 0 {
                return f.write_str("0s");
            } else if u < 1_000 {
                prec = 0;
                buf.extend_from_slice(b"sn");
            } else if u < 1_000_000 {
                prec = 3;
                // "µs" byte-reversed, since the buffer is reversed at the end.
                buf.extend_from_slice(&[b's', 0xb5, 0xc2]);
            } else {
                prec = 6;
                buf.extend_from_slice(b"sm");
            }
            u = fmt_frac(&mut buf, u, prec);
            fmt_int(&mut buf, u);
        } else {
            buf.push(b's');
            u = fmt_frac(&mut buf, u, 9);
            fmt_int(&mut buf, u % 60);
            u /= 60;
            if u > 0 {
                buf.push(b'm');
                fmt_int(&mut buf, u % 60);
                u /= 60;
                if u > 0 {
                    buf.push(b'h');
                    fmt_int(&mut buf, u);
                }
            }
        }
        if neg {
            buf.push(b'-');
        }
        buf.reverse();
        f.write_str(&String::from_utf8_lossy(&buf))
    }
}

/// Pushes (reversed) the `prec` fractional digits of `v`, omitting
/// trailing zeros and the point when the fraction is zero; returns the
/// integer part.
fn fmt_frac(buf: &mut Vec<u8>, mut v: u64, prec: u32) -> u64 {
    let mut printed = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        printed = printed || digit != 0;
        if printed {
            buf.push(digit + b'0');
        }
        v /= 10;
    }
    if printed {
        buf.push(b'.');
    }
    v
}

/// Pushes (reversed) the decimal digits of `v`.
fn fmt_int(buf: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        buf.push(b'0');
        return;
    }
    while v > 0 {
        buf.push((v % 10) as u8 + b'0');
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn parses_like_go() {
        assert_eq!(parse_duration("1m30s"), Ok(GoDuration(90 * S)));
        assert_eq!(parse_duration("-1.5h"), Ok(GoDuration(-5400 * S)));
        assert_eq!(parse_duration("300ms"), Ok(GoDuration(300_000_000)));
        assert_eq!(parse_duration("1µs"), Ok(GoDuration(1_000)));
        assert_eq!(parse_duration(".5s"), Ok(GoDuration(S / 2)));
        assert_eq!(parse_duration("0"), Ok(GoDuration(0)));
        assert_eq!(
            parse_duration("5").map_err(|e| e.to_string()),
            Err("time: missing unit in duration \"5\"".to_owned())
        );
        assert_eq!(
            parse_duration("5x").map_err(|e| e.to_string()),
            Err("time: unknown unit \"x\" in duration \"5x\"".to_owned())
        );
        assert_eq!(
            parse_duration("").map_err(|e| e.to_string()),
            Err("time: invalid duration \"\"".to_owned())
        );
        assert!(parse_duration("9999999999h").is_err());
        assert!(parse_duration(".s").is_err());
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(GoDuration(90 * S).to_string(), "1m30s");
        assert_eq!(GoDuration(0).to_string(), "0s");
        assert_eq!(GoDuration(1_500).to_string(), "1.5µs");
        assert_eq!(GoDuration(1_500_000).to_string(), "1.5ms");
        assert_eq!(GoDuration(100).to_string(), "100ns");
        assert_eq!(GoDuration(3_723 * S + S / 2).to_string(), "1h2m3.5s");
        assert_eq!(GoDuration(-S).to_string(), "-1s");
        assert_eq!(
            GoDuration(i64::MIN).to_string(),
            "-2562047h47m16.854775808s"
        );
    }
}
