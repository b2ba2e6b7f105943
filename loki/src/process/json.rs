//! The JMESPath expressions `stage.json` users write: field names (bare or
//! quoted), dotted paths and array indexes (`a.b`, `"x.y".z`, `a[0].b`).
//! Anything else (filters, projections, functions) is refused when the
//! stage is built rather than evaluated wrongly.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Step {
    Field(String),
    Index(i64),
}

pub(crate) fn compile(expr: &str) -> Result<Vec<Step>, String> {
    let refuse = || {
        format!("JMESPath expression {expr:?} is not supported by this runtime yet (field names, dotted paths and [n] indexes are)")
    };
    let mut steps = Vec::new();
    let b = expr.trim().as_bytes();
    let mut i = 0;
    let mut expect_field = true;
    while i < b.len() {
        if expect_field {
            if b[i] == b'"' {
                let mut s = String::new();
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(refuse()),
                        Some(b'"') => break,
                        Some(b'\\') => {
                            match b.get(i + 1) {
                                Some(&c) => s.push(c as char),
                                None => return Err(refuse()),
                            }
                            i += 2;
                            continue;
                        }
                        Some(_) => {
                            let rest = &expr.trim()[i..];
                            let ch = rest.chars().next().ok_or_else(refuse)?;
                            s.push(ch);
                            i += ch.len_utf8();
                            continue;
                        }
                    }
                }
                i += 1;
                steps.push(Step::Field(s));
            } else {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                if start == i || b[start].is_ascii_digit() {
                    return Err(refuse());
                }
                steps.push(Step::Field(expr.trim()[start..i].to_owned()));
            }
            expect_field = false;
        } else if b[i] == b'.' {
            i += 1;
            expect_field = true;
        } else if b[i] == b'[' {
            let end = expr.trim()[i..].find(']').ok_or_else(refuse)? + i;
            let n: i64 = expr.trim()[i + 1..end]
                .trim()
                .parse()
                .map_err(|_| refuse())?;
            steps.push(Step::Index(n));
            i = end + 1;
        } else {
            return Err(refuse());
        }
    }
    if expect_field && !steps.is_empty() || steps.is_empty() {
        return Err(refuse());
    }
    Ok(steps)
}

pub(crate) fn search<'a>(steps: &[Step], mut v: &'a Value) -> Option<&'a Value> {
    for step in steps {
        v = match (step, v) {
            (Step::Field(f), Value::Object(m)) => m.get(f)?,
            (Step::Index(n), Value::Array(a)) => {
                let idx = if *n < 0 { a.len() as i64 + n } else { *n };
                a.get(usize::try_from(idx).ok()?)?
            }
            _ => return None,
        };
    }
    Some(v)
}
