//! Relabelling: rules that rewrite, keep or drop label sets (targets
//! before a scrape, series after it, series before remote write).
//!
//! A rule arrives as a [`RuleSpec`] (the fields as the user wrote them,
//! defaults already applied by the decoder) and becomes a [`Rule`] through
//! [`RuleSpec::compile`], which validates it the way the chosen [`Dialect`]
//! does (Alloy's `rule` block or Prometheus's `relabel_config`) and compiles
//! the regex with Go semantics, anchored as `^(?s:regex)$`. [`process`] runs
//! rules over a [`LabelsBuilder`]; [`apply`] over a [`Labels`].

mod apply;
mod stage;

use std::fmt;
use std::str::FromStr;

use alloy_goregex::Regex;

pub use apply::{apply, process};
pub use stage::{CacheMode, RelabelMetrics, RelabelStage};

use crate::model::is_valid_legacy_label_name;

/// What a rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Replace,
    Keep,
    Drop,
    HashMod,
    LabelMap,
    LabelDrop,
    LabelKeep,
    Lowercase,
    Uppercase,
    KeepEqual,
    DropEqual,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Replace,
        Action::Keep,
        Action::Drop,
        Action::HashMod,
        Action::LabelMap,
        Action::LabelDrop,
        Action::LabelKeep,
        Action::Lowercase,
        Action::Uppercase,
        Action::KeepEqual,
        Action::DropEqual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Replace => "replace",
            Action::Keep => "keep",
            Action::Drop => "drop",
            Action::HashMod => "hashmod",
            Action::LabelMap => "labelmap",
            Action::LabelDrop => "labeldrop",
            Action::LabelKeep => "labelkeep",
            Action::Lowercase => "lowercase",
            Action::Uppercase => "uppercase",
            Action::KeepEqual => "keepequal",
            Action::DropEqual => "dropequal",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = RuleError;

    /// Upstream accepts exactly the lower-case names.
    fn from_str(s: &str) -> Result<Action, RuleError> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| RuleError(format!("unrecognized action type {s:?}")))
    }
}

/// Which label names are valid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameValidation {
    /// Any non-empty UTF-8 string (Prometheus 3's default, and what Alloy's
    /// `model.LabelName.IsValid` checks).
    #[default]
    Utf8,
    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    Legacy,
}

impl NameValidation {
    pub fn is_valid(self, name: &str) -> bool {
        match self {
            NameValidation::Utf8 => !name.is_empty(),
            NameValidation::Legacy => is_valid_legacy_label_name(name),
        }
    }
}

/// Whose validation rules apply to a rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// Alloy's `rule` block: `$` targets and `labelmap` replacements must
    /// match the legacy target pattern; names are otherwise UTF-8.
    #[default]
    Alloy,
    /// Prometheus's `relabel_config` under a validation scheme.
    Prometheus(NameValidation),
}

/// A rule as written: every field a `rule` block or `relabel_config` has.
/// [`RuleSpec::default`] holds the defaults both upstreams fill in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSpec {
    /// `None` when the field was not given (which `labeldrop`/`labelkeep`
    /// validation distinguishes from an empty list).
    pub source_labels: Option<Vec<String>>,
    pub separator: String,
    /// The regex as written, before anchoring.
    pub regex: String,
    pub modulus: u64,
    pub target_label: String,
    pub replacement: String,
    /// `""` is refused ("relabel action cannot be empty").
    pub action: String,
}

/// The default regex, `(.*)`.
pub const DEFAULT_REGEX: &str = "(.*)";

impl Default for RuleSpec {
    fn default() -> RuleSpec {
        RuleSpec {
            source_labels: None,
            separator: ";".to_owned(),
            regex: DEFAULT_REGEX.to_owned(),
            modulus: 0,
            target_label: String::new(),
            replacement: "$1".to_owned(),
            action: "replace".to_owned(),
        }
    }
}

/// Why a rule was refused; the text is upstream's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError(pub String);

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RuleError {}

/// A validated, compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub(crate) source_labels: Vec<String>,
    pub(crate) separator: String,
    pub(crate) regex: Regex,
    /// Whether the regex is the default `(.*)` (lets `replace` skip the
    /// regex when the template has no variables).
    pub(crate) default_regex: bool,
    pub(crate) modulus: u64,
    pub(crate) target_label: String,
    pub(crate) replacement: String,
    pub(crate) action: Action,
    /// Which expanded target labels `replace` accepts at run time.
    pub(crate) names: NameValidation,
    /// Whether target and replacement contain no `$` (no expansion needed).
    pub(crate) literal_target: bool,
    pub(crate) literal_replacement: bool,
    spec: RuleSpec,
}

impl Rule {
    pub fn action(&self) -> Action {
        self.action
    }

    /// The rule as written.
    pub fn spec(&self) -> &RuleSpec {
        &self.spec
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.spec == other.spec && self.names == other.names
    }
}

/// `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`: a label name that may hold
/// `$1`/`${name}` references (the legacy target pattern of both upstreams).
pub fn is_valid_target_template(s: &str) -> bool {
    // Hand-written: a sequence of items, each a letter/underscore or a
    // reference, each optionally followed by word characters.
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if c.is_ascii_alphabetic() || c == b'_' => i += 1,
            b'$' => {
                i += 1;
                if b.get(i) == Some(&b'{') {
                    let start = i + 1;
                    let mut j = start;
                    while j < b.len() && word(b[j]) {
                        j += 1;
                    }
                    if j == start || b.get(j) != Some(&b'}') {
                        return false;
                    }
                    i = j + 1;
                } else {
                    let start = i;
                    while i < b.len() && word(b[i]) {
                        i += 1;
                    }
                    if i == start {
                        return false;
                    }
                    continue;
                }
            }
            _ => return false,
        }
        while i < b.len() && word(b[i]) {
            i += 1;
        }
    }
    true
}

impl RuleSpec {
    /// Validates the rule as `dialect` does and compiles its regex.
    pub fn compile(&self, dialect: Dialect) -> Result<Rule, RuleError> {
        if self.action.is_empty() {
            return Err(RuleError("relabel action cannot be empty".to_owned()));
        }
        let action: Action = self.action.parse()?;
        let regex = Regex::new_anchored(&self.regex).map_err(|e| RuleError(e.to_string()))?;
        self.validate(action, dialect)?;
        let names = match dialect {
            Dialect::Alloy => NameValidation::Utf8,
            Dialect::Prometheus(scheme) => scheme,
        };
        Ok(Rule {
            source_labels: self.source_labels.clone().unwrap_or_default(),
            separator: self.separator.clone(),
            regex,
            default_regex: self.regex == DEFAULT_REGEX,
            modulus: self.modulus,
            target_label: self.target_label.clone(),
            replacement: self.replacement.clone(),
            action,
            names,
            literal_target: !self.target_label.contains('$'),
            literal_replacement: !self.replacement.contains('$'),
            spec: self.clone(),
        })
    }

    fn validate(&self, action: Action, dialect: Dialect) -> Result<(), RuleError> {
        use Action::*;
        let fail = |msg: String| Err(RuleError(msg));
        let target = &self.target_label;
        let defaults = RuleSpec::default();
        if action == HashMod && self.modulus == 0 {
            return fail("relabel configuration for hashmod requires non-zero modulus".into());
        }
        let needs_target = matches!(
            action,
            Replace | HashMod | Lowercase | Uppercase | KeepEqual | DropEqual
        );
        if needs_target && target.is_empty() {
            return fail(format!(
                "relabel configuration for {action} action requires 'target_label' value"
            ));
        }
        let invalid_target = || {
            fail(format!(
                "{target:?} is invalid 'target_label' for {action} action"
            ))
        };
        let (scheme, templates_legacy) = match dialect {
            Dialect::Alloy => (NameValidation::Utf8, true),
            Dialect::Prometheus(s) => (s, s == NameValidation::Legacy),
        };
        // A template is checked against the legacy pattern where the
        // dialect asks for it; under UTF-8 Prometheus accepts any.
        let template_ok = |s: &str| !templates_legacy || is_valid_target_template(s);
        if action == Replace {
            let ok = if target.contains('$') {
                template_ok(target)
            } else {
                scheme.is_valid(target)
            };
            if !ok {
                return invalid_target();
            }
        }
        let case_or_equal = matches!(action, Lowercase | Uppercase | KeepEqual | DropEqual);
        if case_or_equal && !scheme.is_valid(target) {
            return invalid_target();
        }
        if case_or_equal && self.replacement != defaults.replacement {
            return fail(format!("'replacement' can not be set for {action} action"));
        }
        if action == LabelMap && !template_ok(&self.replacement) {
            return fail(format!(
                "{:?} is invalid 'replacement' for {action} action",
                self.replacement
            ));
        }
        if action == HashMod && !scheme.is_valid(target) {
            return invalid_target();
        }
        if matches!(action, LabelDrop | LabelKeep)
            && (self.source_labels.is_some()
                || !target.is_empty()
                || self.modulus != 0
                || self.separator != defaults.separator
                || self.replacement != defaults.replacement)
        {
            return fail(format!(
                "{action} action requires only 'regex', and no other fields"
            ));
        }
        if matches!(action, KeepEqual | DropEqual)
            && (self.regex != DEFAULT_REGEX
                || self.modulus != 0
                || self.separator != defaults.separator
                || self.replacement != defaults.replacement)
        {
            let quote = match dialect {
                Dialect::Alloy => "'target_label'",
                Dialect::Prometheus(_) => "`target_label`",
            };
            return fail(format!(
                "{action} action requires only 'source_labels' and {quote}, and no other fields"
            ));
        }
        Ok(())
    }
}

/// Compiles every rule, stopping at the first error.
pub fn compile_rules(specs: &[RuleSpec], dialect: Dialect) -> Result<Vec<Rule>, RuleError> {
    specs.iter().map(|s| s.compile(dialect)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_template_pattern() {
        for (s, want) in [
            ("label", true),
            ("label${1}", true),
            ("${1}label", true),
            ("$1", true),
            ("_a$b", true),
            ("-label", false),
            ("0${3}", false),
            ("${}", false),
            ("$", false),
            ("a${1", false),
            ("a.b", false),
            ("", false),
        ] {
            assert_eq!(is_valid_target_template(s), want, "{s}");
        }
    }

    #[test]
    fn actions_parse_exactly() {
        assert_eq!("labelmap".parse::<Action>(), Ok(Action::LabelMap));
        assert_eq!(
            "Replace".parse::<Action>().map_err(|e| e.0),
            Err("unrecognized action type \"Replace\"".to_owned())
        );
    }
}
