//! Converters: functions that return a value (uppercase names).

use super::editors::regex;
use super::CallCtx;
use crate::plan::ExecResult;
use crate::value::{deep_eq, format_float, Value};

type R = ExecResult<Value>;

fn not_implemented(name: &str) -> R {
    Err(format!(
        "{name} is not implemented by this OTTL implementation"
    ))
}

pub fn convertattributestoelementsxml(_: &mut CallCtx) -> R {
    not_implemented("ConvertAttributesToElementsXML")
}
pub fn converttexttoelementsxml(_: &mut CallCtx) -> R {
    not_implemented("ConvertTextToElementsXML")
}
pub fn getxml(_: &mut CallCtx) -> R {
    not_implemented("GetXML")
}
pub fn insertxml(_: &mut CallCtx) -> R {
    not_implemented("InsertXML")
}
pub fn parsexml(_: &mut CallCtx) -> R {
    not_implemented("ParseXML")
}
pub fn parsesimplifiedxml(_: &mut CallCtx) -> R {
    not_implemented("ParseSimplifiedXML")
}
pub fn removexml(_: &mut CallCtx) -> R {
    not_implemented("RemoveXML")
}
pub fn extractgrokpatterns(_: &mut CallCtx) -> R {
    not_implemented("ExtractGrokPatterns")
}
pub fn useragent(_: &mut CallCtx) -> R {
    not_implemented("UserAgent")
}
pub fn xxh3(_: &mut CallCtx) -> R {
    not_implemented("XXH3")
}
pub fn xxh128(_: &mut CallCtx) -> R {
    not_implemented("XXH128")
}
pub fn murmur3hash128(_: &mut CallCtx) -> R {
    not_implemented("Murmur3Hash128")
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Nil, f)
}

pub fn bool(c: &mut CallCtx) -> R {
    Ok(opt(c.bool_like(0)?, Value::Bool))
}
pub fn double(c: &mut CallCtx) -> R {
    Ok(opt(c.float_like(0)?, Value::Float))
}
pub fn int(c: &mut CallCtx) -> R {
    Ok(opt(c.int_like(0)?, Value::Int))
}
pub fn string(c: &mut CallCtx) -> R {
    Ok(opt(c.string_like(0)?, Value::Str))
}

pub fn coalesce(c: &mut CallCtx) -> R {
    Ok(c.list(0)?
        .into_iter()
        .find(|v| *v != Value::Nil)
        .unwrap_or(Value::Nil))
}

pub fn concat(c: &mut CallCtx) -> R {
    let delim = c.string(1)?;
    let parts: Vec<String> = c
        .list(0)?
        .iter()
        .map(|v| v.to_display_string().unwrap_or_else(|| "<nil>".into()))
        .collect();
    Ok(Value::Str(parts.join(&delim)))
}

pub fn containsvalue(c: &mut CallCtx) -> R {
    let l = c.slice(0)?;
    let item = c.get(1)?;
    Ok(Value::Bool(
        l.iter().any(|v| deep_eq(v, &item) || num_eq(v, &item)),
    ))
}

fn num_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => false,
    }
}

fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = if i > 0 {
            chars.get(i - 1).copied()
        } else {
            None
        };
        let next = chars.get(i + 1).copied();
        let boundary = ch.is_uppercase()
            && !cur.is_empty()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || next.is_some_and(|n| n.is_lowercase())
                    && prev.is_some_and(|p| p.is_uppercase()));
        if boundary {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn to_snake(s: &str) -> String {
    split_words(s)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}
fn to_camel(s: &str) -> String {
    split_words(s)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}

pub fn convertcase(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let to = c.string(1)?;
    Ok(Value::Str(match to.as_str() {
        "lower" => s.to_lowercase(),
        "upper" => s.to_uppercase(),
        "snake" => to_snake(&s),
        "camel" => to_camel(&s),
        other => {
            return Err(format!(
                "invalid case: {other}, allowed cases are: lower, upper, snake, camel"
            ))
        }
    }))
}
pub fn tolowercase(c: &mut CallCtx) -> R {
    Ok(Value::Str(c.string(0)?.to_lowercase()))
}
pub fn touppercase(c: &mut CallCtx) -> R {
    Ok(Value::Str(c.string(0)?.to_uppercase()))
}
pub fn tosnakecase(c: &mut CallCtx) -> R {
    Ok(Value::Str(to_snake(&c.string(0)?)))
}
pub fn tocamelcase(c: &mut CallCtx) -> R {
    Ok(Value::Str(to_camel(&c.string(0)?)))
}

pub fn extractpatterns(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let re = regex(&c.string(1)?)?;
    if !re.capture_names().any(|n| n.is_some()) {
        return Err("at least 1 named capture group must be supplied in the given regex".into());
    }
    let mut out = Vec::new();
    if let Some(caps) = re.captures(&s) {
        for name in re.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                out.push((name.to_owned(), Value::str(m.as_str())));
            }
        }
    }
    Ok(Value::Map(out))
}

pub fn fnv(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    Ok(Value::Int(h as i64))
}

/// Go's `fmt.Sprintf` for the verbs people use in OTTL: `%s %v %d %f %x
/// %X %q %t %%` with flags, width and precision.
pub fn format(c: &mut CallCtx) -> R {
    let fmt = c.string(0)?;
    let vals = c.list(1)?;
    let mut args = vals.iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "+-# 0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() {
                width.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    p.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        let body = match (verb, arg) {
            ('d', Value::Int(i)) => i.to_string(),
            ('f' | 'F', Value::Float(f)) => format!("{:.*}", prec.unwrap_or(6), f),
            ('f' | 'F', Value::Int(i)) => format!("%!f(int64={i})"),
            ('e', Value::Float(f)) => format!("{:.*e}", prec.unwrap_or(6), f),
            ('x', Value::Int(i)) => format!("{i:x}"),
            ('X', Value::Int(i)) => format!("{i:X}"),
            ('x', Value::Str(s)) => hex::encode(s),
            ('x', Value::Bytes(b)) => hex::encode(b),
            ('q', Value::Str(s)) => format!("{s:?}"),
            ('t', Value::Bool(b)) => b.to_string(),
            ('s' | 'v', v) => v.to_display_string().unwrap_or_else(|| "<nil>".into()),
            (verb, v) => format!(
                "%!{verb}({}={})",
                v.type_name(),
                v.to_display_string().unwrap_or_default()
            ),
        };
        let body = match (verb, prec) {
            ('s', Some(p)) => body.chars().take(p).collect(),
            _ => body,
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len < w {
            let pad = w - len;
            if flags.contains('-') {
                out.push_str(&body);
                out.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && matches!(verb, 'd' | 'f' | 'x' | 'X' | 'e') {
                let (sign, digits) = body
                    .strip_prefix('-')
                    .map_or(("", body.as_str()), |d| ("-", d));
                out.push_str(sign);
                out.push_str(&"0".repeat(pad));
                out.push_str(digits);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&body);
            }
        } else {
            out.push_str(&body);
        }
    }
    for extra in args {
        out.push_str(&format!(
            "%!(EXTRA {}={})",
            extra.type_name(),
            extra.to_display_string().unwrap_or_default()
        ));
    }
    Ok(Value::Str(out))
}

pub fn hasprefix(c: &mut CallCtx) -> R {
    Ok(Value::Bool(c.string(0)?.starts_with(&c.string(1)?)))
}
pub fn hassuffix(c: &mut CallCtx) -> R {
    Ok(Value::Bool(c.string(0)?.ends_with(&c.string(1)?)))
}
pub fn hex(c: &mut CallCtx) -> R {
    Ok(opt(c.bytes_like(0)?, |b| Value::Str(hex::encode(b))))
}

pub fn index(c: &mut CallCtx) -> R {
    match c.get(0)? {
        Value::Str(s) => match c.get(1)? {
            Value::Str(needle) => Ok(Value::Int(
                s.find(&needle)
                    .map_or(-1, |byte| s[..byte].chars().count() as i64),
            )),
            _ => Err("invalid value type for Index function, value must be a string".into()),
        },
        Value::List(l) => {
            let item = c.get(1)?;
            Ok(Value::Int(
                l.iter()
                    .position(|v| deep_eq(v, &item))
                    .map_or(-1, |i| i as i64),
            ))
        }
        other => Err(format!(
            "expected pcommon.Slice but got {}",
            other.type_name()
        )),
    }
}

pub fn isbool(c: &mut CallCtx) -> R {
    Ok(Value::Bool(matches!(c.get(0)?, Value::Bool(_))))
}
pub fn isdouble(c: &mut CallCtx) -> R {
    Ok(Value::Bool(matches!(c.get(0)?, Value::Float(_))))
}
pub fn isint(c: &mut CallCtx) -> R {
    Ok(Value::Bool(matches!(c.get(0)?, Value::Int(_))))
}
pub fn islist(c: &mut CallCtx) -> R {
    Ok(Value::Bool(matches!(c.get(0)?, Value::List(_))))
}
pub fn ismap(c: &mut CallCtx) -> R {
    Ok(Value::Bool(matches!(c.get(0)?, Value::Map(_))))
}
pub fn isstring(c: &mut CallCtx) -> R {
    Ok(Value::Bool(matches!(c.get(0)?, Value::Str(_))))
}
pub fn ismatch(c: &mut CallCtx) -> R {
    let re = regex(&c.string(1)?)?;
    Ok(Value::Bool(
        c.string_like(0)?.is_some_and(|s| re.is_match(&s)),
    ))
}
pub fn isrootspan(c: &mut CallCtx) -> R {
    match c.transform_context().span() {
        Some(s) => Ok(Value::Bool(
            s.parent_span_id.is_empty() || s.parent_span_id.iter().all(|b| *b == 0),
        )),
        None => Err("IsRootSpan is only available in the span and spanevent contexts".into()),
    }
}

pub fn isincidr(c: &mut CallCtx) -> R {
    let ip = c.string(0)?;
    let nets: Vec<String> = c
        .list(1)?
        .into_iter()
        .map(|v| match v {
            Value::Str(s) => Ok(s),
            o => Err(format!("expected string but got {}", o.type_name())),
        })
        .collect::<ExecResult<_>>()?;
    let parsed: Vec<(std::net::IpAddr, u8)> = nets
        .iter()
        .map(|n| parse_cidr(n).ok_or_else(|| format!("invalid CIDR address: {n}")))
        .collect::<ExecResult<_>>()?;
    let Ok(addr) = ip.parse::<std::net::IpAddr>() else {
        return Ok(Value::Bool(false));
    };
    Ok(Value::Bool(
        parsed
            .iter()
            .any(|(net, bits)| cidr_contains(*net, *bits, addr)),
    ))
}

fn parse_cidr(s: &str) -> Option<(std::net::IpAddr, u8)> {
    let (ip, bits) = s.split_once('/')?;
    let ip: std::net::IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn cidr_contains(net: std::net::IpAddr, bits: u8, ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr::*;
    match (net, ip) {
        (V4(n), V4(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits as u32)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (V6(n), V6(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits as u32)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

pub fn isvalidluhn(c: &mut CallCtx) -> R {
    let Some(s) = c.string_like(0)? else {
        return Err("invalid input for IsValidLuhn: nil".into());
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid input for IsValidLuhn: {s} is not a number"
        ));
    }
    let mut sum = 0u32;
    for (i, b) in s.bytes().rev().enumerate() {
        let mut d = (b - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Ok(Value::Bool(sum.is_multiple_of(10)))
}

pub fn keys(c: &mut CallCtx) -> R {
    Ok(Value::List(
        c.map(0)?.into_iter().map(|(k, _)| Value::Str(k)).collect(),
    ))
}
pub fn values(c: &mut CallCtx) -> R {
    Ok(Value::List(c.map(0)?.into_iter().map(|(_, v)| v).collect()))
}

pub fn len(c: &mut CallCtx) -> R {
    Ok(Value::Int(match c.get(0)? {
        Value::Str(s) => s.chars().count() as i64,
        Value::List(l) => l.len() as i64,
        Value::Map(m) => m.len() as i64,
        Value::Bytes(b) => b.len() as i64,
        other => return Err(format!("unsupported type: {}", other.type_name())),
    }))
}

pub fn log(c: &mut CallCtx) -> R {
    match c.float_like(0)? {
        None => Err("invalid value for Log: nil".into()),
        Some(f) if f <= 0.0 => Err(format!(
            "invalid value for Log: {} must be greater than zero",
            format_float(f)
        )),
        Some(f) => Ok(Value::Float(f.ln())),
    }
}

pub fn murmur3hash(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    Ok(Value::Str(hex::encode(
        murmur3_32(s.as_bytes(), 0).to_le_bytes(),
    )))
}

fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e2d51;
    const C2: u32 = 0x1b873593;
    let mut h = seed;
    let chunks = data.chunks_exact(4);
    let tail = chunks.remainder();
    for ch in chunks {
        let mut k = u32::from_le_bytes([ch[0], ch[1], ch[2], ch[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe6546b64);
    }
    let mut k = 0u32;
    for (i, b) in tail.iter().enumerate() {
        k |= (*b as u32) << (8 * i);
    }
    if !tail.is_empty() {
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85ebca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2ae35);
    h ^= h >> 16;
    h
}

pub fn parseint(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let base = c.int(1)?;
    if base != 0 && !(2..=36).contains(&base) {
        return Err(format!("invalid base: {base}"));
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let (radix, digits) = if base == 0 {
        let lower = body.to_ascii_lowercase();
        if lower.starts_with("0x") {
            (16, &body[2..])
        } else if lower.starts_with("0b") {
            (2, &body[2..])
        } else if lower.starts_with("0o") {
            (8, &body[2..])
        } else if body.starts_with('0') && body.len() > 1 {
            (8, &body[1..])
        } else {
            (10, body)
        }
    } else {
        (base as u32, body)
    };
    let digits = if base == 0 {
        digits.replace('_', "")
    } else {
        digits.to_owned()
    };
    let v = i128::from_str_radix(&digits, radix)
        .map_err(|e| format!("strconv.ParseInt: parsing {s:?}: {e}"))?;
    let v = if neg { -v } else { v };
    i64::try_from(v)
        .map(Value::Int)
        .map_err(|_| format!("strconv.ParseInt: parsing {s:?}: value out of range"))
}

pub fn parsejson(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let j: serde_json::Value =
        serde_json::from_str(&s).map_err(|e| format!("could not parse JSON: {e}"))?;
    fn conv(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            // encoding/json decodes every number as float64.
            J::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::List(a.iter().map(conv).collect()),
            J::Object(o) => Value::Map(o.iter().map(|(k, v)| (k.clone(), conv(v))).collect()),
        }
    }
    match &j {
        serde_json::Value::Object(_) | serde_json::Value::Array(_) => Ok(conv(&j)),
        _ => Err(format!(
            "could not convert parsed value of type {} into map or slice",
            json_kind(&j)
        )),
    }
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    match j {
        serde_json::Value::Null => "nil",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "float64",
        serde_json::Value::String(_) => "string",
        _ => "composite",
    }
}

/// Splits on `delim` outside double quotes.
fn split_quoted(s: &str, delim: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < s.len() {
        if bytes[i] == b'"' {
            in_quote = !in_quote;
            cur.push('"');
            i += 1;
            continue;
        }
        if !in_quote && !delim.is_empty() && s[i..].starts_with(delim) {
            out.push(std::mem::take(&mut cur));
            i += delim.len();
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        cur.push(ch);
        i += ch.len_utf8();
    }
    out.push(cur);
    out
}

fn unquote_pair(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        t[1..t.len() - 1].to_owned()
    } else {
        t.to_owned()
    }
}

pub fn parsekeyvalue(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let delim = c.opt_string(1)?.unwrap_or_else(|| "=".into());
    let pair = c.opt_string(2)?.unwrap_or_else(|| " ".into());
    if delim == pair {
        return Err(format!(
            "pair delimiter \"{pair}\" cannot be equal to delimiter \"{delim}\""
        ));
    }
    if s.is_empty() {
        return Err("cannot parse from empty string".into());
    }
    let mut out = Vec::new();
    for p in split_quoted(&s, &pair) {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let Some((k, v)) = p.split_once(delim.as_str()) else {
            return Err(format!("cannot split {p:?} into 2 items, got 1 item(s)"));
        };
        Value::map_put(&mut out, &unquote_pair(k), Value::Str(unquote_pair(v)));
    }
    Ok(Value::Map(out))
}

pub fn tokeyvaluestring(c: &mut CallCtx) -> R {
    let m = c.map(0)?;
    let delim = c.opt_string(1)?.unwrap_or_else(|| "=".into());
    let pair = c.opt_string(2)?.unwrap_or_else(|| " ".into());
    let sort = if c.has(3) { c.boolean(3)? } else { false };
    let mut entries: Vec<(String, String)> = m
        .into_iter()
        .map(|(k, v)| (k, v.to_display_string().unwrap_or_default()))
        .collect();
    if sort {
        entries.sort();
    }
    let quote = |s: &str| {
        if s.contains(&delim) || s.contains(&pair) {
            format!("\"{}\"", s.replace('"', "\\\""))
        } else {
            s.to_owned()
        }
    };
    Ok(Value::Str(
        entries
            .iter()
            .map(|(k, v)| format!("{}{delim}{}", quote(k), quote(v)))
            .collect::<Vec<_>>()
            .join(&pair),
    ))
}

pub fn parsecsv(c: &mut CallCtx) -> R {
    let target = c.string(0)?;
    let header = c.string(1)?;
    let delim = c.opt_string(2)?.unwrap_or_else(|| ",".into());
    let header_delim = c.opt_string(3)?.unwrap_or_else(|| delim.clone());
    let mode = c.opt_string(4)?.unwrap_or_else(|| "strict".into());
    let mut dchars = delim.chars();
    let (Some(d), None) = (dchars.next(), dchars.next()) else {
        return Err(format!(
            "invalid delimiter: {delim:?}, must be a single character"
        ));
    };
    if header.is_empty() {
        return Err("headers must not be an empty string".into());
    }
    let headers: Vec<&str> = header.split(header_delim.as_str()).collect();
    let fields: Vec<String> = match mode.as_str() {
        "strict" => csv_fields(&target, d, false)?,
        "lazyQuotes" => csv_fields(&target, d, true)?,
        "ignoreQuotes" => target.split(d).map(str::to_owned).collect(),
        other => return Err(format!("unknown mode: {other}")),
    };
    if fields.len() != headers.len() {
        return Err(format!(
            "wrong number of fields: expected {}, found {}",
            headers.len(),
            fields.len()
        ));
    }
    Ok(Value::Map(
        headers
            .iter()
            .zip(fields)
            .map(|(h, f)| ((*h).to_owned(), Value::Str(f)))
            .collect(),
    ))
}

/// One CSV record (RFC 4180 quoting, as Go's encoding/csv reads it).
fn csv_fields(s: &str, d: char, lazy: bool) -> ExecResult<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut at_start = true;
    loop {
        if at_start && chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        cur.push('"');
                    }
                    Some('"') => break,
                    Some(ch) => cur.push(ch),
                    None => {
                        if lazy {
                            break;
                        }
                        return Err("parse error: extraneous or missing \" in quoted-field".into());
                    }
                }
            }
            match chars.peek() {
                None => {}
                Some(ch) if *ch == d => {}
                Some(_) if lazy => {}
                Some(_) => {
                    return Err("parse error: extraneous or missing \" in quoted-field".into())
                }
            }
        }
        match chars.next() {
            None => {
                out.push(cur);
                return Ok(out);
            }
            Some(ch) if ch == d => {
                out.push(std::mem::take(&mut cur));
                at_start = true;
            }
            Some('"') if !lazy => return Err("parse error: bare \" in non-quoted-field".into()),
            Some(ch) => {
                cur.push(ch);
                at_start = false;
            }
        }
    }
}

pub fn parseseverity(c: &mut CallCtx) -> R {
    let target = c.get(0)?;
    let mapping = c.map(1)?;
    for (level, criteria) in &mapping {
        let Value::List(items) = criteria else {
            return Err("severity mapping criteria must be []any".into());
        };
        for item in items {
            let Value::Map(crit) = item else {
                return Err("severity mapping criteria items must be map[string]any".into());
            };
            if let Some(eq) = Value::map_get(crit, "equals") {
                let Value::List(vals) = eq else {
                    return Err("equals must be a list".into());
                };
                let t = target.to_display_string();
                if vals.iter().any(|v| v.to_display_string() == t) {
                    return Ok(Value::str(level.clone()));
                }
            }
            if let Some(range) = Value::map_get(crit, "range") {
                let (min, max) = match range {
                    Value::Str(s) => match s.as_str() {
                        "1xx" => (100, 199),
                        "2xx" => (200, 299),
                        "3xx" => (300, 399),
                        "4xx" => (400, 499),
                        "5xx" => (500, 599),
                        other => {
                            return Err(format!(
                            "invalid severity mapping criteria: unknown range placeholder {other}"
                        ))
                        }
                    },
                    Value::Map(r) => {
                        let get = |k: &str| match Value::map_get(r, k) {
                            Some(Value::Int(i)) => Some(*i),
                            Some(Value::Float(f)) => Some(*f as i64),
                            _ => None,
                        };
                        let min = get("min").ok_or(
                            "invalid severity mapping criteria: range must have a min value",
                        )?;
                        let max = get("max").ok_or(
                            "invalid severity mapping criteria: range must have a max value",
                        )?;
                        (min, max)
                    }
                    _ => return Err("invalid severity mapping criteria: invalid range".into()),
                };
                let n = match &target {
                    Value::Int(i) => Some(*i),
                    Value::Float(f) => Some(*f as i64),
                    Value::Str(s) => s.parse().ok(),
                    _ => None,
                };
                if n.is_some_and(|n| n >= min && n <= max) {
                    return Ok(Value::str(level.clone()));
                }
            }
        }
    }
    Err("no matching log level found for value".into())
}

fn id(c: &CallCtx, len: usize, what: &str) -> R {
    let b = c.bytes_like(0)?.unwrap_or_default();
    if b.len() != len {
        return Err(format!("{what} must be {len} bytes"));
    }
    Ok(Value::Id(b))
}
pub fn traceid(c: &mut CallCtx) -> R {
    id(c, 16, "traces ids")
}
pub fn spanid(c: &mut CallCtx) -> R {
    id(c, 8, "span ids")
}
pub fn profileid(c: &mut CallCtx) -> R {
    id(c, 16, "profile ids")
}

pub fn slicetomap(c: &mut CallCtx) -> R {
    let l = c.slice(0)?;
    let key_path: Vec<String> = c
        .list(1)?
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let value_path: Vec<String> = c
        .list(2)?
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let walk = |v: &Value, path: &[String]| -> Option<Value> {
        let mut cur = v;
        for p in path {
            match cur {
                Value::Map(m) => cur = Value::map_get(m, p)?,
                _ => return None,
            }
        }
        Some(cur.clone())
    };
    let mut out = Vec::new();
    for (i, item) in l.iter().enumerate() {
        let key = if key_path.is_empty() {
            i.to_string()
        } else {
            match walk(item, &key_path) {
                Some(Value::Str(s)) => s,
                Some(other) => {
                    return Err(format!(
                        "provided key path resolved to a non-string value: {}",
                        other.type_name()
                    ))
                }
                None => return Err("could not find key path in slice element".into()),
            }
        };
        let value = if value_path.is_empty() {
            item.clone()
        } else {
            walk(item, &value_path).ok_or("could not find value path in slice element")?
        };
        Value::map_put(&mut out, &key, value);
    }
    Ok(Value::Map(out))
}

pub fn sort(c: &mut CallCtx) -> R {
    let order = c.opt_string(1)?.unwrap_or_else(|| "asc".into());
    if order != "asc" && order != "desc" {
        return Err(format!(
            "invalid arguments: {order}. Order should be either \"asc\" or \"desc\""
        ));
    }
    let mut l = match c.get(0)? {
        Value::List(l) => l,
        other => return Ok(other),
    };
    let all = |f: fn(&Value) -> bool| l.iter().all(f);
    if all(|v| matches!(v, Value::Int(_) | Value::Float(_))) {
        let key = |v: &Value| match v {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => 0.0,
        };
        l.sort_by(|a, b| key(a).total_cmp(&key(b)));
    } else if all(|v| matches!(v, Value::Str(_))) || all(|v| matches!(v, Value::Bool(_))) {
        l.sort_by(|a, b| match (a, b) {
            (Value::Str(x), Value::Str(y)) => x.cmp(y),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
    } else {
        l.sort_by_key(|v| v.to_display_string().unwrap_or_default());
    }
    if order == "desc" {
        l.reverse();
    }
    Ok(Value::List(l))
}

pub fn split(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let d = c.string(1)?;
    if d.is_empty() {
        return Ok(Value::List(
            s.chars().map(|ch| Value::Str(ch.to_string())).collect(),
        ));
    }
    Ok(Value::List(s.split(d.as_str()).map(Value::str).collect()))
}

pub fn substring(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let start = c.int(1)?;
    let length = c.int(2)?;
    if start < 0 {
        return Err(format!(
            "invalid start for substring function, {start} cannot be negative"
        ));
    }
    if length <= 0 {
        return Err(format!(
            "invalid length for substring function, {length} cannot be negative or zero"
        ));
    }
    let end = start + length;
    if end as usize > s.len() {
        return Err(format!(
            "invalid range for substring function, {end} cannot be greater than the length of target string({})",
            s.len()
        ));
    }
    s.get(start as usize..end as usize)
        .map(Value::str)
        .ok_or_else(|| "substring does not fall on character boundaries".into())
}

pub fn trim(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let cut = c.opt_string(1)?.unwrap_or_else(|| " ".into());
    Ok(Value::Str(s.trim_matches(|ch| cut.contains(ch)).to_owned()))
}
pub fn trimprefix(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let p = c.string(1)?;
    Ok(Value::Str(
        s.strip_prefix(p.as_str()).unwrap_or(&s).to_owned(),
    ))
}
pub fn trimsuffix(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let p = c.string(1)?;
    Ok(Value::Str(
        s.strip_suffix(p.as_str()).unwrap_or(&s).to_owned(),
    ))
}

/// URL parsing into `url.*` semantic-convention keys.
pub fn url(c: &mut CallCtx) -> R {
    let original = c.string(0)?;
    if original.is_empty() {
        return Err("url cannot be empty".into());
    }
    let mut out: Vec<(String, Value)> = vec![("url.original".into(), Value::str(original.clone()))];
    let (scheme, rest) = original
        .split_once("://")
        .ok_or_else(|| format!("parse {original:?}: missing protocol scheme"))?;
    out.push(("url.scheme".into(), Value::str(scheme)));
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p))
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') =>
        {
            (h, Some(p))
        }
        _ => (hostport, None),
    };
    out.push((
        "url.domain".into(),
        Value::str(host.trim_start_matches('[').trim_end_matches(']')),
    ));
    out.push(("url.path".into(), Value::str(path)));
    if let Some(p) = port {
        out.push((
            "url.port".into(),
            Value::Int(p.parse().map_err(|_| "invalid port")?),
        ));
    }
    if let Some(u) = userinfo {
        out.push(("url.user_info".into(), Value::str(u)));
        let (name, pass) = u.split_once(':').map_or((u, None), |(a, b)| (a, Some(b)));
        out.push(("url.username".into(), Value::str(name)));
        if let Some(p) = pass {
            out.push(("url.password".into(), Value::str(p)));
        }
    }
    if let Some(q) = query {
        out.push(("url.query".into(), Value::str(q)));
    }
    if let Some(f) = fragment {
        out.push(("url.fragment".into(), Value::str(f)));
    }
    if let Some(file) = path.rsplit('/').next() {
        if let Some((_, ext)) = file.rsplit_once('.') {
            if !ext.is_empty() {
                out.push(("url.extension".into(), Value::str(ext)));
            }
        }
    }
    Ok(Value::Map(out))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::fill(&mut b[..]);
    b
}

fn uuid_string(b: &[u8; 16]) -> String {
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn uuid(_: &mut CallCtx) -> R {
    let mut b: [u8; 16] = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Ok(Value::Str(uuid_string(&b)))
}

pub fn uuidv7(_: &mut CallCtx) -> R {
    let mut b: [u8; 16] = random_bytes();
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    Ok(Value::Str(uuid_string(&b)))
}
