//! Times and durations: civil-date arithmetic, Go duration syntax,
//! strftime-style formats (upstream's `ctimefmt` directives) and IANA zones
//! read from the system's zoneinfo files.

use std::sync::OnceLock;

const NS: i64 = 1_000_000_000;
const DAY: i64 = 86_400;

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Broken-down UTC time of Unix nanoseconds.
#[derive(Debug, Clone, Copy)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
    /// Sunday = 0.
    pub weekday: u32,
    pub yday: u32,
}

pub fn civil(t: i64) -> Civil {
    let secs = t.div_euclid(NS);
    let nanos = t.rem_euclid(NS) as u32;
    let days = secs.div_euclid(DAY);
    let sod = secs.rem_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (sod / 3600) as u32,
        minute: (sod % 3600 / 60) as u32,
        second: (sod % 60) as u32,
        nanos,
        weekday: (days + 4).rem_euclid(7) as u32,
        yday: (days - days_from_civil(year, 1, 1)) as u32 + 1,
    }
}

pub fn format_rfc3339(t: i64) -> String {
    let c = civil(t);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    if c.nanos != 0 {
        let frac = format!("{:09}", c.nanos);
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Go's `time.ParseDuration`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let err = || format!("time: invalid duration {s:?}");
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        if num_end == 0 {
            return Err(err());
        }
        let n: f64 = rest[..num_end].parse().map_err(|_| err())?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(err()),
        };
        rest = &rest[unit_end..];
        total += n * unit;
    }
    let v = total.round() as i64;
    Ok(if neg { -v } else { v })
}

/// Go's `Duration.String`.
pub fn format_duration(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut s = String::new();
    if u < 1_000_000_000 {
        let (div, unit) = if u < 1_000 {
            (1, "ns")
        } else if u < 1_000_000 {
            (1_000, "µs")
        } else {
            (1_000_000, "ms")
        };
        s.push_str(&trim_frac(u as f64 / div as f64));
        s.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        let m = u / 60_000_000_000 % 60;
        let sec = (u % 60_000_000_000) as f64 / 1e9;
        if h > 0 {
            s.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            s.push_str(&format!("{m}m"));
        }
        s.push_str(&trim_frac(sec));
        s.push('s');
    }
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

fn trim_frac(f: f64) -> String {
    let s = format!("{f:.9}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
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

/// Formats Unix nanoseconds (UTC) with strftime directives.
pub fn strftime(t: i64, fmt: &str) -> Result<String, String> {
    let c = civil(t);
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let Some(d) = chars.next() else {
            return Err("format ends with a lone %".into());
        };
        match d {
            'Y' => out.push_str(&format!("{:04}", c.year)),
            'y' => out.push_str(&format!("{:02}", c.year.rem_euclid(100))),
            'm' => out.push_str(&format!("{:02}", c.month)),
            'o' => out.push_str(&c.month.to_string()),
            'd' => out.push_str(&format!("{:02}", c.day)),
            'q' | 'e' => out.push_str(&c.day.to_string()),
            'H' => out.push_str(&format!("{:02}", c.hour)),
            'l' => out.push_str(
                &(if c.hour.is_multiple_of(12) {
                    12
                } else {
                    c.hour % 12
                })
                .to_string(),
            ),
            'I' => out.push_str(&format!(
                "{:02}",
                if c.hour.is_multiple_of(12) {
                    12
                } else {
                    c.hour % 12
                }
            )),
            'p' => out.push_str(if c.hour < 12 { "AM" } else { "PM" }),
            'M' => out.push_str(&format!("{:02}", c.minute)),
            'S' => out.push_str(&format!("{:02}", c.second)),
            'L' => out.push_str(&format!("{:03}", c.nanos / 1_000_000)),
            'f' => out.push_str(&format!("{:06}", c.nanos / 1_000)),
            's' => out.push_str(&format!("{:09}", c.nanos)),
            'j' => out.push_str(&format!("{:03}", c.yday)),
            'a' => out.push_str(&DAYS[c.weekday as usize][..3]),
            'A' => out.push_str(DAYS[c.weekday as usize]),
            'b' | 'h' => out.push_str(&MONTHS[c.month as usize - 1][..3]),
            'B' => out.push_str(MONTHS[c.month as usize - 1]),
            'z' => out.push_str("+0000"),
            'Z' => out.push_str("UTC"),
            'F' => out.push_str(&strftime(t, "%Y-%m-%d")?),
            'T' => out.push_str(&strftime(t, "%H:%M:%S")?),
            'D' | 'x' => out.push_str(&strftime(t, "%m/%d/%y")?),
            'X' => out.push_str(&strftime(t, "%H:%M:%S")?),
            'r' => out.push_str(&strftime(t, "%I:%M:%S %p")?),
            'R' => out.push_str(&strftime(t, "%H:%M")?),
            'c' => out.push_str(&strftime(t, "%a %b %e %H:%M:%S %Y")?),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            '%' => out.push('%'),
            other => return Err(format!("unsupported directive %{other}")),
        }
    }
    Ok(out)
}

/// Fixed offsets of the zone abbreviations Go's parser knows without a location.
fn abbrev_offset(a: &str) -> Option<i64> {
    Some(match a {
        "UTC" | "GMT" | "Z" => 0,
        "EST" => -5 * 3600,
        "EDT" => -4 * 3600,
        "CST" => -6 * 3600,
        "CDT" => -5 * 3600,
        "MST" => -7 * 3600,
        "MDT" => -6 * 3600,
        "PST" => -8 * 3600,
        "PDT" => -7 * 3600,
        "CET" => 3600,
        "CEST" => 7200,
        _ => return None,
    })
}

#[derive(Clone, Copy)]
struct Parsed {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    pm: Option<bool>,
    offset: Option<i64>,
    abbrev_offset: Option<i64>,
    locale: &'static Locale,
}

fn take_digits(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s
        .bytes()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn take_name<'a>(s: &'a str, names: &[&str], short: bool) -> Option<(usize, &'a str)> {
    for (i, n) in names.iter().enumerate() {
        let n: String = if short {
            n.chars().take(3).collect()
        } else {
            (*n).to_owned()
        };
        let Some(head) = s.get(..n.len()) else {
            continue;
        };
        if head.to_lowercase() == n.to_lowercase() {
            return Some((i, &s[n.len()..]));
        }
    }
    None
}

/// Month and day names and the am/pm markers of one language.
pub struct Locale {
    pub lang: &'static str,
    months: [&'static str; 12],
    days: [&'static str; 7],
    am: &'static [&'static str],
    pm: &'static [&'static str],
}

pub static LOCALES: &[Locale] = &[
    Locale {
        lang: "en",
        months: MONTHS,
        days: DAYS,
        am: &["AM"],
        pm: &["PM"],
    },
    Locale {
        lang: "es",
        months: [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
        days: [
            "domingo",
            "lunes",
            "martes",
            "miércoles",
            "jueves",
            "viernes",
            "sábado",
        ],
        am: &["a.m.", "a. m.", "AM"],
        pm: &["p.m.", "p. m.", "PM"],
    },
    Locale {
        lang: "fr",
        months: [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
        days: [
            "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
        ],
        am: &["AM"],
        pm: &["PM"],
    },
    Locale {
        lang: "de",
        months: [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ],
        days: [
            "Sonntag",
            "Montag",
            "Dienstag",
            "Mittwoch",
            "Donnerstag",
            "Freitag",
            "Samstag",
        ],
        am: &["AM", "vorm."],
        pm: &["PM", "nachm."],
    },
    Locale {
        lang: "pt",
        months: [
            "janeiro",
            "fevereiro",
            "março",
            "abril",
            "maio",
            "junho",
            "julho",
            "agosto",
            "setembro",
            "outubro",
            "novembro",
            "dezembro",
        ],
        days: [
            "domingo",
            "segunda-feira",
            "terça-feira",
            "quarta-feira",
            "quinta-feira",
            "sexta-feira",
            "sábado",
        ],
        am: &["AM"],
        pm: &["PM"],
    },
    Locale {
        lang: "it",
        months: [
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
        ],
        days: [
            "domenica",
            "lunedì",
            "martedì",
            "mercoledì",
            "giovedì",
            "venerdì",
            "sabato",
        ],
        am: &["AM"],
        pm: &["PM"],
    },
];

/// The locale for a tag such as `es-ES` (by language).
pub fn locale(tag: &str) -> Option<&'static Locale> {
    let lang = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    LOCALES.iter().find(|l| l.lang == lang)
}

/// Parses `input` with strftime directives into Unix nanoseconds; times
/// without an offset are in `zone` (UTC when none).
pub fn strptime(input: &str, fmt: &str, zone: Option<&Zone>) -> Result<i64, String> {
    strptime_in(input, fmt, zone, &LOCALES[0])
}

/// [`strptime`] reading month and day names of `locale`.
pub fn strptime_in(
    input: &str,
    fmt: &str,
    zone: Option<&Zone>,
    locale: &'static Locale,
) -> Result<i64, String> {
    // Go defaults a missing year to 0, which Unix nanoseconds cannot hold;
    // 1970 keeps differences (the only use of such times) identical.
    let mut p = Parsed {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        pm: None,
        offset: None,
        abbrev_offset: None,
        locale,
    };
    parse_into(&mut p, input, fmt, input, fmt)?;
    if let Some(pm) = p.pm {
        p.hour %= 12;
        if pm {
            p.hour += 12;
        }
    }
    if !(1..=12).contains(&p.month)
        || !(1..=31).contains(&p.day)
        || p.hour > 24
        || p.minute > 59
        || p.second > 60
    {
        return Err(format!("parsing time {input:?}: value out of range"));
    }
    let secs = days_from_civil(p.year, p.month, p.day) * DAY
        + p.hour as i64 * 3600
        + p.minute as i64 * 60
        + p.second as i64;
    let local = secs
        .checked_mul(NS)
        .and_then(|n| n.checked_add(p.nanos as i64))
        .ok_or_else(|| format!("parsing time {input:?}: year {} is out of range", p.year))?;
    let offset = match (p.offset, p.abbrev_offset, zone) {
        (Some(o), _, _) | (None, Some(o), _) => o,
        (None, None, Some(z)) => z.offset_for_local(local / NS),
        (None, None, None) => 0,
    };
    Ok(local - offset * NS)
}

fn parse_into(
    p: &mut Parsed,
    mut s: &str,
    fmt: &str,
    input: &str,
    whole_fmt: &str,
) -> Result<(), String> {
    let fail = |directive: &str, rest: &str| {
        format!("parsing time {input:?} as {whole_fmt:?}: cannot parse {rest:?} as {directive:?}")
    };
    let mut chars = fmt.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            if ch.is_whitespace() {
                s = s.trim_start();
                continue;
            }
            match s.strip_prefix(ch) {
                Some(r) => s = r,
                None => return Err(fail(&ch.to_string(), s)),
            }
            continue;
        }
        let Some(d) = chars.next() else {
            return Err("format ends with a lone %".into());
        };
        let dir = format!("%{d}");
        fn num_at<'s>(
            s: &'s str,
            min: usize,
            max: usize,
            e: &dyn Fn(&str) -> String,
        ) -> Result<(i64, &'s str), String> {
            take_digits(s, min, max).ok_or_else(|| e(s))
        }
        let efail = |rest: &str| fail(&dir, rest);
        let num = |s, min, max| num_at(s, min, max, &efail);
        match d {
            'Y' => {
                let (v, r) = num(s, 4, 4)?;
                p.year = v;
                s = r;
            }
            'y' => {
                let (v, r) = num(s, 2, 2)?;
                p.year = if v < 69 { 2000 + v } else { 1900 + v };
                s = r;
            }
            'm' | 'o' => {
                let (v, r) = num(s, 1, 2)?;
                p.month = v as u32;
                s = r;
            }
            'd' | 'e' | 'q' => {
                let s2 = s.trim_start();
                let (v, r) = num(s2, 1, 2)?;
                p.day = v as u32;
                s = r;
            }
            'H' | 'I' | 'l' => {
                let (v, r) = num(s, 1, 2)?;
                p.hour = v as u32;
                s = r;
            }
            'M' => {
                let (v, r) = num(s, 2, 2)?;
                p.minute = v as u32;
                s = r;
            }
            'S' => {
                let (v, r) = num(s, 2, 2)?;
                p.second = v as u32;
                s = r;
            }
            'L' | 'f' | 's' => {
                let n = s.bytes().take_while(|b| b.is_ascii_digit()).count();
                if n == 0 {
                    return Err(fail(&dir, s));
                }
                let digits = &s[..n.min(9)];
                let v: u32 = digits.parse().map_err(|_| fail(&dir, s))?;
                p.nanos = v * 10u32.pow(9 - digits.len() as u32);
                s = &s[n..];
            }
            'j' => {
                let (v, r) = num(s, 3, 3)?;
                let (_, m, dd) = civil_from_days(days_from_civil(p.year, 1, 1) + v - 1);
                p.month = m;
                p.day = dd;
                s = r;
            }
            'p' => {
                let loc = p.locale;
                let hit = |marks: &[&str]| {
                    marks
                        .iter()
                        .find(|m| s.get(..m.len()).is_some_and(|h| h.eq_ignore_ascii_case(m)))
                        .map(|m| m.len())
                };
                if let Some(n) = hit(loc.am) {
                    p.pm = Some(false);
                    s = &s[n..];
                } else if let Some(n) = hit(loc.pm) {
                    p.pm = Some(true);
                    s = &s[n..];
                } else {
                    return Err(fail(&dir, s));
                }
            }
            'a' | 'A' => {
                let (_, r) = take_name(s, &p.locale.days, false)
                    .or_else(|| take_name(s, &p.locale.days, true))
                    .ok_or_else(|| fail(&dir, s))?;
                s = r;
            }
            'b' | 'h' | 'B' => {
                let (i, r) = take_name(s, &p.locale.months, false)
                    .or_else(|| take_name(s, &p.locale.months, true))
                    .ok_or_else(|| fail(&dir, s))?;
                p.month = i as u32 + 1;
                s = r;
            }
            'z' => {
                if let Some(r) = s.strip_prefix('Z') {
                    p.offset = Some(0);
                    s = r;
                    continue;
                }
                let sign = match s.chars().next() {
                    Some('+') => 1,
                    Some('-') => -1,
                    _ => return Err(fail(&dir, s)),
                };
                let r = &s[1..];
                let (h, r) = num(r, 2, 2)?;
                let r = r.strip_prefix(':').unwrap_or(r);
                let (m, r) = num(r, 2, 2)?;
                p.offset = Some(sign * (h * 3600 + m * 60));
                s = r;
            }
            'Z' => {
                let n = s.bytes().take_while(|b| b.is_ascii_uppercase()).count();
                if n < 3 {
                    return Err(fail(&dir, s));
                }
                p.abbrev_offset = abbrev_offset(&s[..n]).or(p.abbrev_offset);
                s = &s[n..];
            }
            'F' => {
                s = parse_prefix(p, s, "%Y-%m-%d", input, whole_fmt)?;
            }
            'T' | 'X' => {
                s = parse_prefix(p, s, "%H:%M:%S", input, whole_fmt)?;
            }
            'D' | 'x' => {
                s = parse_prefix(p, s, "%m/%d/%y", input, whole_fmt)?;
            }
            'r' => {
                s = parse_prefix(p, s, "%I:%M:%S %p", input, whole_fmt)?;
            }
            'R' => {
                s = parse_prefix(p, s, "%H:%M", input, whole_fmt)?;
            }
            'n' | 't' => s = s.trim_start(),
            '%' => match s.strip_prefix('%') {
                Some(r) => s = r,
                None => return Err(fail("%", s)),
            },
            other => return Err(format!("unsupported directive %{other}")),
        }
    }
    if !s.is_empty() {
        return Err(format!(
            "parsing time {input:?} as {whole_fmt:?}: extra text: {s:?}"
        ));
    }
    Ok(())
}

/// Parses a composite directive at the start of `s`, returning the rest.
fn parse_prefix<'a>(
    p: &mut Parsed,
    s: &'a str,
    fmt: &str,
    input: &str,
    whole: &str,
) -> Result<&'a str, String> {
    // Try successively longer prefixes: composites have bounded length.
    for end in (1..=s.len().min(16)).rev() {
        if !s.is_char_boundary(end) {
            continue;
        }
        let mut trial = *p;
        if parse_into(&mut trial, &s[..end], fmt, input, whole).is_ok() {
            *p = trial;
            return Ok(&s[end..]);
        }
    }
    Err(format!(
        "parsing time {input:?} as {whole:?}: cannot parse {s:?} as {fmt:?}"
    ))
}

/// An IANA zone: transitions and offsets from a TZif file.
pub struct Zone {
    transitions: Vec<(i64, i64)>,
    initial: i64,
}

impl Zone {
    pub fn load(name: &str) -> Result<Zone, String> {
        if name == "UTC" || name == "Local" || name.is_empty() {
            return Ok(Zone {
                transitions: Vec::new(),
                initial: 0,
            });
        }
        if name.contains("..") {
            return Err(format!("unknown time zone {name}"));
        }
        let dir = std::env::var("ZONEINFO").unwrap_or_else(|_| "/usr/share/zoneinfo".into());
        let data = std::fs::read(std::path::Path::new(&dir).join(name))
            .map_err(|_| format!("unknown time zone {name}"))?;
        parse_tzif(&data).ok_or_else(|| format!("invalid time zone data for {name}"))
    }

    pub fn offset_at(&self, utc_secs: i64) -> i64 {
        match self.transitions.partition_point(|(t, _)| *t <= utc_secs) {
            0 => self.initial,
            i => self.transitions[i - 1].1,
        }
    }

    pub fn offset_for_local(&self, local_secs: i64) -> i64 {
        let o1 = self.offset_at(local_secs);
        let o2 = self.offset_at(local_secs - o1);
        if o1 == o2 {
            o1
        } else {
            self.offset_at(local_secs - o2)
        }
    }
}

fn be32(b: &[u8]) -> i64 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as i64
}

fn parse_tzif(data: &[u8]) -> Option<Zone> {
    let header = |d: &[u8]| -> Option<[usize; 6]> {
        if d.get(..4)? != b"TZif" {
            return None;
        }
        let mut c = [0usize; 6];
        for (i, slot) in c.iter_mut().enumerate() {
            *slot = be32(d.get(20 + 4 * i..24 + 4 * i)?) as usize;
        }
        Some(c)
    };
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = header(data)?;
    let version = *data.get(4)?;
    let v1_len = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    let (d, tsize, counts) = if version >= b'2' {
        let d = data.get(v1_len..)?;
        (d, 8usize, header(d)?)
    } else {
        (data, 4usize, [isut, isstd, leap, timecnt, typecnt, charcnt])
    };
    let [_, _, _, timecnt, typecnt, _] = counts;
    let mut pos = 44;
    let mut times = Vec::with_capacity(timecnt);
    for _ in 0..timecnt {
        let b = d.get(pos..pos + tsize)?;
        times.push(if tsize == 8 {
            i64::from_be_bytes(b.try_into().ok()?)
        } else {
            be32(b)
        });
        pos += tsize;
    }
    let idx: Vec<usize> = d
        .get(pos..pos + timecnt)?
        .iter()
        .map(|b| *b as usize)
        .collect();
    pos += timecnt;
    let mut types = Vec::with_capacity(typecnt);
    for _ in 0..typecnt {
        let b = d.get(pos..pos + 6)?;
        types.push((be32(b), b[4] != 0));
        pos += 6;
    }
    let initial = types.iter().find(|(_, dst)| !dst).or(types.first())?.0;
    let transitions = times
        .into_iter()
        .zip(idx)
        .map(|(t, i)| types.get(i).map(|(o, _)| (t, *o)))
        .collect::<Option<Vec<_>>>()?;
    Some(Zone {
        transitions,
        initial,
    })
}

static UTC: OnceLock<Zone> = OnceLock::new();

pub fn utc() -> &'static Zone {
    UTC.get_or_init(|| Zone {
        transitions: Vec::new(),
        initial: 0,
    })
}

pub mod imps {
    use super::*;
    use crate::funcs::CallCtx;
    use crate::plan::ExecResult;
    use crate::value::Value;

    type R = ExecResult<Value>;

    pub fn duration(c: &mut CallCtx) -> R {
        let s = c.string(0)?;
        parse_duration(&s).map(Value::Duration)
    }

    pub fn time(c: &mut CallCtx) -> R {
        let input = c.string(0)?;
        let format = c.string(1)?;
        if input.is_empty() {
            return Err("time cannot be nil".into());
        }
        if format.is_empty() {
            return Err("format cannot be nil".into());
        }
        let zone = match c.opt_string(2)? {
            Some(l) => Some(Zone::load(&l)?),
            None => None,
        };
        let loc = match c.opt_string(3)? {
            Some(tag) => locale(&tag).ok_or_else(|| format!("unsupported locale '{tag}'"))?,
            None => &LOCALES[0],
        };
        strptime_in(&input, &format, zone.as_ref(), loc).map(Value::Time)
    }

    pub fn formattime(c: &mut CallCtx) -> R {
        let t = c.time(0)?;
        let f = c.string(1)?;
        if f.is_empty() {
            return Err("format cannot be nil".into());
        }
        strftime(t, &f).map(Value::Str)
    }

    pub fn now(_: &mut CallCtx) -> R {
        let ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        Ok(Value::Time(ns))
    }

    pub fn truncatetime(c: &mut CallCtx) -> R {
        let t = c.time(0)?;
        let d = c.duration(1)?;
        if d <= 0 {
            return Ok(Value::Time(t));
        }
        Ok(Value::Time(t - t.rem_euclid(d)))
    }

    pub fn unix(c: &mut CallCtx) -> R {
        let s = c.int(0)?;
        let n = c.opt_int(1)?.unwrap_or(0);
        Ok(Value::Time(s.saturating_mul(NS).saturating_add(n)))
    }

    macro_rules! of_time {
        ($name:ident, |$c:ident| $e:expr) => {
            pub fn $name(c: &mut CallCtx) -> R {
                let $c = civil(c.time(0)?);
                Ok(Value::Int($e as i64))
            }
        };
    }
    of_time!(year, |c| c.year);
    of_time!(month, |c| c.month);
    of_time!(day, |c| c.day);
    of_time!(hour, |c| c.hour);
    of_time!(minute, |c| c.minute);
    of_time!(second, |c| c.second);
    of_time!(nanosecond, |c| c.nanos);
    of_time!(weekday, |c| c.weekday);

    pub fn unixnano(c: &mut CallCtx) -> R {
        Ok(Value::Int(c.time(0)?))
    }
    pub fn unixmicro(c: &mut CallCtx) -> R {
        Ok(Value::Int(c.time(0)?.div_euclid(1_000)))
    }
    pub fn unixmilli(c: &mut CallCtx) -> R {
        Ok(Value::Int(c.time(0)?.div_euclid(1_000_000)))
    }
    pub fn unixseconds(c: &mut CallCtx) -> R {
        Ok(Value::Int(c.time(0)?.div_euclid(NS)))
    }

    pub fn hours(c: &mut CallCtx) -> R {
        Ok(Value::Float(c.duration(0)? as f64 / 3600e9))
    }
    pub fn minutes(c: &mut CallCtx) -> R {
        Ok(Value::Float(c.duration(0)? as f64 / 60e9))
    }
    pub fn seconds(c: &mut CallCtx) -> R {
        Ok(Value::Float(c.duration(0)? as f64 / 1e9))
    }
    pub fn milliseconds(c: &mut CallCtx) -> R {
        Ok(Value::Int(c.duration(0)? / 1_000_000))
    }
    pub fn microseconds(c: &mut CallCtx) -> R {
        Ok(Value::Int(c.duration(0)? / 1_000))
    }
    pub fn nanoseconds(c: &mut CallCtx) -> R {
        Ok(Value::Int(c.duration(0)?))
    }
}
