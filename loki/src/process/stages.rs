//! The stages. One struct per stage; [`build`] turns a config into one.

use std::time::Duration;

use regex::Regex;
use serde_json::Value as JsonValue;

use super::{json, parse, timestamp, value_string, Item, Stage, StageConfig};
use crate::entry::Timestamp;
use crate::push::selector::{valid_label_name, Selector};
use crate::write::TENANT_LABEL;

/// `stage.drop` settings.
#[derive(Clone, Debug, Default)]
pub struct DropConfig {
    pub sources: Vec<String>,
    pub separator: String,
    pub value: Option<String>,
    pub expression: Option<String>,
    pub older_than: Option<Duration>,
    pub longer_than: Option<usize>,
}

/// `stage.match` `action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchAction {
    Keep,
    Drop,
}

pub(crate) fn build(cfg: &StageConfig) -> Result<Box<dyn Stage>, String> {
    Ok(match cfg {
        StageConfig::Json {
            expressions,
            regex,
            source,
            drop_malformed,
        } => {
            if expressions.is_empty() && regex.is_none() {
                return Err("stage.json: expressions or regex must be set".into());
            }
            let regex = regex
                .as_deref()
                .map(Regex::new)
                .transpose()
                .map_err(|e| format!("stage.json regex: {e}"))?;
            let compiled = expressions
                .iter()
                .map(|(name, expr)| {
                    let e = if expr.is_empty() { name } else { expr };
                    json::compile(e).map(|steps| (name.clone(), steps))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Box::new(JsonStage {
                regex,
                expressions: compiled,
                source: source.clone(),
                drop_malformed: *drop_malformed,
            })
        }
        StageConfig::Logfmt {
            mapping,
            regex,
            source,
        } => {
            if mapping.is_empty() && regex.is_none() {
                return Err("logfmt mapping or regex is required".into());
            }
            let regex = regex
                .as_deref()
                .map(Regex::new)
                .transpose()
                .map_err(|e| format!("stage.logfmt regex: {e}"))?;
            Box::new(LogfmtStage {
                regex,
                mapping: mapping.clone(),
                source: source.clone(),
            })
        }
        StageConfig::Regex {
            expression,
            source,
            labels_from_groups,
        } => {
            if expression.is_empty() {
                return Err("expression is required".into());
            }
            let re = Regex::new(expression)
                .map_err(|e| format!("could not compile regular expression: {e}"))?;
            if re.capture_names().flatten().next().is_none() {
                return Err("at least one named capture must be supplied".into());
            }
            if source.as_deref() == Some("") {
                return Err("empty source".into());
            }
            Box::new(RegexStage {
                re,
                source: source.clone(),
                labels_from_groups: *labels_from_groups,
            })
        }
        StageConfig::Labels { values } => {
            check_label_names(values.iter().map(|(k, _)| k))?;
            Box::new(LabelsStage {
                values: values.clone(),
                metadata: false,
            })
        }
        StageConfig::StructuredMetadata { values } => Box::new(LabelsStage {
            values: values.clone(),
            metadata: true,
        }),
        StageConfig::LabelDrop(names) => Box::new(LabelDropStage(names.clone(), false)),
        StageConfig::LabelKeep(names) => Box::new(LabelDropStage(names.clone(), true)),
        StageConfig::StaticLabels(values) => {
            check_label_names(values.iter().map(|(k, _)| k))?;
            Box::new(StaticLabelsStage(values.clone()))
        }
        StageConfig::Output { source } => {
            if source.is_empty() {
                return Err("output source value is required".into());
            }
            Box::new(OutputStage(source.clone()))
        }
        StageConfig::Drop(d) => {
            if d.sources.is_empty()
                && d.value.is_none()
                && d.expression.is_none()
                && d.older_than.is_none()
                && d.longer_than.is_none()
            {
                return Err("drop stage config must contain at least one of `source`, `expression`, `older_than` or `longer_than`".into());
            }
            if d.value.is_some() && d.expression.is_some() {
                return Err(
                    "drop stage config cannot contain both `value` and `expression`".into(),
                );
            }
            let expression = d
                .expression
                .as_deref()
                .map(Regex::new)
                .transpose()
                .map_err(|e| format!("drop stage regex compilation error: {e}"))?;
            Box::new(DropStage {
                cfg: d.clone(),
                expression,
            })
        }
        StageConfig::Match {
            selector,
            action,
            stages,
        } => {
            let selector = Selector::parse(selector)
                .map_err(|e| format!("invalid selector syntax for match stage: {e}"))?;
            if *action == MatchAction::Keep && stages.is_empty() {
                return Err(
                    "match stage must contain at least one stage when action is keep".into(),
                );
            }
            if *action == MatchAction::Drop && !stages.is_empty() {
                return Err(
                    "match stage configured with action drop must not contain stages".into(),
                );
            }
            Box::new(MatchStage {
                selector,
                action: *action,
                pipeline: super::Pipeline::new(stages)?,
            })
        }
        StageConfig::Tenant {
            label,
            source,
            value,
        } => {
            let set = [label, source, value]
                .iter()
                .filter(|v| v.is_some())
                .count();
            if set != 1 {
                return Err(
                    "exactly one of label, source or value must be set in tenant stage".into(),
                );
            }
            Box::new(TenantStage {
                label: label.clone(),
                source: source.clone(),
                value: value.clone(),
            })
        }
        StageConfig::Decolorize => Box::new(DecolorizeStage(
            Regex::new(r"\x1b\[[0-9;]*m").map_err(|e| e.to_string())?,
        )),
        StageConfig::Pack {
            labels,
            ingest_timestamp,
        } => Box::new(PackStage {
            labels: labels.clone(),
            ingest_timestamp: *ingest_timestamp,
        }),
        StageConfig::Timestamp {
            source,
            format,
            fallback_formats,
            action_on_failure,
        } => {
            if source.is_empty() {
                return Err("timestamp source value is required if timestamp is specified".into());
            }
            if format.is_empty() {
                return Err("timestamp format is required".into());
            }
            let fudge =
                match action_on_failure.as_str() {
                    "" | "fudge" => true,
                    "skip" => false,
                    other => return Err(format!(
                        "invalid action on failure (supported values are [fudge skip]): {other}"
                    )),
                };
            Box::new(TimestampStage {
                source: source.clone(),
                formats: std::iter::once(format.clone())
                    .chain(fallback_formats.iter().cloned())
                    .collect(),
                fudge,
                last: std::collections::HashMap::new(),
            })
        }
        StageConfig::Docker => Box::new(DockerStage),
        StageConfig::Replace { .. } => {
            return Err("stage.replace is not supported by this runtime yet".into())
        }
        StageConfig::Unsupported(name) => {
            return Err(format!("{name} is not supported by this runtime yet"))
        }
    })
}

fn check_label_names<'a>(names: impl Iterator<Item = &'a String>) -> Result<(), String> {
    for n in names {
        if !valid_label_name(n) {
            return Err(format!("invalid label name: {n}"));
        }
    }
    Ok(())
}

/// The text a stage reads: an extracted value, or the line.
fn source_text(item: &Item, source: &Option<String>) -> Option<String> {
    match source {
        None => Some(item.entry.line.to_string()),
        Some(s) => item.extracted.get(s).and_then(value_string),
    }
}

struct JsonStage {
    regex: Option<Regex>,
    expressions: Vec<(String, Vec<json::Step>)>,
    source: Option<String>,
    drop_malformed: bool,
}

impl Stage for JsonStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let Some(text) = source_text(item, &self.source) else {
            return true;
        };
        let parsed: JsonValue = match serde_json::from_str(&text) {
            Ok(v @ JsonValue::Object(_)) => v,
            _ => return !self.drop_malformed,
        };
        for (name, steps) in &self.expressions {
            let value = json::search(steps, &parsed).map_or(JsonValue::Null, json_extracted);
            item.extracted.insert(name.clone(), value);
        }
        if let (Some(re), JsonValue::Object(fields)) = (&self.regex, &parsed) {
            for (k, v) in fields {
                if re.is_match(k) {
                    item.extracted.insert(k.clone(), json_extracted(v));
                }
            }
        }
        true
    }
}

/// How `stage.json` stores a value: numbers as floats, scalars as they
/// are, objects and arrays as their JSON text.
fn json_extracted(v: &JsonValue) -> JsonValue {
    match v {
        JsonValue::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map(JsonValue::Number)
            .unwrap_or(JsonValue::Null),
        JsonValue::Null | JsonValue::String(_) | JsonValue::Bool(_) => v.clone(),
        other => JsonValue::String(other.to_string()),
    }
}

struct LogfmtStage {
    regex: Option<Regex>,
    mapping: Vec<(String, String)>,
    source: Option<String>,
}

impl Stage for LogfmtStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let Some(text) = source_text(item, &self.source) else {
            return true;
        };
        let pairs = parse::logfmt(&text);
        for (name, key) in &self.mapping {
            let key = if key.is_empty() { name } else { key };
            if let Some((_, v)) = pairs.iter().find(|(k, _)| k == key) {
                item.extracted
                    .insert(name.clone(), JsonValue::String(v.clone()));
            }
        }
        if let Some(re) = &self.regex {
            for (k, v) in &pairs {
                if re.is_match(k) {
                    item.extracted
                        .insert(k.clone(), JsonValue::String(v.clone()));
                }
            }
        }
        true
    }
}

struct RegexStage {
    re: Regex,
    source: Option<String>,
    labels_from_groups: bool,
}

impl Stage for RegexStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let Some(text) = source_text(item, &self.source) else {
            return true;
        };
        let Some(caps) = self.re.captures(&text) else {
            return true;
        };
        for name in self.re.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                item.extracted
                    .insert(name.to_owned(), JsonValue::String(m.as_str().to_owned()));
                if self.labels_from_groups && valid_label_name(name) {
                    item.entry.labels.insert(name, m.as_str());
                }
            }
        }
        true
    }
}

struct LabelsStage {
    values: Vec<(String, String)>,
    metadata: bool,
}

impl Stage for LabelsStage {
    fn process(&mut self, item: &mut Item) -> bool {
        for (name, source) in &self.values {
            let source = if source.is_empty() { name } else { source };
            let mut value = item.extracted.get(source).and_then(value_string);
            if self.metadata && value.is_none() {
                value = item.entry.labels.get(source).map(str::to_owned);
            }
            let Some(value) = value else {
                continue;
            };
            if self.metadata {
                // A label promoted to metadata leaves the label set.
                item.entry.labels.remove(source);
                item.entry.structured_metadata.set(name.clone(), value);
            } else {
                item.entry.labels.insert(name.clone(), value);
            }
        }
        true
    }
}

struct LabelDropStage(Vec<String>, bool);

impl Stage for LabelDropStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let keep = self.1;
        item.entry
            .labels
            .retain(|k, _| self.0.iter().any(|n| n == k) == keep);
        true
    }
}

struct StaticLabelsStage(Vec<(String, String)>);

impl Stage for StaticLabelsStage {
    fn process(&mut self, item: &mut Item) -> bool {
        for (k, v) in &self.0 {
            item.entry.labels.insert(k.clone(), v.clone());
        }
        true
    }
}

struct OutputStage(String);

impl Stage for OutputStage {
    fn process(&mut self, item: &mut Item) -> bool {
        if let Some(v) = item.extracted.get(&self.0).and_then(value_string) {
            item.entry.line = v.into();
        }
        true
    }
}

struct DropStage {
    cfg: DropConfig,
    expression: Option<Regex>,
}

impl Stage for DropStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let c = &self.cfg;
        let mut matched = true;
        if let Some(limit) = c.older_than {
            let cutoff = Timestamp::now().add_nanos(-(limit.as_nanos() as i128));
            matched &= item.entry.timestamp < cutoff;
        }
        if let Some(n) = c.longer_than {
            matched &= item.entry.line.len() > n;
        }
        if !c.sources.is_empty() || c.value.is_some() || c.expression.is_some() {
            let text = if c.sources.is_empty() {
                Some(item.entry.line.to_string())
            } else {
                let values: Option<Vec<String>> = c
                    .sources
                    .iter()
                    .map(|s| item.extracted.get(s).and_then(value_string))
                    .collect();
                values.map(|v| v.join(&c.separator))
            };
            matched &= match (&text, &c.value, &self.expression) {
                (None, _, _) => false,
                (Some(t), Some(v), _) => t == v,
                (Some(t), None, Some(re)) => re.is_match(t),
                (Some(_), None, None) => true,
            };
        }
        !matched
    }
}

struct MatchStage {
    selector: Selector,
    action: MatchAction,
    pipeline: super::Pipeline,
}

impl Stage for MatchStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let matches = self.selector.matches_labels(&item.entry.labels)
            && self.selector.matches_line(&item.entry.line);
        match (matches, self.action) {
            (false, _) => true,
            (true, MatchAction::Drop) => false,
            (true, MatchAction::Keep) => self.pipeline.run(item),
        }
    }
}

struct TenantStage {
    label: Option<String>,
    source: Option<String>,
    value: Option<String>,
}

impl Stage for TenantStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let tenant = if let Some(v) = &self.value {
            Some(v.clone())
        } else if let Some(l) = &self.label {
            item.entry.labels.get(l).map(str::to_owned)
        } else {
            self.source
                .as_ref()
                .and_then(|s| item.extracted.get(s))
                .and_then(value_string)
        };
        if let Some(t) = tenant.filter(|t| !t.is_empty()) {
            item.entry.labels.insert(TENANT_LABEL, t);
        }
        true
    }
}

struct DecolorizeStage(Regex);

impl Stage for DecolorizeStage {
    fn process(&mut self, item: &mut Item) -> bool {
        if let std::borrow::Cow::Owned(s) = self.0.replace_all(&item.entry.line, "") {
            item.entry.line = s.into();
        }
        true
    }
}

struct PackStage {
    labels: Vec<String>,
    ingest_timestamp: bool,
}

impl Stage for PackStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let mut out = String::from("{");
        let mut first = true;
        let mut push = |k: &str, v: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&JsonValue::String(k.to_owned()).to_string());
            out.push(':');
            out.push_str(&JsonValue::String(v.to_owned()).to_string());
        };
        let mut names: Vec<&String> = self.labels.iter().collect();
        names.sort();
        for name in names {
            let v = item
                .entry
                .labels
                .get(name)
                .map(str::to_owned)
                .or_else(|| item.extracted.get(name).and_then(value_string));
            if let Some(v) = v {
                push(name, &v);
            }
        }
        push("_entry", &item.entry.line);
        out.push('}');
        for name in &self.labels {
            item.entry.labels.remove(name);
        }
        item.entry.line = out.into();
        if self.ingest_timestamp {
            item.entry.timestamp = Timestamp::now();
        }
        true
    }
}

struct TimestampStage {
    source: String,
    formats: Vec<String>,
    fudge: bool,
    last: std::collections::HashMap<crate::entry::Labels, Timestamp>,
}

impl Stage for TimestampStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let text = item.extracted.get(&self.source).and_then(value_string);
        let year = crate::time::to_civil(Timestamp::now(), 0).year;
        let parsed = text.and_then(|text| {
            self.formats
                .iter()
                .find_map(|f| timestamp::parse(f, &text, year).ok())
        });
        match parsed {
            Some(ts) => {
                item.entry.timestamp = ts;
                self.last.insert(item.entry.labels.clone(), ts);
            }
            None if self.fudge => {
                if let Some(last) = self.last.get(&item.entry.labels) {
                    let ts = last.add_nanos(1);
                    item.entry.timestamp = ts;
                    self.last.insert(item.entry.labels.clone(), ts);
                }
            }
            None => {}
        }
        true
    }
}

/// `stage.docker`: Docker's JSON log lines (`log`, `stream`, `time`).
struct DockerStage;

impl Stage for DockerStage {
    fn process(&mut self, item: &mut Item) -> bool {
        let Ok(JsonValue::Object(m)) = serde_json::from_str::<JsonValue>(&item.entry.line) else {
            return true;
        };
        if let Some(JsonValue::String(stream)) = m.get("stream") {
            item.extracted
                .insert("stream".into(), JsonValue::String(stream.clone()));
            item.entry.labels.insert("stream", stream.clone());
        }
        if let Some(JsonValue::String(t)) = m.get("time") {
            item.extracted
                .insert("timestamp".into(), JsonValue::String(t.clone()));
            if let Ok(ts) = crate::time::parse_rfc3339(t) {
                item.entry.timestamp = ts;
            }
        }
        if let Some(JsonValue::String(log)) = m.get("log") {
            item.extracted
                .insert("output".into(), JsonValue::String(log.clone()));
            item.entry.line = log.clone().into();
        }
        true
    }
}
