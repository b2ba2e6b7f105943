//! `loki.process`: `stage.*` blocks decoded into `alloy_loki::process`
//! configs, run on every entry sent to the exported receiver, results sent
//! to `forward_to`.
//!
//! [`parse_stages`] reads stage blocks from Alloy text on their own (for
//! `alloy debug process` and the conformance tests), decoded against the
//! same catalogue schema as the component.

use std::sync::{Arc, Mutex};

use alloy_loki as loki;
use alloy_syntax::TextRange;
use loki::process::{DropConfig, MatchAction, Pipeline, StageConfig};
use loki::receiver::BoxFuture;
use loki::{Entry, Fanout, Receiver};

use super::{publish_receiver, receivers};
use crate::component::{
    Arguments, BoxFuture as ComponentFuture, Component, ComponentError, Context, Registration,
    Shutdown,
};
use crate::eval::BodyValue;

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("loki.process", |ctx, args| {
        let component = Arc::new(LokiProcess::new(&ctx));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "loki.process is missing from the catalogue"))
    .ok()
}

fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

fn opt_string(body: &BodyValue, name: &str) -> Result<Option<String>, ComponentError> {
    Ok(body.get::<String>(name)?)
}

fn map_pairs(body: &BodyValue, name: &str) -> Result<Vec<(String, String)>, ComponentError> {
    let map: std::collections::BTreeMap<String, Option<String>> =
        body.get_or(name, Default::default())?;
    Ok(map
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// The stage blocks of a body, in order.
pub fn decode_stages(body: &BodyValue) -> Result<Vec<StageConfig>, ComponentError> {
    body.blocks()
        .filter(|b| b.name.starts_with("stage."))
        .map(|b| decode_stage(&b.name, &b.body))
        .collect()
}

fn decode_stage(name: &str, b: &BodyValue) -> Result<StageConfig, ComponentError> {
    Ok(match name {
        "stage.json" => StageConfig::Json {
            expressions: map_pairs(b, "expressions")?,
            regex: opt_string(b, "regex")?.filter(|r| !r.is_empty()),
            source: opt_string(b, "source")?,
            drop_malformed: b.get_or("drop_malformed", false)?,
        },
        "stage.logfmt" => StageConfig::Logfmt {
            mapping: map_pairs(b, "mapping")?,
            regex: opt_string(b, "regex")?.filter(|r| !r.is_empty()),
            source: opt_string(b, "source")?,
        },
        "stage.regex" => StageConfig::Regex {
            expression: b.get_or("expression", String::new())?,
            source: opt_string(b, "source")?,
            labels_from_groups: b.get_or("labels_from_groups", false)?,
        },
        "stage.labels" => {
            if b.attribute("source_type").is_some() {
                return Err(err(
                    "stage.labels source_type is not supported by this runtime yet",
                ));
            }
            StageConfig::Labels {
                values: map_pairs(b, "values")?,
            }
        }
        "stage.structured_metadata" => {
            if b.attribute("regex").is_some() {
                return Err(err(
                    "stage.structured_metadata regex is not supported by this runtime yet",
                ));
            }
            StageConfig::StructuredMetadata {
                values: map_pairs(b, "values")?,
            }
        }
        "stage.label_drop" => StageConfig::LabelDrop(b.get_or("values", Vec::new())?),
        "stage.label_keep" => StageConfig::LabelKeep(b.get_or("values", Vec::new())?),
        "stage.static_labels" => {
            let map: std::collections::BTreeMap<String, Option<String>> =
                b.get_or("values", Default::default())?;
            StageConfig::StaticLabels(
                map.into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v)))
                    .collect(),
            )
        }
        "stage.output" => StageConfig::Output {
            source: b.get_or("source", String::new())?,
        },
        "stage.drop" => {
            if b.attribute("drop_counter_reason").is_some() {
                return Err(err(
                    "stage.drop drop_counter_reason is not supported by this runtime yet",
                ));
            }
            let sources = match b.attribute("source") {
                None => Vec::new(),
                Some(a) => match &a.value {
                    crate::value::Value::Array(_) => b.get_or("source", Vec::new())?,
                    _ => {
                        // A string names one source, or several separated by commas.
                        let s: String = b.get_or("source", String::new())?;
                        s.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    }
                },
            };
            let longer_than = match opt_string(b, "longer_than")? {
                None => None,
                Some(s) => Some(
                    crate::components::otelcol::parse_bytes(&s)
                        .ok_or_else(|| err(format!("stage.drop longer_than {s:?}: not a size")))?,
                ),
            };
            StageConfig::Drop(DropConfig {
                sources,
                separator: b.get_or("separator", ";".to_owned())?,
                value: opt_string(b, "value")?,
                expression: opt_string(b, "expression")?,
                older_than: b.get::<std::time::Duration>("older_than")?,
                longer_than,
            })
        }
        "stage.match" => {
            if b.attribute("pipeline_name").is_some()
                || b.attribute("drop_counter_reason").is_some()
            {
                return Err(err(
                    "stage.match pipeline_name and drop_counter_reason are not supported by this runtime yet",
                ));
            }
            let action: String = b.get_or("action", "keep".to_owned())?;
            StageConfig::Match {
                selector: b.get_or("selector", String::new())?,
                action: match action.as_str() {
                    "keep" => MatchAction::Keep,
                    "drop" => MatchAction::Drop,
                    other => {
                        return Err(err(format!(
                            "match stage action should be 'keep' or 'drop', got {other:?}"
                        )))
                    }
                },
                stages: decode_stages(b)?,
            }
        }
        "stage.tenant" => StageConfig::Tenant {
            label: opt_string(b, "label")?,
            source: opt_string(b, "source")?,
            value: opt_string(b, "value")?,
        },
        "stage.decolorize" => StageConfig::Decolorize,
        "stage.pack" => StageConfig::Pack {
            labels: b.get_or("labels", Vec::new())?,
            ingest_timestamp: b.get_or("ingest_timestamp", true)?,
        },
        "stage.timestamp" => {
            if let Some(loc) = opt_string(b, "location")? {
                if loc != "UTC" {
                    return Err(err(
                        "stage.timestamp location is not supported by this runtime yet",
                    ));
                }
            }
            if b.attribute("action_on_duplicate_timestamp").is_some() {
                return Err(err(
                    "stage.timestamp action_on_duplicate_timestamp is not supported by this runtime yet",
                ));
            }
            StageConfig::Timestamp {
                source: b.get_or("source", String::new())?,
                format: b.get_or("format", String::new())?,
                fallback_formats: b.get_or("fallback_formats", Vec::new())?,
                action_on_failure: b.get_or("action_on_failure", "fudge".to_owned())?,
            }
        }
        "stage.docker" => StageConfig::Docker,
        other => StageConfig::Unsupported(other.to_owned()),
    })
}

/// Why stage text was refused: the message and, when known, where.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSourceError {
    pub message: String,
    pub range: Option<TextRange>,
}

/// Parses and decodes `stage.*` blocks written in Alloy syntax (the body
/// of a `loki.process` block without `forward_to`) and builds their
/// pipeline to check it.
pub fn parse_stages(text: &str) -> Result<Vec<StageConfig>, StageSourceError> {
    let parse = alloy_syntax::parse(text);
    if let Some(e) = parse.errors().first() {
        return Err(StageSourceError {
            message: e.to_string(),
            range: Some(e.range),
        });
    }
    let schema = alloy_analysis::catalogue::component("loki.process")
        .map(|c| c.body())
        .ok_or_else(|| StageSourceError {
            message: "loki.process is missing from the catalogue".into(),
            range: None,
        })?;
    let mut stmts: Vec<_> = parse.tree().statements().collect();
    // `forward_to` is required by the component; stages do not need it.
    let extra = alloy_syntax::parse("forward_to = []\n");
    stmts.extend(extra.tree().statements());
    let scope = crate::eval::Scope::new();
    let body = crate::eval::decode_body(stmts, &scope, &schema).map_err(|e| StageSourceError {
        message: e.to_string(),
        range: e.range(),
    })?;
    let stages = decode_stages(&body).map_err(|e| StageSourceError {
        message: e.to_string(),
        range: None,
    })?;
    Pipeline::new(&stages).map_err(|message| StageSourceError {
        message,
        range: None,
    })?;
    Ok(stages)
}

struct Engine {
    pipeline: Mutex<Pipeline>,
    forward_to: Fanout,
}

/// The exported receiver: runs the current pipeline and forwards.
struct ProcessReceiver {
    engine: Mutex<Arc<Engine>>,
}

impl Receiver for ProcessReceiver {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        let engine = self
            .engine
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let out: Vec<Entry> = {
            let mut pipeline = engine.pipeline.lock().unwrap_or_else(|p| p.into_inner());
            entries
                .into_iter()
                .filter_map(|e| pipeline.process(e))
                .collect()
        };
        Box::pin(async move { engine.forward_to.send(out).await })
    }
}

struct LokiProcess {
    receiver: Arc<ProcessReceiver>,
}

impl LokiProcess {
    fn new(ctx: &Context) -> LokiProcess {
        let receiver = Arc::new(ProcessReceiver {
            engine: Mutex::new(Arc::new(Engine {
                pipeline: Mutex::new(Pipeline::empty()),
                forward_to: Fanout::default(),
            })),
        });
        publish_receiver(ctx, receiver.clone());
        LokiProcess { receiver }
    }
}

impl Component for LokiProcess {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let stages = decode_stages(&args)?;
        let pipeline = Pipeline::new(&stages).map_err(err)?;
        let forward_to = receivers(&args, "forward_to")?;
        *self
            .receiver
            .engine
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(Engine {
            pipeline: Mutex::new(pipeline),
            forward_to,
        });
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        shutdown: Shutdown,
    ) -> ComponentFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            shutdown.cancelled().await;
            Ok(())
        })
    }
}
