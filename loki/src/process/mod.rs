//! `loki.process` stages, independent of Alloy syntax: the runtime decodes
//! `stage.*` blocks into [`StageConfig`]s and builds a [`Pipeline`].
//!
//! As upstream, every entry carries an *extracted* map (typed values:
//! strings, numbers, booleans, objects) that parsing stages fill and the
//! others read; before the first stage the entry's labels are copied into
//! it. A stage may drop the entry. Stages not implemented yet are refused
//! by name when the pipeline is built ([`StageConfig::Unsupported`]).

mod json;
mod parse;
mod stages;
pub mod timestamp;

use std::collections::BTreeMap;

use serde_json::Value as JsonValue;

use crate::entry::Entry;
pub use stages::{DropConfig, MatchAction};

/// The extracted map.
pub type Extracted = BTreeMap<String, JsonValue>;

/// One entry on its way through the stages.
#[derive(Clone, Debug)]
pub struct Item {
    pub entry: Entry,
    pub extracted: Extracted,
}

/// A stage's configuration (one `stage.*` block).
#[derive(Clone, Debug)]
pub enum StageConfig {
    Json {
        expressions: Vec<(String, String)>,
        /// Every top-level field whose name matches is extracted too.
        regex: Option<String>,
        source: Option<String>,
        drop_malformed: bool,
    },
    Logfmt {
        mapping: Vec<(String, String)>,
        regex: Option<String>,
        source: Option<String>,
    },
    Regex {
        expression: String,
        source: Option<String>,
        labels_from_groups: bool,
    },
    Labels {
        values: Vec<(String, String)>,
    },
    LabelDrop(Vec<String>),
    LabelKeep(Vec<String>),
    StaticLabels(Vec<(String, String)>),
    StructuredMetadata {
        values: Vec<(String, String)>,
    },
    Output {
        source: String,
    },
    Drop(DropConfig),
    Match {
        selector: String,
        action: MatchAction,
        stages: Vec<StageConfig>,
    },
    Tenant {
        label: Option<String>,
        source: Option<String>,
        value: Option<String>,
    },
    Decolorize,
    Pack {
        labels: Vec<String>,
        ingest_timestamp: bool,
    },
    Timestamp {
        source: String,
        format: String,
        fallback_formats: Vec<String>,
        action_on_failure: String,
    },
    Docker,
    Replace {
        expression: String,
        source: Option<String>,
        replace: String,
    },
    /// A stage this crate does not implement yet: building fails naming it.
    Unsupported(String),
}

/// A built stage.
pub(crate) trait Stage: Send {
    /// Processes one item; false drops it.
    fn process(&mut self, item: &mut Item) -> bool;
}

/// A built pipeline.
pub struct Pipeline {
    stages: Vec<Box<dyn Stage>>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pipeline({} stages)", self.stages.len())
    }
}

impl Pipeline {
    /// No stages: entries pass unchanged.
    pub fn empty() -> Pipeline {
        Pipeline { stages: Vec::new() }
    }

    pub fn new(configs: &[StageConfig]) -> Result<Pipeline, String> {
        let stages = configs
            .iter()
            .map(stages::build)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pipeline { stages })
    }

    /// Runs the stages on an item whose extracted map is already set.
    pub fn run(&mut self, item: &mut Item) -> bool {
        self.stages.iter_mut().all(|s| s.process(item))
    }

    /// Runs the stages on an entry: labels are copied into the extracted
    /// map first, as upstream. `None` when a stage dropped it.
    pub fn process(&mut self, entry: Entry) -> Option<Entry> {
        let mut item = Item::new(entry, Extracted::new());
        self.run(&mut item).then_some(item.entry)
    }
}

impl Item {
    /// An item whose extracted map starts as `extracted` plus the labels.
    pub fn new(entry: Entry, mut extracted: Extracted) -> Item {
        for (k, v) in entry.labels.iter() {
            extracted.insert(k.to_owned(), JsonValue::String(v.to_owned()));
        }
        Item { entry, extracted }
    }
}

/// Upstream's `getString`: how an extracted value reads as text.
pub fn value_string(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::String(s) => Some(s.clone()),
        JsonValue::Bool(b) => Some(b.to_string()),
        JsonValue::Number(n) => Some(if let Some(i) = n.as_i64() {
            i.to_string()
        } else if let Some(u) = n.as_u64() {
            u.to_string()
        } else {
            go_float(n.as_f64().unwrap_or(0.0))
        }),
        // Upstream's getString refuses maps and slices.
        JsonValue::Null | JsonValue::Array(_) | JsonValue::Object(_) => None,
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`.
fn go_float(f: f64) -> String {
    let s = format!("{f}");
    s
}
