//! Editors: the functions a statement starts with; they change telemetry.

use regex::Regex;

use super::{call_with_string, CallCtx};
use crate::plan::ExecResult;
use crate::value::Value;

type R = ExecResult<Value>;
const DONE: R = Ok(Value::Nil);

thread_local! {
    static REGEXES: std::cell::RefCell<std::collections::HashMap<String, Regex>> = Default::default();
}

/// Compiled regexes are kept per thread (bounded), so a pattern given as a
/// literal is compiled once, not once per item.
pub(crate) fn regex(pattern: &str) -> ExecResult<Regex> {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(r) = cache.get(pattern) {
            return Ok(r.clone());
        }
        let r = Regex::new(pattern).map_err(|e| {
            format!("the regex pattern supplied to the function is not a valid pattern: {e}")
        })?;
        if cache.len() >= 512 {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), r.clone());
        Ok(r)
    })
}

/// A glob (gobwas/glob without separators: `*` crosses `/`) as a regex.
pub(crate) fn glob(pattern: &str) -> ExecResult<Regex> {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    let mut in_alt = 0;
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                re.push('[');
                if chars.peek() == Some(&'!') {
                    chars.next();
                    re.push('^');
                }
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if c == '\\' || c == '[' {
                        re.push('\\');
                    }
                    re.push(c);
                }
                re.push(']');
            }
            '{' => {
                in_alt += 1;
                re.push_str("(?:");
            }
            '}' if in_alt > 0 => {
                in_alt -= 1;
                re.push(')');
            }
            ',' if in_alt > 0 => re.push('|'),
            '\\' => {
                if let Some(n) = chars.next() {
                    re.push_str(&regex::escape(&n.to_string()));
                }
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
    }
    re.push('$');
    regex(&re).map_err(|_| format!("invalid glob pattern {pattern:?}"))
}

pub fn set(c: &mut CallCtx) -> R {
    let v = c.get(1)?;
    if v != Value::Nil {
        c.set(0, v)?;
    }
    DONE
}

pub fn append(c: &mut CallCtx) -> R {
    if !c.has(1) && !c.has(2) {
        return Err(
            "at least one of the optional arguments ('value' or 'values') must be provided".into(),
        );
    }
    let mut out = match c.get(0)? {
        Value::Nil => Vec::new(),
        Value::List(l) => l,
        other => vec![other],
    };
    if c.has(1) {
        out.push(c.get(1)?);
    }
    if c.has(2) {
        out.extend(c.list(2)?);
    }
    c.set(0, Value::List(out))?;
    DONE
}

pub fn delete_index(c: &mut CallCtx) -> R {
    let mut l = c.slice(0)?;
    let start = c.int(1)?;
    let len = l.len() as i64;
    if start < 0 || start >= len {
        return Err(format!("startIndex {start} out of bounds"));
    }
    let end = c.opt_int(2)?.unwrap_or(start + 1);
    if end < start {
        return Err(format!(
            "endIndex {end} cannot be less than startIndex {start}"
        ));
    }
    if end > len {
        return Err(format!("deletion range [{start}:{end}] out of bounds"));
    }
    l.drain(start as usize..end as usize);
    c.set(0, Value::List(l))?;
    DONE
}

/// Reads the map target; a nil target is left alone (upstream's editors
/// are no-ops on absent maps).
fn target_map(c: &CallCtx) -> ExecResult<Option<Vec<(String, Value)>>> {
    match c.get(0)? {
        Value::Nil => Ok(None),
        Value::Map(m) => Ok(Some(m)),
        other => Err(format!(
            "expected pcommon.Map but got {}",
            other.type_name()
        )),
    }
}

pub fn delete_key(c: &mut CallCtx) -> R {
    let key = c.string(1)?;
    if let Some(mut m) = target_map(c)? {
        let before = m.len();
        m.retain(|(k, _)| *k != key);
        if m.len() != before {
            c.set(0, Value::Map(m))?;
        }
    }
    DONE
}

pub fn delete_matching_keys(c: &mut CallCtx) -> R {
    let re = regex(&c.string(1)?)?;
    if let Some(mut m) = target_map(c)? {
        m.retain(|(k, _)| !re.is_match(k));
        c.set(0, Value::Map(m))?;
    }
    DONE
}

pub fn keep_keys(c: &mut CallCtx) -> R {
    let keys: Vec<String> = c
        .list(1)?
        .into_iter()
        .map(|k| match k {
            Value::Str(s) => Ok(s),
            other => Err(format!("expected string but got {}", other.type_name())),
        })
        .collect::<ExecResult<_>>()?;
    if let Some(mut m) = target_map(c)? {
        m.retain(|(k, _)| keys.contains(k));
        c.set(0, Value::Map(m))?;
    }
    DONE
}

pub fn keep_matching_keys(c: &mut CallCtx) -> R {
    let re = regex(&c.string(1)?)?;
    if let Some(mut m) = target_map(c)? {
        m.retain(|(k, _)| re.is_match(k));
        c.set(0, Value::Map(m))?;
    }
    DONE
}

pub fn limit(c: &mut CallCtx) -> R {
    let limit = c.int(1)?;
    if limit < 0 {
        return Err(format!(
            "invalid limit for limit function, {limit} cannot be negative"
        ));
    }
    let prio: Vec<String> = c
        .list(2)?
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let Some(m) = target_map(c)? else { return DONE };
    if m.len() as i64 <= limit {
        return DONE;
    }
    let mut keep: Vec<bool> = vec![false; m.len()];
    let mut n = 0;
    for p in &prio {
        if n >= limit {
            break;
        }
        if let Some(i) = m.iter().position(|(k, _)| k == p) {
            if !keep[i] {
                keep[i] = true;
                n += 1;
            }
        }
    }
    for k in keep.iter_mut() {
        if n >= limit {
            break;
        }
        if !*k {
            *k = true;
            n += 1;
        }
    }
    let out = m
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(e, _)| e)
        .collect();
    c.set(0, Value::Map(out))?;
    DONE
}

pub fn merge_maps(c: &mut CallCtx) -> R {
    let source = c.map(1)?;
    let strategy = c.string(2)?;
    if !matches!(strategy.as_str(), "insert" | "update" | "upsert") {
        return Err(format!(
            "invalid value for strategy, {strategy}, must be 'insert', 'update' or 'upsert'"
        ));
    }
    let mut m = target_map(c)?.unwrap_or_default();
    for (k, v) in source {
        let exists = m.iter().any(|(mk, _)| *mk == k);
        match (strategy.as_str(), exists) {
            ("insert", false) | ("update", true) | ("upsert", _) => Value::map_put(&mut m, &k, v),
            _ => {}
        }
    }
    c.set(0, Value::Map(m))?;
    DONE
}

/// Applies the optional `function` and `replacementFormat` arguments to a
/// replacement (upstream hashes what would have been written, then formats).
fn finish_replacement(c: &CallCtx, fn_idx: usize, replacement: String) -> ExecResult<String> {
    let Some(f) = c.func(fn_idx) else {
        return Ok(replacement);
    };
    let hashed = call_with_string(f, replacement)?;
    match c.opt_string(fn_idx + 1)? {
        Some(fmt) => Ok(fmt.replacen("%s", &hashed, 1)),
        None => Ok(hashed),
    }
}

fn regex_replace(
    c: &CallCtx,
    re: &Regex,
    s: &str,
    replacement: &str,
    fn_idx: usize,
) -> ExecResult<String> {
    if c.func(fn_idx).is_none() {
        return Ok(re.replace_all(s, replacement).into_owned());
    }
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(s) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        let mut expanded = String::new();
        caps.expand(replacement, &mut expanded);
        out.push_str(&finish_replacement(c, fn_idx, expanded)?);
        last = m.end();
    }
    out.push_str(&s[last..]);
    Ok(out)
}

pub fn replace_pattern(c: &mut CallCtx) -> R {
    let re = regex(&c.string(1)?)?;
    let replacement = c.string(2)?;
    if let Value::Str(s) = c.get(0)? {
        let new = regex_replace(c, &re, &s, &replacement, 3)?;
        if new != s {
            c.set(0, Value::Str(new))?;
        }
    }
    DONE
}

pub fn replace_match(c: &mut CallCtx) -> R {
    let g = glob(&c.string(1)?)?;
    let replacement = c.string(2)?;
    if let Value::Str(s) = c.get(0)? {
        if g.is_match(&s) {
            let r = finish_replacement(c, 3, replacement)?;
            c.set(0, Value::Str(r))?;
        }
    }
    DONE
}

pub fn replace_all_matches(c: &mut CallCtx) -> R {
    let g = glob(&c.string(1)?)?;
    let replacement = c.string(2)?;
    let Some(mut m) = target_map(c)? else {
        return DONE;
    };
    for (_, v) in m.iter_mut() {
        if let Value::Str(s) = v {
            if g.is_match(s) {
                *v = Value::Str(finish_replacement(c, 3, replacement.clone())?);
            }
        }
    }
    c.set(0, Value::Map(m))?;
    DONE
}

pub fn replace_all_patterns(c: &mut CallCtx) -> R {
    let mode = c.string(1)?;
    let re = regex(&c.string(2)?)?;
    let replacement = c.string(3)?;
    let Some(m) = target_map(c)? else { return DONE };
    let mut out: Vec<(String, Value)> = Vec::with_capacity(m.len());
    match mode.as_str() {
        "value" => {
            for (k, v) in m {
                let v = match v {
                    Value::Str(s) if re.is_match(&s) => {
                        Value::Str(regex_replace(c, &re, &s, &replacement, 4)?)
                    }
                    v => v,
                };
                out.push((k, v));
            }
        }
        "key" => {
            for (k, v) in m {
                let k = if re.is_match(&k) {
                    regex_replace(c, &re, &k, &replacement, 4)?
                } else {
                    k
                };
                Value::map_put(&mut out, &k, v);
            }
        }
        other => {
            return Err(format!(
                "invalid mode {other}, must be either 'key' or 'value'"
            ))
        }
    }
    c.set(0, Value::Map(out))?;
    DONE
}

pub fn truncate_all(c: &mut CallCtx) -> R {
    let limit = c.int(1)?;
    if limit < 0 {
        return Err(format!(
            "invalid limit for truncate_all function, {limit} cannot be negative"
        ));
    }
    let utf8_safe = if c.has(2) { c.boolean(2)? } else { false };
    let Some(mut m) = target_map(c)? else {
        return DONE;
    };
    let mut changed = false;
    for (_, v) in m.iter_mut() {
        if let Value::Str(s) = v {
            if s.len() as i64 > limit {
                let mut cut = limit as usize;
                if utf8_safe || !s.is_char_boundary(cut) {
                    while cut > 0 && !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                }
                s.truncate(cut);
                changed = true;
            }
        }
    }
    if changed {
        c.set(0, Value::Map(m))?;
    }
    DONE
}

fn put_resolving(out: &mut Vec<(String, Value)>, key: String, v: Value, resolve: bool) {
    if resolve && out.iter().any(|(k, _)| *k == key) {
        let mut i = 0;
        loop {
            let candidate = format!("{key}.{i}");
            if !out.iter().any(|(k, _)| *k == candidate) {
                out.push((candidate, v));
                return;
            }
            i += 1;
        }
    }
    Value::map_put(out, &key, v);
}

fn flatten_into(
    out: &mut Vec<(String, Value)>,
    m: Vec<(String, Value)>,
    prefix: &str,
    depth: i64,
    max: i64,
    resolve: bool,
) {
    for (k, v) in m {
        let key = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Map(inner) if depth < max => {
                flatten_into(out, inner, &key, depth + 1, max, resolve)
            }
            Value::List(items) if depth < max => {
                for (i, item) in items.into_iter().enumerate() {
                    let ikey = format!("{key}.{i}");
                    match item {
                        Value::Map(inner) if depth + 1 < max => {
                            flatten_into(out, inner, &ikey, depth + 2, max, resolve)
                        }
                        Value::Map(inner) => put_resolving(out, ikey, Value::Map(inner), resolve),
                        other if resolve => put_resolving(out, key.clone(), other, resolve),
                        other => put_resolving(out, ikey, other, resolve),
                    }
                }
            }
            other => put_resolving(out, key, other, resolve),
        }
    }
}

pub fn flatten(c: &mut CallCtx) -> R {
    let prefix = c.opt_string(1)?.unwrap_or_default();
    let depth = c.opt_int(2)?.unwrap_or(i64::MAX);
    if depth < 0 {
        return Err(format!(
            "invalid depth for flatten function, {depth} cannot be negative"
        ));
    }
    let resolve = if c.has(3) { c.boolean(3)? } else { false };
    let Some(m) = target_map(c)? else { return DONE };
    let mut out = Vec::with_capacity(m.len());
    flatten_into(&mut out, m, &prefix, 0, depth, resolve);
    c.set(0, Value::Map(out))?;
    DONE
}
