//! `stage.timestamp` formats: Go reference layouts (`2006-01-02T15:04:05`,
//! `02/Jan/2006:15:04:05 -0700`), the named layouts of Go's `time`
//! package, and `Unix`, `UnixMs`, `UnixUs`, `UnixNs`. A layout without a
//! year takes the current one, as upstream.

use crate::entry::Timestamp;
use crate::time::{days_from_civil, days_in_month};

/// A named format's layout, or the text itself.
pub fn layout(format: &str) -> &str {
    match format {
        "ANSIC" => "Mon Jan _2 15:04:05 2006",
        "UnixDate" => "Mon Jan _2 15:04:05 MST 2006",
        "RubyDate" => "Mon Jan 02 15:04:05 -0700 2006",
        "RFC822" => "02 Jan 06 15:04 MST",
        "RFC822Z" => "02 Jan 06 15:04 -0700",
        "RFC850" => "Monday, 02-Jan-06 15:04:05 MST",
        "RFC1123" => "Mon, 02 Jan 2006 15:04:05 MST",
        "RFC1123Z" => "Mon, 02 Jan 2006 15:04:05 -0700",
        "RFC3339" => "2006-01-02T15:04:05Z07:00",
        "RFC3339Nano" => "2006-01-02T15:04:05.999999999Z07:00",
        "Kitchen" => "3:04PM",
        "Stamp" => "Jan _2 15:04:05",
        "StampMilli" => "Jan _2 15:04:05.000",
        "StampMicro" => "Jan _2 15:04:05.000000",
        "StampNano" => "Jan _2 15:04:05.000000000",
        other => other,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Layout elements, longest first where prefixes overlap.
const TOKENS: [&str; 32] = [
    "January",
    "Monday",
    "Z07:00:00",
    "-07:00:00",
    "Z070000",
    "-070000",
    "Z07:00",
    "-07:00",
    "Z0700",
    "-0700",
    "2006",
    "Jan",
    "Mon",
    "MST",
    "Z07",
    "-07",
    "002",
    "__2",
    "_2",
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "15",
    "PM",
    "pm",
    "1",
    "2",
    "3",
    "4",
];

/// Parses `text` with a format (named, Unix*, or a Go layout).
pub fn parse(format: &str, text: &str, current_year: i64) -> Result<Timestamp, String> {
    // `scale`: nanoseconds per unit.
    let unix = |scale: i128| -> Result<Timestamp, String> {
        if scale == 1_000_000_000 {
            // Unix seconds may carry a fraction.
            let (int, frac) = text.split_once('.').unwrap_or((text, ""));
            let secs: i64 = int.trim().parse().map_err(|_| bad(format, text))?;
            let mut nanos = 0u32;
            if !frac.is_empty() {
                let digits: String = frac.chars().take(9).collect();
                let n: u32 = digits.parse().map_err(|_| bad(format, text))?;
                nanos = n * 10u32.pow(9 - digits.len() as u32);
            }
            return Ok(Timestamp::new(secs, nanos));
        }
        let n: i128 = text.trim().parse().map_err(|_| bad(format, text))?;
        Ok(Timestamp::from_unix_nanos(n * scale))
    };
    match format {
        "Unix" => unix(1_000_000_000),
        "UnixMs" => unix(1_000_000),
        "UnixUs" => unix(1_000),
        "UnixNs" => unix(1),
        _ => parse_layout(layout(format), text, current_year).ok_or_else(|| bad(format, text)),
    }
}

fn bad(format: &str, text: &str) -> String {
    format!("could not parse timestamp {text:?} with format {format:?}")
}

fn digits(s: &str, min: usize, max: usize) -> Option<(i64, usize)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    (n >= min)
        .then(|| (s[..n].parse().ok(), n))
        .and_then(|(v, n)| v.map(|v| (v, n)))
}

fn parse_layout(layout: &str, text: &str, current_year: i64) -> Option<Timestamp> {
    let (mut year, mut month, mut day) = (None, 1u32, 1u32);
    let (mut hour, mut min, mut sec, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    let mut pm: Option<bool> = None;
    let mut offset = 0i64;
    let mut l = layout;
    let mut t = text;
    while !l.is_empty() {
        // Fractional seconds: `.000` / `,000` (exact) or `.999` (optional).
        if (l.starts_with(".0")
            || l.starts_with(",0")
            || l.starts_with(".9")
            || l.starts_with(",9"))
            && l[1..].bytes().next().is_some()
        {
            let kind = l.as_bytes()[1];
            let n = l[1..].bytes().take_while(|&c| c == kind).count();
            let after = l[1 + n..].bytes().next();
            if !after.is_some_and(|c| c.is_ascii_digit()) {
                l = &l[1 + n..];
                if t.starts_with('.') || t.starts_with(',') {
                    let (v, len) = digits(&t[1..], 1, 9)?;
                    if kind == b'0' && len != n {
                        return None;
                    }
                    nanos = (v as u32) * 10u32.pow(9 - len as u32);
                    t = &t[1 + len..];
                } else if kind == b'0' {
                    return None;
                }
                continue;
            }
        }
        let Some(tok) = TOKENS.iter().find(|tok| l.starts_with(**tok)) else {
            let c = l.chars().next()?;
            // Go accepts a fraction after seconds even when the layout has none.
            if !t.starts_with(c) {
                return None;
            }
            l = &l[c.len_utf8()..];
            t = &t[c.len_utf8()..];
            continue;
        };
        l = &l[tok.len()..];
        match *tok {
            "2006" => {
                let (v, n) = digits(t, 4, 4)?;
                year = Some(v);
                t = &t[n..];
            }
            "06" => {
                let (v, n) = digits(t, 2, 2)?;
                year = Some(if v >= 69 { 1900 + v } else { 2000 + v });
                t = &t[n..];
            }
            "January" | "Jan" => {
                let i = MONTHS.iter().position(|m| {
                    let name = if *tok == "Jan" { &m[..3] } else { m };
                    t.len() >= name.len() && t[..name.len()].eq_ignore_ascii_case(name)
                })?;
                t = &t[if *tok == "Jan" { 3 } else { MONTHS[i].len() }..];
                month = i as u32 + 1;
            }
            "Monday" | "Mon" => {
                let d = DAYS.iter().find(|d| {
                    let name = if *tok == "Mon" { &d[..3] } else { d };
                    t.len() >= name.len() && t[..name.len()].eq_ignore_ascii_case(name)
                })?;
                t = &t[if *tok == "Mon" { 3 } else { d.len() }..];
            }
            "01" | "1" => {
                let (v, n) = digits(t, if *tok == "01" { 2 } else { 1 }, 2)?;
                month = v as u32;
                t = &t[n..];
            }
            "02" | "2" | "_2" => {
                if *tok == "_2" && t.starts_with(' ') {
                    t = &t[1..];
                }
                let (v, n) = digits(t, if *tok == "02" { 2 } else { 1 }, 2)?;
                day = v as u32;
                t = &t[n..];
            }
            "002" | "__2" => {
                let (_, n) = digits(t.trim_start(), 1, 3)?;
                t = &t.trim_start()[n..];
            }
            "15" => {
                let (v, n) = digits(t, 1, 2)?;
                hour = v;
                t = &t[n..];
            }
            "03" | "3" => {
                let (v, n) = digits(t, if *tok == "03" { 2 } else { 1 }, 2)?;
                hour = v;
                t = &t[n..];
            }
            "04" | "4" => {
                let (v, n) = digits(t, if *tok == "04" { 2 } else { 1 }, 2)?;
                min = v;
                t = &t[n..];
            }
            "05" | "5" => {
                let (v, n) = digits(t, if *tok == "05" { 2 } else { 1 }, 2)?;
                sec = v;
                t = &t[n..];
                // A fraction the layout does not mention is still accepted.
                if t.starts_with('.') && !l.starts_with('.') && !l.starts_with(',') {
                    if let Some((v, len)) = digits(&t[1..], 1, 9) {
                        nanos = (v as u32) * 10u32.pow(9 - len as u32);
                        t = &t[1 + len..];
                    }
                }
            }
            "PM" | "pm" => {
                let s = t.get(..2)?.to_ascii_uppercase();
                pm = Some(match s.as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return None,
                });
                t = &t[2..];
            }
            "MST" => {
                let n = t.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return None;
                }
                t = &t[n..];
            }
            z => {
                if z.starts_with('Z') && t.starts_with('Z') {
                    t = &t[1..];
                    continue;
                }
                let sign = match t.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                t = &t[1..];
                let colon = z.contains(':');
                let (h, n) = digits(t, 2, 2)?;
                t = &t[n..];
                let mut m = 0;
                if z.len() > 3 {
                    if colon {
                        t = t.strip_prefix(':')?;
                    }
                    let (v, n) = digits(t, 2, 2)?;
                    m = v;
                    t = &t[n..];
                }
                offset = sign * (h * 3600 + m * 60);
            }
        }
    }
    if !t.is_empty() {
        return None;
    }
    if let Some(pm) = pm {
        if hour > 12 {
            return None;
        }
        if pm && hour < 12 {
            hour += 12;
        } else if !pm && hour == 12 {
            hour = 0;
        }
    }
    let year = year.unwrap_or(current_year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset;
    Some(Timestamp::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_rfc3339_nanos;

    fn p(format: &str, text: &str) -> String {
        format_rfc3339_nanos(parse(format, text, 2024).expect(text))
    }

    #[test]
    fn go_layouts_and_named_formats() {
        assert_eq!(
            p("02/Jan/2006:15:04:05 -0700", "25/Jan/2000:14:00:01 -0500"),
            "2000-01-25T19:00:01Z"
        );
        assert_eq!(
            p("RFC3339Nano", "2019-04-30T02:12:41.8443515Z"),
            "2019-04-30T02:12:41.8443515Z"
        );
        assert_eq!(
            p("RFC3339", "2019-04-30T02:12:41+02:00"),
            "2019-04-30T00:12:41Z"
        );
        assert_eq!(p("UnixMs", "1562708916414"), "2019-07-09T21:48:36.414Z");
        assert_eq!(p("Unix", "1562708916.5"), "2019-07-09T21:48:36.5Z");
        assert_eq!(p("Stamp", "Jan  5 15:04:05"), "2024-01-05T15:04:05Z");
        assert_eq!(p("Kitchen", "3:04PM"), "2024-01-01T15:04:00Z");
        assert_eq!(
            p("2006-01-02 15:04:05.000", "2020-02-03 04:05:06.123"),
            "2020-02-03T04:05:06.123Z"
        );
        assert!(parse("RFC3339", "not a time", 2024).is_err());
    }
}
