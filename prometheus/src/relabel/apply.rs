//! Running rules over a label set.

use std::fmt::Write;

use md5::{Digest, Md5};

use super::{Action, Rule};
use crate::model::{Labels, LabelsBuilder};

/// Runs `rules` in order over `lb`; false when a rule drops the set (the
/// builder is then left as it was at that point).
pub fn process(rules: &[Rule], lb: &mut LabelsBuilder) -> bool {
    let mut scratch = Scratch::default();
    rules.iter().all(|rule| relabel(rule, lb, &mut scratch))
}

/// Runs `rules` over `labels`: the result, or `None` when dropped. An
/// unchanged set is returned as the same shared value.
pub fn apply(rules: &[Rule], labels: &Labels) -> Option<Labels> {
    let mut lb = labels.to_builder();
    if !process(rules, &mut lb) {
        return None;
    }
    if lb.equals(labels) {
        return Some(labels.clone());
    }
    Some(lb.labels())
}

/// Buffers reused across the rules of one run.
#[derive(Default)]
struct Scratch {
    value: String,
    target: String,
    replacement: String,
    pairs: Vec<(String, String)>,
}

fn relabel(rule: &Rule, lb: &mut LabelsBuilder, s: &mut Scratch) -> bool {
    s.value.clear();
    for (i, name) in rule.source_labels.iter().enumerate() {
        if i > 0 {
            s.value.push_str(&rule.separator);
        }
        s.value.push_str(lb.get(name).unwrap_or(""));
    }
    let val = s.value.as_str();
    match rule.action {
        Action::Drop => {
            if rule.regex.is_match(val) {
                return false;
            }
        }
        Action::Keep => {
            if !rule.regex.is_match(val) {
                return false;
            }
        }
        Action::DropEqual => {
            if lb.get(&rule.target_label).unwrap_or("") == val {
                return false;
            }
        }
        Action::KeepEqual => {
            if lb.get(&rule.target_label).unwrap_or("") != val {
                return false;
            }
        }
        Action::Replace => replace(rule, lb, s),
        Action::Lowercase => {
            let lowered = map_chars(val, true);
            lb.set(&rule.target_label, &lowered);
        }
        Action::Uppercase => {
            let raised = map_chars(val, false);
            lb.set(&rule.target_label, &raised);
        }
        Action::HashMod => {
            let digest = Md5::digest(val.as_bytes());
            let mut last = [0u8; 8];
            last.copy_from_slice(&digest[8..16]);
            let m = u64::from_be_bytes(last) % rule.modulus.max(1);
            s.target.clear();
            let _ = write!(s.target, "{m}");
            lb.set(&rule.target_label, &s.target);
        }
        Action::LabelMap => {
            snapshot(lb, &mut s.pairs);
            for (name, value) in &s.pairs {
                if rule.regex.is_match(name) {
                    let mapped = rule.regex.replace_all(name, &rule.replacement);
                    lb.set(&mapped, value);
                }
            }
        }
        Action::LabelDrop => lb.retain(|name, _| !rule.regex.is_match(name)),
        Action::LabelKeep => lb.retain(|name, _| rule.regex.is_match(name)),
    }
    true
}

fn replace(rule: &Rule, lb: &mut LabelsBuilder, s: &mut Scratch) {
    let val = s.value.as_str();
    // Nothing to expand and a regex that matches anything: no regex run.
    if rule.default_regex && rule.literal_target && rule.literal_replacement {
        if rule.names.is_valid(&rule.target_label) {
            lb.set(&rule.target_label, &rule.replacement);
        }
        return;
    }
    let Some(caps) = rule.regex.captures(val) else {
        return;
    };
    s.target.clear();
    if rule.literal_target {
        s.target.push_str(&rule.target_label);
    } else {
        alloy_goregex::expand(&caps, &rule.target_label, &mut s.target);
    }
    if !rule.names.is_valid(&s.target) {
        return;
    }
    s.replacement.clear();
    if rule.literal_replacement {
        s.replacement.push_str(&rule.replacement);
    } else {
        alloy_goregex::expand(&caps, &rule.replacement, &mut s.replacement);
    }
    if s.replacement.is_empty() {
        lb.del(&s.target);
    } else {
        lb.set(&s.target, &s.replacement);
    }
}

/// The builder's labels as they are now (Prometheus's `Builder.Range`
/// iterates over a copy, so sets during the loop do not feed back).
fn snapshot(lb: &LabelsBuilder, out: &mut Vec<(String, String)>) {
    out.clear();
    out.extend(lb.iter().map(|l| (l.name.to_owned(), l.value.to_owned())));
}

/// Go's `strings.ToLower`/`ToUpper`: each character by its simple case
/// mapping. Where Rust's full mapping gives several characters (German
/// sharp s, dotted capital I) Go keeps one.
fn map_chars(s: &str, lower: bool) -> String {
    if s.is_ascii() {
        return if lower {
            s.to_ascii_lowercase()
        } else {
            s.to_ascii_uppercase()
        };
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if lower && c == '\u{130}' {
            out.push('i');
            continue;
        }
        let mut mapped = [c; 3];
        let mut n = 0;
        if lower {
            for m in c.to_lowercase() {
                if n < 3 {
                    mapped[n] = m;
                }
                n += 1;
            }
        } else {
            for m in c.to_uppercase() {
                if n < 3 {
                    mapped[n] = m;
                }
                n += 1;
            }
        }
        out.push(if n == 1 { mapped[0] } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_mapping_is_per_character() {
        assert_eq!(map_chars("AbC", true), "abc");
        assert_eq!(map_chars("ÀΣ", true), "àσ");
        assert_eq!(map_chars("straße", false), "STRAßE");
        assert_eq!(map_chars("İ", true), "i");
    }
}
