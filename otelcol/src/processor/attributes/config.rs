//! Arguments of `otelcol.processor.attributes`.

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};

/// A literal attribute value from configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    String(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl AttrValue {
    pub fn to_any(&self) -> AnyValue {
        let v = match self {
            AttrValue::String(s) => any_value::Value::StringValue(s.clone()),
            AttrValue::Int(i) => any_value::Value::IntValue(*i),
            AttrValue::Double(d) => any_value::Value::DoubleValue(*d),
            AttrValue::Bool(b) => any_value::Value::BoolValue(*b),
        };
        AnyValue { value: Some(v) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Insert,
    Update,
    Upsert,
    Delete,
    Hash,
    Extract,
    Convert,
}

impl std::str::FromStr for ActionKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "insert" => ActionKind::Insert,
            "update" => ActionKind::Update,
            "upsert" => ActionKind::Upsert,
            "delete" => ActionKind::Delete,
            "hash" => ActionKind::Hash,
            "extract" => ActionKind::Extract,
            "convert" => ActionKind::Convert,
            other => return Err(format!("unsupported action {other:?}")),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertedType {
    Int,
    Double,
    String,
}

impl std::str::FromStr for ConvertedType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "int" => ConvertedType::Int,
            "double" => ConvertedType::Double,
            "string" => ConvertedType::String,
            other => return Err(format!("unsupported converted_type {other:?}")),
        })
    }
}

/// One `action` block.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionConfig {
    pub key: String,
    pub action: ActionKind,
    pub value: Option<AttrValue>,
    pub pattern: Option<String>,
    pub from_attribute: Option<String>,
    /// `metadata.<key>`, `client.address` or `auth.<attr>`.
    pub from_context: Option<String>,
    pub converted_type: Option<ConvertedType>,
}

impl ActionConfig {
    pub fn new(key: &str, action: ActionKind) -> Self {
        Self {
            key: key.to_string(),
            action,
            value: None,
            pattern: None,
            from_attribute: None,
            from_context: None,
            converted_type: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchType {
    #[default]
    Strict,
    Regexp,
}

/// `attribute` / `resource` blocks: a key, optionally with a value to equal
/// (strict) or match (regexp, string values only).
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeMatch {
    pub key: String,
    pub value: Option<AttrValue>,
}

/// `library` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryMatch {
    pub name: String,
    pub version: Option<String>,
}

/// `log_severity` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSeverity {
    /// Minimum `SeverityNumber` (e.g. 9 = INFO); see [`severity_number`].
    pub min: i32,
    pub match_undefined: bool,
}

/// `include` / `exclude`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MatchConfig {
    pub match_type: MatchType,
    pub services: Vec<String>,
    pub span_names: Vec<String>,
    pub span_kinds: Vec<String>,
    pub log_bodies: Vec<String>,
    pub log_severity_texts: Vec<String>,
    pub log_severity: Option<LogSeverity>,
    pub metric_names: Vec<String>,
    pub attributes: Vec<AttributeMatch>,
    pub resources: Vec<AttributeMatch>,
    pub libraries: Vec<LibraryMatch>,
}

/// Arguments of `otelcol.processor.attributes` (the `output` block is
/// [`crate::Outputs`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttributesConfig {
    pub actions: Vec<ActionConfig>,
    pub include: Option<MatchConfig>,
    pub exclude: Option<MatchConfig>,
}

/// Maps a severity name (`INFO`, `warn3`, ...) to its OTLP `SeverityNumber`.
pub fn severity_number(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let (base, suffix) = upper.split_at(upper.trim_end_matches(|c: char| c.is_ascii_digit()).len());
    let offset: i32 = if suffix.is_empty() {
        0
    } else {
        suffix.parse::<i32>().ok()? - 1
    };
    if !(0..=3).contains(&offset) {
        return None;
    }
    let start = match base {
        "TRACE" => 1,
        "DEBUG" => 5,
        "INFO" => 9,
        "WARN" => 13,
        "ERROR" => 17,
        "FATAL" => 21,
        _ => return None,
    };
    Some(start + offset)
}
