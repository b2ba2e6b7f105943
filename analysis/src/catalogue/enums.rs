//! Enumerated string values that the catalogue does not record (upstream
//! checks them in Go `UnmarshalText`/`Validate` code). Hand-maintained and
//! deliberately small: only values whose full set is certain are listed, so
//! a value missing here can never cause a false error.

/// Allowed values of one attribute.
#[derive(Clone, Copy, Debug)]
pub struct EnumRule {
    /// Component or config block name (`otelcol.auth.headers`, `logging`).
    pub owner: &'static str,
    /// Nested block path inside it (`["header"]`), empty for the body.
    pub path: &'static [&'static str],
    pub attribute: &'static str,
    pub values: &'static [&'static str],
    /// Values compare case-insensitively (relabel actions).
    pub ignore_case: bool,
    /// Upstream's message for a bad value; `{}` is the value.
    pub message: &'static str,
}

const RELABEL_ACTIONS: &[&str] = &[
    "replace",
    "keep",
    "drop",
    "hashmod",
    "labelmap",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
    "keepequal",
    "dropequal",
];

const RULES: &[EnumRule] = &[
    EnumRule {
        owner: "otelcol.auth.headers",
        path: &["header"],
        attribute: "action",
        values: &["insert", "update", "upsert", "delete"],
        ignore_case: false,
        message: "unknown action {}",
    },
    EnumRule {
        owner: "logging",
        path: &[],
        attribute: "level",
        values: &["debug", "info", "warn", "error", ""],
        ignore_case: false,
        message: "unrecognized log level {:?}",
    },
    EnumRule {
        owner: "logging",
        path: &[],
        attribute: "format",
        values: &["logfmt", "json"],
        ignore_case: false,
        message: "unrecognized log format {:?}",
    },
    EnumRule {
        owner: "discovery.relabel",
        path: &["rule"],
        attribute: "action",
        values: RELABEL_ACTIONS,
        ignore_case: true,
        message: "unknown relabel action {:?}",
    },
    EnumRule {
        owner: "prometheus.relabel",
        path: &["rule"],
        attribute: "action",
        values: RELABEL_ACTIONS,
        ignore_case: true,
        message: "unknown relabel action {:?}",
    },
];

/// The rule for an attribute, if its values are enumerated.
pub fn enum_rule(owner: &str, path: &[String], attribute: &str) -> Option<&'static EnumRule> {
    RULES.iter().find(|r| {
        r.owner == owner
            && r.attribute == attribute
            && r.path.len() == path.len()
            && r.path.iter().zip(path).all(|(a, b)| a == b)
    })
}

impl EnumRule {
    pub fn allows(&self, value: &str) -> bool {
        if self.ignore_case {
            self.values.iter().any(|v| v.eq_ignore_ascii_case(value))
        } else {
            self.values.contains(&value)
        }
    }

    /// The message for `value`, in upstream's wording.
    pub fn message_for(&self, value: &str) -> String {
        if self.message.contains("{:?}") {
            self.message.replace("{:?}", &format!("{value:?}"))
        } else {
            self.message.replace("{}", value)
        }
    }
}
